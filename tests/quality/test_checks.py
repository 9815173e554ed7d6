"""The suites as Dagster asset checks, run by materialising a stand-in for raw/contacts."""

import subprocess
import sys

import dagster as dg
import pytest
from dagster_duckdb import DuckDBResource

from dagster_project.defs.checks.gx_checks import (
    BLOCKING_CHECK,
    GX_CHECKS,
    SUITE_ASSETS,
    WARNING_CHECK,
)
from dagster_project.quality import BLOCKING, WARNING, load_suite, suite_names

RAW_CONTACTS = dg.AssetKey(["raw", "contacts"])


class StandInConfig(dg.Config):
    breakage: str = ""


def checks_of(asset_key: dg.AssetKey) -> list[dg.AssetChecksDefinition]:
    return [
        check for check in GX_CHECKS if any(key.asset_key == asset_key for key in check.check_keys)
    ]


@pytest.fixture
def run_with_stand_in(tmp_path, raw_contacts_sql):
    """Materialise a stand-in raw/contacts (good data plus ``breakage``), its checks and a
    downstream asset, in a fresh warehouse."""
    resources = {"duckdb": DuckDBResource(database=str(tmp_path / "warehouse.duckdb"))}

    @dg.asset(key=RAW_CONTACTS)
    def raw_contacts(config: StandInConfig, duckdb: DuckDBResource) -> None:
        with duckdb.get_connection() as connection:
            connection.execute(raw_contacts_sql)
            if config.breakage:
                connection.execute(config.breakage)

    @dg.asset(deps=[raw_contacts])
    def contacts_downstream(duckdb: DuckDBResource) -> None:
        with duckdb.get_connection() as connection:
            connection.execute("CREATE TABLE raw.downstream AS SELECT count(*) FROM raw.contacts")

    def run(breakage: str = "") -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [raw_contacts, contacts_downstream, *checks_of(RAW_CONTACTS)],
            resources=resources,
            run_config={"ops": {"raw__contacts": {"config": {"breakage": breakage}}}},
            raise_on_error=False,
        )

    return run


def evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()
    }


def materialised(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {event.asset_key for event in result.get_asset_materialization_events()}


def test_every_suite_has_a_blocking_and_a_warning_check():
    assert set(SUITE_ASSETS) == set(suite_names())
    specs = {spec.key: spec for check in GX_CHECKS for spec in check.check_specs}
    assert set(specs) == {
        dg.AssetCheckKey(asset_key, name)
        for asset_key in SUITE_ASSETS.values()
        for name in (BLOCKING_CHECK, WARNING_CHECK)
    }
    assert all(spec.blocking == (spec.key.name == BLOCKING_CHECK) for spec in specs.values())


def test_good_data_passes_both_checks_and_downstream_runs(run_with_stand_in):
    result = run_with_stand_in()
    checks = evaluations(result)
    assert checks[BLOCKING_CHECK].passed and checks[WARNING_CHECK].passed
    assert checks[BLOCKING_CHECK].metadata["expectations_evaluated"].value == len(
        load_suite("raw.contacts").part(BLOCKING).expectations
    )
    assert checks[BLOCKING_CHECK].metadata["expectations_failed"].value == 0
    assert dg.AssetKey("contacts_downstream") in materialised(result)


def test_failing_blocking_check_is_an_error_and_stops_downstream(run_with_stand_in):
    result = run_with_stand_in(
        "UPDATE raw.contacts SET child_key = 'CHILD-000123' WHERE source_row = 3"
    )
    check = evaluations(result)[BLOCKING_CHECK]
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["expectations_failed"].value == 1
    assert "unexpected_rows_expectation | child_key" in check.metadata["failures"].value
    assert dg.AssetKey("contacts_downstream") not in materialised(result)


def test_failing_warning_check_warns_and_downstream_still_runs(run_with_stand_in):
    result = run_with_stand_in("UPDATE raw.contacts SET contact_at = loaded_at + INTERVAL 1 DAY")
    checks = evaluations(result)
    assert checks[BLOCKING_CHECK].passed
    assert not checks[WARNING_CHECK].passed
    assert checks[WARNING_CHECK].severity == dg.AssetCheckSeverity.WARN
    assert checks[WARNING_CHECK].metadata["expectations_evaluated"].value == len(
        load_suite("raw.contacts").part(WARNING).expectations
    )
    assert "loaded_at, contact_at" in checks[WARNING_CHECK].metadata["failures"].value
    assert dg.AssetKey("contacts_downstream") in materialised(result)


def test_each_table_is_validated_once_for_both_its_checks():
    for check in GX_CHECKS:
        assert {key.name for key in check.check_keys} == {BLOCKING_CHECK, WARNING_CHECK}
        assert len({key.asset_key for key in check.check_keys}) == 1


def test_every_check_says_what_it_checks():
    for check in GX_CHECKS:
        for spec in check.check_specs:
            assert spec.description, spec.key
            suite = load_suite(spec.metadata["suite"])
            for expectation in suite.part(spec.metadata["expectation_severity"]).expectations:
                assert expectation["notes"] in spec.description, spec.key


def test_the_table_is_read_once_and_its_results_split(run_with_stand_in):
    result = run_with_stand_in()
    checks = evaluations(result)
    steps = {
        event.step_key
        for event in result.all_events
        if event.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    assert len(steps) == 1
    suite = load_suite("raw.contacts")
    assert checks[BLOCKING_CHECK].metadata["expectations_evaluated"].value + checks[
        WARNING_CHECK
    ].metadata["expectations_evaluated"].value == len(suite.expectations)


def test_definitions_load_every_check_without_importing_great_expectations():
    probe = (
        "import sys\n"
        "from dagster_project.definitions import defs\n"
        "keys = defs().resolve_asset_graph().asset_check_keys\n"
        "print(len([k for k in keys if k.name.startswith('gx_')]))\n"
        "print('great_expectations' in sys.modules)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert output == [str(2 * len(SUITE_ASSETS)), "False"]
