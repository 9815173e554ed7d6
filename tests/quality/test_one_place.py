"""Each data-quality fact is stated once: a column's type, a key, a required value or a set
of allowed values is dbt's (model contracts, tests on models and sources), never also a
great-expectations suite's. The dbt side is read from the manifest the definitions load
(``make setup`` parses it)."""

import json
import re

import pytest

from dagster_project.defs.resources import dbt_project
from dagster_project.quality import load_suite, suite_names

#: GX expectation types, by the kind of fact they state.
GX_KINDS = {
    "expect_column_type_to_be": "type",
    "expect_column_values_to_be_of_type": "type",
    "expect_column_values_to_be_in_type_list": "type",
    "expect_table_columns_to_match_set": "columns",
    "expect_table_columns_to_match_ordered_list": "columns",
    "expect_column_to_exist": "columns",
    "expect_column_values_to_be_unique": "unique",
    "expect_compound_columns_to_be_unique": "unique",
    "expect_multicolumn_values_to_be_unique": "unique",
    "expect_select_column_values_to_be_unique_within_record": "unique",
    "expect_column_values_to_not_be_null": "not_null",
    "expect_column_values_to_be_in_set": "in_set",
    "expect_column_distinct_values_to_be_in_set": "in_set",
    "expect_column_distinct_values_to_equal_set": "in_set",
}
#: dbt generic tests, by the kind of fact they state.
DBT_KINDS = {
    "unique": "unique",
    "unique_combination": "unique",
    "not_null": "not_null",
    "accepted_values": "in_set",
    "relationships": "in_set",
    "value_is_known": "in_set",
}


def gx_facts(suites: dict[str, dict]) -> set[tuple]:
    """``(kind, table, columns)`` of every fact the suites (name -> suite JSON) state."""
    facts = set()
    for table, suite in suites.items():
        for expectation in suite["expectations"]:
            kind = GX_KINDS.get(expectation["type"])
            if kind is None:
                continue
            kwargs = expectation["kwargs"]
            columns = kwargs.get("column_list") or kwargs.get("column_set") or [kwargs["column"]]
            if kind in ("columns", "type"):
                facts |= {(kind, table, frozenset([column])) for column in columns}
            else:
                facts.add((kind, table, frozenset(columns)))
    return facts


def dbt_facts(manifest: dict) -> set[tuple]:
    """``(kind, table, columns)`` of every fact dbt states: declared columns and types
    (contracts, source columns with a data_type) and the generic tests above."""
    relations = {**manifest["nodes"], **manifest["sources"]}
    facts = set()
    for node in relations.values():
        if node["resource_type"] not in ("model", "source", "snapshot"):
            continue
        table = f"{node['schema']}.{node.get('identifier') or node['alias']}"
        for column in node["columns"].values():
            if column.get("data_type"):
                facts.add(("type", table, frozenset([column["name"]])))
                facts.add(("columns", table, frozenset([column["name"]])))
    for test in manifest["nodes"].values():
        metadata = test.get("test_metadata") or {}
        kind = DBT_KINDS.get(metadata.get("name"))
        if test["resource_type"] != "test" or kind is None:
            continue
        # dbt attaches a test to its model; a source's test names its source as its model
        attached = test["attached_node"] or _tested_source(metadata["kwargs"]["model"])
        node = relations[attached]
        table = f"{node['schema']}.{node.get('identifier') or node['alias']}"
        columns = metadata["kwargs"].get("columns") or [test["column_name"]]
        facts.add((kind, table, frozenset(columns)))
    return facts


def _tested_source(model: str) -> str:
    """The unique id of the source a source test's ``model`` argument names."""
    source, table = re.search(r"source\('(\w+)', '(\w+)'\)", model).groups()
    return f"source.mash.{source}.{table}"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(dbt_project.manifest_path.read_text())


def suites() -> dict[str, dict]:
    return {name: {"expectations": list(load_suite(name).expectations)} for name in suite_names()}


def test_no_fact_is_stated_both_in_dbt_and_in_a_suite(manifest):
    both = gx_facts(suites()) & dbt_facts(manifest)
    assert not both, sorted((kind, table, sorted(columns)) for kind, table, columns in both)


def test_the_suites_state_no_column_type_at_all():
    """Types are dbt's alone: GX's SQL type checks do not know DuckDB's types."""
    assert not {fact for fact in gx_facts(suites()) if fact[0] == "type"}


def test_dbt_states_the_keys_and_types_the_suites_left(manifest):
    facts = dbt_facts(manifest)
    for fact in [
        ("unique", "marts.fct_contacts", frozenset(["contact_id"])),
        ("unique", "marts.fct_school_month", frozenset(["school_urn", "month_start"])),
        ("unique", "raw.contacts", frozenset(["source_sha256", "source_row"])),
        ("not_null", "raw.contacts", frozenset(["child_key"])),
        ("not_null", "marts.fct_school_month", frozenset(["calls_attributed"])),
        ("in_set", "marts.rpt_district_rates", frozenset(["district"])),
        ("in_set", "raw.contacts", frozenset(["child_district"])),
        ("type", "marts.fct_contacts", frozenset(["match_score"])),
        ("type", "raw.schools", frozenset(["urn"])),
    ]:
        assert fact in facts, fact


def test_a_fact_stated_twice_is_caught(manifest):
    """The comparison can fail: a suite that states dbt's key again is reported."""
    planted = suites()
    planted["marts.fct_contacts"]["expectations"].append(
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "contact_id"}}
    )
    planted["raw.schools"]["expectations"].append(
        {"type": "expect_column_type_to_be", "kwargs": {"column": "urn", "type_": "INTEGER"}}
    )
    assert gx_facts(planted) & dbt_facts(manifest) == {
        ("unique", "marts.fct_contacts", frozenset(["contact_id"])),
        ("type", "raw.schools", frozenset(["urn"])),
    }


def test_every_mart_model_has_an_enforced_contract(manifest):
    marts = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    ]
    assert marts
    for node in marts:
        assert node["contract"]["enforced"], node["name"]
        assert all(column.get("data_type") for column in node["columns"].values()), node["name"]
