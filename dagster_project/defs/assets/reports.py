"""The two HTML reports, written under the reports folder and previewed in Dagster.

They only read the warehouse, but DuckDB refuses a read-only connection from one process
while another holds the file for writing, so they queue in the writer pool too. The report
code (pandas, matplotlib, scipy) is imported by the steps, so loading the definitions stays
light.
"""

from contextlib import closing
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project import settings
from dagster_project.defs.resources import DUCKDB_WRITER_POOL, PLATFORM_OWNERS

if TYPE_CHECKING:
    from collections.abc import Callable

    import duckdb

    from dagster_project.reports.page import Report
    from dagster_project.reports.trial_report import TrialSettings

DEMAND_DEPS = [
    "rpt_agency_type_summary",
    "rpt_channel_summary",
    "rpt_district_rates",
    "rpt_phone_sources",
    "fct_school_month",
    "dim_school",
    "fct_contacts",
]
TRIAL_DEPS = [
    ["trial", "assignment"],
    ["trial", "balance"],
    ["trial", "power"],
    ["trial", "results"],
    ["trial", "consort"],
    "fct_school_month",
    "dim_school",
]


class DemandReportConfig(dg.Config):
    academic_year: str | None = None
    """One academic year ('2017/18'); every year in the data, newest first, when unset."""


class TrialReportConfig(dg.Config):
    intervention_start: str | None = None
    """ISO date; else the trial plan's `trial.start` month; else the first month after
    randomisation."""
    non_inferiority_margin: float | None = None
    """Rate ratio for referral outcomes whose results row records no margin."""


REPORT_ASSET = {
    "key_prefix": "reports",
    "group_name": "reports",
    "pool": DUCKDB_WRITER_POOL,
    "owners": PLATFORM_OWNERS,
    "kinds": {"python", "html"},
}


@dg.asset(
    deps=DEMAND_DEPS,
    description="The scoping report's tables and charts for each academic year, as HTML.",
    **REPORT_ASSET,
)
def demand_report(config: DemandReportConfig, duckdb: DuckDBResource) -> dg.MaterializeResult:
    from dagster_project.reports.demand_report import build_demand_report

    return _report(
        duckdb, "demand_report.html", lambda conn: build_demand_report(conn, config.academic_year)
    )


@dg.asset(
    deps=TRIAL_DEPS,
    description="Flow of schools, balance, power and results of the schools trial, as HTML.",
    **REPORT_ASSET,
)
def trial_report(config: TrialReportConfig, duckdb: DuckDBResource) -> dg.MaterializeResult:
    from dagster_project.reports.trial_report import build_trial_report

    return _report(
        duckdb,
        "trial_report.html",
        lambda conn: build_trial_report(conn, _trial_settings(config)),
    )


def _report(
    duckdb: DuckDBResource,
    file_name: str,
    build: "Callable[[duckdb.DuckDBPyConnection], Report]",
) -> dg.MaterializeResult:
    from dagster_project.reports.page import write_report
    from dagster_project.warehouse import connect_read_only

    with closing(connect_read_only(duckdb.database)) as connection:
        report = build(connection)
    path = write_report(report.html, settings.reports_dir() / file_name)
    return dg.MaterializeResult(metadata=_metadata(report, path))


def _trial_settings(config: TrialReportConfig) -> "TrialSettings":
    from dagster_project.reports.trial_plan import read_plan
    from dagster_project.reports.trial_report import TrialSettings

    plan = read_plan(settings.trial_plan_path())
    if config.intervention_start:
        start = date.fromisoformat(config.intervention_start)
    else:
        start = plan.plan.trial.start if plan.plan else None
    return TrialSettings(
        intervention_start=start, non_inferiority_margin=config.non_inferiority_margin, plan=plan
    )


def _metadata(report: "Report", path: Path) -> dict:
    metadata = {
        "report_path": dg.MetadataValue.path(str(path)),
        "size_bytes": dg.MetadataValue.int(path.stat().st_size),
        "summary": dg.MetadataValue.md(report.summary_markdown),
    }
    if report.headline:
        columns = list(report.headline[0])
        schema = dg.TableSchema(columns=[dg.TableColumn(name, "string") for name in columns])
        records = [
            dg.TableRecord({name: str(row[name]) for name in columns}) for row in report.headline
        ]
        metadata["headline"] = dg.MetadataValue.table(records, schema=schema)
    return metadata
