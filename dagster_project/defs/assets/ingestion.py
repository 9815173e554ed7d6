"""Ingestion assets: landing files into the raw and audit schemas (docs/raw-layer.md).

Bad input never fails the run: refused files are quarantined and bad rows rejected, and
each asset's ``all_input_accepted`` check warns with the counts and the first examples.
"""

from contextlib import closing
from typing import TYPE_CHECKING

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.resources import DUCKDB_WRITER_POOL, PLATFORM_OWNERS

# The ingestion code (openpyxl, numpy) is imported by the steps, so loading the definitions
# stays light.
if TYPE_CHECKING:
    from dagster_project.ingest.landing import KindReport

GROUP = "ingestion"
CHECK_NAME = "all_input_accepted"

RAW_CONTACTS = dg.AssetKey(["raw", "contacts"])
RAW_CALLS = dg.AssetKey(["raw", "calls"])
RAW_SCHOOLS = dg.AssetKey(["raw", "schools"])
RAW_SCHOOL_LINKS = dg.AssetKey(["raw", "school_links"])


def _check_spec(key: dg.AssetKey) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        CHECK_NAME,
        asset=key,
        description=(
            "Warns when this materialisation quarantined files or rejected rows of this kind; "
            "every refusal is in audit.quarantined_files and audit.rejected_rows."
        ),
    )


def _result(key: dg.AssetKey, report: "KindReport") -> dg.MaterializeResult:
    check = dg.AssetCheckResult(
        check_name=CHECK_NAME,
        asset_key=key,
        passed=report.all_accepted,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "files_quarantined": report.files_quarantined,
            "rows_rejected": report.rows_rejected,
            "quarantined_files": dg.MetadataValue.json(report.quarantine_examples),
            "rejected_row_examples": dg.MetadataValue.json(report.rejection_examples),
        },
    )
    return dg.MaterializeResult(
        asset_key=key,
        metadata={
            "files_loaded": report.files_loaded,
            "files_skipped": report.files_skipped,
            "files_quarantined": report.files_quarantined,
            "rows_loaded": report.rows_loaded,
            "rows_rejected": report.rows_rejected,
            "dagster/row_count": report.table_row_count,
        },
        check_results=[check],
    )


#: What every ingestion asset shares: its group, owners and kind.
RAW_ASSET = {"group_name": GROUP, "owners": PLATFORM_OWNERS, "kinds": {"duckdb"}}


@dg.asset(
    key=RAW_CONTACTS,
    pool=DUCKDB_WRITER_POOL,
    check_specs=[_check_spec(RAW_CONTACTS)],
    **RAW_ASSET,
)
def raw_contacts(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """MASH contact records from landing/contacts/, child ids pseudonymised (raw.contacts)."""
    from dagster_project.ingest.landing import ingest_contacts

    with duckdb.get_connection() as conn, closing(conn):
        report = ingest_contacts(conn, context.log)
    return _result(RAW_CONTACTS, report)


@dg.multi_asset(
    name="raw_schools_and_links",
    specs=[
        dg.AssetSpec(
            RAW_SCHOOLS,
            description="GIAS establishments from landing/schools/ (raw.schools).",
            **RAW_ASSET,
        ),
        dg.AssetSpec(
            RAW_SCHOOL_LINKS,
            description="GIAS links files (header with LinkURN) from landing/schools/.",
            **RAW_ASSET,
        ),
    ],
    check_specs=[_check_spec(RAW_SCHOOLS), _check_spec(RAW_SCHOOL_LINKS)],
    pool=DUCKDB_WRITER_POOL,
)
def raw_schools_and_links(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    from dagster_project.ingest.landing import ingest_schools

    with duckdb.get_connection() as conn, closing(conn):
        reports = ingest_schools(conn, context.log)
    yield _result(RAW_SCHOOLS, reports["schools"])
    yield _result(RAW_SCHOOL_LINKS, reports["school_links"])


@dg.asset(
    key=RAW_CALLS,
    pool=DUCKDB_WRITER_POOL,
    deps=[RAW_SCHOOLS],
    check_specs=[_check_spec(RAW_CALLS)],
    **RAW_ASSET,
)
def raw_calls(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Call records from landing/calls/; callers' numbers pseudonymised unless an
    organisation's (a school in raw.schools or an agency in the agencies seed)."""
    from dagster_project.ingest.landing import ingest_calls

    with duckdb.get_connection() as conn, closing(conn):
        report = ingest_calls(conn, context.log)
    return _result(RAW_CALLS, report)


#: audit.loaded_files, which every ingestion asset above writes (a row per landing file it
#: sees) and the dbt model audit.withdrawn_records reads: declared so the lineage shows it.
audit_loaded_files = dg.AssetSpec(
    dg.AssetKey(["audit", "loaded_files"]),
    description="Each landing file ingestion saw: loaded (with its load id), skipped or "
    "quarantined (audit.loaded_files).",
    deps=[RAW_CONTACTS, RAW_CALLS, RAW_SCHOOLS],
    **RAW_ASSET,
)
