"""The data folder's instance stores events with the pooled event log, in Dagster's own files:
another process opening the folder with Dagster's default storage (as the UI might) reads the
same runs, events and asset checks. The config names no path, so a data folder moved or
copied records its runs where it now is, and one made when the config named the event log
by path is upgraded in place."""

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from dagster import AssetCheckResult, DagsterEventType, asset, asset_check, materialize

from dagster_project import settings
from dagster_project.event_log_storage import OPEN_SHARDS, PooledSqliteEventLogStorage
from dagster_project.instance import DAGSTER_HOME_ENV, data_folder_instance, prepare_dagster_home


@asset
def counted() -> int:
    return 3


@asset_check(asset=counted)
def counted_is_positive() -> AssetCheckResult:
    return AssetCheckResult(passed=True)


def test_the_pooled_event_log_writes_what_dagsters_default_storage_reads(data_dir):
    with data_folder_instance() as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        for _ in range(2):
            assert materialize([counted, counted_is_positive], instance=instance).success
        run_ids = sorted(run.run_id for run in instance.get_runs())

    reader = textwrap.dedent(
        """
        import os
        from dagster import AssetKey, DagsterEventType, DagsterInstance
        from dagster._core.storage.event_log import SqliteEventLogStorage

        instance = DagsterInstance.get()
        default = SqliteEventLogStorage(os.environ["DAGSTER_HOME"] + "/history/runs")
        for run in sorted(instance.get_runs(), key=lambda run: run.run_id):
            types = {e.dagster_event_type for e in default.get_logs_for_run(run.run_id)}
            assert DagsterEventType.ASSET_MATERIALIZATION in types, types
            assert DagsterEventType.ASSET_CHECK_EVALUATION in types, types
            print(run.run_id)
        event = default.get_latest_materialization_events([AssetKey("counted")])
        assert event[AssetKey("counted")] is not None
        """
    )
    # As the UI opens it: Dagster's own loading, from DAGSTER_HOME.
    env = {**os.environ, DAGSTER_HOME_ENV: str(prepare_dagster_home())}
    done = subprocess.run([sys.executable, "-c", reader], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == run_ids


def test_a_long_lived_process_keeps_only_a_few_files_open(data_dir):
    with data_folder_instance() as instance:
        run_ids = [materialize([counted], instance=instance).run_id for _ in range(OPEN_SHARDS + 2)]
        for run_id in run_ids:
            assert instance.event_log_storage.get_logs_for_run(run_id)
        assert len(instance.event_log_storage._engines) == OPEN_SHARDS


def test_a_wiped_pooled_event_log_starts_again(data_dir):
    with data_folder_instance() as instance:
        assert materialize([counted], instance=instance).success
        instance.event_log_storage.wipe()
        result = materialize([counted], instance=instance)
        assert result.success
        events = instance.event_log_storage.get_logs_for_run(result.run_id)
        assert DagsterEventType.ASSET_MATERIALIZATION in {e.dagster_event_type for e in events}


def _files(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _one_run() -> None:
    with data_folder_instance() as instance:
        assert materialize([counted], instance=instance).success


def _runs_and_one_more(expected_before: int) -> None:
    """The data folder's instance has the runs it had, and records another in its own folder."""
    with data_folder_instance() as instance:
        assert len(instance.get_runs()) == expected_before
        assert materialize([counted], instance=instance).success
        assert len(instance.get_runs()) == expected_before + 1
        assert instance.event_log_storage._base_dir.startswith(str(settings.dagster_home()))


def test_a_moved_data_folder_records_its_runs_where_it_now_is(data_dir, monkeypatch):
    _one_run()
    moved = shutil.move(data_dir, data_dir.with_name("moved"))
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(moved))

    _runs_and_one_more(1)
    assert not data_dir.exists(), "nothing was written where the folder used to be"


def test_a_copied_data_folder_leaves_the_original_as_it_was(data_dir, monkeypatch):
    _one_run()
    copy = shutil.copytree(data_dir, data_dir.with_name("copy"))
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(copy))
    original = _files(data_dir)

    _runs_and_one_more(1)
    assert _files(data_dir) == original


@pytest.mark.parametrize("moved", [False, True], ids=["in place", "moved"])
def test_a_config_naming_the_event_log_by_path_is_upgraded(data_dir, monkeypatch, moved):
    _one_run()
    home = settings.dagster_home()
    config = home / "dagster.yaml"
    # As the config was written before it named no path.
    old = config.read_text().replace(
        "dagster_home: {env: DAGSTER_HOME}", f'base_dir: "{home}/history/runs"'
    )
    assert old != config.read_text()
    config.write_text(old)
    if moved:
        monkeypatch.setenv(
            settings.DATA_DIR_ENV, str(shutil.move(data_dir, data_dir.with_name("moved")))
        )

    _runs_and_one_more(1)
    upgraded = (settings.dagster_home() / "dagster.yaml").read_text()
    assert "base_dir" not in upgraded and str(data_dir) not in upgraded
    with data_folder_instance() as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        assert instance.run_retries_enabled
    assert data_dir.exists() != moved
