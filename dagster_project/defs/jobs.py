"""The one job the schedule and the landing sensor launch: every asset, checks included.

A single run over the whole graph (rather than per-asset automation conditions) keeps the
write-audit-publish order: ``published`` runs last and only after every blocking check of
the same run passed.
"""

from dagster import AssetSelection, Backoff, RetryPolicy, define_asset_job, in_process_executor

REFRESH_JOB_NAME = "refresh_warehouse"

#: Step retries for transient failures (a DuckDB lock held by a stray process, a full disk
#: being cleared). Deterministic failures raise ``Failure(allow_retries=False)`` or a failed
#: blocking check, which Dagster never retries.
TRANSIENT_RETRY_POLICY = RetryPolicy(max_retries=2, delay=20, backoff=Backoff.EXPONENTIAL)

refresh_warehouse_job = define_asset_job(
    name=REFRESH_JOB_NAME,
    selection=AssetSelection.all(),
    description=(
        "Load new landing files, rebuild staging, matching, marts, trial tables and reports, "
        "then publish the analysts' copy if every blocking check passed."
    ),
    op_retry_policy=TRANSIENT_RETRY_POLICY,
    # One process for the whole run: the writer pool serialises the steps anyway, and dbt,
    # pandas and great-expectations are then imported once rather than once per step.
    executor_def=in_process_executor,
)
