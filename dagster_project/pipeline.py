"""Materialising the whole asset graph from the command line, in this process."""

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout

from dagster import DagsterInstance

from dagster_project import night_inputs, settings
from dagster_project.instance import data_folder_instance, release_dead_runs, this_process_tags
from dagster_project.scratch import sweep_scratch
from dagster_project.warehouse import connect_read_only, table_exists


def refresh_if_changed(echo: Callable[[str], None]) -> bool:
    """A night: nothing when no input changed since the last build (the skip is recorded),
    else the whole refresh, which records its fingerprint once it published. True unless the
    run failed."""
    current = night_inputs.fingerprint()
    reason = night_inputs.skip_if_unchanged(settings.warehouse_path(), current)
    if reason:
        echo(f"Nothing to do: {reason} (recorded in {night_inputs.NIGHT_CHECKS}).")
        return True
    return materialize_all(tags={night_inputs.FINGERPRINT_TAG: current.as_tag()}, talk=True)


def materialize_all(
    instance: DagsterInstance | None = None,
    tags: dict[str, str] | None = None,
    talk: bool = False,
) -> bool:
    """Run the nightly refresh job (every asset and check) on the data folder's instance, or
    on ``instance``; True when the run succeeded.

    With ``talk``, the terminal gets a line per step and a closing summary (run_summary.py)
    in place of Dagster's console log; what the steps print (dbt's own lines) goes to the
    run's captured stdout in the Dagster instance only."""
    from dagster_project.definitions import defs
    from dagster_project.defs.jobs import REFRESH_JOB_NAME
    from dagster_project.run_summary import LIBRARY_LOGGER, RunTalk, talk_logger

    if instance is None:
        with data_folder_instance() as own_instance:
            return materialize_all(own_instance, tags, talk)
    for run_id in release_dead_runs(instance):
        print(f"Released the writer slots of run {run_id}, whose process had died.", flush=True)
    for name in sweep_scratch():
        print(f"Removed the scratch folder {name} a killed process left.", flush=True)
    tags = {**(tags or {}), **this_process_tags()}
    if talk:
        print(f"Refreshing {settings.warehouse_path()} from {settings.landing_dir()}", flush=True)
    # Loaded afresh so the warehouse resource follows MASH_DATA_DIR as it is now.
    job = defs().resolve_job_def(REFRESH_JOB_NAME)
    if not talk:
        run_config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
        return job.execute_in_process(
            run_config=run_config, instance=instance, tags=tags, raise_on_error=False
        ).success
    console = sys.stdout
    run_talk = RunTalk(lambda line: print(line, file=console, flush=True))
    job = job.with_logger_defs({**job.loggers, "talk": talk_logger(run_talk)})
    with open(os.devnull, "w") as devnull, redirect_stdout(devnull), _quiet(LIBRARY_LOGGER):
        result = job.execute_in_process(
            run_config={"loggers": {"talk": {}}},
            instance=instance,
            tags=tags,
            raise_on_error=False,
        )
    for line in run_talk.summary():
        print(line, file=console, flush=True)
    print(
        f"  dbt's output and the full log: run {result.run_id} in {instance.root_directory}",
        file=console,
        flush=True,
    )
    return result.success


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """The Python logger ``logger_name`` at WARNING for the duration."""
    library_logger = logging.getLogger(logger_name)
    level = library_logger.level
    library_logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        library_logger.setLevel(level)


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
    with connect_read_only(path) as conn:
        return (
            table_exists(conn, "audit.loaded_files")
            and conn.execute("select count(*) from audit.loaded_files").fetchone()[0] > 0
        )
