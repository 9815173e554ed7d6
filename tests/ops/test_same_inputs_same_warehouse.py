"""Same landing files, same key: the same warehouse, however the night went.

A small demo landing folder (three months, a fifth of the demo's volumes) and a trial plan
short enough to randomise, size and analyse on it. Each build is the product's nightly run,
``mash materialize`` in a subprocess with its own MASH_DATA_DIR:

- two fresh data folders give identical marts and trial tables (content hashes, clock
  columns aside);
- a run SIGKILLed while its ``dbt build`` writes the warehouse, then a normal run, gives the
  same marts and trial tables again.

Four whole runs: the costliest module of the suite; the folder runs on one xdist worker.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from dagster_project import settings
from tests.ops.warehouse_digests import table_digests

KEY = "same-inputs-pseudonym-key-0123456789abcdef"
MARTS_AND_TRIAL = ("marts", "trial")
#: when a run happened, not what it made
CLOCKS = frozenset({"loaded_at", "randomised_at", "recorded_at"})
#: how long to wait for a whole run, and for a dbt build to start writing
RUN_TIMEOUT_SECONDS = 600
DBT_WRITE_TIMEOUT_SECONDS = 300
MASH = str(Path(sys.executable).parent / "mash")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, Path]:
    """The demo landing folder and a trial plan that fits it."""
    from mash_demo.generate import write_demo_extracts

    base = tmp_path_factory.mktemp("same_inputs")
    landing = base / "landing"
    write_demo_extracts(
        landing, base / "truth", seed=20190901, start=date(2017, 9, 1), end=date(2017, 11, 30),
        scale=0.2,
    )  # fmt: skip
    plan = yaml.safe_load((settings.PROJECT_ROOT / "config" / "trial_plan.yml").read_text())
    plan["baseline"] = {"start": "2017-09", "end": "2017-10"}
    plan["trial"] = {"start": "2017-11", "end": "2017-11"}
    # the fewest the plan allows: determinism does not need precise power or p-values
    plan["power_simulation"]["simulations"] = 50
    plan["randomisation_inference"]["draws"] = 1000
    plan_file = base / "trial_plan.yml"
    plan_file.write_text(yaml.safe_dump(plan))
    return landing, plan_file


def _environment(data_dir: Path, plan_file: Path) -> dict[str, str]:
    environment = {
        **os.environ,
        settings.DATA_DIR_ENV: str(data_dir),
        settings.PSEUDONYM_KEY_ENV: KEY,
        settings.TRIAL_PLAN_ENV: str(plan_file),
    }
    for name in ("DAGSTER_HOME", settings.LANDING_DIR_ENV, settings.PSEUDONYM_KEY_FILE_ENV):
        environment.pop(name, None)
    return environment


def _fresh_data_dir(base: Path, landing: Path) -> Path:
    data_dir = base / "data"
    shutil.copytree(landing, data_dir / "landing")
    return data_dir


def _materialize(data_dir: Path, plan_file: Path) -> dict[str, tuple[int, str]]:
    """A normal nightly run; the digests of the marts and trial tables it leaves."""
    run = subprocess.run(
        [MASH, "materialize"],
        env=_environment(data_dir, plan_file),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return table_digests(data_dir / "warehouse.duckdb", MARTS_AND_TRIAL, CLOCKS)


def _descendants(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every process below ``pid``, from /proc."""
    children: dict[int, list[int]] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            commands[int(entry.name)] = (
                (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            )
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append((child, commands.get(child, "")))
            stack.append(child)
    return found


def _materialize_until_killed_in_dbt_build(data_dir: Path, plan_file: Path) -> str:
    """Start a nightly run and SIGKILL it, dbt and all, once a ``dbt build`` of the marts has
    started writing the warehouse (its write-ahead log exists); the dbt command line."""
    process = subprocess.Popen(
        [MASH, "materialize"],
        env=_environment(data_dir, plan_file),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wal = data_dir / "warehouse.duckdb.wal"
    deadline = time.monotonic() + DBT_WRITE_TIMEOUT_SECONDS
    dbt_command = None
    try:
        while time.monotonic() < deadline and process.poll() is None:
            builds = [
                command
                for _, command in _descendants(process.pid)
                if "dbt build" in command and "after_matching" in command
            ]
            if builds and wal.exists() and wal.stat().st_size > 0:
                dbt_command = builds[0]
                break
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    assert dbt_command is not None, "the run ended, or never reached the marts' dbt build"
    return dbt_command


@pytest.fixture(scope="module")
def reference(inputs, tmp_path_factory) -> dict[str, tuple[int, str]]:
    landing, plan_file = inputs
    return _materialize(_fresh_data_dir(tmp_path_factory.mktemp("first"), landing), plan_file)


def test_the_build_fills_every_marts_and_trial_table(reference):
    empty = [table for table, (rows, _) in reference.items() if rows == 0]
    assert empty == [], "a table left empty proves nothing about determinism"
    assert {table.split(".")[0] for table in reference} == set(MARTS_AND_TRIAL)


def test_two_fresh_data_folders_build_identical_marts_and_trial_tables(inputs, reference, tmp_path):
    landing, plan_file = inputs
    assert _materialize(_fresh_data_dir(tmp_path, landing), plan_file) == reference


def test_a_run_killed_during_dbt_build_then_rerun_builds_the_same_tables(
    inputs, reference, tmp_path
):
    landing, plan_file = inputs
    data_dir = _fresh_data_dir(tmp_path, landing)

    _materialize_until_killed_in_dbt_build(data_dir, plan_file)

    with duckdb.connect(str(data_dir / "warehouse.duckdb")) as conn:
        [(loaded,)] = conn.execute("SELECT count(*) FROM audit.loaded_files").fetchall()
    assert loaded > 0, "the warehouse opens after the kill, with what was loaded"
    assert _materialize(data_dir, plan_file) == reference
