"""Great-expectations suites as Dagster asset checks: one validation per checked table.

Each suite runs once per run, as one ``multi_asset_check`` whose results are split by the
expectations' severity into two checks: ``gx_blocking`` (``critical`` expectations, the
numbers would be wrong: ERROR, ``blocking=True``, so assets downstream of a failure do not
run) and ``gx_warnings`` (``warning`` expectations, the input was messy: WARN, nothing
stops). A suite without expectations of one severity has no check of it. Severity is decided
per expectation in the suite files (``expectations/``), whose meta says why.

The expectations are computed by DuckDB on the run's own connection to the warehouse (see
``dagster_project.quality.runner``); the checks queue in the writers' pool because DuckDB
lets one process at a time open the file while another writes it.
"""

from collections.abc import Iterator

from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)
from dagster_duckdb import DuckDBResource

from dagster_project.defs.resources import DUCKDB_WRITER_POOL
from dagster_project.quality import (
    BLOCKING,
    WARNING,
    Suite,
    SuiteResult,
    load_suite,
    validate_table,
)

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


def check_result(result: SuiteResult, asset_key: AssetKey, severity: str) -> AssetCheckResult:
    name, check_severity = _SEVERITIES[severity]
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
        asset_key=asset_key,
        check_name=name,
        passed=result.success,
        severity=check_severity,
        metadata=metadata,
        description=result.error,
    )


def check_description(suite: Suite, severity: str) -> str:
    """What a check verifies, for the Dagster UI: the suite's table, what a failure of
    this severity means, and the rules it runs (each expectation's notes)."""
    rules = "\n".join(
        f"- {expectation['notes']}" for expectation in suite.part(severity).expectations
    )
    return (
        f"great-expectations suite {suite.name} ({suite.meta.get('description', '')}), "
        f"{severity} expectations, computed in DuckDB. "
        f"{suite.meta['severity'][severity]}\n\n{rules}"
    )


def build_suite_checks(suite_name: str, asset_key: AssetKey) -> AssetChecksDefinition:
    """One validation of the suite, reported as a blocking and a warning check."""
    suite = load_suite(suite_name)
    severities = [severity for severity in (BLOCKING, WARNING) if suite.part(severity).expectations]
    specs = [
        AssetCheckSpec(
            name=_SEVERITIES[severity][0],
            asset=asset_key,
            description=check_description(suite, severity),
            blocking=severity == BLOCKING,
            metadata={"suite": suite_name, "expectation_severity": severity},
        )
        for severity in severities
    ]

    @multi_asset_check(
        specs=specs,
        name=f"{asset_key.to_python_identifier()}_gx",
        description=f"great-expectations suite {suite_name}, validated once for all its checks.",
        pool=DUCKDB_WRITER_POOL,
    )
    def _checks(duckdb: DuckDBResource) -> Iterator[AssetCheckResult]:
        with duckdb.get_connection() as connection:
            results = validate_table(suite_name, connection)
        for severity in severities:
            yield check_result(results[severity], asset_key, severity)

    return _checks


GX_CHECKS: list[AssetChecksDefinition] = [
    build_suite_checks(suite, asset_key) for suite, asset_key in SUITE_ASSETS.items()
]
