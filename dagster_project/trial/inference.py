"""Randomisation inference: p-values and a confidence interval from redraws of the trial's
own blocked assignment, and Holm's correction for the secondaries.

The statistic is the primary estimator's studentised arm coefficient (Poisson QMLE, HC2).
Under the sharp null that every intervention school's counts are ``ratio`` times what they
would have been in the comparison arm, a school's comparison-arm counts are its observed
counts divided by ``ratio`` when it was treated; each redraw re-applies the ratio to the
schools it treats and refits. Redraws whose batched fit does not converge are refitted one
by one with statsmodels; any that still fail count as at least as extreme as the observed
assignment (so the p-value can only grow), and both counts are reported.
"""

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from statsmodels.stats.multitest import multipletests

from dagster_project.trial.estimate import (
    FIT_FAILURES,
    covariate_matrix,
    poisson_arm_effect,
    poisson_arm_fits,
)
from dagster_project.trial.randomise import draw_treated

#: Relative tolerance for ties between a redraw's statistic and the observed one.
TIE = 1e-9
#: Precision of the inverted confidence interval's ends, on the log rate ratio scale.
CI_TOLERANCE = 1e-3


def redraw_assignments(
    strata: np.ndarray, share: Fraction, stratum_order: list[str], draws: int, seed: int
) -> np.ndarray:
    """``draws`` assignments (draws x schools) by the trial's blocked procedure."""
    rng = np.random.default_rng(seed)
    return np.array([draw_treated(strata, share, rng, stratum_order) for _ in range(draws)])


@dataclass(frozen=True)
class RedrawStatistics:
    observed: float
    redraws: np.ndarray
    refitted: int
    failed: int


@dataclass(frozen=True)
class TestResult:
    p_value: float
    draws: int
    refitted: int
    counted_extreme: int


class RandomisationInference:
    """Randomisation tests of one outcome's rate ratio, sharing one set of redraws."""

    def __init__(self, frame, outcome: str, covariates, assignments: np.ndarray):
        self.y = frame[outcome].to_numpy(float)
        self.treated = frame["treated"].to_numpy(bool)
        self.exposure = frame["exposure"].to_numpy(float)
        self.covariates = covariate_matrix(frame, outcome, covariates, linear=False)
        self.assignments = assignments
        self.observed = poisson_arm_effect(self.y, self.treated, self.covariates, self.exposure)
        self._cache: dict[float, RedrawStatistics] = {}

    @property
    def draws(self) -> int:
        return len(self.assignments)

    def statistics(self, log_ratio: float) -> RedrawStatistics:
        """Observed and redrawn z of H0: log rate ratio = ``log_ratio``."""
        if log_ratio in self._cache:
            return self._cache[log_ratio]
        untreated = self.y * np.exp(-log_ratio * self.treated)
        outcomes = untreated * np.exp(log_ratio * self.assignments)
        start = np.array(self.observed.params, float)
        start[1] = log_ratio
        fits = poisson_arm_fits(outcomes, self.assignments, self.covariates, self.exposure, start)
        z = (fits.coefficient - log_ratio) / fits.std_error
        failed = 0
        for k in np.flatnonzero(~fits.converged):
            try:
                effect = poisson_arm_effect(
                    outcomes[k], self.assignments[k], self.covariates, self.exposure
                )
                z[k] = (effect.coefficient - log_ratio) / effect.std_error
            except FIT_FAILURES:
                z[k] = np.nan
            if not np.isfinite(z[k]):
                failed += 1
                z[k] = np.nan
        observed = (self.observed.coefficient - log_ratio) / self.observed.std_error
        result = RedrawStatistics(observed, z, int((~fits.converged).sum()), failed)
        self._cache[log_ratio] = result
        return result

    def two_sided(self, log_ratio: float = 0.0) -> TestResult:
        s = self.statistics(log_ratio)
        bound = abs(s.observed) * (1 - TIE)
        extreme = int((np.abs(s.redraws) >= bound).sum()) + s.failed
        return self._result(extreme, s)

    def greater(self, log_ratio: float) -> TestResult:
        """One-sided: evidence that the rate ratio exceeds exp(``log_ratio``)."""
        s = self.statistics(log_ratio)
        bound = s.observed - TIE * abs(s.observed)
        extreme = int((s.redraws >= bound).sum()) + s.failed
        return self._result(extreme, s)

    def _result(self, extreme: int, s: RedrawStatistics) -> TestResult:
        return TestResult((extreme + 1) / (self.draws + 1), self.draws, s.refitted, s.failed)

    def confidence_interval(self, alpha: float) -> tuple[float, float]:
        """The rate ratios the two-sided test does not reject at ``alpha``, by bracketing
        outward from the estimate in steps of its standard error and then bisecting."""
        centre, step = self.observed.coefficient, self.observed.std_error
        return (
            float(np.exp(self._end(centre, -step, alpha))),
            float(np.exp(self._end(centre, step, alpha))),
        )

    def _end(self, centre: float, step: float, alpha: float, max_steps: int = 40) -> float:
        def accepted(log_ratio):
            return self.two_sided(log_ratio).p_value > alpha

        inside, outside = centre, centre + 2 * step
        for _ in range(max_steps):
            if not accepted(outside):
                break
            inside, outside = outside, outside + step
        else:
            return float("nan")
        while abs(outside - inside) > CI_TOLERANCE:
            middle = (inside + outside) / 2
            if accepted(middle):
                inside = middle
            else:
                outside = middle
        return (inside + outside) / 2


def randomisation_p_value(
    frame,
    outcome: str,
    covariates,
    share: Fraction,
    stratum_order: list[str],
    draws: int,
    seed: int,
) -> float:
    """Two-sided randomisation p-value of no effect (the plan's draws and seed)."""
    assignments = redraw_assignments(frame["stratum"].to_numpy(), share, stratum_order, draws, seed)
    return RandomisationInference(frame, outcome, covariates, assignments).two_sided().p_value


def holm_adjusted(p_values: list[float]) -> list[float]:
    """Holm step-down adjusted p-values (NaN entries stay NaN and take no part)."""
    values = np.asarray(p_values, dtype=float)
    adjusted = np.full(values.shape, np.nan)
    present = ~np.isnan(values)
    if present.any():
        adjusted[present] = multipletests(values[present], method="holm")[1]
    return adjusted.tolist()
