"""``mash rotate-key`` SIGKILLed while it ingests its copies of the landing files leaves no
copy outside the data folder; the copies it leaves inside are private and the next rotation
removes them before finishing the job."""

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from click.testing import CliRunner

from dagster_project import settings
from dagster_project.key_rotation import rotate_key_command
from dagster_project.pseudonymise import KEY_TABLE, key_fingerprint, read_key_file
from dagster_project.scratch import scratch_root
from tests.ingest.test_key_binding import _connect, _night

MASH = str(Path(sys.executable).parent / "mash")
#: enough rows that the scratch ingestion takes a moment to kill it in
FILES, ROWS_PER_FILE = 4, 4000
KILL_TIMEOUT_SECONDS = 120


def _load_landing(ingest_env, rows) -> None:
    for month in range(FILES):
        ingest_env.drop_csv(
            f"contacts/{month:02d}.csv",
            rows.contacts(
                *(
                    {"contact_id": f"C{month}-{n}", "child_id": f"CHILD-{n % 900}"}
                    for n in range(ROWS_PER_FILE)
                )
            ),
        )
    with _connect() as conn:
        _night(conn)


def _scratch_warehouses() -> list[Path]:
    return list(scratch_root().glob("rotate-key-*/data/warehouse.duckdb"))


def _rotate_until_killed(new_key: Path, temp: Path) -> None:
    """Start `mash rotate-key` and SIGKILL it once its scratch warehouse exists."""
    rotation = subprocess.Popen(
        [MASH, "rotate-key", str(new_key)],
        env={**os.environ, "TMPDIR": str(temp)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + KILL_TIMEOUT_SECONDS
    try:
        while not _scratch_warehouses() and rotation.poll() is None:
            assert time.monotonic() < deadline, "the rotation never started its scratch ingest"
            time.sleep(0.01)
        rotation.send_signal(signal.SIGKILL)
    finally:
        rotation.wait(timeout=60)
    assert rotation.returncode == -signal.SIGKILL, "the rotation ended before it was killed"


def test_a_killed_rotation_leaves_no_copy_outside_the_data_folder(ingest_env, rows, tmp_path):
    _load_landing(ingest_env, rows)
    temp = tmp_path / "system_temp"
    temp.mkdir()
    new_key = tmp_path / "keys" / "new.key"

    _rotate_until_killed(new_key, temp)

    assert [p for p in temp.rglob("*")] == [], "nothing in the system's temporary folder"
    [left] = list(scratch_root().iterdir())
    copies = sorted(p.name for p in (left / "landing" / "contacts").iterdir())
    assert copies, "killed while it held copies of the landing files"
    for folder in (scratch_root(), left):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert scratch_root().parent == settings.data_dir()

    again = CliRunner().invoke(rotate_key_command, [str(new_key)])

    assert again.exit_code == 0, again.output
    assert f"Removed the scratch folder {left.name}" in again.output
    assert list(scratch_root().iterdir()) == []
    with duckdb.connect(str(settings.warehouse_path()), read_only=True) as conn:
        [(fingerprint,)] = conn.execute(f"SELECT fingerprint FROM {KEY_TABLE}").fetchall()
    assert fingerprint == key_fingerprint(read_key_file(new_key))
