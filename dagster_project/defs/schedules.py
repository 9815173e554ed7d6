"""The nightly refresh at 02:00 UK time.

02:00 exists exactly once on both clock-change days in Europe/London (the clocks move at
01:00 GMT), so the run neither skips nor repeats around daylight saving. A landing file still
being written at 02:00 (``landing_settle``) skips the night: the landing sensor starts the run
once it has settled, so no half-written file is loaded.
"""

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from dagster_project import night_inputs, settings
from dagster_project.defs.jobs import refresh_warehouse_job
from dagster_project.landing_settle import being_written

NIGHTLY_SCHEDULE_NAME = "nightly_refresh"


@schedule(
    name=NIGHTLY_SCHEDULE_NAME,
    job=refresh_warehouse_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",
    default_status=DefaultScheduleStatus.RUNNING,
    description=(
        "Refresh and publish the whole warehouse every night at 02:00 UK time, unless no "
        "landing file, seed, override, model, plan or month changed since the last build "
        "(then the skip is recorded in audit.night_checks)."
    ),
)
def nightly_refresh(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    writing = being_written(settings.landing_dir(), settings.warehouse_path())
    if writing:
        return SkipReason(
            f"Landing files still being written ({', '.join(writing)}): the landing sensor "
            "starts the run once they have settled."
        )
    current = night_inputs.fingerprint()
    reason = night_inputs.skip_if_unchanged(settings.warehouse_path(), current)
    if reason:
        return SkipReason(reason)
    return RunRequest(
        tags={"mash/trigger": "nightly", night_inputs.FINGERPRINT_TAG: current.as_tag()}
    )


schedules = [nightly_refresh]
