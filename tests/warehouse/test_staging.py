"""Staging and intermediate models on the hand-built data set (see fixture_data)."""

import duckdb

from dagster_project.matching.referrer_keys import read_referrer_names

from . import fixture_data
from .raw_layer import TEST_KEY


def _contacts(good, columns: str) -> dict[str, tuple]:
    rows = good.query(f"select contact_id, {columns} from staging.stg_mash__contacts")
    return {row[0]: row[1:] for row in rows}


def test_one_row_per_contact_and_call(good):
    assert good.query("select count(*) from staging.stg_mash__contacts") == [(12,)]
    assert good.query("select count(*) from staging.stg_telephony__calls") == [(7,)]


def test_latest_version_wins(good):
    latest = _contacts(good, "outcome, is_referral, channel")
    # C2 became a referral: its newer record_updated_at (and later file) wins
    assert latest["C2"] == ("Referral to CSC - Single Assessment", True, "email")
    # C8 has no record_updated_at: the later file wins
    assert latest["C8"] == ("Single Assessment", True, "other")
    # C9's newer record_updated_at sits in the earlier file and still wins
    assert latest["C9"] == ("NFA", False, "phone")
    # C12 twice in one file without timestamps: the later row wins
    assert latest["C12"] == ("Referral to CSC", True, "email")
    calls = good.query("select call_result from staging.stg_telephony__calls where call_id = 'K5'")
    assert calls == [("Answered",)]


def test_channel_from_contact_methods_seed(good):
    channels = {key: value[0] for key, value in _contacts(good, "channel").items()}
    assert channels == {
        "C1": "phone",  # Telephone
        "C2": "email",  # Email
        "C3": "phone",  # Tel
        "C4": "other",  # Online Form
        "C5": "phone",  # Phone
        "C6": "email",  # E-mail
        "C7": "phone",
        "C8": "other",  # Letter
        "C9": "phone",
        "C10": "other",  # Letter
        "C11": "other",  # Fax
        "C12": "email",
    }


def test_referrer_type_to_cin_code_and_agency_type(good):
    coded = _contacts(good, "cin_code, agency_type, in_scope")
    assert coded["C1"] == ("2A", "Schools", True)  # '2A - Schools'
    assert coded["C2"] == ("2A", "Schools", True)  # 'School'
    assert coded["C3"] == ("6", "Police", True)  # '6'
    assert coded["C4"] == ("3A", "Health services", True)  # 'Health - GP'
    assert coded["C5"] == ("1A", "Individual", False)  # 'Family Member'
    assert coded["C6"] == (None, "Unknown", True)  # 'Pigeon Fanciers'
    assert coded["C10"] == ("9", "Individual", False)  # 'Anonymous'
    assert coded["C11"] == ("4", "Housing or housing association", True)  # '4 - Housing'
    assert coded["C12"] == ("3B", "Health services", True)  # '3B'


def test_referral_flag_outranks_outcome(good):
    referral = _contacts(good, "is_referral, is_referral_basis")
    assert referral["C3"] == (True, "outcome")  # Strategy Discussion
    assert referral["C4"] == (False, "recorded")  # 'N' despite a referral outcome
    assert referral["C6"] == (True, "recorded")  # 'Yes' despite NFA
    assert referral["C10"] == (False, "outcome")  # Already Open Case


def test_calendar_columns(good):
    dates = _contacts(good, "cast(month_start as varchar), academic_year")
    assert dates["C1"] == ("2017-09-01", "2017/18")
    assert dates["C10"] == ("2018-06-01", "2017/18")
    assert dates["C7"] == ("2018-09-01", "2018/19")


def test_child_district_spelt_as_the_population_seed(good):
    districts = _contacts(good, "child_district")
    assert districts["C4"] == (fixture_data.DISTRICT_D,)  # typed otherwise
    assert districts["C5"] == ("Out of County",)
    assert districts["C6"] == (None,)  # blank


def test_referrer_names_of_agency_contacts(good):
    """The names the matcher reads: from raw, per agency type of the staged contacts."""
    with duckdb.connect(str(good.warehouse), read_only=True) as connection:
        names = read_referrer_names(connection, TEST_KEY).names
    names = names.astype({"first_seen_at": str, "last_seen_at": str})
    columns = ["referrer_name_key", "agency_type", "occurrences", "first_seen_at", "last_seen_at"]
    by_key = {(key, agency_type): rest for key, agency_type, *rest in names[columns].to_numpy()}
    assert set(by_key) == {
        ("mrs a smith (dsl) - abbey primary", "Schools"),
        ("brook secondary", "Schools"),
        (fixture_data.POLICE_REFERRER.lower(), "Police"),
        ("dr who surgery", "Health services"),
        ("pigeon fanciers club", "Unknown"),
        ("abbey primary", "Schools"),
        ("brook academy", "Schools"),
        ("orbit housing", "Housing or housing association"),
        ("health visitor team", "Health services"),
    }  # individuals (C5 'John Smith') left out
    assert by_key[("abbey primary", "Schools")] == [
        2,
        "2018-04-16 10:00:00",
        "2018-09-10 10:05:00",
    ]


def test_schools_of_configured_authorities_in_the_data_window(good):
    schools = good.query(
        "select urn, pupils, size_band, fsm_band, telephone_number from staging.stg_gias__schools"
    )
    by_urn = {urn: rest for urn, *rest in schools}
    # 100004: LA 999 not configured; 100005: closed in 2010, before the first contact
    assert set(by_urn) == {100001, 100002, 140002, 100003, 100006, 100007}
    assert by_urn[100001] == [160, "small", "medium", "01926111111"]  # the later register
    assert by_urn[140002] == [900, "large", "high", "01788222222"]  # '+44 1788 222222'
    assert by_urn[100003][3] == "02476333333"  # '+44 (0)24 7633 3333'
    assert by_urn[100006][:3] == [None, "unknown", "unknown"]


def test_school_town_is_read_from_the_register_extras(good):
    towns = dict(good.query("select urn, town from staging.stg_gias__schools"))
    assert towns[100001] == fixture_data.TOWN  # padded in the latest register's Town column
    assert towns[140002] is None  # a blank Town
    assert towns[100006] is None  # no Town column at all


def test_academy_conversion_followed_to_current_urn(good):
    successors = dict(
        good.query("select urn, current_urn from intermediate.int_schools__successors")
    )
    assert successors[100002] == 140002
    assert successors[140002] == 140002
    assert successors[100001] == 100001
