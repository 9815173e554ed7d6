"""The estimators against R's printed figures on committed datasets (R is not needed to run
this: tests/trial/reference/fit_reference.R printed r_output.txt)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dagster_project.trial.estimate import (
    fit_difference_in_differences,
    fit_negative_binomial,
    fit_ols_ancova,
    fit_poisson_qmle,
)

REFERENCE = Path(__file__).parent / "reference"
COVARIATES = ("baseline_outcome", "pupils", "pct_fsm", "stratum")


def _r_output() -> dict[str, dict[str, float]]:
    figures = {}
    for line in (REFERENCE / "r_output.txt").read_text().splitlines():
        label, *pairs = line.split()
        figures[label] = {pairs[k]: float(pairs[k + 1]) for k in range(0, len(pairs), 2)}
    return figures


R = _r_output()


@pytest.fixture(scope="module")
def schools() -> pd.DataFrame:
    frame = pd.read_csv(REFERENCE / "schools.csv")
    return frame.assign(treated=frame["treated"].astype(bool))


def _same(ours: float, theirs: float) -> None:
    assert ours == pytest.approx(theirs, rel=5e-5), (ours, theirs)


def test_poisson_qmle_with_hc2_matches_glm_and_sandwich(schools):
    estimate = fit_poisson_qmle(schools, "phone_contacts", COVARIATES, 0.05)
    _same(np.log(estimate.estimate), R["poisson_qmle_hc2"]["estimate"])
    _same(estimate.std_error, R["poisson_qmle_hc2"]["std_error"])


def test_negative_binomial_matches_mass_glm_nb(schools):
    estimate = fit_negative_binomial(schools, "phone_contacts", COVARIATES, 0.05)
    _same(np.log(estimate.estimate), R["negative_binomial"]["estimate"])
    _same(estimate.std_error, R["negative_binomial"]["std_error"])
    assert estimate.notes["dispersion_alpha"] == pytest.approx(
        R["negative_binomial"]["dispersion_alpha"], abs=1e-4
    )


def test_ancova_with_hc2_matches_estimatr_lm_robust(schools):
    estimate = fit_ols_ancova(schools, "phone_contacts", COVARIATES, 0.05)
    _same(estimate.estimate, R["ols_ancova_hc2"]["estimate"])
    _same(estimate.std_error, R["ols_ancova_hc2"]["std_error"])


def test_two_way_fixed_effects_match_lm_with_clustered_se():
    panel = pd.read_csv(REFERENCE / "panel.csv", parse_dates=["month_start"])
    treated = set(panel.loc[panel["treated"] == 1, "school_urn"])
    trial_months = set(panel.loc[panel["trial_period"] == 1, "month_start"])
    estimate = fit_difference_in_differences(panel, treated, trial_months, "phone_contacts", 0.05)
    _same(estimate.estimate, R["did_two_way_fe_clustered"]["estimate"])
    _same(estimate.std_error, R["did_two_way_fe_clustered"]["std_error"])
