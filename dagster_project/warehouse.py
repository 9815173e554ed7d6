"""What every step needs of the DuckDB warehouse: quoting, table existence, a transaction,
replacing a table whole, read-only connections, and the storage version a new file gets.

Each of these is written here once; the steps (ingestion, matching, trial, reports,
publishing, quality, analyst access) call them rather than writing their own.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    import pandas as pd


class MissingWarehouse(RuntimeError):
    """The warehouse file, or a table a step cannot do without, is not there."""


def quoted(identifier: str) -> str:
    """A SQL identifier, double-quoted with embedded quotes doubled."""
    return '"' + identifier.replace('"', '""') + '"'


def sql_string(text: str) -> str:
    """A SQL string literal, single-quoted with embedded quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def qualified(table: str) -> str:
    """``schema.table`` (or a bare name) with each part quoted."""
    return ".".join(quoted(part) for part in table.split("."))


def table_exists(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether ``schema.table`` exists (a table or a view)."""
    schema, name = table.split(".")
    [(found,)] = conn.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    return bool(found)


def require_tables(conn: duckdb.DuckDBPyConnection, tables: list[str], hint: str) -> None:
    """Raise ``MissingWarehouse`` naming every ``schema.table`` of ``tables`` not there."""
    missing = [table for table in tables if not table_exists(conn, table)]
    if missing:
        raise MissingWarehouse(f"the warehouse has no {', '.join(missing)}: {hint}")


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing: a failure inside rolls every statement back and is raised again."""
    conn.begin()
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def replace_table_from_frame(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    columns: Mapping[str, str],
    frame: "pd.DataFrame",
) -> int:
    """Replace ``schema.table`` with ``frame``'s ``columns`` (name -> SQL type), typed as
    declared, so an empty frame still makes the table. Call inside ``transaction`` to make
    several replacements one. Returns the row count."""
    schema = table.split(".")[0]
    rows = frame.reindex(columns=list(columns))
    rows = rows.astype(object).where(rows.notna(), None)
    definition = ", ".join(f"{quoted(name)} {kind}" for name, kind in columns.items())
    conn.execute(f"create schema if not exists {quoted(schema)}")
    conn.execute(f"create or replace table {qualified(table)} ({definition})")
    if not rows.empty:
        conn.register("_frame_to_write", rows)
        try:
            conn.execute(f"insert into {qualified(table)} select * from _frame_to_write")
        finally:
            conn.unregister("_frame_to_write")
    return len(rows)


def replace_table_from_query(conn: duckdb.DuckDBPyConnection, table: str, query: str) -> int:
    """Replace ``schema.table`` with the result of ``query``; returns the row count."""
    schema = table.split(".")[0]
    conn.execute(f"create schema if not exists {quoted(schema)}")
    conn.execute(f"create or replace table {qualified(table)} as {query}")
    [(count,)] = conn.execute(f"select count(*) from {qualified(table)}").fetchall()
    return count


def connect_read_only(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to an existing database file; never creates one."""
    if not Path(path).is_file():
        raise MissingWarehouse(f"no warehouse at {path}: run the pipeline first (make run)")
    return duckdb.connect(str(path), read_only=True)


#: The storage format of the working warehouse. The installed DuckDB (2.x) would write its
#: own v2.0.0 format, which no 1.x client opens; DuckDB 1.5 reads storage versions up to
#: v1.5.0, so the CLIs and drivers on analysts' and engineers' machines open this file.
#: A file keeps the version it was created with; the setting matters when one is created.
WAREHOUSE_STORAGE_VERSION = "v1.5.0"

#: A step's writes stay in the write-ahead log until it reaches this size (DuckDB's default,
#: 16 MiB, checkpointed the raw tables every few files at ten times the county's volume,
#: 12% of ingestion); a connection checkpoints as it closes in any case.
CHECKPOINT_THRESHOLD = "1GB"

#: DuckDB's own memory (hash tables, sorts, its buffer of the file) per connection; past it
#: DuckDB spills to a temporary folder beside the file. Its default, 80% of the machine's
#: memory, let one step of the x100 county take 8.4 GB; this keeps a whole process within
#: 8 GB with the Python around it.
MEMORY_LIMIT = "4GB"

#: DuckDB configuration for every connection that may create the warehouse: pass it as
#: ``duckdb.connect(path, config=WAREHOUSE_CONFIG)``, as the DuckDB resource's
#: ``connection_config`` and as the dbt profile's ``config_options`` (dbt/profiles.yml).
WAREHOUSE_CONFIG = {
    "storage_compatibility_version": WAREHOUSE_STORAGE_VERSION,
    "checkpoint_threshold": CHECKPOINT_THRESHOLD,
    "memory_limit": MEMORY_LIMIT,
}


def create_warehouse(path: str | Path) -> Path:
    """Create an empty warehouse at ``path`` in ``WAREHOUSE_STORAGE_VERSION`` unless a file
    is there already (an existing file is left as it is); returns the path."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        duckdb.connect(str(path), config=WAREHOUSE_CONFIG).close()
    return path


def storage_version(conn: duckdb.DuckDBPyConnection, database: str | None = None) -> str:
    """The storage version of ``database`` (default: the connection's current one) as DuckDB
    reports it, e.g. 'v1.5.0+'."""
    [(tags,)] = conn.execute(
        "select tags from duckdb_databases() where database_name = coalesce(?, current_database())",
        [database],
    ).fetchall()
    return tags["storage_version"]
