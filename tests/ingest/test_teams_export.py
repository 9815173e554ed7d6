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


def _row(call_id: str, index: int, start: str, invite: str, end: str, talk: int) -> list[str]:
    """A row in the export's column order; an unanswered call has no start or end time."""
    answered = bool(start)
    return [
        "mash.duty@council.example",
        "MASH Duty",
        f"+4477009{index:05}",
        MASH_NUMBER,
        "user_in",
        start,
        invite,
        "" if answered else invite,
        end,
        _hms(talk),
        "Yes" if answered else "No",
        "200" if answered else "487",
        "BYE" if answered else "Request Terminated",
        call_id,
        f"shared-{call_id}",
    ]


#: Hand-written calls on the clock change days: (Correlation ID, Start time, Invite time,
#: the UK local call_start).
CLOCK_CHANGE_CALLS = [
    ("edge-1", "2017-10-29T00:59:59Z", "2017-10-29T00:59:40Z", datetime(2017, 10, 29, 1, 59, 59)),
    ("edge-2", "2017-10-29T01:00:00Z", "2017-10-29T00:59:50Z", datetime(2017, 10, 29, 1, 0, 0)),
    ("edge-3", "", "2017-10-29T01:30:00+01:00", datetime(2017, 10, 29, 1, 30)),
    ("edge-4", "", "2017-10-28T20:30:00-05:00", datetime(2017, 10, 29, 1, 30)),
    (
        "edge-5",
        "2018-03-25T00:59:59.5Z",
        "2018-03-25T00:59:30Z",
        datetime(2018, 3, 25, 0, 59, 59, 500000),
    ),
    ("edge-6", "", "2018-03-24T20:00:00-05:00", datetime(2018, 3, 25, 2, 0)),
    ("edge-7", "2018-03-25T02:30:00+01:00", "2018-03-25T01:29:00Z", datetime(2018, 3, 25, 2, 30)),
]


def teams_export(seed: int = 18) -> tuple[list[list[str]], dict[str, tuple]]:
    """Rows of an export (header first), and each call's expected (call_start,
    talk_seconds, call_result) by its Correlation ID: the hand-written calls, then calls at
    random times (UK time by Python's zoneinfo) written in each form."""
    rows, expected = [TEAMS_HEADER], {}
    for index, (call_id, start, invite, call_start) in enumerate(CLOCK_CHANGE_CALLS):
        talk = 95 if start else 0
        rows.append(_row(call_id, index, start, invite, start and "2018-01-01T00:00:00Z", talk))
        expected[call_id] = (call_start, talk, "Yes" if start else "No")
    rng = random.Random(seed)
    instants = EDGES + [
        datetime(2017, 9, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(300 * 86400))
        for _ in range(40)
    ]
    for index, invite in enumerate(instants, start=len(rows)):
        answered = index % 3 != 2
        talk = rng.choice([rng.randrange(1, 900), rng.randrange(3600, 7200)]) if answered else 0
        start = invite + timedelta(seconds=rng.randrange(3, 60))
        call_id = f"{rng.getrandbits(128):032x}"
        rows.append(
            _row(
                call_id,
                index,
                _written(start, index) if answered else "",
                _written(invite, index + 1),
                _written(start + timedelta(seconds=talk), index) if answered else "",
                talk,
            )
        )
        call_start = _uk(start, index) if answered else _uk(invite, index + 1)
        expected[call_id] = (call_start, talk, "Yes" if answered else "No")
    return rows, expected


@pytest.fixture(scope="module")
def teams(module_env):
    rows, expected = teams_export()
    module_env.drop_csv("calls/PSTN_usage_2017-09_2018-06.csv", rows, bom=True)
    result, _ = module_env.materialize()
    assert result.success
    loaded = {
        call_id: (call_start, talk_seconds, call_result)
        for call_id, call_start, talk_seconds, call_result in module_env.query(
            "SELECT call_id, call_start, talk_seconds, call_result FROM raw.calls"
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
    results = [result for _, _, result in loaded.values()]
    assert results.count("No") > 10 and results.count("Yes") > 20


def test_times_on_the_clock_change_days_are_uk_wall_time(teams):
    _, _, loaded = teams
    assert {call_id: loaded[call_id][0] for call_id, *_ in CLOCK_CHANGE_CALLS} == {
        call_id: call_start for call_id, _, _, call_start in CLOCK_CHANGE_CALLS
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
