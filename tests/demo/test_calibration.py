"""The baseline year (2017/18) read back from the raw extracts reproduces the scoping
report's figures (docs/calibration.md) within its tolerances."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mash_demo.generate import write_demo_extracts
from tests.calibration_figures import AGENCY_TYPES, DISTRICTS


def assert_within(value: float, target: float, relative: float, what: str) -> None:
    assert abs(value - target) <= relative * target, (
        f"{what}: {value} not within {relative:.0%} of {target}"
    )


def check_volumes(baseline: pd.DataFrame) -> None:
    assert_within(len(baseline), 24926, 0.01, "contacts and referrals")
    referrals = int(baseline["is_referral"].sum())
    assert 4065 <= referrals <= 4195, f"referrals {referrals} outside 4,065-4,195"
    assert_within(int((baseline["agency_type"] == "Individual").sum()), 4759, 0.02, "individuals")
    assert_within(int(baseline["in_scope"].sum()), 20167, 0.01, "in scope")
    totals = baseline[baseline["in_scope"]].groupby("agency_type").size()
    for agency_type, (total, _) in AGENCY_TYPES.items():
        assert_within(int(totals.get(agency_type, 0)), total, 0.03, agency_type)


def test_volumes(baseline):
    check_volumes(baseline)


def test_volumes_for_a_second_seed(tmp_path, reader):
    write_demo_extracts(tmp_path / "landing", tmp_path / "truth", seed=7, end=date(2018, 9, 30))
    contacts, _ = reader.read_contacts(tmp_path / "landing")
    check_volumes(reader.in_baseline(contacts, "contact_at"))


def test_referral_shares_by_agency_type(baseline):
    shares = baseline[baseline["in_scope"]].groupby("agency_type")["is_referral"].mean()
    for agency_type, (total, referrals) in AGENCY_TYPES.items():
        assert abs(shares[agency_type] - referrals / total) <= 0.02, agency_type


def test_unknown_agency_type_is_rare(baseline):
    assert (baseline["agency_type"] == "Unknown").mean() < 0.005


def test_channels(baseline):
    shares = baseline["channel"].value_counts(normalize=True)
    for channel, target in {"phone": 0.44, "email": 0.41, "other": 0.15}.items():
        assert abs(shares[channel] - target) <= 0.02, channel


def test_phone_contacts_by_source(baseline):
    phone = baseline[
        baseline["in_scope"] & (baseline["channel"] == "phone") & ~baseline["is_referral"]
    ]
    shares = phone["agency_type"].value_counts(normalize=True)
    for agency_type, target in {
        "Schools": 0.482,
        "Health services": 0.214,
        "Police": 0.067,
    }.items():
        assert abs(shares[agency_type] - target) <= 0.03, agency_type


def test_districts(baseline):
    counts = baseline["childdistrict"].value_counts()
    for district, target in DISTRICTS.items():
        assert_within(int(counts[district]), target, 0.03, district)
    assert_within(
        len(baseline) - sum(int(counts[d]) for d in DISTRICTS), 3009, 0.05, "out of county or blank"
    )


def test_school_contacts_fall_in_august_and_holidays(baseline):
    schools = baseline[baseline["agency_type"] == "Schools"]
    by_month = schools.groupby(schools["contact_at"].dt.month).size()
    term_months = by_month[[10, 11, 3, 6]].mean()
    assert by_month[8] < 0.15 * term_months
    assert by_month[4] < by_month[3]  # Easter holidays
    assert by_month[12] < by_month[11]  # Christmas


@pytest.fixture(scope="module")
def per_school(generated, reader) -> pd.DataFrame:
    """Baseline contacts and referrals per referring school (truth: current URN)."""
    truth = reader.read_truth(generated["truth"], "contacts_truth.csv")
    truth["contact_at"] = pd.to_datetime(truth["contact_at"])
    schools = reader.in_baseline(truth, "contact_at").query("school_urn != ''")
    counts = schools.groupby("school_urn").size().rename("n").to_frame()
    register = reader.read_register(generated["landing"]).set_index("URN")
    counts["pupils"] = pd.to_numeric(
        register["NumberOfPupils"].reindex(counts.index), errors="coerce"
    )
    counts["fsm"] = pd.to_numeric(register["PercentageFSM"].reindex(counts.index), errors="coerce")
    return counts


def test_per_school_mean_and_spread(per_school):
    assert_within(per_school["n"].mean(), 11.5, 0.15, "mean per school")
    assert_within(per_school["n"].std(), 26, 0.15, "SD per school")
    assert (per_school["n"] <= 3).mean() > 0.3, "many schools with 1-3"
    assert (per_school["n"] >= 100).sum() >= 3, "a few schools with 100+"


def test_school_characteristics_known_for_about_198_and_193(per_school):
    assert_within(int(per_school["pupils"].notna().sum()), 198, 0.08, "schools with enrolment")
    assert_within(int(per_school["fsm"].notna().sum()), 193, 0.08, "schools with FSM")


@pytest.mark.parametrize("column, target", [("fsm", 0.4), ("pupils", 0.5)])
def test_correlation_with_school_characteristics(per_school, column, target):
    known = per_school[per_school[column].notna()]
    result = stats.pearsonr(known["n"], known[column])
    assert abs(result.statistic - target) <= 0.1
    assert result.pvalue < 0.001


def test_second_year_drifts_but_stays_similar(contacts, reader):
    at = contacts["contact_at"]
    second = contacts[(at >= reader.baseline[1]) & (at < pd.Timestamp("2019-09-01"))]
    first = reader.in_baseline(contacts, "contact_at")
    ratio = len(second) / len(first)
    assert 1.0 < ratio < 1.1
    assert not np.isclose(
        second["channel"].eq("phone").mean(), first["channel"].eq("phone").mean(), atol=0.002
    )
