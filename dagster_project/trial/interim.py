"""Interim looks: information fractions and Lan-DeMets O'Brien-Fleming boundaries.

A two-sided test of level alpha spends alpha/2 on each side by the O'Brien-Fleming-type
function a(t) = 2 - 2 Phi(z_{1 - alpha/4} / sqrt(t)) (Lan and DeMets 1983; gsDesign's
``sfLDOF`` and rpact's ``asOF``). The boundary at each look is found so that the chance
of first crossing there, with the z-statistics of successive looks correlated as
sqrt(t_i / t_j), equals what the spending function allows between that look and the last.
"""

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats


def obrien_fleming_spent(fraction: float, alpha: float) -> float:
    """Two-sided alpha spent by information fraction ``fraction`` (both sides together)."""
    if fraction <= 0:
        return 0.0
    one_side = 2 * stats.norm.sf(stats.norm.ppf(1 - alpha / 4) / np.sqrt(min(fraction, 1.0)))
    return float(2 * one_side)


def boundaries(fractions: list[float], alpha: float) -> list[float]:
    """Two-sided z boundaries at looks with increasing information ``fractions``."""
    found: list[float] = []
    spent_before = 0.0
    for k, fraction in enumerate(fractions):
        allowed = obrien_fleming_spent(fraction, alpha) - spent_before
        if k == 0:
            found.append(float(stats.norm.isf(allowed / 2)))
        else:
            found.append(_next_boundary(found, _covariance(fractions[: k + 1]), allowed))
        spent_before += allowed
    return found


def _next_boundary(found: list[float], covariance: np.ndarray, allowed: float) -> float:
    """The bound at the next look whose first-crossing probability is ``allowed``."""
    continuing = _inside(found, covariance[:-1, :-1])

    def gap(bound):
        return continuing - _inside([*found, bound], covariance) - allowed

    return float(optimize.brentq(gap, 0.5, 10.0, xtol=1e-10))


def _covariance(fractions: list[float]) -> np.ndarray:
    t = np.asarray(fractions, float)
    return np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))


def _inside(bounds: list[float], covariance: np.ndarray) -> float:
    """P(|Z_j| < bounds_j for every look j)."""
    upper = np.asarray(bounds, float)
    if len(upper) == 1:
        return float(1 - 2 * stats.norm.sf(upper[0]))
    distribution = stats.multivariate_normal(
        np.zeros(len(upper)), covariance, abseps=1e-7, releps=1e-7, maxpts=200_000
    )
    return float(distribution.cdf(upper, lower_limit=-upper))


@dataclass(frozen=True)
class Look:
    """Where a result stands: its information fraction and the level its tests use."""

    months_observed: int
    information_fraction: float
    is_interim: bool
    is_planned_look: bool
    boundary_z: float | None
    boundary_p: float | None

    @property
    def draws_conclusions(self) -> bool:
        return self.boundary_p is not None


def current_look(months_observed: int, planned_months: int, looks, alpha: float) -> Look:
    """The look of a result with ``months_observed`` of ``planned_months`` trial months."""
    fraction = months_observed / planned_months
    is_interim = months_observed < planned_months
    planned = months_observed in looks
    if is_interim and not planned:
        return Look(months_observed, fraction, True, False, None, None)
    fractions = [m / planned_months for m in looks if m < months_observed] + [fraction]
    z = boundaries(fractions, alpha)[-1]
    return Look(months_observed, fraction, is_interim, planned, z, float(2 * stats.norm.sf(z)))
