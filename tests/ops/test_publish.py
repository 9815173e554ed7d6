"""The ``published`` asset copies marts, trial and audit, and nothing analysts must not see."""

import duckdb
import pytest

from dagster_project import settings
from dagster_project.publishing import PUBLISHED_SCHEMAS, guard_violations


def _count(path, table: str) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def test_publishes_marts_trial_and_audit_as_tables(warehouse, run_publish, published_tables):
    result = run_publish(warehouse)

    assert result.success
    published = settings.published_path()
    tables = published_tables(published)
    assert {name.split(".")[0] for name in tables} <= set(PUBLISHED_SCHEMAS)
    for name in ("marts.fct_contacts", "marts.rpt_agency_type_summary", "trial.results"):
        assert _count(published, name) == _count(warehouse, name)
    assert "raw.contacts" not in tables
    assert "staging.stg_mash__contacts" not in tables
    # The review queue goes out without the normalised referrer name.
    assert "referrer_name_key" not in tables["audit.agency_match_review"]
    assert "best_agency_id" in tables["audit.agency_match_review"]

    con = duckdb.connect(str(published), read_only=True)
    try:
        views = con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()
        run_id, total_rows = con.execute(
            "SELECT run_id, total_rows FROM audit.publication"
        ).fetchone()
    finally:
        con.close()
    assert views == (0,)
    assert run_id == result.run_id
    assert total_rows == sum(
        _count(published, name) for name in tables if name != "audit.publication"
    )


def test_records_what_was_published_as_metadata(warehouse, run_publish):
    result = run_publish(warehouse)

    (materialization,) = result.asset_materializations_for_node("published")
    metadata = materialization.metadata
    rows = {record.data["table"]: record.data["rows"] for record in metadata["tables"].records}
    assert rows["marts.fct_contacts"] == _count(warehouse, "marts.fct_contacts")
    assert rows["trial.results"] == _count(warehouse, "trial.results")
    assert metadata["total_rows"].value == sum(rows.values())
    assert metadata["published_at"].value > 0
    dropped = {r.data["table"]: r.data["dropped_columns"] for r in metadata["tables"].records}
    assert dropped["audit.agency_match_review"] == "referrer_name_key"


@pytest.mark.parametrize(
    "ddl",
    [
        "CREATE TABLE marts.dim_child AS SELECT 'X1' AS child_id",
        "CREATE TABLE marts.fct_calls AS SELECT 'c1' AS call_id, '07700900123' AS caller_number",
        "CREATE TABLE trial.notes AS SELECT 'Mrs J Smith' AS referrer_name",
        "CREATE TABLE audit.addresses AS SELECT '1 High St' AS Referrer_Address",
        "CREATE TABLE marts.stg_mash__contacts AS SELECT 1 AS contact_id",
    ],
)
def test_guard_refuses_personal_data_and_keeps_the_old_file(
    warehouse, run_publish, add_table, file_state, ddl
):
    assert run_publish(warehouse).success
    published = settings.published_path()
    before = file_state(published)
    add_table(warehouse, ddl)

    result = run_publish(warehouse)

    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "Refusing to publish" in failure.step_failure_data.error.message
    assert file_state(published) == before
    assert sorted(p.name for p in published.parent.iterdir()) == [published.name]


def test_guard_names_every_violation(tmp_path):
    path = tmp_path / "bad.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA staging")
    con.execute("CREATE TABLE staging.stg_x AS SELECT 1 AS a")
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.ok AS SELECT 1 AS child_key, 2 AS phone_contacts")
    con.execute("CREATE TABLE marts.bad AS SELECT 1 AS child_id, 2 AS telephone_num")
    con.close()

    problems = guard_violations(path)

    assert any(p.startswith("staging.stg_x: the staging schema") for p in problems)
    assert any(p.startswith("staging.stg_x: a stg table") for p in problems)
    assert any(p.startswith("marts.bad.child_id") for p in problems)
    assert any(p.startswith("marts.bad.telephone_num") for p in problems)
    assert not any(p.startswith("marts.ok") for p in problems)


def test_without_a_warehouse_publish_fails_clearly(data_dir, run_publish):
    result = run_publish(settings.warehouse_path())

    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "There is no warehouse at" in failure.step_failure_data.error.message
    assert not settings.published_path().exists()


def test_the_key_binding_stays_in_the_warehouse(
    warehouse, run_publish, add_table, published_tables
):
    add_table(
        warehouse,
        "CREATE TABLE audit.pseudonym_key AS SELECT repeat('a', 64) AS fingerprint, "
        "now() AS bound_at, 'first load' AS how",
    )

    assert run_publish(warehouse).success

    tables = published_tables(settings.published_path())
    assert "audit.loaded_files" in tables
    assert "audit.pseudonym_key" not in tables
