"""The council profile's tables in the warehouse's ``council`` schema (docs/raw-layer.md),
which dbt reads as the source ``council``: replaced whole, together, on every
materialisation, so the warehouse always holds the profile the night ran with."""

import duckdb
import pandas as pd

from dagster_project.council import (
    AGENCY_COLUMNS,
    REQUIRED_AGENCY_COLUMNS,
    CouncilProfile,
    read_agency_register,
)
from dagster_project.warehouse import replace_table_from_frame, transaction

#: Table -> column -> DuckDB type. Every table is written, empty or not.
TABLES: dict[str, dict[str, str]] = {
    "council.local_authorities": {
        "la_code": "VARCHAR NOT NULL",
        "la_name": "VARCHAR NOT NULL",
        "is_home": "BOOLEAN NOT NULL",
    },
    "council.districts": {
        "district": "VARCHAR NOT NULL",
        "ons_code": "VARCHAR NOT NULL",
        "population_0_17": "INTEGER NOT NULL",
        "ons_population_0_17": "INTEGER",
        "population_source": "VARCHAR",
    },
    "council.agencies": {
        name: "VARCHAR NOT NULL" if name in REQUIRED_AGENCY_COLUMNS else "VARCHAR"
        for name in AGENCY_COLUMNS
    },
    "council.referrer_type_aliases": {
        "referrer_type": "VARCHAR NOT NULL",
        "cin_code": "VARCHAR NOT NULL",
    },
}


def profile_frames(profile: CouncilProfile) -> dict[str, pd.DataFrame]:
    """Each table's rows, from the profile and its agency register."""
    home = profile.home
    return {
        "council.local_authorities": pd.DataFrame([
            {"la_code": la.la_code, "la_name": la.la_name, "is_home": la == home}
            for la in profile.local_authorities
        ]),
        "council.districts": pd.DataFrame([
            {
                "district": district.name,
                "ons_code": district.ons_code,
                "population_0_17": district.population_0_17,
                "ons_population_0_17": district.ons_population_0_17,
                "population_source": district.population_source,
            }
            for district in profile.districts
        ]),
        "council.agencies": pd.DataFrame(read_agency_register(profile.agency_register)),
        "council.referrer_type_aliases": pd.DataFrame(
            profile.referrer_types, columns=["referrer_type", "cin_code"]
        ),
    }  # fmt: skip


def write_council_tables(
    conn: duckdb.DuckDBPyConnection, profile: CouncilProfile
) -> dict[str, int]:
    """Replace the ``council`` tables with the profile's, in one transaction; returns the
    row count of each."""
    frames = profile_frames(profile)
    with transaction(conn):
        return {
            table: replace_table_from_frame(conn, table, columns, frames[table])
            for table, columns in TABLES.items()
        }
