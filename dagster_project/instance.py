"""The Dagster instance of a data folder, ``$MASH_DATA_DIR/dagster/``, shared by ``mash run``
and ``make ui``: one run history, one set of sensor cursors per data folder.

``python -m dagster_project.instance`` prepares it and prints its path (``make ui`` sets
``DAGSTER_HOME`` to that).
"""

import os
import socket
from pathlib import Path

import yaml
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from dagster_project import settings

#: The instance config (writer pool limit, run retries, event log) each data folder starts
#: from; ``{dagster_home}`` in it becomes the folder's absolute path.
TEMPLATE = Path(__file__).with_name("dagster.yaml")

#: Tags of a run executed by this process, so a later one can tell that it died.
PROCESS_TAG = "mash/pid"
HOST_TAG = "mash/host"


def prepare_dagster_home() -> Path:
    """The data folder's Dagster home, made with the template config on first use."""
    home = settings.dagster_home().resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        template = TEMPLATE.read_text(encoding="utf-8")
        config.write_text(template.replace("{dagster_home}", str(home)), encoding="utf-8")
    _check_event_log_is_here(config, home)
    return home


def _check_event_log_is_here(config: Path, home: Path) -> None:
    """Refuse a config whose event log is in another folder: the runs would be recorded
    there, out of sight of this folder's UI."""
    storage = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("event_log_storage")
    base_dir = ((storage or {}).get("config") or {}).get("base_dir")
    if isinstance(base_dir, str) and not Path(base_dir).resolve().is_relative_to(home):
        raise settings.MovedDataFolderError(
            f"{config} keeps the event log in {base_dir}, outside {home}: the data folder "
            f"was moved or copied. Set event_log_storage's base_dir to {home}/history/runs."
        )


def data_folder_instance() -> DagsterInstance:
    return DagsterInstance.from_config(str(prepare_dagster_home()))


def this_process_tags() -> dict[str, str]:
    return {PROCESS_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def release_dead_runs(instance: DagsterInstance) -> list[str]:
    """Mark failed, and free the writer-pool slots of, every run this host's command line
    started whose process is gone (killed, or the machine lost power): else the next run
    waits for those slots for ever. Returns their run ids."""
    released = []
    unfinished = RunsFilter(
        statuses=[DagsterRunStatus.STARTING, DagsterRunStatus.STARTED],
        tags={HOST_TAG: socket.gethostname()},
    )
    for run in instance.get_runs(filters=unfinished):
        if _alive(int(run.tags.get(PROCESS_TAG, "0"))):
            continue
        instance.report_run_failed(run, "Its process ended without finishing the run.")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    try:
        print(prepare_dagster_home())
    except settings.MovedDataFolderError as error:
        raise SystemExit(f"Error: {error}") from None
