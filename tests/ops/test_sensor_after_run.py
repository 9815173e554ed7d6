"""One state for the command line and the UI: a refresh run from the command line is
recorded in the data folder's own Dagster instance, and the landing sensor then finds
nothing new, although its cursor has never seen the files (audit.loaded_files has).

The same run shows what the dbt steps cost and record: dbt parses the project in full at
most once (the second half reuses the first half's parse), and each model's materialisation
carries its columns with their types.
"""

import time

from dagster import AssetKey, DagsterRunStatus, RunsFilter, build_sensor_context

from dagster_project import settings
from dagster_project.defs.sensors import LANDING_QUIET_SECONDS, landing_files
from dagster_project.instance import data_folder_instance
from dagster_project.pipeline import materialize_all
from tests.ops import small_landing

LANDING_FILES = small_landing.landing_files()


def _write_landing(landing) -> None:
    small_landing.write_landing(
        landing, LANDING_FILES, modified_at=time.time() - LANDING_QUIET_SECONDS - 5
    )


def test_after_a_command_line_run_the_sensor_finds_nothing_new(
    data_dir, tmp_path, monkeypatch, capfd
):
    monkeypatch.setenv(settings.PSEUDONYM_KEY_FILE_ENV, str(tmp_path / "keys" / "pseudonym.key"))
    monkeypatch.delenv(settings.PSEUDONYM_KEY_ENV, raising=False)
    _write_landing(settings.landing_dir())

    materialize_all()
    dbt_output = capfd.readouterr().out

    assert dbt_output.count("Running with dbt=") == 2, "one dbt invocation per half"
    assert dbt_output.count("Unable to do partial parsing") <= 1
    with data_folder_instance() as instance:
        fct_contacts = instance.get_latest_materialization_event(AssetKey("fct_contacts"))
        columns = fct_contacts.asset_materialization.metadata["dagster/column_schema"]
        types = {column.name: column.type for column in columns.value.columns}
        assert types["contact_id"] == "VARCHAR" and "?" not in types.values()

        assert (data_dir / "dagster" / "dagster.yaml").is_file()
        runs = instance.get_runs(RunsFilter(job_name="refresh_warehouse"))
        assert len(runs) == 1
        assert runs[0].status in (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE)
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1

        # A fresh cursor, as the UI's sensor has on its first tick after `mash run`.
        first = landing_files.evaluate_tick(build_sensor_context(instance=instance))
        second = landing_files.evaluate_tick(
            build_sensor_context(instance=instance, cursor=first.cursor)
        )
    assert first.run_requests == [] and second.run_requests == []
    assert "No new files" in second.skip_message
