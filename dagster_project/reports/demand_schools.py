"""The demand report's per-school figures: spread of contacts over referring schools."""

import duckdb
import pandas as pd

from dagster_project.reports import charts
from dagster_project.reports.page import paragraph
from dagster_project.reports.school_distribution import describe_schools
from dagster_project.reports.tables import Column, count, number, p_value, render_table


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
    if per_school.empty:
        return paragraph("No contact or referral this year is matched to a school."), {}
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
    html = render_table(
        summary,
        [Column("value", "", numeric=True)],
        caption="Contacts and referrals per referring school",
    )
    if not correlations.empty:
        html += render_table(
            correlations,
            [
                Column("n", "Schools", count),
                Column("r", "Pearson r", lambda v: f"{v:.2f}"),
                Column("p", "p value", p_value),
            ],
            row_heading="School characteristic",
            caption="Correlation of a school's yearly count with its characteristics",
        )
    html += charts.histogram(
        per_school["contacts_and_referrals"],
        "Contacts and referrals in the year",
        "Schools",
        "Histogram of contacts and referrals per referring school",
    )
    figures = {"schools": stats.n_schools, "mean": stats.mean, "sd": stats.sd}
    return html, figures
