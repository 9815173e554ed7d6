"""The Dagster instance of a data folder, ``$MASH_DATA_DIR/dagster/``, shared by ``mash run``
and ``make ui``: one run history, one set of sensor cursors per data folder.

``python -m dagster_project.instance`` prepares it and prints its path (``make ui`` sets
``DAGSTER_HOME`` to that).
"""

import shutil
from pathlib import Path

from dagster import DagsterInstance

from dagster_project import settings

#: The instance config (writer pool limit, run retries) each data folder starts from.
TEMPLATE = Path(__file__).with_name("dagster.yaml")


def prepare_dagster_home() -> Path:
    """The data folder's Dagster home, made with the template config on first use."""
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(TEMPLATE, config)
    return home


def data_folder_instance() -> DagsterInstance:
    return DagsterInstance.from_config(str(prepare_dagster_home()))


if __name__ == "__main__":
    print(prepare_dagster_home())
