"""Randomisation inference for the primary analysis, and Holm's correction for secondaries."""

from fractions import Fraction

import numpy as np
from statsmodels.stats.multitest import multipletests

from dagster_project.trial.estimate import covariate_matrix, poisson_arm_effect, poisson_arm_z
from dagster_project.trial.randomise import draw_treated


def randomisation_p_value(
    frame,
    outcome: str,
    covariates,
    share: Fraction,
    stratum_order: list[str],
    draws: int,
    seed: int,
) -> float:
    """Two-sided p-value of the primary estimator's z under the sharp null of no effect.

    Each redraw assigns the arms afresh with the trial's own blocked procedure within the
    frozen strata; the p-value counts redraws with |z| at least the observed one, plus the
    observed assignment itself.
    """
    y = frame[outcome].to_numpy(float)
    exposure = frame["exposure"].to_numpy(float)
    covariates_ = covariate_matrix(frame, outcome, covariates, linear=False)
    strata = frame["stratum"].to_numpy()
    fit = poisson_arm_effect(y, frame["treated"].to_numpy(bool), covariates_, exposure)
    start = fit.params.copy()
    start[1] = 0.0
    rng = np.random.default_rng(seed)
    assignments = np.array([draw_treated(strata, share, rng, stratum_order) for _ in range(draws)])
    z = poisson_arm_z(y, assignments, covariates_, exposure, start)
    as_extreme = int((np.abs(z) >= abs(fit.z) * (1 - 1e-12)).sum())
    return (as_extreme + 1) / (draws + 1)


def holm_adjusted(p_values: list[float]) -> list[float]:
    """Holm step-down adjusted p-values (NaN entries stay NaN and take no part)."""
    values = np.asarray(p_values, dtype=float)
    adjusted = np.full(values.shape, np.nan)
    present = ~np.isnan(values)
    if present.any():
        adjusted[present] = multipletests(values[present], method="holm")[1]
    return adjusted.tolist()
