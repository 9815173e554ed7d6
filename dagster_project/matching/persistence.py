"""Reading the matcher's inputs from the warehouse and writing its two tables."""

from dataclasses import dataclass

import duckdb
import pandas as pd

from dagster_project.matching.referrer_keys import (
    read_referrer_names,
    stored_columns,
    with_names,
    without_names,
    write_contact_referrers,
)
from dagster_project.matching.resolution import MATCH_COLUMNS, REVIEW_COLUMNS
from dagster_project.warehouse import replace_table_from_frame, table_exists, transaction

MATCHES_TABLE = "matching.agency_matches"
REVIEW_TABLE = "audit.agency_match_review"

_INPUT_QUERIES = {
    "schools": "select urn, school_name, town from staging.stg_gias__schools",
    "successors": "select urn, current_urn from intermediate.int_schools__successors",
    "agencies": """
        select agency_id, agency_name, agency_type, aliases from staging.stg_reference__agencies
    """,
    "overrides": """
        select referrer_name_key, agency_type, agency_id, school_urn
        from reference.agency_match_overrides
        order by rowid
    """,
}


@dataclass(frozen=True)
class MatcherInputs:
    names: pd.DataFrame
    schools: pd.DataFrame
    successors: pd.DataFrame
    agencies: pd.DataFrame
    overrides: pd.DataFrame
    previous: pd.DataFrame | None


def read_inputs(connection: duckdb.DuckDBPyConnection) -> MatcherInputs:
    """The tables the matcher reads, and the matches the last run stored (None if none)."""
    frames = {}
    try:
        frames["names"] = read_referrer_names(connection).names
    except duckdb.CatalogException as error:
        raise RuntimeError(
            f"Matching cannot read the referrer names: {error}. Load raw.contacts and build "
            "stg_mash__contacts first."
        ) from error
    for name, query in _INPUT_QUERIES.items():
        try:
            frames[name] = connection.sql(query).df()
        except duckdb.CatalogException as error:
            raise RuntimeError(
                f"Matching cannot read its {name} input: {error}. Build the dbt models and "
                "seeds it depends on first (stg_gias__schools, "
                "int_schools__successors, stg_reference__agencies, agency_match_overrides)."
            ) from error
    previous = with_names(_previous_matches(connection), frames["names"])
    return MatcherInputs(**frames, previous=previous)


def write_outputs(
    connection: duckdb.DuckDBPyConnection,
    matches: pd.DataFrame,
    review: pd.DataFrame,
    names: pd.DataFrame,
) -> None:
    """Replace the matches (keyed by referrer_key, no referrer text), the contacts' referrer
    keys and the review queue in one transaction: readers see all old or all new."""
    with transaction(connection):
        replace_table_from_frame(
            connection, MATCHES_TABLE, stored_columns(MATCH_COLUMNS), without_names(matches, names)
        )
        replace_table_from_frame(connection, REVIEW_TABLE, REVIEW_COLUMNS, review)
        write_contact_referrers(connection)


def _previous_matches(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    if not table_exists(connection, MATCHES_TABLE):
        return None
    return connection.sql(f"select * from {MATCHES_TABLE}").df()
