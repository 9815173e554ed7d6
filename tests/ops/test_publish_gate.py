"""Write-audit-publish: a failed blocking check leaves the published file as it was."""

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetKey,
    DagsterInstance,
    MaterializeResult,
    asset,
    materialize,
)
from dagster_duckdb import DuckDBResource

from dagster_project import settings
from dagster_project.defs.assets.publish import build_published_asset


def _contacts_checked(name: str):
    """An asset whose blocking check fails while marts.fct_contacts has a null contact_id."""

    @asset(
        name=name,
        check_specs=[AssetCheckSpec("contact_ids_present", asset=name, blocking=True)],
    )
    def checked(duckdb: DuckDBResource) -> MaterializeResult:
        with duckdb.get_connection() as con:
            (missing,) = con.execute(
                "SELECT count(*) FROM marts.fct_contacts WHERE contact_id IS NULL"
            ).fetchone()
        return MaterializeResult(
            check_results=[AssetCheckResult(check_name="contact_ids_present", passed=missing == 0)]
        )

    return checked


@asset
def unrelated() -> None:
    """A root asset with no checks."""


def _materialize(assets, warehouse, instance, selection=None):
    return materialize(
        assets,
        resources={"duckdb": DuckDBResource(database=str(warehouse))},
        instance=instance,
        selection=selection,
        raise_on_error=False,
    )


def _step_failure_messages(result) -> dict[str, str]:
    return {
        event.step_key: event.step_failure_data.error.message
        for event in result.all_events
        if event.is_step_failure
    }


def _break_contacts(warehouse, add_table) -> None:
    add_table(warehouse, "UPDATE marts.fct_contacts SET contact_id = NULL WHERE version = 1")


def test_failed_upstream_check_skips_publish(warehouse, add_table, file_state, run_publish):
    assert run_publish(warehouse).success
    before = file_state(settings.published_path())
    _break_contacts(warehouse, add_table)
    checked = _contacts_checked("marts_ready")
    published = build_published_asset([checked])

    result = _materialize([checked, published], warehouse, DagsterInstance.ephemeral())

    assert not result.success
    assert "published" not in {e.step_key for e in result.all_events if e.is_step_success}
    assert file_state(settings.published_path()) == before


def test_publish_refuses_after_a_blocking_check_failed_in_the_same_run(
    warehouse, add_table, file_state, run_publish
):
    assert run_publish(warehouse).success
    before = file_state(settings.published_path())
    _break_contacts(warehouse, add_table)
    checked = _contacts_checked("side_branch")
    # Not upstream of published, so Dagster itself would not hold publish back.
    published = build_published_asset([unrelated])

    result = _materialize([checked, unrelated, published], warehouse, DagsterInstance.ephemeral())

    message = _step_failure_messages(result)["published"]
    assert "Not published" in message
    assert "side_branch:contact_ids_present failed in this run" in message
    assert file_state(settings.published_path()) == before


def test_publish_alone_waits_until_the_failed_check_passes_again(
    warehouse, add_table, build_warehouse, file_state, run_publish
):
    assert run_publish(warehouse).success
    before = file_state(settings.published_path())
    instance = DagsterInstance.ephemeral()
    checked = _contacts_checked("marts_ready")
    published = build_published_asset([checked])
    _break_contacts(warehouse, add_table)
    assert not _materialize([checked, published], warehouse, instance).success

    only_publish = _materialize(
        [checked, published], warehouse, instance, selection=[AssetKey("published")]
    )

    message = _step_failure_messages(only_publish)["published"]
    assert "marts_ready:contact_ids_present its latest evaluation" in message
    assert file_state(settings.published_path()) == before

    build_warehouse(warehouse, version=2)
    assert _materialize([checked, published], warehouse, instance).success
    assert file_state(settings.published_path()) != before
