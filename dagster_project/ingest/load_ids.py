"""Load ids: each loaded file version numbered in load order, carried on its raw rows.

Two versions of one file name (a re-sent month, a file loaded while still being written)
share a name and row numbers; only the order they were loaded in tells them apart. Each
``loaded`` row of audit.loaded_files gets the next ``load_id``; its raw rows and rejected
rows carry it.

A warehouse made before load ids is migrated in place by the first ingestion (or
``mash withdraw``) that opens it: the columns are added, its loaded versions numbered in
``loaded_at`` order, and their raw and rejected rows given their version's id. Files it
withdrew are marked withdrawn, and a withdrawn file still in the landing folder with the
same bytes is set aside (``mash withdraw`` now does that itself), so it is not loaded again.
"""

from collections.abc import Sequence

import duckdb

from dagster_project.ingest.audit import WITHDRAWN_FILES, set_aside_withdrawn
from dagster_project.warehouse import transaction


def next_load_id(conn: duckdb.DuckDBPyConnection) -> int:
    [(load_id,)] = conn.execute(
        "SELECT coalesce(max(load_id), 0) + 1 FROM audit.loaded_files"
    ).fetchall()
    return load_id


def _has_column(conn: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    schema, name = table.split(".")
    [(found,)] = conn.execute(
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? AND column_name = ?",
        [schema, name, column],
    ).fetchall()
    return bool(found)


def add_load_ids(conn: duckdb.DuckDBPyConnection, raw_tables: Sequence[str]) -> None:
    """Migrate a warehouse made before load ids (nothing to do in one made after)."""
    if _has_column(conn, "audit.loaded_files", "load_id"):
        return
    with transaction(conn):
        for column in ("load_id BIGINT", "resend_mode VARCHAR", "withdrawn_at TIMESTAMP"):
            conn.execute(f"ALTER TABLE audit.loaded_files ADD COLUMN {column}")
        conn.execute(
            "UPDATE audit.loaded_files AS files SET load_id = numbered.load_id FROM ("
            "  SELECT rowid AS row_id,"
            "    row_number() OVER (ORDER BY loaded_at, file_name, sha256) AS load_id"
            "  FROM audit.loaded_files WHERE status = 'loaded'"
            ") AS numbered WHERE files.rowid = numbered.row_id"
        )
        versions = (
            "SELECT file_name, sha256, loaded_at, max(load_id) AS load_id "
            "FROM audit.loaded_files WHERE status = 'loaded' GROUP BY ALL"
        )
        for table in raw_tables:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS load_id BIGINT")
            conn.execute(
                f"UPDATE {table} AS raw_rows SET load_id = versions.load_id FROM ({versions}) "
                "AS versions WHERE raw_rows.source_file = versions.file_name "
                "AND raw_rows.source_sha256 = versions.sha256"
            )
        conn.execute("ALTER TABLE audit.rejected_rows ADD COLUMN IF NOT EXISTS load_id BIGINT")
        conn.execute(
            f"UPDATE audit.rejected_rows AS rejected SET load_id = versions.load_id "
            f"FROM ({versions}) AS versions WHERE rejected.file_name = versions.file_name "
            "AND rejected.rejected_at = versions.loaded_at"
        )
        _mark_earlier_withdrawals(conn)


def _mark_earlier_withdrawals(conn: duckdb.DuckDBPyConnection) -> None:
    """Withdrawals made when a withdrawn file's bytes stayed 'loaded' (and so skipped)."""
    conn.execute(f"ALTER TABLE {WITHDRAWN_FILES} ADD COLUMN IF NOT EXISTS load_id BIGINT")
    conn.execute(
        f"UPDATE audit.loaded_files AS files SET withdrawn_at = withdrawn.withdrawn_at "
        f"FROM {WITHDRAWN_FILES} AS withdrawn WHERE files.status = 'loaded' "
        "AND files.file_name = withdrawn.file_name AND files.sha256 = withdrawn.sha256"
    )
    conn.execute(
        f"UPDATE {WITHDRAWN_FILES} AS withdrawn SET load_id = files.load_id "
        "FROM audit.loaded_files AS files WHERE files.withdrawn_at IS NOT NULL "
        "AND files.file_name = withdrawn.file_name AND files.sha256 = withdrawn.sha256"
    )
    for file_name, kind, sha256 in conn.execute(
        f"SELECT file_name, kind, sha256 FROM {WITHDRAWN_FILES} ORDER BY withdrawn_at"
    ).fetchall():
        set_aside_withdrawn(file_name, kind, sha256)
