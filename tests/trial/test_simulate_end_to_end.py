"""`mash simulate` through the whole pipeline: demo extracts, ingestion, dbt, randomisation,
planted trial months, analysis. Needs the demo generator and the dbt marts; skipped without
them. It runs `mash` in a subprocess, since the Dagster definitions fix the warehouse path
when first imported."""

import os
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from dagster_project import settings

pytest.importorskip("dagster_project.demo.generate", reason="needs the demo data generator")
pytestmark = pytest.mark.skipif(
    not (settings.DBT_PROJECT_DIR / "models" / "marts" / "fct_school_month.sql").exists(),
    reason="needs the dbt marts",
)

PLANTED = 0.75


def test_simulated_trial_recovers_the_planted_effect(tmp_path):
    out = tmp_path / "simulation"
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in (settings.DATA_DIR_ENV, settings.LANDING_DIR_ENV, "DAGSTER_HOME")
    }
    environment[settings.PSEUDONYM_KEY_FILE_ENV] = str(tmp_path / "key" / "pseudonym.key")
    command = [
        sys.executable,
        "-c",
        "from dagster_project.cli import main; main()",
        "simulate",
        "--effect",
        str(PLANTED),
        "--seed",
        "11",
        "--scale",
        "0.5",
        "--out",
        str(out),
    ]
    run = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "the CI contains the planted rate ratio" in run.stdout

    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as conn:
        results = conn.execute("select * from trial.results").df().set_index(["outcome", "model"])
        assignment = conn.execute("select * from trial.assignment").df()
    primary = results.loc[("phone_contacts", "poisson_qmle")]
    assert primary["ci_low"] <= PLANTED <= primary["ci_high"] < 1
    assert not primary["is_interim"]
    referrals = results.loc[("referrals", "poisson_qmle")]
    assert referrals["ci_low"] <= 1 <= referrals["ci_high"]
    frozen = pd.read_csv(out / "trial" / "assignment.csv")
    assert sorted(frozen["school_urn"]) == sorted(assignment["school_urn"])
