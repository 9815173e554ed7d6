"""Suite-wide: the tests of a folder whose conftest builds session fixtures (a played demo
trial, a dbt build, a demo year) run on one xdist worker, so each is built once; the other
folders are shared out module by module.

xdist's own ``--dist loadgroup`` cannot do this with pytest 9: it reads ``xdist_group`` marks
on the worker and appends the group to ``item._nodeid``, a field pytest no longer reads (the
node id now comes from ``item._id``), so every test stayed a group of its own. Instead, with
``--dist loadgroup`` (pyproject.toml) the scheduler below chooses the scopes.
"""

from functools import cache
from pathlib import Path, PurePosixPath

import pytest
from xdist.scheduler import LoadScopeScheduling


class FolderScheduling(LoadScopeScheduling):
    """xdist's scope scheduling, a scope being a test folder that shares session fixtures,
    else a test module.

    The costly scopes go out first: folders that build session fixtures, then modules that
    build module fixtures (whole runs of the pipeline, mostly), then the rest in collection
    order, which fill in at the end while the other worker finishes. xdist's own order
    (largest first by number of tests) would send the few long end-to-end tests out last and
    leave one worker running them alone."""

    def __init__(self, config, log=None):
        super().__init__(config, log)
        config.option.loadscopereorder = False
        self._root = Path(config.rootpath)
        self._ordered = False

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        folder = str(PurePosixPath(module).parent)
        return folder if _shares_fixtures(self._root / folder / "conftest.py") else module

    def _assign_work_unit(self, node) -> None:
        # The work queue is complete when the first unit goes out: order it once, then.
        if not self._ordered:
            ranked = sorted(self.workqueue.items(), key=lambda item: self._cost_rank(item[0]))
            self.workqueue.clear()
            self.workqueue.update(ranked)
            self._ordered = True
        super()._assign_work_unit(node)

    def _cost_rank(self, scope: str) -> int:
        path = self._root / scope
        if path.is_dir():
            return 0
        return 1 if _shares_fixtures(path, "module") else 2


@cache
def _shares_fixtures(path: Path, scope: str = "session") -> bool:
    return path.is_file() and f'scope="{scope}"' in path.read_text(encoding="utf-8")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadgroup":
        return FolderScheduling(config, log)
    return None
