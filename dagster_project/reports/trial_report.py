"""The trial report: flow of schools, balance, power, results and the monthly trend by arm.

Each part needs its own trial table; a part whose table is missing or empty says what it is
waiting for instead of failing, so the report can be built before randomisation.
"""

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from dagster_project.reports import trial_sections
from dagster_project.reports.page import Report, Section, render_page
from dagster_project.reports.tables import count
from dagster_project.reports.trial_sections import notice
from dagster_project.reports.warehouse import query, require_tables, table_exists

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
    non_inferiority_margin: float | None = None


def read_trial_table(connection: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame | None:
    """The table, or None when it does not exist or has no rows."""
    if not table_exists(connection, "trial", table):
        return None
    frame = query(connection, f'select * from trial."{table}"')
    return None if frame.empty else frame


def intervention_start_from_assignment(connection: duckdb.DuckDBPyConnection) -> date | None:
    """The first month starting on or after the last randomisation."""
    last = query(connection, "select max(randomised_at) as last from trial.assignment").iloc[0, 0]
    if pd.isna(last):
        return None
    moment = pd.Timestamp(last)
    first = moment.normalize().replace(day=1)
    return (first if moment == first else first + pd.offsets.MonthBegin(1)).date()


def build_trial_report(
    connection: duckdb.DuckDBPyConnection, settings: TrialSettings = TrialSettings()
) -> Report:
    require_tables(connection, "marts", ["dim_school", "fct_school_month"])
    assignment = read_trial_table(connection, "assignment")
    balance = read_trial_table(connection, "balance")
    power = read_trial_table(connection, "power")
    results = read_trial_table(connection, "results")

    start = settings.intervention_start
    if start is None and assignment is not None:
        start = intervention_start_from_assignment(connection)
    primary = results[results["is_primary"].astype(bool)] if results is not None else None
    primary_n = int(primary["n_schools"].max()) if primary is not None and len(primary) else None

    sections, summary, headline = [], [], []
    if assignment is None:
        sections.append(Section("Randomisation", notice(RANDOMISATION_PENDING)))
        summary.append(RANDOMISATION_PENDING)
    else:
        flow_html, arms = trial_sections.flow(connection, start, primary_n)
        sections.append(Section("Flow of schools", flow_html))
        arms_text = ", ".join(f"{count(n)} {arm}" for arm, n in arms.items())
        summary.append(f"Randomised {count(sum(arms.values()))} schools ({arms_text}).")
        headline.extend(
            {"figure": f"schools randomised, {arm}", "value": str(n)} for arm, n in arms.items()
        )
        sections.append(
            Section(
                "Balance at baseline",
                trial_sections.balance(balance)
                if balance is not None
                else notice("The balance table is not built yet."),
            )
        )

    if power is not None:
        power_html, statements = trial_sections.power(power)
        sections.append(Section("Power: the smallest detectable effect", power_html))
        summary.extend(statements[:1])
    else:
        sections.append(Section("Power", notice("The power calculation is not built yet.")))

    if results is not None:
        results_html, statements = trial_sections.results(results, settings.non_inferiority_margin)
        sections.append(Section("Results", results_html))
        summary.extend(statements)
        headline.extend(_result_headline(results))
    else:
        sections.append(Section("Results", notice(RESULTS_PENDING)))
        summary.append(RESULTS_PENDING)

    if assignment is not None:
        sections.append(
            Section(
                "Monthly telephone contacts by arm",
                trial_sections.monthly_by_arm(connection, start),
            )
        )

    intro = (
        "Schools were randomised to receive the new guidance (intervention) or not "
        "(comparison); the primary outcome is telephone contacts, and referrals must not fall."
    )
    if start is not None:
        intro += f" Intervention start: {start:%d %B %Y}."
    html = render_page(TITLE, intro, sections)
    markdown = "\n".join(f"- {line}" for line in summary)
    return Report(TITLE, html, markdown, headline)


def _result_headline(results: pd.DataFrame) -> list[dict]:
    labels = trial_sections.labels(results, trial_sections.RESULT_VALUES)
    return [
        {
            "figure": f"rate ratio, {label}",
            "value": f"{row.estimate:.2f} ({row.ci_low:.2f} to {row.ci_high:.2f})",
        }
        for label, row in zip(labels, results.itertuples(), strict=True)
    ]
