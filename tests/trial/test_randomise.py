from dataclasses import replace
from fractions import Fraction
from math import ceil, floor

import numpy as np
import pandas as pd
import pytest

from dagster_project import settings
from dagster_project.trial.plan import load_plan
from dagster_project.trial.randomise import draw_treated, randomise

PLAN = load_plan(settings.PROJECT_ROOT / "config" / "trial_plan.yml")
#: Odd and tiny strata, where a floor-only or round-half rule would go wrong.
STRATUM_SIZES = {"a": 1, "b": 2, "c": 3, "d": 7, "e": 10, "f": 13}


def _strata() -> np.ndarray:
    return np.concatenate([[name] * size for name, size in STRATUM_SIZES.items()])


def test_same_seed_same_assignment_whatever_the_row_order(stratified_population):
    first = randomise(stratified_population, PLAN)
    shuffled = stratified_population.sample(frac=1, random_state=3)
    again = randomise(shuffled, PLAN)
    pd.testing.assert_frame_equal(first, again)
    assert list(first["school_urn"]) == sorted(first["school_urn"])
    other = randomise(stratified_population, replace(PLAN, seed=PLAN.seed + 1))
    assert (other["arm"] != first["arm"]).any()


@pytest.mark.parametrize("share", [Fraction(1, 2), Fraction(1, 3), Fraction(3, 5)])
def test_every_stratum_treats_the_floor_or_the_ceiling(share):
    strata = _strata()
    rng = np.random.default_rng(0)
    for _ in range(300):
        treated = draw_treated(strata, share, rng, list(STRATUM_SIZES))
        for name, size in STRATUM_SIZES.items():
            count = treated[strata == name].sum()
            assert floor(size * share) <= count <= ceil(size * share), (name, count)


@pytest.mark.parametrize("share", [Fraction(1, 2), Fraction(1, 3)])
def test_each_schools_probability_is_exactly_the_share(share):
    strata = _strata()
    draws = 6000
    treated = np.array(
        [
            draw_treated(strata, share, np.random.default_rng(seed), list(STRATUM_SIZES))
            for seed in range(draws)
        ]
    )
    frequency = treated.mean(axis=0)
    tolerance = 4.5 * np.sqrt(float(share) * (1 - float(share)) / draws)
    assert np.abs(frequency - float(share)).max() < tolerance
    for name, size in STRATUM_SIZES.items():
        mean_count = treated[:, strata == name].sum(axis=1).mean()
        assert abs(mean_count - size * float(share)) < 4.5 * np.sqrt(0.25 / draws) + 1e-9, name


def test_unknown_stratum_is_refused():
    with pytest.raises(ValueError, match="does not define"):
        draw_treated(np.array(["x"]), Fraction(1, 2), np.random.default_rng(0), ["a"])
