"""Fixtures for the trial tests: a plan, a data folder, and a warehouse whose marts are
written by hand from the school-level simulation (``mash_demo.synthetic``)."""

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from dagster import materialize
from dagster_duckdb import DuckDBResource

from dagster_project import settings
from dagster_project.defs.assets import trial as trial_assets
from dagster_project.trial.plan import Window, load_plan
from mash_demo.synthetic import school_months, school_population, with_strata

ALL_MONTHS = Window(date(2017, 9, 1), date(2020, 3, 1)).month_starts()
TRIAL_ASSETS = [
    trial_assets.trial_assignment,
    trial_assets.trial_balance,
    trial_assets.trial_power,
    trial_assets.trial_results,
    trial_assets.trial_consort,
]
#: Lighter than the project's plan, so that the asset tests run in seconds.
TEST_PLAN_CHANGES = {"power_simulation.simulations": 60, "randomisation_inference.draws": 1000}


def _write_plan(path: Path, changes: dict) -> Path:
    """The project's plan with the test changes and nested ``changes`` applied
    (keys like "strata.0.cut_points")."""
    content = yaml.safe_load((settings.PROJECT_ROOT / "config" / "trial_plan.yml").read_text())
    for key, value in {**TEST_PLAN_CHANGES, **changes}.items():
        node = content
        *parents, leaf = key.split(".")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[leaf] = value
    path.write_text(yaml.safe_dump(content, sort_keys=False))
    return path


@pytest.fixture
def write_plan():
    return _write_plan


@pytest.fixture
def plan_file(tmp_path, monkeypatch) -> Path:
    """A plan light enough for tests, set as MASH_TRIAL_PLAN."""
    path = _write_plan(tmp_path / "trial_plan.yml", {})
    monkeypatch.setenv(settings.TRIAL_PLAN_ENV, str(path))
    return path


@pytest.fixture
def plan(plan_file):
    return load_plan(plan_file)


@pytest.fixture(scope="session")
def population() -> pd.DataFrame:
    return school_population(160, seed=11)


@pytest.fixture(scope="session")
def stratified_population(population) -> pd.DataFrame:
    return with_strata(population, load_plan(settings.PROJECT_ROOT / "config" / "trial_plan.yml"))


class Warehouse:
    """A DuckDB warehouse in a tmp data folder with hand-written marts."""

    def __init__(self, population: pd.DataFrame):
        self.population = population
        schools = population.drop(columns=[c for c in population if c.startswith("rate_")])
        self.schools = schools.assign(open_date=pd.NaT, close_date=pd.NaT).astype(
            {"open_date": "datetime64[ns]", "close_date": "datetime64[ns]"}
        )

    @property
    def path(self) -> Path:
        return settings.warehouse_path()

    def write_marts(self, through: date, *, rate_ratio: float = 1.0, seed: int = 5) -> None:
        """dim_school and fct_school_month from Sep 2017 to ``through``; the effect (on phone
        contacts of the frozen intervention schools from Sep 2019) when an assignment exists."""
        frozen = settings.trial_dir() / "assignment.csv"
        treated = frozenset()
        if frozen.exists():
            rows = pd.read_csv(frozen)
            treated = frozenset(rows.loc[rows["arm"] == "intervention", "school_urn"])
        counts = school_months(
            self.population,
            [m for m in ALL_MONTHS if m <= through],
            seed,
            treated_urns=treated,
            rate_ratio=rate_ratio,
            effect_from=date(2019, 9, 1),
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(self.path)) as conn:
            conn.execute("create schema if not exists marts")
            conn.register("schools", self.schools)
            conn.execute("create or replace table marts.dim_school as select * from schools")
            conn.register("counts", counts)
            conn.execute("create or replace table marts.fct_school_month as select * from counts")

    def materialise(self, assets=None, raise_on_error: bool = True):
        return materialize(
            assets or TRIAL_ASSETS,
            resources={"duckdb": DuckDBResource(database=str(self.path))},
            raise_on_error=raise_on_error,
        )

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.path), read_only=True) as conn:
            return conn.execute(sql).df()


@pytest.fixture
def warehouse(tmp_path, monkeypatch, plan_file, population) -> Warehouse:
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "data"))
    return Warehouse(population)


def _metadata(result, key: str) -> dict:
    """The metadata of an asset's materialisation in a run, as plain values."""
    for event in result.get_asset_materialization_events():
        if event.asset_key.to_user_string() == key:
            return {k: v.value for k, v in event.materialization.metadata.items()}
    raise KeyError(key)


@pytest.fixture
def metadata():
    return _metadata
