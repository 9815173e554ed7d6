"""Scanning a readable CSV with DuckDB into the temporary table ``ingest_staged``.

One row per non-blank record: ``source_row`` (the header being row 1), one trimmed text
column per contract column (null when blank or absent from the file), the personal columns
already pseudonymised, and the unknown columns as JSON in ``extra_columns``. Raw child ids
and callers' numbers therefore never reach any table, not even a temporary one.
"""

import re

import duckdb

from dagster_project.ingest.contracts import Column, ColumnType, Contract
from dagster_project.ingest.headers import HeaderMap
from dagster_project.ingest.reading import ReadableCsv
from dagster_project.ingest.refusals import FileRefused
from dagster_project.ingest.sql_text import quoted, sql_string
from dagster_project.ingest.validation import PHONE_OUTPUTS

#: Normalised numbers of registered organisations (schools, agencies); see registered_numbers.
REGISTERED_NUMBERS_TABLE = "ingest_registered_numbers"


def stage_file(
    conn: duckdb.DuckDBPyConnection,
    readable: ReadableCsv,
    contract: Contract,
    header_map: HeaderMap,
) -> None:
    width = len(readable.header)
    file_columns = [f"c{position}" for position in range(width)]
    staged = []
    for column in contract.columns:
        position = header_map.positions.get(column.name)
        text = "CAST(NULL AS VARCHAR)" if position is None else f"nullif(trim(c{position}), '')"
        staged += [f"{sql} AS {quoted(name)}" for name, sql in _staged_expressions(column, text)]
    extras = ", ".join(
        f"{sql_string(key)}, nullif(trim(c{position}), '')" for position, key in header_map.extras
    )
    read_columns = "{" + ", ".join(f"'{name}': 'VARCHAR'" for name in file_columns) + "}"
    statement = f"""
        CREATE OR REPLACE TEMP TABLE ingest_staged AS
        WITH records AS (
            SELECT row_number() OVER () + 1 AS source_row, *
            FROM read_csv($path, header = true, columns = {read_columns}, auto_detect = false,
                          delim = ',', quote = '"', escape = '"')
        )
        SELECT source_row, {", ".join(staged)},
               {f"json_object({extras})" if extras else "'{}'::JSON"} AS extra_columns
        FROM records
        WHERE trim(concat({", ".join(file_columns)})) <> ''
    """
    try:
        conn.execute(statement, {"path": str(readable.path)})
    except duckdb.InvalidInputException as error:
        if "CSV Error" not in str(error):
            raise
        raise FileRefused(_csv_error_reason(str(error))) from None


def _staged_expressions(column: Column, text: str) -> list[tuple[str, str]]:
    if column.type is ColumnType.PERSON_ID:
        return [(column.name, f"mash_pseudonym({text})")]
    if column.type is ColumnType.PHONE:
        number = f"mash_phone({text})"
        registered = f"{number} IN (SELECT number FROM {REGISTERED_NUMBERS_TABLE})"
        key_name, number_name = PHONE_OUTPUTS
        return [
            (key_name, f"mash_pseudonym({number})"),
            (number_name, f"CASE WHEN {registered} THEN {number} END"),
        ]
    return [(column.name, text)]


_LINE = re.compile(r"CSV Error on Line: (\d+)")
_COLUMN_COUNTS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def _csv_error_reason(message: str) -> str:
    """DuckDB's CSV error, without the 'Original Line' it quotes (it may hold personal data)."""
    line = _LINE.search(message)
    counts = _COLUMN_COUNTS.search(message)
    if "unterminated quote" in message:
        what = "a quoted value is never closed"
    elif counts:
        what = f"a record has {counts.group(2)} values where the header row has {counts.group(1)}"
    else:
        what = "the file is not well-formed CSV"
    where = f" (near line {line.group(1)})" if line else ""
    return (
        f"{what}{where}. Check the export's quotes, commas and line breaks, or export it "
        "again, and drop the file again."
    )
