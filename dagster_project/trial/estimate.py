"""The planned estimators, on one row per randomised school (or school-month for DiD).

A school-level frame has ``treated`` (bool), ``stratum``, ``pupils``, ``pct_fsm``,
``exposure`` (trial months observed), ``baseline_months`` and, per outcome, the trial-period
total ``<outcome>`` and the baseline total ``<outcome>_baseline``.
"""

import contextlib
import functools
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import PerfectSeparationError

RATE_RATIO = "rate_ratio"
#: Fits done together by ``poisson_arm_z`` (memory: BATCH x schools x parameters doubles).
BATCH = 500
DIFFERENCE = "difference_per_school_month"
#: What a fit on awkward data (a sparse baseline, a rare outcome) can raise.
FIT_FAILURES = (np.linalg.LinAlgError, ValueError, ArithmeticError, PerfectSeparationError)


@dataclass
class Estimate:
    outcome: str
    model: str
    scale: str
    estimate: float
    ci_low: float
    ci_high: float
    std_error: float
    statistic: float
    p_value: float
    n_schools: int
    n_obs: int
    notes: dict = field(default_factory=dict)


def reported_not_estimable(model: str, scale: str):
    """Decorate a fit ``(frame, outcome, ...) -> Estimate`` so that a fit which raises or
    gives a non-finite estimate or standard error returns a "not estimable" Estimate with
    the reason in ``notes["why"]``, instead of stopping the night's analysis."""

    def decorate(fit):
        @functools.wraps(fit)
        def guarded(frame, outcome, *args, **kwargs):
            try:
                estimate = fit(frame, outcome, *args, **kwargs)
            except FIT_FAILURES as error:
                return _not_estimable(
                    frame, outcome, model, scale, f"fit failed: {type(error).__name__}: {error}"
                )
            if "why" not in estimate.notes and not (
                np.isfinite(estimate.estimate) and np.isfinite(estimate.std_error)
            ):
                return _not_estimable(
                    frame, outcome, model, scale, "the estimate or its standard error is not finite"
                )
            return estimate

        return guarded

    return decorate


@dataclass(frozen=True)
class ArmEffect:
    """The arm coefficient of a fit: log rate ratio (or difference) and its standard error."""

    coefficient: float
    std_error: float
    params: np.ndarray | None = None

    @property
    def z(self) -> float:
        return self.coefficient / self.std_error


def covariate_matrix(frame: pd.DataFrame, outcome: str, covariates, *, linear: bool) -> np.ndarray:
    """Baseline covariates, without constant or arm.

    The outcome's own baseline enters as log1p(baseline total) for the rate models and as
    the baseline rate per month for the linear model. Stratum dummies are dropped for
    strata in which the outcome never occurs in the analysed period (the plan's rule for
    strata with no events: their schools stay in the analysis, sharing the reference
    level, since a Poisson fit cannot converge with a dummy whose coefficient is minus
    infinity). Columns that are constant or aliased with earlier ones are left out.
    """
    columns = []
    if "baseline_outcome" in covariates:
        baseline = frame[f"{outcome}_baseline"].to_numpy(float)
        if linear:
            months = frame["baseline_months"].to_numpy(float)
            rate = np.divide(baseline, months, out=np.zeros_like(baseline), where=months > 0)
            columns.append(rate)
        else:
            columns.append(np.log1p(baseline))
    if "pupils" in covariates:
        columns.append(frame["pupils"].to_numpy(float) / 100)
    if "pct_fsm" in covariates:
        columns.append(frame["pct_fsm"].to_numpy(float))
    if "stratum" in covariates:
        levels, codes = np.unique(frame["stratum"].to_numpy(str), return_inverse=True)
        totals = np.bincount(codes, weights=frame[outcome].to_numpy(float), minlength=len(levels))
        occurring = np.flatnonzero(totals > 0)
        columns.extend((codes == level).astype(float) for level in occurring[1:])
    if not columns:
        return np.empty((len(frame), 0))
    matrix = np.column_stack(columns)
    return independent_columns(matrix[:, matrix.std(axis=0) > 0])


def independent_columns(matrix: np.ndarray) -> np.ndarray:
    """The columns, left to right, that are not linear combinations of a constant and the
    columns kept before them (as R's glm leaves aliased coefficients out), so that a
    sparse baseline cannot make the fit's information matrix singular."""
    kept = [np.ones(len(matrix))]
    for column in matrix.T:
        candidate = np.column_stack([*kept, column])
        if np.linalg.matrix_rank(candidate) == candidate.shape[1]:
            kept.append(column)
    if len(kept) == 1:
        return np.empty((len(matrix), 0))
    return np.column_stack(kept[1:])


def poisson_arm_effect(
    y: np.ndarray,
    treated: np.ndarray,
    covariates: np.ndarray,
    exposure: np.ndarray,
    start: np.ndarray | None = None,
) -> ArmEffect:
    """Poisson quasi-likelihood fit with exposure, and an HC2 sandwich standard error.

    statsmodels fits the model; its GLM offers only the HC0 sandwich, which rejects a true
    null too often with a couple of hundred schools and a dozen parameters, so the
    sandwich is computed here with each squared residual divided by 1 - leverage (HC2).
    ``start`` (the coefficients of a similar fit) only shortens the iterations.
    """
    design = np.column_stack([np.ones(len(y)), treated.astype(float), covariates])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sm.GLM(y, design, family=sm.families.Poisson(), exposure=exposure)
        fit = model.fit(start_params=start)
    covariance = poisson_sandwich(design, y, fit.fittedvalues, leverage_adjusted=True)
    return ArmEffect(float(fit.params[1]), float(np.sqrt(covariance[1, 1])), fit.params)


def poisson_arm_z(
    y: np.ndarray,
    treated: np.ndarray,
    covariates: np.ndarray,
    exposure: np.ndarray,
    start: np.ndarray,
) -> np.ndarray:
    """The z of ``poisson_arm_effect`` for many assignments (and outcomes) at once."""
    fits = poisson_arm_fits(y, treated, covariates, exposure, start)
    return fits.coefficient / fits.std_error


@dataclass(frozen=True)
class BatchedFits:
    """Arm coefficients and HC2 standard errors of many fits; ``converged`` marks the fits
    whose Newton-Raphson steps settled to finite values within the iteration limit."""

    coefficient: np.ndarray
    std_error: np.ndarray
    converged: np.ndarray


def poisson_arm_fits(
    y: np.ndarray,
    treated: np.ndarray,
    covariates: np.ndarray,
    exposure: np.ndarray,
    start: np.ndarray,
) -> BatchedFits:
    """``poisson_arm_effect`` for many assignments (and outcomes) at once.

    ``treated`` is (draws, schools); ``y`` is (schools,) or (draws, schools). The same
    estimator, fitted by batched Newton-Raphson (IRLS: the Poisson link is canonical)
    from ``start``, so that randomisation inference and power simulations can afford
    thousands of fits; the tests check it against statsmodels.
    """
    y = np.broadcast_to(np.asarray(y, float), treated.shape)
    parts = [
        _batched_poisson(y[k : k + BATCH], treated[k : k + BATCH], covariates, exposure, start)
        for k in range(0, len(treated), BATCH)
    ]
    return BatchedFits(*(np.concatenate(arrays) for arrays in zip(*parts, strict=True)))


def _batched_poisson(y, treated, covariates, exposure, start, max_iterations: int = 100):
    draws, n = treated.shape
    design = np.empty((draws, n, 2 + covariates.shape[1]))
    design[:, :, 0] = 1.0
    design[:, :, 1] = treated
    design[:, :, 2:] = covariates
    offset = np.log(exposure)
    beta = np.tile(np.asarray(start, float), (draws, 1))
    settled = np.zeros(draws, dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(max_iterations):
            fitted = np.exp(np.einsum("dnp,dp->dn", design, beta) + offset)
            information = np.swapaxes(design * fitted[..., None], 1, 2) @ design
            score = np.einsum("dnp,dn->dp", design, y - fitted)
            step = _solve_each(information, score)
            beta += np.where(settled[:, None], 0.0, step)
            settled |= np.abs(step).max(axis=1) < 1e-10
            if settled.all():
                break
        fitted = np.exp(np.einsum("dnp,dp->dn", design, beta) + offset)
        bread = _invert_each(np.swapaxes(design * fitted[..., None], 1, 2) @ design)
        leverage = fitted * np.sum((design @ bread) * design, axis=2)
        squared = (y - fitted) ** 2 / np.clip(1 - leverage, 1e-8, None)
        meat = np.swapaxes(design * squared[..., None], 1, 2) @ design
        std_error = np.sqrt((bread @ meat @ bread)[:, 1, 1])
    coefficient = beta[:, 1]
    converged = settled & np.isfinite(coefficient) & np.isfinite(std_error) & (std_error > 0)
    return coefficient, std_error, converged


def _solve_each(matrices: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Solve each system; a singular one gives NaN (its fit is then not converged)."""
    try:
        return np.linalg.solve(matrices, vectors[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full(vectors.shape, np.nan)
        for k, (matrix, vector) in enumerate(zip(matrices, vectors, strict=True)):
            with contextlib.suppress(np.linalg.LinAlgError):
                out[k] = np.linalg.solve(matrix, vector)
        return out


def _invert_each(matrices: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(matrices)
    except np.linalg.LinAlgError:
        out = np.full(matrices.shape, np.nan)
        for k, matrix in enumerate(matrices):
            with contextlib.suppress(np.linalg.LinAlgError):
                out[k] = np.linalg.inv(matrix)
        return out


def poisson_sandwich(
    design: np.ndarray, y: np.ndarray, fitted: np.ndarray, *, leverage_adjusted: bool
) -> np.ndarray:
    """A^-1 B A^-1 with A = X'diag(mu)X and B = sum of x x' (y - mu)^2 [/(1 - h)] (HC0/HC2)."""
    bread = np.linalg.inv(design.T @ (design * fitted[:, None]))
    squared = (y - fitted) ** 2
    if leverage_adjusted:
        leverage = fitted * np.sum((design @ bread) * design, axis=1)
        squared = squared / np.clip(1 - leverage, 1e-8, None)
    return bread @ (design.T @ (design * squared[:, None])) @ bread


@reported_not_estimable("poisson_qmle", RATE_RATIO)
def fit_poisson_qmle(frame: pd.DataFrame, outcome: str, covariates, alpha: float) -> Estimate:
    """The primary analysis: rate ratio of intervention to comparison, robust (HC2) CI."""
    y = frame[outcome].to_numpy(float)
    if why := _why_no_rate_ratio(y, frame["treated"].to_numpy(bool)):
        return _not_estimable(frame, outcome, "poisson_qmle", RATE_RATIO, why)
    effect = poisson_arm_effect(
        y,
        frame["treated"].to_numpy(bool),
        covariate_matrix(frame, outcome, covariates, linear=False),
        frame["exposure"].to_numpy(float),
    )
    return _rate_ratio_estimate(frame, outcome, "poisson_qmle", effect, alpha, {"se": "HC2"})


@reported_not_estimable("negative_binomial", RATE_RATIO)
def fit_negative_binomial(frame: pd.DataFrame, outcome: str, covariates, alpha: float) -> Estimate:
    """Sensitivity: NB2 maximum likelihood with the dispersion estimated."""
    y = frame[outcome].to_numpy(float)
    if why := _why_no_rate_ratio(y, frame["treated"].to_numpy(bool)):
        return _not_estimable(frame, outcome, "negative_binomial", RATE_RATIO, why)
    covariates_ = covariate_matrix(frame, outcome, covariates, linear=False)
    design = np.column_stack([np.ones(len(y)), frame["treated"].to_numpy(float), covariates_])
    exposure = frame["exposure"].to_numpy(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        poisson = sm.GLM(y, design, family=sm.families.Poisson(), exposure=exposure).fit()
        mu = poisson.fittedvalues
        dispersion = max(((y - mu) ** 2 - mu).sum() / (mu**2).sum(), 0.01)
        model = sm.NegativeBinomial(y, design, exposure=exposure, loglike_method="nb2")
        start = np.append(poisson.params, dispersion)
        fit = model.fit(start_params=start, method="newton", maxiter=200, disp=0)
        if not fit.mle_retvals.get("converged", False) or not np.isfinite(fit.bse[1]):
            fit = model.fit(start_params=start, method="bfgs", maxiter=2000, disp=0)
    if not fit.mle_retvals.get("converged", False) or not np.isfinite(fit.bse[1]):
        return _not_estimable(
            frame, outcome, "negative_binomial", RATE_RATIO, "NB2 fit did not converge"
        )
    # The SE from the expected information of the coefficients with the dispersion at its
    # estimate, X'WX with W = mu / (1 + alpha mu), as MASS::glm.nb reports it.
    beta, dispersion_alpha = fit.params[:-1], float(fit.params[-1])
    mu = exposure * np.exp(design @ beta)
    information = design.T @ (design * (mu / (1 + dispersion_alpha * mu))[:, None])
    std_error = float(np.sqrt(np.linalg.inv(information)[1, 1]))
    effect = ArmEffect(float(beta[1]), std_error)
    notes = {
        "se": "model-based (expected information)",
        "dispersion_alpha": round(dispersion_alpha, 4),
    }
    return _rate_ratio_estimate(frame, outcome, "negative_binomial", effect, alpha, notes)


@reported_not_estimable("ols_ancova", DIFFERENCE)
def fit_ols_ancova(frame: pd.DataFrame, outcome: str, covariates, alpha: float) -> Estimate:
    """Sensitivity: OLS of the monthly rate on arm and covariates, HC2 SEs, with Hedges' g."""
    rate = frame[outcome].to_numpy(float) / frame["exposure"].to_numpy(float)
    treated = frame["treated"].to_numpy(bool)
    design = np.column_stack(
        [
            np.ones(len(rate)),
            treated.astype(float),
            covariate_matrix(frame, outcome, covariates, linear=True),
        ]
    )
    fit = sm.OLS(rate, design).fit(cov_type="HC2", use_t=True)
    low, high = fit.conf_int(alpha)[1]
    n1, n0 = treated.sum(), (~treated).sum()
    pooled_sd = np.sqrt(
        ((n1 - 1) * rate[treated].var(ddof=1) + (n0 - 1) * rate[~treated].var(ddof=1))
        / (n1 + n0 - 2)
    )
    correction = 1 - 3 / (4 * (n1 + n0 - 2) - 1)
    hedges_g = float(fit.params[1] / pooled_sd * correction) if pooled_sd > 0 else float("nan")
    return Estimate(
        outcome=outcome,
        model="ols_ancova",
        scale=DIFFERENCE,
        estimate=float(fit.params[1]),
        ci_low=float(low),
        ci_high=float(high),
        std_error=float(fit.bse[1]),
        statistic=float(fit.tvalues[1]),
        p_value=float(fit.pvalues[1]),
        n_schools=len(frame),
        n_obs=len(frame),
        notes={"se": "HC2", "hedges_g": hedges_g},
    )


def fit_difference_in_differences(
    panel: pd.DataFrame, treated_urns: set[int], trial_months: set, outcome: str, alpha: float
) -> Estimate:
    """Sensitivity: two-way fixed effects (school, month) on the balanced school-month panel.

    The effect is the coefficient of intervention x trial month, in outcome per school-month,
    with standard errors clustered by school. On a balanced panel the two-way within
    transformation gives exactly the least-squares fit with school and month dummies (and
    the same small-sample cluster correction, G/(G-1) x (N-1)/(N-K), t with G-1 df),
    without building a matrix with a column per school.
    """
    wide = panel.pivot(index="school_urn", columns="month_start", values=outcome)
    if wide.isna().any().any():
        raise ValueError("The school-month panel must have every school in every month.")
    if wide.shape[0] < 3 or wide.shape[1] < 2:
        return _not_estimable(
            wide, outcome, "did_two_way_fe", DIFFERENCE, "the panel has too few schools or months"
        )
    y = wide.to_numpy(float)
    active = np.outer(wide.index.isin(list(treated_urns)), wide.columns.isin(list(trial_months)))
    y_within, d_within = _two_way_within(y), _two_way_within(active.astype(float))
    variation = (d_within**2).sum()
    if variation <= 0:
        return _not_estimable(
            wide, outcome, "did_two_way_fe", DIFFERENCE, "no variation in the arm-by-period term"
        )
    coefficient = (d_within * y_within).sum() / variation
    scores = (d_within * (y_within - coefficient * d_within)).sum(axis=1)
    schools, months = y.shape
    n_obs, n_params = y.size, 1 + schools + months - 1
    correction = schools / (schools - 1) * (n_obs - 1) / (n_obs - n_params)
    std_error = float(np.sqrt(correction * (scores**2).sum()) / variation)
    if not std_error > 0:
        return _not_estimable(
            wide, outcome, "did_two_way_fe", DIFFERENCE, "the outcome does not vary within schools"
        )
    statistic = coefficient / std_error
    t_crit = stats.t.ppf(1 - alpha / 2, schools - 1)
    return Estimate(
        outcome=outcome,
        model="did_two_way_fe",
        scale=DIFFERENCE,
        estimate=float(coefficient),
        ci_low=float(coefficient - t_crit * std_error),
        ci_high=float(coefficient + t_crit * std_error),
        std_error=std_error,
        statistic=float(statistic),
        p_value=float(2 * stats.t.sf(abs(statistic), schools - 1)),
        n_schools=schools,
        n_obs=n_obs,
        notes={"se": "clustered by school", "months": months},
    )


def _two_way_within(values: np.ndarray) -> np.ndarray:
    return (
        values
        - values.mean(axis=1, keepdims=True)
        - values.mean(axis=0, keepdims=True)
        + values.mean()
    )


def _rate_ratio_estimate(
    frame: pd.DataFrame, outcome: str, model: str, effect: ArmEffect, alpha: float, notes: dict
) -> Estimate:
    z_crit = stats.norm.ppf(1 - alpha / 2)
    return Estimate(
        outcome=outcome,
        model=model,
        scale=RATE_RATIO,
        estimate=float(np.exp(effect.coefficient)),
        ci_low=float(np.exp(effect.coefficient - z_crit * effect.std_error)),
        ci_high=float(np.exp(effect.coefficient + z_crit * effect.std_error)),
        std_error=effect.std_error,
        statistic=effect.z,
        p_value=float(2 * stats.norm.sf(abs(effect.z))),
        n_schools=len(frame),
        n_obs=len(frame),
        notes=notes,
    )


def _why_no_rate_ratio(y: np.ndarray, treated: np.ndarray) -> str | None:
    """Why a rate ratio cannot be estimated: no events, or none in one arm (the ratio would
    be zero or infinite and its standard error meaningless)."""
    if y.sum() == 0:
        return "no events"
    for arm, in_arm in (("intervention", treated), ("comparison", ~treated)):
        if y[in_arm].sum() == 0:
            return f"no events in the {arm} arm"
    return None


def _not_estimable(frame: pd.DataFrame, outcome: str, model: str, scale: str, why: str):
    nan = float("nan")
    return Estimate(
        outcome, model, scale, nan, nan, nan, nan, nan, nan, len(frame), len(frame), {"why": why}
    )
