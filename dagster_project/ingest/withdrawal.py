"""Withdrawing a landing file (``mash withdraw FILE``): its rows taken out of the warehouse.

When a blocking check fails because of one file's rows (the failing rows, kept in the
``test_failures`` schema, carry their ``source_file``), withdrawing that file lets the next
run publish without it. Its rows leave ``raw`` and ``audit.withdrawn_files`` records the
withdrawal. Its ``loaded`` row stays in ``audit.loaded_files``, so ingestion skips an
unchanged copy as it skips any file loaded before; a corrected extract (new bytes) loads as
any new file does.
"""

from dataclasses import dataclass
from datetime import datetime

import duckdb

from dagster_project.ingest.contracts import CONTRACTS
from dagster_project.warehouse import table_exists, transaction

WITHDRAWN_FILES = "audit.withdrawn_files"
_WITHDRAWN_FILES_COLUMNS = (
    "file_name VARCHAR NOT NULL, kind VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, "
    "rows_removed BIGINT NOT NULL, withdrawn_at TIMESTAMP NOT NULL"
)


class WithdrawError(RuntimeError):
    pass


@dataclass(frozen=True)
class Withdrawal:
    file_name: str
    kind: str
    rows_removed: int


def withdraw_file(conn: duckdb.DuckDBPyConnection, file_name: str) -> Withdrawal:
    """Delete ``file_name``'s rows from its raw table and record the withdrawal, together."""
    if not table_exists(conn, "audit.loaded_files"):
        raise WithdrawError("The warehouse has no audit.loaded_files: nothing was ever loaded.")
    loaded = conn.execute(
        "select kind, sha256 from audit.loaded_files where file_name = ? and status = 'loaded' "
        "order by loaded_at desc limit 1",
        [file_name],
    ).fetchall()
    if not loaded:
        known = conn.execute(
            "select distinct file_name from audit.loaded_files where status = 'loaded' "
            "order by file_name"
        ).fetchall()
        names = ", ".join(name for (name,) in known) or "none"
        raise WithdrawError(
            f"{file_name} is not a loaded landing file (give its path under the landing "
            f"folder, as audit.loaded_files names it). Loaded files: {names}."
        )
    [(kind, sha256)] = loaded
    table = CONTRACTS[kind].table
    with transaction(conn):
        conn.execute(f"create table if not exists {WITHDRAWN_FILES} ({_WITHDRAWN_FILES_COLUMNS})")
        [(already,)] = conn.execute(
            f"select count(*) from {WITHDRAWN_FILES} where file_name = ? and sha256 = ?",
            [file_name, sha256],
        ).fetchall()
        if already:
            raise WithdrawError(f"{file_name} is already withdrawn.")
        [(rows,)] = conn.execute(
            f"select count(*) from {table} where source_file = ?", [file_name]
        ).fetchall()
        conn.execute(f"delete from {table} where source_file = ?", [file_name])
        conn.execute(
            f"insert into {WITHDRAWN_FILES} values (?, ?, ?, ?, ?)",
            [file_name, kind, sha256, rows, datetime.now()],
        )
    return Withdrawal(file_name, kind, rows)
