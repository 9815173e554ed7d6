"""`make docs`: every dbt model and column described, the trial and audit tables as
sources, the reports and the published file as exposures, and the project's overview."""

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.defs.assets.reports import DEMAND_DEPS, TRIAL_DEPS
from dagster_project.defs.resources import dbt_project
from dagster_project.ingest.raw_tables import ensure_tables
from dagster_project.matching.persistence import REVIEW_TABLE
from dagster_project.matching.resolution import REVIEW_COLUMNS
from dagster_project.pseudonymise import bind_key
from dagster_project.trial import tables as trial_tables
from dagster_project.warehouse import WAREHOUSE_CONFIG, replace_table_from_frame
from tests.dbt_cli import run_dbt

MANIFEST = dbt_project.manifest_path


def undocumented(manifest: dict) -> list[str]:
    """Models of the project, and their columns, whose description is empty."""
    project = manifest["metadata"]["project_name"]
    missing = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["package_name"] != project:
            continue
        if not (node.get("description") or "").strip():
            missing.append(f"model {node['name']} ({node['original_file_path']})")
        missing += [
            f"column {node['name']}.{name} ({node.get('patch_path') or node['original_file_path']})"
            for name, column in node["columns"].items()
            if not (column.get("description") or "").strip()
        ]
    return missing


def test_every_model_and_column_is_described():
    assert MANIFEST.exists(), "No dbt manifest: run `make setup` first"
    assert undocumented(json.loads(MANIFEST.read_text())) == []


def test_undocumented_finds_missing_descriptions():
    def model(name: str, description: str, columns: dict) -> dict:
        return {
            "resource_type": "model",
            "package_name": "mash",
            "name": name,
            "original_file_path": f"models/{name}.sql",
            "patch_path": "mash://models/schema.yml",
            "description": description,
            "columns": {c: {"name": c, "description": d} for c, d in columns.items()},
        }

    manifest = {
        "metadata": {"project_name": "mash"},
        "nodes": {
            "model.mash.a": model("a", "Described.", {"x": "An x.", "y": " "}),
            "model.mash.b": model("b", "", {}),
            "model.mash.c": model("c", "Described.", {"z": "A z."}),
            "model.other.d": {**model("d", "", {}), "package_name": "other"},
        },
    }

    assert undocumented(manifest) == [
        "column a.y (mash://models/schema.yml)",
        "model b (models/b.sql)",
    ]


# The generated documentation site (`make docs`): built here from a warehouse holding the
# trial and audit tables as the pipeline's own writers make them, so the comparison below
# follows the code, not a copy of its column lists.


def _write_python_tables(warehouse: Path) -> None:
    """The trial and audit tables, empty, written by the functions the pipeline uses."""
    with duckdb.connect(str(warehouse), config=WAREHOUSE_CONFIG) as conn:
        ensure_tables(conn)
        bind_key(conn, b"k" * 32, "first load")
        replace_table_from_frame(conn, REVIEW_TABLE, REVIEW_COLUMNS, pd.DataFrame())
        for name in trial_tables.TABLES:
            trial_tables.write_table(conn, name, pd.DataFrame(), plan_hash="plan")


def python_written_columns(warehouse: Path) -> dict[str, list[str]]:
    """``schema.table`` -> its columns, for the trial and audit tables not built by dbt."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = conn.execute(
            "select table_schema || '.' || table_name, column_name from information_schema.columns "
            "where table_schema in ('trial', 'audit') order by table_name, ordinal_position"
        ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def embedded_manifest(static_index: str) -> dict:
    """The manifest dbt's static page carries inline (``manifest:{...}``)."""
    start = re.search(r'manifest:(?=\{"metadata")', static_index)
    assert start, "dbt docs page holds no inline manifest: not generated with --static?"
    manifest, _ = json.JSONDecoder().raw_decode(static_index, start.end())
    return manifest


@pytest.fixture(scope="module")
def generated_docs(tmp_path_factory) -> tuple[dict, str, dict[str, list[str]]]:
    """The static docs page's manifest and text, and the trial/audit tables behind them."""
    data = tmp_path_factory.mktemp("docs-data")
    _write_python_tables(data / "warehouse.duckdb")
    target = data / "dbt-target"
    run_dbt(["docs", "generate", "--static", "--quiet"], data, target, check=True)
    page = (target / "static_index.html").read_text()
    return embedded_manifest(page), page, python_written_columns(data / "warehouse.duckdb")


def undocumented_sources(manifest: dict, tables: dict[str, list[str]]) -> list[str]:
    """Tables of ``tables`` with no described dbt source, and columns it does not describe."""
    sources = {
        f"{node['schema']}.{node['name']}": node
        for node in manifest["sources"].values()
        if node["package_name"] == manifest["metadata"]["project_name"]
    }
    missing = []
    for table, columns in tables.items():
        source = sources.get(table)
        if source is None or not source["description"].strip():
            missing.append(f"source {table}")
            continue
        described = {
            name for name, column in source["columns"].items() if column["description"].strip()
        }
        missing += [f"column {table}.{column}" for column in columns if column not in described]
    return missing


def test_docs_describe_every_trial_and_audit_table_the_pipeline_writes(generated_docs):
    manifest, _, tables = generated_docs
    tables = {name: columns for name, columns in tables.items() if name != "audit.unmapped_values"}
    assert {"trial.assignment", "trial.results", "audit.loaded_files", "audit.pseudonym_key"} <= (
        set(tables)
    )
    assert undocumented_sources(manifest, tables) == []


def test_undocumented_sources_finds_a_missing_table_and_column():
    def source(schema, name, columns):
        return {
            "package_name": "mash",
            "schema": schema,
            "name": name,
            "description": "Described.",
            "columns": {c: {"description": d} for c, d in columns.items()},
        }

    manifest = {
        "metadata": {"project_name": "mash"},
        "sources": {"s.a": source("audit", "a", {"x": "An x.", "y": ""})},
    }
    tables = {"audit.a": ["x", "y", "z"], "trial.b": ["w"]}

    assert undocumented_sources(manifest, tables) == [
        "column audit.a.y",
        "column audit.a.z",
        "source trial.b",
    ]


def test_docs_show_the_reports_and_the_published_file_as_exposures(generated_docs):
    manifest, _, _ = generated_docs
    exposures = {node["name"]: node for node in manifest["exposures"].values()}
    assert {"demand_report", "trial_report", "published_warehouse"} <= set(exposures)
    for exposure in exposures.values():
        assert exposure["description"].strip() and exposure["owner"]["name"]
    # Each report's exposure reads at least what its Dagster asset waits for.
    for name, deps in (("demand_report", DEMAND_DEPS), ("trial_report", TRIAL_DEPS)):
        nodes = set(exposures[name]["depends_on"]["nodes"])
        expected = {
            f"source.mash.{dep[0]}.{dep[1]}" if isinstance(dep, list) else f"model.mash.{dep}"
            for dep in deps
        }
        assert expected <= nodes, f"{name} misses {sorted(expected - nodes)}"
    published = set(exposures["published_warehouse"]["depends_on"]["nodes"])
    marts = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["schema"].endswith("marts")
    }
    assert marts and marts <= published
    assert {"source.mash.trial.results", "source.mash.audit.loaded_files"} <= published


def test_docs_open_on_the_project_overview(generated_docs):
    manifest, page, _ = generated_docs
    overview = manifest["docs"]["doc.mash.__overview__"]["block_contents"]
    for text in (
        "landing → raw → staging → matching → marts → trial → published",
        "docs/extract-contract.md",
        "docs/warehouse-contract.md",
        "the marts carry unsuppressed counts",
    ):
        assert text in overview
    assert "dbt-labs" not in overview and "Welcome!" not in overview
    assert "exposure.mash.published_warehouse" in page
