"""The demand report: the scoping report's tables and charts for each academic year."""

import duckdb

from dagster_project.reports import demand_monthly, demand_schools, demand_sections
from dagster_project.reports.page import Report, Section, paragraph, render_page
from dagster_project.reports.periods import academic_year_bounds, month_label
from dagster_project.reports.suppressed_tables import TOTAL
from dagster_project.reports.tables import number, percent
from dagster_project.warehouse import require_tables

TITLE = "MASH demand report"

MARTS_HINT = "build the dbt models first"

MARTS = [
    "fct_contacts",
    "fct_school_month",
    "dim_school",
    "rpt_agency_type_summary",
    "rpt_channel_summary",
    "rpt_district_rates",
    "rpt_phone_sources",
]


def academic_years(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Every academic year with contacts or report rows, newest first."""
    rows = connection.execute(
        """
        select academic_year from marts.fct_contacts
        union select academic_year from marts.rpt_agency_type_summary
        union select academic_year from marts.rpt_channel_summary
        """,
    ).df()
    return sorted(rows["academic_year"].dropna().unique(), reverse=True)


def build_demand_report(
    connection: duckdb.DuckDBPyConnection, academic_year: str | None = None
) -> Report:
    """The report over every academic year in the data, or over ``academic_year`` alone."""
    require_tables(connection, [f"marts.{name}" for name in MARTS], MARTS_HINT)
    years = academic_years(connection)
    if academic_year is not None:
        academic_year_bounds(academic_year)
        if academic_year not in years:
            found = ", ".join(years) or "none"
            raise ValueError(f"academic year {academic_year} is not in the data (found: {found})")
        years = [academic_year]
    sections, headline = [], []
    for year in years:
        year_sections, figures = _year(connection, year)
        sections.extend(year_sections)
        headline.append(figures)
    if not years:
        sections.append(Section("No data", paragraph("The warehouse holds no contacts yet.")))
    intro = (
        "Contacts and referrals to the MASH by academic year (1 September to 31 August), "
        "newest first. " + demand_sections.COUNTS_NOTE
    )
    html = render_page(TITLE, intro, sections)
    return Report(TITLE, html, _summary_markdown(headline), headline)


def _year(connection, year: str) -> tuple[list[Section], dict]:
    months = (
        connection.execute(
            "select min(month_start) as first, max(month_start) as last, "
            "count(distinct month_start) as n from marts.fct_contacts where academic_year = ?",
            [year],
        )
        .df()
        .iloc[0]
    )
    if months["n"]:
        coverage = (
            f"Months with contacts: {month_label(months['first'])} to {month_label(months['last'])}"
        )
        coverage += f" ({int(months['n'])} of 12)." if months["n"] < 12 else "."
    else:
        coverage = "No contact records for this year; the tables come from the report marts."
    overview_html, overview = demand_sections.overview(connection, year)
    school_html, school_figures = demand_schools.schools(connection, year)
    sections = [
        Section(f"Academic year {year}", paragraph(coverage) + overview_html),
        Section(
            "Contacts and referrals by agency type",
            demand_sections.agency_types(connection, year),
            3,
        ),
        Section("Channels", demand_sections.channels(connection, year), 3),
        Section("Districts", demand_sections.districts(connection, year), 3),
        Section("Telephone contacts by source", demand_sections.phone_sources(connection, year), 3),
        Section("Schools", school_html, 3),
        Section("Monthly volumes", demand_monthly.monthly(connection, year), 3),
    ]
    has_contacts = TOTAL in overview.frame.index and overview.frame.at[TOTAL, "total"] > 0
    figures = {
        "academic_year": year,
        "contacts_and_referrals": overview.shown(TOTAL, "total") if has_contacts else "0",
        "referrals": overview.shown(TOTAL, "referrals") if has_contacts else "0",
        "pct_referrals": overview.shown(TOTAL, "pct_referrals", percent) if has_contacts else "–",
        "referring_schools": str(school_figures.get("schools", 0)),
        "mean_per_school": number(school_figures["mean"]) if school_figures else "–",
        "sd_per_school": number(school_figures["sd"]) if school_figures else "–",
    }
    return sections, figures


def _summary_markdown(headline: list[dict]) -> str:
    if not headline:
        return "No contacts in the warehouse yet."
    lines = []
    for figures in headline:
        lines.append(
            f"- **{figures['academic_year']}**: {figures['contacts_and_referrals']} contacts and "
            f"referrals, {figures['referrals']} referrals ({figures['pct_referrals']}); "
            f"{figures['referring_schools']} referring schools (matched to the register), mean "
            f"{figures['mean_per_school']} (SD {figures['sd_per_school']}) per school"
        )
    return "\n".join(lines)
