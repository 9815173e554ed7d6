"""The landing sensor: one refresh run per batch of files dropped into the landing folder.

The cursor remembers every landing file already handed to a run by (name, size, mtime).
New or changed files are held as *pending* until the batch has settled: no pending file
changed since the previous evaluation and the newest was last written at least
``LANDING_QUIET_SECONDS`` ago. A batch copied in over a few minutes therefore makes one run,
and a half-copied file is never loaded.
"""

import hashlib
import json
import time
from pathlib import Path

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from dagster_project import settings
from dagster_project.defs.jobs import refresh_warehouse_job

LANDING_SENSOR_NAME = "landing_files"
LANDING_QUIET_SECONDS = 60
LANDING_EXTENSIONS = (".csv", ".xlsx")

#: {"contacts/file.csv": (size, mtime_ns)}
Snapshot = dict[str, tuple[int, int]]


def _is_landing_file(path: Path) -> bool:
    name = path.name
    # Dot files are in-progress copies (rsync, scp); "~$" files are Excel lock files.
    if name.startswith((".", "~$")):
        return False
    return name.lower().endswith(LANDING_EXTENSIONS) and path.is_file()


def landing_snapshot(landing_dir: Path) -> Snapshot:
    """Size and mtime of every landing file, keyed by its path relative to the landing folder."""
    snapshot: Snapshot = {}
    for kind in settings.LANDING_KINDS:
        folder = landing_dir / kind
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if _is_landing_file(path):
                stat = path.stat()
                snapshot[f"{kind}/{path.name}"] = (stat.st_size, stat.st_mtime_ns)
    return snapshot


def _read_cursor(cursor: str | None) -> tuple[Snapshot, Snapshot]:
    if not cursor:
        return {}, {}
    state = json.loads(cursor)

    def as_snapshot(raw: dict) -> Snapshot:
        return {name: (size, mtime) for name, (size, mtime) in raw.items()}

    return as_snapshot(state["seen"]), as_snapshot(state["pending"])


def _write_cursor(seen: Snapshot, pending: Snapshot) -> str:
    return json.dumps({"seen": seen, "pending": pending}, sort_keys=True)


def _batch_key(batch: Snapshot) -> str:
    return hashlib.sha256(json.dumps(batch, sort_keys=True).encode()).hexdigest()[:32]


def evaluate_landing(
    cursor: str | None, landing_dir: Path, now: float, quiet_seconds: float
) -> SensorResult:
    """One evaluation: a run request for a settled batch, else a reason to wait."""
    current = landing_snapshot(landing_dir)
    seen, previous_pending = _read_cursor(cursor)
    # Files that left the folder (quarantined, archived) are forgotten, so a re-drop counts.
    seen = {name: signature for name, signature in seen.items() if name in current}
    pending = {name: sig for name, sig in current.items() if seen.get(name) != sig}

    if not pending:
        return SensorResult(
            skip_reason=SkipReason(f"No new files in {landing_dir}."),
            cursor=_write_cursor(seen, {}),
        )
    newest_write = max(mtime for _, mtime in pending.values()) / 1e9
    quiet_for = now - newest_write
    if quiet_for < quiet_seconds:
        wait = f"last written {max(quiet_for, 0):.0f}s ago, need {quiet_seconds:.0f}s of quiet"
    elif pending != previous_pending:
        wait = "a run starts at the next check if none of them has changed by then"
    else:
        run_request = RunRequest(
            run_key=f"landing-{_batch_key(pending)}",
            tags={"mash/trigger": "landing", "mash/landing_files": str(len(pending))},
        )
        return SensorResult(run_requests=[run_request], cursor=_write_cursor(seen | pending, {}))
    return SensorResult(
        skip_reason=SkipReason(f"Waiting for {len(pending)} new file(s) to settle: {wait}."),
        cursor=_write_cursor(seen, pending),
    )


@sensor(
    name=LANDING_SENSOR_NAME,
    job=refresh_warehouse_job,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "Starts a refresh when new files land in landing/contacts, landing/calls or "
        f"landing/schools, once no new file has changed for {LANDING_QUIET_SECONDS}s."
    ),
)
def landing_files(context: SensorEvaluationContext) -> SensorResult:
    return evaluate_landing(
        context.cursor, settings.landing_dir(), time.time(), LANDING_QUIET_SECONDS
    )


sensors = [landing_files]
