"""The nightly schedule runs the whole graph at 02:00 UK time, summer and winter, and skips
a night while a landing file is still being written (the landing sensor takes over)."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from dagster import build_schedule_context
from dagster._utils.schedules import cron_string_iterator

from dagster_project import settings
from dagster_project.definitions import defs as load_definitions
from dagster_project.defs.jobs import REFRESH_JOB_NAME
from dagster_project.defs.schedules import nightly_refresh
from dagster_project.landing_settle import QUIET_SECONDS_ENV


def _next_ticks_utc(start: datetime, count: int) -> list[datetime]:
    ticks = cron_string_iterator(
        start.timestamp(), nightly_refresh.cron_schedule, nightly_refresh.execution_timezone
    )
    return [tick.astimezone(UTC) for tick in islice(ticks, count)]


def test_runs_at_two_in_the_morning_uk_time_across_clock_changes():
    # UK clocks went forward at 01:00 UTC on 30 March 2025 and back at 01:00 UTC on 26 October:
    # 02:00 local is 02:00 UTC in winter, 01:00 UTC in summer, and happens once each day.
    spring = _next_ticks_utc(datetime(2025, 3, 28, 12, tzinfo=UTC), 4)
    autumn = _next_ticks_utc(datetime(2025, 10, 24, 12, tzinfo=UTC), 4)

    assert [t.hour for t in spring] == [2, 1, 1, 1]
    assert [t.day for t in spring] == [29, 30, 31, 1]
    assert [t.hour for t in autumn] == [1, 2, 2, 2]
    assert [t.day for t in autumn] == [25, 26, 27, 28]


def test_a_tick_requests_the_whole_graph():
    run_request = nightly_refresh.evaluate_tick(build_schedule_context()).run_requests[0]

    assert nightly_refresh.job_name == REFRESH_JOB_NAME
    assert run_request.tags["mash/trigger"] == "nightly"
    defs = load_definitions()
    job = defs.resolve_job_def(REFRESH_JOB_NAME)
    materializable = defs.resolve_asset_graph().materializable_asset_keys
    assert set(job.asset_layer.selected_asset_keys) == set(materializable)


def _drop(data_dir, name: str, written_seconds_ago: float) -> None:
    path = data_dir / "landing" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("contact_id\nC1\n")
    written = time.time() - written_seconds_ago
    os.utime(path, (written, written))


def test_a_night_skips_while_a_landing_file_is_being_written(data_dir, monkeypatch):
    monkeypatch.setenv(QUIET_SECONDS_ENV, "60")
    _drop(data_dir, "contacts/settled.csv", written_seconds_ago=600)
    _drop(data_dir, "contacts/still_copying.csv", written_seconds_ago=2)

    [reason] = nightly_refresh.evaluate_tick(build_schedule_context()).skip_message.splitlines()

    assert "Landing files still being written (contacts/still_copying.csv)" in reason
    assert "the landing sensor starts the run once they have settled" in reason

    _drop(data_dir, "contacts/still_copying.csv", written_seconds_ago=600)
    assert nightly_refresh.evaluate_tick(build_schedule_context()).run_requests


def test_a_quiet_period_that_is_not_a_number_ends_mash_run_in_one_error(data_dir):
    _drop(data_dir, "contacts/settled.csv", written_seconds_ago=600)
    environment = {**os.environ, settings.DATA_DIR_ENV: str(data_dir), QUIET_SECONDS_ENV: "soon"}

    run = subprocess.run(
        [str(Path(sys.executable).parent / "mash"), "run"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.strip() == (
        f"Error: {QUIET_SECONDS_ENV} is 'soon': it must be a number of seconds, 0 or more "
        "(unset, it is 60)."
    )
