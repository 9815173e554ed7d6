"""Power before the trial: minimum detectable effects, worked out three ways.

All three rest on a pseudo-trial built from data before randomisation: the trial's
calendar months one year (or more) earlier play the trial period, and the baseline-length
window just before them plays the baseline. From it:

- ``ancova_analytic``: the two-sample formula with the outcome's SD shrunk by the R-squared
  of the baseline covariates (t quantiles), checked against statsmodels' TTestIndPower;
- ``negative_binomial_analytic``: the variance of a log rate ratio for overdispersed counts
  (Zhu and Lakkis), with the dispersion left over after the covariates, checked against
  statsmodels' ``power_negbin_ratio_2indep``;
- ``simulation``: redraw the assignment of the pseudo-trial's schools with the trial's own
  procedure, plant the effect by thinning the intervention schools' school-month counts,
  and run the planned estimator.
"""

import json
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, stats
from statsmodels.stats.power import TTestIndPower
from statsmodels.stats.rates import power_negbin_ratio_2indep

from dagster_project.trial.estimate import covariate_matrix, poisson_arm_effect, poisson_arm_z
from dagster_project.trial.plan import TrialPlan, add_months
from dagster_project.trial.randomise import draw_treated
from dagster_project.trial.school_data import Marts, period_totals

MONTHS_PER_YEAR = 12
SUPERIORITY = "superiority"
NON_INFERIORITY = "non_inferiority"
NO_EVENTS = "the outcome never occurs in the pseudo-trial"


@dataclass(frozen=True)
class PseudoTrial:
    """One row per school: pseudo-trial totals, baseline totals and covariates."""

    frame: pd.DataFrame
    outcome_months: list[date]
    baseline_months: list[date]


@dataclass(frozen=True)
class Design:
    n_intervention: float
    n_comparison: float
    months: int
    alpha: float
    power: float


class PseudoTrialError(ValueError):
    """The data before the baseline's end are too few to size the trial on."""


def pseudo_trial(marts: Marts, schools: pd.DataFrame, owner: dict, plan: TrialPlan) -> PseudoTrial:
    """Pre-randomisation data arranged as the trial will be analysed.

    ``schools`` has school_urn, stratum, pupils, pct_fsm; ``owner`` maps URNs in the data
    to them. Baseline totals are scaled to the plan's baseline length when fewer months
    are available, so the covariate has the scale it will have in the analysis.
    """
    first = marts.school_months["month_start"].min().date()
    outcome_months, baseline_months = _pseudo_windows(plan, first)
    if not outcome_months or not baseline_months:
        raise PseudoTrialError(
            f"Not enough data before {plan.baseline.end:%b %Y} for a pseudo-trial "
            f"(data from {first:%b %Y})."
        )
    outcome = period_totals(marts.school_months, owner, outcome_months)
    baseline = period_totals(marts.school_months, owner, baseline_months)
    frame = schools.set_index("school_urn")[["stratum", "pupils", "pct_fsm"]]
    scale = plan.baseline.months / len(baseline_months)
    for column in plan.outcomes:
        frame[column] = outcome[column].reindex(frame.index, fill_value=0)
        frame[f"{column}_baseline"] = baseline[column].reindex(frame.index, fill_value=0) * scale
    frame["exposure"] = float(len(outcome_months))
    frame["baseline_months"] = float(plan.baseline.months)
    return PseudoTrial(frame.reset_index(), outcome_months, baseline_months)


def _pseudo_windows(plan: TrialPlan, first: date) -> tuple[list[date], list[date]]:
    gap = (plan.trial.end.year - plan.baseline.end.year) * 12 + (
        plan.trial.end.month - plan.baseline.end.month
    )
    shift = -MONTHS_PER_YEAR * -(-gap // MONTHS_PER_YEAR)
    outcome = [add_months(m, shift) for m in plan.trial.month_starts()]
    if outcome[0] < first:
        outcome = [m for m in plan.baseline.month_starts()[-plan.trial.months :] if m >= first]
    if not outcome:
        return [], []
    before = [add_months(outcome[0], -k) for k in range(plan.baseline.months, 0, -1)]
    baseline = [m for m in before if m >= first]
    if not baseline:
        baseline = [m for m in plan.baseline.month_starts() if m >= first and m not in outcome]
    return outcome, baseline


def negative_binomial_inputs(frame: pd.DataFrame, outcome: str, covariates) -> dict:
    """Rate and the effective dispersion that make the NB formula fit the planned estimator.

    From a Poisson fit of the pseudo-trial outcome on the covariates (fitted means m,
    leverages h), the variance the planned estimator's HC2 sandwich will see under a random
    assignment is

        V = sum(c_i e_i) / (pi (1 - pi) [sum_s M_s (1 - S_s)]^2),  e_i = (y_i - m_i)^2 / (1 - h_i)

    where, within school i's stratum s, w_i = m_i / M_s is its share of expected counts,
    S_s the sum of squared shares, and c_i = 1 - 2 w_i + S_s the expected square of the
    arm indicator after the stratum dummies take their share. A school that dominates its
    stratum (c_i near 0) says nothing about the arm effect, so its residual must not count.
    The effective dispersion k is what makes V equal the formula's
    (1/n1 + 1/n0) (1/(mu T) + k); with one stratum of equal schools, k is the familiar
    moment estimate of the NB2 dispersion.
    """
    y = frame[outcome].to_numpy(float)
    exposure = frame["exposure"].to_numpy(float)
    design = np.column_stack(
        [np.ones(len(y)), covariate_matrix(frame, outcome, covariates, linear=False)]
    )
    fitted = sm.GLM(y, design, family=sm.families.Poisson(), exposure=exposure).fit().fittedvalues
    bread = np.linalg.inv(design.T @ (design * fitted[:, None]))
    leverage = fitted * np.sum((design @ bread) * design, axis=1)
    squared = (y - fitted) ** 2 / np.clip(1 - leverage, 1e-8, None)

    groups = frame["stratum"].to_numpy() if "stratum" in covariates else np.zeros(len(y))
    codes = np.unique(groups.astype(str), return_inverse=True)[1]
    stratum_total = np.bincount(codes, weights=fitted)
    share = fitted / stratum_total[codes]
    share_squares = np.bincount(codes, weights=share**2)
    contrast = 1 - 2 * share + share_squares[codes]
    information = (stratum_total * (1 - share_squares)).sum()
    variance_times_n = len(y) * (contrast * squared).sum() / information**2
    mean_count = float(y.mean())
    return {
        "rate_per_school_month": float(y.sum() / exposure.sum()),
        "residual_dispersion": float(
            max(((contrast * (squared - fitted)).sum()) / (contrast * fitted**2).sum(), 0.0)
        ),
        "effective_dispersion": float(max(variance_times_n - 1 / mean_count, 0.0)),
    }


def log_ratio_variance(ratio, rate, months, dispersion, n1, n0):
    """Var(log rate ratio) for NB counts: (1/(r mu T) + k)/n1 + (1/(mu T) + k)/n0."""
    return (1 / (ratio * rate * months) + dispersion) / n1 + (1 / (rate * months) + dispersion) / n0


def mde_negative_binomial(
    rate: float, dispersion: float, design: Design, alternative: str = "two-sided"
) -> float | None:
    """The rate ratio below 1 detected with the design's power, or None if none is."""
    z_alpha = stats.norm.ppf(1 - design.alpha / (2 if alternative == "two-sided" else 1))
    z_total = z_alpha + stats.norm.ppf(design.power)

    def gap(log_ratio):
        variance = log_ratio_variance(
            np.exp(log_ratio), rate, design.months, dispersion, *_arms(design)
        )
        return -log_ratio - z_total * np.sqrt(variance)

    return _root_below_one(gap)


def _statsmodels_power(
    log_ratio: float, rate: float, dispersion: float, design: Design, **test
) -> float:
    """statsmodels' power of the NB rate-ratio test at ``exp(log_ratio)``, ``test`` naming
    its margin, alpha and alternative."""
    n1, n0 = _arms(design)
    power = power_negbin_ratio_2indep(
        np.exp(log_ratio) * rate,
        rate,
        n1,
        nobs_ratio=n0 / n1,
        exposure=design.months,
        dispersion=dispersion,
        return_results=False,
        **test,
    )
    return float(power)


def statsmodels_mde_negative_binomial(rate: float, dispersion: float, design: Design):
    """The same MDE, found by solving statsmodels' NB power function for the target power."""

    def gap(log_ratio):
        power = _statsmodels_power(log_ratio, rate, dispersion, design, alpha=design.alpha)
        return power - design.power

    return _root_below_one(gap)


def _root_below_one(gap) -> float | None:
    grid = np.linspace(-6, 0, 601)
    values = np.array([gap(x) for x in grid])
    best = int(np.argmax(values))
    if values[best] < 0:
        return None
    return float(np.exp(optimize.brentq(gap, grid[best], 0.0, xtol=1e-10)))


def non_inferiority_ratio(rate: float, dispersion: float, margin: float, design: Design) -> float:
    """The true rate ratio at which non-inferiority (lower 1 - alpha CI bound above the
    margin) is shown with the design's power; it can exceed 1 when the outcome is rare."""
    z_total = stats.norm.ppf(1 - design.alpha / 2) + stats.norm.ppf(design.power)

    def gap(log_ratio):
        variance = log_ratio_variance(
            np.exp(log_ratio), rate, design.months, dispersion, *_arms(design)
        )
        return log_ratio - np.log(margin) - z_total * np.sqrt(variance)

    return float(np.exp(optimize.brentq(gap, np.log(margin), np.log(margin) + 10, xtol=1e-10)))


def statsmodels_non_inferiority_ratio(
    rate: float, dispersion: float, margin: float, design: Design
) -> float:
    def gap(log_ratio):
        power = _statsmodels_power(
            log_ratio,
            rate,
            dispersion,
            design,
            value=margin,
            alpha=design.alpha / 2,
            alternative="larger",
        )
        return power - design.power

    return float(np.exp(optimize.brentq(gap, np.log(margin), np.log(margin) + 10, xtol=1e-10)))


def ancova_inputs(frame: pd.DataFrame, outcome: str, covariates) -> dict:
    """SD of the monthly rate, the adjusted R-squared of the covariates (linear baseline
    rate) and the number of parameters of the ANCOVA (constant, arm and covariates).

    The adjusted R-squared, not the in-sample one, so that a dozen covariates fitted to a
    couple of hundred schools do not promise precision they will not deliver."""
    rate = frame[outcome].to_numpy(float) / frame["exposure"].to_numpy(float)
    design = np.column_stack(
        [np.ones(len(rate)), covariate_matrix(frame, outcome, covariates, linear=True)]
    )
    fit = sm.OLS(rate, design).fit()
    return {
        "rate_per_school_month": float(rate.mean()),
        "sd_per_school_month": float(rate.std(ddof=1)),
        "r_squared": float(fit.rsquared),
        "r_squared_adjusted": float(max(fit.rsquared_adj, 0.0)),
        "parameters": design.shape[1] + 1,
    }


def mde_ancova(sd: float, r_squared: float, design: Design, parameters: int = 2) -> float:
    """Detectable difference in the monthly rate: (t_{1-a/2} + t_{power}) x residual SE,
    with n - k degrees of freedom for an ANCOVA of k parameters."""
    n1, n0 = _arms(design)
    df = n1 + n0 - parameters
    multiplier = stats.t.ppf(1 - design.alpha / 2, df) + stats.t.ppf(design.power, df)
    return float(multiplier * sd * np.sqrt((1 - r_squared) * (1 / n1 + 1 / n0)))


def statsmodels_mde_ancova(sd: float, r_squared: float, design: Design) -> float:
    n1, n0 = _arms(design)
    effect_size = TTestIndPower().solve_power(
        nobs1=n1, ratio=n0 / n1, alpha=design.alpha, power=design.power
    )
    return float(effect_size * sd * np.sqrt(1 - r_squared))


def simulated_power(
    frame: pd.DataFrame,
    outcome: str,
    plan: TrialPlan,
    rate_ratios: list[float],
    simulations: int,
    seed: int,
) -> np.ndarray:
    """Share of simulated trials in which the planned test rejects, per planted rate ratio.

    Each simulation redraws the assignment of the pseudo-trial's schools with the trial's
    own procedure, plants the effect by thinning the intervention schools' counts
    (binomially, with the same uniforms for every rate ratio, so power is monotone in it)
    and runs the planned estimator. The schools stay as they are: resampling them with
    replacement was tried and rejected, because copies of one school split across the arms
    form exact matched pairs (too optimistic) and copies within an arm exaggerate the
    spread of the largest schools (too pessimistic).
    """
    rng = np.random.default_rng(seed)
    strata = frame["stratum"].to_numpy()
    counts = frame[outcome].to_numpy(float)
    exposure = frame["exposure"].to_numpy(float)
    covariates_ = covariate_matrix(frame, outcome, plan.covariates, linear=False)
    treated = np.array(
        [
            draw_treated(strata, plan.intervention_share, rng, plan.stratum_order())
            for _ in range(simulations)
        ]
    )
    uniforms = 1 - rng.random(treated.shape)
    start = poisson_arm_effect(counts, treated[0], covariates_, exposure).params
    powers = []
    for ratio in rate_ratios:
        y = np.where(treated, np.maximum(stats.binom.ppf(uniforms, counts, ratio), 0), counts)
        z = poisson_arm_z(
            y, treated, covariates_, exposure, np.r_[start[0], np.log(ratio), start[2:]]
        )
        powers.append(float(np.mean(2 * stats.norm.sf(np.abs(z)) < plan.alpha)))
    return np.array(powers)


def mde_by_simulation(
    frame: pd.DataFrame, outcome: str, plan: TrialPlan, around: float | None
) -> tuple[float | None, dict[float, float]]:
    """Interpolate the simulated power curve for the target power (on log rate ratio)."""
    centre = np.log(around) if around else np.log(0.8)
    ratios = np.exp(np.linspace(1.5 * centre, 0.5 * centre, 5))
    powers = simulated_power(
        frame, outcome, plan, ratios.tolist(), plan.power_simulations, plan.power_seed
    )
    curve = {round(float(r), 4): float(p) for r, p in zip(ratios, powers, strict=True)}
    for k in range(len(ratios) - 1):
        high, low = powers[k], powers[k + 1]
        if high >= plan.target_power > low:
            weight = (high - plan.target_power) / (high - low)
            log_ratio = np.log(ratios[k]) + weight * (np.log(ratios[k + 1]) - np.log(ratios[k]))
            return float(np.exp(log_ratio)), curve
    return None, curve


def power_table(pseudo: PseudoTrial, plan: TrialPlan, design: Design) -> pd.DataFrame:
    """The rows of ``trial.power``: the primary three ways, each secondary analytically."""
    context = {
        "pseudo_trial_months": _span(pseudo.outcome_months),
        "pseudo_baseline_months": _span(pseudo.baseline_months),
        "n_intervention": design.n_intervention,
        "n_comparison": design.n_comparison,
    }
    frame, primary = pseudo.frame, plan.primary_outcome
    analytic = [_negative_binomial_row(frame, primary, None, plan, design, context)]
    analytic += [
        _negative_binomial_row(frame, s.column, s, plan, design, context)
        for s in plan.secondary_outcomes
    ]
    rows = [
        _ancova_row(frame, primary, plan, design, context),
        *analytic,
        _simulation_row(frame, plan, analytic[0]["mde_rate_ratio"], context),
    ]
    table = pd.DataFrame(rows).assign(
        n_schools=int(round(design.n_intervention + design.n_comparison)),
        months=design.months,
        alpha=design.alpha,
        target_power=design.power,
    )
    table["summary"] = [_summary(row) for row in table.itertuples()]
    return table


def _ancova_row(frame, outcome: str, plan: TrialPlan, design: Design, context: dict) -> dict:
    if frame[outcome].sum() == 0:
        return _row(outcome, "ancova_analytic", None, 0.0, {**context, "why": NO_EVENTS})
    inputs = ancova_inputs(frame, outcome, plan.covariates)
    sd, r_squared = inputs["sd_per_school_month"], inputs["r_squared_adjusted"]
    difference = mde_ancova(sd, r_squared, design, inputs["parameters"])
    notes = {
        **context,
        **inputs,
        "statsmodels_mde_per_school_month": statsmodels_mde_ancova(sd, r_squared, design),
    }
    rate = inputs["rate_per_school_month"]
    return _row(outcome, "ancova_analytic", 1 - difference / rate, rate, notes)


def _negative_binomial_row(
    frame, outcome: str, secondary, plan: TrialPlan, design: Design, context: dict
) -> dict:
    method = "negative_binomial_analytic"
    if frame[outcome].sum() == 0:
        return _row(outcome, method, None, 0.0, {**context, "why": NO_EVENTS})
    inputs = negative_binomial_inputs(frame, outcome, plan.covariates)
    rate, dispersion = inputs["rate_per_school_month"], inputs["effective_dispersion"]
    notes = {**context, **inputs}
    if secondary is not None and secondary.test == "non_inferiority":
        margin = secondary.margin
        notes |= {
            "test": f"non-inferiority, margin {margin}, one-sided at alpha/2",
            "meaning": "the true rate ratio at which non-inferiority is shown with the power",
            "statsmodels_rate_ratio": statsmodels_non_inferiority_ratio(
                rate, dispersion, margin, design
            ),
        }
        ratio = non_inferiority_ratio(rate, dispersion, margin, design)
        return _row(outcome, method, ratio, rate, notes, NON_INFERIORITY)
    notes["statsmodels_mde_rate_ratio"] = statsmodels_mde_negative_binomial(
        rate, dispersion, design
    )
    return _row(outcome, method, mde_negative_binomial(rate, dispersion, design), rate, notes)


def _simulation_row(frame, plan: TrialPlan, analytic: float | None, context: dict) -> dict:
    outcome = plan.primary_outcome
    if frame[outcome].sum() == 0:
        return _row(outcome, "simulation", None, 0.0, {**context, "why": NO_EVENTS})
    simulated, curve = mde_by_simulation(frame, outcome, plan, analytic)
    rate = float(frame[outcome].sum() / frame["exposure"].sum())
    notes = {
        **context,
        "simulations": plan.power_simulations,
        "seed": plan.power_seed,
        "power_by_rate_ratio": curve,
        "randomness": "the assignment, redrawn; binomial thinning of the counts",
    }
    return _row(outcome, "simulation", simulated, rate, notes)


def _row(outcome, method, ratio, rate, assumptions, test=SUPERIORITY) -> dict:
    if ratio is not None and not np.isfinite(ratio):
        ratio = None
    per_month = None if ratio is None or test == NON_INFERIORITY else rate * (1 - ratio)
    return {
        "outcome": outcome,
        "method": method,
        "test": test,
        "mde_rate_ratio": ratio,
        "baseline_rate_per_school_month": rate,
        "mde_per_school_month": per_month,
        "mde_per_school_year": None if per_month is None else per_month * MONTHS_PER_YEAR,
        "assumptions": json.dumps(_finite(assumptions), sort_keys=True),
    }


def _finite(value):
    """JSON-ready: numpy scalars as Python numbers, NaN and infinities as null."""
    if isinstance(value, dict):
        return {str(key): _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _summary(row) -> str:
    if pd.isna(row.mde_rate_ratio):
        return f"{row.outcome} ({row.method}): no effect is detectable with this design."
    prefix = f"{row.outcome} ({row.method}), {row.n_schools} schools over {row.months} months"
    if row.test == NON_INFERIORITY:
        return (
            f"{prefix}: non-inferiority is shown with {row.target_power:.0%} power when the "
            f"true rate ratio is {row.mde_rate_ratio:.2f} or more."
        )
    return (
        f"{prefix}: detects a fall to {row.mde_rate_ratio:.2f} times the comparison rate, "
        f"{row.mde_per_school_month:.2f} fewer per school per month "
        f"({row.mde_per_school_year:.1f} per school per year), at {row.alpha:g} significance "
        f"with {row.target_power:.0%} power."
    )


def _span(months: list[date]) -> str:
    return f"{months[0]:%Y-%m} to {months[-1]:%Y-%m} ({len(months)} months)"


def _arms(design: Design) -> tuple[float, float]:
    return design.n_intervention, design.n_comparison
