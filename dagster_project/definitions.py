"""The Dagster code location: every asset, check, resource, schedule and sensor.

Loading this module reads the dbt manifest prepared by ``make`` but never parses the
dbt project, touches the network or opens the warehouse.
"""

from dagster import Definitions, load_asset_checks_from_modules, load_assets_from_modules

from dagster_project.defs import resources, schedules, sensors
from dagster_project.defs.assets import dbt_models, ingestion, matching, publish, reports, trial
from dagster_project.defs.checks import gx_checks

ASSET_MODULES = [ingestion, dbt_models, matching, trial, reports, publish, gx_checks]

defs = Definitions(
    assets=load_assets_from_modules(ASSET_MODULES),
    asset_checks=load_asset_checks_from_modules(ASSET_MODULES),
    resources=resources.build_resources(),
    schedules=schedules.schedules,
    sensors=sensors.sensors,
)
