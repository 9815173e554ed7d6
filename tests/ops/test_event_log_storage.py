"""The data folder's instance stores events with the pooled event log, in Dagster's own files:
another process opening the folder with Dagster's default storage (as the UI might) reads the
same runs, events and asset checks. A moved data folder is refused until its config names the
event log where the folder now is."""

import shutil
import subprocess
import sys
import textwrap

import pytest
from dagster import AssetCheckResult, DagsterEventType, asset, asset_check, materialize

from dagster_project import settings
from dagster_project.event_log_storage import OPEN_SHARDS, PooledSqliteEventLogStorage
from dagster_project.instance import data_folder_instance, prepare_dagster_home


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
        f"""
        from dagster import AssetKey, DagsterEventType, DagsterInstance
        from dagster._core.storage.event_log import SqliteEventLogStorage

        home = {str(prepare_dagster_home())!r}
        instance = DagsterInstance.from_config(home)
        default = SqliteEventLogStorage(home + "/history/runs")
        for run in sorted(instance.get_runs(), key=lambda run: run.run_id):
            types = {{e.dagster_event_type for e in default.get_logs_for_run(run.run_id)}}
            assert DagsterEventType.ASSET_MATERIALIZATION in types, types
            assert DagsterEventType.ASSET_CHECK_EVALUATION in types, types
            print(run.run_id)
        event = default.get_latest_materialization_events([AssetKey("counted")])
        assert event[AssetKey("counted")] is not None
        """
    )
    done = subprocess.run([sys.executable, "-c", reader], capture_output=True, text=True)
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


def test_a_moved_data_folder_is_refused_until_its_event_log_is_pointed_home(data_dir, monkeypatch):
    with data_folder_instance() as instance:
        assert materialize([counted], instance=instance).success
    moved = data_dir.with_name("moved")
    shutil.move(data_dir, moved)
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(moved))

    with pytest.raises(settings.MovedDataFolderError, match="history/runs"):
        prepare_dagster_home()
    assert not data_dir.exists(), "nothing was written where the folder used to be"

    config = moved / "dagster" / "dagster.yaml"
    config.write_text(config.read_text().replace(str(data_dir.resolve()), str(moved.resolve())))
    with data_folder_instance() as instance:
        assert len(instance.get_runs()) == 1
        assert materialize([counted], instance=instance).success
