"""Turning a landing file into a UTF-8 CSV that DuckDB's ``read_csv`` can scan.

DuckDB reads UTF-8 only (its encodings and excel extensions are not available), so a file
with a byte order mark or in Windows-1252 is transcoded, and the first sheet of an .xlsx
workbook is written out as CSV, into a private temporary folder removed after loading.
"""

import codecs
import csv
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import openpyxl

from dagster_project.ingest.refusals import FileRefused

ACCEPTED_SUFFIXES = (".csv", ".xlsx")

_RE_EXPORT = "Export it again as CSV (UTF-8 or Windows-1252) or XLSX and drop it again."


@dataclass(frozen=True)
class ReadableCsv:
    path: Path
    header: list[str]


@contextmanager
def readable_csv(source: Path, content: bytes) -> Iterator[ReadableCsv]:
    """A UTF-8 CSV with the content of ``source`` (whose bytes are ``content``)."""
    suffix = source.suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        raise FileRefused(
            f"the file is not a CSV or XLSX file (its name ends in '{suffix or 'nothing'}'). "
            + _RE_EXPORT
        )
    if not content.strip():
        raise FileRefused("the file is empty. " + _RE_EXPORT)
    with tempfile.TemporaryDirectory(prefix="mash-ingest-") as temp_dir:
        if suffix == ".xlsx":
            yield _xlsx_as_csv(content, Path(temp_dir) / "first_sheet.csv")
        else:
            yield _csv_as_utf8(source, content, Path(temp_dir) / "utf8.csv")


def _csv_as_utf8(source: Path, content: bytes, target: Path) -> ReadableCsv:
    text, transcoded = _decode(content)
    if not text.strip():
        raise FileRefused("the file is empty. " + _RE_EXPORT)
    try:
        header = next(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise FileRefused(
            f"the header row (row 1) is not valid CSV ({error}). " + _RE_EXPORT
        ) from None
    if transcoded:
        target.write_text(text, encoding="utf-8", newline="")
        return ReadableCsv(path=target, header=_checked_header(header))
    return ReadableCsv(path=source, header=_checked_header(header))


def _decode(content: bytes) -> tuple[str, bool]:
    """The file's text, and whether it differs from the bytes DuckDB would read."""
    if b"\x00" in content:
        raise FileRefused("the file holds binary data, so it is not a CSV file. " + _RE_EXPORT)
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


def _xlsx_as_csv(content: bytes, target: Path) -> ReadableCsv:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            rows = [
                [_cell_text(value) for value in row]
                for row in workbook.worksheets[0].iter_rows(values_only=True)
            ]
        finally:
            workbook.close()
    # openpyxl raises many different errors on a damaged workbook (zip, XML, key errors).
    except Exception as error:
        raise FileRefused(
            "the workbook cannot be opened: it is truncated or damaged "
            f"({type(error).__name__}). " + _RE_EXPORT
        ) from None
    width = max((_filled_width(row) for row in rows), default=0)
    if width == 0:
        raise FileRefused("the workbook's first sheet is empty. " + _RE_EXPORT)
    rows = [row[:width] + [""] * (width - len(row)) for row in rows]
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return ReadableCsv(path=target, header=_checked_header(rows[0]))


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
