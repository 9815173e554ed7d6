"""dbt run by a test as the platform's runs run it: the data folder as dbt's home, and a
target folder that starts from the parse ``make setup`` prepared, so no test's dbt parses
the whole project again."""

import os
import subprocess
from pathlib import Path

from dagster_project import settings
from dagster_project.defs.resources import DBT_EXECUTABLE, start_from_prepared_parse


def run_dbt(args: list[str], data_dir: Path, target: Path, **run) -> subprocess.CompletedProcess:
    """``dbt <args>`` on the warehouse of ``data_dir``, its artifacts in ``target``."""
    start_from_prepared_parse(target)
    return subprocess.run(
        [DBT_EXECUTABLE, *args, "--profiles-dir", "."],
        cwd=settings.DBT_PROJECT_DIR,
        env={**os.environ, **settings.dbt_environment(data_dir), "DBT_TARGET_PATH": str(target)},
        **run,
    )
