"""The trial report's sections: flow of schools, balance, power, results, monthly trend."""

from datetime import date
from html import escape

import duckdb
import pandas as pd

from dagster_project.reports import charts
from dagster_project.reports.page import bullet_list, paragraph
from dagster_project.reports.periods import month_label
from dagster_project.reports.publication import TOTAL, publish
from dagster_project.reports.tables import Column, count, number, p_value, render_table
from dagster_project.reports.warehouse import query

ARMS = ("intervention", "comparison")

#: Standardised differences beyond this are conventionally read as imbalance.
IMBALANCE_STD_DIFF = 0.1

BALANCE_VALUES = ["mean_intervention", "mean_comparison", "std_diff"]
POWER_VALUES = ["n_schools", "months", "mde_rate_ratio", "mde_per_school_month", "assumptions"]
RESULT_VALUES = [
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "p_value_randomisation",
    "n_schools",
    "n_obs",
    "is_primary",
]


def labels(frame: pd.DataFrame, value_columns: list[str]) -> pd.Series:
    """Row labels from the text columns that are not values (e.g. outcome and model)."""
    text = [
        column
        for column in frame.columns
        if column not in value_columns
        and not pd.api.types.is_numeric_dtype(frame[column])
        and not pd.api.types.is_bool_dtype(frame[column])
    ]
    if not text:
        return pd.Series([f"Row {index + 1}" for index in range(len(frame))], index=frame.index)
    return frame[text].astype(str).agg(" · ".join, axis=1).str.replace("_", " ")


def notice(text: str) -> str:
    return f'<div class="notice">{escape(text)}</div>'


def flow(
    connection: duckdb.DuckDBPyConnection,
    intervention_start: date | None,
    primary_n_schools: int | None,
) -> tuple[str, dict]:
    """A CONSORT-style flow of schools from the register to the analysis."""
    figures = query(
        connection,
        """
        with eligible as (
            select school_urn from marts.dim_school
            where is_open and (successor_urn is null or successor_urn = school_urn)
        )
        select (select count(*) from marts.dim_school) as register,
               (select count(*) from eligible) as eligible,
               (select count(*) from eligible
                where school_urn not in (select school_urn from trial.assignment)) as not_randomised
        """,
    ).iloc[0]
    arms = query(
        connection,
        """
        select a.arm, count(*) as randomised,
               count(*) filter (where exists (
                   select 1 from marts.fct_school_month m
                   where m.school_urn = a.school_urn and m.month_start >= ?)) as analysed
        from trial.assignment a group by a.arm
        """,
        [intervention_start or date.max],
    ).set_index("arm")
    randomised = int(arms["randomised"].sum())
    arm_boxes = "".join(
        f'<div class="box"><strong>{escape(arm.capitalize())}</strong><br>'
        f"{count(arms.at[arm, 'randomised'])} schools allocated</div>"
        for arm in _arm_order(arms.index)
    )
    analysed_boxes = "".join(
        f'<div class="box"><strong>{escape(arm.capitalize())}</strong><br>'
        f"{count(arms.at[arm, 'analysed'])} schools with trial-period data</div>"
        for arm in _arm_order(arms.index)
    )
    excluded = int(figures["register"]) - int(figures["eligible"])
    html = (
        '<div class="flow">'
        f'<div class="box">On the school register: {count(figures["register"])} schools</div>'
        '<div class="arrow">↓</div><div class="row">'
        f'<div class="box">Eligible (open, current URN): {count(figures["eligible"])}</div>'
        f'<div class="box aside">Excluded (closed or superseded): {count(excluded)}</div></div>'
        '<div class="arrow">↓</div><div class="row">'
        f'<div class="box">Randomised: {count(randomised)}</div>'
        '<div class="box aside">Eligible but not randomised: '
        f"{count(figures['not_randomised'])}</div></div>"
        f'<div class="arrow">↓</div><div class="row">{arm_boxes}</div>'
        f'<div class="arrow">↓</div><div class="row">{analysed_boxes}</div></div>'
    )
    if primary_n_schools is not None:
        html += paragraph(f"The primary analysis used {count(primary_n_schools)} schools.")
    if intervention_start is None:
        html += paragraph("The intervention start is not known, so no school counts as analysed.")
    return html, {arm: int(arms.at[arm, "randomised"]) for arm in arms.index}


def _arm_order(arms) -> list[str]:
    return sorted(arms, key=lambda arm: (ARMS.index(arm) if arm in ARMS else len(ARMS), str(arm)))


def balance(frame: pd.DataFrame) -> str:
    table = frame.assign(variable=labels(frame, BALANCE_VALUES)).set_index("variable")
    html = render_table(
        table,
        [
            Column("mean_intervention", "Mean, intervention", _mean),
            Column("mean_comparison", "Mean, comparison", _mean),
            Column("std_diff", "Standardised difference", lambda value: f"{value:+.3f}"),
        ],
        row_heading="Baseline variable",
        caption="Balance of the arms at baseline",
    )
    imbalanced = table.index[table["std_diff"].abs() > IMBALANCE_STD_DIFF].tolist()
    if imbalanced:
        note = (
            f"Standardised differences beyond ±{IMBALANCE_STD_DIFF}: "
            f"{', '.join(map(str, imbalanced))}."
        )
    else:
        note = f"Every standardised difference is within ±{IMBALANCE_STD_DIFF}."
    return html + paragraph(note, "note")


def _given(value) -> bool:
    return (
        value is not None and not (isinstance(value, float) and pd.isna(value)) and bool(str(value))
    )


def _mean(value) -> str:
    """Small means keep two decimals (contacts per month), larger ones one (enrolment)."""
    return number(value, 2 if abs(value) < 10 else 1)


def power(frame: pd.DataFrame) -> tuple[str, list[str]]:
    statements = []
    for label, row in zip(labels(frame, POWER_VALUES), frame.itertuples(), strict=True):
        ratio = float(row.mde_rate_ratio)
        change = "fall" if ratio < 1 else "rise"
        statements.append(
            f"{label}: with {count(row.n_schools)} schools followed for {number(row.months, 0)} "
            f"months, the smallest effect the trial can reliably detect is a rate ratio of "
            f"{ratio:.2f} (a {abs(1 - ratio):.0%} {change}), about "
            f"{abs(float(row.mde_per_school_month)):.2f} {'fewer' if ratio < 1 else 'more'} "
            "per school per month."
        )
    assumptions = [
        f"{label}: {row.assumptions}"
        for label, row in zip(labels(frame, POWER_VALUES), frame.itertuples(), strict=True)
        if _given(row.assumptions)
    ]
    html = bullet_list(statements)
    if assumptions:
        html += paragraph("Assumptions:", "note") + bullet_list(assumptions)
    return html, statements


def results(frame: pd.DataFrame, margin: float | None) -> tuple[str, list[str]]:
    table = frame.assign(label=labels(frame, RESULT_VALUES))
    table = table.sort_values("is_primary", ascending=False, kind="stable").set_index("label")
    is_referral = table.index.str.contains("referral", case=False)
    html = render_table(
        table.assign(
            ci=[_ci(row) for row in table.itertuples()],
            primary=table["is_primary"].map({True: "Primary", False: "Secondary"}),
        ),
        [
            Column("primary", "", numeric=False),
            Column("estimate", "Rate ratio", lambda value: f"{value:.3f}"),
            Column("ci", "95% CI", numeric=True),
            Column("p_value", "p value", p_value),
            Column("p_value_randomisation", "Randomisation p", p_value),
            Column("n_schools", "Schools", count),
            Column("n_obs", "Observations", count),
        ],
        row_heading="Outcome",
        caption="Intervention against comparison",
    )
    statements = [
        _statement(label, row, margin if referral else None)
        for (label, row), referral in zip(table.iterrows(), is_referral, strict=True)
    ]
    plottable = table[(table[["estimate", "ci_low", "ci_high"]] > 0).all(axis=1)]
    plot = (
        charts.forest_plot(
            list(plottable.index),
            plottable["estimate"],
            plottable["ci_low"],
            plottable["ci_high"],
            margin=margin,
            margin_rows=list(plottable.index.str.contains("referral", case=False)),
        )
        if not plottable.empty
        else ""
    )
    if margin is None and is_referral.any():
        statements.append("No non-inferiority margin is set for referrals, so none is drawn.")
    return html + bullet_list(statements) + plot, statements


def _ci(row) -> str:
    return f"{row.ci_low:.3f} to {row.ci_high:.3f}"


def _statement(label: str, row: pd.Series, margin: float | None) -> str:
    kind = "Primary" if row["is_primary"] else "Secondary"
    text = (
        f"{kind}, {label}: intervention schools had {row['estimate']:.2f} times the rate of "
        f"comparison schools (95% CI {row['ci_low']:.2f} to {row['ci_high']:.2f}; "
        f"p {_p_phrase(row['p_value'])})."
    )
    if margin is not None:
        verdict = (
            "above the margin, so referrals did not fall by more than the plan allows"
            if row["ci_low"] > margin
            else "not above the margin, so a fall in referrals beyond it cannot be ruled out"
        )
        text += f" Lower limit {row['ci_low']:.2f} against margin {margin:g}: {verdict}."
    return text


def _p_phrase(value) -> str:
    shown = p_value(value)
    return shown if shown.startswith("<") else f"= {shown}"


def monthly_by_arm(connection: duckdb.DuckDBPyConnection, intervention_start: date | None) -> str:
    frame = query(
        connection,
        """
        select m.month_start, a.arm, count(*) as schools, sum(m.phone_contacts) as phone_contacts
        from marts.fct_school_month m join trial.assignment a using (school_urn)
        group by all order by m.month_start, a.arm
        """,
    )
    if frame.empty:
        return paragraph("No school-month figures for the randomised schools yet.")
    frame["per_school"] = frame["phone_contacts"] / frame["schools"]
    wide = frame.pivot(index="month_start", columns="arm", values="per_school")
    chart = charts.monthly_lines(
        list(wide.index),
        {f"{arm.capitalize()} (mean per school)": wide[arm] for arm in _arm_order(wide.columns)},
        "Telephone contacts per school",
        "Monthly telephone contacts per school by arm",
        marker=intervention_start,
        marker_label="Intervention starts",
        colours={
            f"{arm.capitalize()} (mean per school)": colour
            for arm, colour in charts.ARM_COLOURS.items()
        },
    )
    start = pd.Timestamp(intervention_start) if intervention_start else None
    frame["period"] = [
        "Trial" if start is not None and pd.Timestamp(month) >= start else "Baseline"
        for month in frame["month_start"]
    ]
    periods = frame.groupby(["period", "arm"], sort=False).agg(
        school_months=("schools", "sum"), phone_contacts=("phone_contacts", "sum")
    )
    periods.index = [f"{period}, {arm}" for period, arm in periods.index]
    table = publish(
        periods,
        ["phone_contacts", "school_months"],
        ratios={"per_school_month": ("phone_contacts", "school_months")},
    )
    period_note = (
        f"Baseline: months before {month_label(intervention_start)}; trial: from "
        f"{month_label(intervention_start)}."
        if intervention_start
        else "The intervention start is not known, so every month counts as baseline."
    )
    html = render_table(
        table.frame,
        [
            Column("school_months", "School-months", count),
            Column("phone_contacts", "Telephone contacts", count),
            Column("per_school_month", "Per school per month", lambda value: f"{value:.2f}"),
        ],
        row_heading="Period and arm",
        hidden=table.hidden,
        total_row=TOTAL,
        caption="Telephone contacts by period and arm",
    )
    return chart + paragraph(period_note, "note") + html
