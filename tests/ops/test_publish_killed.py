"""A publish killed with SIGKILL leaves its draft; the next publish sweeps it."""

import os
import signal
import subprocess
import sys
import time

import duckdb

from dagster_project import settings

#: Publishes in a real process of its own, as a run's step does.
PUBLISHER = """
import sys
from pathlib import Path
from dagster_project.publishing import publish_warehouse
publish_warehouse(Path(sys.argv[1]), Path(sys.argv[2]), run_id="killed")
"""


def _drafts(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".tmp.wal")))


def _make_publish_slow(warehouse) -> None:
    """Enough text for the copy and the value scan to take a few seconds."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "CREATE TABLE marts.big AS SELECT i AS n, 'Single Assessment ' || (i % 97) AS outcome, "
            "'Team ' || (i % 13) AS team FROM range(1500000) t(i)"
        )


def test_next_publish_sweeps_the_draft_of_a_killed_one(warehouse, run_publish, file_state):
    assert run_publish(warehouse).success
    published = settings.published_path()
    before = file_state(published)
    _make_publish_slow(warehouse)

    publisher = subprocess.Popen(
        [sys.executable, "-c", PUBLISHER, str(warehouse), str(published)],
        env={**os.environ},
    )
    deadline = time.monotonic() + 120
    try:
        while not _drafts(published.parent) and publisher.poll() is None:
            assert time.monotonic() < deadline, "the publisher never started a draft"
            time.sleep(0.01)
        time.sleep(0.1)
        publisher.send_signal(signal.SIGKILL)
    finally:
        publisher.wait(timeout=60)
    assert publisher.returncode == -signal.SIGKILL
    left = _drafts(published.parent)
    assert left, "the killed publish left no draft to sweep"
    assert file_state(published) == before

    result = run_publish(warehouse)

    assert result.success
    assert _drafts(published.parent) == []
    assert sorted(p.name for p in published.parent.iterdir()) == [published.name]
    (materialization,) = result.asset_materializations_for_node("published")
    assert materialization.metadata["swept_drafts"].value == left
