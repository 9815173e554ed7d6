"""Referrer names as the tables past ``raw`` carry them: a keyed hash, never the text.

Referrer free text can name a person, so it stays in ``raw.contacts`` (and the review queue
people work from). The matcher reads the names from raw, matches their text in memory, and
stores every result under ``referrer_key``: the keyed HMAC (the pseudonymisation key) of the
normalised name, which dbt joins on and which cannot be turned back into the name.
"""

from dataclasses import dataclass

import duckdb
import pandas as pd

from dagster_project.pseudonymise import pseudonymise
from dagster_project.warehouse import replace_table_from_query

CONTACT_REFERRERS_TABLE = "matching.contact_referrers"
#: Hashed with the name, so a referrer's key can never equal a child's or a caller's pseudonym.
_LABEL = "referrer-name:"

#: Every contact row of raw with a name, the name normalised as the matcher keys it: lower
#: case, trimmed, runs of white space made one space.
_RAW_NAMES = """
    select
        source_file,
        source_sha256,
        source_row,
        nullif(lower(trim(regexp_replace(referrer_name, '\\s+', ' ', 'g'))), '')
            as referrer_name_key
    from raw.contacts
"""

#: The distinct names of agency (in-scope) contacts, latest versions, per agency type.
_NAMES_BY_TYPE = f"""
    with names as ({_RAW_NAMES})
    select
        names.referrer_name_key,
        contacts.agency_type,
        count(*) as occurrences,
        min(contacts.contact_at) as first_seen_at,
        max(contacts.contact_at) as last_seen_at
    from staging.stg_mash__contacts as contacts
    inner join names using (source_file, source_sha256, source_row)
    where contacts.in_scope
        and contacts.agency_type is not null
        and names.referrer_name_key is not null
    group by all
    order by all
"""


def referrer_key(name_key: str, key: bytes | None = None) -> str:
    """The keyed hash of a normalised referrer name."""
    return pseudonymise(_LABEL + name_key, key)


@dataclass(frozen=True)
class ReferrerNames:
    #: referrer_name_key (text: memory only), referrer_key, agency_type, occurrences,
    #: first_seen_at, last_seen_at
    names: pd.DataFrame


def read_referrer_names(
    connection: duckdb.DuckDBPyConnection, key: bytes | None = None
) -> ReferrerNames:
    names = connection.sql(_NAMES_BY_TYPE).df()
    keys = {text: referrer_key(text, key) for text in names["referrer_name_key"].unique()}
    names.insert(1, "referrer_key", names["referrer_name_key"].map(keys))
    return ReferrerNames(names)


def write_contact_referrers(connection: duckdb.DuckDBPyConnection, key: bytes | None = None) -> int:
    """matching.contact_referrers: each raw contact row's referrer_key (by source_file,
    source_sha256 and source_row: a file name loaded again with new bytes is another load),
    for dbt to join contacts to their matches. Runs inside the caller's
    transaction, if any."""
    distinct = connection.sql(
        f"select distinct referrer_name_key from ({_RAW_NAMES}) where referrer_name_key is not null"
    ).fetchall()
    keys = pd.DataFrame(
        [(text, referrer_key(text, key)) for (text,) in distinct],
        columns=["referrer_name_key", "referrer_key"],
    ).astype("string")
    connection.register("referrer_keys_frame", keys)
    try:
        return replace_table_from_query(
            connection,
            CONTACT_REFERRERS_TABLE,
            f"""
            select names.source_file, names.source_sha256, names.source_row, keys.referrer_key
            from ({_RAW_NAMES}) as names
            inner join referrer_keys_frame as keys using (referrer_name_key)
            """,
        )
    finally:
        connection.unregister("referrer_keys_frame")


def with_names(stored: pd.DataFrame | None, names: pd.DataFrame) -> pd.DataFrame | None:
    """Stored matches (keyed by referrer_key) given back the text of this run's names, as the
    matcher works on it; a stored name no longer among them is dropped."""
    if stored is None or "referrer_key" not in stored:
        return None
    lookup = names[["referrer_key", "referrer_name_key"]].drop_duplicates()
    return stored.merge(lookup, on="referrer_key").drop(columns="referrer_key")


def stored_columns(columns: dict[str, str]) -> dict[str, str]:
    """A table's columns with referrer_name_key (text) replaced by referrer_key."""
    return {
        ("referrer_key" if name == "referrer_name_key" else name): kind
        for name, kind in columns.items()
    }


def without_names(frame: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """A frame keyed by referrer_name_key (text) keyed by referrer_key instead."""
    lookup = names[["referrer_name_key", "referrer_key"]].drop_duplicates()
    keyed = frame.merge(lookup, on="referrer_name_key", how="left")
    columns = ["referrer_key" if c == "referrer_name_key" else c for c in frame.columns]
    return keyed[columns]
