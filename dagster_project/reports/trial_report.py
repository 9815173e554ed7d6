"""The trial report: flow of schools, balance, power, results and the monthly trend by arm.

Each part needs its own trial table; a part whose table is missing or empty says what it is
waiting for instead of failing, so the report can be built before randomisation.
"""

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from dagster_project.reports import trial_flow, trial_results, trial_sections
from dagster_project.reports.page import Report, Section, paragraph, render_page
from dagster_project.reports.tables import count
from dagster_project.reports.trial_plan import PlanReading
from dagster_project.reports.trial_sections import notice
from dagster_project.warehouse import qualified, require_tables, table_exists

TITLE = "MASH schools trial report"

RANDOMISATION_PENDING = (
    "Randomisation is pending: the trial has no assignment of schools yet (randomisation "
    "waits for the baseline data). Flow, balance and trends by arm follow once it has run."
)
RESULTS_PENDING = "Results are pending: the trial period has not been analysed yet."


@dataclass(frozen=True)
class TrialSettings:
    """What the trial tables do not say: when the intervention began, and the margin a
    fall in referrals must stay within (a rate ratio)."""

    intervention_start: date | None = None
    #: Used for referral outcomes whose results row records no margin of its own.
    non_inferiority_margin: float | None = None
    #: The analysis plan (eligibility, tests and margins), or why there is none.
    plan: PlanReading = PlanReading(None)


@dataclass
class _Parts:
    sections: list[Section]
    summary: list[str]
    headline: list[dict]


def read_trial_table(connection: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame | None:
    """The table, or None when it does not exist or has no rows."""
    name = f"trial.{table}"
    if not table_exists(connection, name):
        return None
    frame = connection.execute(f"select * from {qualified(name)}").df()
    return None if frame.empty else frame


def intervention_start_from_assignment(connection: duckdb.DuckDBPyConnection) -> date | None:
    """The first month starting on or after the last randomisation."""
    last = (
        connection.execute("select max(randomised_at) as last from trial.assignment")
        .df()
        .iloc[0, 0]
    )
    if pd.isna(last):
        return None
    moment = pd.Timestamp(last)
    first = moment.normalize().replace(day=1)
    return (first if moment == first else first + pd.offsets.MonthBegin(1)).date()


def build_trial_report(
    connection: duckdb.DuckDBPyConnection, settings: TrialSettings = TrialSettings()
) -> Report:
    require_tables(
        connection, ["marts.dim_school", "marts.fct_school_month"], "build the dbt models first"
    )
    assignment = read_trial_table(connection, "assignment")
    results = read_trial_table(connection, "results")
    start = settings.intervention_start
    if start is None and assignment is not None:
        start = intervention_start_from_assignment(connection)

    parts = _Parts([], [], [])
    if assignment is None:
        parts.sections.append(Section("Randomisation", notice(RANDOMISATION_PENDING)))
        parts.summary.append(RANDOMISATION_PENDING)
    else:
        _randomisation(connection, parts, set(assignment.columns), start, results, settings.plan)
    _power(read_trial_table(connection, "power"), parts)
    _results(results, settings.non_inferiority_margin, settings.plan.plan, parts)
    if assignment is not None:
        trend = trial_sections.monthly_by_arm(connection, set(assignment.columns), start)
        parts.sections.append(Section("Monthly telephone contacts by arm", trend))

    intro = (
        "Schools were randomised to receive the new guidance (intervention) or not "
        "(comparison); the primary outcome is telephone contacts, and referrals must not fall."
    )
    if start is not None:
        intro += f" Intervention start: {start:%d %B %Y}."
    html = render_page(TITLE, intro, parts.sections)
    markdown = "\n".join(f"- {line}" for line in parts.summary)
    return Report(TITLE, html, markdown, parts.headline)


def _randomisation(connection, parts: _Parts, columns, start, results, plan: PlanReading) -> None:
    primary_n = None
    if results is not None:
        primary = results[results["is_primary"].fillna(False).astype(bool)]
        primary_n = int(primary["n_schools"].max()) if len(primary) else None
    flow_html, arms = trial_flow.flow(connection, columns, start, plan.plan)
    if primary_n is not None:
        flow_html += paragraph(f"The primary analysis used {count(primary_n)} schools.")
    if plan.problem:
        flow_html += notice(f"{plan.problem} The flow's exclusions cannot all be named.")
    parts.sections.append(Section("Flow of schools", flow_html))
    arms_text = ", ".join(f"{count(n)} {arm}" for arm, n in arms.items())
    parts.summary.append(f"Randomised {count(sum(arms.values()))} schools ({arms_text}).")
    parts.headline.extend(
        {"figure": f"schools randomised, {arm}", "value": str(n)} for arm, n in arms.items()
    )
    balance = read_trial_table(connection, "balance")
    body = (
        trial_sections.balance(balance)
        if balance is not None
        else notice("The balance table is not built yet.")
    )
    parts.sections.append(Section("Balance at baseline", body))


def _power(power: pd.DataFrame | None, parts: _Parts) -> None:
    if power is None:
        parts.sections.append(Section("Power", notice("The power calculation is not built yet.")))
        return
    power_html, statements = trial_sections.power(power)
    parts.sections.append(Section("Power: the smallest detectable effect", power_html))
    parts.summary.extend(statements[:1])


def _results(results: pd.DataFrame | None, margin: float | None, plan, parts: _Parts) -> None:
    if results is None:
        parts.sections.append(Section("Results", notice(RESULTS_PENDING)))
        parts.summary.append(RESULTS_PENDING)
        return
    results_html, statements = trial_results.results(results, margin, plan)
    parts.sections.append(Section("Results", results_html))
    parts.summary.extend(statements)
    table = trial_results.prepare(results, margin, plan)
    parts.headline.extend(
        {
            "figure": f"{row.role}: {label}",
            "value": f"{row.estimate:.2f} ({row.ci_low:.2f} to {row.ci_high:.2f}), "
            + ("rate ratio" if row.is_ratio else "difference per school-month"),
        }
        for label, row in zip(table.index, table.itertuples(), strict=True)
    )
