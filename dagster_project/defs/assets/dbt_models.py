"""The dbt project as Dagster assets, in two halves around the Python matching asset.

``dbt_staging_models`` builds the seeds, the staging models and the two intermediate models
matching reads (``int_schools__successors``, ``int_referrer_names``); ``dbt_mart_models``
builds everything that reads ``matching.agency_matches``. The asset graph is therefore
ingestion -> staging -> matching -> marts.

Both run ``dbt build``, so dbt tests run as asset checks; dagster-dbt makes a test of
severity ``error`` a blocking check. A failing error test stops dbt's downstream models (dbt
skips them) and fails the step, so no asset downstream of the step runs either.

Row counts: dagster-dbt's ``fetch_row_counts()`` queries through a dbt adapter kept open in
this process, and with DuckDB that connection's file lock then stops the next dbt step from
opening the warehouse. So the events are held until dbt exits, and the tables are counted
through the DuckDB resource, whose connection closes at once.

The manifest (``dbt/target/manifest.json``) is prepared by ``make setup`` (``dbt parse``);
loading this module only reads it.
"""

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Output
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)
from dagster_duckdb import DuckDBResource

from dagster_project.defs.resources import DUCKDB_WRITER_POOL, dbt_project

#: dbt tags (dbt_project.yml, model configs) of the nodes built before and after matching.
#: The second half is selected by its own tag, not by excluding the first: dagster-dbt picks
#: a definition's checks with eager selection, under which an exclusion would also drop the
#: tests that read both halves (fct_contacts reconciled with stg_mash__contacts).
BEFORE_MATCHING_TAG = "before_matching"
AFTER_MATCHING_TAG = "after_matching"


class MashDbtTranslator(DagsterDbtTranslator):
    """Asset keys and groups of the project's dbt nodes.

    A model or seed is keyed by its bare name (``stg_mash__contacts``); a source keeps
    dagster-dbt's ``[source, table]`` key (``raw/contacts``, ``matching/agency_matches``),
    which is the key of the asset that writes it. Nodes built before matching are in the
    ``staging`` group, the rest in ``marts``. Tests on a source (the raw layer's contract,
    ``_raw__sources.yml``) are checks of the asset that writes it.
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return AssetKey(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_group_name(dbt_resource_props)
        if BEFORE_MATCHING_TAG in dbt_resource_props.get("tags", []):
            return "staging"
        return "marts"


TRANSLATOR = MashDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True)
)


def _with_row_counts(
    events: Iterable, manifest: Mapping[str, Any], duckdb: DuckDBResource
) -> Iterator:
    """The events, each model or seed output carrying its table's row count."""
    events = list(events)
    relations = {
        event.output_name: manifest["nodes"][event.metadata["unique_id"].value]["relation_name"]
        for event in events
        if isinstance(event, Output) and "unique_id" in event.metadata
    }
    with duckdb.get_connection() as connection:
        counts = {
            output_name: connection.execute(f"select count(*) from {relation}").fetchone()[0]
            for output_name, relation in relations.items()
        }
    for event in events:
        if isinstance(event, Output) and event.output_name in counts:
            yield event.with_metadata(
                {**event.metadata, "dagster/row_count": counts[event.output_name]}
            )
        else:
            yield event


def _build(context: AssetExecutionContext, dbt: DbtCliResource, duckdb: DuckDBResource) -> Iterator:
    invocation = dbt.cli(["build"], context=context, raise_on_error=False)
    yield from _with_row_counts(invocation.stream(), invocation.manifest, duckdb)
    error = invocation.get_error()
    if error is not None:
        raise error


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=f"tag:{BEFORE_MATCHING_TAG}",
    dagster_dbt_translator=TRANSLATOR,
    pool=DUCKDB_WRITER_POOL,
    name="dbt_staging_models",
)
def dbt_staging_models(
    context: AssetExecutionContext, dbt: DbtCliResource, duckdb: DuckDBResource
) -> Iterator:
    """Seeds, staging models and the intermediate models the matching asset reads."""
    yield from _build(context, dbt, duckdb)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select=f"tag:{AFTER_MATCHING_TAG}",
    dagster_dbt_translator=TRANSLATOR,
    pool=DUCKDB_WRITER_POOL,
    name="dbt_mart_models",
)
def dbt_mart_models(
    context: AssetExecutionContext, dbt: DbtCliResource, duckdb: DuckDBResource
) -> Iterator:
    """Intermediate models that read the matches, and the marts."""
    yield from _build(context, dbt, duckdb)
