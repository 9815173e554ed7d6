"""Data-quality checks: great-expectations 1.x suites (``expectations/``) computed in DuckDB.

``validate_table("raw.contacts", connection)`` validates the table once and gives one
result per severity; GX is imported only then. The Dagster asset checks built on it are in
``dagster_project/defs/checks/``.
"""

from dagster_project.quality.results import ExpectationFailure, SuiteResult
from dagster_project.quality.runner import run_suite, validate, validate_table
from dagster_project.quality.suites import BLOCKING, WARNING, Suite, load_suite, suite_names

__all__ = [
    "BLOCKING",
    "WARNING",
    "ExpectationFailure",
    "Suite",
    "SuiteResult",
    "load_suite",
    "run_suite",
    "suite_names",
    "validate",
    "validate_table",
]
