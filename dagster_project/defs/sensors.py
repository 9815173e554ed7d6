"""The landing sensor: one refresh run per batch of files dropped into the landing folder.

The cursor remembers every landing file already handed to a run by (name, size, mtime). A
file the cursor does not know is compared with the warehouse: when its bytes (sha256) are in
``audit.loaded_files`` as loaded, a run (``mash run``, or one from before the cursor was
lost) has it already and it counts as seen. The remaining new or changed files are held as
*pending* until the batch has settled by the rule ``mash run`` waits for too
(``dagster_project/landing_settle.py``): no pending file changed since the previous
evaluation and the newest was last written at least the quiet period ago. A batch copied in
over a few minutes therefore makes one run, and a half-copied file is never loaded.
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
from dagster_project.landing_settle import (
    LANDING_QUIET_SECONDS,
    QUIET_SECONDS_ENV,
    Snapshot,
    WarehouseBusy,
    already_loaded,
    quiet_seconds,
    unsettled,
)
from dagster_project.night_inputs import FINGERPRINT_TAG, fingerprint, landing_snapshot

LANDING_SENSOR_NAME = "landing_files"


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
    cursor: str | None, landing_dir: Path, warehouse: Path, now: float, quiet_seconds: float
) -> SensorResult:
    """One evaluation: a run request for a settled batch, else a reason to wait."""
    current = landing_snapshot(landing_dir)
    seen, previous_pending = _read_cursor(cursor)
    # Files that left the folder (quarantined, archived) are forgotten, so a re-drop counts.
    seen = {name: signature for name, signature in seen.items() if name in current}
    unknown = {name: sig for name, sig in current.items() if seen.get(name) != sig}
    try:
        loaded = already_loaded(warehouse, landing_dir, unknown)
    except WarehouseBusy:
        return SensorResult(
            skip_reason=SkipReason("The warehouse is being written; checking at the next tick."),
            cursor=cursor,
        )
    seen |= {name: unknown[name] for name in loaded}
    pending = {name: sig for name, sig in unknown.items() if name not in loaded}

    if not pending:
        return SensorResult(
            skip_reason=SkipReason(f"No new files in {landing_dir}."),
            cursor=_write_cursor(seen, {}),
        )
    wait = unsettled(pending, previous_pending, now, quiet_seconds)
    if wait is None:
        run_request = RunRequest(
            run_key=f"landing-{_batch_key(pending)}",
            tags={
                "mash/trigger": "landing",
                "mash/landing_files": str(len(pending)),
                FINGERPRINT_TAG: fingerprint(landing_dir=landing_dir).as_tag(),
            },
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
        "landing/schools, once no new file has changed for the quiet period "
        f"({QUIET_SECONDS_ENV}, default {LANDING_QUIET_SECONDS}s)."
    ),
)
def landing_files(context: SensorEvaluationContext) -> SensorResult:
    return evaluate_landing(
        context.cursor,
        settings.landing_dir(),
        settings.warehouse_path(),
        time.time(),
        quiet_seconds(),
    )


sensors = [landing_files]
