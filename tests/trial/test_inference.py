"""Randomisation inference and Holm's correction."""

import numpy as np
import pytest
from scipy import stats

from dagster_project import settings
from dagster_project.trial.estimate import fit_poisson_qmle
from dagster_project.trial.inference import (
    CI_TOLERANCE,
    RandomisationInference,
    holm_adjusted,
    randomisation_p_value,
    redraw_assignments,
)
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


def _inference(frame, outcome="phone_contacts", draws=DRAWS, seed=3):
    assignments = redraw_assignments(
        frame["stratum"].to_numpy(), PLAN.intervention_share, PLAN.stratum_order(), draws, seed
    )
    return RandomisationInference(frame, outcome, PLAN.covariates, assignments)


def test_non_inferiority_p_is_one_sided_on_both_sides_of_the_margin(stratified_population):
    margin = np.log(0.7)
    below = _inference(trial_frame(stratified_population, PLAN, 43, 0.5)).greater(margin)
    above = _inference(trial_frame(stratified_population, PLAN, 43, 1.0)).greater(margin)
    assert below.p_value > 0.9
    assert above.p_value < 0.01
    # the two one-sided tests of one hypothesis add up to one, plus the observed draw twice
    inference = _inference(trial_frame(stratified_population, PLAN, 44, 0.7))
    statistics = inference.statistics(margin)
    less = ((statistics.redraws <= statistics.observed).sum() + 1) / (DRAWS + 1)
    assert inference.greater(margin).p_value + less == pytest.approx(1 + 1 / (DRAWS + 1))


def test_inverted_interval_is_where_the_test_stops_rejecting(stratified_population):
    frame = trial_frame(stratified_population, PLAN, 45, 0.75)
    inference = _inference(frame, draws=400)
    low, high = inference.confidence_interval(0.05)
    wald = fit_poisson_qmle(frame, "phone_contacts", PLAN.covariates, 0.05)
    assert low < wald.estimate < high
    assert abs(np.log(low) - np.log(wald.ci_low)) < 0.5 * wald.std_error
    assert abs(np.log(high) - np.log(wald.ci_high)) < 0.5 * wald.std_error
    step = 5 * CI_TOLERANCE
    for end, outward in ((low, -step), (high, step)):
        assert inference.two_sided(np.log(end) - outward).p_value > 0.05
        assert inference.two_sided(np.log(end) + outward).p_value <= 0.05


def test_redraws_that_do_not_converge_are_refitted_or_counted_extreme(stratified_population):
    frame = trial_frame(stratified_population, PLAN, 46, 1.0)
    # events in three schools only: many redraws leave one arm with none
    frame["referrals"] = 0
    frame.loc[frame.index[:3], "referrals"] = [4, 3, 5]
    inference = _inference(frame, outcome="referrals", draws=200)
    test = inference.two_sided()
    assert test.refitted > 0
    assert 0 <= test.counted_extreme <= test.refitted
    assert test.counted_extreme / (test.draws + 1) <= test.p_value <= 1


def test_randomisation_test_holds_its_size_on_null_trials(stratified_population):
    """300 null trials, 99 redraws each: the rejection counts at the 5% and 20% levels lie
    in the central 99.8% of Binomial(300, level), which a test that rejects 8% of the time
    at 5% (as the HC2 Wald test did on heavy-tailed counts) leaves about half the time."""
    trials, draws = 300, 99
    p_values = []
    for k in range(trials):
        frame = trial_frame(stratified_population, PLAN, 30_000 + k, 1.0)
        p_values.append(_inference(frame, draws=draws, seed=k).two_sided().p_value)
    p_values = np.array(p_values)
    for level in (0.05, 0.20):
        low, high = stats.binom.ppf([0.001, 0.999], trials, level)
        assert low <= (p_values <= level).sum() <= high, level
