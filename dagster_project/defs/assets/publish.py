"""Write-audit-publish: the ``published`` asset swaps in the analysts' copy of the warehouse.

Dagster already skips ``published`` when a blocking check upstream fails in the same run.
The asset checks again before it replaces anything: no blocking check may have failed in
this run, and the latest evaluation of every blocking check of the upstream assets must not
be a failure (that covers a run that materialises ``published`` alone after a failed night).
"""

from collections.abc import Iterable
from pathlib import Path

from dagster import (
    AssetCheckEvaluation,
    AssetCheckKey,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    DagsterEventType,
    Failure,
    MaterializeResult,
    MetadataValue,
    SourceAsset,
    TableColumn,
    TableRecord,
    TableSchema,
    asset,
)
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster_duckdb import DuckDBResource

from dagster_project import night_inputs, settings
from dagster_project.defs.resources import DUCKDB_WRITER_POOL, PLATFORM_OWNERS
from dagster_project.publishing import (
    NothingToPublishError,
    Publication,
    PublishGuardError,
    publish_warehouse,
)

PUBLISHED_KEY = AssetKey("published")
PUBLISH_GROUP = "publish"
#: The layers whose assets ``published`` depends on: the schemas it carries (a dbt model's
#: schema, a Python asset's key prefix) and the reports.
FINAL_LAYERS = ("marts", "trial", "audit", "reports")


def layer(spec: AssetSpec) -> str:
    """A dbt model's schema (``marts``), else a Python asset's key prefix (``trial``)."""
    table_name = spec.metadata.get("dagster/table_name")
    return str(table_name).split(".")[-2] if table_name else spec.key.path[0]


def final_assets(specs: Iterable[AssetSpec]) -> list[AssetKey]:
    """The keys of the assets in ``FINAL_LAYERS``: the marts, trial and audit tables, the
    reports."""
    return [spec.key for spec in specs if layer(spec) in FINAL_LAYERS]


def _is_blocking_failure(evaluation: AssetCheckEvaluation) -> bool:
    return (
        not evaluation.passed
        and evaluation.severity == AssetCheckSeverity.ERROR
        and bool(evaluation.blocking)
    )


def _check_name(key: AssetCheckKey) -> str:
    return f"{key.asset_key.to_user_string()}:{key.name}"


def upstream_keys(definitions: Iterable) -> tuple[set[AssetKey], set[AssetCheckKey]]:
    """The asset keys, and the keys of the blocking checks, of assets and checks definitions."""
    assets: set[AssetKey] = set()
    blocking: set[AssetCheckKey] = set()
    for item in definitions:
        if isinstance(item, AssetsDefinition):
            assets.update(item.keys)
            blocking.update(spec.key for spec in item.check_specs if spec.blocking)
        elif isinstance(item, AssetSpec | SourceAsset):
            assets.add(item.key)
    return assets, blocking


def failed_blocking_checks(
    context: AssetExecutionContext, blocking_checks: Iterable[AssetCheckKey]
) -> dict[str, str]:
    """The blocking checks that forbid publishing, each with the reason."""
    instance = context.instance
    failures: dict[str, str] = {}

    run_records = instance.get_records_for_run(
        run_id=context.run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    for record in run_records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if _is_blocking_failure(evaluation):
            failures[_check_name(evaluation.asset_check_key)] = "failed in this run"

    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        list(blocking_checks)
    )
    for key, execution in latest.items():
        if execution.status != AssetCheckExecutionRecordStatus.FAILED or execution.event is None:
            continue
        evaluation = execution.event.dagster_event.event_specific_data
        if _is_blocking_failure(evaluation) and _check_name(key) not in failures:
            failures[_check_name(key)] = (
                f"its latest evaluation (run {execution.run_id}) failed and has not passed since"
            )
    return failures


def _publication_metadata(publication: Publication, blocking_checks: int) -> dict:
    table_schema = TableSchema(
        columns=[
            TableColumn("table", "string"),
            TableColumn("rows", "int"),
            TableColumn("dropped_columns", "string"),
        ]
    )
    records = [
        TableRecord(
            {
                "table": table.name,
                "rows": table.rows,
                "dropped_columns": ", ".join(table.dropped_columns),
            }
        )
        for table in publication.tables
    ]
    return {
        "path": MetadataValue.path(str(publication.path)),
        "published_at": MetadataValue.timestamp(publication.published_at),
        "tables": MetadataValue.table(records, schema=table_schema),
        "table_count": len(publication.tables),
        "total_rows": publication.total_rows,
        "blocking_checks_verified": blocking_checks,
        "swept_drafts": MetadataValue.json(list(publication.swept_drafts)),
    }


def build_published_asset(
    upstream: Iterable, depends_on: Iterable[AssetKey] | None = None
) -> AssetsDefinition:
    """The ``published`` asset, downstream of ``depends_on`` (default: every asset in
    ``upstream``).

    ``upstream`` holds the project's other assets and asset checks definitions; the asset
    refuses to publish while one of their blocking checks has failed.
    """
    upstream = list(upstream)
    upstream_assets, blocking_checks = upstream_keys(upstream)
    deps = upstream_assets if depends_on is None else set(depends_on)

    @asset(
        key=PUBLISHED_KEY,
        group_name=PUBLISH_GROUP,
        deps=sorted(deps, key=lambda key: key.to_user_string()),
        pool=DUCKDB_WRITER_POOL,
        owners=PLATFORM_OWNERS,
        kinds={"duckdb"},
        description=(
            "The analysts' read-only copy of the warehouse (data/published/mash.duckdb): the "
            "marts, trial and audit schemas as plain tables, without referrer free text. "
            "Replaced atomically, and only when no blocking check failed."
        ),
    )
    def published(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
        destination = settings.published_path()
        failures = failed_blocking_checks(context, blocking_checks)
        if failures:
            raise Failure(
                description=(
                    f"Not published: {len(failures)} blocking check(s) failed; "
                    f"{destination} is unchanged. "
                    + "; ".join(f"{name} {reason}" for name, reason in sorted(failures.items()))
                ),
                metadata={"failed_blocking_checks": MetadataValue.json(failures)},
                allow_retries=False,
            )
        try:
            publication = publish_warehouse(
                Path(duckdb.database), destination, run_id=context.run.run_id
            )
        except (NothingToPublishError, PublishGuardError) as error:
            raise Failure(
                description=f"Not published; {destination} is unchanged. {error}",
                allow_retries=False,
            ) from error
        if publication.swept_drafts:
            context.log.warning(
                "Removed drafts left by an interrupted publish: "
                + ", ".join(publication.swept_drafts)
            )
        context.log.info(
            f"Published {len(publication.tables)} tables ({publication.total_rows} rows) "
            f"to {publication.path}"
        )
        night = context.run.tags.get(night_inputs.FINGERPRINT_TAG)
        if night:
            with duckdb.get_connection() as conn:
                night_inputs.record(conn, night_inputs.Fingerprint.from_tag(night), built=True)
        return MaterializeResult(metadata=_publication_metadata(publication, len(blocking_checks)))

    return published
