"""Great-expectations suites as Dagster asset checks: two checks per checked table.

``gx_blocking`` runs a suite's ``critical`` expectations (the numbers would be wrong): ERROR,
``blocking=True``, so assets downstream of a failure do not run in that run. ``gx_warnings``
runs its ``warning`` expectations (the input was messy): WARN, nothing stops. Severity is
decided per expectation in the suite files (``expectations/``), whose meta says why.

The checks only read the warehouse, but DuckDB lets one process at a time open the file while
another writes it, so they queue in the writers' pool.
"""

from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from dagster_project.defs.resources import DUCKDB_WRITER_POOL
from dagster_project.quality import BLOCKING, WARNING, SuiteResult, run_suite

#: Suite (= table) and the asset that writes it: ingestion's raw tables, dbt's marts.
SUITE_ASSETS: dict[str, AssetKey] = {
    "raw.contacts": AssetKey(["raw", "contacts"]),
    "raw.calls": AssetKey(["raw", "calls"]),
    "raw.schools": AssetKey(["raw", "schools"]),
    "marts.fct_contacts": AssetKey("fct_contacts"),
    "marts.fct_school_month": AssetKey("fct_school_month"),
    "marts.rpt_district_rates": AssetKey("rpt_district_rates"),
    "marts.dim_school": AssetKey("dim_school"),
}

BLOCKING_CHECK = "gx_blocking"
WARNING_CHECK = "gx_warnings"

_SEVERITIES = {
    BLOCKING: (BLOCKING_CHECK, AssetCheckSeverity.ERROR),
    WARNING: (WARNING_CHECK, AssetCheckSeverity.WARN),
}


def check_result(result: SuiteResult, severity: AssetCheckSeverity) -> AssetCheckResult:
    metadata = {
        "suite": result.suite,
        "expectations_evaluated": result.evaluated,
        "expectations_failed": len(result.failures),
        "seconds": round(result.seconds, 2),
    }
    if result.row_count is not None:
        metadata["rows"] = result.row_count
    if not result.success:
        metadata["failures"] = MetadataValue.md(result.failures_markdown())
    return AssetCheckResult(
        passed=result.success,
        severity=severity,
        metadata=metadata,
        description=result.error,
    )


def build_suite_check(suite: str, asset_key: AssetKey, severity: str) -> AssetChecksDefinition:
    name, check_severity = _SEVERITIES[severity]
    is_blocking = severity == BLOCKING
    consequence = "blocking: downstream assets do not run" if is_blocking else "warns only"

    @asset_check(
        asset=asset_key,
        name=name,
        description=f"great-expectations suite {suite}, {severity} expectations ({consequence}).",
        blocking=is_blocking,
        pool=DUCKDB_WRITER_POOL,
        metadata={"suite": suite, "expectation_severity": severity},
    )
    def _check(duckdb: DuckDBResource) -> AssetCheckResult:
        with duckdb.get_connection() as connection:
            result = run_suite(suite, connection, severity=severity)
        return check_result(result, check_severity)

    return _check


GX_CHECKS: list[AssetChecksDefinition] = [
    build_suite_check(suite, asset_key, severity)
    for suite, asset_key in SUITE_ASSETS.items()
    for severity in (BLOCKING, WARNING)
]
