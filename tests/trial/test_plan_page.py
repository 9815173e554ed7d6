"""``mash trial plan``: the analysis plan page, from the plan file."""

import duckdb
import pandas as pd
from click.testing import CliRunner

from dagster_project import settings
from dagster_project.trial.commands import PLAN_PAGE, trial_commands
from dagster_project.trial.plan import load_plan
from dagster_project.trial.tables import write_table


def _run(tmp_path, monkeypatch, plan_file) -> str:
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.setenv(settings.TRIAL_PLAN_ENV, str(plan_file))
    result = CliRunner().invoke(trial_commands, ["plan"])
    assert result.exit_code == 0, result.output
    return (settings.reports_dir() / PLAN_PAGE).read_text(encoding="utf-8")


def test_plan_page_states_the_plan_and_its_hash(tmp_path, monkeypatch, plan_file):
    plan = load_plan(plan_file)
    page = _run(tmp_path, monkeypatch, plan_file)
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "http" not in page
    assert plan.hash in page
    for text in ("size", "fsm", "Primary", "referrals", "0.7", "Holm", "descriptive only"):
        assert text in page
    assert "Not yet available" in page


def test_plan_page_shows_interim_boundaries_and_the_baseline_mdes(
    tmp_path, monkeypatch, write_plan
):
    plan_file = write_plan(tmp_path / "plan.yml", {"interim": {"looks_after_months": [4]}})
    settings_path = tmp_path / "data"
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(settings_path))
    settings.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
    power = pd.DataFrame(
        [
            {
                "outcome": "phone_contacts",
                "method": "simulation",
                "test": "superiority",
                "n_schools": 230,
                "months": 7,
                "mde_rate_ratio": 0.8123,
                "baseline_rate_per_school_month": 1.02,
            }
        ]
    )
    with duckdb.connect(str(settings.warehouse_path())) as conn:
        write_table(conn, "power", power, load_plan(plan_file).hash)
    page = _run(tmp_path, monkeypatch, plan_file)
    assert "0.812" in page and "Not yet available" not in page
    # t = 4/7: |z| 2.7450 at the interim look, then the final boundary
    assert "2.7450" in page and "0.571" in page
