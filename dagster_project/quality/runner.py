"""Running an expectation suite with great-expectations 1.x inside the DuckDB warehouse.

The suite's table (with its computed columns) is a query asset of a GX SQL data source
(SQLAlchemy with duckdb-engine), so every expectation is computed as SQL by DuckDB: no table
is ever loaded into Python. The data source does not open the warehouse file itself: its
SQLAlchemy ``creator`` hands out cursors of the caller's DuckDB connection, which share that
connection's database instance. A second open of the file would be refused while the run's
connection holds it (DuckDB allows one writing process, and one configuration per file in a
process), and would hold its lock beyond the check.

One validation runs every expectation of a suite; :func:`validate_table` splits its results
by severity, so the blocking and the warning Dagster checks read the table once between them.
GX is imported on first use only (it takes seconds), in an ephemeral context that writes no
files.
"""

import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import duckdb

from dagster_project.quality.results import SuiteResult, failure_from_gx, severity_of
from dagster_project.quality.suites import SEVERITIES, Suite, load_suite
from dagster_project.warehouse import qualified, quoted, table_exists

_DATA_SOURCE = "duckdb_warehouse"
_BATCH = "whole_table"
_names = itertools.count()


def run_suite(
    name: str,
    connection: duckdb.DuckDBPyConnection,
    severity: str | None = None,
) -> SuiteResult:
    """Validate table ``name`` (``raw.contacts``) against its suite; only reads the database.

    With ``severity`` (``critical`` or ``warning``) only the expectations of that severity
    run. A missing table is a failed result, not an exception.
    """
    suite = load_suite(name)
    if severity is None:
        return validate(suite, connection)
    return validate(suite.part(severity), connection).part(severity)


def validate_table(name: str, connection: duckdb.DuckDBPyConnection) -> dict[str, SuiteResult]:
    """One validation of the whole suite of table ``name``, as one result per severity."""
    whole = validate(load_suite(name), connection)
    return {severity: whole.part(severity) for severity in SEVERITIES}


def validate(suite: Suite, connection: duckdb.DuckDBPyConnection) -> SuiteResult:
    """Validate ``suite``'s table as it is in the database ``connection`` is open on."""
    started = time.perf_counter()
    if not table_exists(connection, suite.table):
        return SuiteResult(
            suite=suite.name,
            severity=None,
            success=False,
            evaluated=0,
            row_count=None,
            failures=(),
            seconds=time.perf_counter() - started,
            error=f"table {suite.table} does not exist",
        )
    [(row_count,)] = connection.execute(f"select count(*) from {qualified(suite.table)}").fetchall()
    identifiers = list(suite.row_identifier_columns)
    result_format: dict[str, Any] = {"result_format": "SUMMARY"}
    if identifiers:
        result_format["unexpected_index_column_names"] = identifiers
    with _batch(connection, _query(connection, suite)) as batch:
        validation = batch.validate(_gx_suite(suite), result_format=result_format)
    failures = tuple(
        failure_from_gx(result, suite.reportable_columns, identifiers)
        for result in validation.results
        if not result.success
    )
    return SuiteResult(
        suite=suite.name,
        severity=None,
        success=not failures,
        evaluated=len(validation.results),
        row_count=row_count,
        evaluated_severities=tuple(severity_of(result) for result in validation.results),
        failures=failures,
        seconds=time.perf_counter() - started,
    )


def _query(connection: duckdb.DuckDBPyConnection, suite: Suite) -> str:
    """The table plus those computed columns whose expression binds on it.

    A computed column that does not bind (a column it uses is missing) is left out; the
    expectations on it then fail as "column not found", next to whatever names the missing
    column itself.
    """
    source = qualified(suite.table)
    selected = ["*"] + [
        f"({expression}) AS {quoted(name)}"
        for name, expression in suite.computed_columns.items()
        if _binds(connection, source, expression)
    ]
    return f"SELECT {', '.join(selected)} FROM {source}"


def _binds(connection: duckdb.DuckDBPyConnection, source: str, expression: str) -> bool:
    try:
        connection.execute(f"DESCRIBE SELECT ({expression}) FROM {source}")
    except duckdb.BinderException:
        return False
    return True


@contextmanager
def _batch(connection: duckdb.DuckDBPyConnection, query: str) -> Iterator[Any]:
    """A batch of ``query`` in a GX data source of its own, removed again afterwards."""
    name = f"{_DATA_SOURCE}_{next(_names)}"
    data_source = _context().data_sources.add_sql(
        name,
        connection_string="duckdb:///:memory:",
        create_temp_table=False,
        kwargs={"creator": _dbapi_connection_factory(connection)},
    )
    try:
        asset = data_source.add_query_asset("suite_table", query=query)
        yield asset.add_batch_definition_whole_table(_BATCH).get_batch()
    finally:
        _context().data_sources.delete(name)


def _dbapi_connection_factory(connection: duckdb.DuckDBPyConnection):
    """SQLAlchemy's ``creator``: the caller's connection as duckdb-engine's DBAPI connection.

    duckdb-engine's own wrapper runs every statement on one DuckDB connection, so a result
    is gone once the next statement runs; GX fetches a result after handing its connection
    back to the pool, where SQLAlchemy resets it. Each cursor is therefore a cursor of its
    own (``connection.cursor()``: same database, same process, no new file handle).
    """
    from duckdb_engine import ConnectionWrapper, CursorWrapper

    class _OwnCursors(ConnectionWrapper):
        def cursor(self) -> CursorWrapper:
            return CursorWrapper(connection.cursor(), self)

    return lambda: _OwnCursors(connection.cursor())


def _gx_suite(suite: Suite):
    from great_expectations.core import ExpectationSuite

    return ExpectationSuite(
        name=suite.name,
        expectations=[dict(expectation) for expectation in suite.expectations],
        meta=suite.meta,
    )


@cache
def _context():
    """One ephemeral GX context per process: stores in memory, no data docs site, no usage
    statistics sent, so nothing is written to disk or sent over the network."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context
