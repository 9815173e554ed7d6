"""Turning a landing file into a UTF-8 CSV that DuckDB's ``read_csv`` can scan.

DuckDB reads UTF-8 (its encodings and excel extensions are not available), so a file with
a byte order mark (UTF-8 or UTF-16) or in Windows-1252 is transcoded, and the first sheet
of an .xlsx workbook is written out as CSV (read by calamine, about ten times openpyxl's
speed), into a private scratch folder of the data folder (``scratch.py``) removed after
loading. The delimiter (comma, semicolon, tab or pipe) is found by DuckDB's CSV sniffer. A
CSV that is not text (a control character on its header line, or on every line below it) is
refused as binary data; one on some lines only is a damaged record, left for scanning to
reject.
"""

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path

import duckdb
from python_calamine import CalamineWorkbook

from dagster_project.scratch import scratch_space

ACCEPTED_SUFFIXES = (".csv", ".xlsx")
DELIMITERS = (",", ";", "\t", "|")

#: How many rows DuckDB's sniffer reads to find the delimiter.
SNIFF_SAMPLE_ROWS = 2048
#: How far down an .xlsx sheet the header row is looked for, below title rows.
XLSX_HEADER_SEARCH_ROWS = 10

_RE_EXPORT = "Export it again as CSV (UTF-8 or Windows-1252) or XLSX and drop it again."

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
#: The C0 control characters other than tab, line feed and carriage return: text never holds
#: them (a NUL is the usual one, from a damaged export). As a regular expression that both
#: Python and DuckDB (RE2) read.
CONTROL_CHARACTERS_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
CONTROL_CHARACTERS = re.compile(CONTROL_CHARACTERS_PATTERN)


class FileRefused(Exception):
    """A file that cannot be loaded at all; its message says what is wrong and what to do.

    Messages never quote the file's content: it may hold personal data.
    """


@dataclass(frozen=True)
class ReadableCsv:
    path: Path
    header: list[str]
    delimiter: str
    #: the file's row number of the header (a title row above it in a workbook moves it down)
    header_row: int = 1
    #: a workbook's sheet written out as CSV: its rows are the sheet's, it has no editor lines
    from_workbook: bool = False


HeaderTest = Callable[[list[str]], bool]


@contextmanager
def readable_csv(
    source: Path, content: bytes, is_header: HeaderTest | None = None
) -> Iterator[ReadableCsv]:
    """A UTF-8 CSV with the content of ``source`` (whose bytes are ``content``).

    ``is_header`` says whether a workbook row is the header row (title rows above it are
    skipped); without it, or when no row passes, the header is row 1.
    """
    suffix = source.suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        raise FileRefused(
            f"the file is not a CSV or XLSX file (its name ends in '{suffix or 'nothing'}'). "
            + _RE_EXPORT
        )
    if not content.strip():
        raise FileRefused("the file is empty. " + _RE_EXPORT)
    # The copy holds the file's personal data: in the data folder's private scratch space.
    with scratch_space(prefix="ingest-") as folder:
        if suffix == ".xlsx":
            yield _xlsx_as_csv(content, folder / "first_sheet.csv", is_header)
        else:
            yield _csv_as_utf8(source, content, folder / "utf8.csv")


def _csv_as_utf8(source: Path, content: bytes, target: Path) -> ReadableCsv:
    text, transcoded = _decode(content)
    if not text.strip():
        raise FileRefused("the file is empty. " + _RE_EXPORT)
    path = source
    if transcoded:
        target.write_text(text, encoding="utf-8", newline="")
        path = target
    delimiter = _sniffed_delimiter(path)
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise FileRefused(
            f"the header row (row 1) is not valid CSV ({error}). " + _RE_EXPORT
        ) from None
    return ReadableCsv(path=path, header=_checked_header(header), delimiter=delimiter)


def _sniffed_delimiter(path: Path) -> str:
    """DuckDB's sniffer's delimiter, bad rows aside; a comma when it cannot tell."""
    with _sniffer().cursor() as conn:
        try:
            [(delimiter,)] = conn.execute(
                "SELECT Delimiter FROM sniff_csv($path, header = true, all_varchar = true, "
                f"ignore_errors = true, sample_size = {SNIFF_SAMPLE_ROWS})",
                {"path": str(path)},
            ).fetchall()
        except duckdb.Error:
            return ","
    return delimiter if delimiter in DELIMITERS else ","


@cache
def _sniffer() -> duckdb.DuckDBPyConnection:
    """An in-memory database for the sniffer, made once per process: a cursor on it costs a
    fraction of a millisecond, a new database 20 ms a file."""
    return duckdb.connect()


def _decode(content: bytes) -> tuple[str, bool]:
    """The file's text, and whether it differs from the bytes DuckDB would read."""
    if content.startswith(_UTF16_BOMS):
        try:
            text = content.decode("utf-16")
        except UnicodeDecodeError as error:
            raise FileRefused(
                "the file starts with a UTF-16 byte order mark but byte "
                f"{error.start} is not UTF-16. " + _RE_EXPORT
            ) from None
        _refuse_binary(text)
        return text, True
    # Control bytes are the same bytes in UTF-8 and Windows-1252: seen through Latin-1.
    _refuse_binary(content.decode("latin-1"))
    if content.startswith(codecs.BOM_UTF8):
        try:
            return content[len(codecs.BOM_UTF8) :].decode("utf-8"), True
        except UnicodeDecodeError as error:
            raise FileRefused(
                "the file starts with a UTF-8 byte order mark but byte "
                f"{error.start} is not UTF-8. " + _RE_EXPORT
            ) from None
    try:
        return content.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), True
    except UnicodeDecodeError as error:
        raise FileRefused(
            f"the file is neither UTF-8 nor Windows-1252 text (byte {error.start} cannot be "
            "read in either). " + _RE_EXPORT
        ) from None


def _refuse_binary(text: str) -> None:
    """Refuse a file that is not text: control characters on its header line, or on every
    line below it. A control character on some data lines only is a damaged record, which
    scanning rejects alone (``scanning.CONTROL_CHARACTER``)."""
    lines = io.StringIO(text)
    header = lines.readline()
    if CONTROL_CHARACTERS.search(header):
        raise FileRefused(
            "the file holds binary data (control bytes on its header line), so it is not "
            "text. A UTF-16 export without a byte order mark looks like this too. " + _RE_EXPORT
        )
    has_data = False
    for line in lines:
        if line.strip():
            if not CONTROL_CHARACTERS.search(line):
                return
            has_data = True
    if has_data:
        raise FileRefused(
            "the file holds binary data (control bytes on every line below the header), so "
            "it is not text. " + _RE_EXPORT
        )


def _xlsx_as_csv(content: bytes, target: Path, is_header: HeaderTest | None) -> ReadableCsv:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        try:
            # From cell A1, so row numbers are the sheet's own, title rows and all.
            sheet = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        finally:
            workbook.close()
        rows = [[_cell_text(value) for value in row] for row in sheet]
    # A damaged workbook raises many different errors (zip, XML, calamine's own).
    except Exception as error:
        raise FileRefused(
            "the workbook cannot be opened: it is truncated or damaged "
            f"({type(error).__name__}). " + _RE_EXPORT
        ) from None
    width = max((_filled_width(row) for row in rows), default=0)
    if width == 0:
        raise FileRefused("the workbook's first sheet is empty. " + _RE_EXPORT)
    rows = [row[:width] + [""] * (width - len(row)) for row in rows]
    header_index = next(
        (
            index
            for index, row in enumerate(rows[:XLSX_HEADER_SEARCH_ROWS])
            if is_header and is_header(row)
        ),
        0,
    )
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows[header_index:])
    return ReadableCsv(
        path=target,
        header=_checked_header(rows[header_index]),
        delimiter=",",
        header_row=header_index + 1,
        from_workbook=True,
    )


def _filled_width(row: list[str]) -> int:
    return max((index + 1 for index, text in enumerate(row) if text.strip()), default=0)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _checked_header(header: list[str]) -> list[str]:
    if not any(name.strip() for name in header):
        raise FileRefused(
            "row 1 is blank, but it must hold the column names. Put the header on row 1 and "
            "drop the file again."
        )
    return header
