"""Resources shared by every asset: the DuckDB warehouse and the dbt project."""

import sys
from pathlib import Path

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


def build_resources() -> dict:
    """Resources for the current environment; called when Definitions load or in tests."""
    return {
        "duckdb": DuckDBResource(database=str(settings.warehouse_path())),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }
