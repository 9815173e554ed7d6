import re
from html import unescape

import duckdb
import pandas as pd
import yaml

from dagster_project import settings
from dagster_project.defs.assets.reports import trial_report
from dagster_project.reports.trial_labels import readable

from .conftest import HOME_LA

REPORT_ASSET = trial_report
PLAN = settings.PROJECT_ROOT / "config" / "trial_plan.yml"
MARGIN = 0.9
RUN_CONFIG = {"ops": {trial_report.op.name: {"config": {"non_inferiority_margin": MARGIN}}}}


def flow_text(html: str) -> str:
    match = re.search(r'<div class="flow">(.*?)<p class="note">Counts from', html, re.DOTALL)
    assert match, "the report has a flow of schools"
    return unescape(re.sub(r"<[^>]+>", " ", match[1]))


def not_randomised_reasons(schools: pd.DataFrame, assigned: set) -> dict[str, int]:
    """Each school not in the assignment under the first rule it fails (no plan: no phases)."""
    reasons = {}
    for school in schools[~schools["school_urn"].isin(assigned)].itertuples():
        if not school.is_open:
            reason = "Closed"
        elif pd.isna(school.pupils) or pd.isna(school.pct_fsm):
            reason = "Enrolment or free school meals unknown"
        else:
            reason = "Not randomised (no trial plan to give the reason)"
        reasons[reason] = reasons.get(reason, 0) + 1
    return reasons


def test_the_flow_of_schools_starts_from_the_eligible_population_with_each_exclusion(
    report_run,
):
    warehouse, text = report_run.warehouse, flow_text(report_run.html)
    schools = warehouse.schools
    assignment = warehouse.trial["assignment"]
    assert (
        f"Schools of the randomised schools' local authorities ({HOME_LA}): {len(schools)}" in text
    )
    reasons = not_randomised_reasons(schools, set(assignment["school_urn"]))
    assert reasons["Closed"] == 1
    for reason, n in reasons.items():
        assert f"{reason}: {n}" in text
    assert sum(reasons.values()) + len(assignment) == len(schools), "the flow adds up"
    assert f"Randomised: {len(assignment)}" in text
    months = warehouse.school_months
    in_trial = set(months.loc[pd.to_datetime(months["month_start"]) >= "2019-09-01", "school_urn"])
    for _, group in assignment.groupby("arm"):
        assert f"Allocated: {len(group)}" in text
        analysed = group["school_urn"].isin(in_trial).sum()
        assert f"With trial-period data: {analysed}" in text


def test_the_flow_counts_the_plan_population_and_names_other_authorities(
    data_dir, materialise_report, build_warehouse, monkeypatch
):
    warehouse = build_warehouse(data_dir / "warehouse.duckdb", trial="built")
    plan = data_dir / "trial_plan.yml"
    content = yaml.safe_load(PLAN.read_text())
    content["eligibility"]["phases"] = ["Secondary"]
    plan.write_text(yaml.safe_dump(content))
    monkeypatch.setenv("MASH_TRIAL_PLAN", str(plan))
    assigned = set(warehouse.trial["assignment"]["school_urn"])
    outside = [urn for urn in warehouse.schools["school_urn"] if urn not in assigned][:1]
    other_phase = warehouse.schools[
        (warehouse.schools["phase"] != "Secondary")
        & warehouse.schools["is_open"]
        & ~warehouse.schools["school_urn"].isin([*assigned, *outside])
    ]
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute(
            "update marts.dim_school set la_code = '330' where school_urn = ?", outside
        )
    html = materialise_report(trial_report)[0]
    text = flow_text(html)
    assert (
        f"Schools of the plan's local authorities ({HOME_LA}): {len(warehouse.schools) - 1}" in text
    )
    assert len(other_phase) == 1 and "Phase not in the plan: 1" in text
    assert "also holds 1 schools of other local authorities" in html


def test_the_flow_is_drawn_from_trial_consort_when_the_trial_wrote_it(
    data_dir, materialise_report, build_warehouse
):
    warehouse = build_warehouse(data_dir / "warehouse.duckdb", trial="built")
    rows = [
        ("Assessed: in-county schools", None, 250, None, 1, "h"),
        ("Excluded", None, 12, "Special schools outside the plan's phases", 1, "h"),
        ("Excluded", None, 3, "Closed before randomisation", 1, "h"),
        ("Randomised", None, 235, None, 2, "h"),
        ("Allocated", "intervention", 118, None, 3, "h"),
        ("Allocated", "comparison", 117, None, 3, "h"),
        ("Lost", "comparison", 2, "Closed during the trial", 4, "h"),
    ]
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute(
            "create table trial.consort (step varchar, arm varchar, schools integer, "
            "reason varchar, step_order integer, plan_hash varchar)"
        )
        connection.executemany("insert into trial.consort values (?, ?, ?, ?, ?, ?)", rows)
    html, _ = materialise_report(trial_report)
    text = flow_text(html)
    assert "Assessed: in-county schools: 250" in text
    assert "Special schools outside the plan's phases: 12" in text
    assert "Closed before randomisation: 3" in text
    assert "Comparison, Closed during the trial: 2" in text
    assert "Counts from trial.consort" in html


def test_results_come_with_a_forest_plot_and_the_referral_margin(report_run, page_row):
    html, warehouse = report_run.html, report_run.warehouse
    assert 'alt="Forest plot of rate ratios"' in html
    results = warehouse.trial["results"]
    primary = results[results["is_primary"]].iloc[0]
    row = page_row(html, f"{readable(primary['outcome'])} · {readable(primary['model'])}")
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
    assert page_row(html, "% free school meals")[2] == f"{balance.at['pct_fsm', 'std_diff']:+.3f}"
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
    assert "Not randomised (no trial plan to give the reason): 1" in text
    assert "777.7" not in html, "balance shows the whole sample, not a stratum"
    assert "intervention minus comparison, -0.31 per school per month" in html
    assert "against margin 0.85: not above the margin" not in html
    assert "against margin 0.85: above the margin" in html
    assert "Conclusion: non-inferior." in html
    assert page_row(html, "Telephone contacts · Linear ANCOVA")[:3] == [
        "Sensitivity",
        "-0.310",
        "difference per month",
    ]
    assert 'alt="Forest plot of rate ratios"' in html


def results_rows(html: str) -> list[list[str]]:
    """Header and rows of the results table, as printed."""
    table = re.search(r"<caption>Intervention against comparison</caption>(.*?)</table>", html)
    assert table, "the report has a results table"
    return [
        [unescape(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table[1])
    ]


def test_every_p_value_has_the_hypothesis_it_tests_beside_it(report_run):
    header, *rows = results_rows(report_run.html)
    hypothesis, p = header.index("Hypothesis tested"), header.index("p value")
    assert hypothesis == p - 1, "the hypothesis sits just before the p value"
    assert len(rows) == len(report_run.warehouse.trial["results"])
    for row in rows:
        assert row[p] != "–"
        assert row[hypothesis] == "Superiority, two-sided (H0: ratio = 1)", row


def test_the_referral_row_names_its_one_sided_non_inferiority_test(
    data_dir, materialise_report, build_warehouse, page_row
):
    """As the trial writes them: each row's hypothesis, and the referral margin."""
    warehouse = build_warehouse(data_dir / "warehouse.duckdb", trial="built")
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute(
            """
            alter table trial.results add column hypothesis varchar default 'two-sided';
            alter table trial.results add column margin double;
            alter table trial.results add column se_type varchar default 'HC2';
            alter table trial.results add column boundary_z double default 2.797;
            update trial.results set hypothesis = 'superiority, two-sided' where is_primary;
            update trial.results set margin = 0.70, p_value = 0.0004, hypothesis =
                'non-inferiority, rate ratio above 0.7, one-sided at alpha/2'
                where outcome = 'referrals';
            """
        )
    html, _ = materialise_report(trial_report)
    header, *rows = results_rows(html)
    by_label = {row[0]: row for row in rows}
    referrals = by_label["Referrals · Negative binomial GEE"]
    hypothesis = header.index("Hypothesis tested")
    assert referrals[hypothesis] == "Non-inferiority, one-sided (H0: ratio ≤ 0.70)"
    assert referrals[hypothesis + 1] == "< 0.001"
    assert by_label["Email contacts · Negative binomial GEE"][hypothesis].startswith(
        "Superiority, two-sided"
    )
    assert "one-sided non-inferiority p < 0.001" in unescape(html)
    assert "A non-inferiority p value is one-sided at half the plan's alpha" in unescape(html)
    assert page_row(html, "Referrals · Negative binomial GEE") == referrals[1:]
    assert '<th class="txt">Standard error type</th>' in html
    assert '<th class="txt">Boundary z</th>' in html, "a column the report does not know is shown"
    assert ">2.797<" in html


def test_power_is_a_table_of_minimum_detectable_effects(report_run, page_row):
    power = report_run.warehouse.trial["power"].iloc[0]
    row = page_row(report_run.html, "Telephone contacts")
    per_month = power["mde_per_school_month"]
    assert row == [
        "Simulation (re-randomised)",
        "Superiority, two-sided",
        str(power["n_schools"]),
        str(power["months"]),
        f"{power['mde_rate_ratio']:.2f}",
        f"{per_month:.2f} fewer",
        f"{12 * per_month:.2f} fewer",
    ]


def test_no_table_cell_is_long_enough_to_wrap_over_four_lines(report_run):
    text = re.sub(r'src="data:[^"]*"', "", report_run.html)
    cells = [
        unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", text)
    ]
    assert cells
    assert max(len(cell) for cell in cells) <= 64, max(cells, key=len)


def test_a_broken_plan_is_named_and_the_report_still_builds(
    data_dir, materialise_report, build_warehouse, monkeypatch
):
    build_warehouse(data_dir / "warehouse.duckdb", trial="built")
    plan = data_dir / "trial_plan.yml"
    content = yaml.safe_load(PLAN.read_text())
    del content["strata"]
    plan.write_text(yaml.safe_dump(content))
    monkeypatch.setenv("MASH_TRIAL_PLAN", str(plan))
    html, _ = materialise_report(trial_report)
    assert f"Trial plan {plan}, `strata`: missing" in unescape(html)
    assert "Not randomised (no trial plan to give the reason)" in flow_text(html)
