"""The raw layer's contract as dbt source tests (dbt/models/staging/_raw__sources.yml): the
hand-built good raw tables pass, and each breakage fails the test meant for it, at the
severity meant for it. Real ``dbt build`` runs of the seeds and the source tests only."""

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.dbt_cli import run_dbt

from .conftest import build_good_warehouse

BREAKAGES = [
    # SQL that breaks the good raw tables, and (test, status) it must produce
    (
        "UPDATE raw.contacts SET child_district = 'Gotham' WHERE contact_id = 'C3'",
        ("raw_contacts_child_district_is_known", "warn"),
    ),
    (
        "UPDATE raw.contacts SET is_referral = 'Maybe' WHERE contact_id = 'C2'",
        ("raw_contacts_is_referral_is_y_or_n", "warn"),
    ),
    (
        "INSERT INTO raw.schools SELECT * REPLACE (source_row + 10 AS source_row) "
        "FROM raw.schools WHERE urn = 125000",
        ("raw_schools_urn_once_per_register_file", "warn"),
    ),
    (
        "INSERT INTO raw.contacts SELECT * FROM raw.contacts WHERE contact_id = 'C2'",
        ("raw_contacts_rows_loaded_once", "fail"),
    ),
    (
        "ALTER TABLE raw.contacts DROP COLUMN call_reference",
        ("source_has_declared_types_raw_contacts_", "fail"),
    ),
    (
        "ALTER TABLE raw.schools ALTER urn TYPE VARCHAR",
        ("source_has_declared_types_raw_schools_", "fail"),
    ),
    (
        "ALTER TABLE raw.calls ALTER call_id DROP NOT NULL; "
        "UPDATE raw.calls SET call_id = NULL WHERE call_id = 'K3'",
        ("source_not_null_raw_calls_call_id", "fail"),
    ),
]


def dbt_source_tests(warehouse: Path, target: Path) -> dict[str, str]:
    """Build the seeds and run the raw sources' tests on ``warehouse``: test name -> status."""
    run_dbt(
        ["build", "--quiet", "--select", "resource_type:seed", "source:raw"],
        warehouse.parent,
        target,
        check=False,
        capture_output=True,
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {
        result["unique_id"].split(".")[2]: result["status"]
        for result in results
        if result["unique_id"].startswith("test.")
    }


@pytest.fixture(scope="module")
def good_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_good_warehouse(tmp_path_factory.mktemp("good") / "warehouse.duckdb")


def test_good_raw_tables_pass_every_source_test(good_warehouse, tmp_path):
    statuses = dbt_source_tests(good_warehouse, tmp_path / "target")
    assert {name for name in statuses if name.startswith("source_")}, statuses
    assert set(statuses.values()) == {"pass"}, statuses


def test_each_breakage_fails_the_source_test_meant_for_it(good_warehouse, tmp_path):
    broken = tmp_path / "broken" / "warehouse.duckdb"
    broken.parent.mkdir()
    shutil.copy(good_warehouse, broken)
    with duckdb.connect(str(broken)) as connection:
        for breakage, _ in BREAKAGES:
            connection.execute(breakage)
    statuses = dbt_source_tests(broken, tmp_path / "target")
    for _, (test, status) in BREAKAGES:
        assert statuses.get(test) == status, (test, statuses.get(test))
