"""The trial's results: a table, a sentence per analysis and a forest plot of rate ratios.

``trial.results`` has one row per (outcome, model). Beyond the contract's columns it may
carry ``scale`` ('rate_ratio', or a difference per school-month for linear models),
``margin`` (the non-inferiority margin the analysis used), ``conclusion``,
``p_value_holm`` and interim markers (``is_interim``, ``trial_months_observed``,
``data_through``); each is used when present.
"""

import pandas as pd

from dagster_project.reports import charts
from dagster_project.reports.page import bullet_list
from dagster_project.reports.tables import Column, count, p_value, render_table
from dagster_project.reports.trial_labels import given, row_labels

RATE_RATIO = "rate_ratio"
ROLE_ORDER = {"Primary": 0, "Sensitivity": 1, "Secondary": 2}


def prepare(frame: pd.DataFrame, referral_margin: float | None) -> pd.DataFrame:
    """Results labelled, with each row's role (the primary analysis, sensitivity analyses of
    the primary outcome, secondary outcomes: in that order), scale and margin."""
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
    recorded = table["margin"] if "margin" in table else pd.Series(float("nan"), table.index)
    is_referral = outcome.astype(str).str.contains("referral", case=False)
    fallback = pd.Series(referral_margin, index=table.index).where(is_referral)
    table["margin_used"] = recorded.where(recorded.notna(), fallback).astype(float)
    return table


def results(frame: pd.DataFrame, referral_margin: float | None) -> tuple[str, list[str]]:
    """The results section, and the sentences worth repeating in the summary."""
    table = prepare(frame, referral_margin)
    columns = [
        Column("role", "", numeric=False),
        Column("estimate", "Estimate", lambda value: f"{value:.3f}"),
        Column("scale_name", "Scale", numeric=False),
        Column("ci", "95% CI"),
        Column("p_value", "p value", p_value),
        Column("p_value_randomisation", "Randomisation p", p_value),
    ]
    if "p_value_holm" in table:
        columns.append(Column("p_value_holm", "Holm-adjusted p", p_value))
    columns += [Column("n_schools", "Schools", count), Column("n_obs", "Observations", count)]
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
    statements = [_statement(label, row) for label, row in table.iterrows()]
    html += bullet_list(statements) + _forest(table)
    if not table["margin_used"].notna().any():
        html += bullet_list(["No non-inferiority margin is recorded, so none is drawn."])
    roles = table["role"].tolist()
    return html, [
        text for text, role in zip(statements, roles, strict=True) if role != "Sensitivity"
    ]


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
    interval = f"95% CI {row['ci_low']:.2f} to {row['ci_high']:.2f}; p {_p_phrase(row['p_value'])}"
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
