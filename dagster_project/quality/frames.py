"""Reading a DuckDB table into a pandas frame whose column types a suite can name.

DuckDB's pandas conversion depends on the data: an INTEGER column is ``int32`` without nulls
and ``Int32`` with them, a ``sum()`` (HUGEINT) becomes ``float64``. Each column is therefore
read as one pandas type per kind of DuckDB type, so a suite names a type once:

========================================  ==================
DuckDB                                    pandas
========================================  ==================
TINYINT ... BIGINT, HUGEINT, unsigned     ``Int64``
FLOAT, DOUBLE, DECIMAL                    ``float64``
BOOLEAN                                   ``boolean``
VARCHAR                                   ``string``
DATE, TIMESTAMP                           ``datetime64[us]``
========================================  ==================
"""

import re
from collections.abc import Mapping

import duckdb
import pandas as pd

_INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}
_WIDE_INTEGER_TYPES = {"HUGEINT", "UHUGEINT", "UBIGINT"}
_FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}
_TIMESTAMP_TYPES = {"DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"}


class TableNotFound(LookupError):
    """The table a suite checks is not in the database."""


def quote_table(table: str) -> str:
    """``raw.contacts`` -> ``"raw"."contacts"``."""
    return ".".join(_quote(part) for part in table.split("."))


def read_table(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    computed_columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The whole table plus the computed columns that can be evaluated on it.

    A computed column whose expression does not bind (a column it uses is missing) is left
    out; the expectations on it then fail as "column not found", next to the failure of the
    expectation on the missing column itself.
    """
    source = quote_table(table)
    try:
        connection.execute(f"DESCRIBE SELECT * FROM {source}")
    except duckdb.CatalogException as error:
        raise TableNotFound(f"table {table} does not exist") from error
    selected = ["*"] + [
        f"({expression}) AS {_quote(name)}"
        for name, expression in (computed_columns or {}).items()
        if _binds(connection, source, expression)
    ]
    query = f"SELECT {', '.join(selected)} FROM {source}"
    types = dict(_column_types(connection, query))
    casts = ", ".join(
        f"CAST({_quote(name)} AS BIGINT) AS {_quote(name)}"
        if _base_type(type_) in _WIDE_INTEGER_TYPES
        else _quote(name)
        for name, type_ in types.items()
    )
    frame = connection.execute(f"SELECT {casts} FROM ({query})").df()
    return frame.astype(
        {name: dtype for name, type_ in types.items() if (dtype := _pandas_type(type_))}
    )


def _column_types(connection: duckdb.DuckDBPyConnection, query: str) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in connection.execute(f"DESCRIBE {query}").fetchall()]


def _binds(connection: duckdb.DuckDBPyConnection, source: str, expression: str) -> bool:
    try:
        connection.execute(f"DESCRIBE SELECT ({expression}) FROM {source}")
    except duckdb.BinderException:
        return False
    return True


def _base_type(duckdb_type: str) -> str:
    return re.sub(r"\(.*\)$", "", duckdb_type.upper()).strip()


def _pandas_type(duckdb_type: str) -> str | None:
    base = _base_type(duckdb_type)
    if base in _INTEGER_TYPES:
        return "Int64"
    if base in _FLOAT_TYPES or base == "DECIMAL":
        return "float64"
    if base == "BOOLEAN":
        return "boolean"
    if base == "VARCHAR":
        return "string"
    if base in _TIMESTAMP_TYPES:
        return "datetime64[us]"
    return None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
