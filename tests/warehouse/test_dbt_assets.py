"""How the dbt project appears in Dagster: keys, groups, the two halves around matching,
the writer pool and which checks block. No dbt run needed."""

import json

from dagster import AssetKey, Definitions

from dagster_project import settings
from dagster_project.defs.assets.dbt_models import dbt_mart_models, dbt_staging_models
from dagster_project.defs.resources import DUCKDB_WRITER_POOL, build_resources, dbt_project

BEFORE_MATCHING = {
    "stg_mash__contacts",
    "stg_telephony__calls",
    "stg_gias__schools",
    "stg_gias__school_links",
    "stg_reference__agencies",
    "int_schools__successors",
    "unmapped_values",
    "withdrawn_records",
}
AFTER_MATCHING = {
    "int_contacts__matched",
    "int_calls__attributed",
    "dim_school",
    "dim_agency",
    "fct_contacts",
    "fct_calls",
    "fct_school_month",
    "rpt_agency_type_summary",
    "rpt_channel_summary",
    "rpt_district_rates",
    "rpt_phone_sources",
}


def _keys(assets_def) -> set[str]:
    return {key.to_user_string() for key in assets_def.keys}


def test_models_keyed_by_name_and_split_around_matching():
    assert _keys(dbt_staging_models) >= BEFORE_MATCHING
    assert {"cin_referral_sources", "stg_reference__districts", "agency_match_overrides"} <= _keys(
        dbt_staging_models
    )
    assert _keys(dbt_mart_models) >= AFTER_MATCHING
    assert not _keys(dbt_staging_models) & _keys(dbt_mart_models)


def test_every_model_and_seed_is_in_one_half():
    manifest = json.loads(dbt_project.manifest_path.read_text())
    built = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    }
    halves = _keys(dbt_staging_models) | _keys(dbt_mart_models)
    assert built == halves


def test_sources_are_the_ingestion_and_matching_assets():
    staging_deps = dbt_staging_models.asset_deps
    assert AssetKey(["raw", "contacts"]) in staging_deps[AssetKey("stg_mash__contacts")]
    assert AssetKey(["raw", "school_links"]) in staging_deps[AssetKey("stg_gias__school_links")]
    mart_deps = dbt_mart_models.asset_deps
    assert AssetKey(["matching", "agency_matches"]) in mart_deps[AssetKey("int_contacts__matched")]
    upstream_of_staging = {key for deps in staging_deps.values() for key in deps}
    assert AssetKey(["matching", "agency_matches"]) not in upstream_of_staging


def test_groups():
    groups = {
        **{k.to_user_string(): g for k, g in dbt_staging_models.group_names_by_key.items()},
        **{k.to_user_string(): g for k, g in dbt_mart_models.group_names_by_key.items()},
    }
    assert {groups[name] for name in BEFORE_MATCHING} == {"staging"}
    assert groups["cin_referral_sources"] == "staging"
    assert {groups[name] for name in AFTER_MATCHING} == {"marts"}


def test_both_halves_write_through_the_duckdb_pool():
    assert dbt_staging_models.op.pool == DUCKDB_WRITER_POOL
    assert dbt_mart_models.op.pool == DUCKDB_WRITER_POOL


def test_error_tests_block_and_warn_tests_do_not():
    specs = {
        spec.name: spec
        for assets_def in (dbt_staging_models, dbt_mart_models)
        for spec in assets_def.check_specs
    }
    assert specs["fct_contacts_reconciles_with_staging"].blocking
    assert specs["fct_contacts_channel_is_known"].blocking
    assert specs["school_month_referrals_within_total"].blocking
    assert specs["school_month_matches_fct_contacts"].blocking
    assert not specs["school_match_rate_above_floor"].blocking
    assert not specs["unknown_agency_type_share_within_limit"].blocking
    # a test reading both halves is the later half's check
    assert specs["fct_contacts_reconciles_with_staging"].asset_key == AssetKey("fct_contacts")


def test_definitions_resolve(monkeypatch, tmp_path):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))
    defs = Definitions(assets=[dbt_staging_models, dbt_mart_models], resources=build_resources())
    job = defs.resolve_implicit_global_asset_job_def()
    assert sorted(job.graph.node_names()) == ["dbt_mart_models", "dbt_staging_models"]
