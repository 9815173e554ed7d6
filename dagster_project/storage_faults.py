"""Two faults of the data folder's storage that no retry mends, each told in one clear error
with what to do (docs/runbook.md): a full disk, and a damaged warehouse file.

A lock conflict (another process writing the warehouse) is the one storage error worth
waiting for; these two are told apart from it, and end the command at once.
"""

import errno
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from dagster_project import settings

RUNBOOK = "docs/runbook.md"
DISK_FULL_SECTION = "The disk is full"
DAMAGED_SECTION = "Rebuild a damaged warehouse"

#: How DuckDB says another process holds the file.
LOCK_CONFLICT = re.compile(r"could not set lock", re.IGNORECASE)
#: How DuckDB says a database file is damaged: cut short, overwritten, or not one at all.
DAMAGE = re.compile(
    r"not a valid DuckDB database file|Could not read enough bytes|Corrupt database file",
    re.IGNORECASE,
)
_NAMED_FILE = re.compile(r'file "([^"]+)"')
#: How SQLite (Dagster's run history) and DuckDB say a write found no room.
NO_ROOM = re.compile(
    r"database or disk is full|disk I/O error|No space left on device|File too large",
    re.IGNORECASE,
)
_NO_ROOM_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and the exceptions it was raised from or while handling."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def is_lock_conflict(error: BaseException) -> bool:
    return bool(LOCK_CONFLICT.search(str(error)))


def is_damage(error: BaseException, path: Path) -> bool:
    """Whether ``error`` says the DuckDB file at ``path`` is damaged (an error naming another
    file, such as a landing file cut short while read, is not about the warehouse)."""
    text = str(error)
    if not isinstance(error, duckdb.Error) or not DAMAGE.search(text):
        return False
    named = _NAMED_FILE.findall(text)
    return not named or str(path) in named


def _no_room(error: BaseException) -> bool:
    if isinstance(error, OSError) and error.errno in _NO_ROOM_ERRNOS:
        return True
    return bool(NO_ROOM.search(str(error)))


def is_disk_full(error: BaseException) -> bool:
    """Whether ``error``, or one it came from, is a write that found no room on the disk."""
    return any(_no_room(link) for link in _chain(error))


class DamagedWarehouse(RuntimeError):
    """The warehouse file cannot be read: rebuild it from the landing files."""

    def __init__(self, path: Path, error: BaseException):
        super().__init__(
            f"The warehouse {path} is damaged and cannot be read ({_first_line(error)}). "
            f"Rebuild it from the landing files: move it aside (mv {path} "
            f'{path}.damaged) and run `mash run` ({RUNBOOK}, "{DAMAGED_SECTION}").'
        )


class DiskFull(RuntimeError):
    """A write to the data folder found no room; the command stopped."""

    def __init__(self, error: BaseException):
        folder = settings.data_dir()
        cause = next(link for link in _chain(error) if _no_room(link))
        super().__init__(
            f"The disk of the data folder {folder} ran out of room (now {_free(folder)} "
            f"free): {_first_line(cause)}. The run stopped; the published file "
            f"{settings.published_path()} is as it was. Free space on that disk, then run "
            f'`mash run` again ({RUNBOOK}, "{DISK_FULL_SECTION}").'
        )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _free(folder: Path) -> str:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return f"{shutil.disk_usage(folder).free / 1e6:.1f} MB"


def check_warehouse_opens(path: Path) -> None:
    """Raise ``DamagedWarehouse`` at once if the warehouse file at ``path`` is damaged; a
    missing file, or one another process holds, passes."""
    if not path.is_file():
        return
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error as error:
        if is_damage(error, path):
            raise DamagedWarehouse(path, error) from error
