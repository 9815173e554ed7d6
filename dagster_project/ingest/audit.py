"""The audit trail of landing files: loaded_files, rejected_rows, quarantined_files and
withdrawn_files.

A file refused whole leaves the landing folder for ``quarantine/<kind>/`` with a reason file
beside it (``quarantine_records``). A warehouse rebuilt from the landing files (after a
damaged one was moved aside) would forget every refused file, none being in the landing
folder any more: each ingestion first puts back, from the reason files, the audit rows of
any refusal the warehouse does not record (``restore_quarantine_audit``).
"""

import hashlib
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project import settings
from dagster_project.ingest.quarantine_records import (
    REASON_SUFFIX,
    Refusal,
    read_reason_file,
    write_reason_file,
)
from dagster_project.warehouse import transaction

WITHDRAWN_FILES = "audit.withdrawn_files"


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, as audit.loaded_files records it, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class EarlierLoad:
    file_name: str
    kind: str
    status: str


def earlier_loads(
    conn: duckdb.DuckDBPyConnection, sha256: str, kinds: Sequence[str]
) -> list[EarlierLoad]:
    """Earlier audit rows of files of these kinds with the same bytes, oldest first; a
    withdrawn version's row is left out, so its bytes load again when dropped again."""
    rows = conn.execute(
        "SELECT file_name, kind, status FROM audit.loaded_files "
        "WHERE sha256 = $sha AND list_contains($kinds, kind) AND withdrawn_at IS NULL "
        "ORDER BY loaded_at",
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
    extra_headers: list[str] | None = None,
    load_id: int | None = None,
    resend_mode: str | None = None,
) -> None:
    """One row of audit.loaded_files; a loaded version has its load id (and, for contacts
    and calls, the resend mode it was loaded under)."""
    conn.execute(
        "INSERT INTO audit.loaded_files (file_name, kind, sha256, rows_read, rows_loaded, "
        "rows_rejected, status, message, loaded_at, extra_headers, load_id, resend_mode) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            file_name,
            kind,
            sha256,
            rows_read,
            rows_loaded,
            rows_rejected,
            status,
            message,
            at,
            extra_headers,
            load_id,
            resend_mode,
        ],
    )


def record_rejections(
    conn: duckdb.DuckDBPyConnection, *, file_name: str, kind: str, at: datetime, load_id: int
) -> None:
    """Every row of ``ingest_rejections`` (reasons and notes) into audit.rejected_rows."""
    conn.execute(
        "INSERT INTO audit.rejected_rows (file_name, kind, row_number, column_name, value, "
        "reason, rejected_at, load_id) SELECT $file, $kind, source_row, column_name, value, "
        "reason, $at, $load FROM ingest_rejections ORDER BY source_row, column_name",
        {"file": file_name, "kind": kind, "at": at, "load": load_id},
    )


def standing_versions(conn: duckdb.DuckDBPyConnection) -> str:
    """The SQL condition on audit.loaded_files of the versions loaded and not withdrawn (in a
    warehouse not yet migrated to load ids, its loaded rows)."""
    [(migrated,)] = conn.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'audit' "
        "AND table_name = 'loaded_files' AND column_name = 'withdrawn_at'"
    ).fetchall()
    return "status = 'loaded'" + (" AND withdrawn_at IS NULL" if migrated else "")


def set_aside_withdrawn(file_name: str, kind: str, sha256: str) -> Path | None:
    """Move a withdrawn version's file out of the landing folder, if it is still there with
    the same bytes, to ``withdrawn/<kind>/``; where it went (None if it was not there)."""
    source = settings.landing_dir() / file_name
    if not source.is_file() or file_sha256(source) != sha256:
        return None
    folder = settings.data_dir() / "withdrawn" / kind
    target = folder / source.name
    if target.exists():
        target = folder / f"{source.stem}.{sha256[:12]}{source.suffix}"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.move(source, target)
    return target


def quarantine_file(
    conn: duckdb.DuckDBPyConnection,
    *,
    source: Path,
    file_name: str,
    kind: str,
    sha256: str,
    reason: str,
    at: datetime,
) -> Path:
    """Move ``source`` to ``quarantine/<kind>/`` and record why, all or nothing."""
    folder = settings.quarantine_dir() / kind
    target = folder / source.name
    if target.exists():
        target = folder / f"{source.stem}.{sha256[:12]}{source.suffix}"
    refusal = Refusal(file_name, kind, sha256, reason, target, at)
    with transaction(conn):
        insert_refusal(conn, refusal)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)
        write_reason_file(refusal)
    return target


def insert_refusal(conn: duckdb.DuckDBPyConnection, refusal: Refusal) -> None:
    """The refusal's rows in audit.loaded_files and audit.quarantined_files."""
    record_file(
        conn,
        file_name=refusal.file_name,
        kind=refusal.kind,
        sha256=refusal.sha256,
        status="quarantined",
        message=refusal.reason,
        at=refusal.at,
    )
    conn.execute(
        "INSERT INTO audit.quarantined_files (file_name, kind, sha256, reason, "
        "quarantine_path, quarantined_at) VALUES (?, ?, ?, ?, ?, ?)",
        [
            refusal.file_name,
            refusal.kind,
            refusal.sha256,
            refusal.reason,
            str(refusal.quarantine_path),
            refusal.at,
        ],
    )


def restore_quarantine_audit(
    conn: duckdb.DuckDBPyConnection, quarantine: Path, log: logging.Logger
) -> int:
    """Insert the audit rows of every reason file under ``quarantine`` that
    audit.quarantined_files does not record (same file, kind and bytes); returns how many."""
    recorded = set(
        conn.execute("SELECT file_name, kind, sha256 FROM audit.quarantined_files").fetchall()
    )
    refusals = []
    for path in sorted(quarantine.glob(f"*/*{REASON_SUFFIX}")):
        try:
            refusal = read_reason_file(path)
        except (ValueError, UnicodeDecodeError) as error:
            log.warning(f"{error}; its refusal is not in audit.quarantined_files")
            continue
        if (refusal.file_name, refusal.kind, refusal.sha256) not in recorded:
            refusals.append(refusal)
    with transaction(conn):
        for refusal in refusals:
            insert_refusal(conn, refusal)
    if refusals:
        log.info(
            f"Put back the audit rows of {len(refusals)} quarantined file(s) from their reason "
            f"files in {quarantine}"
        )
    return len(refusals)
