"""The Dagster instance of a data folder, ``$MASH_DATA_DIR/dagster/``, shared by ``mash run``
and ``make ui``: one run history, one set of sensor cursors per data folder.

``python -m dagster_project.instance`` prepares it and prints its path (``make ui`` sets
``DAGSTER_HOME`` to that). Its config names no path: Dagster derives every storage from the
instance's folder when it starts (the event log from ``$DAGSTER_HOME``), so a data folder
moved, copied or restored elsewhere is used where it is now.
"""

import os
import socket
from pathlib import Path

import yaml
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from dagster_project import settings

#: The instance config (writer pool limit, run retries, event log) each data folder starts
#: from.
TEMPLATE = Path(__file__).with_name("dagster.yaml")
#: The variable Dagster's processes find their instance by; the config's event log too.
DAGSTER_HOME_ENV = "DAGSTER_HOME"

#: Tags of a run executed by this process, so a later one can tell that it died.
PROCESS_TAG = "mash/pid"
HOST_TAG = "mash/host"


def prepare_dagster_home() -> Path:
    """The data folder's Dagster home, made with the template config on first use."""
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        _replace(config, TEMPLATE.read_text(encoding="utf-8"))
    _name_the_event_log_by_home(config)
    return home


def _name_the_event_log_by_home(config: Path) -> None:
    """A data folder made before its config named no path gives the pooled event log's folder
    as a ``base_dir``, which a moved or copied folder would follow back to where it was made:
    name it as the template does, keeping the rest of the config."""
    instance_config = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    event_log = instance_config.get("event_log_storage") or {}
    template = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))["event_log_storage"]
    same_storage = all(event_log.get(key) == template[key] for key in ("module", "class"))
    if not same_storage or "base_dir" not in (event_log.get("config") or {}):
        return
    event_log["config"] = template["config"]
    _replace(
        config,
        f"# Upgraded from a config that named the event log by path; {TEMPLATE.name} in\n"
        "# dagster_project/ says what each setting does.\n"
        + yaml.safe_dump(instance_config, sort_keys=False),
    )


def _replace(config: Path, text: str) -> None:
    """Write the config whole or not at all: a half-written one would lose the pool limit."""
    draft = config.with_name(f".{config.name}.tmp")
    draft.write_text(text, encoding="utf-8")
    draft.replace(config)


def open_instance(home: Path) -> DagsterInstance:
    """The Dagster instance in ``home``, a prepared Dagster home. ``DAGSTER_HOME`` in this
    process becomes ``home`` (whatever it was): the config names the event log by it."""
    os.environ[DAGSTER_HOME_ENV] = str(home)
    return DagsterInstance.get()


def data_folder_instance() -> DagsterInstance:
    return open_instance(prepare_dagster_home())


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
    print(prepare_dagster_home())
