"""A run whose process died gives back its writer-pool slot, so the next run does not wait
for it for ever."""

import subprocess
import sys

from dagster import DagsterInstance, DagsterRunStatus, job, op

from dagster_project.defs.resources import DUCKDB_WRITER_POOL
from dagster_project.instance import HOST_TAG, PROCESS_TAG, release_dead_runs, this_process_tags


@op
def nothing():
    pass


@job
def a_job():
    nothing()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _started_run(instance: DagsterInstance, tags: dict[str, str]) -> str:
    run = instance.create_run_for_job(a_job, tags=tags)
    instance.handle_run_event(run.run_id, _start_event(run))
    instance.event_log_storage.claim_concurrency_slot(DUCKDB_WRITER_POOL, run.run_id, "step")
    return run.run_id


def _start_event(run):
    from dagster._core.events import DagsterEvent, DagsterEventType

    return DagsterEvent(DagsterEventType.RUN_START.value, job_name=run.job_name)


def test_a_dead_runs_slot_is_freed_and_a_live_runs_kept(tmp_path):
    with DagsterInstance.local_temp(str(tmp_path)) as instance:
        instance.event_log_storage.set_concurrency_slots(DUCKDB_WRITER_POOL, 1)
        dead = _started_run(instance, {**this_process_tags(), PROCESS_TAG: str(_dead_pid())})
        alive = _started_run(instance, this_process_tags())

        assert release_dead_runs(instance) == [dead]

        assert instance.get_run_by_id(dead).status == DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(alive).status == DagsterRunStatus.STARTED
        assert instance.event_log_storage.get_concurrency_run_ids() == {alive}


def test_runs_of_other_hosts_are_left_alone(tmp_path):
    with DagsterInstance.local_temp(str(tmp_path)) as instance:
        instance.event_log_storage.set_concurrency_slots(DUCKDB_WRITER_POOL, 1)
        other = _started_run(instance, {PROCESS_TAG: str(_dead_pid()), HOST_TAG: "elsewhere"})
        assert release_dead_runs(instance) == []
        assert instance.get_run_by_id(other).status == DagsterRunStatus.STARTED
