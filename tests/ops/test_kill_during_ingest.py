"""SIGKILL during ingestion: a real subprocess materialising the ingestion assets is killed
part-way through a landing folder, mid-file, then a normal run finishes the job.

The warehouse must open, each file must be all or nothing (its raw rows with its audit row),
and the finished warehouse must equal one built from the same landing files without a kill
(raw and audit tables, clock columns aside).
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project import settings
from dagster_project.defs.assets import ingestion
from dagster_project.defs.resources import build_resources
from dagster_project.ingest.headers import ALIASES_ENV, DEFAULT_ALIASES
from tests.ops.warehouse_digests import table_digests

KEY = "kill-test-pseudonym-key-0123456789abcdef"
CONTACT_FILES = 14
ROWS_PER_FILE = 3000
#: the run is killed after this many contacts files are reported loaded ...
KILL_AFTER_FILES = 4
#: ... and this fraction of the measured time one file takes, so the kill lands mid-file
KILL_AT_FRACTION = 0.5

#: the ingestion run the test kills: this module's materialize_ingestion, in a subprocess
INGEST = "from tests.ops.test_kill_during_ingest import materialize_ingestion as m; m()"

#: clock columns, which differ between any two runs
CLOCKS = frozenset({"loaded_at", "rejected_at", "quarantined_at", "bound_at"})
RAW_AND_AUDIT = ("raw", "audit")


def materialize_ingestion() -> None:
    """The ingestion assets, materialised as the nightly job does, for this process's env."""
    result = dg.materialize(
        [ingestion.raw_schools_and_links, ingestion.raw_contacts, ingestion.raw_calls],
        resources=build_resources(),
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success


def _write_landing(landing: Path) -> None:
    """Contacts months with a few bad rows each, one calls file and a GIAS register."""
    contacts = landing / "contacts"
    contacts.mkdir(parents=True)
    header = "contact_id,child_id,contact_datetime,contact_method,referrer_type,contact_outcome\n"
    for month in range(CONTACT_FILES):
        lines = [header]
        for n in range(ROWS_PER_FILE):
            day = n % 28 + 1
            stamp = f"{day:02d}/{month % 12 + 1:02d}/{2010 + month // 12} {n % 24:02d}:{n % 60:02d}"
            if n % 997 == 5:
                stamp = "01/01/1900"
            lines.append(f"M{month}-{n},CHILD-{n % 1700},{stamp},Phone,2A - Schools,NFA\n")
        (contacts / f"contacts_{month:02d}.csv").write_text("".join(lines))
    calls = landing / "calls"
    calls.mkdir()
    rows = [f"K{n},01/09/2017 09:{n % 60:02d},07700 9{n:05d},1,30,{n % 400}\n" for n in range(500)]
    (calls / "calls.csv").write_text(
        "call_id,call_start,caller_number,ivr_option,wait_seconds,talk_seconds\n" + "".join(rows)
    )
    schools = landing / "schools"
    schools.mkdir()
    (schools / "edubase.csv").write_text(
        "URN,EstablishmentName,LA (code),LA (name),TelephoneNum\n"
        "125001,Abbey Infant School,812,Eastshire,07700 900001\n"
    )


def _environment(base: Path, landing: Path) -> dict[str, str]:
    environment = {
        **os.environ,
        settings.DATA_DIR_ENV: str(base / "data"),
        settings.LANDING_DIR_ENV: str(landing),
        settings.PSEUDONYM_KEY_ENV: KEY,
        ALIASES_ENV: str(DEFAULT_ALIASES),
        "PYTHONUNBUFFERED": "1",
    }
    environment.pop("DAGSTER_HOME", None)
    return environment


def _ingest(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A normal run of the same ingestion, in this process."""
    for name in (settings.DATA_DIR_ENV, settings.LANDING_DIR_ENV, settings.PSEUDONYM_KEY_ENV):
        monkeypatch.setenv(name, environment[name])
    monkeypatch.setenv(ALIASES_ENV, str(DEFAULT_ALIASES))
    materialize_ingestion()


def _ingest_until_killed(environment: dict[str, str]) -> list[str]:
    """Run ingestion and SIGKILL it mid-file; the lines it logged before the kill."""
    process = subprocess.Popen(
        [sys.executable, "-c", INGEST],
        cwd=settings.PROJECT_ROOT,
        env=environment,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines, loaded_at = [], []
    try:
        for line in process.stderr:
            lines.append(line)
            if "contacts/contacts_" in line and ": loaded " in line:
                loaded_at.append(time.monotonic())
                if len(loaded_at) == KILL_AFTER_FILES:
                    per_file = (loaded_at[-1] - loaded_at[0]) / (KILL_AFTER_FILES - 1)
                    time.sleep(per_file * KILL_AT_FRACTION)
                    process.send_signal(signal.SIGKILL)
                    break
    finally:
        process.wait(timeout=60)
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL, "".join(lines[-20:])
    return lines


def _each_file_all_or_nothing(warehouse: Path) -> tuple[int, int]:
    """Files loaded and rows in raw.contacts, checking every file's rows match its audit."""
    with duckdb.connect(str(warehouse)) as conn:
        audited = dict(
            conn.execute(
                "SELECT file_name, rows_loaded FROM audit.loaded_files "
                "WHERE kind = 'contacts' AND status = 'loaded'"
            ).fetchall()
        )
        in_raw = dict(
            conn.execute("SELECT source_file, count(*) FROM raw.contacts GROUP BY 1").fetchall()
        )
        rejected = dict(
            conn.execute(
                "SELECT file_name, count(*) FROM audit.rejected_rows "
                "WHERE kind = 'contacts' GROUP BY 1"
            ).fetchall()
        )
    assert in_raw == {name: rows for name, rows in audited.items() if rows}
    assert set(rejected) <= set(audited)
    for name in audited:
        assert audited[name] + rejected.get(name, 0) == ROWS_PER_FILE, name
    return len(audited), sum(in_raw.values())


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kill_landing") / "landing"
    _write_landing(path)
    return path


def test_a_killed_ingestion_loses_nothing_and_a_rerun_equals_an_unkilled_build(
    tmp_path, landing, monkeypatch
):
    killed_landing = tmp_path / "killed_landing"
    shutil.copytree(landing, killed_landing)
    killed = _environment(tmp_path / "killed", killed_landing)
    reference = _environment(tmp_path / "reference", landing)
    warehouse = tmp_path / "killed" / "data" / "warehouse.duckdb"

    _ingest_until_killed(killed)

    files_loaded, _ = _each_file_all_or_nothing(warehouse)
    assert KILL_AFTER_FILES <= files_loaded < CONTACT_FILES, "killed part-way through the folder"

    _ingest(killed, monkeypatch)
    _ingest(reference, monkeypatch)

    assert _each_file_all_or_nothing(warehouse)[0] == CONTACT_FILES
    reference_warehouse = tmp_path / "reference" / "data" / "warehouse.duckdb"
    assert table_digests(warehouse, RAW_AND_AUDIT, CLOCKS) == table_digests(
        reference_warehouse, RAW_AND_AUDIT, CLOCKS
    )
