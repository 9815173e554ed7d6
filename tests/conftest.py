"""Suite-wide: each test folder runs on one xdist worker, so the session fixtures of an area
(a played demo trial, a dbt build, a demo year) are built once.

xdist's own ``--dist loadgroup`` cannot do this with pytest 9: it reads ``xdist_group`` marks
on the worker and appends the group to ``item._nodeid``, a field pytest no longer reads (the
node id now comes from ``item._id``), so every test stayed a group of its own. Instead, with
``--dist loadgroup`` (pyproject.toml) the scheduler below takes a test's folder as its group.
"""

from pathlib import PurePosixPath

import pytest
from xdist.scheduler import LoadScopeScheduling


class FolderScheduling(LoadScopeScheduling):
    """xdist's scope scheduling, with a test's folder under tests/ as its scope: a folder's
    tests all run on one worker, and the folders are shared out between the workers."""

    def _split_scope(self, nodeid: str) -> str:
        return str(PurePosixPath(nodeid.split("::", 1)[0]).parent)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadgroup":
        return FolderScheduling(config, log)
    return None
