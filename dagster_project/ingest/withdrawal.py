"""Withdrawing a loaded file version (``mash withdraw VERSION``): its rows out of the warehouse.

When a blocking check fails because of one file's rows (the failing rows, kept in the
``test_failures`` schema, carry their ``source_file`` and ``load_id``), withdrawing that
version lets the next run publish without it. A version is named by its load id, a prefix
of its sha256, or its file name when the name has one version loaded (a name loaded twice,
as a re-sent month is, is refused with its versions listed). In one transaction its rows
leave ``raw``, its row of ``audit.loaded_files`` is marked withdrawn (``withdrawn_at``),
``audit.withdrawn_files`` records the withdrawal, and the file, when it is still in the
landing folder with the same bytes, is moved to ``withdrawn/<kind>/`` in the data folder.
Its bytes then count as never loaded: dropped into the landing folder again, they load
again (a new load id); a corrected extract (new bytes) loads as any new file does.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project.ingest.audit import WITHDRAWN_FILES, set_aside_withdrawn
from dagster_project.ingest.contracts import CONTRACTS
from dagster_project.ingest.raw_tables import ensure_tables
from dagster_project.warehouse import table_exists, transaction

#: A version named by digits alone, shorter than this, is a load id; a longer run of hex
#: digits is a sha256 prefix.
SHA_PREFIX_MIN = 6
_HEX = re.compile(r"[0-9a-f]+")


class WithdrawError(RuntimeError):
    pass


@dataclass(frozen=True)
class Version:
    """One loaded version of a landing file, as audit.loaded_files records it."""

    load_id: int
    file_name: str
    kind: str
    sha256: str
    loaded_at: datetime
    rows_loaded: int
    withdrawn_at: datetime | None

    def describe(self) -> str:
        state = f", withdrawn {self.withdrawn_at:%Y-%m-%d %H:%M}" if self.withdrawn_at else ""
        return (
            f"load {self.load_id}  sha256 {self.sha256[:12]}  {self.file_name}  "
            f"loaded {self.loaded_at:%Y-%m-%d %H:%M}  {self.rows_loaded} row(s){state}"
        )


@dataclass(frozen=True)
class Withdrawal:
    version: Version
    rows_removed: int
    #: where the landing file was moved (None when it was no longer in the landing folder)
    set_aside: Path | None


_VERSIONS = (
    "SELECT load_id, file_name, kind, sha256, loaded_at, rows_loaded, withdrawn_at "
    "FROM audit.loaded_files WHERE status = 'loaded' AND load_id IS NOT NULL"
)


def _versions(conn: duckdb.DuckDBPyConnection, where: str, parameters: list) -> list[Version]:
    rows = conn.execute(f"{_VERSIONS} {where} ORDER BY load_id", parameters).fetchall()
    return [Version(*row) for row in rows]


def find_version(conn: duckdb.DuckDBPyConnection, name: str) -> Version:
    """The version ``name`` names: a load id, a sha256 prefix or a file name."""
    name = name.strip()
    if name.isdigit() and len(name) < SHA_PREFIX_MIN:
        matches = _versions(conn, "AND load_id = ?", [int(name)])
        what = f"load id {name}"
    elif len(name) >= SHA_PREFIX_MIN and _HEX.fullmatch(name.lower()):
        matches = _versions(conn, "AND starts_with(sha256, ?)", [name.lower()])
        what = f"sha256 prefix {name}"
    else:
        matches = _versions(conn, "AND file_name = ?", [name])
        current = [version for version in matches if version.withdrawn_at is None]
        matches = current or matches
        what = f"file name {name}"
    if not matches:
        listing = "\n  ".join(v.describe() for v in _versions(conn, "", [])) or "none"
        raise WithdrawError(
            f"No loaded file version has the {what}. Name a version by its load id, a "
            f"sha256 prefix of at least {SHA_PREFIX_MIN} characters, or its file name as "
            f"audit.loaded_files names it (its path under the landing folder). Loaded "
            f"versions:\n  {listing}"
        )
    if len(matches) > 1:
        listing = "\n  ".join(version.describe() for version in matches)
        raise WithdrawError(
            f"The {what} names {len(matches)} loaded versions; name one by its load id or "
            f"sha256 prefix:\n  {listing}"
        )
    return matches[0]


def withdraw_version(conn: duckdb.DuckDBPyConnection, name: str) -> Withdrawal:
    """Delete one version's rows from its raw table and record the withdrawal, together."""
    if not table_exists(conn, "audit.loaded_files"):
        raise WithdrawError("The warehouse has no audit.loaded_files: nothing was ever loaded.")
    ensure_tables(conn)  # a warehouse made before load ids gets them first
    version = find_version(conn, name)
    if version.withdrawn_at is not None:
        raise WithdrawError(f"This version is already withdrawn: {version.describe()}.")
    table = CONTRACTS[version.kind].table
    at = datetime.now()
    with transaction(conn):
        [(rows,)] = conn.execute(
            f"SELECT count(*) FROM {table} WHERE load_id = ?", [version.load_id]
        ).fetchall()
        conn.execute(f"DELETE FROM {table} WHERE load_id = ?", [version.load_id])
        conn.execute(
            "UPDATE audit.loaded_files SET withdrawn_at = ? WHERE load_id = ?",
            [at, version.load_id],
        )
        conn.execute(
            f"INSERT INTO {WITHDRAWN_FILES} (file_name, kind, sha256, rows_removed, "
            "withdrawn_at, load_id) VALUES (?, ?, ?, ?, ?, ?)",
            [version.file_name, version.kind, version.sha256, rows, at, version.load_id],
        )
        # Last: a failure to move the file undoes the withdrawal.
        moved = set_aside_withdrawn(version.file_name, version.kind, version.sha256)
    return Withdrawal(version, rows, moved)
