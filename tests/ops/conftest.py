"""Fixtures for the operations tests: a tmp data folder and small hand-made warehouses."""

from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, materialize
from dagster_duckdb import DuckDBResource

from dagster_project import settings
from dagster_project.defs.assets.publish import build_published_asset
from dagster_project.instance import DAGSTER_HOME_ENV


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(path))
    monkeypatch.delenv(settings.LANDING_DIR_ENV, raising=False)
    # Opening the folder's instance sets it; restored after the test.
    monkeypatch.delenv(DAGSTER_HOME_ENV, raising=False)
    return path


def _build_warehouse(path: Path, version: int = 1, rows_per_version: int = 10) -> None:
    """A warehouse with every layer: what must and must not reach the published file.

    marts.fct_contacts has ``rows_per_version * version`` rows, each carrying ``version``.
    """
    path.unlink(missing_ok=True)
    rows = rows_per_version * version
    con = duckdb.connect(str(path))
    try:
        for schema in ("raw", "staging", "intermediate", "matching", "marts", "trial", "audit"):
            con.execute(f"CREATE SCHEMA {schema}")
        con.execute(
            "CREATE TABLE raw.contacts AS SELECT 'C' || i AS contact_id, 'k' || i AS child_key, "
            "'Mrs J Smith (DSL)' AS referrer_name FROM range(?) t(i)",
            [rows],
        )
        con.execute(
            "CREATE TABLE staging.stg_mash__contacts AS SELECT contact_id, referrer_name, "
            "lower(referrer_name) AS referrer_name_key FROM raw.contacts"
        )
        con.execute(
            "CREATE TABLE marts.fct_contacts AS SELECT contact_id, child_key, "
            "? AS version, 'Schools' AS agency_type FROM raw.contacts",
            [version],
        )
        con.execute(
            "CREATE VIEW marts.rpt_agency_type_summary AS SELECT agency_type, "
            "count(*) AS total FROM marts.fct_contacts GROUP BY agency_type"
        )
        con.execute(
            "CREATE TABLE trial.results AS SELECT 'contacts' AS outcome, 0.9 AS estimate, "
            "true AS is_primary"
        )
        con.execute(
            "CREATE TABLE audit.loaded_files AS SELECT 'contacts/a.csv' AS file_name, "
            "'loaded' AS status"
        )
        con.execute(
            "CREATE TABLE audit.agency_match_review AS SELECT 'mrs j smith dsl' AS "
            "referrer_name_key, 'Schools' AS agency_type, 'SCH123' AS best_agency_id, "
            "0.71 AS best_score, 3 AS occurrences"
        )
    finally:
        con.close()


def _add_table(path: Path, ddl: str) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(ddl)
    finally:
        con.close()


def _publish(warehouse: Path, instance: DagsterInstance | None = None):
    """Materialise the real ``published`` asset, with no upstream asset, in this process."""
    asset = build_published_asset([])
    return materialize(
        [asset],
        resources={"duckdb": DuckDBResource(database=str(warehouse))},
        instance=instance or DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def _file_state(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def _published_tables(path: Path) -> dict[str, list[str]]:
    """{schema.table: [columns]} of a published file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT schema_name || '.' || table_name, list(column_name ORDER BY column_index) "
            "FROM duckdb_columns() WHERE NOT internal GROUP BY ALL"
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


@pytest.fixture
def warehouse(data_dir) -> Path:
    path = settings.warehouse_path()
    _build_warehouse(path)
    return path


@pytest.fixture
def build_warehouse():
    return _build_warehouse


@pytest.fixture
def add_table():
    return _add_table


@pytest.fixture
def run_publish():
    return _publish


@pytest.fixture
def file_state():
    return _file_state


@pytest.fixture
def published_tables():
    return _published_tables
