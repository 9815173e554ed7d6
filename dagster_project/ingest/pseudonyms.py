"""Pseudonymising on load, in SQL: the keyed pseudonym and the phone-number rule.

The pseudonym is HMAC-SHA256 (RFC 2104) computed by DuckDB's own ``sha256``: the key's inner
and outer pads are statement parameters (the key never appears in SQL text), so it equals
``dagster_project.pseudonymise.pseudonymise`` for the same key and value. The phone rule is
the dbt macro ``normalise_phone`` (dbt/macros/normalise.sql), rendered here, so ingestion
and the models normalise numbers by one written rule.
"""

import hashlib
from functools import cache
from pathlib import Path

import duckdb
import jinja2

from dagster_project import settings
from dagster_project.ingest.contracts import PHONE_OUTPUTS, Column, ColumnType
from dagster_project.pseudonymise import pseudonym_key

NORMALISE_MACROS = settings.DBT_PROJECT_DIR / "macros" / "normalise.sql"

#: Normalised numbers of registered organisations (schools, agencies), for this connection.
REGISTERED_NUMBERS_TABLE = "ingest_registered_numbers"

_BLOCK_SIZE = hashlib.sha256().block_size

#: What ``str.strip()`` removes (Python's white space): the pseudonym of " C1\u00a0" is C1's.
WHITE_SPACE = "".join(chr(code) for code in range(0x3001) if chr(code).isspace())


def trimmed_sql(text: str) -> str:
    """SQL for ``text`` stripped as Python's ``str.strip()`` strips it. A value that starts
    and ends with a printable ASCII character (nearly all) is left alone without the slower
    many-character ``trim``."""
    printable = "BETWEEN 33 AND 126"
    return (
        f"CASE WHEN ord({text}) {printable} AND ord(right({text}, 1)) {printable} "
        f"THEN {text} ELSE trim({text}, '{WHITE_SPACE}') END"
    )


def key_pads(key: bytes | None = None) -> dict[str, bytes]:
    """Statement parameters for ``pseudonym_sql``: the HMAC inner and outer pads."""
    key = key or pseudonym_key()
    if len(key) > _BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK_SIZE, b"\x00")
    return {
        "pseudonym_inner_pad": bytes(byte ^ 0x36 for byte in key),
        "pseudonym_outer_pad": bytes(byte ^ 0x5C for byte in key),
    }


def pseudonym_sql(text: str) -> str:
    """SQL for the hex HMAC-SHA256 of the trimmed ``text`` (null stays null)."""
    message = f"encode({trimmed_sql(text)})"
    inner = f"unhex(sha256($pseudonym_inner_pad || {message}))"
    return f"sha256($pseudonym_outer_pad || {inner})"


@cache
def _normalise_macros(path: Path):
    return jinja2.Environment().from_string(path.read_text(encoding="utf-8")).module


def phone_sql(text: str) -> str:
    """SQL normalising a phone number: the dbt macro ``normalise_phone``."""
    return " ".join(str(_normalise_macros(NORMALISE_MACROS).normalise_phone(text)).split())


def create_registered_numbers(conn: duckdb.DuckDBPyConnection, agencies_csv: Path) -> None:
    """A school's ``TelephoneNum`` in raw.schools or an agency's switchboard ``telephone``
    in the agency register (a CSV, optional) is an organisation's number, not personal data."""
    sources = [f"SELECT {phone_sql('telephone_num')} AS number FROM raw.schools"]
    parameters = {}
    if agencies_csv.exists():
        sources.append(
            f"SELECT {phone_sql('telephone')} FROM read_csv($agencies, header = true, "
            "delim = ',', quote = '\"', all_varchar = true)"
        )
        parameters["agencies"] = str(agencies_csv)
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE {REGISTERED_NUMBERS_TABLE} AS "
        f"SELECT DISTINCT number FROM ({' UNION ALL '.join(sources)}) WHERE number IS NOT NULL",
        parameters,
    )


def pseudonymised_columns(column: Column, text: str) -> list[tuple[str, str]]:
    """A contract column's staged columns (name, SQL) from the SQL of its trimmed text: a
    child id becomes its pseudonym; a caller's number its pseudonym, and the number itself
    only when an organisation's (``create_registered_numbers`` first)."""
    if column.type is ColumnType.PERSON_ID:
        return [(column.name, pseudonym_sql(text))]
    if column.type is ColumnType.PHONE:
        number = phone_sql(text)
        registered = f"{number} IN (SELECT number FROM {REGISTERED_NUMBERS_TABLE})"
        key_name, number_name = PHONE_OUTPUTS
        return [
            (key_name, pseudonym_sql(number)),
            (number_name, f"CASE WHEN {registered} THEN {number} END"),
        ]
    return [(column.name, text)]
