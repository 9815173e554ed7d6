"""Row-level recovery: a control byte or a quote never closed rejects the affected records
alone, named by row (and, for a line DuckDB cannot read, the text editor's line), and the
rest of the file loads with its values exactly as written; a file is refused whole only when
nothing in it can be read.

Each test runs the real ingestion of the contacts folder (``landing.ingest_contacts``) into
a real DuckDB warehouse in the test's own data folder.
"""

import csv
import io
import logging

import duckdb
import pytest

from dagster_project import settings
from dagster_project.ingest import scanning
from dagster_project.ingest.landing import ingest_contacts
from dagster_project.ingest.reading import FileRefused, readable_csv
from dagster_project.ingest.validation import WHOLE_ROW
from tests.ingest.conftest import CONTACT

#: Values with the characters Windows-1252 holds and ASCII does not.
REFERRERS = ["Sainte-Thérèse School", "£5 voucher — St Mary’s", "Crèche « Les Petits »"]
LOG = logging.getLogger(__name__)


def _records(count: int) -> list[dict]:
    return [
        {**CONTACT, "contact_id": f"R{n}", "referrer_name": REFERRERS[n % len(REFERRERS)]}
        for n in range(count)
    ]


def _lines(records: list[dict]) -> list[str]:
    """The file's lines, header first, each as csv writes it (a value with a line break
    spans lines, as in the file)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(CONTACT))
    writer.writerows([record[name] for name in CONTACT] for record in records)
    return buffer.getvalue().split("\r\n")[:-1]


def _ingest(ingest_env, name: str, content: bytes):
    ingest_env.drop(f"contacts/{name}", content)
    with duckdb.connect(str(settings.warehouse_path())) as conn:
        ingest_contacts(conn, LOG)
        loaded = {
            contact_id: (source_row, referrer_name, contact_outcome)
            for contact_id, source_row, referrer_name, contact_outcome in conn.execute(
                "SELECT contact_id, source_row, referrer_name, contact_outcome FROM raw.contacts"
            ).fetchall()
        }
        rejected = conn.execute(
            "SELECT row_number, column_name, value, reason FROM audit.rejected_rows "
            "ORDER BY row_number"
        ).fetchall()
        audit = conn.execute(
            "SELECT status, rows_read, rows_loaded, rows_rejected, message FROM audit.loaded_files"
        ).fetchall()
    return loaded, rejected, audit


def _open_quote(line: str) -> str:
    """The line with a quote opened before its last value (the outcome) and never closed."""
    head, last = line.rsplit(",", 1)
    return f'{head},"{last}'


def _expected(records: list[dict], rows: dict[str, int]) -> dict[str, tuple]:
    return {
        record["contact_id"]: (rows[record["contact_id"]], record["referrer_name"], "NFA")
        for record in records
    }


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-16"])
def test_a_nul_byte_and_an_unclosed_quote_lose_only_their_records(ingest_env, encoding):
    records = _records(300)
    # Record R149 (row 151) holds a line break inside quotes: its lines are 151 and 152,
    # so from there on a record's line is one more than its row.
    records[149]["referrer_name"] = 'Abbey, "DSL" office\r\nsecond floor — Thérèse'
    records[98]["referrer_name"] = "Crèche\x00 « Les Petits »"  # row and line 100
    lines = _lines(records)
    # R150, row 152, on line 153 right after the two-line record: its last value opens a
    # quote that is never closed.
    quote_line = 153
    lines[quote_line - 1] = _open_quote(lines[quote_line - 1])
    content = "\r\n".join(lines) + "\r\n"

    loaded, rejected, audit = _ingest(ingest_env, "month.csv", content.encode(encoding))

    assert [(row, column, value) for row, column, value, _ in rejected] == [
        (100, "referrer_name", None),
        (152, WHOLE_ROW, None),
    ]
    nul_reason, quote_reason = (reason for *_, reason in rejected)
    assert nul_reason == scanning.CONTROL_CHARACTER
    assert "export it again as csv" not in nul_reason.lower()
    assert quote_reason.startswith(scanning.UNCLOSED_QUOTE)
    assert f"line {quote_line} in a text editor" in quote_reason
    rows = {record["contact_id"]: n + 2 for n, record in enumerate(records)}
    kept = [record for record in records if record["contact_id"] not in ("R98", "R150")]
    assert loaded == _expected(kept, rows), "every other record loads, byte for byte"
    assert audit == [
        ("loaded", 300, 298, 2, "loaded 298 of 300 rows; 2 rejected, see audit.rejected_rows")
    ]


@pytest.mark.parametrize("final_line_break", [True, False])
def test_a_quote_left_open_on_the_last_record(ingest_env, final_line_break):
    records = _records(5)
    lines = _lines(records)
    lines[-1] = _open_quote(lines[-1])
    content = "\r\n".join(lines) + ("\r\n" if final_line_break else "")

    loaded, rejected, _ = _ingest(ingest_env, "last.csv", content.encode("cp1252"))

    assert [(row, column) for row, column, _, _ in rejected] == [(6, WHOLE_ROW)]
    assert "line 6 in a text editor" in rejected[0][3]
    assert loaded == _expected(records[:4], {f"R{n}": n + 2 for n in range(4)})


def test_two_open_quotes_and_the_lines_they_would_swallow(ingest_env):
    records = _records(8)
    lines = _lines(records)
    # A value typed over two lines whose quote is never closed: its second line reads as a
    # record with too few values, rejected by itself.
    lines[2] = _open_quote(lines[2]) + "\r\nrest of the note"
    lines[6] = _open_quote(lines[6])  # R5, on line 8
    content = "\r\n".join(lines) + "\r\n"

    loaded, rejected, audit = _ingest(ingest_env, "two.csv", content.encode("utf-8"))

    assert [(row, column) for row, column, _, _ in rejected] == [
        (3, WHOLE_ROW),
        (4, WHOLE_ROW),
        (8, WHOLE_ROW),
    ]
    reasons = [reason for *_, reason in rejected]
    assert reasons[0].startswith(scanning.UNCLOSED_QUOTE) and "line 3 in" in reasons[0]
    assert reasons[1].startswith(scanning.TOO_FEW_VALUES) and "line 4 in" in reasons[1]
    assert reasons[2].startswith(scanning.UNCLOSED_QUOTE) and "line 8 in" in reasons[2]
    # R1 and R5 are lost; the records after the extra line sit one line lower.
    rows = {"R0": 2, "R2": 5, "R3": 6, "R4": 7, "R6": 9, "R7": 10}
    kept = [record for record in records if record["contact_id"] in rows]
    assert loaded == _expected(kept, rows)
    assert audit[0][:4] == ("loaded", 9, 6, 3)


def test_more_unclosed_quotes_than_the_cap_refuse_the_file(ingest_env, monkeypatch):
    monkeypatch.setattr(scanning, "MAX_UNCLOSED_QUOTES", 2)
    lines = _lines(_records(6))
    for index in (2, 4, 6):
        lines[index] = _open_quote(lines[index])
    content = ("\r\n".join(lines) + "\r\n").encode()

    loaded, rejected, audit = _ingest(ingest_env, "broken.csv", content)

    assert loaded == {} and rejected == []
    [(status, *_, message)] = audit
    assert status == "quarantined"
    assert "more than 2 quoted values are never closed (the first on line 3)" in message


def test_a_control_byte_in_a_personal_column_names_the_column_and_masks_the_value(ingest_env):
    records = _records(3)
    records[1]["child_id"] = "CHILD\x1a0001"
    content = ("\r\n".join(_lines(records)) + "\r\n").encode()

    loaded, rejected, _ = _ingest(ingest_env, "ctrl.csv", content)

    assert [(row, column, value) for row, column, value, _ in rejected] == [(3, "child_id", None)]
    assert set(loaded) == {"R0", "R2"}


def test_a_file_in_which_no_record_can_be_read_is_refused_whole(ingest_env):
    header = ",".join(CONTACT)
    content = f"{header}\r\nnot,a,record\r\nnor,this\r\n".encode()

    loaded, rejected, audit = _ingest(ingest_env, "junk.csv", content)

    assert loaded == {} and rejected == []
    [(status, *_, message)] = audit
    assert status == "quarantined"
    assert message.startswith("none of the file's 2 records can be read")
    assert "row 2: " + scanning.TOO_FEW_VALUES in message


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"contact_id,\x00child_id\r\nC1,CH1\r\n", "control bytes on its header line"),
        ("contact_id,child_id\r\nC1,CH1\r\n".encode("utf-16-le"), "UTF-16 .* byte order mark"),
        (b"contact_id,child_id\r\n\x00\x01\x02\r\nC\x001,\x1a\r\n", "on every line below"),
    ],
    ids=["nul on the header line", "utf-16 without bom", "control bytes on every line"],
)
def test_a_file_that_is_not_text_is_refused_as_binary(tmp_path, content, reason):
    source = tmp_path / "a.csv"
    source.write_bytes(content)
    with pytest.raises(FileRefused, match=f"binary data.*{reason}"), readable_csv(source, content):
        pass


def test_control_bytes_on_some_data_lines_leave_the_file_readable(tmp_path):
    content = "Référent,b\r\n\x00,x\r\nplain,text\r\n".encode("cp1252")
    source = tmp_path / "a.csv"
    source.write_bytes(content)
    with readable_csv(source, content) as readable:
        assert readable.header == ["Référent", "b"]
