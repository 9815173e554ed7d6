"""Power: the analytic formulas against statsmodels, and against simulated trials."""

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.rates import power_negbin_ratio_2indep

from dagster_project import settings
from dagster_project.trial.estimate import fit_poisson_qmle
from dagster_project.trial.plan import load_plan
from dagster_project.trial.power import (
    Design,
    PseudoTrial,
    ancova_inputs,
    log_ratio_variance,
    mde_ancova,
    mde_negative_binomial,
    negative_binomial_inputs,
    non_inferiority_ratio,
    power_table,
    simulated_power,
    statsmodels_mde_ancova,
    statsmodels_mde_negative_binomial,
    statsmodels_non_inferiority_ratio,
)
from mash_demo.synthetic import trial_frame

PLAN = load_plan(settings.PROJECT_ROOT / "config" / "trial_plan.yml")
DESIGNS = [
    Design(100, 100, 7, 0.05, 0.8),
    Design(60, 120, 6, 0.01, 0.9),
    Design(30.5, 29.5, 12, 0.05, 0.8),
]


@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize(("rate", "dispersion"), [(1.5, 0.2), (0.4, 0.05), (6.0, 0.6)])
def test_negative_binomial_mde_agrees_with_statsmodels(design, rate, dispersion):
    ours = mde_negative_binomial(rate, dispersion, design)
    theirs = statsmodels_mde_negative_binomial(rate, dispersion, design)
    assert ours is not None and 0 < ours < 1
    assert ours == pytest.approx(theirs, abs=1e-4)
    power = power_negbin_ratio_2indep(
        ours * rate,
        rate,
        design.n_intervention,
        nobs_ratio=design.n_comparison / design.n_intervention,
        exposure=design.months,
        alpha=design.alpha,
        dispersion=dispersion,
        return_results=False,
    )
    assert power == pytest.approx(design.power, abs=1e-3)


def test_negative_binomial_variance_by_hand():
    # 1/(r mu T) + k over n1, plus 1/(mu T) + k over n0
    assert log_ratio_variance(0.8, 2.0, 5, 0.1, 50, 40) == pytest.approx(
        (1 / 8 + 0.1) / 50 + (1 / 10 + 0.1) / 40
    )


@pytest.mark.parametrize("design", DESIGNS)
def test_non_inferiority_ratio_agrees_with_statsmodels(design):
    ours = non_inferiority_ratio(0.6, 0.15, 0.9, design)
    theirs = statsmodels_non_inferiority_ratio(0.6, 0.15, 0.9, design)
    assert ours > 0.9 and ours == pytest.approx(theirs, abs=1e-6)


@pytest.mark.parametrize("design", DESIGNS)
def test_ancova_mde_agrees_with_statsmodels(design):
    ours = mde_ancova(2.0, 0.6, design)
    assert ours == pytest.approx(statsmodels_mde_ancova(2.0, 0.6, design), rel=0.01)
    normal = (
        NormalIndPower().solve_power(
            nobs1=design.n_intervention,
            ratio=design.n_comparison / design.n_intervention,
            alpha=design.alpha,
            power=design.power,
        )
        * 2.0
        * np.sqrt(1 - 0.6)
    )
    assert normal < ours < normal * 1.03


def test_no_mde_when_the_outcome_is_too_rare():
    assert mde_negative_binomial(0.001, 0.0, Design(10, 10, 1, 0.05, 0.8)) is None


def _mde(inputs: list[dict], design: Design) -> float:
    rate = np.mean([i["rate_per_school_month"] for i in inputs])
    dispersion = np.mean([i["effective_dispersion"] for i in inputs])
    return mde_negative_binomial(rate, dispersion, design)


def test_true_power_is_target_at_the_analytic_mde(stratified_population):
    """Fresh trials from the true model, analysed with the planned estimator, at the MDE
    from the pseudo-trial inputs (averaged over a few pseudo-trials, since one heavy-tailed
    sample of schools makes a noisy estimate of the dispersion)."""
    pseudo = [trial_frame(stratified_population, PLAN, 70 + k, 1.0) for k in range(5)]
    inputs = [negative_binomial_inputs(f, "phone_contacts", PLAN.covariates) for f in pseudo]
    n1 = float(pseudo[0]["treated"].sum())
    design = Design(n1, len(pseudo[0]) - n1, PLAN.trial.months, PLAN.alpha, PLAN.target_power)
    mde = _mde(inputs, design)
    rejections = [
        fit_poisson_qmle(
            trial_frame(stratified_population, PLAN, 30_000 + k, mde),
            "phone_contacts",
            PLAN.covariates,
            PLAN.alpha,
        ).p_value
        < PLAN.alpha
        for k in range(300)
    ]
    assert abs(np.mean(rejections) - PLAN.target_power) <= 0.07


def test_simulated_power_is_target_at_the_reported_mde(stratified_population):
    """The power asset's simulation, on the same pseudo-trial as the analytic MDE."""
    pseudo = trial_frame(stratified_population, PLAN, 77, 1.0)
    inputs = negative_binomial_inputs(pseudo, "phone_contacts", PLAN.covariates)
    n1 = float(pseudo["treated"].sum())
    design = Design(n1, len(pseudo) - n1, PLAN.trial.months, PLAN.alpha, PLAN.target_power)
    mde = _mde([inputs], design)
    simulated = simulated_power(pseudo, "phone_contacts", PLAN, [mde, 1.0], 300, seed=6)
    assert abs(simulated[0] - PLAN.target_power) <= 0.07
    assert simulated[1] < 0.1


def test_effective_dispersion_is_the_moment_estimate_for_equal_schools():
    rng = np.random.default_rng(3)
    n, mean, dispersion = 4000, 20.0, 0.3
    counts = rng.poisson(rng.gamma(1 / dispersion, mean * dispersion, n))
    frame = pd.DataFrame(
        {
            "phone_contacts": counts,
            "phone_contacts_baseline": 0,
            "exposure": 1.0,
            "stratum": "one",
            "pupils": 1.0,
            "pct_fsm": 1.0,
        }
    )
    inputs = negative_binomial_inputs(frame, "phone_contacts", ["stratum"])
    assert inputs["effective_dispersion"] == pytest.approx(dispersion, abs=0.03)
    assert inputs["residual_dispersion"] == pytest.approx(dispersion, abs=0.03)


def test_power_table_reports_every_method_and_survives_an_outcome_that_never_occurs(
    stratified_population,
):
    plan = replace(PLAN, power_simulations=50)
    frame = trial_frame(stratified_population, plan, 81, 1.0).assign(calls_attributed=0)
    months = plan.trial.month_starts()
    pseudo = PseudoTrial(frame, months, plan.baseline.month_starts())
    design = Design(80.0, 80.0, plan.trial.months, plan.alpha, plan.target_power)
    table = power_table(pseudo, plan, design).set_index(["outcome", "method"])
    primary = table.loc["phone_contacts"]
    assert set(primary.index) == {"ancova_analytic", "negative_binomial_analytic", "simulation"}
    assert primary["mde_rate_ratio"].between(0.5, 1).all()
    rate = primary["baseline_rate_per_school_month"]
    np.testing.assert_allclose(
        primary["mde_per_school_month"], rate * (1 - primary["mde_rate_ratio"])
    )
    np.testing.assert_allclose(primary["mde_per_school_year"], 12 * primary["mde_per_school_month"])
    assert table.loc[("referrals", "negative_binomial_analytic"), "test"] == "non_inferiority"
    calls = table.loc[("calls_attributed", "negative_binomial_analytic")]
    assert pd.isna(calls["mde_rate_ratio"]) and "never occurs" in calls["assumptions"]
    assert (table["n_schools"] == 160).all() and (table["months"] == 7).all()
    assert all(json.loads(text) for text in table["assumptions"])


def test_ancova_mde_uses_adjusted_r_squared_and_n_minus_k_df(stratified_population):
    design = DESIGNS[0]
    frame = trial_frame(stratified_population, PLAN, 31, 1.0)
    inputs = ancova_inputs(frame, "phone_contacts", PLAN.covariates)
    n, k = len(frame), inputs["parameters"]
    by_hand = 1 - (1 - inputs["r_squared"]) * (n - 1) / (n - (k - 1))
    assert inputs["r_squared_adjusted"] == pytest.approx(max(by_hand, 0.0))
    assert inputs["r_squared_adjusted"] < inputs["r_squared"]
    df = design.n_intervention + design.n_comparison - 12
    multiplier = stats.t.ppf(0.975, df) + stats.t.ppf(design.power, df)
    spread = np.sqrt(0.4 * (1 / design.n_intervention + 1 / design.n_comparison))
    assert mde_ancova(2.0, 0.6, design, parameters=12) == pytest.approx(2.0 * multiplier * spread)
    assert mde_ancova(2.0, 0.6, design, parameters=12) > mde_ancova(2.0, 0.6, design)
