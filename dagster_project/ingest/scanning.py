"""Scanning a readable CSV with DuckDB into the temporary table ``ingest_staged``.

One row per record (``is_blank`` when every field is empty): ``source_row`` (the header
being row 1), one trimmed text column per contract column (null when blank or absent from
the file), the personal columns already pseudonymised, and the kept extra columns as JSON
in ``extra_columns``. Raw child ids and callers' numbers therefore never reach any table,
not even a temporary one.

Records DuckDB cannot parse (too many or too few values) are left out by its
``store_rejects`` and listed, by line, in ``ingest_unparsed``; their text is not kept.
"""

from collections.abc import Callable

import duckdb

from dagster_project.ingest.contracts import Column, Contract
from dagster_project.ingest.headers import HeaderMap
from dagster_project.ingest.pseudonyms import trimmed_sql
from dagster_project.ingest.reading import FileRefused, ReadableCsv
from dagster_project.warehouse import quoted, sql_string

#: Each contract column's staged columns as (name, SQL) from the SQL of its trimmed text.
StagedColumns = Callable[[Column, str], list[tuple[str, str]]]

#: Rows that hold a NUL byte come from a damaged export: rejected whole.
HAS_NUL_BYTE = "has_nul_byte"

_REJECT_ERRORS = "ingest_reject_errors"
_REJECT_SCANS = "ingest_reject_scans"


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
    for table in (_REJECT_ERRORS, _REJECT_SCANS):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    # Only the columns that are stored are checked for NUL bytes; a row of empty fields is
    # blank (DuckDB reads an empty field as null).
    used = [f"c{position}" for position in header_map.read_positions()]
    statement = f"""
        CREATE OR REPLACE TEMP TABLE ingest_staged AS
        SELECT row_number() OVER () + {readable.header_row} AS source_row, {", ".join(staged)},
               {f"json_object({kept})" if kept else "'{}'::JSON"} AS extra_columns,
               contains(concat({", ".join(used)}), chr(0)) AS {HAS_NUL_BYTE},
               coalesce({", ".join(file_columns)}) IS NULL AS is_blank
        FROM read_csv($path, header = true, columns = {read_columns}, auto_detect = false,
                      delim = $delimiter, quote = '"', escape = '"', store_rejects = true,
                      rejects_table = '{_REJECT_ERRORS}', rejects_scan = '{_REJECT_SCANS}')
    """
    # DuckDB refuses a parameter the statement does not use (a file with no personal column).
    parameters = {name: value for name, value in parameters.items() if f"${name}" in statement}
    try:
        conn.execute(
            statement, {**parameters, "path": str(readable.path), "delimiter": readable.delimiter}
        )
        _number_rows(conn, readable.header_row)
    finally:
        for table in (_REJECT_ERRORS, _REJECT_SCANS):
            conn.execute(f"DROP TABLE IF EXISTS {table}")


def _trimmed(column: str) -> str:
    return f"nullif({trimmed_sql(column)}, '')"


def _number_rows(conn: duckdb.DuckDBPyConnection, header_row: int) -> None:
    """List the records DuckDB could not parse, and give each read record its row in the
    file: DuckDB numbers the header line 1 and counts a quoted line break as part of its
    record, so the read records are those lines in order, less the unparsed ones."""
    unterminated = conn.execute(
        f"SELECT min(line) FROM {_REJECT_ERRORS} WHERE error_message ILIKE '%unterminated quote%'"
    ).fetchall()[0][0]
    if unterminated is not None:
        raise FileRefused(
            f"a quoted value is never closed (near line {unterminated + header_row - 1}), so "
            "nothing after it can be read. Check the export's quotes, delimiters and line "
            "breaks, or export it again, and drop the file again."
        )
    offset = header_row - 1
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE ingest_unparsed AS
        SELECT line + {offset} AS source_row,
               arg_min(error_type, column_idx) AS error_type,
               arg_min(error_message, column_idx) AS error_message
        FROM {_REJECT_ERRORS} GROUP BY line
    """)
    [(unparsed,)] = conn.execute("SELECT count(*) FROM ingest_unparsed").fetchall()
    if unparsed:
        conn.execute(f"""
            UPDATE ingest_staged SET source_row = lines.source_row
            FROM (
                SELECT line + {offset} AS source_row,
                       row_number() OVER (ORDER BY line) + {header_row} AS read_row
                FROM range(2, 2 + (SELECT count(*) FROM ingest_staged) + {unparsed}) AS t(line)
                WHERE line + {offset} NOT IN (SELECT source_row FROM ingest_unparsed)
            ) AS lines
            WHERE ingest_staged.source_row = lines.read_row
        """)
