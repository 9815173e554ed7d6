"""The project's corpus of damaged extracts: each kind of file a council's systems may drop,
built here, with what must happen to it (extract contract, "Bad input").

A baseline is loaded first; then every corpus file lands at once and one real Dagster
materialisation reads them all, then a second reruns over the same folder. Each case asserts
the file's audit rows (audit.loaded_files, audit.rejected_rows, audit.quarantined_files) and
its rows in the raw table, and the baseline's rows are checked to be unchanged.

Each expectation reads as: ``loads(n)`` (n rows in the raw table, nothing rejected),
``rejects(n, (row, column, reason), ...)`` (n rows loaded, exactly those rejections, the
reason as a substring), ``quarantines(reason)`` or ``skipped(message)``.
"""

import codecs
import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import openpyxl
import pytest

from dagster_project.ingest import scanning, validation
from dagster_project.pseudonymise import pseudonymise
from tests.ingest.conftest import CALL, CONTACT, LINK, SCHOOL

LIMITS = validation.Limits()
WHOLE = validation.WHOLE_ROW
MEGABYTE_NAME = "Abbey Infant School " * 52_429  # just over 1 MB
RAW_TABLE = {"contacts": "contacts", "calls": "calls", "schools": "schools"}


def records(defaults: dict, *overrides: dict, header: list[str] | None = None) -> list[list]:
    rows = [header or list(defaults)]
    rows += [[{**defaults, **override}[name] for name in defaults] for override in overrides]
    return rows


def contacts(*overrides: dict, header: list[str] | None = None) -> list[list]:
    return records(CONTACT, *overrides, header=header)


def calls(*overrides: dict, header: list[str] | None = None) -> list[list]:
    return records(CALL, *overrides, header=header)


def text(rows: list[list], delimiter: str = ",", newline: str = "\r\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buffer.getvalue()


def csv_bytes(rows: list[list], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    return text(rows, delimiter).encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def numbered(prefix: str, count: int) -> list[dict]:
    return [{"contact_id": f"{prefix}-{n}"} for n in range(1, count + 1)]


@dataclass(frozen=True)
class Expect:
    status: str
    loads: int = 0
    rejections: tuple[tuple[int, str, str], ...] = ()
    reason: str = ""


def loads(count: int) -> Expect:
    return Expect("loaded", count)


def rejects(count: int, *rejections: tuple[int, str, str]) -> Expect:
    return Expect("loaded", count, rejections)


def quarantines(reason: str) -> Expect:
    return Expect("quarantined", reason=reason)


def skipped(message: str) -> Expect:
    return Expect("skipped", reason=message)


@dataclass(frozen=True)
class Case:
    kind_id: str
    file: str
    content: Callable[[], bytes]
    expect: Expect
    #: further assertions on the warehouse: ``then(env, file_name)``
    then: Callable | None = field(default=None, compare=False)

    @property
    def kind(self) -> str:
        return self.file.split("/")[0]


def _contact_at(env, file_name: str) -> dict[str, datetime]:
    return dict(
        env.query(
            "SELECT contact_id, contact_at FROM raw.contacts WHERE source_file = ?", [file_name]
        )
    )


def _one(env, sql: str, file_name: str):
    return env.query(sql, [file_name])


def _referrer(expected: str):
    def then(env, file_name):
        assert _one(
            env, "SELECT referrer_name FROM raw.contacts WHERE source_file = ?", file_name
        ) == [(expected,)]

    return then


def _source_rows(*expected: int):
    def then(env, file_name):
        found = _one(
            env, "SELECT source_row FROM raw.contacts WHERE source_file = ? ORDER BY 1", file_name
        )
        assert [row for (row,) in found] == list(expected)

    return then


def _extra_headers(*expected: str):
    def then(env, file_name):
        assert _one(
            env, "SELECT extra_headers FROM audit.loaded_files WHERE file_name = ?", file_name
        ) == [(list(expected),)]
        stored = _one(
            env,
            "SELECT DISTINCT extra_columns::VARCHAR FROM raw.contacts WHERE source_file = ?",
            file_name,
        )
        assert stored == [("{}",)], "extra columns are not stored unless kept"

    return then


def _caller_keys(numbers: list[str | None]):
    """The pseudonyms of these normalised numbers (computed with the test's key)."""

    def then(env, file_name):
        found = _one(
            env,
            "SELECT caller_key, caller_number FROM raw.calls WHERE source_file = ? "
            "ORDER BY call_id",
            file_name,
        )
        assert [key for key, _ in found] == [n and pseudonymise(n) for n in numbers]
        assert all(number is None for _, number in found), "an individual's number is not kept"

    return then


def _mixed_dates(env, file_name):
    assert _contact_at(env, file_name) == {
        "dates-1": datetime(2017, 1, 9, 10, 0),
        "dates-2": datetime(2017, 1, 9, 10, 0),
        "dates-3": datetime(2017, 1, 9),
        "dates-4": datetime(2017, 1, 9, 10, 0, 5),
    }


def _megabyte_cut(env, file_name):
    [(length,)] = _one(
        env, "SELECT length(referrer_name) FROM raw.contacts WHERE source_file = ?", file_name
    )
    assert length == LIMITS.free_text_max_chars
    assert _one(
        env, "SELECT rows_rejected FROM audit.loaded_files WHERE file_name = ?", file_name
    ) == [(0,)], "a cut value is a note, not a rejected row"


def _method_as_typed(env, file_name):
    assert _one(
        env, "SELECT contact_method FROM raw.contacts WHERE source_file = ?", file_name
    ) == [("WhatsApp",)]


def _school_number_kept(env, file_name):
    """The baseline's school registered 01926 410410: an organisation's number is kept."""
    assert _one(
        env, "SELECT caller_key, caller_number FROM raw.calls WHERE source_file = ?", file_name
    ) == [(pseudonymise("01926410410"), "01926410410")]


def _fsm_suppressed(env, file_name):
    assert _one(
        env,
        "SELECT urn, percentage_fsm, number_of_pupils FROM raw.schools WHERE source_file = ? "
        "ORDER BY urn",
        file_name,
    ) == [(125101, None, 210), (125102, 17.5, None)]


def _links(env, file_name):
    assert _one(
        env,
        "SELECT urn, link_urn, link_type FROM raw.school_links WHERE source_file = ?",
        file_name,
    ) == [(125001, 140001, "Successor")]


def _child_keys(expected: dict[str, str]):
    def then(env, file_name):
        found = dict(
            _one(
                env,
                "SELECT contact_id, child_key FROM raw.contacts WHERE source_file = ?",
                file_name,
            )
        )
        assert found == {key: pseudonymise(value) for key, value in expected.items()}

    return then


def _rows_with_ids(table: str, column: str, expected: list[str]):
    def then(env, file_name):
        found = _one(
            env, f"SELECT {column} FROM raw.{table} WHERE source_file = ? ORDER BY 1", file_name
        )
        assert [value for (value,) in found] == sorted(expected)

    return then


MOSAIC = [
    "Contact ID",
    "Person ID",
    "Contact Date",
    "Contact Method",
    "Referral Source",
    "Referrer",
    "Outcome",
]
LCS = [
    "Contact Number",
    "Client ID",
    "Contact Start Date",
    "Method of Contact",
    "Source of Referral",
    "Referrer Organisation",
    "Contact Outcome",
]
ECLIPSE = [
    "CONTACT_REF",
    "CHILD_ID",
    "DATE_OF_CONTACT",
    "CONTACT_MODE",
    "REFERRER_TYPE",
    "REFERRER_NAME",
    "OUTCOME",
]

BASELINE = contacts(*numbered("base", 3))
TITLED = [["MASH contacts export"], ["Run 01/10/2017 06:00"], []] + contacts(*numbered("title", 2))
EMPTY_FIRST = [[]] + contacts(*numbered("gap", 2))
PHONES = [
    ("K-p1", "+44 (0)7700 900123"),
    ("K-p2", "07700-900-123"),
    ("K-p3", "(07700) 900123"),
    ("K-p4", "0044 7700 900123"),
    ("K-p5", "447700900123"),
]


def _with_extra(rows: list[list], header: str, value: str) -> list[list]:
    return [[*row, header if n == 0 else value] for n, row in enumerate(rows)]


def _junk_line() -> bytes:
    good = text(contacts({"contact_id": "junk-1"}))
    return (
        good + "*** end of page 1 ***\r\n" + text(contacts({"contact_id": "junk-2"})[1:])
    ).encode()


def _nul_mid_file(encoding: str = "utf-8") -> bytes:
    name = "Crèche – St Mary’s £" if encoding == "cp1252" else "Abbey"
    rows = contacts(
        {"contact_id": f"nul-{encoding}-1", "referrer_name": name},
        {"contact_id": f"nul-{encoding}-2", "referrer_name": "Ab\x00bey"},
        {"contact_id": f"nul-{encoding}-3", "referrer_name": name},
    )
    return text(rows).encode(encoding)


def _more_fields() -> bytes:
    rows = contacts({"contact_id": "more-1"}, {"contact_id": "more-2"})
    rows[2].append("surplus")
    return text(rows).encode()


def _fewer_fields() -> bytes:
    rows = contacts({"contact_id": "fewer-1"}, {"contact_id": "fewer-2"})
    rows[1] = rows[1][:-2]
    return text(rows).encode()


def _blank_lines() -> bytes:
    rows = contacts(*numbered("blank", 2))
    return (text(rows[:2]) + "\r\n\r\n" + text(rows[2:])).encode()


def _unclosed_quote() -> bytes:
    rows = contacts(
        {"contact_id": "unclosed-1", "referrer_name": '"Abbey'}, {"contact_id": "unclosed-2"}
    )
    return "\n".join(",".join(row) for row in rows).encode()


def _truncated_xlsx() -> bytes:
    return xlsx_bytes(contacts(*numbered("trunc", 2)))[:400]


def _invalid_bytes() -> bytes:
    # 0x81 and 0x8d are neither UTF-8 nor Windows-1252.
    return csv_bytes(contacts({"contact_id": "inv-1"})).replace(b"Abbey", b"Ab\x81\x8dey")


def _repeated_header() -> bytes:
    rows = contacts(*numbered("concat", 2))
    return text(rows[:2] + [rows[0]] + rows[2:]).encode()


CORPUS = [
    # encodings
    Case(
        "utf8 bom",
        "contacts/enc_01_bom.csv",
        lambda: codecs.BOM_UTF8 + csv_bytes(contacts(*numbered("bom", 2))),
        loads(2),
    ),
    Case(
        "utf16 le bom",
        "contacts/enc_02_utf16le.csv",
        lambda: csv_bytes(
            contacts({"contact_id": "u16le", "referrer_name": "Crèche – St Mary’s"}), "\t", "utf-16"
        ),
        loads(1),
        _referrer("Crèche – St Mary’s"),
    ),
    Case(
        "utf16 be bom",
        "contacts/enc_03_utf16be.csv",
        lambda: (
            codecs.BOM_UTF16_BE + csv_bytes(contacts({"contact_id": "u16be"}), ",", "utf-16-be")
        ),
        loads(1),
    ),
    Case(
        "windows-1252",
        "contacts/enc_04_cp1252.csv",
        lambda: csv_bytes(
            contacts({"contact_id": "cp", "referrer_name": "Sainte-Thérèse – Ãœ"}),
            encoding="cp1252",
        ),
        loads(1),
        _referrer("Sainte-Thérèse – Ãœ"),
    ),
    Case(
        "windows-1252 with a nul byte",
        "contacts/enc_06_cp1252_nul.csv",
        lambda: _nul_mid_file("cp1252"),
        rejects(2, (3, "referrer_name", scanning.CONTROL_CHARACTER)),
        _rows_with_ids("contacts", "referrer_name", ["Crèche – St Mary’s £"] * 2),
    ),
    Case(
        "utf-16 without a byte order mark",
        "contacts/enc_07_utf16_no_bom.csv",
        lambda: csv_bytes(contacts({"contact_id": "u16-nobom"}), encoding="utf-16-le"),
        quarantines("binary data (control bytes on its header line)"),
    ),
    Case(
        "invalid bytes",
        "contacts/enc_05_invalid.csv",
        _invalid_bytes,
        quarantines("neither UTF-8 nor Windows-1252"),
    ),
    # delimiters, quoting, line structure
    Case(
        "comma",
        "contacts/del_01_comma.csv",
        lambda: csv_bytes(contacts(*numbered("comma", 2))),
        loads(2),
    ),
    Case(
        "semicolon",
        "contacts/del_02_semicolon.csv",
        lambda: csv_bytes(contacts(*numbered("semi", 2)), ";"),
        loads(2),
    ),
    Case(
        "tab",
        "contacts/del_03_tab.csv",
        lambda: csv_bytes(contacts(*numbered("tab", 2)), "\t"),
        loads(2),
    ),
    Case(
        "pipe",
        "contacts/del_04_pipe.csv",
        lambda: csv_bytes(contacts(*numbered("pipe", 2)), "|"),
        loads(2),
    ),
    Case(
        "quoted separators and newlines",
        "contacts/del_05_quoted.csv",
        lambda: csv_bytes(
            contacts(
                {"contact_id": "q1", "referrer_name": 'Abbey, "DSL"\r\noffice; 2'},
                {"contact_id": "q2"},
            )
        ),
        loads(2),
        _source_rows(2, 3),
    ),
    Case(
        "lf line endings",
        "contacts/del_06_lf.csv",
        lambda: text(contacts(*numbered("lf", 2)), newline="\n").encode(),
        loads(2),
    ),
    Case(
        "unclosed quote",
        "contacts/del_07_unclosed.csv",
        _unclosed_quote,
        rejects(1, (2, WHOLE, scanning.UNCLOSED_QUOTE)),
    ),
    Case(
        "junk line",
        "contacts/del_08_junk.csv",
        _junk_line,
        rejects(2, (3, WHOLE, scanning.TOO_FEW_VALUES)),
    ),
    Case(
        "nul byte mid-file",
        "contacts/del_09_nul.csv",
        _nul_mid_file,
        rejects(2, (3, "referrer_name", scanning.CONTROL_CHARACTER)),
    ),
    Case(
        "more fields",
        "contacts/del_10_more.csv",
        _more_fields,
        rejects(1, (3, WHOLE, scanning.TOO_MANY_VALUES)),
    ),
    Case(
        "fewer fields",
        "contacts/del_11_fewer.csv",
        _fewer_fields,
        rejects(1, (2, WHOLE, scanning.TOO_FEW_VALUES)),
    ),
    Case(
        "blank lines", "contacts/del_12_blank_lines.csv", _blank_lines, loads(2), _source_rows(2, 3)
    ),
    Case(
        "header repeated mid-file",
        "contacts/del_13_concatenated.csv",
        _repeated_header,
        rejects(2, (3, "contact_datetime", validation.UNPARSEABLE_DATETIME)),
    ),
    # empty and not text
    Case("header only", "contacts/emp_01_header_only.csv", lambda: csv_bytes(contacts()), loads(0)),
    Case("empty file", "contacts/emp_02_empty.csv", lambda: b"", quarantines("the file is empty")),
    Case(
        "whitespace only",
        "contacts/emp_03_whitespace.csv",
        lambda: b" \r\n\t\r\n  ",
        quarantines("the file is empty"),
    ),
    Case(
        "binary",
        "contacts/emp_04_binary.csv",
        lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
        quarantines("binary data"),
    ),
    Case(
        "not csv or xlsx",
        "contacts/emp_05_scan.pdf",
        lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
        quarantines("not a CSV or XLSX file"),
    ),
    # workbooks
    Case(
        "truncated xlsx",
        "contacts/xl_01_truncated.xlsx",
        _truncated_xlsx,
        quarantines("truncated or damaged"),
    ),
    Case(
        "xlsx title rows",
        "contacts/xl_02_titled.xlsx",
        lambda: xlsx_bytes(TITLED),
        loads(2),
        _source_rows(5, 6),
    ),
    Case(
        "xlsx empty first row",
        "contacts/xl_03_empty_first_row.xlsx",
        lambda: xlsx_bytes(EMPTY_FIRST),
        loads(2),
        _source_rows(3, 4),
    ),
    # headers
    Case(
        "duplicate headers",
        "contacts/hdr_01_duplicate.csv",
        lambda: csv_bytes(_with_extra(contacts({"contact_id": "dup-h"}), "Contact ID", "X")),
        quarantines("both name contact_id"),
    ),
    Case(
        "missing required column",
        "contacts/hdr_02_missing.csv",
        lambda: csv_bytes([row[:-1] + ["Result"] for row in contacts({"contact_id": "miss"})]),
        quarantines('`      - "Result"` under `contacts:` / `columns:` / `contact_outcome:`'),
    ),
    Case(
        "mosaic headers",
        "contacts/hdr_03_mosaic.csv",
        lambda: csv_bytes(contacts({"contact_id": "mosaic"}, header=MOSAIC)),
        loads(1),
    ),
    Case(
        "liquidlogic headers",
        "contacts/hdr_04_lcs.csv",
        lambda: csv_bytes(contacts({"contact_id": "lcs"}, header=LCS)),
        loads(1),
    ),
    Case(
        "eclipse headers",
        "contacts/hdr_05_eclipse.csv",
        lambda: csv_bytes(contacts({"contact_id": "eclipse"}, header=ECLIPSE)),
        loads(1),
    ),
    Case(
        "extra columns",
        "contacts/hdr_06_extra.csv",
        lambda: csv_bytes(
            _with_extra(
                _with_extra(contacts({"contact_id": "extra"}), "Worker Notes", "rang back"), "", "x"
            )
        ),
        loads(1),
        _extra_headers("Worker Notes", "column_9"),
    ),
    # dates
    Case(
        "future date",
        "contacts/dt_01_future.csv",
        lambda: csv_bytes(
            contacts(
                {"contact_id": "fut-1"},
                {"contact_id": "fut-2", "contact_datetime": "01/01/2999 10:00"},
            )
        ),
        rejects(1, (3, "contact_datetime", validation.FUTURE_DATETIME)),
    ),
    Case(
        "1900 placeholder",
        "contacts/dt_02_1900.csv",
        lambda: csv_bytes(
            contacts(
                {"contact_id": "p1900", "contact_datetime": "01/01/1900"},
                {"contact_id": "p1900-2", "contact_datetime": "1900-01-01 00:00"},
            )
        ),
        rejects(
            0,
            (2, "contact_datetime", LIMITS.before_earliest()),
            (3, "contact_datetime", LIMITS.before_earliest()),
        ),
    ),
    Case(
        "before 2000",
        "contacts/dt_03_1999.csv",
        lambda: csv_bytes(
            contacts(
                {"contact_id": "y1999", "contact_datetime": "31/12/1999 23:59"},
                {"contact_id": "y2000", "contact_datetime": "01/01/2000 00:00"},
            )
        ),
        rejects(1, (2, "contact_datetime", LIMITS.before_earliest())),
    ),
    Case(
        "mixed date formats",
        "contacts/dt_04_mixed.csv",
        lambda: csv_bytes(
            contacts(
                {"contact_id": "dates-1", "contact_datetime": "09/01/2017 10:00"},
                {"contact_id": "dates-2", "contact_datetime": "2017-01-09T10:00"},
                {"contact_id": "dates-3", "contact_datetime": "9/1/2017"},
                {"contact_id": "dates-4", "contact_datetime": "2017-01-09 10:00:05"},
                {"contact_id": "dates-5", "contact_datetime": "01/13/2017 10:00"},
                {"contact_id": "dates-6", "contact_datetime": "9 Jan 2017"},
                {"contact_id": "dates-7", "contact_datetime": "09/01/17"},
            )
        ),
        rejects(
            4,
            (6, "contact_datetime", validation.UNPARSEABLE_DATETIME),
            (7, "contact_datetime", validation.UNPARSEABLE_DATETIME),
            (8, "contact_datetime", validation.UNPARSEABLE_DATETIME),
        ),
        _mixed_dates,
    ),
    # durations
    Case(
        "10^9 second talk time",
        "calls/dur_01_huge.csv",
        lambda: csv_bytes(
            calls(
                {"call_id": "K-h1"},
                {"call_id": "K-h2", "talk_seconds": "1000000000"},
                {"call_id": "K-h3", "wait_seconds": "86401"},
            )
        ),
        rejects(
            1,
            (3, "talk_seconds", LIMITS.over_max_duration()),
            (4, "wait_seconds", LIMITS.over_max_duration()),
        ),
    ),
    Case(
        "negative duration",
        "calls/dur_02_negative.csv",
        lambda: csv_bytes(calls({"call_id": "K-n1", "wait_seconds": "-5"}, {"call_id": "K-n2"})),
        rejects(1, (2, "wait_seconds", validation.NEGATIVE_SECONDS)),
    ),
    Case(
        "non-integer duration",
        "calls/dur_03_fraction.csv",
        lambda: csv_bytes(
            calls(
                {"call_id": "K-f1", "talk_seconds": "12.5"},
                {"call_id": "K-f2", "talk_seconds": "1:05"},
                {"call_id": "K-f3"},
            )
        ),
        rejects(
            1,
            (2, "talk_seconds", validation.UNPARSEABLE_DURATION),
            (3, "talk_seconds", validation.UNPARSEABLE_DURATION),
        ),
    ),
    # free text and required values
    Case(
        "1 MB free text",
        "contacts/txt_01_megabyte.csv",
        lambda: csv_bytes(contacts({"contact_id": "mb", "referrer_name": MEGABYTE_NAME})),
        rejects(1, (2, "referrer_name", LIMITS.text_cut())),
        _megabyte_cut,
    ),
    Case(
        "blank required values",
        "contacts/txt_02_blank_required.csv",
        lambda: csv_bytes(
            contacts(
                {"contact_id": "br-1", "referrer_type": ""},
                {"contact_id": "br-2", "contact_method": ""},
                {"contact_id": "br-3"},
            )
        ),
        rejects(
            1, (2, "referrer_type", validation.MISSING), (3, "contact_method", validation.MISSING)
        ),
    ),
    Case(
        "whitespace-only ids",
        "contacts/txt_03_whitespace_ids.csv",
        lambda: csv_bytes(
            contacts(
                {"contact_id": "   "},
                {"contact_id": "ws-2", "child_id": " \t "},
                {"contact_id": "ws-3", "child_id": "  CHILD-9  "},
            )
        ),
        rejects(1, (2, "contact_id", validation.MISSING), (3, "child_id", validation.MISSING)),
        _child_keys({"ws-3": "CHILD-9"}),
    ),
    Case(
        "duplicate ids within a file",
        "contacts/id_01_within.csv",
        lambda: csv_bytes(
            contacts(
                {"contact_id": "twice"},
                {"contact_id": "twice", "contact_outcome": "Information and Advice"},
            )
        ),
        loads(2),
        _rows_with_ids("contacts", "contact_id", ["twice", "twice"]),
    ),
    Case(
        "duplicate ids across files",
        "contacts/id_02_across.csv",
        lambda: csv_bytes(contacts({"contact_id": "twice"}, {"contact_id": "base-1"})),
        loads(2),
        _rows_with_ids("contacts", "contact_id", ["base-1", "twice"]),
    ),
    Case(
        "same bytes under a new name",
        "contacts/id_03_copy_of_baseline.csv",
        lambda: csv_bytes(BASELINE),
        skipped("same bytes as contacts/00_baseline.csv, loaded before; nothing to load"),
    ),
    Case(
        "unknown contact method",
        "contacts/val_01_whatsapp.csv",
        lambda: csv_bytes(contacts({"contact_id": "wa", "contact_method": "WhatsApp"})),
        loads(1),
        _method_as_typed,
    ),
    # calls: phone numbers
    Case(
        "phone numbers in written forms",
        "calls/ph_01_forms.csv",
        lambda: csv_bytes(calls(*({"call_id": c, "caller_number": n} for c, n in PHONES))),
        loads(5),
        _caller_keys(["07700900123"] * 5),
    ),
    Case(
        "withheld number",
        "calls/ph_02_withheld.csv",
        lambda: csv_bytes(
            calls(
                {"call_id": "K-w1", "caller_number": "Withheld"},
                {"call_id": "K-w2", "caller_number": ""},
            )
        ),
        loads(2),
        _caller_keys([None, None]),
    ),
    Case(
        "a school's own number",
        "calls/ph_04_school.csv",
        lambda: csv_bytes(calls({"call_id": "K-s1", "caller_number": "+44 (0)1926 410410"})),
        loads(1),
        _school_number_kept,
    ),
    Case(
        "blank header row",
        "contacts/hdr_07_blank_header.csv",
        lambda: b",,,,,,\r\n" + csv_bytes(contacts({"contact_id": "blank-h"})[1:]),
        quarantines("header"),
    ),
    Case(
        "cli column",
        "calls/ph_03_cli.csv",
        lambda: csv_bytes(
            [
                ["Call ID", "Start Time", "CLI", "Talk Time"],
                ["K-c1", "01/09/2017 09:00", "07700 900555", "60"],
            ]
        ),
        loads(1),
        _caller_keys(["07700900555"]),
    ),
    # schools
    Case(
        "gias with SUPP fsm",
        "schools/gias_01_supp.csv",
        lambda: csv_bytes(
            records(
                {**SCHOOL, "PercentageFSM": "SUPP", "NumberOfPupils": "210"},
                {"URN": "125101"},
                {"URN": "125102", "PercentageFSM": "17.5", "NumberOfPupils": ""},
            ),
            encoding="cp1252",
        ),
        loads(2),
        _fsm_suppressed,
    ),
    Case(
        "non-numeric urn",
        "schools/gias_02_urn.csv",
        lambda: csv_bytes(records(SCHOOL, {"URN": "125201"}, {"URN": "12A4"}, {"URN": "1.5e5"})),
        rejects(
            1, (3, "URN", validation.NOT_WHOLE_NUMBER), (4, "URN", validation.NOT_WHOLE_NUMBER)
        ),
    ),
    Case(
        "links file",
        "schools/gias_03_links.csv",
        lambda: csv_bytes(records(LINK, {})),
        loads(1),
        _links,
    ),
]

#: the baseline's files, loaded by a first materialisation before the corpus lands
BASELINE_FILES = {
    "contacts/00_baseline.csv": BASELINE,
    "calls/00_baseline.csv": calls({"call_id": "K-base"}),
    "schools/00_baseline.csv": records(SCHOOL, {"URN": "125001"}),
}

IGNORED = {"contacts/.~partial.csv": b"contact_id\n", "contacts/~$xl_02_titled.xlsx": b"\x00lock"}


@dataclass(frozen=True)
class Corpus:
    env: object
    baseline: dict[str, list[tuple]]
    after_first: dict[str, list[tuple]]
    audit_rows_after_first: list[tuple]
    contents: dict[str, bytes]


def _raw_snapshot(env) -> dict[str, list[tuple]]:
    return {
        table: sorted(env.query(f"SELECT * EXCLUDE (loaded_at) FROM raw.{table}"), key=repr)
        for table in ("contacts", "calls", "schools", "school_links")
    }


@pytest.fixture(scope="module")
def corpus(module_env):
    env = module_env
    for name, rows in BASELINE_FILES.items():
        env.drop_csv(name, rows)
    result, _ = env.materialize()
    assert result.success
    baseline = _raw_snapshot(env)
    contents = {case.file: case.content() for case in CORPUS}
    for case in CORPUS:
        env.drop(case.file, contents[case.file])
    for name, content in IGNORED.items():
        env.drop(name, content)
    first, _ = env.materialize()
    assert first.success
    after_first = _raw_snapshot(env)
    audit_after_first = env.query("SELECT count(*) FROM audit.loaded_files")
    # The baseline's own file dropped again, byte for byte, and a rerun over the same folder.
    env.drop_csv("contacts/00_baseline.csv", BASELINE)
    rerun, _ = env.materialize()
    assert rerun.success
    return Corpus(env, baseline, after_first, audit_after_first, contents)


def test_the_corpus_has_at_least_forty_kinds():
    assert len({case.kind_id for case in CORPUS}) == len(CORPUS) >= 40
    assert len({case.file for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.kind_id)
def test_damaged_extract(corpus, case):
    env = corpus.env
    expect = case.expect
    audit = env.query(
        "SELECT status, kind, rows_loaded, rows_rejected, message FROM audit.loaded_files "
        "WHERE file_name = ?",
        [case.file],
    )
    assert len(audit) == 1, f"one audit row for {case.file}: {audit}"
    status, kind, rows_loaded, rows_rejected, message = audit[0]
    assert status == expect.status, message
    quarantined = env.query(
        "SELECT reason, sha256 FROM audit.quarantined_files WHERE file_name = ?", [case.file]
    )
    rejected = env.query(
        "SELECT row_number, column_name, reason FROM audit.rejected_rows WHERE file_name = ? "
        "ORDER BY row_number, column_name",
        [case.file],
    )
    table = "school_links" if kind == "school_links" else RAW_TABLE[case.kind]
    [(raw_rows,)] = env.query(
        f"SELECT count(*) FROM raw.{table} WHERE source_file = ?", [case.file]
    )
    if expect.status == "quarantined":
        [(reason, sha256)] = quarantined
        assert expect.reason in reason
        assert sha256 == hashlib.sha256(corpus.contents[case.file]).hexdigest()
        assert not (env.landing / case.file).exists(), "moved out of the landing folder"
        assert rejected == [] and raw_rows == 0
    elif expect.status == "skipped":
        assert expect.reason in message and quarantined == [] and rejected == [] and raw_rows == 0
    else:
        assert quarantined == []
        assert raw_rows == rows_loaded == expect.loads
        assert [(row, column) for row, column, _ in rejected] == [
            (row, column) for row, column, _ in expect.rejections
        ]
        for (_, _, reason), (_, _, expected) in zip(rejected, expect.rejections, strict=True):
            assert expected in reason
        notes = sum(1 for _, _, reason in rejected if reason == LIMITS.text_cut())
        assert rows_rejected == len({row for row, *_ in rejected}) - notes
    if case.then is not None:
        case.then(env, case.file)


def test_nothing_loaded_earlier_is_lost(corpus):
    for table, earlier_rows in corpus.baseline.items():
        later = corpus.after_first[table]
        assert all(row in later for row in earlier_rows), table


def test_a_rerun_and_a_redropped_file_change_nothing(corpus):
    env = corpus.env
    assert _raw_snapshot(env) == corpus.after_first
    assert env.query("SELECT count(*) FROM audit.loaded_files") == corpus.audit_rows_after_first
    assert env.query(
        "SELECT count(*) FROM audit.loaded_files WHERE file_name = 'contacts/00_baseline.csv'"
    ) == [(1,)]


def test_copies_in_progress_and_excel_lock_files_are_ignored(corpus):
    env = corpus.env
    for name in IGNORED:
        assert env.query("SELECT count(*) FROM audit.loaded_files WHERE file_name = ?", [name]) == [
            (0,)
        ]
        assert (env.landing / name).exists()


def test_every_file_is_accounted_for(corpus):
    env = corpus.env
    audited = {name for (name,) in env.query("SELECT file_name FROM audit.loaded_files")}
    assert audited == {case.file for case in CORPUS} | set(BASELINE_FILES)
