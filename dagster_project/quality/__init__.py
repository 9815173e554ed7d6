"""Data-quality checks: great-expectations 1.x suites (``expectations/``) run on DuckDB tables.

``run_suite("raw.contacts", connection)`` reads the table and validates it; GX is imported
only then. The Dagster asset checks built on it are in ``dagster_project/defs/checks/``.
"""

from dagster_project.quality.results import ExpectationFailure, SuiteResult
from dagster_project.quality.runner import run_suite, validate_frame
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
    "validate_frame",
]
