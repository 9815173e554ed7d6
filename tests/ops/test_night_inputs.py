"""A night with nothing new is recognised from a fingerprint of its inputs, checked against
the last build recorded in a real DuckDB warehouse file; every kind of input moves it."""

import os
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project import night_inputs
from dagster_project.night_inputs import (
    fingerprint,
    last_built_fingerprint,
    nothing_changed,
    record,
)

MONTH = date(2026, 11, 1)
FILES = {
    "landing/contacts/contacts_2026-10.csv": "contact_id,child_id\n1,2\n",
    "landing/calls/calls_2026-10.csv": "call_id,call_start\nC1,2026-10-01T09:00:00\n",
    "landing/schools/edubasealldata.csv": "URN,EstablishmentName\n1,A School\n",
    "project/dagster_project/ingest/landing.py": "LOADED = True\n",
    "project/dbt/dbt_project.yml": "name: mash\n",
    "project/dbt/models/marts/fct_contacts.sql": "select 1 as contact_id\n",
    "project/dbt/macros/normalise.sql": "{% macro clean(x) %}trim({{ x }}){% endmacro %}\n",
    "project/dbt/seeds/contact_methods.csv": "raw,channel\nPhone,phone\n",
    "project/dbt/seeds/agency_match_overrides.csv": "referrer_name_key,agency_id\n",
    "project/expectations/raw.contacts.json": "{}\n",
    "project/config/trial_plan.yml": "title: a trial\n",
    "council/profile.yml": (
        "council: {la_code: '123', la_name: A Council, ons_code: E06000001, "
        "population_0_17: 1000}\nagency_register: agencies.csv\n"
    ),
    "council/agencies.csv": "agency_id,agency_name,agency_type\nPOL001,A Police,Police\n",
}


@pytest.fixture
def inputs(tmp_path) -> Path:
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.fixture
def conn(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield connection
    connection.close()


def night(folder: Path, month: date = MONTH) -> night_inputs.Fingerprint:
    return fingerprint(
        landing_dir=folder / "landing",
        project_root=folder / "project",
        trial_plan=folder / "project" / "config" / "trial_plan.yml",
        council_profile=folder / "council" / "profile.yml",
        month=month,
    )


def later_mtime(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_a_night_with_nothing_new_matches_the_last_build(inputs, conn):
    assert not nothing_changed(conn, night(inputs)), "nothing built yet: the first night builds"
    record(conn, night(inputs), built=True)

    assert nothing_changed(conn, night(inputs))
    reason = record(conn, night(inputs), built=False)
    assert reason == "nothing changed since the last build"
    rows = conn.execute(
        "select fingerprint, rebuilt, reason from audit.night_checks order by checked_at"
    ).fetchall()
    assert [(rebuilt, reason) for _, rebuilt, reason in rows] == [
        (True, "no earlier build recorded"),
        (False, "nothing changed since the last build"),
    ]
    assert {digest for digest, _, _ in rows} == {night(inputs).digest}


def test_the_record_is_kept_in_the_warehouse_file(inputs, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as first:
        record(first, night(inputs), built=True)
    with duckdb.connect(str(path)) as second:
        assert nothing_changed(second, night(inputs))
        assert last_built_fingerprint(second) == night(inputs)


def _touch_landing(folder: Path) -> None:
    later_mtime(folder / "landing/contacts/contacts_2026-10.csv")


def _new_landing_file(folder: Path) -> None:
    (folder / "landing/calls/calls_2026-11.csv").write_text("call_id,call_start\n")


def _landing_file_gone(folder: Path) -> None:
    (folder / "landing/calls/calls_2026-10.csv").unlink()


def _edit_seed(folder: Path) -> None:
    with (folder / "project/dbt/seeds/contact_methods.csv").open("a") as seed:
        seed.write("Email,email\n")


def _edit_overrides(folder: Path) -> None:
    with (folder / "project/dbt/seeds/agency_match_overrides.csv").open("a") as seed:
        seed.write("st marys,SCH1\n")


def _edit_plan(folder: Path) -> None:
    (folder / "project/config/trial_plan.yml").write_text("title: another trial\n")


def _edit_council_profile(folder: Path) -> None:
    profile = folder / "council/profile.yml"
    profile.write_text(profile.read_text().replace("A Council", "Another Council"))


def _edit_agency_register(folder: Path) -> None:
    with (folder / "council/agencies.csv").open("a") as register:
        register.write("HLT001,A Hospital,Health services\n")


def _break_council_profile(folder: Path) -> None:
    (folder / "council/agencies.csv").unlink()


def _edit_model(folder: Path) -> None:
    (folder / "project/dbt/models/marts/fct_contacts.sql").write_text("select 2 as contact_id\n")


def _edit_macro(folder: Path) -> None:
    (folder / "project/dbt/macros/normalise.sql").write_text("{% macro clean(x) %}{% endmacro %}")


def _edit_code(folder: Path) -> None:
    (folder / "project/dagster_project/ingest/landing.py").write_text("LOADED = False\n")


def _edit_suite(folder: Path) -> None:
    (folder / "project/expectations/raw.contacts.json").write_text('{"expectations": []}\n')


@pytest.mark.parametrize(
    ("change", "part"),
    [
        (_touch_landing, "landing"),
        (_new_landing_file, "landing"),
        (_landing_file_gone, "landing"),
        (_edit_seed, "seeds"),
        (_edit_overrides, "match_overrides"),
        (_edit_plan, "trial_plan"),
        (_edit_council_profile, "council"),
        (_edit_agency_register, "council"),
        (_break_council_profile, "council"),
        (_edit_model, "dbt"),
        (_edit_macro, "dbt"),
        (_edit_code, "code"),
        (_edit_suite, "code"),
    ],
    ids=lambda value: value.__name__.strip("_") if callable(value) else value,
)
def test_each_input_changes_the_night(inputs, conn, change, part):
    record(conn, night(inputs), built=True)
    change(inputs)

    assert not nothing_changed(conn, night(inputs))
    assert night(inputs).changed_parts(last_built_fingerprint(conn)) == [part]
    assert record(conn, night(inputs), built=True) == f"changed: {part}"
    assert nothing_changed(conn, night(inputs)), "after the rebuild, the same night is a no-op"


def test_a_new_month_changes_the_night(inputs, conn):
    record(conn, night(inputs, month=MONTH), built=True)

    assert nothing_changed(conn, night(inputs, month=MONTH))
    assert not nothing_changed(conn, night(inputs, month=date(2026, 12, 1)))
    assert night(inputs, month=date(2026, 12, 1)).changed_parts(last_built_fingerprint(conn)) == [
        "month"
    ]


def test_build_outputs_and_unfinished_copies_do_not_count(inputs, conn):
    record(conn, night(inputs), built=True)
    outputs = {
        "project/dbt/target/manifest.json": "{}",
        "project/dbt/logs/dbt.log": "ran",
        "project/dagster_project/ingest/__pycache__/landing.cpython-311.pyc": "bytes",
        "landing/contacts/.contacts_2026-11.csv.partial": "contact_id",
        "landing/contacts/~$contacts_2026-11.xlsx": "lock",
        "landing/contacts/notes.txt": "not an extract",
    }
    for name, text in outputs.items():
        path = inputs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    assert nothing_changed(conn, night(inputs))


def test_a_skipped_night_does_not_become_the_baseline(inputs, conn):
    record(conn, night(inputs), built=True, checked_at=datetime(2026, 11, 1, 2, 0))
    _edit_seed(inputs)
    record(
        conn,
        night(inputs),
        built=False,
        reason="the run failed",
        checked_at=datetime(2026, 11, 2, 2, 0),
    )

    assert not nothing_changed(conn, night(inputs)), "a failed night is tried again"
    assert record(conn, night(inputs), built=True) == "changed: seeds"


def test_the_project_itself_fingerprints_the_same_twice(data_dir):
    first, second = fingerprint(month=MONTH), fingerprint(month=MONTH)

    assert first == second
    assert set(first.parts) == set(night_inputs.PARTS)
