"""The landing sensor turns a batch of dropped files into one run, once the batch settles."""

import hashlib
import os
import subprocess
import sys
import time

import duckdb
from dagster import build_sensor_context

from dagster_project import settings
from dagster_project.defs.jobs import REFRESH_JOB_NAME
from dagster_project.defs.sensors import LANDING_QUIET_SECONDS, landing_files


def _drop(landing, name: str, text: str = "a,b\n1,2\n", age: float = 0.0) -> None:
    path = landing / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    written = time.time() - age
    os.utime(path, (written, written))


def _evaluate(cursor: str | None):
    return landing_files.evaluate_tick(build_sensor_context(cursor=cursor))


def _settled_age() -> float:
    return LANDING_QUIET_SECONDS + 5


def test_a_batch_of_files_makes_one_run(data_dir):
    landing = settings.landing_dir()
    for name in ("contacts/c1.csv", "contacts/c2.xlsx", "calls/calls.csv", "schools/gias.csv"):
        _drop(landing, name, age=_settled_age())
    _drop(landing, "contacts/.c3.csv.partial", age=_settled_age())
    _drop(landing, "contacts/~$c2.xlsx", age=_settled_age())

    first = _evaluate(None)
    assert first.run_requests == []
    assert "Waiting for 4 new file(s)" in first.skip_message

    second = _evaluate(first.cursor)
    (run_request,) = second.run_requests
    assert run_request.job_name in (None, REFRESH_JOB_NAME)
    assert run_request.tags["mash/landing_files"] == "4"
    assert run_request.run_key

    third = _evaluate(second.cursor)
    assert third.run_requests == []
    assert "No new files" in third.skip_message


def test_waits_while_a_file_is_still_being_written(data_dir):
    landing = settings.landing_dir()
    _drop(landing, "contacts/big.csv", text="a\n1\n", age=_settled_age())
    first = _evaluate(None)

    _drop(landing, "contacts/big.csv", text="a\n1\n2\n3\n", age=_settled_age())
    second = _evaluate(first.cursor)
    assert second.run_requests == []

    _drop(landing, "contacts/big.csv", text="a\n1\n2\n3\n4\n")
    third = _evaluate(second.cursor)
    fourth = _evaluate(third.cursor)
    assert third.run_requests == [] and fourth.run_requests == []
    assert f"need {LANDING_QUIET_SECONDS}s of quiet" in fourth.skip_message

    os.utime(landing / "contacts/big.csv", (time.time() - _settled_age(),) * 2)
    fifth = _evaluate(fourth.cursor)
    sixth = _evaluate(fifth.cursor)
    assert fifth.run_requests == []
    assert len(sixth.run_requests) == 1


def _two_ticks(cursor: str | None):
    """Run requests of two evaluations in a row (a settled batch needs both) and the cursor."""
    first = _evaluate(cursor)
    second = _evaluate(first.cursor)
    return [*first.run_requests, *second.run_requests], second.cursor


def test_a_later_file_or_a_changed_file_makes_a_new_run(data_dir):
    landing = settings.landing_dir()
    _drop(landing, "contacts/c1.csv", age=_settled_age())
    (first_run,), cursor = _two_ticks(None)

    _drop(landing, "contacts/c2.csv", age=_settled_age())
    (new_file_run,), cursor = _two_ticks(cursor)

    _drop(landing, "contacts/c1.csv", text="a,b\n3,4\n5,6\n", age=_settled_age())
    (changed_file_run,), cursor = _two_ticks(cursor)

    assert new_file_run.tags["mash/landing_files"] == "1"
    assert changed_file_run.tags["mash/landing_files"] == "1"
    assert len({first_run.run_key, new_file_run.run_key, changed_file_run.run_key}) == 3
    assert _two_ticks(cursor)[0] == []


def test_no_landing_folder_is_not_an_error(data_dir):
    result = _evaluate(None)
    assert result.run_requests == []
    assert "No new files" in result.skip_message


def _record_loaded(*paths) -> None:
    warehouse = settings.warehouse_path()
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("create schema if not exists audit")
        conn.execute(
            "create table if not exists audit.loaded_files "
            "(file_name varchar, sha256 varchar, status varchar)"
        )
        for path in paths:
            conn.execute(
                "insert into audit.loaded_files values (?, ?, 'loaded')",
                [path.name, hashlib.sha256(path.read_bytes()).hexdigest()],
            )


def test_files_the_warehouse_has_loaded_are_not_new(data_dir):
    landing = settings.landing_dir()
    _drop(landing, "contacts/c1.csv", age=_settled_age())
    _drop(landing, "calls/k1.csv", text="k\n1\n", age=_settled_age())
    _record_loaded(landing / "contacts/c1.csv", landing / "calls/k1.csv")

    assert _two_ticks(None)[0] == []

    _drop(landing, "contacts/c1.csv", text="a,b\n7,8\n", age=_settled_age())
    (changed,), _ = _two_ticks(None)
    assert changed.tags["mash/landing_files"] == "1"


def test_withdrawn_bytes_dropped_again_are_new(data_dir):
    from datetime import datetime

    from dagster_project.ingest.audit import record_file
    from dagster_project.ingest.raw_tables import ensure_tables

    landing = settings.landing_dir()
    _drop(landing, "contacts/c1.csv", age=_settled_age())
    with duckdb.connect(str(settings.warehouse_path())) as conn:
        ensure_tables(conn)
        record_file(
            conn,
            file_name="contacts/c1.csv",
            kind="contacts",
            sha256=hashlib.sha256((landing / "contacts/c1.csv").read_bytes()).hexdigest(),
            status="loaded",
            message="loaded",
            at=datetime(2019, 8, 1),
            load_id=1,
        )
        conn.execute("update audit.loaded_files set withdrawn_at = now()")

    (run,), _ = _two_ticks(None)
    assert run.tags["mash/landing_files"] == "1"


def test_a_locked_warehouse_waits_for_the_next_tick(data_dir):
    landing = settings.landing_dir()
    _drop(landing, "contacts/c1.csv", age=_settled_age())
    _record_loaded(landing / "contacts/c1.csv")
    cursor = _evaluate(None).cursor
    _drop(landing, "contacts/c2.csv", text="a,b\n9,9\n", age=_settled_age())
    script = (
        "import duckdb, sys, time\n"
        "conn = duckdb.connect(sys.argv[1])\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", script, str(settings.warehouse_path())],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "locked"
        result = _evaluate(cursor)
    finally:
        writer.kill()
        writer.wait()
    assert result.run_requests == []
    assert "being written" in result.skip_message
    assert result.cursor == cursor
