"""Materialising the whole asset graph from the command line, in this process."""

import os

from dagster import DagsterInstance

from dagster_project import settings


def materialize_all(instance: DagsterInstance | None = None) -> bool:
    """Run the nightly refresh job (every asset and check); True when the run succeeded."""
    from dagster_project.definitions import defs
    from dagster_project.defs.jobs import REFRESH_JOB_NAME

    settings.data_dir()
    job = defs.resolve_job_def(REFRESH_JOB_NAME)
    if instance is None:
        instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    result = job.execute_in_process(
        instance=instance or DagsterInstance.ephemeral(), raise_on_error=False
    )
    return result.success
