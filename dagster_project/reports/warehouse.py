"""Read-only access to the warehouse for the reports."""

from pathlib import Path

import duckdb
import pandas as pd


class MissingWarehouse(RuntimeError):
    """The warehouse file or a table a report cannot do without is not there."""


def open_read_only(path: str | Path) -> duckdb.DuckDBPyConnection:
    if not Path(path).exists():
        raise MissingWarehouse(f"no warehouse at {path}: run the pipeline before the reports")
    return duckdb.connect(str(path), read_only=True)


def table_exists(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found[0])


def require_tables(connection: duckdb.DuckDBPyConnection, schema: str, tables: list[str]) -> None:
    missing = [table for table in tables if not table_exists(connection, schema, table)]
    if missing:
        names = ", ".join(f"{schema}.{table}" for table in missing)
        raise MissingWarehouse(f"the warehouse has no {names}: build the dbt models first")


def query(
    connection: duckdb.DuckDBPyConnection, sql: str, params: list | None = None
) -> pd.DataFrame:
    return connection.execute(sql, params or []).df()
