"""Settings the trial report takes from the trial's analysis plan when not configured."""

from pathlib import Path

import yaml


def plan_setting(path: Path, key: str):
    """The value of ``key`` wherever it sits in the plan's YAML, or None when the plan or the
    key is absent."""
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as file:
        return _find(yaml.safe_load(file), key)


def _find(node, key: str):
    if isinstance(node, dict):
        if key in node:
            return node[key]
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _find(child, key)
        if found is not None:
            return found
    return None
