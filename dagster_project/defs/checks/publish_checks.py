"""The asset check of ``published``: the analysts' file is what publishing the warehouse
gives now, and it opens read-only.

``published`` is the last asset, so a blocking check could stop nothing: the check warns,
naming every table that differs.
"""

from pathlib import Path

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue, asset_check
from dagster_duckdb import DuckDBResource

from dagster_project import settings
from dagster_project.defs.assets.publish import PUBLISHED_KEY
from dagster_project.defs.resources import DUCKDB_WRITER_POOL
from dagster_project.publishing import PUBLICATION_TABLE, publication_differences
from dagster_project.warehouse import MissingWarehouse, connect_read_only, qualified


def _open_read_only(path: Path) -> tuple[list[str], dict]:
    """Problems opening the file read-only, and what its publication row says."""
    try:
        con = connect_read_only(path)
    except (MissingWarehouse, duckdb.Error) as error:
        return [f"{path} does not open read-only: {error}"], {}
    try:
        published_at, run_id, tables = con.execute(
            f"SELECT published_at, run_id, tables FROM {qualified('.'.join(PUBLICATION_TABLE))}"
        ).fetchone()
    except (duckdb.Error, TypeError) as error:
        return [f"{path} has no readable publication row: {error}"], {}
    finally:
        con.close()
    return [], {"published_at": str(published_at), "published_by_run": run_id, "tables": tables}


@asset_check(
    asset=PUBLISHED_KEY,
    name="published_matches_warehouse",
    description=(
        "The published file opens read-only and holds the warehouse's marts, trial and audit "
        "tables with the same columns, types and row counts, less what publishing leaves out "
        "on purpose (audit.pseudonym_key, the review queue's name columns), plus "
        "audit.publication. Warns: published is the last asset, so nothing is downstream to stop."
    ),
    pool=DUCKDB_WRITER_POOL,
)
def published_matches_warehouse(duckdb: DuckDBResource) -> AssetCheckResult:
    path = settings.published_path()
    problems, metadata = _open_read_only(path)
    if not problems:
        with duckdb.get_connection() as conn:
            problems = publication_differences(conn, path)
    metadata = {"path": MetadataValue.path(str(path)), "problems_found": len(problems), **metadata}
    if problems:
        metadata["problems"] = MetadataValue.md("\n".join(f"- {p}" for p in problems))
    return AssetCheckResult(
        passed=not problems, severity=AssetCheckSeverity.WARN, metadata=metadata
    )
