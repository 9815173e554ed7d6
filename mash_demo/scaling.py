"""Bigger counties for benchmarks: a generated county's extracts tiled ``copies`` times.

Each copy of a month's file repeats every row with its times, names, numbers and values,
and gives it fresh identities: the contact, child and call ids (and the call reference that
names a contact's call) get the suffix ``-<copy>``; copy 0 is the county as generated, and
each deliberately bad row is bad in every copy. A tiled file keeps its month's export
format (headers, date format, encoding, line ends, the one workbook), so the platform reads
it as it reads the generated one. The models join on ids, names and telephone numbers,
never on time windows, so copies at the same instants cost what as many independent
contacts would. The school register is copied as it is: a bigger county has more contacts
per school, not more schools.

A file is parsed once; its ids are marked, and each copy is the marked text with the marks
replaced by the copy's suffix, so x100 over five years is written in a minute or two.
"""

import io
import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from mash_demo import extracts

MARK = "\x1f"  # where an id ends, in the marked text of a file
SHEET = "xl/worksheets/sheet1.xml"
_MONTH_IN_NAME = re.compile(r"_(\d{4})-(\d{2})\.(csv|xlsx)$")
#: Per kind: the export format of a month and the columns that identify a record.
_KINDS = {
    "contacts": (extracts.contact_format, ("contact_id", "child_id", "call_reference")),
    "calls": (extracts.call_format, ("call_id",)),
}


def file_month(name: str) -> date:
    """The month a generated extract covers, from its name (``contacts_2018-05.xlsx``)."""
    found = _MONTH_IN_NAME.search(name)
    if found is None:
        raise ValueError(f"{name} is not named like a monthly extract (<kind>_YYYY-MM.csv)")
    return date(int(found[1]), int(found[2]), 1)


def suffixes(copies: int) -> list[str]:
    """What each copy appends to an id: nothing for copy 0, ``-<copy>`` after."""
    return [""] + [f"-{copy}" for copy in range(1, copies)]


def tiled_text(marked_rows: str, copies: int) -> str:
    """The marked rows once per copy, each copy's marks replaced by its suffix."""
    return "".join(marked_rows.replace(MARK, suffix) for suffix in suffixes(copies))


def _tiled_csv(source: Path, fmt: extracts.FileFormat, id_columns, copies: int) -> bytes:
    table = pd.read_csv(source, dtype=str, keep_default_na=False, encoding=fmt.encoding)
    for column in id_columns:
        header = fmt.headers.get(column)
        if header in table.columns:
            values = table[header].to_numpy(dtype=object)
            table[header] = np.where(values == "", "", values + MARK)
    text = table.to_csv(index=False, lineterminator=fmt.line_end)
    header_line, _, rows = text.partition(fmt.line_end)
    return (header_line + fmt.line_end + tiled_text(rows, copies)).encode(fmt.encoding)


def _tiled_workbook(source: Path, fmt: extracts.FileFormat, id_columns, copies: int) -> bytes:
    """Tile the rows of the workbook's one sheet in its XML (inline strings, as
    ``extracts.xlsx_bytes`` writes them); the copies' rows carry no cell references, which
    the format allows (each row follows the one before, each cell the one before)."""
    with zipfile.ZipFile(source) as workbook:
        members = [(info, workbook.read(info.filename)) for info in workbook.infolist()]
    sheet = dict((info.filename, content) for info, content in members)[SHEET].decode("utf-8")
    head, _, rest = sheet.partition("<sheetData>")
    data, _, tail = rest.partition("</sheetData>")
    header_end = data.index("</row>") + len("</row>")
    header_row, rows = data[:header_end], data[header_end:]
    wanted = {fmt.headers[column] for column in id_columns if column in fmt.headers}
    letters = [
        letter
        for letter, text in re.findall(r'<c r="([A-Z]+)1"[^>]*><is><t>([^<]*)</t>', header_row)
        if text in wanted
    ]
    if not letters:
        raise ValueError(f"{source}: no id column among the sheet's headers")
    id_cell = r'(<c r="(?:' + "|".join(letters) + r')\d+"[^>]*><is><t>[^<]+)(</t>)'
    rows = re.sub(id_cell, r"\1" + MARK + r"\2", rows)
    rows = re.sub(r' r="[A-Z]*\d+"', "", rows)
    tiled_sheet = f"{head}<sheetData>{header_row}{tiled_text(rows, copies)}</sheetData>{tail}"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in members:
            member = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(
                member, tiled_sheet.encode("utf-8") if info.filename == SHEET else content
            )
    return out.getvalue()


def tile_file(source: Path, target: Path, kind: str, copies: int) -> None:
    """Write ``copies`` tiled copies of one monthly extract of ``kind`` to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if copies == 1:
        shutil.copy2(source, target)
        return
    export_format, id_columns = _KINDS[kind]
    fmt = export_format(file_month(source.name))
    tile = _tiled_workbook if fmt.file_type == "xlsx" else _tiled_csv
    target.write_bytes(tile(source, fmt, id_columns, copies))


def tile_extracts(source_landing: Path, target_landing: Path, copies: int) -> list[str]:
    """A landing folder ``copies`` times the size of ``source_landing`` (as written by
    ``mash_demo.generate.write_demo_extracts``); returns the files written, relative."""
    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    source_landing, target_landing = Path(source_landing), Path(target_landing)
    written = []
    for kind in (*_KINDS, "schools"):
        for path in sorted((source_landing / kind).iterdir()):
            if not path.is_file():
                continue
            target = target_landing / kind / path.name
            if kind == "schools":
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
            else:
                tile_file(path, target, kind, copies)
            written.append(f"{kind}/{path.name}")
    return written
