"""Randomisation inference and Holm's correction."""

import numpy as np
import pytest

from dagster_project import settings
from dagster_project.trial.estimate import fit_poisson_qmle
from dagster_project.trial.inference import holm_adjusted, randomisation_p_value
from dagster_project.trial.plan import load_plan
from mash_demo.synthetic import trial_frame

PLAN = load_plan(settings.PROJECT_ROOT / "config" / "trial_plan.yml")
DRAWS = 1000


def _p_values(frame, seed=1):
    model = fit_poisson_qmle(frame, "phone_contacts", PLAN.covariates, 0.05).p_value
    randomisation = randomisation_p_value(
        frame,
        "phone_contacts",
        PLAN.covariates,
        PLAN.intervention_share,
        PLAN.stratum_order(),
        DRAWS,
        seed,
    )
    return model, randomisation


def test_randomisation_p_value_tracks_the_model_under_no_effect(stratified_population):
    frame = trial_frame(stratified_population, PLAN, 41, 1.0)
    model, randomisation = _p_values(frame)
    assert 1 / (DRAWS + 1) <= randomisation <= 1
    assert abs(model - randomisation) < 0.1
    assert _p_values(frame)[1] == randomisation
    assert _p_values(frame, seed=2)[1] != randomisation


def test_randomisation_p_value_is_small_for_a_strong_effect(stratified_population):
    frame = trial_frame(stratified_population, PLAN, 42, 0.55)
    model, randomisation = _p_values(frame)
    assert model < 0.001
    assert randomisation == pytest.approx(1 / (DRAWS + 1), abs=3 / DRAWS)


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04 -> 0.03, 0.06, 0.06 (monotone), NaN left out
    assert holm_adjusted([0.04, 0.01, float("nan"), 0.03])[:2] == pytest.approx([0.06, 0.03])
    adjusted = holm_adjusted([0.04, 0.01, float("nan"), 0.03])
    assert np.isnan(adjusted[2]) and adjusted[3] == pytest.approx(0.06)
