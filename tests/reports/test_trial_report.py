import re

import duckdb
import pandas as pd
import yaml

from dagster_project import settings
from dagster_project.defs.assets.reports import trial_report

REPORT_ASSET = trial_report
PLAN = settings.PROJECT_ROOT / "config" / "trial_plan.yml"
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
    assert f"Assessed for eligibility (open, current URN): {len(eligible)}" in text
    assert f"Closed or superseded: {len(schools) - len(eligible)}" in text
    assert f"Randomised: {len(assignment)}" in text
    assert f"eligibility rules): {len(eligible) - len(assignment)}" in text
    months = warehouse.school_months
    in_trial = set(months.loc[pd.to_datetime(months["month_start"]) >= "2019-09-01", "school_urn"])
    for _, group in assignment.groupby("arm"):
        assert f"{len(group)} schools allocated" in text
        analysed = group["school_urn"].isin(in_trial).sum()
        assert f"{analysed} with trial-period data" in text


def test_results_come_with_a_forest_plot_and_the_referral_margin(report_run, page_row):
    html, warehouse = report_run.html, report_run.warehouse
    assert 'alt="Forest plot of rate ratios"' in html
    results = warehouse.trial["results"]
    primary = results[results["is_primary"]].iloc[0]
    row = page_row(html, f"{primary['outcome'].replace('_', ' ')} · {primary['model']}")
    assert row[:4] == [
        "Primary",
        f"{primary['estimate']:.3f}",
        "rate ratio",
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


def test_the_intervention_start_comes_from_the_trial_plan_when_not_configured(
    data_dir, materialise_report, build_warehouse, monkeypatch
):
    build_warehouse(data_dir / "warehouse.duckdb", trial="built")
    plan = data_dir / "trial_plan.yml"
    content = yaml.safe_load(PLAN.read_text())
    content["trial"]["start"] = "2019-10"
    content["outcomes"]["secondary"] = [{"column": "referrals", "test": "two_sided"}]
    plan.write_text(yaml.safe_dump(content))
    monkeypatch.setenv("MASH_TRIAL_PLAN", str(plan))
    html, _ = materialise_report(trial_report)
    assert "Intervention start: 01 October 2019" in html
    assert "No non-inferiority margin is recorded" in html


def test_the_trial_tables_extra_columns_are_used_when_present(
    data_dir, materialise_report, build_warehouse, page_row
):
    """Successors inheriting an arm, balance by stratum, and results on two scales with the
    margin and conclusion the analysis recorded."""
    warehouse = build_warehouse(data_dir / "warehouse.duckdb", trial="built")
    assignment = warehouse.trial["assignment"]
    drawn = assignment.iloc[0]
    successor = int(warehouse.schools["school_urn"].min())
    assert successor not in set(assignment["school_urn"])
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute(
            """
            alter table trial.assignment add column source varchar default 'randomised';
            alter table trial.assignment add column randomised_urn integer;
            update trial.assignment set randomised_urn = school_urn;
            alter table trial.balance add column stratum varchar default 'all';
            insert into trial.balance values ('pupils', 777.7, 111.1, 0.9, 'Primary');
            alter table trial.results add column scale varchar default 'rate_ratio';
            alter table trial.results add column margin double;
            alter table trial.results add column conclusion varchar;
            update trial.results set margin = 0.85, conclusion = 'non-inferior'
                where outcome = 'referrals';
            insert into trial.results values ('phone_contacts', 'ols_ancova', -0.31, -0.52,
                -0.10, 0.004, null, 37, 259, false, 'difference_per_school_month', null, null);
            """
        )
        connection.execute(
            "insert into trial.assignment values (?, ?, ?, ?, ?, ?, 'successor', ?)",
            [
                successor,
                drawn["stratum"],
                drawn["arm"],
                drawn["randomised_at"],
                1,
                "h",
                int(drawn["school_urn"]),
            ],
        )
    html, _ = materialise_report(trial_report)
    text = flow_text(html)
    assert f"Randomised: {len(assignment)}" in text
    assert "taking their predecessor's arm: 1" in text
    assert "outside the plan's eligibility rules): 0" in text
    assert "777.7" not in html, "balance shows the whole sample, not a stratum"
    assert "intervention minus comparison, -0.31 per school per month" in html
    assert "against margin 0.85: not above the margin" not in html
    assert "against margin 0.85: above the margin" in html
    assert "Conclusion: non-inferior." in html
    assert page_row(html, "phone contacts · ols ancova")[:3] == [
        "Sensitivity",
        "-0.310",
        "difference per month",
    ]
    assert 'alt="Forest plot of rate ratios"' in html
