"""A Microsoft Teams Phone "PSTN/Direct Routing usage" export loads with the shipped alias
file: every answered and unanswered call, its UTC times (Z or an offset) on UK local time
across both changes of the clocks, its HH:MM:SS durations in seconds."""

import random
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import yaml

from dagster_project.ingest.contracts import CALLS
from dagster_project.ingest.headers import DEFAULT_ALIASES, load_aliases, map_headers
from dagster_project.ingest.reading import FileRefused

UK = ZoneInfo("Europe/London")

TEAMS_HEADER = [
    "UPN",
    "Display Name",
    "Caller Number",
    "Callee Number",
    "Call type",
    "Start time",
    "Invite time",
    "Failure time",
    "End time",
    "Duration",
    "Success",
    "Final SIP code",
    "Final SIP code phrase",
    "Correlation ID",
    "Shared correlation ID",
]

#: The MASH's own number: every call's callee.
MASH_NUMBER = "+441926414144"

#: Calls on either side of the clock changes (BST ended 2017-10-29 01:00 UTC and began
#: 2018-03-25 01:00 UTC), and the hour that happens twice.
EDGES = [
    datetime(2017, 10, 29, 0, 0, 0, tzinfo=UTC),
    datetime(2017, 10, 29, 0, 30, 0, tzinfo=UTC),
    datetime(2017, 10, 29, 0, 59, 59, tzinfo=UTC),
    datetime(2017, 10, 29, 1, 0, 0, tzinfo=UTC),
    datetime(2017, 10, 29, 1, 30, 0, tzinfo=UTC),
    datetime(2018, 3, 25, 0, 30, 0, tzinfo=UTC),
    datetime(2018, 3, 25, 0, 59, 59, tzinfo=UTC),
    datetime(2018, 3, 25, 1, 0, 0, tzinfo=UTC),
    datetime(2018, 3, 25, 1, 30, 0, tzinfo=UTC),
]

#: How a time is written: in UTC with Z, or at an offset (as systems abroad write it).
OFFSETS = [None, timedelta(hours=1), timedelta(hours=-5), timedelta(0), timedelta(hours=5.5)]


def _written(instant: datetime, form: int) -> str:
    offset = OFFSETS[form % len(OFFSETS)]
    if offset is None:
        return instant.strftime("%Y-%m-%dT%H:%M:%S") + (".1234567Z" if form % 2 else "Z")
    return instant.astimezone(timezone(offset)).isoformat(timespec="seconds")


def _uk(instant: datetime, form: int) -> datetime:
    """The expected call_start: UK wall time, microseconds from a seven-digit fraction."""
    fraction = 123456 if OFFSETS[form % len(OFFSETS)] is None and form % 2 else 0
    return instant.astimezone(UK).replace(tzinfo=None, microsecond=fraction)


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02}:{seconds % 3600 // 60:02}:{seconds % 60:02}"


def _row(
    call_id: str, index: int, invite: str, answered_at: str, hung_up_at: str, talk: int
) -> list[str]:
    """A row in the export's column order: an answered call has a start and an end time,
    an unanswered one a failure time."""
    answered = bool(answered_at)
    return [
        "mash.duty@council.example",
        "MASH Duty",
        f"+4477009{index:05}",
        MASH_NUMBER,
        "user_in",
        answered_at,
        invite,
        hung_up_at,
        "2018-06-30T23:00:00Z" if answered else "",
        _hms(talk),
        "Yes" if answered else "No",
        "200" if answered else "487",
        "BYE" if answered else "Request Terminated",
        call_id,
        f"shared-{call_id}",
    ]


#: Hand-written calls on the clock change days: (Correlation ID, Invite time, Start time,
#: Failure time, the UK local call_start, the wait). A wait across a change is its length,
#: not the change of UK wall time.
CLOCK_CHANGE_CALLS = [
    ("edge-1", "2017-10-29T00:59:40Z", "2017-10-29T00:59:59Z", "", (2017, 10, 29, 1, 59, 59), 19),
    (
        "edge-2",
        "2017-10-29T01:59:50+01:00",
        "2017-10-29T01:00:10Z",
        "",
        (2017, 10, 29, 1, 0, 10),
        20,
    ),
    ("edge-3", "2017-10-29T01:30:00+01:00", "", "2017-10-29T00:31:05Z", (2017, 10, 29, 1, 30), 65),
    ("edge-4", "2017-10-28T20:30:00-05:00", "", "2017-10-29T01:30:30Z", (2017, 10, 29, 1, 30), 30),
    (
        "edge-5",
        "2018-03-25T00:59:30Z",
        "2018-03-25T00:59:59.5Z",
        "",
        (2018, 3, 25, 0, 59, 59, 500000),
        29,
    ),
    (
        "edge-6",
        "2018-03-24T20:00:00-05:00",
        "",
        "2018-03-25T02:00:45+01:00",
        (2018, 3, 25, 2, 0),
        45,
    ),
    (
        "edge-7",
        "2018-03-25T00:59:00Z",
        "2018-03-25T02:00:30+01:00",
        "",
        (2018, 3, 25, 2, 0, 30),
        90,
    ),
]


def teams_export(seed: int = 18) -> tuple[list[list[str]], dict[str, tuple]]:
    """Rows of an export (header first), and each call's expected (call_start,
    wait_seconds, talk_seconds, call_result) by its Correlation ID: the hand-written calls,
    then calls at random times (UK time by Python's zoneinfo) written in each form."""
    rows, expected = [TEAMS_HEADER], {}
    for index, (call_id, invite, answered_at, hung_up_at, uk, wait) in enumerate(
        CLOCK_CHANGE_CALLS
    ):
        talk = 95 if answered_at else 0
        rows.append(_row(call_id, index, invite, answered_at, hung_up_at, talk))
        expected[call_id] = (datetime(*uk), wait, talk, "Yes" if answered_at else "No")
    rng = random.Random(seed)
    instants = EDGES + [
        datetime(2017, 9, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(300 * 86400))
        for _ in range(40)
    ]
    for index, invite in enumerate(instants, start=len(rows)):
        answered = index % 3 != 2
        talk = rng.choice([rng.randrange(1, 900), rng.randrange(3600, 7200)]) if answered else 0
        wait = rng.randrange(3, 600)
        # The answer (or hang-up) written in another form than the invite.
        answer_form, invite_form = index, index + 1
        answer = _written(invite + timedelta(seconds=wait), answer_form)
        call_id = f"{rng.getrandbits(128):032x}"
        rows.append(
            _row(
                call_id,
                index,
                _written(invite, invite_form),
                answer if answered else "",
                "" if answered else answer,
                talk,
            )
        )
        call_start = (
            _uk(invite + timedelta(seconds=wait), answer_form)
            if answered
            else _uk(invite, invite_form)
        )
        expected[call_id] = (call_start, wait, talk, "Yes" if answered else "No")
    return rows, expected


@pytest.fixture(scope="module")
def teams(module_env):
    rows, expected = teams_export()
    module_env.drop_csv("calls/PSTN_usage_2017-09_2018-06.csv", rows, bom=True)
    result, _ = module_env.materialize()
    assert result.success
    loaded = {
        call_id: tuple(values)
        for call_id, *values in module_env.query(
            "SELECT call_id, call_start, wait_seconds, talk_seconds, call_result FROM raw.calls"
        )
    }
    return module_env, expected, loaded


def test_every_answered_and_unanswered_call_loads_on_uk_time(teams):
    env, expected, loaded = teams
    assert env.query(
        "SELECT status, rows_read, rows_loaded, rows_rejected FROM audit.loaded_files"
    ) == [("loaded", len(expected), len(expected), 0)]
    assert env.query("SELECT count(*) FROM audit.rejected_rows") == [(0,)]
    assert loaded == expected
    results = [values[-1] for values in loaded.values()]
    assert results.count("No") > 10 and results.count("Yes") > 20


def test_times_and_waits_on_the_clock_change_days(teams):
    _, _, loaded = teams
    assert {call_id: loaded[call_id][:2] for call_id, *_ in CLOCK_CHANGE_CALLS} == {
        call_id: (datetime(*uk), wait) for call_id, _, _, _, uk, wait in CLOCK_CHANGE_CALLS
    }


def test_the_mash_own_number_is_an_extra_and_callers_are_pseudonymised(teams):
    env, expected, _ = teams
    [(extra_headers,)] = env.query("SELECT extra_headers FROM audit.loaded_files")
    assert {"Callee Number", "Invite time", "Failure time"} <= set(extra_headers)
    assert env.query(
        "SELECT count(caller_key), count(caller_number), count(DISTINCT caller_key) FROM raw.calls"
    ) == [(len(expected), 0, len(expected))]


def test_without_the_alias_the_refusal_suggests_the_correlation_id_not_the_callee(tmp_path):
    configured = yaml.safe_load(DEFAULT_ALIASES.read_text())
    configured["calls"]["columns"]["call_id"].remove("Correlation ID")
    path = tmp_path / "aliases.yml"
    path.write_text(yaml.safe_dump(configured))
    with pytest.raises(FileRefused) as refusal:
        map_headers(TEAMS_HEADER, CALLS, load_aliases(path)["calls"])
    reason = str(refusal.value)
    assert "required column call_id not found" in reason
    closest = reason.split("closest headers in the file: ")[1].split(";")[0]
    assert "'Correlation ID'" in closest.split(", ")
    # The MASH's own number is a near spelling of caller_number's "Caller Number"; the
    # invite time stands in for call_start: neither is offered.
    assert "Callee" not in reason and "Invite" not in reason
