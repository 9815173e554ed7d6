"""Lan-DeMets O'Brien-Fleming boundaries against hand calculation and published tables."""

import numpy as np
import pytest

from dagster_project.trial.interim import boundaries, current_look, obrien_fleming_spent


def test_spending_by_hand():
    # z_{1 - 0.05/4} = 2.241403; at t = 1/2: 2.241403 / 0.707107 = 3.169822, and a side
    # spends 2 (1 - Phi(3.169822)) = 2 x 0.00076263 = 0.0015253; both sides twice that
    assert obrien_fleming_spent(0.5, 0.05) == pytest.approx(2 * 0.0015253, rel=1e-4)
    assert obrien_fleming_spent(1.0, 0.05) == pytest.approx(0.05, rel=1e-12)
    assert obrien_fleming_spent(0.0, 0.05) == 0.0


def test_first_boundary_by_hand_and_later_ones_as_published():
    # first look: Phi^-1(1 - 0.0015253) = 2.9626 (by hand); the final boundaries are those
    # of gsDesign's sfLDOF tables (two looks: 2.963, 1.969; three: 3.710, 2.511, 1.993)
    assert boundaries([0.5, 1.0], 0.05) == pytest.approx([2.9626, 1.9686], abs=1e-3)
    assert boundaries([1 / 3, 2 / 3, 1.0], 0.05) == pytest.approx([3.710, 2.511, 1.993], abs=1e-3)
    assert boundaries([1.0], 0.05) == pytest.approx([1.95996], abs=1e-5)


def test_boundaries_spend_exactly_alpha_under_the_null():
    rng = np.random.default_rng(5)
    fractions = np.array([0.25, 0.5, 0.75, 1.0])
    increments = rng.normal(size=(400_000, 4)) * np.sqrt(np.diff(fractions, prepend=0))
    z = np.cumsum(increments, axis=1) / np.sqrt(fractions)
    crossed = (np.abs(z) >= boundaries(list(fractions), 0.05)).any(axis=1).mean()
    assert crossed == pytest.approx(0.05, abs=0.0015)


def test_a_look_not_in_the_plan_draws_no_conclusion():
    unplanned = current_look(3, 7, (4,), 0.05)
    assert unplanned.is_interim and not unplanned.draws_conclusions
    final = current_look(7, 7, (4,), 0.05)
    assert not final.is_interim and final.boundary_z == pytest.approx(
        boundaries([4 / 7, 1.0], 0.05)[1]
    )
    assert current_look(7, 7, (), 0.05).boundary_p == pytest.approx(0.05)
