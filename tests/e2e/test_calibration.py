"""The demo warehouse reproduces the scoping report's 2017/18 figures (calibration.md),
read from the marts analysts use."""

import pytest

from tests.calibration_figures import AGENCY_TYPES, DISTRICTS

YEAR = "2017/18"


def within(value: float, target: float, relative: float) -> bool:
    return abs(value - target) <= relative * target


def test_volumes(played_trial):
    contacts = played_trial.query(
        "select count(*) as n, count(*) filter (where is_referral) as referrals, "
        "count(*) filter (where not in_scope) as out_of_scope, "
        "count(*) filter (where in_scope) as in_scope "
        "from marts.fct_contacts where academic_year = ?",
        [YEAR],
    ).iloc[0]
    assert within(contacts["n"], 24926, 0.01), contacts
    assert 4065 * 0.97 <= contacts["referrals"] <= 4195 * 1.03, contacts
    assert within(contacts["out_of_scope"], 4759, 0.02), contacts
    assert within(contacts["in_scope"], 20167, 0.01), contacts


def test_agency_type_summary(played_trial):
    table = played_trial.query(
        "select * from marts.rpt_agency_type_summary where academic_year = ?", [YEAR]
    ).set_index("agency_type")
    for agency_type, (total, referrals) in AGENCY_TYPES.items():
        row = table.loc[agency_type]
        assert within(row["total"], total, 0.03), (agency_type, row["total"], total)
        assert row["contacts"] + row["referrals"] == row["total"]
        assert abs(row["pct_referrals"] - 100 * referrals / total) <= 2, (agency_type, row)


def test_channel_summary(played_trial):
    table = played_trial.query(
        "select channel, pct from marts.rpt_channel_summary where academic_year = ?", [YEAR]
    ).set_index("channel")["pct"]
    assert table.sum() == pytest.approx(100)
    for channel, pct in {"phone": 44, "email": 41, "other": 15}.items():
        assert abs(table[channel] - pct) <= 2, (channel, table[channel])


def test_phone_sources(played_trial):
    table = played_trial.query(
        "select agency_type, pct from marts.rpt_phone_sources where academic_year = ?", [YEAR]
    ).set_index("agency_type")["pct"]
    for agency_type, pct in {"Schools": 48.2, "Health services": 21.4, "Police": 6.7}.items():
        assert abs(table[agency_type] - pct) <= 3, (agency_type, table[agency_type])


def test_district_rates(played_trial):
    table = played_trial.query(
        "select * from marts.rpt_district_rates where academic_year = ?", [YEAR]
    ).set_index("district")
    for district, count in DISTRICTS.items():
        row = table.loc[district]
        assert within(row["contacts_and_referrals"], count, 0.03), (district, row)
        assert row["per_head"] == pytest.approx(
            row["contacts_and_referrals"] / row["population_0_17"]
        )


def test_school_distribution(played_trial):
    from scipy import stats

    schools = played_trial.query(
        "select school_urn, count(*) as n, any_value(d.pupils) as pupils, "
        "any_value(d.pct_fsm) as pct_fsm "
        "from marts.fct_contacts c join marts.dim_school d using (school_urn) "
        "where c.academic_year = ? group by school_urn",
        [YEAR],
    )
    assert within(schools["n"].mean(), 11.5, 0.15), schools["n"].mean()
    assert within(schools["n"].std(), 26, 0.15), schools["n"].std()
    with_pupils = schools.dropna(subset=["pupils"])
    with_fsm = schools.dropna(subset=["pct_fsm"])
    r_pupils, p_pupils = stats.pearsonr(with_pupils["n"], with_pupils["pupils"])
    r_fsm, p_fsm = stats.pearsonr(with_fsm["n"], with_fsm["pct_fsm"])
    assert abs(r_pupils - 0.5) <= 0.1 and p_pupils < 0.001, (r_pupils, len(with_pupils))
    assert abs(r_fsm - 0.4) <= 0.1 and p_fsm < 0.001, (r_fsm, len(with_fsm))
