"""Readers of the published file never fail and never see half a publication."""

import itertools
import json
import subprocess
import sys
import threading
import time

import duckdb

from dagster_project import settings

ROWS_PER_VERSION = 50
VERSION_QUERY = "SELECT min(version), max(version), count(*) FROM marts.fct_contacts"

#: A separate process (DuckDB shares one database instance per path inside a process) that
#: opens the published file afresh for every query, as `mash query` and analysts' tools do.
RECONNECTING_READER = """
import json, pathlib, sys, time
import duckdb

path, stop, deadline = sys.argv[1], pathlib.Path(sys.argv[2]), time.time() + 90

def observe(label):
    try:
        con = duckdb.connect(path, read_only=True)
        try:
            row = con.execute(sys.argv[3]).fetchone()
        finally:
            con.close()
        print(json.dumps({label: list(row)}), flush=True)
    except Exception as error:
        print(json.dumps({"error": repr(error)}), flush=True)

while not stop.exists() and time.time() < deadline:
    observe("seen")
observe("final")
"""


def _consistent(row) -> bool:
    low, high, count = row
    return low == high and count == ROWS_PER_VERSION * high


def test_readers_see_whole_versions_while_publish_replaces_the_file(
    data_dir, build_warehouse, run_publish, tmp_path
):
    warehouse = settings.warehouse_path()
    published = settings.published_path()
    build_warehouse(warehouse, version=1, rows_per_version=ROWS_PER_VERSION)
    assert run_publish(warehouse).success
    inodes = [published.stat().st_ino]

    held_rows, held_errors, stop_holding = [], [], threading.Event()

    def hold_one_connection() -> None:
        con = duckdb.connect(str(published), read_only=True)
        try:
            while not stop_holding.is_set():
                try:
                    held_rows.append(con.execute(VERSION_QUERY).fetchone())
                except duckdb.Error as error:
                    held_errors.append(error)
        finally:
            con.close()

    holder = threading.Thread(target=hold_one_connection)
    holder.start()
    stop_file = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", RECONNECTING_READER, str(published), str(stop_file), VERSION_QUERY],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for version in range(2, 6):
            build_warehouse(warehouse, version=version, rows_per_version=ROWS_PER_VERSION)
            assert run_publish(warehouse).success
            inodes.append(published.stat().st_ino)
            time.sleep(0.2)
    finally:
        stop_file.touch()
        output, _ = reader.communicate(timeout=120)
        stop_holding.set()
        holder.join(timeout=60)

    # Each publication is a new file renamed over the path, never a rewrite in place. (A
    # file no reader holds any more may free its inode for a later draft, so only
    # consecutive publications are compared.)
    assert all(before != after for before, after in itertools.pairwise(inodes))
    observations = [json.loads(line) for line in output.splitlines()]
    assert [o for o in observations if "error" in o] == []
    seen = [tuple(o["seen"]) for o in observations if "seen" in o]
    (final,) = [tuple(o["final"]) for o in observations if "final" in o]
    assert seen and all(_consistent(row) for row in seen)
    versions = [row[1] for row in seen]
    assert versions == sorted(versions)
    assert len(set(versions)) > 1
    assert _consistent(final) and final[1] == 5

    # A connection opened before the swaps keeps reading the file it opened.
    assert held_errors == []
    assert held_rows and set(held_rows) == {(1, 1, ROWS_PER_VERSION)}
