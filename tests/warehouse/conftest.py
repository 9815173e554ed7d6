"""Warehouses built by real ``dbt build`` runs through Dagster, one per scenario.

Every scenario runs in the same data folder, dbt starting from the parse ``make setup``
prepared; each result is copied out for the tests. dbt writes its artifacts to a temporary
target folder, never into the repository.
"""

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dagster import AssetCheckKey, AssetKey, AssetSelection, ExecuteInProcessResult, materialize

from dagster_project import settings
from dagster_project.defs.resources import build_resources, dbt_project

from . import fixture_data, raw_layer


@dataclass(frozen=True)
class Scenario:
    warehouse: Path
    result: ExecuteInProcessResult

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            return connection.execute(sql, params or []).fetchall()

    def failed_checks(self) -> dict[tuple[str, str], str]:
        """(asset, check name) -> severity of every check that did not pass."""
        evaluations = self.result.get_asset_check_evaluations()
        return {
            (check.asset_key.to_user_string(), check.check_name): check.severity.value
            for check in evaluations
            if not check.passed
        }

    def materialized(self) -> set[str]:
        return {
            event.asset_key.to_user_string()
            for event in self.result.get_asset_materialization_events()
        }


@pytest.fixture(scope="session")
def dbt_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dbt-target")


@pytest.fixture(scope="session")
def manifest() -> dict:
    """The manifest of the dbt project, as the definitions load it (``make setup`` parses it)."""
    return json.loads(dbt_project.manifest_path.read_text())


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory, dbt_target: Path) -> Iterator[Path]:
    """The session's MASH_DATA_DIR and DBT_TARGET_PATH."""
    data = tmp_path_factory.mktemp("data")
    saved = {name: os.environ.get(name) for name in (settings.DATA_DIR_ENV, "DBT_TARGET_PATH")}
    os.environ[settings.DATA_DIR_ENV] = str(data)
    os.environ["DBT_TARGET_PATH"] = str(dbt_target)
    yield data
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _run(data_dir: Path, start_from: Path | None, out: Path, selection=None, prepare=None):
    """Copy the starting warehouse in (or start empty), let ``prepare`` change it, run the
    dbt assets, and keep a copy of the result at ``out``."""
    from dagster_project.defs.assets.dbt_models import dbt_mart_models, dbt_staging_models

    warehouse = settings.warehouse_path()
    assert warehouse.parent == data_dir
    warehouse.unlink(missing_ok=True)
    if start_from is not None:
        shutil.copy(start_from, warehouse)
    if prepare is not None:
        prepare(warehouse)
    result = materialize(
        [dbt_staging_models, dbt_mart_models],
        resources=build_resources(),
        selection=selection,
        raise_on_error=False,
    )
    shutil.copy(warehouse, out)
    return Scenario(out, result)


@pytest.fixture(scope="session")
def good(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The hand-computable data set, built from empty."""
    out = tmp_path_factory.mktemp("good") / "warehouse.duckdb"
    return _run(
        data_dir,
        None,
        out,
        prepare=lambda warehouse: raw_layer.write_tables(warehouse, fixture_data.good_data()),
    )


@pytest.fixture(scope="session")
def broken(data_dir: Path, good: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The good warehouse after a duplicated match and an unknown contact method, with the
    contacts' staging model and everything after matching rebuilt."""
    out = tmp_path_factory.mktemp("broken") / "warehouse.duckdb"
    return _run(
        data_dir,
        good.warehouse,
        out,
        selection=AssetSelection.assets("stg_mash__contacts") | AssetSelection.groups("marts"),
        prepare=lambda warehouse: raw_layer.write_tables(warehouse, fixture_data.broken_data()),
    )


@pytest.fixture(scope="session")
def unmapped(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The good data plus a contact method no seed knows and identifiers typed into every
    free-text field, built from empty."""
    out = tmp_path_factory.mktemp("unmapped") / "warehouse.duckdb"
    return _run(
        data_dir,
        None,
        out,
        prepare=lambda warehouse: raw_layer.write_tables(warehouse, fixture_data.unmapped_data()),
    )


def _write_loaded_files(warehouse: Path, rows_by_table: dict[str, list[dict]]) -> None:
    """The raw rows, with raw.contacts accepting a row ingestion would refuse (each source
    file recorded in audit.loaded_files as ingestion records it)."""
    raw_layer.write_tables(warehouse, {})
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("alter table raw.contacts alter column child_key drop not null")
    raw_layer.append_rows(warehouse, rows_by_table)


@pytest.fixture(scope="session")
def resent(data_dir: Path, good: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The good warehouse after two months were re-sent under their names, one in snapshot
    mode, one in increment mode, rebuilt incrementally."""
    out = tmp_path_factory.mktemp("resent") / "warehouse.duckdb"
    return _run(
        data_dir,
        good.warehouse,
        out,
        prepare=lambda warehouse: raw_layer.append_rows(warehouse, fixture_data.resent_rows()),
    )


@pytest.fixture(scope="session")
def bad_file(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The good data plus one file whose row fails a blocking staging check."""
    out = tmp_path_factory.mktemp("bad-file") / "warehouse.duckdb"
    return _run(
        data_dir,
        None,
        out,
        prepare=lambda warehouse: _write_loaded_files(warehouse, fixture_data.bad_file_data()),
    )


@pytest.fixture(scope="session")
def withdrawn(data_dir: Path, bad_file: Scenario, tmp_path_factory: pytest.TempPathFactory):
    """The bad-file warehouse after ``withdraw_version`` took the bad file out, rebuilt."""
    from dagster_project.ingest.withdrawal import withdraw_version

    def withdraw(warehouse: Path) -> None:
        with duckdb.connect(str(warehouse)) as connection:
            withdraw_version(connection, fixture_data.BAD_FILE)

    out = tmp_path_factory.mktemp("withdrawn") / "warehouse.duckdb"
    return _run(data_dir, bad_file.warehouse, out, prepare=withdraw)


#: Checks run alone against a deliberately damaged school-month grid. (A failing check on
#: fct_contacts would make dbt skip these, as they read fct_contacts too.)
TAMPERED_CHECKS = [
    AssetCheckKey(AssetKey("fct_school_month"), "school_month_referrals_within_total"),
    AssetCheckKey(AssetKey("fct_school_month"), "school_month_matches_fct_contacts"),
]


def _damage_marts(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            "update marts.fct_school_month set referrals = contacts_and_referrals + 1"
            " where school_urn = 100001 and month_start = date '2017-09-01'"
        )
        connection.execute(
            "update marts.fct_school_month set contacts_and_referrals = 0"
            " where school_urn = 140002 and month_start = date '2018-05-01'"
        )


@pytest.fixture(scope="session")
def tampered(data_dir: Path, good: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """Two checks run alone (no model rebuilt) on the good warehouse with damaged marts."""
    out = tmp_path_factory.mktemp("tampered") / "warehouse.duckdb"
    return _run(
        data_dir,
        good.warehouse,
        out,
        selection=AssetSelection.checks(*TAMPERED_CHECKS),
        prepare=_damage_marts,
    )
