"""The Dagster code location: every asset, check, resource, job, schedule and sensor.

Loading this module reads the dbt manifest prepared by ``make`` but never parses the
dbt project, touches the network or opens the warehouse.
"""

from importlib.util import find_spec

from dagster import (
    Definitions,
    load_asset_checks_from_modules,
    load_asset_checks_from_package_name,
    load_assets_from_modules,
)

from dagster_project.defs import jobs, resources, schedules, sensors
from dagster_project.defs.assets import dbt_models, ingestion, matching, publish, reports, trial

#: Every module whose assets feed ``published``; a new asset module goes here.
UPSTREAM_ASSET_MODULES = [ingestion, dbt_models, matching, trial, reports]
#: Standalone asset checks (great-expectations suites); every module in it is loaded.
CHECKS_PACKAGE = "dagster_project.defs.checks"


def _load_checks() -> list:
    checks = list(load_asset_checks_from_modules(UPSTREAM_ASSET_MODULES))
    if find_spec(CHECKS_PACKAGE) is not None:
        checks += load_asset_checks_from_package_name(CHECKS_PACKAGE)
    return checks


upstream_assets = load_assets_from_modules(UPSTREAM_ASSET_MODULES)
upstream_checks = _load_checks()

defs = Definitions(
    assets=[
        *upstream_assets,
        publish.build_published_asset([*upstream_assets, *upstream_checks]),
    ],
    asset_checks=upstream_checks,
    resources=resources.build_resources(),
    jobs=[jobs.refresh_warehouse_job],
    schedules=schedules.schedules,
    sensors=sensors.sensors,
)
