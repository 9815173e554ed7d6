"""The publish guard scans values: e-mail addresses, UK phone numbers, person ids and postcodes
in any text column refuse the publication, named by table and column; mart text does not."""

import duckdb
import pytest

from dagster_project import settings
from dagster_project.publishing import guard_violations

PERSONAL = {
    "e-mail addresses": ["called back on j.smith@example.org", "A.Khan+mash@school.sch.uk"],
    "UK phone numbers": [
        "rang 07700 900123 twice",
        "mum on 07700900123",
        "+44 7700 900123",
        "+44 (0)1926 410410",
        "0044 1926 410410",
        "(01926) 410410",
        "01926 410410",
        "024 7655 1234",
        "0121 496 0000",
        "020-7946-0000",
        "tel 01788.543.210",
    ],
    "person ids": [
        "re child 1234567",
        "child id 90012345 already open",
        "NHS no 943 476 5919",
        "UPN A123456789012 on file",
    ],
    "postcodes": ["lives at CV34 4PB", "moved to b1 1aa", "SW1A 1AA"],
}

#: Text the marts and audit tables legitimately hold.
LEGITIMATE = [
    "Eastshire Police",
    "St Mary's C of E Primary School",
    "Abbey C of E Infant School",
    "2017/18",
    "2017-09-01",
    "2017-09-01 14:30:00",
    "01/09/2017 10:00",
    "Referral to CSC - Single Assessment",
    "Professional: a child at risk of harm now (MASH)",
    "Ashbury and Fenley",
    "MASH Business Support",
    "loaded 12345 of 12400 rows; 55 rejected, see audit.rejected_rows",
    "1000000000",
    "0.125",
    "Year 6",
    "KS2",
    "contacts/export_2017-09.csv",
]


def _draft(tmp_path, values: list[str], column: str = "call_outcome"):
    path = tmp_path / "draft.duckdb"
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            f'CREATE TABLE marts.fct_calls (call_id VARCHAR, "{column}" VARCHAR, talk INTEGER)'
        )
        con.executemany(
            "INSERT INTO marts.fct_calls VALUES (?, ?, 1)",
            [[f"K{i}", value] for i, value in enumerate(values)],
        )
    return path


@pytest.mark.parametrize(
    ("what", "value"), [(what, value) for what, values in PERSONAL.items() for value in values]
)
def test_each_personal_value_is_refused_with_its_table_and_column(tmp_path, what, value):
    problems = guard_violations(_draft(tmp_path, ["Single Assessment", value]))

    assert f"marts.fct_calls.call_outcome: 1 value(s) hold what look like {what}" in problems
    assert not any(value in problem for problem in problems)


def test_legitimate_mart_text_passes(tmp_path):
    assert guard_violations(_draft(tmp_path, LEGITIMATE)) == []


def test_pseudonyms_and_record_ids_are_not_mistaken_for_personal_data(tmp_path):
    path = tmp_path / "keys.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            "CREATE TABLE marts.fct_contacts AS SELECT sha256('child ' || i) AS child_key, "
            "(170900000 + i)::VARCHAR AS contact_id, 'SCH' || (125000 + i) AS agency_id, "
            "uuid()::VARCHAR AS run_id FROM range(20000) t(i)"
        )
    assert guard_violations(path) == []


def test_counts_and_line_numbers_in_the_pipelines_own_sentences_pass(tmp_path):
    path = tmp_path / "sentences.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA audit")
        con.execute(
            "CREATE TABLE audit.loaded_files AS SELECT 'calls/backfill_20100101.csv' AS "
            "file_name, 'loaded 1234567 of 1234570 rows; 3 rejected' AS message"
        )
        con.execute(
            "CREATE TABLE audit.quarantined_files AS SELECT 'a record has 9 values where the "
            "header row has 10 (near line 2345678)' AS reason, "
            "'/srv/mash/quarantine/calls/backfill_20100101.csv' AS quarantine_path"
        )
        con.execute(
            "CREATE TABLE audit.rejected_rows AS SELECT 'talk_seconds' AS column_name, "
            "'1000000000' AS value, 'a call of more than 24 hours' AS reason"
        )
    assert guard_violations(path) == []


def test_the_pipelines_own_sentences_are_still_scanned_for_phones_and_e_mails(tmp_path):
    path = tmp_path / "sentences.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA audit")
        con.execute(
            "CREATE TABLE audit.quarantined_files AS SELECT 'header 07700 900123 unknown' "
            "AS reason UNION ALL SELECT 'header j@x.example.org unknown'"
        )
    assert sorted(guard_violations(path)) == [
        "audit.quarantined_files.reason: 1 value(s) hold what look like UK phone numbers",
        "audit.quarantined_files.reason: 1 value(s) hold what look like e-mail addresses",
    ]


def test_every_text_column_of_every_table_is_scanned(tmp_path):
    path = tmp_path / "many.duckdb"
    with duckdb.connect(str(path)) as con:
        for schema in ("marts", "audit", "trial"):
            con.execute(f"CREATE SCHEMA {schema}")
        con.execute(
            "CREATE TABLE marts.fct_contacts AS SELECT 'Team A' AS responsible_team, "
            "'ok' AS outcome UNION ALL SELECT 'Team B 07700 900123', 'ok'"
        )
        con.execute("CREATE TABLE audit.rejected_rows AS SELECT 'x@y.example.com' AS value")
        con.execute("CREATE TABLE trial.notes AS SELECT 'CV34 4PB' AS note, 'fine' AS other")

    problems = guard_violations(path)

    assert sorted(problems) == [
        "audit.rejected_rows.value: 1 value(s) hold what look like e-mail addresses",
        "marts.fct_contacts.responsible_team: 1 value(s) hold what look like UK phone numbers",
        "trial.notes.note: 1 value(s) hold what look like postcodes",
    ]


def test_publish_refuses_a_draft_with_a_phone_number_in_free_text(
    warehouse, run_publish, add_table, file_state
):
    assert run_publish(warehouse).success
    published = settings.published_path()
    before = file_state(published)
    add_table(
        warehouse,
        "CREATE TABLE marts.fct_calls AS SELECT 'K1' AS call_id, "
        "'Consultation - mum on 07700 900123' AS call_outcome",
    )

    result = run_publish(warehouse)

    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.message
    assert "Refusing to publish" in message
    assert "marts.fct_calls.call_outcome: 1 value(s) hold what look like UK phone numbers" in (
        message
    )
    assert "900123" not in message
    assert file_state(published) == before
