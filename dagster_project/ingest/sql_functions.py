"""Functions the ingestion SQL calls, registered on each warehouse connection.

- ``mash_pseudonym(text)``: keyed HMAC-SHA256 pseudonym (``dagster_project.pseudonymise``).
- ``mash_phone(text)``: a phone number normalised to digits, a leading 44 (from +44 or
  0044, with or without a following (0)) becoming 0; null when no digits are left.
- ``mash_datetime(text)``: the contract's datetime formats (UK day first, or ISO 8601).
- ``mash_gias_date(text)``: GIAS dates (``DD-MM-YYYY``; also the forms a spreadsheet
  re-save produces).
- ``mash_integer(text)``: a whole number written as one, else null ("12.5", "SUPP").

Dates before 1900 are treated as unparseable: they come from two-digit years read as ``%Y``.
"""

import secrets

import duckdb

from dagster_project.pseudonymise import pseudonym_key, pseudonymise

DATETIME_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)

GIAS_DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S")

_EARLIEST_PLAUSIBLE = "TIMESTAMP '1900-01-01'"


def _format_list(formats: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{fmt}'" for fmt in formats) + "]"


def _parsed_after_1900(text: str, formats: tuple[str, ...]) -> str:
    parsed = f"try_strptime({text}, {_format_list(formats)})"
    return f"CASE WHEN {parsed} >= {_EARLIEST_PLAUSIBLE} THEN {parsed} END"


_MACROS = {
    "mash_phone(number)": (
        "nullif(regexp_replace(regexp_replace(number, '[^0-9]', '', 'g'), '^(00)?440?', '0'), '')"
    ),
    "mash_datetime(text)": _parsed_after_1900("text", DATETIME_FORMATS),
    "mash_gias_date(text)": f"CAST({_parsed_after_1900('text', GIAS_DATE_FORMATS)} AS DATE)",
    "mash_integer(text)": (
        "CASE WHEN regexp_full_match(text, '[+-]?[0-9]+') THEN try_cast(text AS INTEGER) END"
    ),
}


def register_sql_functions(conn: duckdb.DuckDBPyConnection) -> None:
    """Safe to call again, and on several connections to one database.

    DuckDB keeps Python functions in the database's catalog, shared by its connections and
    impossible to replace from another one, so each registration gets a name of its own and
    the connection's temporary macro ``mash_pseudonym`` points at it.
    """
    key = pseudonym_key()
    udf_name = f"mash_pseudonym_{secrets.token_hex(8)}"
    conn.create_function(
        udf_name,
        lambda value: pseudonymise(value, key),
        ["VARCHAR"],
        "VARCHAR",
        side_effects=False,
    )
    macros = {**_MACROS, "mash_pseudonym(text)": f"{udf_name}(text)"}
    for signature, body in macros.items():
        conn.execute(f"CREATE OR REPLACE TEMP MACRO {signature} AS {body}")
