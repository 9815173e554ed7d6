"""Scanning a readable CSV with DuckDB into the temporary table ``ingest_staged``.

One row per record (``is_blank`` when every field is empty): ``source_row`` (the header
being row 1), one trimmed text column per contract column (null when blank or absent from
the file), the personal columns already pseudonymised, and the kept extra columns as JSON
in ``extra_columns``. Raw child ids and callers' numbers therefore never reach any table,
not even a temporary one.

Records that cannot be read are left out and listed in ``ingest_unparsed`` (``source_row``,
``column_name``, ``reason``; their text is not kept): those DuckDB's ``store_rejects``
refuses (too many or too few values), a line whose quoted value is never closed, and a
record whose stored value holds a control character (a NUL byte, say).

A quote that is never closed makes DuckDB read on to the next quote, or the end of the file,
as one value. So the line holding it is replaced, in a copy of the file, by a line DuckDB
refuses, and the copy is read again: that line is rejected and the lines after it are read
as records. A file in which nothing can be read is refused whole.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dagster_project.ingest.contracts import Column, Contract
from dagster_project.ingest.headers import HeaderMap
from dagster_project.ingest.pseudonyms import trimmed_sql
from dagster_project.ingest.reading import CONTROL_CHARACTERS_PATTERN, FileRefused, ReadableCsv
from dagster_project.scratch import scratch_space
from dagster_project.warehouse import quoted, sql_string

#: Each contract column's staged columns as (name, SQL) from the SQL of its trimmed text.
StagedColumns = Callable[[Column, str], list[tuple[str, str]]]

#: Each one costs a reading of the file; a file with more has quoting broken throughout (a
#: wrong quote character, say), not a stray quote, and is refused whole.
MAX_UNCLOSED_QUOTES = 100

TOO_MANY_VALUES = "the row has more values than the header row has columns"
TOO_FEW_VALUES = "the row has fewer values than the header row has columns"
UNREADABLE_ROW = "the row cannot be read as CSV"
_CORRECT_EXPORT = "Correct the export and drop the file again."
_COUNT_ERRORS = {"TOO MANY COLUMNS": TOO_MANY_VALUES, "MISSING COLUMNS": TOO_FEW_VALUES}
UNCLOSED_QUOTE = (
    "a quote mark on this line is not closed at the end of its value, so the line cannot be "
    "read as a record"
)
_CORRECT_QUOTE = (
    "The lines after it were read as records. Remove the stray quote mark from the record in "
    "the source system, or close it, and export the record again."
)
CONTROL_CHARACTER = (
    "the value holds a control character (such as a NUL byte) that text never holds: the "
    "record is damaged. Correct the value in the source system and export the record again; "
    "the file's other records are loaded."
)

#: The staged column naming the first stored column that holds a control character.
_CONTROL_COLUMN = "control_character_column"
_REJECT_ERRORS = "ingest_reject_errors"
_REJECT_SCANS = "ingest_reject_scans"
_UNTERMINATED = "error_message ILIKE '%unterminated quote%'"


def stage_file(
    conn: duckdb.DuckDBPyConnection,
    readable: ReadableCsv,
    contract: Contract,
    header_map: HeaderMap,
    staged_columns: StagedColumns,
    parameters: dict,
) -> None:
    width = len(readable.header)
    file_columns = [f"c{position}" for position in range(width)]
    staged = []
    for column in contract.columns:
        text = header_map.text_sql(column.name, lambda position: _trimmed(f"c{position}"))
        staged += [f"{sql} AS {quoted(name)}" for name, sql in staged_columns(column, text)]
    kept = ", ".join(f"{sql_string(key)}, {_trimmed(f'c{pos}')}" for pos, key in header_map.kept)
    read_columns = "{" + ", ".join(f"'{name}': 'VARCHAR'" for name in file_columns) + "}"
    # Only the columns that are stored are checked for control characters; a row of empty
    # fields is blank (DuckDB reads an empty field as null).
    stored = [
        (f"c{header_map.positions[column.name]}", column.header)
        for column in contract.columns
        if column.name in header_map.positions
    ] + [(f"c{position}", key) for position, key in header_map.kept]
    read = f"""
        read_csv($path, header = true, columns = {read_columns}, auto_detect = false,
                 delim = $delimiter, quote = '"', escape = '"', store_rejects = true,
                 rejects_table = '{_REJECT_ERRORS}', rejects_scan = '{_REJECT_SCANS}')
    """
    statement = f"""
        CREATE OR REPLACE TEMP TABLE ingest_staged AS
        SELECT row_number() OVER () + {readable.header_row} AS source_row, {", ".join(staged)},
               {f"json_object({kept})" if kept else "'{}'::JSON"} AS extra_columns,
               {_control_character_column(stored)} AS {_CONTROL_COLUMN},
               coalesce({", ".join(file_columns)}) IS NULL AS is_blank
        FROM {read}
    """
    # The repaired copy holds the file's personal data: in the data folder's scratch space.
    with scratch_space(prefix="scan-") as temp_dir:
        repairs = _QuoteRepairs(
            readable.path,
            Path(temp_dir) / "quotes_repaired.csv",
            # Empty values at the end of a line DuckDB drops: these are not empty.
            readable.delimiter.join(["-"] * (width + 1)),
        )
        try:
            scan = _Scan(conn, {**parameters, "delimiter": readable.delimiter}, repairs)
            quote = scan.unclosed_quote(statement)
            if quote is not None:
                # The next ones are looked for by a bare read, the staging run again at the end.
                while quote is not None:
                    repairs.replace_line(quote)
                    quote = scan.unclosed_quote(f"SELECT count(*) FROM {read}")
                scan.unclosed_quote(statement)
            _list_unparsed(conn, readable, repairs)
        finally:
            for table in (_REJECT_ERRORS, _REJECT_SCANS):
                conn.execute(f"DROP TABLE IF EXISTS {table}")
    _set_aside_control_characters(conn)
    _refuse_when_nothing_is_read(conn)


@dataclass
class _QuoteRepairs:
    """A copy of the file in which each line holding a quote that is never closed is replaced
    by ``refused_line`` (more values than the header has columns, so DuckDB refuses it).

    One line replaces one line, so the copy's lines are the file's, as a text editor numbers
    them. Byte positions are DuckDB's, in the file it read last (``path``).
    """

    source: Path
    copy: Path
    refused_line: str
    #: where each replaced line starts in the copy, in the order of the file
    replaced: list[int] = field(default_factory=list)
    _content: bytes | None = None

    @property
    def path(self) -> Path:
        return self.copy if self.replaced else self.source

    @property
    def content(self) -> bytes:
        if self._content is None:
            self._content = self.source.read_bytes()
        return self._content

    def replace_line(self, error_position: int) -> None:
        """Replace the line of the unterminated quote DuckDB reports at ``error_position``
        (just after the quote)."""
        content = self.content
        quote = error_position - 1
        if not 0 <= quote < len(content) or content[quote] != ord('"'):
            raise FileRefused(
                f"a quoted value is never closed (near line {self.editor_line(quote)}), so "
                "nothing after it can be read. Check the export's quotes, delimiters and "
                "line breaks, or export it again, and drop the file again."
            )
        if len(self.replaced) == MAX_UNCLOSED_QUOTES:
            raise FileRefused(
                f"more than {MAX_UNCLOSED_QUOTES} quoted values are never closed (the first on "
                f"line {self.editor_line(self.replaced[0])}), so the file's quoting is broken "
                "throughout. Check the export's quote character (\") and export it again, then "
                "drop the file again."
            )
        start = content.rfind(b"\n", 0, quote) + 1
        end = content.find(b"\n", quote)
        end = len(content) if end < 0 else end
        # The line's end is kept as it is: DuckDB refuses a file whose line ends differ.
        end -= content[end - 1 : end] == b"\r"
        self._content = content[:start] + self.refused_line.encode() + content[end:]
        self.replaced.append(start)
        self.copy.write_bytes(self._content)

    def editor_line(self, position: int) -> int:
        """The text editor's line of a byte of the file DuckDB read."""
        return self.editor_lines([position])[position]

    def editor_lines(self, positions: list[int]) -> dict[int, int]:
        """``editor_line`` of each position, counting the file's line breaks once."""
        lines, breaks, counted = {}, 0, 0
        for position in sorted(set(positions)):
            breaks += self.content.count(b"\n", counted, position)
            counted = position
            lines[position] = breaks + 1
        return lines


@dataclass(frozen=True)
class _Scan:
    conn: duckdb.DuckDBPyConnection
    parameters: dict
    repairs: _QuoteRepairs

    def unclosed_quote(self, statement: str) -> int | None:
        """Run a statement that reads the file DuckDB is to read; DuckDB's byte position of
        the first quote that is never closed, if any."""
        for table in (_REJECT_ERRORS, _REJECT_SCANS):
            self.conn.execute(f"DROP TABLE IF EXISTS {table}")
        # DuckDB refuses a parameter the statement does not use (a file with no personal
        # column, a bare read).
        used = {name: value for name, value in self.parameters.items() if f"${name}" in statement}
        self.conn.execute(statement, {**used, "path": str(self.repairs.path)}).fetchall()
        [(quote,)] = self.conn.execute(
            f"SELECT min(byte_position) FROM {_REJECT_ERRORS} WHERE {_UNTERMINATED}"
        ).fetchall()
        return quote


def _trimmed(column: str) -> str:
    return f"nullif({trimmed_sql(column)}, '')"


def _control_character_column(stored: list[tuple[str, str]]) -> str:
    """SQL naming the first of the stored columns whose value holds a control character."""
    if not stored:
        return "CAST(NULL AS VARCHAR)"
    pattern = sql_string(CONTROL_CHARACTERS_PATTERN)
    # One match over the whole record first: nearly every record has none.
    whens = " ".join(
        f"WHEN regexp_matches({column}, {pattern}) THEN {sql_string(name)}"
        for column, name in stored
    )
    every = f"concat({', '.join(column for column, _ in stored)})"
    return f"CASE WHEN NOT regexp_matches({every}, {pattern}) THEN NULL {whens} END"


def _list_unparsed(
    conn: duckdb.DuckDBPyConnection, readable: ReadableCsv, repairs: _QuoteRepairs
) -> None:
    """List the records DuckDB could not read in ``ingest_unparsed``, and give each read
    record its row in the file: DuckDB numbers the header line 1 and counts a quoted line
    break as part of its record, so the read records are those lines in order, less the
    unparsed ones."""
    offset = readable.header_row - 1
    rejected = conn.execute(f"""
        SELECT line + {offset}, min(line_byte_position), arg_min(error_type, column_idx),
               arg_min(error_message, column_idx)
        FROM {_REJECT_ERRORS} GROUP BY line ORDER BY line
    """).fetchall()
    replaced = set(repairs.replaced)
    # DuckDB's line position is the record's first byte, or the one after it.
    starts = [repairs.content.rfind(b"\n", 0, position) + 1 for _, position, _, _ in rejected]
    lines = repairs.editor_lines(starts)
    rows, reasons = [], []
    for (row, _, error_type, message), start in zip(rejected, starts, strict=True):
        # A workbook's rows are the sheet's; its CSV's lines are nobody's.
        where = [] if readable.from_workbook else [f"line {lines[start]} in a text editor"]
        if start in replaced:
            reason, advice = UNCLOSED_QUOTE, _CORRECT_QUOTE
        elif error_type in _COUNT_ERRORS:
            # DuckDB's column counts are quoted; its other messages are not (they may quote
            # text).
            reason, advice = _COUNT_ERRORS[error_type], _CORRECT_EXPORT
            where.insert(0, message)
        else:
            reason, advice = UNREADABLE_ROW, _CORRECT_EXPORT
        rows.append(row)
        detail = f" ({'; '.join(where)})" if where else ""
        reasons.append(f"{reason}{detail}. {advice}")
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE ingest_unparsed "
        "(source_row INTEGER, column_name VARCHAR, reason VARCHAR)"
    )
    if rows:
        conn.execute(
            "INSERT INTO ingest_unparsed SELECT unnest($rows), NULL, unnest($reasons)",
            {"rows": rows, "reasons": reasons},
        )
        conn.execute(f"""
            UPDATE ingest_staged SET source_row = lines.source_row
            FROM (
                SELECT line + {offset} AS source_row,
                       row_number() OVER (ORDER BY line) + {readable.header_row} AS read_row
                FROM range(2, 2 + (SELECT count(*) FROM ingest_staged) + {len(rows)}) AS t(line)
                WHERE line + {offset} NOT IN (SELECT source_row FROM ingest_unparsed)
            ) AS lines
            WHERE ingest_staged.source_row = lines.read_row
        """)


def _set_aside_control_characters(conn: duckdb.DuckDBPyConnection) -> None:
    """Move the records whose stored value holds a control character to ingest_unparsed."""
    damaged = f"{_CONTROL_COLUMN} IS NOT NULL"
    conn.execute(
        f"INSERT INTO ingest_unparsed SELECT source_row, {_CONTROL_COLUMN}, "
        f"{sql_string(CONTROL_CHARACTER)} FROM ingest_staged WHERE {damaged}"
    )
    conn.execute(f"DELETE FROM ingest_staged WHERE {damaged}")
    conn.execute(f"ALTER TABLE ingest_staged DROP COLUMN {_CONTROL_COLUMN}")


def _refuse_when_nothing_is_read(conn: duckdb.DuckDBPyConnection) -> None:
    """A file with records of which none can be read is refused whole."""
    [(read,)] = conn.execute("SELECT count(*) FROM ingest_staged WHERE NOT is_blank").fetchall()
    unread = conn.execute(
        "SELECT source_row, reason FROM ingest_unparsed ORDER BY source_row"
    ).fetchall()
    if unread and not read:
        row, reason = unread[0]
        raise FileRefused(
            f"none of the file's {len(unread)} records can be read, so nothing in it can be "
            f"loaded. The first, row {row}: {reason}"
        )
