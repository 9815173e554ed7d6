"""Resources shared by every asset: the DuckDB warehouse and the dbt project."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import RetryRequested
from dagster_dbt import DbtCliResource, DbtProject
from dagster_duckdb import DuckDBResource

from dagster_project import settings

dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR
)

#: dbt from the same virtualenv, whether or not it is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

#: Every asset that writes the warehouse runs in this pool (limit 1 in dagster.yaml).
DUCKDB_WRITER_POOL = "duckdb_writer"


#: How often, and how long apart, a step retries while another process holds the file lock.
LOCK_RETRIES = 3
LOCK_RETRY_SECONDS = 30


class WarehouseResource(DuckDBResource):
    """The warehouse; a step that finds the file locked by another process is retried later,
    the one transient failure worth retrying (data errors fail at once)."""

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        try:
            with super().get_connection() as conn:
                yield conn
        except duckdb.IOException as error:
            if "could not set lock" not in str(error).lower():
                raise
            raise RetryRequested(
                max_retries=LOCK_RETRIES, seconds_to_wait=LOCK_RETRY_SECONDS
            ) from error


def build_resources() -> dict:
    """Resources for the current environment; called when Definitions load or in tests."""
    return {
        "duckdb": WarehouseResource(database=str(settings.warehouse_path())),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }
