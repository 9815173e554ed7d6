"""The planned analysis: from the frozen assignment and the marts to the results table."""

import json
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

from dagster_project.trial.assignment_store import FrozenAssignment
from dagster_project.trial.estimate import (
    Estimate,
    fit_difference_in_differences,
    fit_negative_binomial,
    fit_ols_ancova,
    fit_poisson_qmle,
)
from dagster_project.trial.inference import holm_adjusted, randomisation_p_value
from dagster_project.trial.plan import OUTCOME_COLUMNS, SecondaryOutcome, TrialPlan, Window
from dagster_project.trial.school_data import Marts, lineage_owner, monthly_panel, period_totals

BALANCE_VARIABLES = {
    "contacts_and_referrals": "contacts_and_referrals_per_month",
    "phone_contacts": "phone_contacts_per_month",
    "referrals": "referrals_per_month",
}


@dataclass(frozen=True)
class TrialData:
    frame: pd.DataFrame
    panel: pd.DataFrame
    trial_months: list[date]
    data_through: date


def baseline_frame(frozen: FrozenAssignment, marts: Marts, plan: TrialPlan) -> pd.DataFrame:
    """One row per randomised school: arm, stratum, covariates and baseline totals."""
    schools = frozen.randomised.sort_values("school_urn").reset_index(drop=True)
    owner = lineage_owner(schools["school_urn"].tolist(), marts.schools)
    baseline = period_totals(marts.school_months, owner, plan.baseline.month_starts())
    frame = schools[["school_urn", "stratum", "pupils", "pct_fsm"]].copy()
    frame["treated"] = (schools["arm"] == "intervention").to_numpy()
    for column in OUTCOME_COLUMNS:
        frame[f"{column}_baseline"] = baseline[column].reindex(frame["school_urn"]).to_numpy()
    frame["baseline_months"] = float(baseline["months"].iloc[0]) if len(baseline) else 0.0
    return frame


def balance_input(frame: pd.DataFrame) -> pd.DataFrame:
    """Baseline monthly rates per school, named as the balance table reports them."""
    months = frame["baseline_months"].replace(0, np.nan)
    rates = {
        name: frame[f"{column}_baseline"] / months for column, name in BALANCE_VARIABLES.items()
    }
    return frame[["stratum", "treated", "pupils", "pct_fsm"]].assign(**rates)


def trial_data(frozen: FrozenAssignment, marts: Marts, plan: TrialPlan) -> TrialData | None:
    """The analysis frame and panel, or None while no trial month has data."""
    through = marts.data_through
    months = [m for m in plan.trial.month_starts() if through and m <= through]
    if not months:
        return None
    frame = baseline_frame(frozen, marts, plan)
    owner = lineage_owner(frame["school_urn"].tolist(), marts.schools)
    totals = period_totals(marts.school_months, owner, months)
    for column in OUTCOME_COLUMNS:
        frame[column] = totals[column].reindex(frame["school_urn"]).to_numpy()
    frame["exposure"] = float(totals["months"].iloc[0])
    panel = monthly_panel(
        marts.school_months, owner, Window(plan.baseline.start, plan.trial.end), through
    )
    return TrialData(frame, panel, months, through)


def results_table(data: TrialData, plan: TrialPlan) -> pd.DataFrame:
    """Primary, sensitivity and secondary analyses, one row per (outcome, model)."""
    frame, primary = data.frame, plan.primary_outcome
    estimates = [fit_poisson_qmle(frame, primary, plan.covariates, plan.alpha)]
    ri_p = float("nan")
    if np.isfinite(estimates[0].statistic):
        ri_p = randomisation_p_value(
            frame,
            primary,
            plan.covariates,
            plan.intervention_share,
            plan.stratum_order(),
            plan.randomisation_draws,
            plan.randomisation_seed,
        )
    estimates += [
        fit_negative_binomial(frame, primary, plan.covariates, plan.alpha),
        fit_ols_ancova(frame, primary, plan.covariates, plan.alpha),
        fit_difference_in_differences(
            data.panel,
            set(frame.loc[frame["treated"], "school_urn"]),
            set(pd.to_datetime(pd.Series(data.trial_months))),
            primary,
            plan.alpha,
        ),
    ]
    rows = [_row(e, plan, is_primary=(k == 0)) for k, e in enumerate(estimates)]
    rows[0]["p_value_randomisation"] = ri_p
    rows[0]["hypothesis"] = "superiority, two-sided"
    rows[0]["conclusion"] = _two_sided_conclusion(estimates[0], plan.alpha, adjusted=None)

    secondary_rows = []
    for secondary in plan.secondary_outcomes:
        estimate = fit_poisson_qmle(frame, secondary.column, plan.covariates, plan.alpha)
        secondary_rows.append((secondary, estimate, _row(estimate, plan, is_primary=False)))
    family = [_family_p_value(secondary, estimate) for secondary, estimate, _ in secondary_rows]
    for (secondary, estimate, row), adjusted, family_p in zip(
        secondary_rows, holm_adjusted(family), family, strict=True
    ):
        row["p_value_holm"] = adjusted
        if secondary.test == "non_inferiority":
            row["p_value"] = family_p / 2
            row["margin"] = secondary.margin
            row["hypothesis"] = (
                f"non-inferiority, rate ratio above {secondary.margin:g}, one-sided at alpha/2"
            )
            row["conclusion"] = _non_inferiority_conclusion(estimate, secondary, adjusted, plan)
        else:
            row["hypothesis"] = "two-sided"
            row["conclusion"] = _two_sided_conclusion(estimate, plan.alpha, adjusted)
        rows.append(row)

    table = pd.DataFrame(rows)
    table["trial_months_observed"] = len(data.trial_months)
    table["data_through"] = data.data_through
    table["is_interim"] = len(data.trial_months) < plan.trial.months
    return table


def _family_p_value(secondary: SecondaryOutcome, estimate: Estimate) -> float:
    """The p-value that enters Holm's procedure, every test at the same nominal level.

    A non-inferiority test is one-sided at alpha/2 (so that it agrees with the two-sided
    CI); doubling its p-value puts it on the alpha scale of the two-sided tests.
    """
    if secondary.test != "non_inferiority":
        return estimate.p_value
    if np.isnan(estimate.std_error):
        return float("nan")
    z = (np.log(estimate.estimate) - np.log(secondary.margin)) / estimate.std_error
    return float(min(1.0, 2 * stats.norm.sf(z)))


def _two_sided_conclusion(estimate: Estimate, alpha: float, adjusted: float | None) -> str:
    if np.isnan(estimate.p_value):
        return "not estimable"
    p = estimate.p_value if adjusted is None else adjusted
    if p >= alpha:
        return "no clear difference"
    return (
        "lower in intervention schools"
        if estimate.estimate < 1
        else "higher in intervention schools"
    )


def _non_inferiority_conclusion(
    estimate: Estimate, secondary: SecondaryOutcome, adjusted: float, plan: TrialPlan
) -> str:
    """Non-inferior when the CI's lower bound clears the margin (the plan's criterion);
    says so when Holm's correction across the secondaries would not confirm it."""
    if np.isnan(estimate.ci_low):
        return "not estimable"
    if estimate.ci_low <= secondary.margin:
        return f"non-inferiority not shown: the CI's lower bound is below {secondary.margin:g}"
    if adjusted >= plan.alpha:
        return "non-inferior (not confirmed after Holm's correction)"
    return "non-inferior"


def _row(estimate: Estimate, plan: TrialPlan, is_primary: bool) -> dict:
    notes = dict(estimate.notes)
    return {
        "outcome": estimate.outcome,
        "model": estimate.model,
        "is_primary": is_primary,
        "scale": estimate.scale,
        "estimate": estimate.estimate,
        "ci_low": estimate.ci_low,
        "ci_high": estimate.ci_high,
        "std_error": estimate.std_error,
        "p_value": estimate.p_value,
        "p_value_randomisation": None,
        "p_value_holm": None,
        "hypothesis": None,
        "margin": None,
        "conclusion": None,
        "hedges_g": notes.pop("hedges_g", None),
        "n_schools": estimate.n_schools,
        "n_obs": estimate.n_obs,
        "notes": json.dumps(notes, sort_keys=True),
    }
