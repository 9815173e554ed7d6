"""Writing and reading the audit trail of landing files (audit.loaded_files and friends)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb


@dataclass(frozen=True)
class EarlierLoad:
    file_name: str
    kind: str
    status: str


def earlier_loads(
    conn: duckdb.DuckDBPyConnection, sha256: str, kinds: Sequence[str]
) -> list[EarlierLoad]:
    """Earlier audit rows of files of these kinds with the same bytes, oldest first."""
    rows = conn.execute(
        "SELECT file_name, kind, status FROM audit.loaded_files "
        "WHERE sha256 = $sha AND list_contains($kinds, kind) ORDER BY loaded_at",
        {"sha": sha256, "kinds": list(kinds)},
    ).fetchall()
    return [EarlierLoad(*row) for row in rows]


def record_file(
    conn: duckdb.DuckDBPyConnection,
    *,
    file_name: str,
    kind: str,
    sha256: str,
    status: str,
    message: str,
    at: datetime,
    rows_read: int | None = None,
    rows_loaded: int | None = None,
    rows_rejected: int | None = None,
) -> None:
    conn.execute(
        "INSERT INTO audit.loaded_files (file_name, kind, sha256, rows_read, rows_loaded, "
        "rows_rejected, status, message, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [file_name, kind, sha256, rows_read, rows_loaded, rows_rejected, status, message, at],
    )


def record_quarantine(
    conn: duckdb.DuckDBPyConnection,
    *,
    file_name: str,
    kind: str,
    sha256: str,
    reason: str,
    quarantine_path: str,
    at: datetime,
) -> None:
    conn.execute(
        "INSERT INTO audit.quarantined_files (file_name, kind, sha256, reason, quarantine_path, "
        "quarantined_at) VALUES (?, ?, ?, ?, ?, ?)",
        [file_name, kind, sha256, reason, quarantine_path, at],
    )
