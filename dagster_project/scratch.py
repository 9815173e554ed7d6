"""Scratch folders for work on copies of personal data, kept inside the data folder.

``mash rotate-key`` copies the landing files (raw child ids, phone numbers, referrer names)
and ingests them into a scratch warehouse; ingestion writes a UTF-8 copy of a workbook or a
Windows-1252 file to read it. That scratch space lives in ``$MASH_DATA_DIR/scratch/``, mode
0700, never in the system's temporary folder: a process killed mid-way leaves its copies
where the data already is, and the next ``mash run`` or ``mash rotate-key`` removes them.

A folder's owner holds an exclusive lock on it (``flock``) while it works; the kernel drops
the lock when the process ends, however it ends. ``sweep_scratch`` removes every folder
whose lock it can take: the leftovers of processes that were killed.
"""

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster_project import settings

SCRATCH_FOLDER = "scratch"
PRIVATE = 0o700


def scratch_root() -> Path:
    return settings.data_dir() / SCRATCH_FOLDER


def _private_root() -> Path:
    root = scratch_root()
    root.mkdir(mode=PRIVATE, parents=True, exist_ok=True)
    os.chmod(root, PRIVATE)
    return root


def _try_lock(folder: Path) -> int | None:
    """An open descriptor of ``folder`` holding its exclusive lock, or None if another
    process holds it (or the folder is gone)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


@contextmanager
def scratch_space(prefix: str) -> Iterator[Path]:
    """A new private folder under the data folder's scratch/, removed on the way out."""
    root = _private_root()
    while True:
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir=root))
        descriptor = _try_lock(folder)
        # A sweep may have taken the new folder before its lock was held: make another.
        if descriptor is not None and folder.is_dir():
            break
        if descriptor is not None:
            os.close(descriptor)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(descriptor)


def sweep_scratch() -> list[str]:
    """Remove the scratch folders no live process holds; returns their names."""
    root = scratch_root()
    if not root.is_dir():
        return []
    swept = []
    for folder in sorted(root.iterdir()):
        if not folder.is_dir():
            continue
        descriptor = _try_lock(folder)
        if descriptor is None:
            continue
        try:
            shutil.rmtree(folder)
        finally:
            os.close(descriptor)
        swept.append(folder.name)
    return swept
