"""Running again, new files arriving, a bad file blocking publication, and pointing the
pipeline at another landing folder: each through the real command line or sensor."""

import hashlib
import os
import shutil
import threading
import time
from dataclasses import dataclass, replace

import duckdb
import pytest
from dagster import DagsterInstance, ExecuteInProcessResult, SensorResult, build_sensor_context

from dagster_project import settings
from tests.e2e.played import PlayedTrial, copy_trial

RAW_AND_MART_TABLES = ("raw.contacts", "raw.calls", "raw.schools", "marts.fct_contacts")


def counts(path, tables=RAW_AND_MART_TABLES) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def settle(path) -> None:
    """Date a file's last write ten minutes back, as if it had landed then."""
    settled = time.time() - 600
    os.utime(path, (settled, settled))


def write_contacts(path, rows: list[dict]) -> None:
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(str(row[c]) for c in header) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settle(path)


def new_contact(contact_id: str, method: str, school_name: str) -> dict:
    return {
        "Contact ID": contact_id,
        "Child ID": "9900001",
        "Contact Date Time": "16/03/2020 10:15",
        "Contact Method": method,
        "Referrer Type": "2A - Schools",
        "Referrer Name": school_name,
        "Contact Outcome": "NFA",
    }


def a_school_name(trial) -> str:
    return trial.query(
        "select school_name from marts.dim_school where is_open and is_home_la "
        "order by school_urn limit 1"
    ).iloc[0, 0]


def test_a_second_run_loads_nothing_new(trial_copy, run_mash):
    before = counts(trial_copy.warehouse)
    loaded_before = trial_copy.query("select count(*) from audit.loaded_files").iloc[0, 0]
    done = run_mash(trial_copy, "run")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "demo trial" not in done.stdout
    assert counts(trial_copy.warehouse) == before
    statuses = trial_copy.query("select status, count(*) n from audit.loaded_files group by 1")
    assert statuses.set_index("status")["n"].get("loaded") == loaded_before
    assert counts(trial_copy.published, ("marts.fct_contacts",)) == {
        "marts.fct_contacts": before["marts.fct_contacts"]
    }


VERSION_SQL = (
    "select (select run_id from audit.publication), "
    "(select count(*) from marts.fct_contacts), "
    "(select sum(contacts_and_referrals) from marts.fct_school_month) "
)


def published_version(path) -> tuple:
    with duckdb.connect(str(path), read_only=True) as conn:
        run_id, contacts, _ = conn.execute(VERSION_SQL).fetchone()
    return run_id, contacts


class PublishedReader(threading.Thread):
    """An analyst in another thread querying the published file in a loop, through one
    connection held open throughout, while a run publishes a new version."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.stop = path, threading.Event()
        self.seen, self.errors, self.queries = set(), [], 0

    def run(self):
        with duckdb.connect(str(self.path), read_only=True) as conn:
            while not self.stop.is_set():
                try:
                    run_id, contacts, _ = conn.execute(VERSION_SQL).fetchone()
                    self.seen.add((run_id, contacts))
                    self.queries += 1
                except duckdb.Error as error:
                    self.errors.append(str(error))
                time.sleep(0.05)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.join()


def test_a_blocking_check_failure_leaves_the_published_file_as_it_was(trial_copy, run_mash):
    published_before = sha256(trial_copy.published)
    # A file's rows loaded twice makes every count wrong: the raw contract's blocking test.
    with duckdb.connect(str(trial_copy.warehouse)) as conn:
        conn.execute("insert into raw.contacts select * from raw.contacts limit 1")
    done = run_mash(trial_copy, "materialize")
    assert done.returncode != 0
    assert "raw_contacts_rows_loaded_once" in (done.stdout + done.stderr)
    assert sha256(trial_copy.published) == published_before


def test_data_and_landing_folders_from_the_environment(played_trial, run_mash, tmp_path):
    landing = tmp_path / "exports"
    for kind, pattern in (
        ("schools", "*"),
        ("contacts", "contacts_2017-0*"),
        ("calls", "calls_2017-0*"),
    ):
        (landing / kind).mkdir(parents=True)
        for path in (played_trial.landing / kind).glob(pattern):
            shutil.copy2(path, landing / kind / path.name)
    files_before = sorted(p.relative_to(landing) for p in landing.rglob("*") if p.is_file())
    data_dir = tmp_path / "x"
    env = {**played_trial.env, settings.DATA_DIR_ENV: str(data_dir)}
    env[settings.LANDING_DIR_ENV] = str(landing)
    trial = replace(played_trial, data_dir=data_dir, stdout="", env=env)

    done = run_mash(trial, "run")
    assert done.returncode == 0, done.stderr[-3000:]
    assert not (data_dir / "landing").exists()
    assert not (data_dir / "demo_truth").exists()
    assert sorted(p.relative_to(landing) for p in landing.rglob("*") if p.is_file()) == files_before
    months = trial.query("select distinct strftime(contact_at, '%Y-%m') m from raw.contacts")
    assert sorted(months["m"]) == ["2017-09"]


@dataclass(frozen=True)
class LateNight:
    """A night started by the landing sensor for files that arrived late: two good contacts,
    and a contacts file and a calls file of bad values."""

    trial: PlayedTrial
    ticks: dict[str, SensorResult]
    result: ExecuteInProcessResult | None
    published_before: tuple[str, tuple]
    published_after: tuple[str, tuple]
    reader: PublishedReader


def _write_late_files(trial: PlayedTrial) -> None:
    school = a_school_name(trial)
    write_contacts(
        trial.landing / "contacts" / "zz_late_contacts_2020-03.csv",
        [new_contact("LATE0001", "Telephone", school), new_contact("LATE0002", "Email", school)],
    )
    write_contacts(
        trial.landing / "contacts" / "zz_bad_values_2020-03.csv",
        [
            new_contact("BAD00001", "WhatsApp", school),
            {**new_contact("BAD00002", "Telephone", school), "Referrer Name": "x" * 1_000_000},
            {**new_contact("BAD00003", "Telephone", school), "Contact Date Time": "01/01/1900"},
        ],
    )
    calls = trial.landing / "calls" / "zz_bad_values_2020-03.csv"
    calls.write_text("call_id,call_start,talk_seconds\nBADCALL1,16/03/2020 10:15,1000000000\n")
    settle(calls)


@pytest.fixture(scope="module")
def late_night(played_trial, tmp_path_factory) -> LateNight:
    """The sensor's ticks as the late files land, and the one run it asks for, executed
    while an analyst reads the published file."""
    from dagster_project.definitions import defs
    from dagster_project.defs.sensors import landing_files

    trial = copy_trial(played_trial, tmp_path_factory.mktemp("late_night") / "data")
    instance = DagsterInstance.ephemeral()

    def evaluate(cursor):
        return landing_files(build_sensor_context(instance=instance, cursor=cursor))

    with pytest.MonkeyPatch.context() as environment:
        environment.setenv(settings.DATA_DIR_ENV, str(trial.data_dir))
        environment.setenv(settings.PSEUDONYM_KEY_ENV, trial.env[settings.PSEUDONYM_KEY_ENV])
        for path in trial.landing.rglob("*"):
            settle(path)
        ticks = {"settled": evaluate(evaluate(None).cursor)}
        _write_late_files(trial)
        ticks["waiting"] = evaluate(ticks["settled"].cursor)
        ticks["ready"] = evaluate(ticks["waiting"].cursor)
        ticks["after"] = evaluate(ticks["ready"].cursor)
        before = (sha256(trial.published), published_version(trial.published))
        result = None
        with PublishedReader(trial.published) as reader:
            for request in ticks["ready"].run_requests[:1]:
                job = defs().resolve_job_def(request.job_name or "refresh_warehouse")
                result = job.execute_in_process(
                    instance=instance, tags=request.tags, raise_on_error=False
                )
        after = (sha256(trial.published), published_version(trial.published))
    return LateNight(trial, ticks, result, before, after, reader)


def test_a_new_file_starts_one_run_that_publishes_it(late_night):
    ticks = late_night.ticks
    assert not ticks["settled"].run_requests, "the files already there are in loaded_files"
    assert not ticks["waiting"].run_requests
    assert len(ticks["ready"].run_requests) == 1
    assert not ticks["after"].run_requests, "one batch, one run"
    assert late_night.result is not None and late_night.result.success

    (_, before), (_, after) = late_night.published_before, late_night.published_after
    # the two late contacts, and the bad values' contacts whose faults leave them loaded: an
    # unknown method, a referrer name cut to length (the third's date is rejected)
    assert after != before and after[1] == before[1] + 4
    reader = late_night.reader
    assert reader.errors == [] and reader.queries > 10
    assert set(reader.seen) <= {before, after}, "every query saw the old file or the new one"
    published = late_night.trial.query(
        "select contact_id, channel from marts.fct_contacts where contact_id like 'LATE%' "
        "order by contact_id",
        published=True,
    )
    assert published.to_dict("records") == [
        {"contact_id": "LATE0001", "channel": "phone"},
        {"contact_id": "LATE0002", "channel": "email"},
    ]


def test_a_night_of_bad_values_still_publishes_and_audits_each(late_night):
    assert late_night.result is not None and late_night.result.success
    assert late_night.published_after[0] != late_night.published_before[0]
    trial = late_night.trial
    rejected = trial.query(
        "select file_name, column_name, reason from audit.rejected_rows "
        "where file_name like '%zz_bad_values%'",
        published=True,
    )
    reasons = dict(zip(rejected["column_name"], rejected["reason"], strict=True))
    assert "2000-01-01" in reasons["contact_datetime"]
    assert "seconds" in reasons["talk_seconds"]
    assert "referrer_name" in reasons
    unmapped = trial.query(
        "select value from audit.unmapped_values where kind = 'contact_method'", published=True
    )
    assert "WhatsApp" in set(unmapped["value"])
    channel = trial.query(
        "select channel from marts.fct_contacts where contact_id = 'BAD00001'", published=True
    )
    assert list(channel["channel"]) == ["other"]
    loaded = trial.query(
        "select contact_id from marts.fct_contacts where contact_id like 'BAD%' order by 1",
        published=True,
    )
    assert list(loaded["contact_id"]) == ["BAD00001", "BAD00002"]
