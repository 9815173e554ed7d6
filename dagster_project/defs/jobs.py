"""The one job the schedule and the landing sensor launch: every asset, checks included.

A single run over the whole graph (rather than per-asset automation conditions) keeps the
write-audit-publish order: ``published`` runs last and only after every blocking check of
the same run passed.
"""

from dagster import AssetSelection, define_asset_job, in_process_executor

REFRESH_JOB_NAME = "refresh_warehouse"

# Retries are kept for transient failures only: a step that finds the warehouse locked by
# another process retries itself (``WarehouseResource``), and a run whose worker crashed is
# retried by the instance (``run_retries`` in dagster_project/dagster.yaml). A failing dbt
# test or data check is deterministic, so it fails the step at once.
refresh_warehouse_job = define_asset_job(
    name=REFRESH_JOB_NAME,
    selection=AssetSelection.all(),
    description=(
        "Load new landing files, rebuild staging, matching, marts, trial tables and reports, "
        "then publish the analysts' copy if every blocking check passed."
    ),
    # One process for the whole run: the writer pool serialises the steps anyway, and dbt,
    # pandas and great-expectations are then imported once rather than once per step.
    executor_def=in_process_executor,
)
