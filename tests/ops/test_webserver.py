"""`dg dev`, as `make ui` starts it, on a free localhost port: the code location ``mash``
shows the whole graph and automation, on the data folder's own instance, and starting it
launches no run.

Generic on purpose: every dbt model in dbt/target/manifest.json and every asset key in the
Definitions must be in the UI's asset graph, whichever branches have landed.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from dagster_project import settings
from dagster_project.definitions import defs as load_definitions
from dagster_project.defs.schedules import NIGHTLY_SCHEDULE_NAME
from dagster_project.defs.sensors import LANDING_SENSOR_NAME
from dagster_project.instance import DAGSTER_HOME_ENV, data_folder_instance, prepare_dagster_home

STARTUP_SECONDS = 240

WORKSPACE_QUERY = """
{ workspaceOrError { ... on Workspace { locationEntries {
    name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } }
} } } }
"""

GRAPH_QUERY = """
{
  assetNodes { assetKey { path } groupName }
  repositoriesOrError { ... on RepositoryConnection { nodes {
    name
    schedules { name cronSchedule executionTimezone scheduleState { status } }
    sensors { name sensorState { status } }
  } } }
}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = json.load(response)
    assert "errors" not in payload, payload
    return payload["data"]


def _wait_for_code_location(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, "dg dev exited during start-up"
        try:
            entries = _graphql(port, WORKSPACE_QUERY)["workspaceOrError"]["locationEntries"]
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)
            continue
        if entries and all(entry["loadStatus"] == "LOADED" for entry in entries):
            assert [entry["name"] for entry in entries] == ["mash"]
            errors = [
                entry["locationOrLoadError"]
                for entry in entries
                if entry["locationOrLoadError"]["__typename"] == "PythonError"
            ]
            assert errors == []
            return
        time.sleep(1)
    pytest.fail(f"The code location did not load within {STARTUP_SECONDS}s")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(DAGSTER_HOME_ENV, raising=False)
    return tmp_path


@pytest.fixture
def webserver_port(data_dir):
    port = _free_port()
    env = {**os.environ, DAGSTER_HOME_ENV: str(prepare_dagster_home())}
    dg = Path(sys.executable).parent / "dg"
    server = subprocess.Popen(
        [str(dg), "dev", "-h", "127.0.0.1", "-p", str(port)],
        cwd=settings.PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for_code_location(port, server)
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _dbt_models() -> set[tuple[str, ...]]:
    manifest_path = settings.DBT_PROJECT_DIR / "target" / "manifest.json"
    assert manifest_path.exists(), "No dbt manifest: run `make setup` first"
    manifest = json.loads(manifest_path.read_text())
    return {
        (node["name"],) for node in manifest["nodes"].values() if node["resource_type"] == "model"
    }


def test_the_ui_shows_every_asset_the_schedule_and_the_sensor(webserver_port):
    data = _graphql(webserver_port, GRAPH_QUERY)

    groups = {tuple(n["assetKey"]["path"]): n["groupName"] for n in data["assetNodes"]}
    defined = {tuple(key.path) for key in load_definitions().resolve_all_asset_keys()}
    assert defined - set(groups) == set()
    assert _dbt_models() - set(groups) == set()
    assert groups[("published",)] == "publish"

    (repository,) = data["repositoriesOrError"]["nodes"]
    schedules = {s["name"]: s for s in repository["schedules"]}
    sensors = {s["name"]: s for s in repository["sensors"]}
    nightly = schedules[NIGHTLY_SCHEDULE_NAME]
    assert (nightly["cronSchedule"], nightly["executionTimezone"]) == (
        "0 2 * * *",
        "Europe/London",
    )
    assert nightly["scheduleState"]["status"] == "RUNNING"
    assert sensors[LANDING_SENSOR_NAME]["sensorState"]["status"] == "RUNNING"
    with data_folder_instance() as instance:
        assert instance.get_runs() == []
