"""Type conversion and row validation, as SQL over the staged (all-text) columns.

Each contract column yields typed output columns and, where its values can be wrong, a
``CASE`` expression giving the reason a row is rejected (null when the value is fine).
Reasons never quote the value; the masked value is stored beside them in audit.rejected_rows.
"""

from dataclasses import dataclass
from datetime import datetime

from dagster_project.ingest.contracts import Column, ColumnType
from dagster_project.ingest.sql_text import quoted, sql_string

MISSING = "a required value is missing. Fill it in at source and export the record again."
UNPARSEABLE_DATETIME = (
    "not a date in an accepted format (DD/MM/YYYY HH:MM[:SS], DD/MM/YYYY, or ISO 8601 such "
    "as 2017-09-01T14:30:00). Correct the date at source and export the record again."
)
FUTURE_DATETIME = "the date is in the future. Check the date at source and export the record again."
UNPARSEABLE_GIAS_DATE = (
    "not a date in the GIAS format DD-MM-YYYY. Download the register from GIAS again."
)
NOT_WHOLE_NUMBER = "not a whole number. Correct it at source and export the record again."
NEGATIVE_SECONDS = (
    "a negative number of seconds. Check the telephone system's export and export the record again."
)

_PERSONAL = (ColumnType.PERSON_ID, ColumnType.PHONE)
_REJECTED_VALUE_MAX_CHARS = 200


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

#: The phone column becomes a pseudonym for every caller and the number for organisations.
PHONE_OUTPUTS = ("caller_key", "caller_number")


def output_columns(column: Column) -> tuple[OutputColumn, ...]:
    if column.type is ColumnType.PHONE:
        return tuple(OutputColumn(name, "VARCHAR", not_null=False) for name in PHONE_OUTPUTS)
    return (OutputColumn(column.name, _SQL_TYPES[column.type], not_null=column.required),)


def typed_expressions(column: Column) -> list[tuple[OutputColumn, str]]:
    """Each output column with its SQL over the staged text column of the same name."""
    given = quoted(column.name)
    conversions = {
        ColumnType.DATETIME: f"mash_datetime({given})",
        ColumnType.GIAS_DATE: f"mash_gias_date({given})",
        ColumnType.WHOLE_NUMBER: f"mash_integer({given})",
        ColumnType.SECONDS: f"mash_integer({given})",
        ColumnType.LENIENT_INTEGER: f"try_cast({given} AS INTEGER)",
        ColumnType.LENIENT_DECIMAL: f"try_cast({given} AS DOUBLE)",
    }
    return [
        (output, conversions.get(column.type, quoted(output.name)))
        for output in output_columns(column)
    ]


def problem_expression(column: Column, now: datetime) -> str | None:
    """Why a row's value in ``column`` is refused, or null; None when it cannot be wrong."""
    given = quoted(column.name)
    typed = output_columns(column)[0].typed
    checks = []
    if column.type is ColumnType.DATETIME:
        checks.append((f"{typed} IS NULL", UNPARSEABLE_DATETIME))
        checks.append((f"{typed} > TIMESTAMP '{now.isoformat(sep=' ')}'", FUTURE_DATETIME))
    elif column.type is ColumnType.GIAS_DATE:
        checks.append((f"{typed} IS NULL", UNPARSEABLE_GIAS_DATE))
    elif column.type is ColumnType.WHOLE_NUMBER:
        checks.append((f"{typed} IS NULL OR {typed} < 0", NOT_WHOLE_NUMBER))
    elif column.type is ColumnType.SECONDS:
        checks.append((f"{typed} IS NULL", NOT_WHOLE_NUMBER))
        checks.append((f"{typed} < 0", NEGATIVE_SECONDS))
    if not checks and not column.required:
        return None
    # A blank value is refused only when required; a check never sees a blank value.
    on_blank = sql_string(MISSING) if column.required else "NULL"
    whens = " ".join(f"WHEN {condition} THEN {sql_string(reason)}" for condition, reason in checks)
    return f"CASE WHEN {given} IS NULL THEN {on_blank} {whens} END"


def rejected_value(column: Column) -> str:
    """The value shown in audit.rejected_rows: personal data is never copied there."""
    if column.type in _PERSONAL:
        return "CAST(NULL AS VARCHAR)"
    return f"left({quoted(column.name)}, {_REJECTED_VALUE_MAX_CHARS})"
