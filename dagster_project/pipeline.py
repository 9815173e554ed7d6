"""Materialising the whole asset graph from the command line, in this process."""

import os

import duckdb
from dagster import DagsterInstance

from dagster_project import settings


def materialize_all(instance: DagsterInstance | None = None) -> bool:
    """Run the nightly refresh job (every asset and check); True when the run succeeded."""
    from dagster_project.definitions import build_definitions
    from dagster_project.defs.jobs import REFRESH_JOB_NAME

    settings.data_dir()
    # Built afresh so the warehouse resource follows MASH_DATA_DIR as it is now.
    job = build_definitions().resolve_job_def(REFRESH_JOB_NAME)
    if instance is None:
        instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    result = job.execute_in_process(
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        instance=instance or DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    return result.success


def landing_is_empty() -> bool:
    """No file at all in the landing folder's contacts/, calls/ or schools/."""
    landing = settings.landing_dir()
    return not any(
        path.is_file()
        for kind in settings.LANDING_KINDS
        if (landing / kind).is_dir()
        for path in (landing / kind).iterdir()
    )


def warehouse_has_loaded_files() -> bool:
    """Whether any landing file was ever recorded in the warehouse's audit.loaded_files."""
    path = settings.warehouse_path()
    if not path.exists():
        return False
    with duckdb.connect(str(path), read_only=True) as conn:
        exists = conn.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'audit' and table_name = 'loaded_files'"
        ).fetchone()[0]
        return (
            bool(exists)
            and conn.execute("select count(*) from audit.loaded_files").fetchone()[0] > 0
        )
