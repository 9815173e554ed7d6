"""The trial's results: a table, a sentence per analysis and a forest plot of rate ratios.

``trial.results`` has one row per (outcome, model). Beyond the contract's columns it may
carry ``scale`` ('rate_ratio', or a difference per school-month for linear models),
``margin`` (the non-inferiority margin the analysis used), ``conclusion``,
``p_value_holm`` and interim markers (``is_interim``, ``trial_months_observed``,
``data_through``); each is used when present.
"""

import pandas as pd

from dagster_project.reports import charts
from dagster_project.reports.page import bullet_list, paragraph
from dagster_project.reports.tables import Column, count, p_value, render_table
from dagster_project.reports.trial_labels import given, readable, row_labels
from dagster_project.trial.plan import TrialPlan

RATE_RATIO = "rate_ratio"
ROLE_ORDER = {"Primary": 0, "Sensitivity": 1, "Secondary": 2}


KNOWN_COLUMNS = {
    "outcome", "model", "is_primary", "scale", "estimate", "ci_low", "ci_high",
    "std_error", "p_value", "p_value_randomisation", "p_value_holm", "hypothesis", "margin",
    "conclusion", "hedges_g", "n_schools", "n_obs", "trial_months_observed", "data_through",
    "is_interim", "notes", "plan_hash", "se_type", "ci_low_randomisation",
    "ci_high_randomisation", "randomisation_draws", "information_fraction", "boundary_p",
}  # fmt: skip


def prepare(
    frame: pd.DataFrame, referral_margin: float | None, plan: TrialPlan | None = None
) -> pd.DataFrame:
    """Results labelled, with each row's role (the primary analysis, sensitivity analyses of
    the primary outcome, secondary outcomes: in that order), scale, margin and the hypothesis
    its p value tests.

    A row's margin is the one it records, else the plan's for a non-inferiority outcome, else
    (for a referral outcome) the configured one. Its p value tests non-inferiority when the
    row says so in ``hypothesis``; a row that records no hypothesis has the model's two-sided
    test of no difference."""
    table = frame.assign(label=row_labels(frame, ["outcome", "model"])).set_index("label")
    primary = table["is_primary"].fillna(False).astype(bool)
    outcome = table["outcome"] if "outcome" in table else pd.Series(table.index, table.index)
    primary_outcomes = set(outcome[primary])
    table["role"] = [
        "Primary" if is_primary else "Sensitivity" if name in primary_outcomes else "Secondary"
        for is_primary, name in zip(primary, outcome, strict=True)
    ]
    table = table.sort_values("role", key=lambda roles: roles.map(ROLE_ORDER), kind="stable")
    scale = table["scale"] if "scale" in table else pd.Series(RATE_RATIO, index=table.index)
    table["is_ratio"] = scale.fillna(RATE_RATIO).eq(RATE_RATIO)
    planned = {s.column: s.margin for s in (plan.secondary_outcomes if plan else ()) if s.margin}
    recorded = table["margin"] if "margin" in table else pd.Series(float("nan"), table.index)
    outcome = table["outcome"] if "outcome" in table else pd.Series(table.index, table.index)
    from_plan = outcome.map(planned).astype(float)
    is_referral = outcome.astype(str).str.contains("referral", case=False)
    fallback = pd.Series(referral_margin, index=table.index, dtype=float).where(is_referral)
    table["margin_used"] = recorded.astype(float).fillna(from_plan).fillna(fallback)
    stated = table["hypothesis"] if "hypothesis" in table else pd.Series(None, table.index)
    table["is_non_inferiority"] = (
        stated.fillna("").astype(str).str.contains("non-inferiority", case=False)
    )
    table["hypothesis_shown"] = [
        _hypothesis(row.is_non_inferiority, row.is_ratio, row.margin_used)
        for row in table.itertuples()
    ]
    return table


def _hypothesis(non_inferiority: bool, is_ratio: bool, margin) -> str:
    if non_inferiority:
        bound = f"ratio ≤ {margin:.2f}" if given(margin) else "margin not recorded"
        return f"Non-inferiority, one-sided (H0: {bound})"
    return f"Superiority, two-sided (H0: {'ratio = 1' if is_ratio else 'difference = 0'})"


def results(
    frame: pd.DataFrame, referral_margin: float | None, plan: TrialPlan | None = None
) -> tuple[str, list[str]]:
    """The results section, and the sentences worth repeating in the summary."""
    table = prepare(frame, referral_margin, plan)
    columns = [
        Column("role", "", numeric=False),
        Column("estimate", "Estimate", lambda value: f"{value:.3f}"),
        Column("scale_name", "Scale", numeric=False),
        Column("ci", "95% CI"),
        Column("hypothesis_shown", "Hypothesis tested", numeric=False),
        Column("p_value", "p value", p_value),
    ]
    if "p_value_holm" in table and table["p_value_holm"].map(given).any():
        columns.append(Column("p_value_holm", "Holm p", p_value))
    if table["p_value_randomisation"].map(given).any():
        columns.append(Column("p_value_randomisation", "Randomisation p (two-sided)", p_value))
    shown = table.assign(
        ci=[
            f"{row.ci_low:.3f} to {row.ci_high:.3f}" if given(row.ci_low) else None
            for row in table.itertuples()
        ],
        scale_name=table["is_ratio"].map({True: "rate ratio", False: "difference per month"}),
    )
    html = _interim_note(table) + render_table(
        shown, columns, row_heading="Outcome · model", caption="Intervention against comparison"
    )
    html += _notes(table) + _further_figures(shown)
    statements = [_statement(label, row) for label, row in table.iterrows()]
    html += bullet_list(statements) + _forest(table)
    if not table["margin_used"].notna().any():
        html += bullet_list(["No non-inferiority margin is recorded, so none is drawn."])
    roles = table["role"].tolist()
    return html, [
        text for text, role in zip(statements, roles, strict=True) if role != "Sensitivity"
    ]


def _notes(table: pd.DataFrame) -> str:
    notes = []
    if table["is_non_inferiority"].any():
        notes.append(
            "A non-inferiority p value is one-sided at half the plan's alpha, so it agrees with "
            "the two-sided 95% CI: non-inferiority is shown when the CI's lower limit is above "
            "the margin."
        )
    if "p_value_holm" in table and table["p_value_holm"].map(given).any():
        notes.append(
            "Holm's adjustment runs across the secondary outcomes; a one-sided p value enters "
            "it doubled, on the scale of the two-sided tests."
        )
    return "".join(paragraph(note, "note") for note in notes)


def _further_figures(shown: pd.DataFrame) -> str:
    """Sample sizes, standard errors, conclusions and any column the results table carries
    beyond those the report knows."""
    extras = [c for c in shown.columns if c not in KNOWN_COLUMNS and c in _original(shown)]
    if "ci_low_randomisation" in shown and "ci_high_randomisation" in shown:
        shown = shown.assign(
            ri_ci=[
                f"{low:.3f} to {high:.3f}" if given(low) and given(high) else None
                for low, high in zip(
                    shown["ci_low_randomisation"], shown["ci_high_randomisation"], strict=True
                )
            ]
        )
    candidates = [
        Column("n_schools", "Schools", count),
        Column("n_obs", "Observations", count),
        Column("std_error", "Standard error", lambda v: f"{v:.3f}"),
        Column("se_type", "Standard error type", numeric=False),
        Column("ri_ci", "Randomisation 95% CI"),
        Column("randomisation_draws", "Re-randomisations", count),
        Column("information_fraction", "Information fraction", lambda v: f"{v:.2f}"),
        Column("boundary_p", "Interim boundary (p)", p_value),
        Column("hedges_g", "Hedges' g", lambda v: f"{v:.2f}"),
        *(Column(c, readable(c), _any_value, numeric=False) for c in extras),
        Column("conclusion", "Conclusion", numeric=False),
    ]
    columns = [c for c in candidates if c.name in shown and shown[c.name].map(given).any()]
    if not columns:
        return ""
    return render_table(
        shown, columns, row_heading="Outcome · model", caption="Sample and further figures"
    )


def _original(shown: pd.DataFrame) -> set[str]:
    derived = {"role", "is_ratio", "margin_used", "is_non_inferiority", "hypothesis_shown"}
    return set(shown.columns) - derived - {"ci", "scale_name", "ri_ci"}


def _any_value(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _interim_note(table: pd.DataFrame) -> str:
    if "is_interim" not in table or not table["is_interim"].fillna(False).astype(bool).any():
        return ""
    parts = ["Interim results: the trial period is not complete"]
    if "trial_months_observed" in table and given(table["trial_months_observed"].max()):
        parts.append(f"{int(table['trial_months_observed'].max())} trial months observed")
    if "data_through" in table and given(table["data_through"].max()):
        parts.append(f"data through {pd.Timestamp(table['data_through'].max()):%d %B %Y}")
    return bullet_list(["; ".join(parts) + "."])


def _statement(label: str, row: pd.Series) -> str:
    test = "one-sided non-inferiority p" if row["is_non_inferiority"] else "p"
    interval = (
        f"95% CI {row['ci_low']:.2f} to {row['ci_high']:.2f}; {test} {_p_phrase(row['p_value'])}"
    )
    if row["is_ratio"]:
        text = (
            f"{row['role']}, {label}: intervention schools had {row['estimate']:.2f} times the "
            f"rate of comparison schools ({interval})."
        )
    else:
        text = (
            f"{row['role']}, {label}: intervention minus comparison, {row['estimate']:+.2f} per "
            f"school per month ({interval})."
        )
    margin = row["margin_used"]
    if row["is_ratio"] and given(margin):
        verdict = (
            "above the margin, so a fall beyond the margin is ruled out"
            if row["ci_low"] > margin
            else "not above the margin, so a fall beyond it cannot be ruled out"
        )
        text += f" Lower limit {row['ci_low']:.2f} against margin {margin:g}: {verdict}."
    if "conclusion" in row and given(row["conclusion"]):
        text += f" Conclusion: {row['conclusion']}."
    return text


def _p_phrase(value) -> str:
    if not given(value):
        return "not available"
    shown = p_value(value)
    return shown if shown.startswith("<") else f"= {shown}"


def _forest(table: pd.DataFrame) -> str:
    values = table[["estimate", "ci_low", "ci_high"]].astype(float)
    plottable = table[table["is_ratio"] & (values > 0).all(axis=1)]
    if plottable.empty:
        return ""
    return charts.forest_plot(
        list(plottable.index),
        plottable["estimate"],
        plottable["ci_low"],
        plottable["ci_high"],
        [None if pd.isna(m) else float(m) for m in plottable["margin_used"]],
    )
