"""Extracts as other systems write them: other delimiters and encodings, a title row above a
workbook's header, damaged lines, other header names, and values outside the read limits."""

import csv
import io
import json

import pytest

from dagster_project.ingest import scanning, validation
from dagster_project.pseudonymise import pseudonymise

#: A Mosaic-style header for the contract's contact columns (same order as Rows.contact).
MOSAIC_HEADER = [
    "Contact ID",
    "Person ID",
    "Contact Date",
    "Contact Method",
    "Referral Source",
    "Referrer",
    "Outcome",
]


def _text(rows: list[list], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def exports(module_env, rows):
    env = module_env
    with_comma = {"referrer_name": "Abbey School, office; north | east"}
    for name, delimiter in [("01_semicolon", ";"), ("02_tab", "\t"), ("03_pipe", "|")]:
        records = rows.contacts({"contact_id": f"{name}-1", **with_comma})
        env.drop(f"contacts/{name}.csv", _text(records, delimiter).encode())
    utf16 = rows.contacts({"contact_id": "utf16-1", "referrer_name": "Crèche – St Mary’s"})
    env.drop("contacts/04_utf16le.csv", _text(utf16, "\t").encode("utf-16"))
    utf16be = rows.contacts({"contact_id": "utf16be-1"})
    env.drop("contacts/05_utf16be.csv", b"\xfe\xff" + _text(utf16be, ",").encode("utf-16-be"))
    titled = [["MASH contacts, September 2017"], []] + rows.contacts(
        {"contact_id": "titled-1"}, {"contact_id": "titled-2"}
    )
    env.drop_xlsx("contacts/06_titled.xlsx", titled)
    damaged = _text(rows.contacts({"contact_id": "dmg-1"}), ",")
    damaged += "this line is junk\r\n"
    damaged += _text(rows.contacts({"contact_id": "dmg-2", "child_id": "CH\x00LD"})[1:], ",")
    damaged += _text(rows.contacts({"contact_id": "dmg-3"})[1:], ",").replace("\r\n", ",x\r\n")
    damaged += _text(rows.contacts({"contact_id": "dmg-4"})[1:], ",")
    env.drop("contacts/07_damaged.csv", damaged.encode())
    mosaic = rows.contacts({"contact_id": "mosaic-1"}, header=MOSAIC_HEADER)
    for row, note in zip(mosaic, ["Worker Notes", "called back"], strict=True):
        row.append(note)
    env.drop_csv("contacts/08_mosaic.csv", mosaic)
    unknown = rows.contacts({"contact_id": "unknown-1"}, header=[*MOSAIC_HEADER[:2], "Contact Dt"])
    env.drop_csv("contacts/09_unknown_header.csv", [row[:3] for row in unknown])
    env.drop_csv(
        "contacts/10_limits.csv",
        rows.contacts(
            {"contact_id": "limit-1", "contact_datetime": "01/01/1900"},
            {"contact_id": "limit-2", "contact_datetime": "31/12/1999 23:59"},
            {"contact_id": "limit-3", "referrer_name": "Abbey " * 1000},
        ),
    )
    env.drop_csv(
        "calls/01_telephony.csv",
        [
            ["Call ID", "Start Time", "CLI", "Talk Time", "Agent Extension"],
            ["K1", "01/09/2017 09:00", "07700 900123", "300", "2001"],
            ["K2", "01/09/2017 09:05", "07700 900456", "1000000000", "2002"],
            ["K3", "01/09/2017 09:10", "07700 900789", "86401", "2003"],
        ],
    )
    result, messages = env.materialize()
    assert result.success
    return env, messages


def _loaded(env) -> dict[str, tuple]:
    return {
        row[0]: row[1:]
        for row in env.query(
            "SELECT contact_id, referrer_name, source_file, source_row, extra_columns "
            "FROM raw.contacts"
        )
    }


def _rejected(env, file_name: str) -> list[tuple]:
    return env.query(
        "SELECT row_number, column_name, reason FROM audit.rejected_rows WHERE file_name = ? "
        "ORDER BY row_number, column_name",
        [file_name],
    )


def test_delimiters_and_utf16_are_read(exports, rows):
    env, _ = exports
    loaded = _loaded(env)
    for name in ("01_semicolon", "02_tab", "03_pipe"):
        assert loaded[f"{name}-1"][:3] == (
            "Abbey School, office; north | east",
            f"contacts/{name}.csv",
            2,
        )
    assert loaded["utf16-1"][0] == "Crèche – St Mary’s"
    assert loaded["utf16be-1"][0] == rows.contact["referrer_name"]


def test_a_title_row_above_a_workbook_header_is_skipped(exports):
    env, _ = exports
    loaded = _loaded(env)
    assert [loaded[key][2] for key in ("titled-1", "titled-2")] == [4, 5]
    assert _rejected(env, "contacts/06_titled.xlsx") == []


def test_unparseable_lines_are_rejected_one_by_one_and_the_rest_loads(exports):
    env, messages = exports
    loaded = _loaded(env)
    assert [loaded[key][2] for key in ("dmg-1", "dmg-4")] == [2, 6]
    assert "dmg-2" not in loaded and "dmg-3" not in loaded
    rejected = _rejected(env, "contacts/07_damaged.csv")
    assert [(row, column) for row, column, _ in rejected] == [
        (3, validation.WHOLE_ROW),
        (4, "child_id"),
        (5, validation.WHOLE_ROW),
    ]
    reasons = [reason for _, _, reason in rejected]
    assert (
        reasons[0].startswith(scanning.TOO_FEW_VALUES) and "line 3 in a text editor" in reasons[0]
    )
    assert reasons[1] == scanning.CONTROL_CHARACTER
    assert reasons[2].startswith(scanning.TOO_MANY_VALUES)
    assert env.query(
        "SELECT rows_read, rows_loaded, rows_rejected FROM audit.loaded_files "
        "WHERE file_name = 'contacts/07_damaged.csv'"
    ) == [(5, 2, 3)]
    assert "this line is junk" not in "\n".join(messages)


def test_other_header_names_load_through_the_aliases(exports, rows):
    env, _ = exports
    assert _loaded(env)["mosaic-1"][0] == rows.contact["referrer_name"]
    assert env.query(
        "SELECT child_key, contact_at::VARCHAR FROM raw.contacts WHERE contact_id = 'mosaic-1'"
    ) == [(pseudonymise(rows.contact["child_id"]), "2017-09-01 10:00:00")]


def test_extra_columns_are_recorded_by_name_not_stored(exports):
    env, _ = exports
    assert json.loads(_loaded(env)["mosaic-1"][3]) == {}
    assert env.query(
        "SELECT extra_headers FROM audit.loaded_files WHERE file_name = 'contacts/08_mosaic.csv'"
    ) == [(["Worker Notes"],)]
    assert env.query("SELECT DISTINCT extra_columns::VARCHAR FROM raw.calls") == [("{}",)]


def test_an_unknown_header_is_quarantined_with_the_alias_line_to_add(exports):
    env, _ = exports
    [(reason,)] = env.query(
        "SELECT reason FROM audit.quarantined_files "
        "WHERE file_name = 'contacts/09_unknown_header.csv'"
    )
    for missing in ("contact_datetime", "contact_method", "referrer_type", "contact_outcome"):
        assert missing in reason
    assert "closest headers in the file: 'Contact Dt'" in reason
    assert '`      - "Contact Dt"` under `contacts:` / `columns:` / `contact_datetime:`' in reason


def test_a_caller_number_under_another_name_is_pseudonymised(exports):
    env, _ = exports
    assert env.query("SELECT call_id, caller_key, caller_number FROM raw.calls") == [
        ("K1", pseudonymise("07700900123"), None)
    ]


def test_values_outside_the_read_limits(exports):
    env, _ = exports
    limits = validation.Limits()
    assert _rejected(env, "contacts/10_limits.csv") == [
        (2, "contact_datetime", limits.before_earliest()),
        (3, "contact_datetime", limits.before_earliest()),
        (4, "referrer_name", limits.text_cut()),
    ]
    assert len(_loaded(env)["limit-3"][0]) == limits.free_text_max_chars
    assert _rejected(env, "calls/01_telephony.csv") == [
        (3, "talk_seconds", limits.over_max_duration()),
        (4, "talk_seconds", limits.over_max_duration()),
    ]
    assert env.query(
        "SELECT rows_loaded, rows_rejected FROM audit.loaded_files "
        "WHERE file_name = 'contacts/10_limits.csv'"
    ) == [(1, 2)]
