"""The results table on awkward data: every row present, conclusions by the plan's rules."""

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from dagster_project import settings
from dagster_project.trial.analysis import INTERIM_DESCRIPTIVE, TrialData, results_table
from dagster_project.trial.estimate import fit_poisson_qmle
from dagster_project.trial.plan import OUTCOME_COLUMNS, load_plan
from mash_demo.synthetic import trial_frame

PLAN = replace(
    load_plan(settings.PROJECT_ROOT / "config" / "trial_plan.yml"), randomisation_draws=200
)


def _data(frame: pd.DataFrame, months: int = 7) -> TrialData:
    trial_months = PLAN.trial.month_starts()[:months]
    panel = pd.DataFrame(
        [
            {"school_urn": urn, "month_start": pd.Timestamp(m), **dict.fromkeys(OUTCOME_COLUMNS, 0)}
            for urn in frame["school_urn"]
            for m in [*PLAN.baseline.month_starts(), *trial_months]
        ]
    )
    return TrialData(frame, panel, trial_months, trial_months[-1])


def _sparse(frame: pd.DataFrame) -> pd.DataFrame:
    """A sparse baseline: email contacts only ever in one stratum, with the same baseline
    count in every school of that stratum (its baseline column equals the stratum dummy)."""
    frame = frame.copy()
    stratum = frame["stratum"].value_counts().index[0]
    inside = frame["stratum"] == stratum
    frame["email_contacts_baseline"] = np.where(inside, 3, 0)
    other = frame["stratum"] == frame["stratum"].value_counts().index[1]
    frame["email_contacts"] = np.where(inside | other, frame["email_contacts"], 0)
    frame["referrals"] = 0
    frame["referrals_baseline"] = 0
    # calls only in comparison schools: the rate ratio's estimate runs off to zero
    frame["calls_attributed"] = np.where(frame["treated"], 0, frame["calls_attributed"])
    return frame


def test_a_sparse_baseline_gives_not_estimable_rows_not_an_exception(stratified_population):
    frame = _sparse(trial_frame(stratified_population, PLAN, 61, 1.0))
    table = results_table(_data(frame), PLAN).set_index(["outcome", "model"])
    assert set(table.index.get_level_values("outcome")) == {
        PLAN.primary_outcome,
        *(s.column for s in PLAN.secondary_outcomes),
    }
    email = table.loc[("email_contacts", "poisson_qmle")]
    assert np.isfinite(email["estimate"]) and np.isfinite(email["p_value_randomisation"])
    referrals = table.loc[("referrals", "poisson_qmle")]
    assert referrals["conclusion"] == "not estimable: no events"
    calls = table.loc[("calls_attributed", "poisson_qmle")]
    assert calls["conclusion"].startswith("not estimable: ")
    did = table.loc[(PLAN.primary_outcome, "did_two_way_fe")]
    assert did["conclusion"] is None and np.isnan(did["estimate"])


def test_an_outcome_in_one_arm_only_is_not_estimable_with_its_reason(stratified_population):
    frame = _sparse(trial_frame(stratified_population, PLAN, 62, 1.0))
    estimate = fit_poisson_qmle(frame, "calls_attributed", PLAN.covariates, 0.05)
    assert np.isnan(estimate.estimate)
    assert estimate.notes["why"] == "no events in the intervention arm"


def test_conclusions_use_randomisation_p_values_and_holm(stratified_population):
    frame = trial_frame(stratified_population, PLAN, 63, 0.6)
    table = results_table(_data(frame), PLAN).set_index(["outcome", "model"])
    primary = table.loc[(PLAN.primary_outcome, "poisson_qmle")]
    assert primary["conclusion"] == "lower in intervention schools"
    assert primary["p_value_randomisation"] == pytest.approx(1 / 201)
    assert primary["ci_low_randomisation"] < 0.6 < primary["ci_high_randomisation"] < 1
    assert primary["se_type"] == "HC2" and primary["boundary_p"] == pytest.approx(0.05)
    secondaries = table[table["p_value_holm"].notna()]
    assert (secondaries["p_value_holm"] >= secondaries["p_value_randomisation"]).all()
    referrals = table.loc[("referrals", "poisson_qmle")]
    assert referrals["conclusion"] in {
        "non-inferior",
        "non-inferior (not confirmed after Holm's correction)",
    } or referrals["conclusion"].startswith("non-inferiority not shown")


def test_an_interim_without_planned_looks_is_descriptive_only(stratified_population):
    frame = trial_frame(stratified_population, PLAN, 64, 0.6)
    table = results_table(_data(frame, months=4), PLAN)
    assert table["is_interim"].all()
    assert table["information_fraction"].iloc[0] == pytest.approx(4 / 7)
    assert set(table["conclusion"].dropna()) == {INTERIM_DESCRIPTIVE}
    assert table["boundary_p"].isna().all()


def test_a_planned_interim_look_uses_its_obrien_fleming_boundary(stratified_population):
    plan = replace(PLAN, interim_looks=(4,))
    frame = trial_frame(stratified_population, PLAN, 64, 0.6)
    table = results_table(_data(frame, months=4), plan)
    primary = table[table["is_primary"]].iloc[0]
    # by hand: z_{1-0.05/4} = 2.24140; / sqrt(4/7) = 2.96509; a side spends
    # 2 (1 - Phi(2.96509)) = 0.0030259, so the first look's boundary is Phi^-1(1 - 0.0030259)
    assert primary["boundary_z"] == pytest.approx(2.74496, abs=1e-4)
    assert primary["boundary_p"] == pytest.approx(2 * 0.0030259, rel=1e-3)
    assert primary["conclusion"] == "lower in intervention schools"
    assert date(2019, 12, 1) == table["data_through"].iloc[0]
