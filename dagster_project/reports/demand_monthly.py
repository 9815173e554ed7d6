"""The demand report's monthly volumes, where term time shows."""

import duckdb

from dagster_project.reports import charts
from dagster_project.reports.demand_columns import columns
from dagster_project.reports.page import paragraph
from dagster_project.reports.periods import academic_year_bounds, month_label
from dagster_project.reports.suppressed_tables import (
    TOTAL,
    SuppressedTable,
    publish,
    render_published,
)
from dagster_project.reports.tables import count


def monthly(connection: duckdb.DuckDBPyConnection, year: str) -> str:
    start, end = academic_year_bounds(year)
    frame = connection.execute(
        """
        with everyone as (
            select month_start, count(*) as contacts_and_referrals,
                   count(*) filter (where is_referral) as referrals
            from marts.fct_contacts where academic_year = ? group by all
        ), schools as (
            select month_start, sum(contacts_and_referrals) as school_contacts_and_referrals,
                   sum(phone_contacts) as school_phone_contacts
            from marts.fct_school_month where month_start between ? and ? group by all
        )
        select month_start,
               coalesce(e.contacts_and_referrals, 0) as contacts_and_referrals,
               coalesce(e.referrals, 0) as referrals,
               coalesce(s.school_contacts_and_referrals, 0) as school_contacts_and_referrals,
               coalesce(s.school_phone_contacts, 0) as school_phone_contacts
        from everyone e full join schools s using (month_start)
        order by month_start
        """,
        [year, start, end],
    ).df()
    if frame.empty:
        return paragraph("No monthly figures for this year.")
    months = list(frame["month_start"])
    frame.index = [month_label(month) for month in months]
    counts = [
        "contacts_and_referrals",
        "referrals",
        "school_contacts_and_referrals",
        "school_phone_contacts",
    ]
    table = publish(frame[counts], counts)
    html = render_published(
        table,
        columns(*counts),
        "Month",
        "Contacts and referrals by month",
    )
    shown = table.visible().drop(index=TOTAL)
    chart = charts.monthly_lines(
        months,
        {
            "All contacts and referrals": shown["contacts_and_referrals"],
            "From schools matched to the register": shown["school_contacts_and_referrals"],
            "Matched schools' telephone contacts": shown["school_phone_contacts"],
        },
        "Per month",
        "Monthly contacts and referrals",
    )
    return _seasonality_note(table) + html + chart


def _seasonality_note(table: SuppressedTable) -> str:
    schools = table.visible().drop(index=TOTAL)["school_contacts_and_referrals"].dropna()
    if len(schools) < 2 or schools.max() <= 0:
        return ""
    low, high = schools.idxmin(), schools.idxmax()
    ratio = schools[low] / schools[high]
    return paragraph(
        f"Contacts and referrals from schools matched to the register, by month (term time "
        f"against holidays): the quietest "
        f"month was {low} ({count(schools[low])}, {ratio:.0%} of the busiest), "
        f"the busiest {high} ({count(schools[high])})."
    )
