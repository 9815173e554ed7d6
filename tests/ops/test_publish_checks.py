"""The check of ``published``, run by Dagster after the real publish: it passes on a fresh
publication (with what is left out on purpose) and warns on a file that differs."""

import duckdb
import pytest
from dagster import AssetSelection, DagsterInstance, materialize
from dagster_duckdb import DuckDBResource

from dagster_project import settings
from dagster_project.defs.assets.publish import build_published_asset
from dagster_project.defs.checks.publish_checks import published_matches_warehouse

CHECK = published_matches_warehouse


def _run(warehouse, checks_only: bool = False):
    result = materialize(
        [build_published_asset([]), CHECK],
        selection=AssetSelection.checks(CHECK) if checks_only else None,
        resources={"duckdb": DuckDBResource(database=str(warehouse))},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def _execute(path, sql: str) -> None:
    with duckdb.connect(str(path)) as conn:
        conn.execute(sql)


def _problems(evaluation) -> str:
    return evaluation.metadata["problems"].value


@pytest.fixture
def published(warehouse, add_table):
    """A warehouse with a key table that stays behind, published once."""
    add_table(warehouse, "CREATE TABLE audit.pseudonym_key AS SELECT 'abc' AS key_id")
    evaluation = _run(warehouse)
    assert evaluation.passed, evaluation.metadata
    return warehouse


def test_a_fresh_publication_matches_the_warehouse(published):
    evaluation = _run(published, checks_only=True)
    assert evaluation.passed
    assert evaluation.metadata["problems_found"].value == 0
    assert evaluation.metadata["tables"].value == 5


def test_a_published_table_with_a_different_count_warns(published):
    _execute(settings.published_path(), "DELETE FROM marts.fct_contacts WHERE version = 1")
    evaluation = _run(published, checks_only=True)
    assert not evaluation.passed and evaluation.severity.value == "WARN"
    assert "marts.fct_contacts: 0 rows published, 10 in the warehouse" in _problems(evaluation)


def test_a_table_added_to_the_warehouse_since_warns(published, add_table):
    add_table(published, "CREATE TABLE trial.balance AS SELECT 'pupils' AS variable")
    evaluation = _run(published, checks_only=True)
    assert not evaluation.passed
    assert "trial.balance is in the warehouse but not published" in _problems(evaluation)


def test_a_redacted_column_in_the_published_file_warns(published):
    _execute(
        settings.published_path(),
        "ALTER TABLE audit.agency_match_review ADD COLUMN referrer_name_key VARCHAR",
    )
    evaluation = _run(published, checks_only=True)
    assert not evaluation.passed
    assert "audit.agency_match_review: columns" in _problems(evaluation)


def test_a_published_file_that_does_not_open_warns(published):
    settings.published_path().write_bytes(b"not a database")
    evaluation = _run(published, checks_only=True)
    assert not evaluation.passed
    assert "does not open read-only" in _problems(evaluation)
