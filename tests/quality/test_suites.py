"""Each suite passes on good data, and each kind of breakage fails the expectation meant for it."""

import duckdb
import pytest

from dagster_project.council import load_profile
from dagster_project.council_tables import write_council_tables
from dagster_project.quality import (
    BLOCKING,
    WARNING,
    load_suite,
    run_suite,
    suite_names,
    validate_table,
)

TABLES = [
    "raw.contacts",
    "raw.calls",
    "raw.schools",
    "marts.fct_contacts",
    "marts.fct_school_month",
    "marts.rpt_district_rates",
    "marts.dim_school",
]


def test_one_suite_per_checked_table_each_with_documented_severities():
    assert set(suite_names()) == set(TABLES)
    for name in TABLES:
        suite = load_suite(name)
        assert BLOCKING in {e["severity"] for e in suite.expectations}, name
        assert set(suite.meta["severity"]) == {BLOCKING, WARNING}, name
        assert all(e.get("notes") for e in suite.expectations), name


def test_every_suite_passes_on_good_data(connection):
    for name in TABLES:
        result = run_suite(name, connection)
        assert result.success, (name, result.failures_markdown())
        assert result.evaluated == len(load_suite(name).expectations)
        assert result.row_count and result.row_count > 0


BREAKAGES = [
    # (suite, SQL that breaks the good data, (expectation, column) that must fail, severity)
    (
        "raw.contacts",
        "UPDATE raw.contacts SET child_key = 'CHILD-000123' WHERE contact_id = 'C2'",
        ("unexpected_rows_expectation", "child_key"),
        BLOCKING,
    ),
    (
        "raw.contacts",
        "UPDATE raw.contacts SET contact_at = loaded_at + INTERVAL 1 DAY WHERE contact_id = 'C3'",
        ("expect_column_pair_values_a_to_be_greater_than_b", "loaded_at, contact_at"),
        WARNING,
    ),
    (
        "raw.calls",
        "UPDATE raw.calls SET wait_seconds = -5 WHERE call_id = 'K1'",
        ("expect_column_values_to_be_between", "wait_seconds"),
        BLOCKING,
    ),
    (
        "raw.calls",
        "UPDATE raw.calls SET caller_key = '07700900123' WHERE call_id = 'K2'",
        ("unexpected_rows_expectation", "caller_key"),
        BLOCKING,
    ),
    (
        "raw.calls",
        "UPDATE raw.calls SET talk_seconds = 2 * 86400 WHERE call_id = 'K1'",
        ("expect_column_values_to_be_between", "talk_seconds"),
        WARNING,
    ),
    (
        "raw.schools",
        "UPDATE raw.schools SET la_code = 'WK1' WHERE urn = 125000",
        ("unexpected_rows_expectation", "la_code"),
        WARNING,
    ),
    (
        "raw.schools",
        "UPDATE raw.schools SET percentage_fsm = 120 WHERE urn = 125000",
        ("expect_column_values_to_be_between", "percentage_fsm"),
        WARNING,
    ),
    (
        "marts.fct_contacts",
        "UPDATE marts.fct_contacts SET academic_year = '2001/02' WHERE contact_id = 'C4'",
        ("expect_column_pair_values_to_be_equal", "academic_year, expected_academic_year"),
        BLOCKING,
    ),
    (
        "marts.fct_contacts",
        "UPDATE marts.fct_contacts SET in_scope = true WHERE agency_type = 'Individual'",
        ("expect_column_pair_values_to_be_equal", "in_scope, expected_in_scope"),
        BLOCKING,
    ),
    (
        "marts.fct_contacts",
        "UPDATE marts.fct_contacts SET agency_type = 'Unknown' WHERE in_scope",
        ("expect_column_values_to_not_be_in_set", "agency_type"),
        WARNING,
    ),
    (
        "marts.fct_school_month",
        "UPDATE marts.fct_school_month SET referrals = -1 WHERE school_urn = 125000",
        ("expect_column_values_to_be_between", "referrals"),
        BLOCKING,
    ),
    (
        "marts.fct_school_month",
        "UPDATE marts.fct_school_month SET phone_contacts = 0, email_contacts = 0, "
        "other_contacts = 0, referrals = 0, contacts_and_referrals = 0",
        ("expect_column_max_to_be_between", "contacts_and_referrals"),
        WARNING,
    ),
    (
        "marts.rpt_district_rates",
        "UPDATE marts.rpt_district_rates SET per_head = per_head * 10",
        ("expect_column_values_to_be_between", "per_head_difference"),
        BLOCKING,
    ),
    (
        "marts.dim_school",
        "UPDATE marts.dim_school SET pupils = 0 WHERE pupils IS NOT NULL",
        ("expect_column_values_to_be_between", "pupils"),
        BLOCKING,
    ),
    (
        "marts.dim_school",
        "UPDATE marts.dim_school SET pct_fsm = 150 WHERE pct_fsm IS NOT NULL",
        ("expect_column_values_to_be_between", "pct_fsm"),
        BLOCKING,
    ),
]


@pytest.mark.parametrize(
    ("suite", "breakage", "expected", "severity"),
    BREAKAGES,
    ids=[
        f"{suite}:{expected[1] or 'columns'}:{severity}"
        for suite, _, expected, severity in BREAKAGES
    ],
)
def test_breakage_fails_the_expectation_meant_for_it(
    connection, suite, breakage, expected, severity
):
    connection.execute(breakage)
    result = run_suite(suite, connection, severity=severity)
    assert not result.success
    assert expected in result.failed_columns(), result.failures_markdown()
    assert {failure.severity for failure in result.failures} == {severity}


def test_unexpected_coded_value_is_shown_with_the_row_it_came_from(connection):
    connection.execute("UPDATE raw.schools SET urn = 0 WHERE source_row = 4")
    result = run_suite("raw.schools", connection, severity=BLOCKING)
    (failure,) = result.failures
    assert failure.unexpected_count == 1
    assert failure.unexpected_values == ("0 (1)",)
    assert failure.example_rows == ("source_file=schools/edubase.csv, source_row=4",)
    assert "0 (1)" in result.failures_markdown()


def test_free_text_and_pseudonyms_never_leave_the_validation(connection, free_text_sentinel):
    """The row holding free text fails several expectations; none of its values is shown."""
    connection.execute(
        f"""
        UPDATE raw.contacts
        SET child_key = 'CHILD-000123', referrer_type = 'Neighbour {free_text_sentinel}',
            source_sha256 = 'not a hash', contact_at = loaded_at + INTERVAL 1 DAY
        WHERE referrer_name LIKE '%{free_text_sentinel}%'
        """
    )
    result = run_suite("raw.contacts", connection)
    assert {failure.column for failure in result.failures} >= {"child_key", "source_sha256"}
    shown = repr(result) + result.failures_markdown()
    for secret in (free_text_sentinel, "CHILD-000123", "not a hash"):
        assert secret not in shown


def test_a_published_denominator_out_of_line_with_ons_is_flagged(connection):
    """Rates built from the shipped profile's published populations, one of which is far
    below its ONS estimate (docs/calibration.md)."""
    profile = load_profile()
    write_council_tables(connection, profile)
    connection.execute(
        """
        CREATE OR REPLACE TABLE marts.rpt_district_rates AS
        SELECT '2017/18' AS academic_year, district, 1000 AS contacts_and_referrals,
               population_0_17, round(1000 / population_0_17, 2) AS per_head,
               ons_population_0_17
        FROM council.districts
        UNION ALL
        SELECT '2017/18', 'Out of county or blank', 300, NULL, NULL, NULL
        """
    )
    out_of_line = [
        district.name
        for district in profile.districts
        if not 0.5 <= district.population_0_17 / district.ons_population_0_17 <= 2
    ]
    assert out_of_line

    assert run_suite("marts.rpt_district_rates", connection, severity=BLOCKING).success
    result = run_suite("marts.rpt_district_rates", connection, severity=WARNING)
    (failure,) = result.failures
    assert failure.column == "population_ratio"
    assert failure.unexpected_count == len(out_of_line)
    assert set(failure.example_rows) == {
        f"academic_year=2017/18, district={district}" for district in out_of_line
    }


def test_missing_table_is_a_failure_not_an_exception(tmp_path):
    with duckdb.connect(str(tmp_path / "empty.duckdb")) as connection:
        result = run_suite("marts.dim_school", connection, severity=BLOCKING)
    assert not result.success
    assert "marts.dim_school does not exist" in result.error
    assert "marts.dim_school" in result.failures_markdown()


def test_validation_shares_the_database_a_writer_in_this_process_holds(warehouse):
    """While the run holds the file open for writing, a check's own connection to it (the
    DuckDB resource's) and the SQL data source on that connection validate the table."""
    with duckdb.connect(str(warehouse)) as writer:
        writer.execute("UPDATE raw.calls SET talk_seconds = 2 * 86400 WHERE call_id = 'K1'")
        with duckdb.connect(str(warehouse)) as check_connection:
            results = validate_table("raw.calls", check_connection)
        writer.execute("UPDATE raw.calls SET talk_seconds = 240 WHERE call_id = 'K1'")
    assert results[BLOCKING].success
    assert ("expect_column_values_to_be_between", "talk_seconds") in results[
        WARNING
    ].failed_columns()


def test_validation_on_a_read_only_connection(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        results = validate_table("marts.fct_contacts", connection)
    assert all(result.success for result in results.values())
    assert sum(result.evaluated for result in results.values()) == len(
        load_suite("marts.fct_contacts").expectations
    )
