"""The nightly schedule runs the whole graph at 02:00 UK time, summer and winter."""

from datetime import UTC, datetime
from itertools import islice

from dagster import build_schedule_context
from dagster._utils.schedules import cron_string_iterator

from dagster_project.definitions import defs as load_definitions
from dagster_project.defs.jobs import REFRESH_JOB_NAME
from dagster_project.defs.schedules import nightly_refresh


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
