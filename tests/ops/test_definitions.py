"""The code location as the UI shows it: groups, owners, descriptions, pools, publish wiring."""

from dagster import AssetsDefinition, Definitions

from dagster_project.definitions import defs as load_definitions
from dagster_project.defs.assets.publish import FINAL_LAYERS, PUBLISHED_KEY, layer
from dagster_project.defs.resources import DUCKDB_WRITER_POOL
from dagster_project.instance import data_folder_instance

defs = load_definitions()

ASSET_GROUPS = {"ingestion", "staging", "matching", "marts", "trial", "reports", "publish"}


def _executable_steps() -> list[AssetsDefinition]:
    """Assets and checks definitions that run code (not the stand-ins for missing deps)."""
    graph = defs.resolve_asset_graph()
    return [a for a in graph.assets_defs if a.is_executable and (a.keys or a.check_keys)]


def test_definitions_load():
    Definitions.validate_loadable(defs)


def test_every_asset_has_a_group_a_description_and_owners():
    graph = defs.resolve_asset_graph()
    problems = []
    for key in graph.materializable_asset_keys:
        node = graph.get(key)
        name = key.to_user_string()
        if node.group_name not in ASSET_GROUPS:
            problems.append(f"{name}: group {node.group_name!r} is not one of {ASSET_GROUPS}")
        if not (node.description or "").strip():
            problems.append(f"{name}: no description")
        if not node.owners:
            problems.append(f"{name}: no owners")
    assert problems == []


def test_every_asset_and_check_runs_in_the_duckdb_writer_pool():
    # Every step opens the warehouse; DuckDB lets one process at a time hold it.
    outside = [
        key.to_user_string()
        for assets_def in _executable_steps()
        if assets_def.node_def.pools != {DUCKDB_WRITER_POOL}
        for key in [*assets_def.keys, *assets_def.check_keys]
    ]
    assert outside == []


def test_published_depends_on_the_final_assets_only():
    graph = defs.resolve_asset_graph()
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    final = {key for key, spec in specs.items() if layer(spec) in FINAL_LAYERS} - {PUBLISHED_KEY}
    parents = graph.get(PUBLISHED_KEY).parent_keys
    assert parents == final
    names = {key.to_user_string() for key in parents}
    assert {"fct_contacts", "dim_school", "rpt_district_rates", "trial/results"} <= names
    assert {"reports/demand_report", "reports/trial_report"} <= names
    assert not names & {"raw/contacts", "stg_mash__contacts", "int_contacts__matched"}
    assert graph.get(PUBLISHED_KEY).group_name == "publish"
    # Every other asset is still upstream, through the final ones.
    others = set(graph.materializable_asset_keys) - {PUBLISHED_KEY}
    assert others <= set(graph.get_ancestor_asset_keys(PUBLISHED_KEY))


def test_the_instance_config_limits_the_writer_pool_to_one(data_dir):
    with data_folder_instance() as instance:
        pools = instance.get_concurrency_config().pool_config
        assert pools.default_pool_limit == 1
        assert pools.pool_granularity.value == "op"
        assert instance.run_retries_enabled
        assert not instance.run_retries_retry_on_asset_or_op_failure


def test_every_check_has_a_description():
    graph = defs.resolve_asset_graph()
    missing = [
        key.to_user_string()
        for key in graph.asset_check_keys
        if not (graph.get_check_spec(key).description or "").strip()
    ]
    assert missing == []


def test_every_asset_has_a_kind():
    kindless = [
        spec.key.to_user_string() for spec in defs.resolve_all_asset_specs() if not spec.kinds
    ]
    assert kindless == []
