"""Faults an on-call engineer meets, each through a real ``mash run`` subprocess on the small
landing folder (one whole night, shared by the module):

- a contacts file still being appended to when the run starts is waited for and loaded
  whole, never half;
- the data folder's disk filling up while dbt builds ends the run in one error line that
  says what to do, and the published file stays as it was;
- a warehouse file cut short fails at once, naming the file and how to rebuild it.

A step and the landing sensor that meet a damaged file say the same, at once (a lock
conflict alone is retried), and the runbook has the sections the errors name.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from dagster_project import settings
from dagster_project.defs.resources import WarehouseResource
from dagster_project.defs.sensors import evaluate_landing
from dagster_project.landing_settle import QUIET_SECONDS_ENV
from dagster_project.publishing import publish_warehouse
from dagster_project.storage_faults import (
    DAMAGED_SECTION,
    DISK_FULL_SECTION,
    RUNBOOK,
    DamagedWarehouse,
    is_damage,
    is_lock_conflict,
)
from tests.ops import small_landing

MASH = str(Path(sys.executable).parent / "mash")
KEY = "storage-faults-pseudonym-key-0123456789abcdef"
RUN_TIMEOUT_SECONDS = 600
#: the quiet period the runs wait for, short for the test
QUIET_SECONDS = 2
#: the growing file, appended a row at a time (each in two writes a moment apart) until the
#: run has said it waits for it
GROWING_FILE = "contacts/contacts_2020.csv"
APPEND_PAUSE_SECONDS = 0.1
#: the tmpfs the full-disk run's data folder lives on
SMALL_DISK = "64m"
#: how soon a damaged warehouse must be reported
DAMAGE_REPORTED_WITHIN_SECONDS = 10
#: a landing file the night refuses whole (it is empty), so the night has a quarantine
QUARANTINED_FILE = "calls/calls_empty.csv"

#: Writes a header, then rows until the file argv[2] exists; prints how many (argv: path,
#: stop file, pause).
APPENDER = """
import os, sys, time
path, stop, pause = sys.argv[1], sys.argv[2], float(sys.argv[3])
header = "contact_id,child_id,contact_datetime,contact_method,referrer_type,contact_outcome"
rows = 0
with open(path, "w") as handle:
    handle.write(header + "\\n")
    handle.flush()
    while not os.path.exists(stop):
        row = f"G{rows:04d},CHILD-G{rows},0{rows % 9 + 1}/09/2020 10:00,Phone,2A - Schools,NFA\\n"
        handle.write(row[:12])
        handle.flush()
        time.sleep(pause)
        handle.write(row[12:])
        handle.flush()
        rows += 1
        time.sleep(pause)
print(rows)
"""


def _environment(data_dir: Path) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("MASH_") and name != "DAGSTER_HOME"
    }
    environment[settings.DATA_DIR_ENV] = str(data_dir)
    environment[settings.PSEUDONYM_KEY_ENV] = KEY
    environment[QUIET_SECONDS_ENV] = str(QUIET_SECONDS)
    return environment


def _mash_run(data_dir: Path, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [MASH, "run"],
        env=_environment(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def _copy_data_folder(source: Path, target: Path) -> Path:
    """A copy with a Dagster instance of its own (the source's names its own event log)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("dagster"), symlinks=True)
    return target


@dataclass(frozen=True)
class Night:
    data_dir: Path
    output: str
    returncode: int
    grown_rows: int


@pytest.fixture(scope="module")
def grown_night(tmp_path_factory) -> Night:
    """`mash run` started while GROWING_FILE is still being written; the writer stops once
    the run has said that it waits."""
    base = tmp_path_factory.mktemp("storage_faults")
    data_dir = base / "data"
    landing = data_dir / "landing"
    small_landing.write_landing(
        landing, small_landing.landing_files(), modified_at=time.time() - 600
    )
    (landing / QUARANTINED_FILE).write_bytes(b"")
    os.utime(landing / QUARANTINED_FILE, (time.time() - 600, time.time() - 600))
    growing, stop = landing / GROWING_FILE, base / "stop_writing"
    appender = subprocess.Popen(
        [sys.executable, "-c", APPENDER, str(growing), str(stop), str(APPEND_PAUSE_SECONDS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        while not growing.exists() or growing.stat().st_size == 0:
            time.sleep(0.01)
        run = _mash_run(data_dir)
        lines = []
        for line in run.stdout:
            lines.append(line)
            if line.startswith("Waiting for new landing files to settle"):
                stop.touch()
        run.wait(timeout=RUN_TIMEOUT_SECONDS)
    finally:
        stop.touch()
        grown_rows = int(appender.communicate(timeout=60)[0])
    return Night(data_dir, "".join(lines), run.returncode, grown_rows)


def _query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_a_file_still_being_written_is_waited_for_and_loaded_whole(grown_night):
    warehouse = grown_night.data_dir / "warehouse.duckdb"
    assert f"Waiting for new landing files to settle ({GROWING_FILE})" in grown_night.output
    assert _query(
        warehouse,
        "SELECT status, rows_read, rows_loaded, rows_rejected FROM audit.loaded_files "
        f"WHERE file_name = '{GROWING_FILE}'",
    ) == [("loaded", grown_night.grown_rows, grown_night.grown_rows, 0)]
    assert _query(warehouse, "SELECT count(*) FROM audit.rejected_rows") == [(0,)]
    [(grown_contacts,)] = _query(
        warehouse, "SELECT count(*) FROM marts.fct_contacts WHERE contact_id LIKE 'G%'"
    )
    assert grown_contacts == grown_night.grown_rows, "the marts hold the whole file"


def _can_mount_tmpfs() -> bool:
    with tempfile.TemporaryDirectory() as folder:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", folder], capture_output=True
        )
        if mounted.returncode:
            return False
        subprocess.run(["umount", folder], check=True)
    return shutil.which("mount") is not None


@pytest.fixture
def small_disk(tmp_path):
    mount_point = tmp_path / "small_disk"
    mount_point.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SMALL_DISK}", "tmpfs", str(mount_point)],
        check=True,
    )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


def _fill(disk: Path) -> None:
    """Write zeros into ``disk`` until no byte is left."""
    try:
        with (disk / "filler").open("wb") as filler:
            while True:
                filler.write(bytes(1 << 20))
                filler.flush()
    except OSError:
        pass


@pytest.mark.skipif(
    not shutil.which("mount") or not _can_mount_tmpfs(),
    reason="needs to mount a small tmpfs (root, or CAP_SYS_ADMIN) to fill a real filesystem",
)
def test_a_full_disk_ends_the_run_in_one_error_and_keeps_the_published_file(
    grown_night, small_disk
):
    data_dir = _copy_data_folder(grown_night.data_dir, small_disk / "data")
    published = data_dir / settings.PUBLISHED_FILE
    publish_warehouse(data_dir / "warehouse.duckdb", published, run_id="before the disk filled")
    published_before = published.read_bytes()
    small_landing.write_landing(
        data_dir / "landing",
        {"contacts/contacts_2021.csv": [small_landing.CONTACTS_HEADER, small_landing.CONTACTS[0]]},
        modified_at=time.time() - 600,
    )

    run = _mash_run(data_dir)
    lines = []
    for line in run.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("dbt_staging_models: started"):
            _fill(small_disk)
    run.wait(timeout=RUN_TIMEOUT_SECONDS)

    output = "\n".join(lines)
    assert run.returncode == 1, output[-3000:]
    assert "Traceback" not in output and "OperationalError:" not in output
    errors = [line for line in lines if line.startswith("Error:")]
    assert errors == [lines[-1]], output[-3000:]
    assert f"The disk of the data folder {data_dir} ran out of room" in errors[0]
    assert f'{RUNBOOK}, "{DISK_FULL_SECTION}"' in errors[0]
    assert published.read_bytes() == published_before


def test_a_damaged_warehouse_fails_at_once_with_how_to_rebuild_it(grown_night, tmp_path):
    data_dir = _copy_data_folder(grown_night.data_dir, tmp_path / "data")
    warehouse = data_dir / "warehouse.duckdb"
    os.truncate(warehouse, warehouse.stat().st_size // 2)

    started = time.monotonic()
    run = _mash_run(data_dir)
    output, _ = run.communicate(timeout=RUN_TIMEOUT_SECONDS)
    elapsed = time.monotonic() - started

    assert run.returncode == 1, output
    assert elapsed < DAMAGE_REPORTED_WITHIN_SECONDS, output
    [error] = output.strip().splitlines()
    assert error.startswith(f"Error: The warehouse {warehouse} is damaged")
    assert f"mv {warehouse} {warehouse}.damaged" in error
    assert f'{RUNBOOK}, "{DAMAGED_SECTION}"' in error

    # The runbook's rebuild: move the damaged file aside, run again. (The one-school night
    # ends at the trial step, its school having no phase, as the first night did.)
    marts_before = _marts(grown_night.data_dir / "warehouse.duckdb")
    warehouse.rename(warehouse.with_name(warehouse.name + ".damaged"))
    rebuild = _mash_run(data_dir)
    output, _ = rebuild.communicate(timeout=RUN_TIMEOUT_SECONDS)
    assert rebuild.returncode == grown_night.returncode, output[-3000:]
    assert "is damaged" not in output
    assert _query(warehouse, "SELECT file_name, kind FROM audit.quarantined_files") == [
        (QUARANTINED_FILE, "calls")
    ]
    assert _marts(warehouse) == marts_before


def _marts(warehouse: Path) -> dict[str, list[tuple]]:
    """Every mart's rows, sorted."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
        return {
            table: conn.execute(f"SELECT * FROM marts.{table} ORDER BY ALL").fetchall()
            for (table,) in tables
        }


def _damaged_copy(tmp_path: Path) -> Path:
    """A warehouse file whose header block was overwritten."""
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE t AS SELECT range AS n FROM range(1000)")
    with path.open("r+b") as handle:
        handle.seek(0)
        handle.write(bytes(4096))
    return path


def test_a_step_meets_a_damaged_warehouse_without_retrying(tmp_path):
    path = _damaged_copy(tmp_path)
    resource = WarehouseResource(database=str(path))

    started = time.monotonic()
    with (
        pytest.raises(DamagedWarehouse, match="move it aside") as raised,
        resource.get_connection(),
    ):
        pass

    assert time.monotonic() - started < DAMAGE_REPORTED_WITHIN_SECONDS
    assert is_damage(raised.value.__cause__, path)
    assert not is_damage(raised.value.__cause__, tmp_path / "landing.csv")


#: Holds the warehouse argv[1] open for writing until its stdin closes.
HOLDER = """
import sys, duckdb
conn = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
"""


def test_a_lock_conflict_is_told_apart_from_damage(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "holding\n"
        with pytest.raises(duckdb.IOException) as raised:
            duckdb.connect(str(path))
    finally:
        holder.communicate(timeout=60)
    assert is_lock_conflict(raised.value)
    assert not is_damage(raised.value, path)


def test_the_landing_sensor_names_a_damaged_warehouse(tmp_path):
    path = _damaged_copy(tmp_path)
    landing = tmp_path / "landing"
    small_landing.write_landing(landing, small_landing.landing_files())

    with pytest.raises(DamagedWarehouse, match=f"The warehouse {path} is damaged"):
        evaluate_landing(None, landing, path, time.time(), QUIET_SECONDS)


def test_the_runbook_has_the_sections_the_errors_name():
    runbook = (settings.PROJECT_ROOT / RUNBOOK).read_text(encoding="utf-8")
    for section in (DISK_FULL_SECTION, DAMAGED_SECTION):
        assert f"\n## {section}\n" in runbook
