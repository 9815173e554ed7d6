"""The demand report's sections for one academic year, each read from the marts."""

import duckdb
import pandas as pd

from dagster_project.reports import charts
from dagster_project.reports.demand_columns import COLUMNS, columns, per_10k
from dagster_project.reports.page import bullet_list, paragraph
from dagster_project.reports.suppressed_tables import (
    TOTAL,
    SuppressedTable,
    publish,
    render_published,
)
from dagster_project.reports.suppression import MINIMUM_COUNT, SUPPRESSED, fold_small_rows
from dagster_project.reports.tables import (
    count,
)
from dagster_project.warehouse import qualified

#: The contract's agency types in the order the scoping report discusses them.
AGENCY_TYPE_ORDER = [
    "Schools",
    "Education services",
    "Health services",
    "Housing or housing association",
    "LA services",
    "External sources",
    "Police",
    "Legal services",
    "Other (VCS)",
    "Individual",
    "Unknown",
]
#: Where a tiny agency type (fewer contacts and referrals than the threshold) is counted.
FOLD_INTO = "Other (VCS)"
SCHOOLS_ROW_NOTE = (
    "Schools here counts every contact and referral from a school-type referrer, matched to a "
    "school on the register or not; the Schools section reconciles it with the matched count."
)
CHANNELS_TITLE = "All contacts and referrals (all referrers) by channel"
PHONE_SOURCES_TITLE = "In-scope telephone contacts (not referrals) by agency type"
CHANNEL_NAMES = {"phone": "Telephone", "email": "Email", "other": "Other"}

#: Rates are per this many children aged 0-17.
RATE_BASE = 10_000

#: A published population further than this from the ONS figure is flagged as a caveat.
DENOMINATOR_TOLERANCE = 0.2

COUNTS_NOTE = (
    f"Counts from 1 to {MINIMUM_COUNT - 1} are shown as {SUPPRESSED}, with other cells hidden "
    "where a total would reveal them; percentages computed from a hidden count are hidden too. "
    f"An agency type with fewer than {MINIMUM_COUNT} in all is counted with another, as its "
    "table says. Rates are per 10,000 children aged 0-17."
)


def _mart_rows(
    connection: duckdb.DuckDBPyConnection, mart: str, columns: str, year: str, order: str = ""
) -> pd.DataFrame:
    """``columns`` of a report mart's rows for one academic year."""
    order_by = f" order by {order}" if order else ""
    sql = f"select {columns} from {qualified(f'marts.{mart}')} where academic_year = ?{order_by}"
    return connection.execute(sql, [year]).df()


def _by_agency_type(connection, mart: str, columns: str, year: str) -> pd.DataFrame:
    """A report mart's rows for the year by agency type, in the scoping report's order."""
    frame = _mart_rows(connection, mart, f"agency_type, {columns}", year)
    return _ordered(frame, "agency_type", AGENCY_TYPE_ORDER).set_index("agency_type")


def _no_rows(mart: str) -> str:
    return paragraph(f"marts.{mart} has no rows for this year.")


def _ordered(frame: pd.DataFrame, column: str, order: list[str]) -> pd.DataFrame:
    rank = {name: index for index, name in enumerate(order)}
    keys = frame[column].map(lambda name: (rank.get(name, len(rank)), str(name)))
    return frame.assign(_rank=keys).sort_values("_rank").drop(columns="_rank")


def overview(connection: duckdb.DuckDBPyConnection, year: str) -> tuple[str, SuppressedTable]:
    frame = (
        connection.execute(
            """
        select case when in_scope then 'Agencies (in scope)'
                    else 'Individuals and anonymous (out of scope)' end as referrer,
               count(*) filter (where not is_referral) as contacts,
               count(*) filter (where is_referral) as referrals
        from marts.fct_contacts where academic_year = ?
        group by all order by referrer
        """,
            [year],
        )
        .df()
        .set_index("referrer")
    )
    frame["total"] = frame["contacts"] + frame["referrals"]
    table = publish(
        frame,
        ["total", "contacts", "referrals"],
        row_totals={"total": ["contacts", "referrals"]},
        ratios={"pct_referrals": ("referrals", "total")},
    )
    html = render_published(
        table,
        columns("total", "contacts", "referrals", "pct_referrals"),
        "Referrer",
        "All contacts and referrals",
    )
    return html, table


def agency_types(connection: duckdb.DuckDBPyConnection, year: str) -> str:
    frame = _by_agency_type(
        connection, "rpt_agency_type_summary", "total, contacts, referrals", year
    )
    if frame.empty:
        return _no_rows("rpt_agency_type_summary")
    frame, folded = fold_small_rows(frame, "total", into=FOLD_INTO)
    table = publish(
        frame,
        ["total", "contacts", "referrals"],
        row_totals={"total": ["contacts", "referrals"]},
        ratios={"pct_referrals": ("referrals", "total"), "pct_contacts": ("contacts", "total")},
        shares=["total"],
    )
    html = render_published(
        table,
        columns("total", "contacts", "referrals", "pct_referrals", "pct_contacts", "total_share"),
        "Referral source",
        "In-scope contacts and referrals by agency type",
    )
    shown = table.visible().drop(index=TOTAL)
    chart = charts.contacts_and_referrals_bars(
        list(shown.index),
        shown["contacts"],
        shown["referrals"],
        shown["pct_referrals"],
        shown["total"],
    )
    notes = [SCHOOLS_ROW_NOTE, *([folded] if folded else [])]
    return html + "".join(paragraph(note, "note") for note in notes) + chart


def channels(connection: duckdb.DuckDBPyConnection, year: str) -> str:
    mart = "rpt_channel_summary"
    frame = _mart_rows(
        connection, mart, "channel, contacts_and_referrals", year, "contacts_and_referrals desc"
    )
    if frame.empty:
        return _no_rows(mart)
    frame["channel"] = frame["channel"].map(lambda name: CHANNEL_NAMES.get(name, str(name)))
    by_channel = frame.set_index("channel")
    return _count_and_share(by_channel, "contacts_and_referrals", "Channel", CHANNELS_TITLE)


def districts(connection: duckdb.DuckDBPyConnection, year: str) -> str:
    mart = "rpt_district_rates"
    frame = _mart_rows(
        connection,
        mart,
        "district, contacts_and_referrals, population_0_17, ons_population_0_17",
        year,
        "population_0_17 is null, contacts_and_referrals / population_0_17 desc, district",
    )
    if frame.empty:
        return _no_rows(mart)
    table = publish(
        frame.set_index("district"),
        ["contacts_and_referrals"],
        ratios={
            "per_10k": ("contacts_and_referrals", "population_0_17"),
            "per_10k_ons": ("contacts_and_referrals", "ons_population_0_17"),
        },
        shares=["contacts_and_referrals"],
    )
    table.frame[["per_10k", "per_10k_ons"]] *= RATE_BASE
    html = render_published(
        table,
        columns(
            "contacts_and_referrals",
            "contacts_and_referrals_share",
            "population_0_17",
            "per_10k",
            "ons_population_0_17",
            "per_10k_ons",
        ),
        "Child's district",
        "Contacts and referrals (all referrers) by the child's district",
    )
    caveats = _denominator_caveats(table)
    shown = table.visible().drop(index=TOTAL)
    shown = shown[shown["population_0_17"].notna()]
    chart = (
        charts.grouped_bars(
            list(shown.index),
            {"Published population": shown["per_10k"], "ONS population": shown["per_10k_ons"]},
            "Per 10,000 children aged 0-17",
            "Contacts and referrals per 10,000 children aged 0-17 by district",
        )
        if not shown.empty
        else ""
    )
    return html + (bullet_list(caveats) if caveats else "") + chart


def _denominator_caveats(table: SuppressedTable) -> list[str]:
    caveats = []
    for district, row in table.frame.drop(index=TOTAL).iterrows():
        published, ons = row["population_0_17"], row["ons_population_0_17"]
        if pd.isna(published) or pd.isna(ons) or ons <= 0:
            continue
        gap = (published - ons) / ons
        if abs(gap) > DENOMINATOR_TOLERANCE:
            direction = "below" if gap < 0 else "above"
            caveats.append(
                f"Denominator caveat: {district}'s published 0-17 population ({count(published)}) "
                f"is {abs(gap):.0%} {direction} the ONS estimate ({count(ons)}); per 10,000 "
                f"children aged 0-17 it is {table.shown(district, 'per_10k', per_10k)} on the "
                f"published figure but {table.shown(district, 'per_10k_ons', per_10k)} on the "
                "ONS figure."
            )
    return caveats


def phone_sources(connection: duckdb.DuckDBPyConnection, year: str) -> str:
    frame = _by_agency_type(connection, "rpt_phone_sources", "phone_contacts", year)
    if frame.empty:
        return _no_rows("rpt_phone_sources")
    return _count_and_share(frame, "phone_contacts", "Source", PHONE_SOURCES_TITLE)


def _count_and_share(frame: pd.DataFrame, column: str, row_label: str, title: str) -> str:
    """A table of one count by the frame's index with each row's share of the total, and a bar
    chart of the shares."""
    share = f"{column}_share"
    table = publish(frame, [column], shares=[column])
    html = render_published(table, columns(column, share), row_label, title)
    shown = table.visible().drop(index=TOTAL)
    axis = f"% of {COLUMNS[column].heading.lower()}"
    return html + charts.share_bars(list(shown.index), shown[share], axis, title)
