"""`mash simulate --effect 0.75` recovers the planted effect, and referrals hold up."""

from dagster_project.trial.plan import load_plan


def results(played_trial):
    return played_trial.query("select * from trial.results").set_index(["outcome", "model"])


def test_primary_confidence_interval_contains_the_planted_rate_ratio(played_trial):
    primary = results(played_trial).query("is_primary").iloc[0]
    assert primary["ci_low"] <= played_trial.planted_rate_ratio <= primary["ci_high"], primary
    assert primary["ci_high"] < 1, "a planted 25% fall should be detected"
    assert not primary["is_interim"]
    assert "contains the planted rate ratio" in played_trial.stdout


def test_referrals_come_out_non_inferior(played_trial):
    margin = next(o for o in load_plan().secondary_outcomes if o.column == "referrals").margin
    referrals = results(played_trial).loc[("referrals", "poisson_qmle")]
    assert referrals["ci_low"] > margin, referrals
    assert referrals["conclusion"].startswith("non-inferior"), referrals["conclusion"]


def test_every_school_randomised_once_and_the_reports_exist(played_trial):
    assignment = played_trial.query("select school_urn, arm from trial.assignment")
    assert assignment["school_urn"].is_unique
    assert set(assignment["arm"]) == {"intervention", "comparison"}
    for report in ("demand_report.html", "trial_report.html"):
        assert (played_trial.data_dir / "reports" / report).stat().st_size > 10_000
