"""When new landing files have settled: the one rule by which the landing sensor and
``mash run`` tell a file still being copied in from a finished one.

A landing file is *pending* while its bytes are not recorded as loaded. A batch of pending
files has settled once its newest was last written at least the quiet period ago
(``MASH_LANDING_QUIET_SECONDS``, default 60) and none of them changed since the previous
look. An export tool or a copy still appending keeps moving the file's modification time,
so a half-written file is never loaded.
"""

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

from dagster_project.ingest.audit import file_sha256, standing_versions
from dagster_project.night_inputs import landing_snapshot
from dagster_project.storage_faults import DamagedWarehouse, is_damage
from dagster_project.warehouse import connect_read_only, table_exists

QUIET_SECONDS_ENV = "MASH_LANDING_QUIET_SECONDS"
LANDING_QUIET_SECONDS = 60
#: {"contacts/file.csv": (size, mtime_ns)}
Snapshot = dict[str, tuple[int, int]]


class QuietSecondsInvalid(ValueError):
    """``MASH_LANDING_QUIET_SECONDS`` is not a number of seconds."""


def quiet_seconds() -> float:
    """How long the newest pending file must be left alone before a batch counts as settled."""
    setting = os.environ.get(QUIET_SECONDS_ENV) or str(LANDING_QUIET_SECONDS)
    try:
        seconds = float(setting)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0 or seconds == float("inf"):
        raise QuietSecondsInvalid(
            f"{QUIET_SECONDS_ENV} is {setting!r}: it must be a number of seconds, 0 or more "
            f"(unset, it is {LANDING_QUIET_SECONDS})."
        )
    return seconds


class WarehouseBusy(Exception):
    """Another process holds the warehouse for writing."""


def already_loaded(warehouse: Path, landing_dir: Path, names: Iterable[str]) -> set[str]:
    """The landing files among ``names`` whose bytes audit.loaded_files records as loaded;
    ``WarehouseBusy`` while another process writes the warehouse, ``DamagedWarehouse`` if
    it cannot be read."""
    names = list(names)
    if not names or not warehouse.is_file():
        return set()
    try:
        with connect_read_only(warehouse) as conn:
            if not table_exists(conn, "audit.loaded_files"):
                return set()
            loaded = {
                sha256
                for (sha256,) in conn.execute(
                    "select distinct sha256 from audit.loaded_files "
                    f"where {standing_versions(conn)}"
                ).fetchall()
            }
    except duckdb.Error as error:
        if is_damage(error, warehouse):
            raise DamagedWarehouse(warehouse, error) from error
        if isinstance(error, duckdb.IOException):
            raise WarehouseBusy(str(error)) from error
        raise
    return {name for name in names if file_sha256(landing_dir / name) in loaded}


def _newest_write(pending: Snapshot) -> float:
    return max(mtime for _, mtime in pending.values()) / 1e9


def unsettled(pending: Snapshot, previous: Snapshot | None, now: float, quiet: float) -> str | None:
    """Why the ``pending`` files (non-empty) have not settled, or None once they have;
    ``previous`` is what was pending at the previous look."""
    quiet_for = now - _newest_write(pending)
    if quiet_for < quiet:
        return f"last written {max(quiet_for, 0):.0f}s ago, need {quiet:.0f}s of quiet"
    if pending != previous:
        return "they count as settled at the next look if none of them has changed by then"
    return None


def _recent(landing_dir: Path, previous: Snapshot, now: float, quiet: float) -> Snapshot:
    """The landing files written in the quiet period or pending at the previous look: files
    left alone for the quiet period, and not pending before, have settled whether loaded or
    not, so only the others need reading to see if they were loaded."""
    return {
        name: signature
        for name, signature in landing_snapshot(landing_dir).items()
        if name in previous or now - signature[1] / 1e9 < quiet
    }


def being_written(landing_dir: Path, warehouse: Path) -> list[str]:
    """The landing files, not yet loaded, written within the quiet period (at one look)."""
    recent = _recent(landing_dir, {}, time.time(), quiet_seconds())
    try:
        loaded = already_loaded(warehouse, landing_dir, recent)
    except WarehouseBusy:
        loaded = set()
    return sorted(set(recent) - loaded)


def wait_until_settled(landing_dir: Path, warehouse: Path, echo: Callable[[str], None]) -> None:
    """Return once every landing file not yet loaded has settled, saying why it waits."""
    quiet = quiet_seconds()
    previous: Snapshot = {}
    while True:
        now = time.time()
        recent = _recent(landing_dir, previous, now, quiet)
        try:
            loaded = already_loaded(warehouse, landing_dir, recent)
        except WarehouseBusy:
            loaded = set()
        pending = {name: signature for name, signature in recent.items() if name not in loaded}
        reason = unsettled(pending, previous, now, quiet) if pending else None
        if reason is None:
            return
        echo(f"Waiting for new landing files to settle ({', '.join(sorted(pending))}): {reason}.")
        previous = pending
        time.sleep(min(quiet, max(1.0, quiet - (now - _newest_write(pending)))))
