"""Every dbt model, and every column the manifest knows, has a description for `make docs`."""

import json

from dagster_project import settings

MANIFEST = settings.DBT_PROJECT_DIR / "target" / "manifest.json"


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
