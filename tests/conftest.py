"""Suite-wide: each test folder runs on one xdist worker (``--dist loadgroup``), so the
session fixtures of an area (a played demo trial, a dbt build, a demo year) are built once."""

from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        area = Path(item.path).relative_to(TESTS_DIR).parts[0]
        item.add_marker(pytest.mark.xdist_group(area))
