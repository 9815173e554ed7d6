import re
from datetime import date

import pandas as pd
import yaml

from dagster_project.defs.assets.reports import trial_report

REPORT_ASSET = trial_report
MARGIN = 0.9
RUN_CONFIG = {"ops": {trial_report.op.name: {"config": {"non_inferiority_margin": MARGIN}}}}


def flow_text(html: str) -> str:
    match = re.search(r'<div class="flow">(.*?)</div></div>\s*(<p>|<h2>)', html, re.DOTALL)
    assert match, "the report has a flow of schools"
    return re.sub(r"<[^>]+>", " ", match[1])


def test_the_flow_of_schools_counts_register_eligible_randomised_and_analysed(report_run):
    warehouse, text = report_run.warehouse, flow_text(report_run.html)
    schools = warehouse.schools
    eligible = schools[schools["is_open"] & (schools["successor_urn"] == schools["school_urn"])]
    assignment = warehouse.trial["assignment"]
    assert f"On the school register: {len(schools)} schools" in text
    assert f"Eligible (open, current URN): {len(eligible)}" in text
    assert f"Randomised: {len(assignment)}" in text
    assert f"Eligible but not randomised: {len(eligible) - len(assignment)}" in text
    months = warehouse.school_months
    in_trial = set(months.loc[pd.to_datetime(months["month_start"]) >= "2019-09-01", "school_urn"])
    for _, group in assignment.groupby("arm"):
        assert f"{len(group)} schools allocated" in text
        analysed = group["school_urn"].isin(in_trial).sum()
        assert f"{analysed} schools with trial-period data" in text


def test_results_come_with_a_forest_plot_and_the_referral_margin(report_run, page_row):
    html, warehouse = report_run.html, report_run.warehouse
    assert 'alt="Forest plot of rate ratios"' in html
    results = warehouse.trial["results"]
    primary = results[results["is_primary"]].iloc[0]
    row = page_row(html, f"{primary['outcome'].replace('_', ' ')} · {primary['model']}")
    assert row[:3] == [
        "Primary",
        f"{primary['estimate']:.3f}",
        f"{primary['ci_low']:.3f} to {primary['ci_high']:.3f}",
    ]
    referrals = results[results["outcome"] == "referrals"].iloc[0]
    verdict = "not above the margin" if referrals["ci_low"] <= MARGIN else "above the margin"
    assert f"Lower limit {referrals['ci_low']:.2f} against margin {MARGIN:g}: {verdict}" in html
    assert "Intervention start: 01 September 2019" in html, "the month after randomisation"
    summary = report_run.metadata["summary"].value
    assert f"{primary['estimate']:.2f} times the rate" in summary


def test_balance_power_and_the_monthly_trend_by_arm_are_shown(report_run, page_row):
    html, warehouse = report_run.html, report_run.warehouse
    balance = warehouse.trial["balance"].set_index("variable")
    assert page_row(html, "pct fsm")[2] == f"{balance.at['pct_fsm', 'std_diff']:+.3f}"
    power = warehouse.trial["power"].iloc[0]
    assert f"rate ratio of {power['mde_rate_ratio']:.2f}" in html
    assert f"{1 - power['mde_rate_ratio']:.0%} fall" in html
    assert 'alt="Monthly telephone contacts per school by arm"' in html
    months = warehouse.school_months.merge(warehouse.trial["assignment"], on="school_urn")
    trial_months = months[pd.to_datetime(months["month_start"]) >= "2019-09-01"]
    intervention = trial_months[trial_months["arm"] == "intervention"]
    assert page_row(html, "Trial, intervention")[:2] == [
        f"{len(intervention):,}",
        f"{intervention['phone_contacts'].sum():,}",
    ]


def test_without_trial_tables_the_report_says_randomisation_is_pending(
    data_dir, materialise_report, build_warehouse
):
    build_warehouse(data_dir / "warehouse.duckdb", trial="absent")
    html, metadata = materialise_report(trial_report)
    assert "Randomisation is pending" in html
    assert "Results are pending" in html
    assert "Forest plot" not in html
    assert "Randomisation is pending" in metadata["summary"].value


def test_with_empty_trial_tables_the_report_says_randomisation_is_pending(
    data_dir, materialise_report, build_warehouse
):
    build_warehouse(data_dir / "warehouse.duckdb", trial="empty")
    html, _ = materialise_report(trial_report)
    assert "Randomisation is pending" in html
    assert "The power calculation is not built yet" in html


def test_the_start_and_margin_come_from_the_trial_plan_when_not_configured(
    data_dir, materialise_report, build_warehouse, monkeypatch
):
    build_warehouse(data_dir / "warehouse.duckdb", trial="built")
    plan = data_dir / "trial_plan.yml"
    plan.write_text(
        yaml.safe_dump(
            {
                "intervention_start": date(2019, 10, 1),
                "outcomes": {"secondary": [{"name": "referrals", "non_inferiority_margin": 0.8}]},
            }
        )
    )
    monkeypatch.setenv("MASH_TRIAL_PLAN", str(plan))
    html, _ = materialise_report(trial_report)
    assert "Intervention start: 01 October 2019" in html
    assert "against margin 0.8:" in html
