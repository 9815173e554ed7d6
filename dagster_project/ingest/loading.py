"""Loading one readable file into its raw table, with its audit rows, in one transaction."""

from dataclasses import dataclass
from datetime import datetime

import duckdb

from dagster_project.ingest.audit import record_file
from dagster_project.ingest.contracts import Contract
from dagster_project.ingest.headers import map_headers
from dagster_project.ingest.reading import ReadableCsv
from dagster_project.ingest.sql_text import quoted, sql_string
from dagster_project.ingest.scanning import stage_file
from dagster_project.ingest.validation import (
    output_columns,
    problem_expression,
    rejected_value,
    typed_expressions,
)
from dagster_project.ingest.raw_tables import PROVENANCE_COLUMNS, transaction

#: How many rejections of a file are reported back for logs and checks (all are audited).
EXAMPLES_PER_FILE = 5


@dataclass(frozen=True)
class Rejection:
    row_number: int
    column_name: str
    reason: str


@dataclass(frozen=True)
class FileLoad:
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    examples: tuple[Rejection, ...]


def load_file(
    conn: duckdb.DuckDBPyConnection,
    readable: ReadableCsv,
    contract: Contract,
    *,
    file_name: str,
    sha256: str,
    at: datetime,
) -> FileLoad:
    """Raises FileRefused, before anything is written, when the file cannot be loaded."""
    stage_file(conn, readable, contract, map_headers(readable.header, contract))
    _check_staged(conn, contract, at)
    [(rows_read, rows_rejected)] = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE is_rejected) FROM ingest_checked"
    ).fetchall()
    examples = conn.execute(
        f"SELECT source_row, column_name, reason FROM ingest_rejections "
        f"ORDER BY source_row, column_name LIMIT {EXAMPLES_PER_FILE}"
    ).fetchall()
    load = FileLoad(
        rows_read=rows_read,
        rows_loaded=rows_read - rows_rejected,
        rows_rejected=rows_rejected,
        examples=tuple(Rejection(*row) for row in examples),
    )
    provenance = {"file": file_name, "sha": sha256, "at": at}
    outputs = [output for column in contract.columns for output in output_columns(column)]
    with transaction(conn):
        conn.execute(
            f"INSERT INTO {contract.table} "
            f"({', '.join([o.name for o in outputs] + [n for n, _ in PROVENANCE_COLUMNS])}) "
            f"SELECT {', '.join(o.typed for o in outputs)}, extra_columns, $file, source_row, "
            "$sha, $at FROM ingest_checked WHERE NOT is_rejected ORDER BY source_row",
            provenance,
        )
        conn.execute(
            "INSERT INTO audit.rejected_rows (file_name, kind, row_number, column_name, value, "
            "reason, rejected_at) SELECT $file, $kind, source_row, column_name, value, reason, "
            "$at FROM ingest_rejections ORDER BY source_row, column_name",
            {"file": file_name, "kind": contract.kind, "at": at},
        )
        record_file(
            conn,
            file_name=file_name,
            kind=contract.kind,
            sha256=sha256,
            status="loaded",
            message=(
                f"loaded {load.rows_loaded} of {rows_read} rows"
                + (f"; {rows_rejected} rejected, see audit.rejected_rows" if rows_rejected else "")
            ),
            at=at,
            rows_read=rows_read,
            rows_loaded=load.rows_loaded,
            rows_rejected=rows_rejected,
        )
    return load


def _check_staged(conn: duckdb.DuckDBPyConnection, contract: Contract, at: datetime) -> None:
    """Typed values and rejection reasons of the staged rows, as temp tables."""
    typed = [
        f"{sql} AS {output.typed}"
        for column in contract.columns
        for output, sql in typed_expressions(column)
    ]
    problems = [
        (column, f"problem__{column.name}", expression)
        for column in contract.columns
        if (expression := problem_expression(column, at)) is not None
    ]
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE ingest_checked AS
        WITH typed AS (SELECT *, {", ".join(typed)} FROM ingest_staged)
        SELECT *, {", ".join(f"{sql} AS {quoted(name)}" for _, name, sql in problems)},
               coalesce({", ".join(quoted(name) for _, name, _ in problems)}) IS NOT NULL
                   AS is_rejected
        FROM typed
    """)
    conn.execute(
        "CREATE OR REPLACE TEMP TABLE ingest_rejections AS "
        + " UNION ALL ".join(
            f"SELECT source_row, {sql_string(column.header)} AS column_name, "
            f"{rejected_value(column)} AS value, {quoted(name)} AS reason "
            f"FROM ingest_checked WHERE {quoted(name)} IS NOT NULL"
            for column, name, _ in problems
        )
    )
