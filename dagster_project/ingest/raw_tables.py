"""The raw and audit tables ingestion writes (docs/raw-layer.md), and loading into them."""

from datetime import datetime

import duckdb

from dagster_project.ingest.audit import WITHDRAWN_FILES
from dagster_project.ingest.contracts import CONTRACTS, Contract
from dagster_project.ingest.load_ids import add_load_ids
from dagster_project.ingest.validation import output_columns

PROVENANCE_COLUMNS = (
    ("extra_columns", "JSON"),
    ("source_file", "VARCHAR NOT NULL"),
    ("source_row", "INTEGER NOT NULL"),
    ("source_sha256", "VARCHAR NOT NULL"),
    ("loaded_at", "TIMESTAMP NOT NULL"),
    # Last, where the migration of a warehouse made before load ids adds it.
    ("load_id", "BIGINT NOT NULL"),
)

_AUDIT_TABLES = {
    "audit.loaded_files": """
        file_name VARCHAR NOT NULL, kind VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        rows_read INTEGER, rows_loaded INTEGER, rows_rejected INTEGER,
        status VARCHAR NOT NULL CHECK (status IN ('loaded', 'quarantined', 'skipped')),
        message VARCHAR, loaded_at TIMESTAMP NOT NULL, extra_headers VARCHAR[],
        load_id BIGINT, resend_mode VARCHAR, withdrawn_at TIMESTAMP
    """,
    "audit.rejected_rows": """
        file_name VARCHAR NOT NULL, kind VARCHAR NOT NULL, row_number INTEGER NOT NULL,
        column_name VARCHAR NOT NULL, value VARCHAR, reason VARCHAR NOT NULL,
        rejected_at TIMESTAMP NOT NULL, load_id BIGINT
    """,
    "audit.quarantined_files": """
        file_name VARCHAR NOT NULL, kind VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        reason VARCHAR NOT NULL, quarantine_path VARCHAR NOT NULL,
        quarantined_at TIMESTAMP NOT NULL
    """,
    WITHDRAWN_FILES: """
        file_name VARCHAR NOT NULL, kind VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        rows_removed BIGINT NOT NULL, withdrawn_at TIMESTAMP NOT NULL, load_id BIGINT
    """,
}


def _raw_table_ddl(contract: Contract) -> str:
    columns = [
        f"{output.name} {output.sql_type}{' NOT NULL' if output.not_null else ''}"
        for column in contract.columns
        for output in output_columns(column)
    ]
    columns += [f"{name} {sql_type}" for name, sql_type in PROVENANCE_COLUMNS]
    return f"CREATE TABLE IF NOT EXISTS {contract.table} ({', '.join(columns)})"


def ensure_tables(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("CREATE SCHEMA IF NOT EXISTS raw")
    conn.execute("CREATE SCHEMA IF NOT EXISTS audit")
    for contract in CONTRACTS.values():
        conn.execute(_raw_table_ddl(contract))
    for table, columns in _AUDIT_TABLES.items():
        conn.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
    # Warehouses made before extra columns were recorded by name only.
    conn.execute("ALTER TABLE audit.loaded_files ADD COLUMN IF NOT EXISTS extra_headers VARCHAR[]")
    add_load_ids(conn, [contract.table for contract in CONTRACTS.values()])


def insert_checked_rows(
    conn: duckdb.DuckDBPyConnection,
    contract: Contract,
    *,
    file_name: str,
    sha256: str,
    at: datetime,
    load_id: int,
) -> None:
    """The accepted rows of ``ingest_checked`` into the raw table, with their provenance."""
    outputs = [output for column in contract.columns for output in output_columns(column)]
    conn.execute(
        f"INSERT INTO {contract.table} "
        f"({', '.join([o.name for o in outputs] + [n for n, _ in PROVENANCE_COLUMNS])}) "
        f"SELECT {', '.join(o.typed for o in outputs)}, extra_columns, $file, source_row, "
        "$sha, $at, $load FROM ingest_checked WHERE NOT is_rejected ORDER BY source_row",
        {"file": file_name, "sha": sha256, "at": at, "load": load_id},
    )
