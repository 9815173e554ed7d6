"""Whole-process time and peak memory of `mash query` printing a large result.

.venv/bin/python benchmarks/analyst_query.py [rows]

Builds a published file with one table of ``rows`` contact-like rows (default 65,000, a
year of a county's contacts) and prints it as a table, CSV and JSON to /dev/null.
"""

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from dagster_project import settings

MASH = str(Path(sys.executable).parent / "mash")


def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        published = Path(folder) / settings.PUBLISHED_FILE
        published.parent.mkdir(parents=True)
        with duckdb.connect(str(published)) as con:
            con.execute("CREATE SCHEMA marts")
            con.execute(
                "CREATE TABLE marts.fct_contacts AS SELECT (170900000 + i)::VARCHAR AS "
                "contact_id, TIMESTAMP '2017-09-01' + to_minutes(i) AS contact_at, "
                "'2017/18' AS academic_year, 'phone' AS channel, i % 3 = 0 AS is_referral, "
                "'Schools' AS agency_type, sha256(i::VARCHAR) AS child_key, "
                "'Referral to CSC - Single Assessment' AS outcome FROM range(?) t(i)",
                [rows],
            )
        env = {**os.environ, settings.DATA_DIR_ENV: folder}
        for form in (None, "--csv", "--json"):
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            wall = time.perf_counter()
            subprocess.run(
                [MASH, "query", *([form] if form else []), "SELECT * FROM marts.fct_contacts"],
                env=env,
                stdout=subprocess.DEVNULL,
                check=True,
            )
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            print(
                f"mash query {form or '(table)'}: {rows} rows in "
                f"{time.perf_counter() - wall:.1f}s, "
                f"peak RSS {max(peak, before) / 1024:.0f} MB"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 65_000)
