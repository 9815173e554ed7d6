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
    else a test module. Scopes go out in collection order (folders alphabetically), not
    xdist's largest-first by number of tests, which would send the few long end-to-end tests
    out last and leave one worker running them alone at the end."""

    def __init__(self, config, log=None):
        super().__init__(config, log)
        config.option.loadscopereorder = False
        self._root = Path(config.rootpath)

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        folder = str(PurePosixPath(module).parent)
        return folder if _shares_session_fixtures(self._root / folder) else module


@cache
def _shares_session_fixtures(folder: Path) -> bool:
    conftest = folder / "conftest.py"
    return conftest.is_file() and 'scope="session"' in conftest.read_text(encoding="utf-8")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadgroup":
        return FolderScheduling(config, log)
    return None
