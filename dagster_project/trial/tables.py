"""The ``trial`` schema's tables: their columns, and writing them to DuckDB.

Every table is replaced whole on each materialisation and exists (empty) while the trial
waits for data, so analysts' queries never fail for a missing table.
"""

import duckdb
import pandas as pd

SCHEMA = "trial"

TABLES = {
    "assignment": {
        "school_urn": "INTEGER",
        "school_name": "VARCHAR",
        "stratum": "VARCHAR",
        "arm": "VARCHAR",
        "randomised_urn": "INTEGER",
        "source": "VARCHAR",
        "pupils": "DOUBLE",
        "pct_fsm": "DOUBLE",
        "randomised_at": "TIMESTAMP",
        "recorded_at": "TIMESTAMP",
        "seed": "BIGINT",
        "plan_hash": "VARCHAR",
    },
    "balance": {
        "variable": "VARCHAR",
        "stratum": "VARCHAR",
        "n_intervention": "INTEGER",
        "n_comparison": "INTEGER",
        "mean_intervention": "DOUBLE",
        "mean_comparison": "DOUBLE",
        "sd_intervention": "DOUBLE",
        "sd_comparison": "DOUBLE",
        "std_diff": "DOUBLE",
        "plan_hash": "VARCHAR",
    },
    "power": {
        "outcome": "VARCHAR",
        "method": "VARCHAR",
        "test": "VARCHAR",
        "n_schools": "INTEGER",
        "months": "INTEGER",
        "alpha": "DOUBLE",
        "target_power": "DOUBLE",
        "mde_rate_ratio": "DOUBLE",
        "baseline_rate_per_school_month": "DOUBLE",
        "mde_per_school_month": "DOUBLE",
        "mde_per_school_year": "DOUBLE",
        "summary": "VARCHAR",
        "assumptions": "JSON",
        "plan_hash": "VARCHAR",
    },
    "results": {
        "outcome": "VARCHAR",
        "model": "VARCHAR",
        "is_primary": "BOOLEAN",
        "scale": "VARCHAR",
        "estimate": "DOUBLE",
        "ci_low": "DOUBLE",
        "ci_high": "DOUBLE",
        "std_error": "DOUBLE",
        "p_value": "DOUBLE",
        "p_value_randomisation": "DOUBLE",
        "p_value_holm": "DOUBLE",
        "hypothesis": "VARCHAR",
        "margin": "DOUBLE",
        "conclusion": "VARCHAR",
        "hedges_g": "DOUBLE",
        "n_schools": "INTEGER",
        "n_obs": "INTEGER",
        "trial_months_observed": "INTEGER",
        "data_through": "DATE",
        "is_interim": "BOOLEAN",
        "notes": "JSON",
        "plan_hash": "VARCHAR",
    },
}


def write_table(
    conn: duckdb.DuckDBPyConnection, name: str, rows: pd.DataFrame, plan_hash: str
) -> int:
    """Replace ``trial.<name>`` with ``rows`` (plus plan_hash); returns the row count."""
    columns = TABLES[name]
    frame = rows.assign(plan_hash=plan_hash).reindex(columns=list(columns))
    frame = frame.astype(object).where(frame.notna(), None)
    definition = ", ".join(f"{column} {kind}" for column, kind in columns.items())
    conn.register("trial_rows", frame)
    try:
        conn.execute("begin transaction")
        conn.execute(f"create schema if not exists {SCHEMA}")
        conn.execute(f"create or replace table {SCHEMA}.{name} ({definition})")
        if not frame.empty:
            conn.execute(f"insert into {SCHEMA}.{name} select * from trial_rows")
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise
    finally:
        conn.unregister("trial_rows")
    return len(frame)
