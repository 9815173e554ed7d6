"""The ``trial`` schema's tables: their columns, and writing them to DuckDB.

Every table is replaced whole on each materialisation and exists (empty) while the trial
waits for data, so analysts' queries never fail for a missing table.
"""

import duckdb
import pandas as pd

from dagster_project.warehouse import replace_table_from_frame, transaction

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
        "se_type": "VARCHAR",
        "p_value": "DOUBLE",
        "p_value_randomisation": "DOUBLE",
        "ci_low_randomisation": "DOUBLE",
        "ci_high_randomisation": "DOUBLE",
        "randomisation_draws": "INTEGER",
        "redraws_refitted": "INTEGER",
        "redraws_counted_extreme": "INTEGER",
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
        "information_fraction": "DOUBLE",
        "boundary_z": "DOUBLE",
        "boundary_p": "DOUBLE",
        "notes": "JSON",
        "plan_hash": "VARCHAR",
    },
    # The CONSORT flow, one row per box (and arm): read by the trial report's diagram.
    "consort": {
        "step": "VARCHAR",
        "arm": "VARCHAR",
        "schools": "INTEGER",
        "reason": "VARCHAR",
        "step_order": "INTEGER",
        "plan_hash": "VARCHAR",
    },
}


def write_table(
    conn: duckdb.DuckDBPyConnection, name: str, rows: pd.DataFrame, plan_hash: str
) -> int:
    """Replace ``trial.<name>`` with ``rows`` (plus plan_hash); returns the row count."""
    with transaction(conn):
        return replace_table_from_frame(
            conn, f"{SCHEMA}.{name}", TABLES[name], rows.assign(plan_hash=plan_hash)
        )
