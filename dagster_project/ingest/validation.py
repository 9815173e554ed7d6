"""Type conversion and row validation, as SQL over the staged (all-text) columns.

Each contract column yields typed output columns and, where its values can be wrong, a
``CASE`` expression giving the reason a row is rejected (null when the value is fine).
Free text longer than the limit is cut, with a note. Reasons never quote the value; the
masked value is stored beside them in audit.rejected_rows. The limits are read from
``config/ingest_limits.yml`` (``MASH_INGEST_LIMITS`` names another file).
"""

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import yaml

from dagster_project import settings
from dagster_project.ingest.contracts import PHONE_OUTPUTS, Column, ColumnType, Contract
from dagster_project.ingest.formats import (
    DEFAULT_DATETIME_FORMATS,
    DEFAULT_DURATION_FORMS,
    datetime_sql,
    duration_sql,
    reads_sql,
    unparseable_datetime,
    unparseable_duration,
)
from dagster_project.ingest.pseudonyms import phone_sql
from dagster_project.warehouse import quoted, sql_string

LIMITS_ENV = "MASH_INGEST_LIMITS"
DEFAULT_LIMITS = settings.PROJECT_ROOT / "config" / "ingest_limits.yml"

MISSING = "a required value is missing. Fill it in at source and export the record again."
UNPARSEABLE_DATETIME = unparseable_datetime(DEFAULT_DATETIME_FORMATS)
UNPARSEABLE_DURATION = unparseable_duration(DEFAULT_DURATION_FORMS)
FUTURE_DATETIME = "the date is in the future. Check the date at source and export the record again."
UNPARSEABLE_GIAS_DATE = (
    "not a date in the GIAS format DD-MM-YYYY. Download the register from GIAS again."
)
NOT_WHOLE_NUMBER = "not a whole number. Correct it at source and export the record again."
NEGATIVE_SECONDS = (
    "a negative number of seconds. Check the telephone system's export and export the record again."
)
WHOLE_ROW = "(whole row)"

_PERSONAL = (ColumnType.PERSON_ID, ColumnType.PHONE)
_REJECTED_VALUE_MAX_CHARS = 200

GIAS_DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S")

#: How many of a column's values are tried against every format to order the formats.
FORMAT_SAMPLE_ROWS = 1000


@dataclass(frozen=True)
class Limits:
    free_text_max_chars: int = 4000
    earliest_date: date = date(2000, 1, 1)
    max_duration_seconds: int = 24 * 60 * 60

    def before_earliest(self) -> str:
        return (
            f"the date is before {self.earliest_date.isoformat()}, the earliest the pipeline "
            "accepts (a placeholder such as 01/01/1900?). Correct the date at source and "
            "export the record again."
        )

    def over_max_duration(self) -> str:
        return (
            f"more than {self.max_duration_seconds} seconds (24 hours when not configured): "
            "not a real call. Check the telephone system's export and export the record again."
        )

    def text_cut(self) -> str:
        return (
            f"longer than {self.free_text_max_chars} characters: the first "
            f"{self.free_text_max_chars} were loaded and the rest cut. No action needed unless "
            "the text matters."
        )


def load_limits(path: Path | None = None) -> Limits:
    override = os.environ.get(LIMITS_ENV)
    path = path or (Path(override).expanduser() if override else DEFAULT_LIMITS)
    configured = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    return Limits(**(configured or {}))


@dataclass(frozen=True)
class OutputColumn:
    name: str
    sql_type: str
    not_null: bool

    @property
    def typed(self) -> str:
        return quoted(f"typed__{self.name}")


_SQL_TYPES = {
    ColumnType.TEXT: "VARCHAR",
    ColumnType.PERSON_ID: "VARCHAR",
    ColumnType.DATETIME: "TIMESTAMP",
    ColumnType.GIAS_DATE: "DATE",
    ColumnType.WHOLE_NUMBER: "INTEGER",
    ColumnType.SECONDS: "INTEGER",
    ColumnType.LENIENT_INTEGER: "INTEGER",
    ColumnType.LENIENT_DECIMAL: "DOUBLE",
}


def output_columns(column: Column) -> tuple[OutputColumn, ...]:
    if column.type is ColumnType.PHONE:
        return tuple(OutputColumn(name, "VARCHAR", not_null=False) for name in PHONE_OUTPUTS)
    return (OutputColumn(column.name, _SQL_TYPES[column.type], not_null=column.required),)


_MACROS = {
    "mash_phone(number)": phone_sql("number"),
    "mash_datetime(text)": datetime_sql("text", DEFAULT_DATETIME_FORMATS),
    "mash_gias_date(text)": f"CAST({datetime_sql('text', GIAS_DATE_FORMATS)} AS DATE)",
    "mash_integer(text)": (
        "CASE WHEN regexp_full_match(text, '[+-]?[0-9]+') THEN try_cast(text AS INTEGER) END"
    ),
}


def register_sql_functions(conn: duckdb.DuckDBPyConnection) -> None:
    """The conversions as temporary macros of this connection; safe to call again.

    - ``mash_phone(text)``: the phone-number rule (``pseudonyms.phone_sql``).
    - ``mash_datetime(text)``: the contract's default datetime formats (UK day first, or
      ISO 8601, an offset converted to UK local time; ``formats``).
    - ``mash_gias_date(text)``: GIAS dates (``DD-MM-YYYY``; also the forms a spreadsheet
      re-save produces).
    - ``mash_integer(text)``: a whole number written as one, else null ("12.5", "SUPP").
    """
    for signature, body in _MACROS.items():
        conn.execute(f"CREATE OR REPLACE TEMP MACRO {signature} AS {body}")


def datetime_formats(
    conn: duckdb.DuckDBPyConnection, column: str, formats: Sequence[str]
) -> list[str]:
    """``formats``, those the file's first values use first (most used first): each value
    is then parsed by its file's format at the first try."""
    counts = ", ".join(
        f"count(*) FILTER (WHERE {reads_sql('v', datetime_format)})" for datetime_format in formats
    )
    [row] = conn.execute(
        f"SELECT {counts} FROM (SELECT {quoted(column)} AS v FROM ingest_staged "
        f"WHERE {quoted(column)} IS NOT NULL LIMIT {FORMAT_SAMPLE_ROWS})"
    ).fetchall()
    order = sorted(range(len(formats)), key=lambda index: (-row[index], index))
    return [formats[index] for index in order]


def check_staged(
    conn: duckdb.DuckDBPyConnection,
    contract: Contract,
    now: datetime,
    limits: Limits,
    formats: Mapping[str, Sequence[str]],
) -> None:
    """Typed values and rejection reasons of the staged rows, as temp tables (``formats``:
    the datetime formats or duration forms of each such column, by column name):
    ``ingest_checked`` (every staged row, ``is_rejected``) and ``ingest_rejections`` (one
    row per reason, the file's unparsed lines included; ``is_note`` for a cut text)."""
    typed, problems, notes = [], [], []
    for column in contract.columns:
        given = quoted(column.name)
        declared = formats.get(column.name, ())
        in_use_order = (
            datetime_formats(conn, column.name, declared)
            if column.type is ColumnType.DATETIME
            else declared
        )
        for output, sql in _typed_expressions(column, given, in_use_order, limits):
            typed.append(f"{sql} AS {output.typed}")
        problem = _problem_expression(column, declared, now, limits)
        if problem is not None:
            problems.append((column, f"problem__{column.name}", problem))
        if column.type is ColumnType.TEXT:
            # strlen (bytes) is cheap and never less than length (characters).
            too_long = (
                f"strlen({given}) > {limits.free_text_max_chars} "
                f"AND length({given}) > {limits.free_text_max_chars}"
            )
            note = f"CASE WHEN {too_long} THEN {sql_string(limits.text_cut())} END"
            notes.append((column, f"note__{column.name}", note))
    reasons = problems + notes
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE ingest_checked AS
        WITH typed AS (
            SELECT * EXCLUDE (is_blank), {", ".join(typed)} FROM ingest_staged WHERE NOT is_blank
        )
        SELECT *, {", ".join(f"{sql} AS {quoted(name)}" for _, name, sql in reasons)},
               coalesce({", ".join(quoted(name) for _, name, _ in problems)}) IS NOT NULL
                   AS is_rejected
        FROM typed
    """)
    selects = [
        f"SELECT source_row, {sql_string(column.header if column else WHOLE_ROW)} AS column_name, "
        f"{_rejected_value(column)} AS value, {quoted(name)} AS reason, "
        f"{'true' if name.startswith('note__') else 'false'} AS is_note "
        f"FROM ingest_checked WHERE {quoted(name)} IS NOT NULL"
        for column, name, _ in reasons
    ]
    # The records scanning could not read, with their reasons.
    selects.append(
        f"SELECT source_row, coalesce(column_name, {sql_string(WHOLE_ROW)}), "
        "CAST(NULL AS VARCHAR), reason, false FROM ingest_unparsed"
    )
    conn.execute("CREATE OR REPLACE TEMP TABLE ingest_rejections AS " + " UNION ALL ".join(selects))


def _typed_expressions(
    column: Column, given: str, formats: Sequence[str], limits: Limits
) -> list[tuple[OutputColumn, str]]:
    """Each output column with its SQL over the staged text column of the same name."""
    formatted = {ColumnType.DATETIME: datetime_sql, ColumnType.SECONDS: duration_sql}
    conversions = {
        ColumnType.TEXT: f"left({given}, {limits.free_text_max_chars})",
        ColumnType.GIAS_DATE: f"mash_gias_date({given})",
        ColumnType.WHOLE_NUMBER: f"mash_integer({given})",
        ColumnType.LENIENT_INTEGER: f"try_cast({given} AS INTEGER)",
        ColumnType.LENIENT_DECIMAL: f"try_cast({given} AS DOUBLE)",
    }
    if column.type in formatted:
        conversions[column.type] = formatted[column.type](given, formats)
    return [
        (output, conversions.get(column.type, quoted(output.name)))
        for output in output_columns(column)
    ]


def _problem_expression(
    column: Column, formats: Sequence[str], now: datetime, limits: Limits
) -> str | None:
    """Why a row's value in ``column`` is refused, or null; None when it cannot be wrong."""
    given = quoted(column.name)
    typed = output_columns(column)[0].typed
    checks = []
    if column.type is ColumnType.DATETIME:
        checks.append((f"{typed} IS NULL", unparseable_datetime(formats)))
        checks.append((f"{typed} > TIMESTAMP '{now.isoformat(sep=' ')}'", FUTURE_DATETIME))
        checks.append(
            (f"{typed} < DATE '{limits.earliest_date.isoformat()}'", limits.before_earliest())
        )
    elif column.type is ColumnType.GIAS_DATE:
        checks.append((f"{typed} IS NULL", UNPARSEABLE_GIAS_DATE))
    elif column.type is ColumnType.WHOLE_NUMBER:
        checks.append((f"{typed} IS NULL OR {typed} < 0", NOT_WHOLE_NUMBER))
    elif column.type is ColumnType.SECONDS:
        checks.append((f"{typed} IS NULL", unparseable_duration(formats)))
        checks.append((f"{typed} < 0", NEGATIVE_SECONDS))
        checks.append((f"{typed} > {limits.max_duration_seconds}", limits.over_max_duration()))
    if not checks and not column.required:
        return None
    # A blank value is refused only when required; a check never sees a blank value.
    on_blank = sql_string(MISSING) if column.required else "NULL"
    whens = " ".join(f"WHEN {condition} THEN {sql_string(reason)}" for condition, reason in checks)
    return f"CASE WHEN {given} IS NULL THEN {on_blank} {whens} END"


def _rejected_value(column: Column | None) -> str:
    """The value shown in audit.rejected_rows: personal data is never copied there."""
    if column is None or column.type in _PERSONAL:
        return "CAST(NULL AS VARCHAR)"
    return f"left({quoted(column.name)}, {_REJECTED_VALUE_MAX_CHARS})"
