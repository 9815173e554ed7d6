"""Wrong numbers fail blocking (error-severity) checks and stop what depends on them."""

from .conftest import TAMPERED_CHECKS

REPORTS = {
    "fct_school_month",
    "rpt_agency_type_summary",
    "rpt_channel_summary",
    "rpt_district_rates",
    "rpt_phone_sources",
    "rpt_school_year",
}


def test_broken_input_fails_error_checks_on_fct_contacts(broken):
    assert not broken.result.success
    failed = broken.failed_checks()
    # the second match for 'brook secondary' puts C2 in fct_contacts twice
    assert failed[("fct_contacts", "fct_contacts_reconciles_with_staging")] == "ERROR"
    assert failed[("fct_contacts", "unique_fct_contacts_contact_id")] == "ERROR"
    # C13 came by 'Carrier Pigeon': counted as 'other', listed in audit.unmapped_values
    assert ("fct_contacts", "fct_contacts_channel_is_known") not in failed
    assert broken.query("select count(*) from marts.fct_contacts where contact_id = 'C2'") == [(2,)]


def test_marts_downstream_of_a_failed_check_are_not_rebuilt(good, broken):
    materialized = broken.materialized()
    assert "fct_contacts" in materialized
    assert "stg_mash__contacts" in materialized  # staging passed its own checks
    assert not materialized & REPORTS
    for table in REPORTS:
        sql = f"select * from marts.{table} order by all"
        assert broken.query(sql) == good.query(sql), f"{table} was rebuilt"


def test_damaged_marts_fail_their_checks(tampered):
    assert not tampered.result.success
    assert tampered.materialized() == set()
    assert tampered.failed_checks() == {
        (key.asset_key.to_user_string(), key.name): "ERROR" for key in TAMPERED_CHECKS
    }
