"""Moving a refused file out of the landing folder, with its reason beside it."""

import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project import settings
from dagster_project.ingest.audit import record_file, record_quarantine
from dagster_project.ingest.raw_tables import transaction


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
    with transaction(conn):
        record_file(
            conn,
            file_name=file_name,
            kind=kind,
            sha256=sha256,
            status="quarantined",
            message=reason,
            at=at,
        )
        record_quarantine(
            conn,
            file_name=file_name,
            kind=kind,
            sha256=sha256,
            reason=reason,
            quarantine_path=str(target),
            at=at,
        )
        folder.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)
        target.with_name(target.name + ".reason.txt").write_text(
            f"File: {file_name}\n"
            f"SHA-256: {sha256}\n"
            f"Refused: {at.isoformat(sep=' ', timespec='seconds')}\n"
            f"Reason: {reason}\n\n"
            "Nothing in this file was loaded. It was moved here from the landing folder;\n"
            "once the problem is fixed, drop the corrected file into the landing folder.\n",
            encoding="utf-8",
        )
    return target
