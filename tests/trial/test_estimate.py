"""The planned estimators against known truth from the school-level simulation."""

import numpy as np
import pandas as pd
import statsmodels.api as sm

from dagster_project import settings
from dagster_project.trial.estimate import (
    covariate_matrix,
    fit_difference_in_differences,
    fit_negative_binomial,
    fit_ols_ancova,
    fit_poisson_qmle,
    poisson_arm_effect,
    poisson_arm_z,
    poisson_sandwich,
)
from dagster_project.trial.plan import load_plan
from dagster_project.trial.randomise import draw_treated
from mash_demo.synthetic import trial_frame

PLAN = load_plan(settings.PROJECT_ROOT / "config" / "trial_plan.yml")
SIMULATIONS = 250


def _primary(population, seed, rate_ratio):
    frame = trial_frame(population, PLAN, seed, rate_ratio)
    return fit_poisson_qmle(frame, "phone_contacts", PLAN.covariates, 0.05)


def test_primary_test_holds_its_size_under_no_effect(stratified_population):
    rejections = [
        _primary(stratified_population, 10_000 + k, 1.0).p_value < 0.05 for k in range(SIMULATIONS)
    ]
    assert 0.02 <= np.mean(rejections) <= 0.09


def test_primary_ci_covers_a_planted_rate_ratio(stratified_population):
    estimates = [_primary(stratified_population, 20_000 + k, 0.7) for k in range(SIMULATIONS)]
    coverage = np.mean([e.ci_low <= 0.7 <= e.ci_high for e in estimates])
    assert coverage >= 0.90
    assert abs(np.median([e.estimate for e in estimates]) - 0.7) < 0.03


def test_sandwich_without_leverage_matches_statsmodels_hc0(stratified_population):
    frame = trial_frame(stratified_population, PLAN, 7, 0.8)
    y = frame["phone_contacts"].to_numpy(float)
    design = np.column_stack(
        [
            np.ones(len(y)),
            frame["treated"].to_numpy(float),
            covariate_matrix(frame, "phone_contacts", PLAN.covariates, linear=False),
        ]
    )
    fit = sm.GLM(
        y, design, family=sm.families.Poisson(), exposure=frame["exposure"].to_numpy()
    ).fit(cov_type="HC0")
    ours = poisson_sandwich(design, y, np.asarray(fit.fittedvalues), leverage_adjusted=False)
    np.testing.assert_allclose(np.sqrt(np.diag(ours)), fit.bse, rtol=1e-6)
    hc2 = poisson_sandwich(design, y, np.asarray(fit.fittedvalues), leverage_adjusted=True)
    assert (np.diag(hc2) > np.diag(ours)).all()


def test_batched_fits_equal_statsmodels_fit_by_fit(stratified_population):
    frame = trial_frame(stratified_population, PLAN, 12, 0.8)
    y = frame["phone_contacts"].to_numpy(float)
    covariates = covariate_matrix(frame, "phone_contacts", PLAN.covariates, linear=False)
    exposure = frame["exposure"].to_numpy(float)
    rng = np.random.default_rng(1)
    treated = np.array(
        [
            draw_treated(
                frame["stratum"].to_numpy(), PLAN.intervention_share, rng, PLAN.stratum_order()
            )
            for _ in range(12)
        ]
    )
    outcomes = np.where(treated, rng.binomial(y.astype(int), 0.7), y)
    start = poisson_arm_effect(y, frame["treated"].to_numpy(bool), covariates, exposure).params
    batched = poisson_arm_z(outcomes, treated, covariates, exposure, start)
    one_by_one = [
        poisson_arm_effect(outcomes[k], treated[k], covariates, exposure).z for k in range(12)
    ]
    np.testing.assert_allclose(batched, one_by_one, rtol=1e-7)


def test_sensitivity_models_find_a_strong_planted_effect(stratified_population):
    frame = trial_frame(stratified_population, PLAN, 8, 0.6)
    negative_binomial = fit_negative_binomial(frame, "phone_contacts", PLAN.covariates, 0.05)
    assert negative_binomial.ci_low < 0.6 < negative_binomial.ci_high
    assert negative_binomial.notes["dispersion_alpha"] > 0
    ancova = fit_ols_ancova(frame, "phone_contacts", PLAN.covariates, 0.05)
    assert ancova.ci_high < 0 and ancova.notes["hedges_g"] < 0


def _panel(schools: int, months: int, effect: float, seed: int):
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2019-01-01", periods=months, freq="MS")
    level = rng.gamma(2, 2, schools)
    treated = set(range(0, schools, 2))
    trial_months = set(dates[months // 2 :])
    rows = [
        (school, month, level[school] + 0.3 * k + rng.normal(0, 1))
        for school in range(schools)
        for k, month in enumerate(dates)
    ]
    rows = [
        (school, month, value + (effect if school in treated and month in trial_months else 0))
        for school, month, value in rows
    ]
    panel = pd.DataFrame(rows, columns=["school_urn", "month_start", "phone_contacts"])
    return panel, treated, trial_months


def test_difference_in_differences_recovers_a_planted_difference():
    panel, treated, trial_months = _panel(80, 10, -1.5, seed=4)
    estimate = fit_difference_in_differences(panel, treated, trial_months, "phone_contacts", 0.05)
    assert estimate.ci_low < -1.5 < estimate.ci_high
    assert estimate.n_schools == 80 and estimate.n_obs == 800


def test_difference_in_differences_equals_dummy_regression_in_statsmodels():
    panel, treated, trial_months = _panel(24, 6, 0.8, seed=5)
    ours = fit_difference_in_differences(panel, treated, trial_months, "phone_contacts", 0.05)
    active = panel["school_urn"].isin(treated) & panel["month_start"].isin(trial_months)
    design = pd.concat(
        [
            active.astype(float).rename("active"),
            pd.get_dummies(panel["school_urn"], prefix="s", dtype=float),
            pd.get_dummies(panel["month_start"], prefix="m", drop_first=True, dtype=float),
        ],
        axis=1,
    )
    fit = sm.OLS(panel["phone_contacts"], design).fit(
        cov_type="cluster", cov_kwds={"groups": panel["school_urn"]}, use_t=True
    )
    np.testing.assert_allclose(
        [ours.estimate, ours.std_error, ours.p_value, ours.ci_low],
        [
            fit.params["active"],
            fit.bse["active"],
            fit.pvalues["active"],
            fit.conf_int().loc["active", 0],
        ],
        rtol=1e-8,
    )


def test_outcome_with_no_events_is_reported_not_estimable(stratified_population):
    frame = trial_frame(stratified_population, PLAN, 9, 1.0).assign(calls_attributed=0)
    estimate = fit_poisson_qmle(frame, "calls_attributed", PLAN.covariates, 0.05)
    assert np.isnan(estimate.estimate) and estimate.notes["why"] == "no events"
