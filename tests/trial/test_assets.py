"""The trial assets, materialised with Dagster on a tmp DuckDB with hand-made marts."""

from datetime import date
from math import ceil, floor

import pandas as pd
import pytest
from dagster import Failure

from dagster_project import settings
from dagster_project.defs.assets import trial as trial_assets
from dagster_project.defs.resources import DUCKDB_WRITER_POOL
from dagster_project.trial.assignment_store import (
    ASSIGNMENT_FILE,
    INTERVENTION_LIST_FILE,
    MANIFEST_FILE,
    AssignmentError,
    PlanChangedError,
)

BASELINE_END = date(2019, 8, 1)
ASSIGNMENT_ONLY = [trial_assets.trial_assignment]
TRIAL_ASSETS = [
    trial_assets.trial_assignment,
    trial_assets.trial_balance,
    trial_assets.trial_power,
    trial_assets.trial_results,
]


def _frozen_bytes() -> tuple[bytes, bytes]:
    trial_dir = settings.trial_dir()
    return (trial_dir / ASSIGNMENT_FILE).read_bytes(), (trial_dir / MANIFEST_FILE).read_bytes()


def _assignment(warehouse) -> pd.DataFrame:
    return warehouse.query("select * from trial.assignment order by school_urn")


def test_waits_for_the_baseline_then_randomises_once_and_for_all(warehouse, plan, metadata):
    warehouse.write_marts(through=date(2019, 6, 1))
    waiting = warehouse.materialise()
    assert metadata(waiting, "trial/assignment")["status"] == "waiting"
    assert metadata(waiting, "trial/power")["status"] == "waiting"
    assert not (settings.trial_dir() / ASSIGNMENT_FILE).exists()
    assert _assignment(warehouse).empty

    warehouse.write_marts(through=BASELINE_END)
    first = warehouse.materialise()
    meta = metadata(first, "trial/assignment")
    assert meta["status"] == "randomised"
    table = _assignment(warehouse)
    assert meta["n_intervention"] + meta["n_comparison"] == len(table) == len(warehouse.schools)
    assert set(table["plan_hash"]) == {plan.hash} and set(table["seed"]) == {plan.seed}
    for _, stratum in table.groupby("stratum"):
        treated = (stratum["arm"] == "intervention").sum()
        assert floor(len(stratum) / 2) <= treated <= ceil(len(stratum) / 2)

    frozen_file = pd.read_csv(settings.trial_dir() / ASSIGNMENT_FILE)
    assert list(frozen_file["arm"]) == list(table["arm"])
    delivery = pd.read_csv(settings.trial_dir() / INTERVENTION_LIST_FILE)
    assert set(delivery["URN"]) == set(table.loc[table["arm"] == "intervention", "school_urn"])
    assert set(delivery.columns) == {"URN", "EstablishmentName"}

    power = warehouse.query("select * from trial.power")
    primary = power[power["outcome"] == "phone_contacts"].set_index("method")
    assert set(primary.index) == {"ancova_analytic", "negative_binomial_analytic", "simulation"}
    assert primary["mde_rate_ratio"].between(0.3, 1).all()
    assert (primary["mde_per_school_month"] > 0).all() and (primary["n_schools"] == 160).all()
    assert warehouse.query("select count(*) n from trial.balance")["n"][0] > 0
    assert metadata(first, "trial/results")["status"] == "waiting"

    frozen = _frozen_bytes()
    again = warehouse.materialise(ASSIGNMENT_ONLY)
    assert metadata(again, "trial/assignment")["status"] == "frozen"
    pd.testing.assert_frame_equal(_assignment(warehouse), table)

    warehouse.path.unlink()
    warehouse.write_marts(through=BASELINE_END, seed=99)
    rebuilt = warehouse.materialise(ASSIGNMENT_ONLY)
    assert metadata(rebuilt, "trial/assignment")["status"] == "frozen"
    pd.testing.assert_frame_equal(_assignment(warehouse), table)
    assert _frozen_bytes() == frozen


def test_same_seed_and_schools_give_the_same_draw_in_a_new_data_folder(
    warehouse, tmp_path, monkeypatch
):
    warehouse.write_marts(through=BASELINE_END)
    warehouse.materialise(ASSIGNMENT_ONLY)
    first = _assignment(warehouse)[["school_urn", "stratum", "arm"]]
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "elsewhere"))
    warehouse.write_marts(through=BASELINE_END)
    warehouse.materialise(ASSIGNMENT_ONLY)
    pd.testing.assert_frame_equal(_assignment(warehouse)[["school_urn", "stratum", "arm"]], first)


def test_a_plan_changed_after_randomisation_stops_the_trial(warehouse, plan_file, write_plan):
    warehouse.write_marts(through=BASELINE_END)
    warehouse.materialise(ASSIGNMENT_ONLY)
    frozen = _frozen_bytes()
    write_plan(plan_file, {"power_simulation.simulations": 60, "strata.0.cut_points": [200, 400]})
    with pytest.raises(Failure, match="not the plan the schools were randomised under") as error:
        warehouse.materialise(ASSIGNMENT_ONLY)
    assert isinstance(error.value.__cause__, PlanChangedError)
    assert not error.value.allow_retries
    assert _frozen_bytes() == frozen


def test_an_edited_assignment_file_is_refused(warehouse):
    warehouse.write_marts(through=BASELINE_END)
    warehouse.materialise(ASSIGNMENT_ONLY)
    path = settings.trial_dir() / ASSIGNMENT_FILE
    text = path.read_text()
    flipped = text.replace(",intervention,", ",COMPARISON,", 1).replace(
        ",comparison,", ",intervention,", 1
    )
    path.write_text(flipped.replace(",COMPARISON,", ",comparison,"))
    with pytest.raises(Failure, match="randomised rows were edited") as error:
        warehouse.materialise(ASSIGNMENT_ONLY)
    assert isinstance(error.value.__cause__, AssignmentError)


def test_an_academy_successor_keeps_its_predecessors_arm(warehouse, metadata):
    warehouse.write_marts(through=BASELINE_END)
    warehouse.materialise(ASSIGNMENT_ONLY)
    before = _assignment(warehouse)
    predecessor = before[before["arm"] == "intervention"].iloc[0]
    frozen_before = _frozen_bytes()[0]

    successor_urn = 150001
    schools = warehouse.schools.copy()
    old = schools["school_urn"] == predecessor["school_urn"]
    schools.loc[old, ["is_open", "successor_urn"]] = [False, successor_urn]
    academy = schools[old].assign(
        school_urn=successor_urn, school_name="Converted Academy", is_open=True
    )
    academy["successor_urn"] = pd.array([pd.NA], dtype="Int64")
    warehouse.schools = pd.concat([schools, academy], ignore_index=True)
    warehouse.write_marts(through=BASELINE_END)
    result = warehouse.materialise(ASSIGNMENT_ONLY)

    assert metadata(result, "trial/assignment")["successors_added"] == 1
    after = _assignment(warehouse).set_index("school_urn")
    row = after.loc[successor_urn]
    assert (row["arm"], row["source"]) == ("intervention", "successor")
    assert row["randomised_urn"] == predecessor["school_urn"]
    assert row["stratum"] == predecessor["stratum"]
    assert _frozen_bytes()[0].startswith(frozen_before)
    delivery = pd.read_csv(settings.trial_dir() / INTERVENTION_LIST_FILE)
    assert successor_urn in set(delivery["URN"])

    warehouse.materialise(ASSIGNMENT_ONLY)
    assert len(_assignment(warehouse)) == len(after)


def test_results_are_interim_then_final_and_find_the_planted_effect(warehouse, plan, metadata):
    warehouse.write_marts(through=BASELINE_END)
    warehouse.materialise(ASSIGNMENT_ONLY)
    results_only = [trial_assets.trial_results]

    warehouse.write_marts(through=date(2019, 12, 1), rate_ratio=0.6)
    interim = warehouse.materialise(results_only)
    assert metadata(interim, "trial/results")["status"] == "interim"
    table = warehouse.query("select * from trial.results")
    assert table["is_interim"].all() and (table["trial_months_observed"] == 4).all()

    warehouse.write_marts(through=date(2020, 3, 1), rate_ratio=0.6)
    final = warehouse.materialise(results_only)
    meta = metadata(final, "trial/results")
    assert meta["status"] == "final" and meta["trial_months_observed"] == 7
    table = warehouse.query("select * from trial.results").set_index(["outcome", "model"])
    assert set(table["plan_hash"]) == {plan.hash}
    assert not table["is_interim"].any()
    primary = table.loc[("phone_contacts", "poisson_qmle")]
    assert primary["is_primary"] and table["is_primary"].sum() == 1
    assert primary["ci_low"] < 0.6 < primary["ci_high"] and primary["ci_high"] < 1
    assert primary["p_value_randomisation"] < 0.01
    assert primary["n_schools"] == 160
    for model in ("negative_binomial", "ols_ancova", "did_two_way_fe"):
        sensitivity = table.loc[("phone_contacts", model)]
        assert sensitivity["p_value"] < 0.05 and not sensitivity["is_primary"]
    assert table.loc[("phone_contacts", "did_two_way_fe"), "n_obs"] == 160 * 19
    referrals = table.loc[("referrals", "poisson_qmle")]
    margin = next(o.margin for o in plan.secondary_outcomes if o.column == "referrals")
    assert referrals["margin"] == margin and referrals["p_value_holm"] >= referrals["p_value"]
    assert table.loc[("email_contacts", "poisson_qmle"), "ci_low"] < 1


def test_all_four_assets_are_in_group_trial_and_depend_on_the_marts():
    for asset in TRIAL_ASSETS:
        spec = next(iter(asset.specs))
        assert spec.group_name == "trial" and asset.op.pool == DUCKDB_WRITER_POOL
        assert {"fct_school_month", "dim_school"} <= {
            dep.asset_key.to_user_string() for dep in spec.deps
        }


def test_missing_marts_fail_without_retries(warehouse):
    warehouse.path.parent.mkdir(parents=True, exist_ok=True)
    with pytest.raises(Failure, match="marts.dim_school does not exist") as error:
        warehouse.materialise(ASSIGNMENT_ONLY)
    assert not error.value.allow_retries


def test_consort_flow_counts_every_school_once(warehouse, plan):
    closing = warehouse.schools["school_urn"].iloc[0]
    warehouse.schools.loc[warehouse.schools.index[1], "phase"] = "Nursery"
    warehouse.write_marts(through=BASELINE_END)
    warehouse.materialise(ASSIGNMENT_ONLY)
    warehouse.schools.loc[warehouse.schools["school_urn"] == closing, "close_date"] = pd.Timestamp(
        "2019-08-31"
    )
    warehouse.write_marts(through=date(2020, 3, 1))
    warehouse.materialise([trial_assets.trial_consort])
    consort = warehouse.query("select * from trial.consort order by step_order, arm")
    assert list(consort.columns) == ["step", "arm", "schools", "reason", "step_order", "plan_hash"]
    by_step = consort.groupby("step")["schools"].sum()
    assert by_step["assessed for eligibility"] == 160
    assert consort.query("step == 'excluded'")[["schools", "reason"]].values.tolist() == [
        [1, "phase of education not in the plan"]
    ]
    assert by_step["randomised"] == by_step["allocated"] == 159
    lost = consort.query("step == 'excluded from analysis'")
    assert lost[["schools", "reason"]].values.tolist() == [[1, "closed before the trial period"]]
    assert by_step["analysed"] == 158
    assert consort["step_order"].is_monotonic_increasing
