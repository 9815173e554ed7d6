"""A value no seed knows goes to its bucket, is listed for an analyst and warns; it never
stops the build. Identifiers typed into free text never reach staging or the marts."""

import duckdb

from .fixture_data import SCRUB_CALLS_FILE, TYPED_IDENTIFIERS, WHATSAPP_FILE


def test_an_unknown_contact_method_builds_everything(unmapped):
    assert unmapped.result.success
    failed = unmapped.failed_checks()
    assert "ERROR" not in failed.values(), failed
    assert failed[("unmapped_values", "contact_methods_all_mapped")] == "WARN"
    assert "fct_school_month" in unmapped.materialized()
    assert unmapped.query("select channel from marts.fct_contacts where contact_id = 'C20'") == [
        ("other",)
    ]


def test_unknown_values_are_listed_with_counts_and_files(unmapped):
    rows = unmapped.query(
        "select seed, seed_key, occurrences, first_file, last_file from audit.unmapped_values "
        "where kind = 'contact_method' and value = 'WhatsApp'"
    )
    assert rows == [("contact_methods", "whatsapp", 1, WHATSAPP_FILE, WHATSAPP_FILE)]
    # K6 pressed 4 on 2019-01-13, before the menu had an option 4
    assert unmapped.query(
        "select value, occurrences from audit.unmapped_values where kind = 'ivr_option'"
    ) == [("4", 1)]
    # 'Pigeon Fanciers' (C6) is no referrer type the seeds know
    assert ("Pigeon Fanciers",) in unmapped.query(
        "select value from audit.unmapped_values where kind = 'referrer_type'"
    )


def test_a_result_the_call_results_seed_knows_becomes_the_contract_s(unmapped):
    assert unmapped.query(
        "select call_id, call_result from staging.stg_telephony__calls "
        "where call_id in ('K1', 'K22') order by call_id"
    ) == [("K1", "Answered"), ("K22", "Abandoned")]
    assert unmapped.query(
        "select seed, occurrences from audit.unmapped_values where kind = 'call_result'"
    ) == [("call_results", 1)]
    assert unmapped.failed_checks()[("unmapped_values", "call_results_all_mapped")] == "WARN"


def test_the_warning_check_keeps_the_values_it_lists(unmapped):
    rows = unmapped.query(
        "select value, occurrences from test_failures.contact_methods_all_mapped order by value"
    )
    assert ("WhatsApp", 1) in rows
    assert all(occurrences > 0 for _, occurrences in rows)


def test_a_fully_mapped_kind_does_not_warn(good):
    failed = good.failed_checks()
    assert ("unmapped_values", "contact_methods_all_mapped") not in failed
    assert good.query(
        "select count(*) from audit.unmapped_values where kind = 'contact_method'"
    ) == [(0,)]


def _text_columns(scenario, schemas):
    listed = ", ".join(f"'{schema}'" for schema in schemas)
    return scenario.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        f"where table_schema in ({listed}) and data_type = 'VARCHAR'"
    )


def test_identifiers_typed_into_free_text_reach_no_model(unmapped):
    columns = _text_columns(unmapped, ("staging", "intermediate", "marts", "audit"))
    assert columns
    with duckdb.connect(str(unmapped.warehouse), read_only=True) as connection:
        for schema, table, column in columns:
            if schema == "audit" and table != "unmapped_values":
                continue  # ingestion's audit tables are not dbt's
            found = connection.execute(
                f"select distinct identifier from {schema}.{table}, unnest(?) typed(identifier)"
                f' where contains("{column}", identifier)',
                [list(TYPED_IDENTIFIERS)],
            ).fetchall()
            assert found == [], f"{found} in {schema}.{table}.{column}"


def test_scrubbed_free_text_keeps_its_words(unmapped):
    [(team, outcome, method)] = unmapped.query(
        "select responsible_team, outcome, contact_method from marts.fct_contacts "
        "where contact_id = 'C21'"
    )
    assert team == "MASH team ring [phone] or mail [email], [postcode], re [id]"
    assert outcome.startswith("NFA ring [phone]")
    assert method.startswith("Phone ring [phone]")
    [(call_outcome,)] = unmapped.query(
        "select call_outcome from marts.fct_calls where call_id = 'K21'"
    )
    assert call_outcome == "Advice given ring [phone] or mail [email], [postcode], re [id]"
    assert unmapped.query(
        "select count(*) from staging.stg_telephony__calls where source_file = ?",
        [SCRUB_CALLS_FILE],
    ) == [(1,)]
