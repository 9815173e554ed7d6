"""The Dagster code location: every asset, check, resource, job, schedule and sensor.

Loading this module reads the dbt manifest prepared by ``make`` but never parses the
dbt project, touches the network or opens the warehouse.
"""

from dagster import Definitions, load_asset_checks_from_modules, load_assets_from_modules

from dagster_project.defs import jobs, resources, schedules, sensors
from dagster_project.defs.assets import dbt_models, ingestion, matching, publish, reports, trial
from dagster_project.defs.checks import gx_checks
from dagster_project.defs.owners import with_default_owners

#: Every module whose assets and checks come before ``published``; new modules go here.
UPSTREAM_MODULES = [ingestion, dbt_models, matching, trial, reports, gx_checks]

upstream_assets = with_default_owners(load_assets_from_modules(UPSTREAM_MODULES))
upstream_checks = load_asset_checks_from_modules(UPSTREAM_MODULES)


def build_definitions() -> Definitions:
    """The code location, its resources pointed at the data folder the environment names now."""
    return Definitions(
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


defs = build_definitions()
