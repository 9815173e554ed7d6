"""The trial's asset checks, run by Dagster on a tmp warehouse: they pass while the trial
waits and on a real analysis, and each fails on a fault planted in its table."""

import shutil
from datetime import date

import duckdb
import pytest
from dagster import AssetSelection, materialize
from dagster_duckdb import DuckDBResource

from dagster_project import settings
from dagster_project.defs.assets import trial as trial_assets
from dagster_project.defs.checks import trial_checks
from dagster_project.trial.assignment_store import ASSIGNMENT_FILE
from tests.trial.conftest import Warehouse, _write_plan

BASELINE_END = date(2019, 8, 1)
ASSETS = [
    trial_assets.trial_assignment,
    trial_assets.trial_balance,
    trial_assets.trial_results,
    trial_assets.trial_consort,
]
CHECKS = [
    trial_checks.assignment_frozen,
    trial_checks.assignment_balanced,
    trial_checks.results_complete,
    trial_checks.consort_consistent,
]


def _evaluations(result) -> dict:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def _run(warehouse, checks_only: bool = False) -> dict:
    result = materialize(
        [*ASSETS, *CHECKS],
        selection=AssetSelection.checks(*CHECKS) if checks_only else None,
        resources={"duckdb": DuckDBResource(database=str(warehouse.path))},
        raise_on_error=False,
    )
    return _evaluations(result)


def _execute(warehouse, sql: str) -> None:
    with duckdb.connect(str(warehouse.path)) as conn:
        conn.execute(sql)


@pytest.fixture(scope="module")
def analysed_folder(tmp_path_factory, population):
    """A trial randomised at the end of its baseline and analysed four months in, with its
    checks run once; each test works on a copy of its folder."""
    folder = tmp_path_factory.mktemp("analysed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(settings.TRIAL_PLAN_ENV, str(_write_plan(folder / "trial_plan.yml", {})))
        patch.setenv(settings.DATA_DIR_ENV, str(folder / "data"))
        warehouse = Warehouse(population)
        warehouse.write_marts(through=BASELINE_END)
        _run(warehouse)
        warehouse.write_marts(through=date(2019, 12, 1))
        evaluations = _run(warehouse)
    return folder, evaluations


@pytest.fixture
def analysed(analysed_folder, tmp_path, monkeypatch, population) -> Warehouse:
    folder, _ = analysed_folder
    shutil.copytree(folder, tmp_path / "analysed")
    monkeypatch.setenv(settings.TRIAL_PLAN_ENV, str(tmp_path / "analysed" / "trial_plan.yml"))
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "analysed" / "data"))
    return Warehouse(population)


def test_every_check_passes_while_the_trial_waits(warehouse):
    warehouse.write_marts(through=date(2019, 6, 1))
    evaluations = _run(warehouse)
    assert set(evaluations) == {c.check_key.name for c in CHECKS}
    for evaluation in evaluations.values():
        assert evaluation.passed
        assert evaluation.metadata["status"].value == "waiting"


def test_every_check_passes_on_a_real_analysis(analysed_folder):
    _, evaluations = analysed_folder
    assert {name: e.passed for name, e in evaluations.items()} == dict.fromkeys(evaluations, True)
    assert all(e.metadata["status"].value == "checked" for e in evaluations.values())
    assert evaluations["results_complete"].metadata["rows"].value == 7


def test_an_edited_assignment_row_fails_the_blocking_frozen_check(analysed):
    _execute(
        analysed,
        "UPDATE trial.assignment SET arm = CASE arm WHEN 'intervention' THEN 'comparison' "
        "ELSE 'intervention' END WHERE school_urn = (SELECT min(school_urn) FROM trial.assignment)",
    )
    evaluation = _run(analysed, checks_only=True)["assignment_frozen"]
    assert not evaluation.passed and evaluation.blocking
    assert "arm differs from the frozen file" in evaluation.metadata["problems"].value


def test_an_edited_frozen_file_fails_the_frozen_check(analysed):
    path = settings.trial_dir() / ASSIGNMENT_FILE
    text = path.read_text()
    path.write_text(text.replace("intervention", "comparison", 1))
    evaluation = _run(analysed, checks_only=True)["assignment_frozen"]
    assert not evaluation.passed
    assert "randomised rows were edited" in evaluation.metadata["problems"].value


def test_an_unbalanced_stratum_warns(analysed):
    stratum = analysed.query(
        "SELECT stratum FROM trial.assignment GROUP BY 1 ORDER BY count(*) DESC"
    )
    _execute(
        analysed,
        f"UPDATE trial.assignment SET arm = 'intervention' "
        f"WHERE stratum = '{stratum['stratum'][0]}'",
    )
    evaluation = _run(analysed, checks_only=True)["assignment_balanced"]
    assert not evaluation.passed and evaluation.severity.value == "WARN"
    assert f"stratum {stratum['stratum'][0]}: " in evaluation.metadata["problems"].value


def test_a_baseline_imbalance_warns(analysed):
    _execute(
        analysed,
        "UPDATE trial.balance SET std_diff = 0.6 WHERE stratum = 'all' AND variable = 'pupils'",
    )
    evaluation = _run(analysed, checks_only=True)["assignment_balanced"]
    assert not evaluation.passed
    assert "pupils: standardised difference 0.600" in evaluation.metadata["problems"].value


def test_a_missing_results_row_fails_the_blocking_results_check(analysed):
    _execute(analysed, "DELETE FROM trial.results WHERE model = 'negative_binomial'")
    evaluation = _run(analysed, checks_only=True)["results_complete"]
    assert not evaluation.passed and evaluation.blocking
    assert "no row for phone_contacts/negative_binomial" in evaluation.metadata["problems"].value


def test_duplicated_and_unplanned_results_rows_fail_the_results_check(analysed):
    _execute(
        analysed,
        "INSERT INTO trial.results SELECT * FROM trial.results WHERE model = 'ols_ancova'; "
        "INSERT INTO trial.results SELECT * REPLACE ('school_visits' AS outcome) "
        "FROM trial.results WHERE model = 'did_two_way_fe'",
    )
    problems = _run(analysed, checks_only=True)["results_complete"].metadata["problems"].value
    assert "phone_contacts/ols_ancova has 2 rows" in problems
    assert "school_visits/did_two_way_fe is not in the plan" in problems


def test_a_not_estimable_row_with_its_reason_passes_the_results_check(analysed):
    _execute(
        analysed,
        "UPDATE trial.results SET estimate = NULL, p_value = NULL, "
        "notes = '{\"why\": \"no events in the trial period\"}' WHERE model = 'ols_ancova'",
    )
    assert _run(analysed, checks_only=True)["results_complete"].passed


def test_a_p_value_missing_without_a_reason_fails_the_results_check(analysed):
    _execute(analysed, "UPDATE trial.results SET p_value = NULL WHERE model = 'ols_ancova'")
    evaluation = _run(analysed, checks_only=True)["results_complete"]
    assert not evaluation.passed
    assert "ols_ancova: p_value missing" in evaluation.metadata["problems"].value


def test_a_consort_flow_that_does_not_add_up_warns(analysed):
    _execute(
        analysed,
        "UPDATE trial.consort SET schools = schools + 1 "
        "WHERE step = 'allocated' AND arm = 'intervention'",
    )
    evaluation = _run(analysed, checks_only=True)["consort_consistent"]
    assert not evaluation.passed and evaluation.severity.value == "WARN"
    assert "allocated to the arms" in evaluation.metadata["problems"].value
