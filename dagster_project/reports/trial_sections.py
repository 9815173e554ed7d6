"""The trial report's sections: balance, power and the monthly trend by arm.

The assignment may carry, beyond the contract, ``source`` ('randomised', or 'successor' for
an academy that inherited its predecessor's arm) and ``randomised_urn`` (the school that was
drawn); when present, a school and its successors count as one randomised unit.
"""

import json
import re
from datetime import date
from html import escape

import duckdb
import pandas as pd

from dagster_project.reports import charts
from dagster_project.reports.page import bullet_list, paragraph
from dagster_project.reports.periods import month_label
from dagster_project.reports.suppressed_tables import publish, render_published
from dagster_project.reports.tables import Column, count, number, render_table
from dagster_project.reports.trial_flow import arm_order, unit
from dagster_project.reports.trial_labels import given, readable, row_labels

MONTHS_PER_YEAR = 12

#: Standardised differences beyond this are conventionally read as imbalance.
IMBALANCE_STD_DIFF = 0.1

#: The balance table's row for the whole sample, when it also has rows by stratum.
ALL_STRATA = "all"


def notice(text: str) -> str:
    return f'<div class="notice">{escape(text)}</div>'


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
    """The smallest detectable effects as a table (outcome, method, test, MDE as a rate ratio
    and in contacts per school per month and per year), the first row's in a sentence above
    it (in words: the table's own ``summary`` speaks in codes), and the assumptions folded
    away beneath."""
    frame = frame.assign(label=row_labels(frame, ["outcome", "method"]))
    statements = [_power_statement(row["label"], row) for _, row in frame.iterrows()]
    per_month = frame.get("mde_per_school_month", pd.Series(float("nan"), frame.index))
    per_year = frame.get("mde_per_school_year", per_month * MONTHS_PER_YEAR)
    table = frame.assign(
        outcome_name=frame["outcome"].map(readable) if "outcome" in frame else frame["label"],
        method_name=frame["method"].map(readable) if "method" in frame else None,
        test_name=[_power_test(row) for _, row in frame.iterrows()],
        per_month=[_change(v, r) for v, r in zip(per_month, frame["mde_rate_ratio"], strict=True)],
        per_year=[_change(v, r) for v, r in zip(per_year, frame["mde_rate_ratio"], strict=True)],
    ).set_index("outcome_name")
    html = paragraph(statements[0]) + render_table(
        table,
        [
            Column("method_name", "Method", numeric=False),
            Column("test_name", "Test", numeric=False),
            Column("n_schools", "Schools", count),
            Column("months", "Months", lambda v: number(v, 0)),
            Column("mde_rate_ratio", "MDE, rate ratio", lambda v: f"{v:.2f}"),
            Column("per_month", "MDE, contacts per school per month"),
            Column("per_year", "MDE, contacts per school per year"),
        ],
        row_heading="Outcome",
        caption="Minimum detectable effects (MDE) at the plan's alpha and power",
    )
    if (table["test_name"].str.startswith("Non-inferiority")).any():
        html += paragraph(
            "For a non-inferiority row the rate ratio is the true ratio at which non-inferiority "
            "against the margin would be shown with the target power.",
            "note",
        )
    details = [
        f"<details><summary>Assumptions: {escape(row['label'])}</summary>"
        f"{bullet_list(_assumption_lines(row['assumptions']))}</details>"
        for _, row in frame.iterrows()
        if given(row.get("assumptions"))
    ]
    return html + "".join(details), statements


def _power_test(row: pd.Series) -> str:
    if str(row.get("test", "")).startswith("non"):
        margin = _recorded_margin(row.get("assumptions"))
        return "Non-inferiority" + (f", margin {margin}" if margin else "")
    return "Superiority, two-sided"


def _recorded_margin(assumptions) -> str | None:
    found = re.search(r"margin ([0-9.]+)", str(assumptions or ""))
    return found[1] if found else None


def _change(value, ratio) -> str | None:
    if not given(value) or not given(ratio):
        return None
    return f"{abs(float(value)):.2f} {'fewer' if float(ratio) < 1 else 'more'}"


def _power_statement(label: str, row: pd.Series) -> str:
    design = (
        f"{label}: with {count(row['n_schools'])} schools over {number(row['months'], 0)} months"
    )
    if not given(row["mde_rate_ratio"]):
        return f"{design}, no effect is detectable."
    ratio = float(row["mde_rate_ratio"])
    if str(row.get("test", "")).startswith("non"):
        return (
            f"{design}, non-inferiority is shown with the target power when the true rate "
            f"ratio is {ratio:.2f}."
        )
    text = (
        f"{design}, the smallest effect the trial can reliably detect is a rate ratio of "
        f"{ratio:.2f} (a {abs(1 - ratio):.0%} {'fall' if ratio < 1 else 'rise'})"
    )
    if given(row.get("mde_per_school_month")):
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
        select m.month_start, a.arm, count(distinct {unit(columns)}) as schools,
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
        {f"{arm.capitalize()} (mean per school)": wide[arm] for arm in arm_order(wide.columns)},
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
