"""The demand report's table columns, each named, headed and formatted once."""

from dagster_project.reports.tables import Column, count, number, percent


def per_10k(value) -> str:
    return number(value, 1)


COLUMNS = {
    column.name: column
    for column in [
        Column("total", "Contacts and referrals", count),
        Column("contacts", "Contacts", count),
        Column("referrals", "Referrals", count),
        Column("pct_referrals", "% referrals", percent),
        Column("pct_contacts", "% contacts", percent),
        Column("total_share", "Share of in-scope total", percent),
        Column("contacts_and_referrals", "Contacts and referrals", count),
        Column("contacts_and_referrals_share", "Share", percent),
        Column("phone_contacts", "Telephone contacts", count),
        Column("phone_contacts_share", "Share", percent),
        Column("population_0_17", "0-17 population (as published)", count),
        Column("per_10k", "Per 10,000 aged 0-17 (published population)", per_10k),
        Column("ons_population_0_17", "0-17 population (ONS)", count),
        Column("per_10k_ons", "Per 10,000 aged 0-17 (ONS population)", per_10k),
        Column("school_contacts_and_referrals", "From schools matched to the register", count),
        Column("school_phone_contacts", "Matched schools' telephone contacts", count),
    ]
}


def columns(*names: str) -> list[Column]:
    return [COLUMNS[name] for name in names]
