"""The phone numbers of registered organisations: a call from one keeps its number.

A school's ``TelephoneNum`` in raw.schools or an agency's switchboard ``telephone`` in the
agencies seed is an organisation's number, not personal data (docs/raw-layer.md).
"""

from pathlib import Path

import duckdb

from dagster_project import settings
from dagster_project.ingest.scanning import REGISTERED_NUMBERS_TABLE

AGENCIES_SEED = settings.DBT_PROJECT_DIR / "seeds" / "agencies.csv"


def create_registered_numbers(conn: duckdb.DuckDBPyConnection, agencies_csv: Path) -> None:
    """Fill the temporary table staging reads; the agencies CSV is optional."""
    sources = ["SELECT mash_phone(telephone_num) AS number FROM raw.schools"]
    parameters = {}
    if agencies_csv.exists():
        sources.append(
            "SELECT mash_phone(telephone) FROM read_csv($agencies, header = true, "
            "delim = ',', quote = '\"', all_varchar = true)"
        )
        parameters["agencies"] = str(agencies_csv)
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE {REGISTERED_NUMBERS_TABLE} AS "
        f"SELECT DISTINCT number FROM ({' UNION ALL '.join(sources)}) WHERE number IS NOT NULL",
        parameters,
    )
