"""Header matching, the SQL conversions, and file reading, on their own (real DuckDB)."""

from datetime import date, datetime

import duckdb
import pytest

from dagster_project.ingest.contracts import CONTACTS, SCHOOLS
from dagster_project.ingest.formats import DEFAULT_DURATION_FORMS, datetime_sql, duration_sql
from dagster_project.ingest.headers import header_key, map_headers
from dagster_project.ingest.reading import FileRefused, readable_csv
from dagster_project.ingest.validation import register_sql_functions


@pytest.fixture
def conn(ingest_env):
    with duckdb.connect() as connection:
        register_sql_functions(connection)
        yield connection


@pytest.mark.parametrize(
    "header", ["contact_id", "Contact ID", "CONTACT-ID", " contactid ", "Contact_Id"]
)
def test_header_spellings_match(header):
    assert header_key(header) == header_key("contact_id")


def test_gias_headers_match_by_gias_name_or_raw_name():
    headers = ["URN", "establishment_name", "LA (code)", "Extra One", ""]
    mapped = map_headers(headers, SCHOOLS)
    assert mapped.positions == {"urn": 0, "establishment_name": 1, "la_code": 2}
    assert mapped.extras == ((3, "Extra One"), (4, "column_5"))


def test_missing_and_repeated_columns_refuse_the_file():
    with pytest.raises(FileRefused, match="required column contact_outcome not found"):
        map_headers([c.header for c in CONTACTS.columns if c.name != "contact_outcome"], CONTACTS)
    with pytest.raises(FileRefused, match="columns 1 and 17 of the header row"):
        map_headers([c.header for c in CONTACTS.columns] + ["Contact ID"], CONTACTS)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("01/09/2017 14:30", datetime(2017, 9, 1, 14, 30)),
        ("01/09/2017 14:30:15", datetime(2017, 9, 1, 14, 30, 15)),
        ("1/9/2017", datetime(2017, 9, 1)),
        ("2017-09-01T14:30:15", datetime(2017, 9, 1, 14, 30, 15)),
        ("2017-09-01 14:30", datetime(2017, 9, 1, 14, 30)),
        ("2017-09-01", datetime(2017, 9, 1)),
        ("2017-09-01T14:30:15.250", datetime(2017, 9, 1, 14, 30, 15, 250000)),
        ("09/01/2017 25:00", None),
        ("31/02/2017", None),
        ("01/09/17", None),
        ("Sept 1st", None),
    ],
)
def test_contract_datetimes(conn, given, expected):
    assert conn.execute("SELECT mash_datetime(?)", [given]).fetchall() == [(expected,)]


@pytest.mark.parametrize(
    ("given", "uk_local"),
    [
        # An offset or Z: converted to UK local time, summer time or not
        ("2017-09-01T13:30:15Z", "2017-09-01 14:30:15"),
        ("2017-09-01T14:30:15+01:00", "2017-09-01 14:30:15"),
        ("2017-12-01T08:30:15-05:00", "2017-12-01 13:30:15"),
        ("2017-09-01 13:30+0000", "2017-09-01 14:30:00"),
        ("2017-09-01T13:30:15.1234567z", "2017-09-01 14:30:15.123456"),
        ("2017-10-29T00:59:59Z", "2017-10-29 01:59:59"),
        ("2017-10-29T01:00:00Z", "2017-10-29 01:00:00"),
        ("2018-03-25T00:59:59Z", "2018-03-25 00:59:59"),
        ("2018-03-25T01:00:00Z", "2018-03-25 02:00:00"),
        # Without an offset a time is UK local already, even on a clock change day
        ("2018-03-25T01:30:00", "2018-03-25 01:30:00"),
        ("2017-09-01Z", None),
    ],
)
def test_times_with_an_offset_become_uk_local_time(conn, given, uk_local):
    assert conn.execute("SELECT mash_datetime(?)::VARCHAR", [given]).fetchall() == [(uk_local,)]


@pytest.mark.parametrize(
    ("given", "forms", "expected"),
    [
        ("300", DEFAULT_DURATION_FORMS, 300),
        ("-35", DEFAULT_DURATION_FORMS, -35),
        ("0:05:00", DEFAULT_DURATION_FORMS, 300),
        ("01:02:03", DEFAULT_DURATION_FORMS, 3723),
        ("100:00:00", DEFAULT_DURATION_FORMS, 360000),
        ("00:00:02.5", DEFAULT_DURATION_FORMS, 3),
        ("-00:00:35", DEFAULT_DURATION_FORMS, -35),
        ("12.5", DEFAULT_DURATION_FORMS, None),
        ("1:05", DEFAULT_DURATION_FORMS, None),
        ("00:61:00", DEFAULT_DURATION_FORMS, None),
        ("5 min", DEFAULT_DURATION_FORMS, None),
        ("1:05", ("mm:ss",), 65),
        ("75:05.4", ("mm:ss",), 4505),
        ("300", ("mm:ss",), None),
        ("0:05:00", ("seconds",), None),
        ("300", ("hh:mm:ss", "mm:ss", "seconds"), 300),
    ],
)
def test_durations_in_each_form(conn, given, forms, expected):
    assert conn.execute(f"SELECT {duration_sql('$v', forms)}", {"v": given}).fetchall() == [
        (expected,)
    ]


def test_a_declared_datetime_format_is_read_alone(conn):
    us = datetime_sql("$v", ["%m/%d/%Y %I:%M:%S %p"])
    for given, expected in [
        ("09/01/2017 02:30:00 PM", datetime(2017, 9, 1, 14, 30)),
        ("01/09/2017 14:30", None),
    ]:
        assert conn.execute(f"SELECT {us}", {"v": given}).fetchall() == [(expected,)]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("01-09-2017", date(2017, 9, 1)), ("2017-09-01", date(2017, 9, 1)), ("01-13-2017", None)],
)
def test_gias_dates(conn, given, expected):
    assert conn.execute("SELECT mash_gias_date(?)", [given]).fetchall() == [(expected,)]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("01926 410410", "01926410410"),
        ("+44 1926 410410", "01926410410"),
        ("+44 (0)1926 410410", "01926410410"),
        ("0044 1926 410410", "01926410410"),
        ("(01926) 410-410", "01926410410"),
        ("Withheld", None),
        ("", None),
    ],
)
def test_phone_normalisation(conn, given, expected):
    assert conn.execute("SELECT mash_phone(?)", [given]).fetchall() == [(expected,)]


@pytest.mark.parametrize(
    ("given", "expected"), [("42", 42), ("-3", -3), ("12.5", None), ("", None)]
)
def test_whole_numbers(conn, given, expected):
    assert conn.execute("SELECT mash_integer(?)", [given]).fetchall() == [(expected,)]


@pytest.mark.parametrize(
    ("content", "header", "transcoded"),
    [
        ("Référent,b\r\n".encode(), ["Référent", "b"], False),
        (b"\xef\xbb\xbf" + "Référent,b\r\n".encode(), ["Référent", "b"], True),
        ("Référent,b\r\n".encode("cp1252"), ["Référent", "b"], True),
    ],
)
def test_csv_encodings_reach_duckdb_as_utf8(tmp_path, content, header, transcoded):
    source = tmp_path / "file.csv"
    source.write_bytes(content)
    with readable_csv(source, content) as readable:
        assert readable.header == header
        assert (readable.path != source) == transcoded
        assert readable.path.read_text(encoding="utf-8").startswith("Référent")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("a.csv", b"  \r\n", "the file is empty"),
        ("a.csv", b"\x81\x8d,\x90\r\n", "neither UTF-8 nor Windows-1252"),
        ("a.csv", b",,\r\n1,2,3\r\n", "row 1 is blank"),
        ("a.xlsx", b"PK\x03\x04 not really a workbook", "truncated or damaged"),
        ("a.xls", b"\xd0\xcf\x11\xe0", "not a CSV or XLSX file"),
    ],
)
def test_unreadable_files_are_refused(tmp_path, name, content, reason):
    source = tmp_path / name
    source.write_bytes(content)
    with pytest.raises(FileRefused, match=reason), readable_csv(source, content):
        pass
