"""Importing the definitions, and loading the code location, in a fresh process: nothing is
written (no file, no folder, no environment variable) and no heavy library is imported."""

import json
import os
import subprocess
import sys
from pathlib import Path

from dagster_project import settings

#: Libraries that only the steps using them may import.
HEAVY = ("scipy", "statsmodels", "matplotlib", "great_expectations")

PROBE = """
import json, os, sys
before = dict(os.environ)
import dagster_project.definitions
imported = dict(os.environ)
definitions = dagster_project.definitions.defs()
definitions.resolve_asset_graph()
print(json.dumps({
    "import_changed_environ": imported != before,
    "load_changed_environ": dict(os.environ) != before,
    "assets": len(definitions.resolve_asset_graph().materializable_asset_keys),
    "heavy": [name for name in %r if name in sys.modules],
}))
"""

#: Folders of the checkout a fresh process may not write (besides Python's byte-code cache).
SKIPPED = {".git", ".venv", ".tools", "__pycache__", ".pytest_cache", ".ruff_cache"}


def _tree(root: Path) -> set[str]:
    paths = set()
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED]
        base = Path(folder).relative_to(root)
        paths.update(str(base / name) for name in [*subfolders, *files])
    return paths


def _probe(tmp_path: Path) -> dict:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("MASH_", "DAGSTER_"))
    }
    env |= {settings.DATA_DIR_ENV: str(tmp_path / "no" / "such" / "data")}
    env |= {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(settings.PROJECT_ROOT)}
    checkout_before = _tree(settings.PROJECT_ROOT)
    result = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert _tree(settings.PROJECT_ROOT) == checkout_before
    assert list(cwd.iterdir()) == []
    assert not (tmp_path / "no").exists()
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_and_loading_the_definitions_writes_nothing_and_stays_light(tmp_path):
    report = _probe(tmp_path)
    assert report["import_changed_environ"] is False
    assert report["load_changed_environ"] is False
    assert report["assets"] > 30
    assert report["heavy"] == []
