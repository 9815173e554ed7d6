"""The demand report's per-school figures: spread of contacts over referring schools.

Two counts of "contacts from schools" exist and both are right: the agency-type table counts
every in-scope contact and referral from a school-type referrer; the monthly and per-school
figures count those matched to a school on the register (``school_urn`` known). The
reconciliation line says how far apart they are and why.
"""

import duckdb
import pandas as pd

from dagster_project.reports import charts
from dagster_project.reports.page import paragraph
from dagster_project.reports.school_distribution import describe_schools
from dagster_project.reports.tables import Column, count, number, p_value, render_table

#: The agency type of schools' safeguarding leads.
SCHOOLS = "Schools"


def schools(connection: duckdb.DuckDBPyConnection, year: str) -> tuple[str, dict]:
    per_school = connection.execute(
        """
        select c.school_urn, count(*) as contacts_and_referrals, s.pupils, s.pct_fsm
        from marts.fct_contacts c left join marts.dim_school s using (school_urn)
        where c.academic_year = ? and c.school_urn is not null
        group by all
        """,
        [year],
    ).df()
    reconciliation = reconcile(connection, year)
    if per_school.empty:
        return reconciliation + paragraph(
            "No contact or referral this year is matched to a school."
        ), {}
    stats = describe_schools(per_school)
    summary = pd.DataFrame(
        {
            "value": [
                count(stats.n_schools),
                number(stats.mean),
                number(stats.sd),
                number(stats.median),
                count(stats.maximum),
            ]
        },
        index=[
            "Schools with at least one contact or referral",
            "Mean per school",
            "Standard deviation",
            "Median",
            "Most from one school",
        ],
    )
    correlations = pd.DataFrame(
        [
            {"characteristic": c.characteristic, "n": c.n_schools, "r": c.pearson_r, "p": c.p_value}
            for c in stats.correlations
        ],
        columns=["characteristic", "n", "r", "p"],
    ).set_index("characteristic")
    html = reconciliation + render_table(
        summary,
        [Column("value", "", numeric=True)],
        caption="Contacts and referrals per referring school (matched to a school on the register)",
    )
    if not correlations.empty:
        html += render_table(
            correlations,
            [
                Column("n", "Schools", count),
                Column("r", "Pearson r", lambda v: f"{v:.2f}"),
                Column("p", "p value (two-sided; H0: r = 0)", p_value),
            ],
            row_heading="School characteristic",
            caption="Correlation of a matched school's yearly count with its characteristics "
            "(the schools whose characteristic is known)",
        )
    html += charts.histogram(
        per_school["contacts_and_referrals"],
        "Contacts and referrals in the year",
        "Schools",
        "Histogram of contacts and referrals per referring school",
    )
    figures = {"schools": stats.n_schools, "mean": stats.mean, "sd": stats.sd}
    return html, figures


def reconcile(connection: duckdb.DuckDBPyConnection, year: str) -> str:
    """The reconciliation line: school-type contacts (the agency-type table) against those
    matched to a school (the monthly and per-school figures), and what makes the gap."""
    [(school_type, matched, unmatched, other_types, in_table)] = connection.execute(
        """
        select count(*) filter (where agency_type = ?),
               count(*) filter (where school_urn is not null),
               count(*) filter (where agency_type = ? and school_urn is null),
               count(*) filter (where agency_type is distinct from ? and school_urn is not null),
               (select sum(total) from marts.rpt_agency_type_summary
                where academic_year = ? and agency_type = ?)
        from marts.fct_contacts where academic_year = ?
        """,
        [SCHOOLS, SCHOOLS, SCHOOLS, year, SCHOOLS, year],
    ).fetchall()
    shown = school_type if in_table is None else int(in_table)
    source = "the contacts" if in_table is None else "the agency-type table"
    difference = shown - matched
    text = (
        f"Reconciliation: {count(shown)} contacts and referrals from school-type referrers "
        f"(all of them, as in {source}); {count(matched)} matched to a school on the register "
        f"(the monthly and per-school figures); "
    )
    text += f"difference {difference:+,}" if difference else "no difference"
    if difference and shown == school_type:
        reasons = [f"{count(unmatched)} school-type contacts not matched to a school"]
        if other_types:
            reasons.append(f"less {count(other_types)} matched contacts from other referrer types")
        text += ": " + ", ".join(reasons)
    return paragraph(text + ".", "reconciliation")
