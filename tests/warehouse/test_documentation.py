"""Every model, seed and column of the dbt project is described in its folder's YAML."""

import pytest


def _nodes(manifest: dict, resource_types: tuple[str, ...]) -> list[dict]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] in resource_types and node["package_name"] == "mash"
    ]


def _undocumented_columns(node: dict, built_columns: set[str]) -> set[str]:
    described = {
        name for name, column in node["columns"].items() if column.get("description", "").strip()
    }
    return (built_columns | set(node["columns"])) - described


def test_every_model_and_seed_has_a_description(manifest):
    missing = [
        node["name"]
        for node in _nodes(manifest, ("model", "seed"))
        if not node["description"].strip()
    ]
    assert not missing, f"no description: {missing}"


def test_every_yaml_file_sits_beside_its_models(manifest):
    for node in _nodes(manifest, ("model",)):
        folder = node["original_file_path"].rsplit("/", 1)[0]
        assert node["patch_path"], f"{node['name']} has no YAML entry"
        assert node["patch_path"].split("://", 1)[1].startswith(folder + "/_"), node["name"]


@pytest.mark.parametrize("resource_type", ["model", "seed"])
def test_every_built_column_is_described(manifest, good, resource_type):
    problems = {}
    for node in _nodes(manifest, (resource_type,)):
        built = {
            column
            for (column,) in good.query(
                "select column_name from information_schema.columns"
                " where table_schema = ? and table_name = ?",
                [node["schema"], node["alias"]],
            )
        }
        assert built, f"{node['schema']}.{node['alias']} was not built"
        undocumented = _undocumented_columns(node, built)
        if undocumented:
            problems[node["name"]] = sorted(undocumented)
    assert not problems, f"columns without a description: {problems}"


def test_an_undescribed_column_is_caught():
    node = {"columns": {"a": {"description": "A."}, "b": {"description": " "}}}
    assert _undocumented_columns(node, {"a", "b", "c"}) == {"b", "c"}
