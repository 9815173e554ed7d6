"""Reading the matcher's inputs from the warehouse and writing its two tables."""

from dataclasses import dataclass

import duckdb
import pandas as pd

from dagster_project.matching.resolution import MATCH_COLUMNS, REVIEW_COLUMNS
from dagster_project.warehouse import replace_table_from_frame, table_exists, transaction

MATCHES_TABLE = "matching.agency_matches"
REVIEW_TABLE = "audit.agency_match_review"

_INPUT_QUERIES = {
    "names": """
        select referrer_name_key, agency_type, occurrences, first_seen_at, last_seen_at
        from intermediate.int_referrer_names
        where referrer_name_key is not null and agency_type is not null
    """,
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
    for name, query in _INPUT_QUERIES.items():
        try:
            frames[name] = connection.sql(query).df()
        except duckdb.CatalogException as error:
            raise RuntimeError(
                f"Matching cannot read its {name} input: {error}. Build the dbt models and "
                "seeds it depends on first (int_referrer_names, stg_gias__schools, "
                "int_schools__successors, stg_reference__agencies, agency_match_overrides)."
            ) from error
    return MatcherInputs(**frames, previous=_previous_matches(connection))


def write_outputs(
    connection: duckdb.DuckDBPyConnection, matches: pd.DataFrame, review: pd.DataFrame
) -> None:
    """Replace both tables in one transaction: readers see both old or both new."""
    with transaction(connection):
        replace_table_from_frame(connection, MATCHES_TABLE, MATCH_COLUMNS, matches)
        replace_table_from_frame(connection, REVIEW_TABLE, REVIEW_COLUMNS, review)


def _previous_matches(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    if not table_exists(connection, MATCHES_TABLE):
        return None
    return connection.sql(f"select * from {MATCHES_TABLE}").df()
