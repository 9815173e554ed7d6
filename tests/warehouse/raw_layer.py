"""Hand-built raw and matching tables, shaped exactly as docs/raw-layer.md describes.

The matching tables are keyed as the matching asset keys them: by the keyed hash of the
referrer name (with this module's test key), never the name. Each raw file version is
recorded in audit.loaded_files with its load id, in the order its first row is appended.
"""

from hashlib import sha256
from pathlib import Path

import duckdb

from dagster_project.council import load_profile
from dagster_project.council_tables import write_council_tables
from dagster_project.ingest.audit import record_file
from dagster_project.ingest.load_ids import next_load_id
from dagster_project.ingest.raw_tables import ensure_tables
from dagster_project.ingest.resend import INCREMENT, RESENT_KINDS
from dagster_project.matching.referrer_keys import referrer_key, write_contact_referrers

#: The pseudonymisation key these tables are hashed with.
TEST_KEY = b"warehouse-test-key-" + b"k" * 32

PROVENANCE = """
    extra_columns JSON,
    source_file VARCHAR,
    source_row INTEGER,
    source_sha256 VARCHAR,
    loaded_at TIMESTAMP,
    load_id BIGINT
"""

TABLES = {
    "raw.contacts": f"""
        contact_id VARCHAR NOT NULL,
        child_key VARCHAR NOT NULL,
        contact_at TIMESTAMP NOT NULL,
        contact_method VARCHAR NOT NULL,
        referrer_type VARCHAR NOT NULL,
        referrer_name VARCHAR,
        referrer_address VARCHAR,
        child_ethnicity VARCHAR,
        child_language VARCHAR,
        child_disability VARCHAR,
        child_district VARCHAR,
        responsible_team VARCHAR,
        contact_outcome VARCHAR NOT NULL,
        is_referral VARCHAR,
        record_updated_at TIMESTAMP,
        call_reference VARCHAR,
        {PROVENANCE}
    """,
    "raw.calls": f"""
        call_id VARCHAR NOT NULL,
        call_start TIMESTAMP NOT NULL,
        caller_key VARCHAR,
        caller_number VARCHAR,
        ivr_option VARCHAR,
        handling_team VARCHAR,
        wait_seconds INTEGER,
        talk_seconds INTEGER,
        call_result VARCHAR,
        call_outcome VARCHAR,
        record_updated_at TIMESTAMP,
        {PROVENANCE}
    """,
    "raw.schools": f"""
        urn INTEGER NOT NULL,
        establishment_name VARCHAR NOT NULL,
        la_code VARCHAR NOT NULL,
        la_name VARCHAR,
        establishment_type VARCHAR,
        phase VARCHAR,
        status VARCHAR,
        number_of_pupils INTEGER,
        percentage_fsm DOUBLE,
        district VARCHAR,
        telephone_num VARCHAR,
        postcode VARCHAR,
        open_date DATE,
        close_date DATE,
        {PROVENANCE}
    """,
    "raw.school_links": f"""
        urn INTEGER NOT NULL,
        link_urn INTEGER NOT NULL,
        link_name VARCHAR,
        link_type VARCHAR,
        link_established_date DATE,
        {PROVENANCE}
    """,
    "matching.agency_matches": """
        referrer_key VARCHAR,
        agency_type VARCHAR,
        agency_id VARCHAR,
        school_urn INTEGER,
        match_method VARCHAR,
        match_score DOUBLE,
        runner_up_score DOUBLE,
        matched_name VARCHAR,
        in_review BOOLEAN,
        register_fingerprint VARCHAR,
        matched_at TIMESTAMP
    """,
}


def write_tables(database: Path, rows_by_table: dict[str, list[dict]]) -> None:
    """Create every raw and matching table and the audit tables ingestion makes, insert
    the given rows (missing columns null), and write the council tables of the configured
    council profile, as its asset does.

    Raw rows carry their provenance: ``source_file`` and ``source_row`` must be given.
    """
    with duckdb.connect(str(database)) as connection:
        for schema in {name.split(".")[0] for name in TABLES}:
            connection.execute(f"create schema if not exists {schema}")
        for table, columns in TABLES.items():
            connection.execute(f"create or replace table {table} ({columns})")
        ensure_tables(connection)
        write_council_tables(connection, load_profile())
    append_rows(database, rows_by_table)


def _load_id(connection: duckdb.DuckDBPyConnection, table: str, row: dict) -> int:
    """The load id of the row's file version, recorded as loaded when it is new; a row may
    name its version's ``resend_mode`` (default increment)."""
    mode = row.pop("resend_mode", INCREMENT)
    found = connection.execute(
        "select load_id from audit.loaded_files where file_name = ? and sha256 = ?",
        [row["source_file"], row["source_sha256"]],
    ).fetchall()
    if found:
        return found[0][0]
    load_id = next_load_id(connection)
    kind = table.removeprefix("raw.")
    record_file(
        connection,
        file_name=row["source_file"],
        kind=kind,
        sha256=row["source_sha256"],
        status="loaded",
        message="loaded",
        at=row["loaded_at"],
        rows_rejected=0,
        load_id=load_id,
        resend_mode=mode if kind in RESENT_KINDS else None,
    )
    return load_id


def append_rows(database: Path, rows_by_table: dict[str, list[dict]]) -> None:
    """Insert the given rows into tables write_tables made (missing columns null); a
    match's referrer_name_key is stored as its referrer_key, and every raw contact row is
    keyed in matching.contact_referrers."""
    with duckdb.connect(str(database)) as connection:
        for table, rows in rows_by_table.items():
            for row in rows:
                if table.startswith("raw."):
                    row = {
                        "source_sha256": sha256(row["source_file"].encode()).hexdigest(),
                        "loaded_at": "2019-06-01 00:00:00",
                        **row,
                    }
                    row["load_id"] = _load_id(connection, table, row)
                if "referrer_name_key" in row:
                    name = row.pop("referrer_name_key")
                    row = {"referrer_key": referrer_key(name, TEST_KEY), **row}
                names = ", ".join(row)
                placeholders = ", ".join("?" for _ in row)
                connection.execute(
                    f"insert into {table} ({names}) values ({placeholders})", list(row.values())
                )
        write_contact_referrers(connection, TEST_KEY)
