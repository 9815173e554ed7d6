"""Running an expectation suite with great-expectations 1.x against a DuckDB table.

The table is read into pandas (:mod:`dagster_project.quality.frames`) and validated as one
batch of an ephemeral GX context's pandas data source. GX is imported on first use only: it
takes seconds to import, and loading the Dagster definitions must stay fast.
"""

import time
from functools import cache
from typing import Any

import duckdb
import pandas as pd

from dagster_project.quality.frames import TableNotFound, read_table
from dagster_project.quality.results import SuiteResult, failure_from_gx
from dagster_project.quality.suites import Suite, load_suite

_DATA_SOURCE = "duckdb_tables"
_ASSET = "table"
_BATCH = "whole_table"


def run_suite(
    name: str,
    connection: duckdb.DuckDBPyConnection,
    severity: str | None = None,
) -> SuiteResult:
    """Validate table ``name`` (``raw.contacts``) against its suite; only reads the database.

    With ``severity`` (``critical`` or ``warning``) only the expectations of that severity
    run. A missing table is a failed result, not an exception.
    """
    started = time.perf_counter()
    suite = load_suite(name)
    if severity is not None:
        suite = suite.part(severity)
    try:
        frame = read_table(connection, suite.table, suite.computed_columns)
    except TableNotFound as error:
        return SuiteResult(
            suite=name,
            severity=severity,
            success=False,
            evaluated=0,
            row_count=None,
            failures=(),
            seconds=time.perf_counter() - started,
            error=str(error),
        )
    return validate_frame(suite, frame, severity=severity, started=started)


def validate_frame(
    suite: Suite,
    frame: pd.DataFrame,
    severity: str | None = None,
    started: float | None = None,
) -> SuiteResult:
    """Validate an already-read frame against ``suite``."""
    started = time.perf_counter() if started is None else started
    identifiers = [column for column in suite.row_identifier_columns if column in frame.columns]
    result_format: dict[str, Any] = {"result_format": "SUMMARY"}
    if identifiers:
        result_format["unexpected_index_column_names"] = identifiers
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    validation = batch.validate(
        _gx_suite(suite),
        result_format=result_format,
        expectation_parameters=suite.parameters(),
    )
    failures = tuple(
        failure_from_gx(result, suite.reportable_columns, identifiers)
        for result in validation.results
        if not result.success
    )
    return SuiteResult(
        suite=suite.name,
        severity=severity,
        success=not failures,
        evaluated=len(validation.results),
        row_count=len(frame),
        failures=failures,
        seconds=time.perf_counter() - started,
    )


def _gx_suite(suite: Suite):
    from great_expectations.core import ExpectationSuite

    return ExpectationSuite(
        name=suite.name,
        expectations=[dict(expectation) for expectation in suite.expectations],
        meta=suite.meta,
    )


@cache
def _batch_definition():
    """One ephemeral GX context per process; each validation passes its own frame."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    asset = context.data_sources.add_pandas(_DATA_SOURCE).add_dataframe_asset(_ASSET)
    return asset.add_batch_definition_whole_dataframe(_BATCH)
