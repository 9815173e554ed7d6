"""The marts on the hand-built data set: every expected figure is worked out by hand from
fixture_data (2017/18: C1-C6, C8-C10; 2018/19: C7, C11, C12)."""

from datetime import date

import pytest

from dagster_project.council import load_profile

from . import fixture_data
from .fixture_data import contacts, schools, seeded_agency


def test_run_succeeds_with_only_warnings_failing(good):
    assert good.result.success
    assert good.failed_checks() == {
        # C6 'Pigeon Fanciers' is 1 of 12 contacts: above the 5% allowed
        ("stg_mash__contacts", "unknown_agency_type_share_within_limit"): "WARN",
        # ... and a referrer type neither seed knows
        ("stg_mash__contacts", "referrer_type_known_to_the_seeds"): "WARN",
        # K6 pressed 4 the day before the menu had a 4
        ("fct_calls", "ivr_option_known_on_call_date"): "WARN",
        # ... and both are listed in audit.unmapped_values for an analyst
        ("unmapped_values", "referrer_types_all_mapped"): "WARN",
        ("unmapped_values", "ivr_options_all_mapped"): "WARN",
    }


def test_contacts_attributed_to_matched_agencies(good):
    police = seeded_agency("Police")
    rows = good.query(
        "select contact_id, agency_id, school_urn, match_method from marts.fct_contacts"
    )
    attributed = {contact_id: rest for contact_id, *rest in rows}
    assert attributed["C1"] == ["SCH100001", 100001, "exact"]
    # matched to Brook's old URN: counted under the academy it became
    assert attributed["C2"] == ["SCH140002", 140002, "fuzzy"]
    assert attributed["C3"] == [police.agency_id, None, "exact"]
    assert attributed["C4"] == [None, None, "unmatched"]  # matched as 'unmatched'
    assert attributed["C6"] == [None, None, "unmatched"]  # no match row at all
    assert attributed["C5"] == [None, None, "unmatched"]  # an individual
    assert attributed["C8"] == ["SCH100001", 100001, "override"]


def test_calls_read_with_the_menu_of_their_day(good):
    routes = dict(good.query("select call_id, ivr_route from marts.fct_calls"))
    assert routes["K1"] == "Member of the public"  # option 2 before 2019-01-14
    assert routes["K2"] == "Professional: advice, early help, not a safeguarding matter"
    assert routes["K3"] == "Professional: report a concern"
    assert routes["K4"] == "Existing case or social worker"  # option 4 on 2019-01-14
    assert routes["K6"] is None  # option 4 on 2019-01-13: not on that day's menu


def test_callers_attributed_by_number(good):
    police = seeded_agency("Police")
    rows = good.query("select call_id, school_urn, agency_id, contact_id from marts.fct_calls")
    calls = {call_id: rest for call_id, *rest in rows}
    assert calls["K1"] == [100001, "SCH100001", None]
    assert calls["K3"] == [100001, "SCH100001", "C7"]  # C7's call_reference
    # '+441788222222' is Brook's number (old and new URN): the academy
    assert calls["K5"] == [140002, "SCH140002", None]
    assert calls["K6"] == [100003, "SCH100003", None]  # register has '+44 (0)24 ...'
    assert calls["K2"] == [None, police.agency_id, None]
    assert calls["K7"] == [None, None, None]  # two schools share that number
    assert calls["K4"] == [None, None, None]  # an individual
    assert good.query("select call_id from marts.fct_contacts where contact_id = 'C7'") == [("K3",)]


def test_school_month_grid_is_complete_with_zeros(good):
    # 6 schools in dim_school; months 2017-09 (C1) to 2019-02 (K2): 18
    assert good.query("select count(*) from marts.dim_school") == [(6,)]
    assert good.query(
        "select count(*), count(distinct month_start), min(month_start), max(month_start)"
        " from marts.fct_school_month"
    ) == [(108, 18, date(2017, 9, 1), date(2019, 2, 1))]
    cells = {
        (urn, month): rest
        for urn, month, *rest in good.query(
            "select school_urn, month_start, phone_contacts, email_contacts, other_contacts,"
            " referrals, contacts_and_referrals, calls_attributed from marts.fct_school_month"
        )
    }
    assert cells[(100001, date(2017, 9, 1))] == [1, 0, 0, 0, 1, 0]  # C1
    assert cells[(100001, date(2018, 4, 1))] == [0, 0, 0, 1, 1, 0]  # C8, a referral
    assert cells[(100001, date(2018, 9, 1))] == [1, 0, 0, 0, 1, 1]  # C7 and its call K3
    assert cells[(100001, date(2018, 12, 1))] == [0, 0, 0, 0, 0, 1]  # K1
    assert cells[(140002, date(2017, 10, 1))] == [0, 0, 0, 1, 1, 0]  # C2
    assert cells[(140002, date(2018, 5, 1))] == [1, 0, 0, 0, 1, 0]  # C9
    assert cells[(140002, date(2018, 10, 1))] == [0, 0, 0, 0, 0, 1]  # K5
    assert cells[(100003, date(2019, 1, 1))] == [0, 0, 0, 0, 0, 1]  # K6
    assert all(value == 0 for (urn, _), row in cells.items() if urn == 100002 for value in row)
    assert good.query(
        "select sum(contacts_and_referrals), sum(calls_attributed) from marts.fct_school_month"
    ) == [(5, 4)]


def test_dimensions(good):
    schools_ = {
        urn: rest
        for urn, *rest in good.query(
            "select school_urn, successor_urn, is_current, size_band from marts.dim_school"
        )
    }
    assert schools_[100002] == [140002, False, "large"]
    assert schools_[140002] == [None, True, "large"]
    agencies = dict(good.query("select agency_id, school_urn from marts.dim_agency"))
    assert {key for key in agencies if key.startswith("SCH")} == {
        "SCH100001",
        "SCH140002",
        "SCH100003",
        "SCH100006",
        "SCH100007",
    }
    assert agencies["SCH140002"] == 140002
    assert seeded_agency("Police").agency_id in agencies


def _report(good, table: str, key: str, columns: str) -> dict:
    rows = good.query(f"select academic_year, {key}, {columns} from marts.{table}")
    return {(year, name): tuple(rest) for year, name, *rest in rows}


def test_agency_type_summary(good):
    summary = _report(
        good,
        "rpt_agency_type_summary",
        "agency_type",
        "total, contacts, referrals, pct_referrals, pct_of_in_scope",
    )
    # in scope 2017/18: Schools C1 C2 C8 C9, Police C3, Health C4, Unknown C6
    assert summary[("2017/18", "Schools")] == (4, 2, 2, 50.0, pytest.approx(400 / 7))
    assert summary[("2017/18", "Police")] == (1, 0, 1, 100.0, pytest.approx(100 / 7))
    assert summary[("2017/18", "Health services")] == (1, 1, 0, 0.0, pytest.approx(100 / 7))
    assert summary[("2017/18", "Unknown")] == (1, 0, 1, 100.0, pytest.approx(100 / 7))
    assert summary[("2017/18", "Legal services")] == (0, 0, 0, None, 0.0)
    assert summary[("2018/19", "Housing or housing association")][:3] == (1, 1, 0)
    assert summary[("2018/19", "Health services")][:3] == (1, 0, 1)
    assert {agency_type for _, agency_type in summary} == {
        "Schools",
        "Education services",
        "Health services",
        "Housing or housing association",
        "LA services",
        "External sources",
        "Police",
        "Legal services",
        "Other (VCS)",
        "Unknown",
    }


def test_channel_summary(good):
    channels = _report(good, "rpt_channel_summary", "channel", "contacts_and_referrals, pct")
    # 2017/18, all nine: phone C1 C3 C5 C9; email C2 C6; other C4 C8 C10
    assert channels[("2017/18", "phone")] == (4, pytest.approx(400 / 9))
    assert channels[("2017/18", "email")] == (2, pytest.approx(200 / 9))
    assert channels[("2017/18", "other")] == (3, pytest.approx(300 / 9))
    assert channels[("2018/19", "phone")] == (1, pytest.approx(100 / 3))


def test_district_rates(good):
    population = {district.name: district.population_0_17 for district in load_profile().districts}
    rates = _report(
        good, "rpt_district_rates", "district", "contacts_and_referrals, population_0_17, per_head"
    )
    a = fixture_data.DISTRICT_A
    assert rates[("2017/18", a)] == (2, population[a], 2 / population[a])
    assert rates[("2017/18", fixture_data.DISTRICT_B)][0] == 3  # C2 C9 C10
    assert rates[("2017/18", fixture_data.DISTRICT_D)][0] == 1  # C4
    assert rates[("2017/18", fixture_data.DISTRICT_E)][0] == 0
    # C5 'Out of County' and C6 blank
    assert rates[("2017/18", "Out of county or blank")] == (2, None, None)
    assert len([key for key in rates if key[0] == "2017/18"]) == len(population) + 1


def test_phone_sources(good):
    sources = _report(good, "rpt_phone_sources", "agency_type", "phone_contacts, pct")
    # in-scope phone contacts that are not referrals, 2017/18: C1 and C9 (C3 is a referral)
    assert sources[("2017/18", "Schools")] == (2, 100.0)
    assert sources[("2017/18", "Police")] == (0, 0.0)
    assert sources[("2018/19", "Schools")] == (1, 100.0)


def test_school_year(good):
    rows = good.query(
        "select academic_year, school_urn, contacts_and_referrals, referrals, pupils"
        " from marts.rpt_school_year"
    )
    assert sorted(rows) == [
        ("2017/18", 100001, 2, 1, 160),
        ("2017/18", 140002, 2, 1, 900),
        ("2018/19", 100001, 1, 0, 160),
    ]


FORBIDDEN_COLUMNS = {
    "referrer_name",
    "referrer_name_key",
    "referrer_address",
    "caller_number",
    "child_id",
    "telephone_number",
}


def test_marts_hold_no_referrer_text_or_raw_numbers(good):
    columns = good.query(
        "select table_name, column_name, data_type from information_schema.columns"
        " where table_schema = 'marts'"
    )
    assert not {column for _, column, _ in columns} & FORBIDDEN_COLUMNS
    # the fixture's personal free text: a person's name and a street address
    personal = ["smith", "high street"]
    assert any(
        word in (row.get("referrer_name") or "").lower() for row in contacts() for word in personal
    )
    numbers = {"01926111111", "01788222222", "02476333333", "01926777777"}
    for table, column, data_type in columns:
        if data_type == "VARCHAR":
            values = {
                (value or "").lower()
                for (value,) in good.query(f'select distinct "{column}" from marts.{table}')
            }
            assert not values & numbers, f"marts.{table}.{column} holds a phone number"
            leaks = [value for value in values for word in personal if word in value]
            assert not leaks, f"marts.{table}.{column} holds referrer text: {leaks}"


def test_materialisations_carry_row_counts(good):
    counted = {
        event.asset_key.to_user_string(): event.materialization.metadata["dagster/row_count"].value
        for event in good.result.get_asset_materialization_events()
    }
    assert counted["fct_school_month"] == 108
    assert counted["fct_contacts"] == 12
    assert counted["stg_gias__schools"] == len({row["urn"] for row in schools()}) - 2
