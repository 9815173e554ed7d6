"""The nightly refresh at 02:00 UK time.

02:00 exists exactly once on both clock-change days in Europe/London (the clocks move at
01:00 GMT), so the run neither skips nor repeats around daylight saving.
"""

from dagster import DefaultScheduleStatus, ScheduleDefinition

from dagster_project.defs.jobs import refresh_warehouse_job

NIGHTLY_SCHEDULE_NAME = "nightly_refresh"

nightly_refresh = ScheduleDefinition(
    name=NIGHTLY_SCHEDULE_NAME,
    job=refresh_warehouse_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",
    default_status=DefaultScheduleStatus.RUNNING,
    tags={"mash/trigger": "nightly"},
    description="Refresh and publish the whole warehouse every night at 02:00 UK time.",
)

schedules = [nightly_refresh]
