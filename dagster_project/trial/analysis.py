"""The planned analysis: from the frozen assignment and the marts to the results table."""

import json
from dataclasses import dataclass, field
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
from dagster_project.trial.inference import (
    RandomisationInference,
    holm_adjusted,
    redraw_assignments,
)
from dagster_project.trial.interim import current_look
from dagster_project.trial.plan import OUTCOME_COLUMNS, SecondaryOutcome, TrialPlan, Window
from dagster_project.trial.school_data import (
    Marts,
    analysis_lineages,
    exposure_months,
    monthly_panel,
    period_totals,
)

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
    #: Randomised schools left out of the analysis: school_urn, arm, reason.
    excluded: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EXCLUDED))
    #: Analysed schools whose exposure the plan's rules cut short: school_urn, arm, reason.
    truncated: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EXCLUDED))


EXCLUDED = ["school_urn", "arm", "reason"]
CLOSED_BEFORE_TRIAL = "closed before the trial period"


def baseline_frame(frozen: FrozenAssignment, marts: Marts, plan: TrialPlan) -> pd.DataFrame:
    """One row per randomised school: arm, stratum, covariates and baseline totals, and
    ``baseline_months``, the months of the baseline with data that its lineage was open."""
    schools = frozen.randomised.sort_values("school_urn").reset_index(drop=True)
    owner = analysis_lineages(schools, marts.schools).owner
    months = _months_with_data(marts, plan.baseline.month_starts())
    baseline = period_totals(marts.school_months, owner, months)
    frame = schools[["school_urn", "stratum", "pupils", "pct_fsm"]].copy()
    frame["treated"] = (schools["arm"] == "intervention").to_numpy()
    for column in OUTCOME_COLUMNS:
        frame[f"{column}_baseline"] = baseline[column].reindex(frame["school_urn"]).to_numpy()
    exposure = exposure_months(owner, marts.schools, months)
    frame["baseline_months"] = exposure.reindex(frame["school_urn"]).to_numpy()
    return frame


def balance_input(frame: pd.DataFrame) -> pd.DataFrame:
    """Baseline monthly rates per school, named as the balance table reports them."""
    months = frame["baseline_months"].replace(0, np.nan)
    rates = {
        name: frame[f"{column}_baseline"] / months for column, name in BALANCE_VARIABLES.items()
    }
    return frame[["stratum", "treated", "pupils", "pct_fsm"]].assign(**rates)


def trial_data(frozen: FrozenAssignment, marts: Marts, plan: TrialPlan) -> TrialData | None:
    """The analysis frame and panel, or None while no trial month has data.

    Each school's exposure is the trial months with data that its lineage was open; a
    school with none is excluded, and a cross-arm merger's successor is left out (the
    plan's merger rule)."""
    through = marts.data_through
    months = [m for m in plan.trial.month_starts() if through and m <= through]
    if not months:
        return None
    frame = baseline_frame(frozen, marts, plan)
    randomised = frozen.randomised
    lineages = analysis_lineages(randomised, marts.schools)
    totals = period_totals(marts.school_months, lineages.owner, months)
    for column in OUTCOME_COLUMNS:
        frame[column] = totals[column].reindex(frame["school_urn"]).to_numpy()
    observed = _months_with_data(marts, months)
    exposure = exposure_months(lineages.owner, marts.schools, observed)
    frame["exposure"] = exposure.reindex(frame["school_urn"]).to_numpy()
    arm = dict(zip(randomised["school_urn"].astype(int), randomised["arm"], strict=True))
    closed = frame[frame["exposure"] <= 0]
    excluded = pd.DataFrame(
        {
            "school_urn": closed["school_urn"].to_numpy(),
            "arm": [arm[int(u)] for u in closed["school_urn"]],
            "reason": CLOSED_BEFORE_TRIAL,
        },
        columns=EXCLUDED,
    )
    frame = frame[frame["exposure"] > 0].reset_index(drop=True)
    truncated = [
        (int(urn), arm[int(urn)], "open for part of the trial period (closed or merged)")
        for urn, months_open in zip(frame["school_urn"], frame["exposure"], strict=True)
        if months_open < len(observed) - 1e-9
    ]
    merged = {urn for members in lineages.cross_arm.values() for urn in members}
    truncated = [(urn, a, _CROSS_ARM if urn in merged else reason) for urn, a, reason in truncated]
    owner = {u: o for u, o in lineages.owner.items() if o in set(frame["school_urn"])}
    panel = monthly_panel(
        marts.school_months, owner, Window(plan.baseline.start, plan.trial.end), through
    )
    return TrialData(
        frame, panel, months, through, excluded, pd.DataFrame(truncated, columns=EXCLUDED)
    )


_CROSS_ARM = "merged with a school of the other arm: its successor is excluded from the merger date"


def _months_with_data(marts: Marts, months: list[date]) -> list[date]:
    present = set(marts.school_months["month_start"].dt.date)
    return [m for m in months if m in present]


def results_table(data: TrialData, plan: TrialPlan) -> pd.DataFrame:
    """Primary, sensitivity and secondary analyses, one row per (outcome, model).

    Conclusions come from randomisation tests (the plan's draws of the blocked assignment)
    at the level of the current look; the model-based (Wald) CIs stay beside them.
    """
    frame, primary = data.frame, plan.primary_outcome
    look = current_look(len(data.trial_months), plan.trial.months, plan.interim_looks, plan.alpha)
    level = look.boundary_p
    assignments = redraw_assignments(
        frame["stratum"].to_numpy(),
        plan.intervention_share,
        plan.stratum_order(),
        plan.randomisation_draws,
        plan.randomisation_seed,
    )
    main = fit_poisson_qmle(frame, primary, plan.covariates, plan.alpha)
    rows = [_row(main, plan, is_primary=True)]
    rows[0]["hypothesis"] = "superiority, two-sided"
    if _estimable(main):
        inference = RandomisationInference(frame, primary, plan.covariates, assignments)
        test = inference.two_sided()
        low, high = inference.confidence_interval(plan.alpha)
        rows[0] |= _randomisation_columns(test) | {
            "ci_low_randomisation": low,
            "ci_high_randomisation": high,
        }
        rows[0]["conclusion"] = _two_sided_conclusion(main.estimate, test.p_value, level)
    else:
        rows[0]["conclusion"] = _not_estimable_conclusion(main)
    sensitivity = [
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
    rows += [_row(e, plan, is_primary=False) for e in sensitivity]

    secondary_rows = [
        _secondary_row(frame, secondary, assignments, plan) for secondary in plan.secondary_outcomes
    ]
    family = [family_p for _, _, family_p in secondary_rows]
    for (secondary, row, family_p), adjusted in zip(
        secondary_rows, holm_adjusted(family), strict=True
    ):
        row["p_value_holm"] = adjusted
        if np.isnan(family_p):
            rows.append(row)
            continue
        if secondary.test == "non_inferiority":
            row["conclusion"] = _non_inferiority_conclusion(row, secondary, adjusted, level)
        else:
            row["conclusion"] = _two_sided_conclusion(row["estimate"], adjusted, level)
        rows.append(row)

    table = pd.DataFrame(rows)
    table["trial_months_observed"] = look.months_observed
    table["data_through"] = data.data_through
    table["is_interim"] = look.is_interim
    table["information_fraction"] = look.information_fraction
    table["boundary_z"] = look.boundary_z
    table["boundary_p"] = look.boundary_p
    if not look.draws_conclusions:
        conclusions = table["conclusion"].fillna("")
        drawn = (conclusions != "") & ~conclusions.str.startswith("not estimable")
        table.loc[drawn, "conclusion"] = INTERIM_DESCRIPTIVE
    return table


INTERIM_DESCRIPTIVE = "interim, descriptive only"


def _secondary_row(frame, secondary: SecondaryOutcome, assignments, plan: TrialPlan):
    """A secondary's row and the p-value it brings to Holm's family (NaN: not estimable).

    A non-inferiority test is one-sided at alpha/2 (so that it agrees with the two-sided
    CI); doubling its p-value puts it on the alpha scale of the two-sided tests.
    """
    estimate = fit_poisson_qmle(frame, secondary.column, plan.covariates, plan.alpha)
    row = _row(estimate, plan, is_primary=False)
    non_inferiority = secondary.test == "non_inferiority"
    if non_inferiority:
        row["margin"] = secondary.margin
        row["hypothesis"] = (
            f"non-inferiority, rate ratio above {secondary.margin:g}, one-sided at alpha/2"
        )
    else:
        row["hypothesis"] = "two-sided"
    if not _estimable(estimate):
        row["conclusion"] = _not_estimable_conclusion(estimate)
        return secondary, row, float("nan")
    inference = RandomisationInference(frame, secondary.column, plan.covariates, assignments)
    if non_inferiority:
        log_margin = float(np.log(secondary.margin))
        row["p_value"] = float(
            stats.norm.sf((np.log(estimate.estimate) - log_margin) / estimate.std_error)
        )
        test = inference.greater(log_margin)
        family_p = min(1.0, 2 * test.p_value)
    else:
        test = inference.two_sided()
        family_p = test.p_value
    row |= _randomisation_columns(test)
    return secondary, row, family_p


def _estimable(estimate: Estimate) -> bool:
    return "why" not in estimate.notes and bool(np.isfinite(estimate.statistic))


def _randomisation_columns(test) -> dict:
    return {
        "p_value_randomisation": test.p_value,
        "randomisation_draws": test.draws,
        "redraws_refitted": test.refitted,
        "redraws_counted_extreme": test.counted_extreme,
    }


def _not_estimable_conclusion(estimate: Estimate) -> str:
    return f"not estimable: {estimate.notes.get('why', 'no finite estimate')}"


def _two_sided_conclusion(rate_ratio: float, p_value: float, level: float | None) -> str:
    if level is None or p_value > level:
        return "no clear difference"
    return "lower in intervention schools" if rate_ratio < 1 else "higher in intervention schools"


def _non_inferiority_conclusion(
    row: dict, secondary: SecondaryOutcome, adjusted: float, level: float | None
) -> str:
    """Non-inferior when the one-sided randomisation test of H0: rate ratio = margin
    rejects at half the look's level; says so when Holm's correction would not confirm it."""
    if level is None or row["p_value_randomisation"] > level / 2:
        return f"non-inferiority not shown at the margin {secondary.margin:g}"
    if adjusted > level:
        return "non-inferior (not confirmed after Holm's correction)"
    return "non-inferior"


def _row(estimate: Estimate, plan: TrialPlan, is_primary: bool) -> dict:
    notes = dict(estimate.notes)
    return {
        "se_type": notes.get("se"),
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
        "ci_low_randomisation": None,
        "ci_high_randomisation": None,
        "randomisation_draws": None,
        "redraws_refitted": None,
        "redraws_counted_extreme": None,
        "p_value_holm": None,
        "hypothesis": None,
        "margin": None,
        "conclusion": None,
        "hedges_g": notes.pop("hedges_g", None),
        "n_schools": estimate.n_schools,
        "n_obs": estimate.n_obs,
        "notes": json.dumps(notes, sort_keys=True),
    }
