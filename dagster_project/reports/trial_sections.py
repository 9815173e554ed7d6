"""The trial report's sections: flow of schools, balance, power and the monthly trend.

The assignment may carry, beyond the contract, ``source`` ('randomised', or 'successor' for
an academy that inherited its predecessor's arm) and ``randomised_urn`` (the school that was
drawn); when present, a school and its successors count as one randomised unit.
"""

import json
from datetime import date
from html import escape

import duckdb
import pandas as pd

from dagster_project.reports import charts
from dagster_project.reports.page import bullet_list, paragraph
from dagster_project.reports.periods import month_label
from dagster_project.reports.suppressed_tables import publish, render_published
from dagster_project.reports.tables import Column, count, number, render_table
from dagster_project.reports.trial_labels import given, row_labels

ARMS = ("intervention", "comparison")

#: Standardised differences beyond this are conventionally read as imbalance.
IMBALANCE_STD_DIFF = 0.1

#: The balance table's row for the whole sample, when it also has rows by stratum.
ALL_STRATA = "all"


def notice(text: str) -> str:
    return f'<div class="notice">{escape(text)}</div>'


def _unit(columns: set[str]) -> str:
    return (
        "coalesce(a.randomised_urn, a.school_urn)"
        if "randomised_urn" in columns
        else ("a.school_urn")
    )


def _drawn(columns: set[str]) -> str:
    return "a.source = 'randomised'" if "source" in columns else "true"


def flow(
    connection: duckdb.DuckDBPyConnection,
    columns: set[str],
    intervention_start: date | None,
    primary_n_schools: int | None,
) -> tuple[str, dict]:
    """A CONSORT-style flow of schools from the register to the analysis."""
    register = (
        connection.execute(
            """
        with assessed as (
            select school_urn from marts.dim_school
            where is_open and (successor_urn is null or successor_urn = school_urn)
        )
        select (select count(*) from marts.dim_school) as register,
               (select count(*) from assessed) as assessed,
               (select count(*) from assessed
                where school_urn not in (select school_urn from trial.assignment)) as not_in_trial
        """,
        )
        .df()
        .iloc[0]
    )
    arms = (
        connection.execute(
            f"""
        select a.arm,
               count(distinct {_unit(columns)}) filter (where {_drawn(columns)}) as randomised,
               count(*) filter (where not ({_drawn(columns)})) as successors,
               count(distinct {_unit(columns)}) filter (where exists (
                   select 1 from marts.fct_school_month m
                   where m.school_urn = a.school_urn and m.month_start >= ?)) as analysed
        from trial.assignment a group by a.arm
        """,
            [intervention_start or date.max],
        )
        .df()
        .set_index("arm")
    )
    order = _arm_order(arms.index)
    randomised = int(arms["randomised"].sum())
    successors = int(arms["successors"].sum())

    def boxes(column: str, text: str) -> str:
        return "".join(
            f'<div class="box"><strong>{escape(str(arm).capitalize())}</strong><br>'
            f"{count(arms.at[arm, column])} {text}</div>"
            for arm in order
        )

    excluded = int(register["register"]) - int(register["assessed"])
    successor_box = (
        f'<div class="box aside">Academy successors taking their predecessor\'s arm: '
        f"{count(successors)}</div>"
        if successors
        else ""
    )
    html = (
        '<div class="flow">'
        f'<div class="box">On the school register: {count(register["register"])} schools</div>'
        '<div class="arrow">↓</div><div class="row">'
        f'<div class="box">Assessed for eligibility (open, current URN): '
        f"{count(register['assessed'])}</div>"
        f'<div class="box aside">Closed or superseded: {count(excluded)}</div></div>'
        '<div class="arrow">↓</div><div class="row">'
        f'<div class="box">Randomised: {count(randomised)}</div>'
        '<div class="box aside">Not in the trial (outside the plan\'s eligibility rules): '
        f"{count(register['not_in_trial'])}</div>{successor_box}</div>"
        f'<div class="arrow">↓</div><div class="row">{boxes("randomised", "schools allocated")}'
        f'</div><div class="arrow">↓</div><div class="row">'
        f"{boxes('analysed', 'with trial-period data')}</div></div>"
    )
    if primary_n_schools is not None:
        html += paragraph(f"The primary analysis used {count(primary_n_schools)} schools.")
    if intervention_start is None:
        html += paragraph("The intervention start is not known, so no school counts as analysed.")
    return html, {str(arm): int(arms.at[arm, "randomised"]) for arm in order}


def _arm_order(arms) -> list[str]:
    return sorted(arms, key=lambda arm: (ARMS.index(arm) if arm in ARMS else len(ARMS), str(arm)))


def balance(frame: pd.DataFrame) -> str:
    keys = ["variable"]
    if "stratum" in frame:
        overall = frame[frame["stratum"] == ALL_STRATA]
        frame, keys = (overall, keys) if not overall.empty else (frame, [*keys, "stratum"])
    table = frame.assign(label=row_labels(frame, keys)).set_index("label")
    html = render_table(
        table,
        [
            Column("mean_intervention", "Mean, intervention", _mean),
            Column("mean_comparison", "Mean, comparison", _mean),
            Column("std_diff", "Standardised difference", lambda value: f"{value:+.3f}"),
        ],
        row_heading="Baseline variable",
        caption="Balance of the arms at baseline (all strata)",
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


def _mean(value) -> str:
    """Small means keep two decimals (contacts per month), larger ones one (enrolment)."""
    return number(value, 2 if abs(value) < 10 else 1)


def power(frame: pd.DataFrame) -> tuple[str, list[str]]:
    """A sentence per power row (the table's own ``summary`` when it has one), with the
    assumptions folded away beneath."""
    labels = row_labels(frame, ["outcome", "method"])
    statements, details = [], []
    for label, (_, row) in zip(labels, frame.iterrows(), strict=True):
        summary = row.get("summary")
        statements.append(str(summary) if given(summary) else _power_statement(label, row))
        if given(row.get("assumptions")):
            details.append(
                f"<details><summary>Assumptions: {escape(label)}</summary>"
                f"{bullet_list(_assumption_lines(row['assumptions']))}</details>"
            )
    return bullet_list(statements) + "".join(details), statements


def _power_statement(label: str, row: pd.Series) -> str:
    design = (
        f"{label}: with {count(row['n_schools'])} schools over {number(row['months'], 0)} months"
    )
    if not given(row["mde_rate_ratio"]):
        return f"{design}, no effect is detectable."
    ratio = float(row["mde_rate_ratio"])
    text = (
        f"{design}, the smallest effect the trial can reliably detect is a rate ratio of "
        f"{ratio:.2f} (a {abs(1 - ratio):.0%} {'fall' if ratio < 1 else 'rise'})"
    )
    if given(row["mde_per_school_month"]):
        per_month = abs(float(row["mde_per_school_month"]))
        text += f", about {per_month:.2f} {'fewer' if ratio < 1 else 'more'} per school per month"
    return text + "."


def _assumption_lines(assumptions) -> list[str]:
    """Assumptions as 'name: value' lines, whether stored as JSON text, a mapping or prose."""
    if isinstance(assumptions, str):
        try:
            assumptions = json.loads(assumptions)
        except json.JSONDecodeError:
            return [assumptions]
    if isinstance(assumptions, dict):
        return [f"{name.replace('_', ' ')}: {_plain(value)}" for name, value in assumptions.items()]
    return [str(assumptions)]


def _plain(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def monthly_by_arm(
    connection: duckdb.DuckDBPyConnection, columns: set[str], intervention_start: date | None
) -> str:
    """Mean telephone contacts per randomised school by month and arm (a school's academy
    successor counting as the same school), and the totals by period."""
    frame = connection.execute(
        f"""
        select m.month_start, a.arm, count(distinct {_unit(columns)}) as schools,
               sum(m.phone_contacts) as phone_contacts
        from marts.fct_school_month m join trial.assignment a on a.school_urn = m.school_urn
        group by all order by m.month_start, a.arm
        """,
    ).df()
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
    html = render_published(
        table,
        [
            Column("school_months", "School-months", count),
            Column("phone_contacts", "Telephone contacts", count),
            Column("per_school_month", "Per school per month", lambda value: f"{value:.2f}"),
        ],
        "Period and arm",
        "Telephone contacts by period and arm",
    )
    return chart + paragraph(period_note, "note") + html
