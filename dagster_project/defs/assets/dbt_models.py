"""The dbt project as Dagster assets, in two halves around the Python matching asset.

``dbt_staging_models`` builds the seeds, the staging models and the intermediate model
matching reads (``int_schools__successors``; matching reads the referrer names from raw, for
the staged contacts); ``dbt_mart_models`` builds everything that reads
``matching.agency_matches``. The asset graph is therefore ingestion -> staging -> matching ->
marts. Each half is one ``dbt build``, so dbt tests run as asset checks; dagster-dbt makes a
test of severity ``error`` a blocking check. A failing error test stops dbt's downstream
models (dbt skips them) and fails the step, so no asset downstream of the step runs either.

Groups and owners come from each node's ``meta: {dagster: ...}`` (``dbt/dbt_project.yml``).

Row counts and column types are read after dbt exits through the DuckDB resource (see
``MashDbtCliResource``), and attached to each model's materialisation.

The manifest (``dbt/target/manifest.json``) is prepared by ``make setup`` (``dbt parse``),
or by ``dg dev`` on load; loading this module only reads it.
"""

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from dagster import (
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Output,
    TableColumn,
    TableSchema,
)
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets
from dagster_duckdb import DuckDBResource

from dagster_project.defs.resources import DUCKDB_WRITER_POOL, MashDbtCliResource, dbt_project

#: dbt tags (dbt_project.yml) of the nodes built before and after matching. The second half
#: is selected by its own tag, not by excluding the first: dagster-dbt picks a definition's
#: checks with eager selection, under which an exclusion would also drop the tests that read
#: both halves (fct_contacts reconciled with stg_mash__contacts).
BEFORE_MATCHING_TAG = "before_matching"
#: The school register's raw tables, which calls ingestion reads before dbt runs.
REGISTER_ASSETS = frozenset({AssetKey(["raw", "schools"]), AssetKey(["raw", "school_links"])})
AFTER_MATCHING_TAG = "after_matching"

#: A sentence per kind of dbt test, for tests whose YAML gives no description.
TEST_SENTENCES = {
    "not_null": "{column} is never null.",
    "unique": "{column} is unique: no two rows share one.",
    "accepted_values": "{column} is one of {values}.",
    "relationships": "Every {column} is a {field} of {to}.",
    "unique_combination": "No two rows share the values of {columns}.",
    "expression_is_true": "Every row satisfies {expression}.",
    "not_greater_than": "{column} never exceeds {other_column}.",
    "reconciles_exactly_once": (
        "Every {source_column} of {source_model} is here exactly once as {column}, and no other."
    ),
    "sum_matches_count": (
        "{column} summed by {group_column} equals the rows of {detail_model} in each group."
    ),
    "grid_matches_contacts": (
        "{column} equals, school by month, the rows of {contacts_model} for that cell."
    ),
    "grid_is_complete": (
        "A row for every {dimension_column} of {dimension_model} and every month in range."
    ),
    "share_within": (
        "Where {population_where}, the share of rows with {condition} is within its bounds."
    ),
}


def _argument(value: Any) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text.replace("ref('", "").replace("')", "")


def test_description(test: Mapping[str, Any]) -> str:
    """The test's own description, else a sentence from its kind, column and arguments."""
    if test.get("description"):
        return test["description"]
    metadata = test.get("test_metadata") or {}
    arguments = {
        name: _argument(value)
        for name, value in metadata.get("kwargs", {}).items()
        if name != "model"
    }
    arguments.setdefault("column", arguments.get("column_name", ""))
    severity = test.get("config", {}).get("severity", "error").lower()
    consequence = "blocking" if severity == "error" else "warns only"
    template = TEST_SENTENCES.get(metadata.get("name", ""))
    try:
        sentence = template.format(**arguments) if template else None
    except KeyError:
        sentence = None
    if sentence is None:
        sentence = f"dbt test {test['name']}: passes when its query returns no rows."
    return f"{sentence} (dbt test, {consequence})"


class MashDbtTranslator(DagsterDbtTranslator):
    """Asset keys and check descriptions of the project's dbt nodes.

    A model or seed is keyed by its bare name (``stg_mash__contacts``); a source keeps
    dagster-dbt's ``[source, table]`` key (``raw/contacts``, ``matching/agency_matches``),
    which is the key of the asset that writes it. Tests on a source (the raw layer's
    contract, ``_raw__sources.yml``) are checks of the asset that writes it.
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return AssetKey(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_asset_check_spec(
        self, asset_spec, manifest: Mapping[str, Any], unique_id: str, project
    ) -> AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        if not spec.description:
            spec = spec._replace(description=test_description(manifest["nodes"][unique_id]))
        if spec.asset_key in REGISTER_ASSETS:
            # The raw register's tests run in the dbt step, after every ingestion asset; were
            # they blocking in Dagster, a check on raw/schools (which raw/calls reads) would
            # gate raw/calls from a later step, and Dagster would split the dbt step in three.
            spec = spec._replace(blocking=False)
        return spec


TRANSLATOR = MashDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True)
)

_COLUMNS_QUERY = (
    "select column_name, data_type from information_schema.columns "
    "where table_schema = ? and table_name = ? order by ordinal_position"
)


def _with_table_metadata(
    events: Iterable, manifest: Mapping[str, Any], duckdb: DuckDBResource
) -> Iterator:
    """The events, each model or seed output carrying its table's row count and columns."""
    events = list(events)
    nodes = {
        event.output_name: manifest["nodes"][event.metadata["unique_id"].value]
        for event in events
        if isinstance(event, Output) and "unique_id" in event.metadata
    }
    metadata = {}
    with duckdb.get_connection() as connection:
        for output_name, node in nodes.items():
            (rows,) = connection.execute(f"select count(*) from {node['relation_name']}").fetchone()
            columns = connection.execute(_COLUMNS_QUERY, [node["schema"], node["alias"]]).fetchall()
            described = node.get("columns", {})
            schema = TableSchema(
                columns=[
                    TableColumn(
                        name, data_type, description=described.get(name, {}).get("description")
                    )
                    for name, data_type in columns
                ]
            )
            metadata[output_name] = {"dagster/row_count": rows, "dagster/column_schema": schema}
    for event in events:
        if isinstance(event, Output) and event.output_name in metadata:
            yield event.with_metadata({**event.metadata, **metadata[event.output_name]})
        else:
            yield event


def _dbt_half(name: str, tag: str) -> AssetsDefinition:
    """One ``dbt build`` of the nodes carrying ``tag``, as a multi-asset named ``name``."""

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        select=f"tag:{tag}",
        dagster_dbt_translator=TRANSLATOR,
        pool=DUCKDB_WRITER_POOL,
        name=name,
    )
    def _build(context: AssetExecutionContext, dbt: MashDbtCliResource, duckdb: DuckDBResource):
        invocation = dbt.cli(["build"], context=context, raise_on_error=False)
        yield from _with_table_metadata(invocation.stream(), invocation.manifest, duckdb)
        dbt.keep_parse(invocation)
        error = invocation.get_error()
        if error is not None:
            raise error

    return _build


#: Seeds, staging models and the intermediate models the matching asset reads.
dbt_staging_models = _dbt_half("dbt_staging_models", BEFORE_MATCHING_TAG)
#: Intermediate models that read the matches, and the marts.
dbt_mart_models = _dbt_half("dbt_mart_models", AFTER_MATCHING_TAG)
