"""Child ids and individuals' phone numbers are pseudonymised on load and never written
anywhere: not in any table, not in the logs, not in quarantine reason files."""

import logging
import os
import stat

import duckdb
import pytest

from dagster_project import settings
from dagster_project.ingest.landing import ingest_calls
from dagster_project.pseudonymise import pseudonymise

CHILD_IDS = ("CHILD-SECRET-1", "CHILD-SECRET-2", "CHILD-SECRET-3", "CHILD-SECRET-4")
SCHOOL_NUMBER = "01926 410410"
PERSONAL_NEEDLES = ("CHILD-SECRET", "7700900123", "7700 900123", "7700900456", "7700 900456")


@pytest.fixture(scope="module")
def loaded(module_env, rows):
    env = module_env
    env.drop_csv(
        "contacts/01_contacts.csv",
        rows.contacts(
            {"contact_id": "C1", "child_id": CHILD_IDS[0]},
            {"contact_id": "C2", "child_id": CHILD_IDS[1], "contact_datetime": "01/01/2999"},
        ),
    )
    env.drop_xlsx(
        "contacts/02_contacts.xlsx", rows.contacts({"contact_id": "C3", "child_id": CHILD_IDS[2]})
    )
    without_outcome = [row[:-1] for row in rows.contacts({"child_id": CHILD_IDS[3]})]
    env.drop_csv("contacts/03_no_outcome.csv", without_outcome)
    env.drop_csv("schools/edubase.csv", rows.schools({"TelephoneNum": SCHOOL_NUMBER}))
    env.drop_csv(
        "calls/01_calls.csv",
        rows.calls(
            {"call_id": "K1", "caller_number": "07700 900123"},
            {"call_id": "K2", "caller_number": "+44 7700 900456"},
            {"call_id": "K3", "caller_number": "+44 (0)1926 410410"},
            {"call_id": "K4", "caller_number": "07700 900123", "wait_seconds": "-1"},
            {"call_id": "K5", "caller_number": "Withheld"},
        ),
    )
    result, messages = env.materialize()
    assert result.success
    return env, messages


def test_child_ids_become_keyed_pseudonyms(loaded):
    env, _ = loaded
    assert dict(env.query("SELECT contact_id, child_key FROM raw.contacts")) == {
        "C1": pseudonymise(CHILD_IDS[0]),
        "C3": pseudonymise(CHILD_IDS[2]),
    }


def test_only_organisations_keep_their_number(loaded):
    env, _ = loaded
    assert env.query("SELECT call_id, caller_key, caller_number FROM raw.calls ORDER BY 1") == [
        ("K1", pseudonymise("07700900123"), None),
        ("K2", pseudonymise("07700900456"), None),
        ("K3", pseudonymise("01926410410"), "01926410410"),
        ("K5", None, None),
    ]


def test_no_personal_value_in_any_text_column_of_any_table(loaded):
    with duckdb.connect(str(settings.warehouse_path()), read_only=True) as conn:
        columns = conn.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
            "WHERE NOT internal AND data_type IN ('VARCHAR', 'JSON')"
        ).fetchall()
        assert len({(schema, table) for schema, table, _ in columns}) == 9
        for schema, table, column in columns:
            for needle in PERSONAL_NEEDLES:
                [(found,)] = conn.execute(
                    f'SELECT count(*) FROM {schema}.{table} WHERE "{column}"::VARCHAR ILIKE ?',
                    [f"%{needle}%"],
                ).fetchall()
                assert found == 0, f"{needle!r} in {schema}.{table}.{column}"


def test_no_personal_value_in_logs_or_reason_files(loaded):
    env, messages = loaded
    reason_files = list(settings.quarantine_dir().rglob("*.reason.txt"))
    assert [path.name for path in reason_files] == ["03_no_outcome.csv.reason.txt"]
    texts = messages + [path.read_text() for path in reason_files]
    assert any("01_contacts.csv row 3 column contact_datetime" in text for text in texts)
    for needle in PERSONAL_NEEDLES:
        assert not any(needle in text for text in texts), needle


def test_key_file_is_private_and_outside_the_repository(loaded):
    env, _ = loaded
    assert env.key_file.exists()
    assert stat.S_IMODE(os.stat(env.key_file).st_mode) == 0o600
    assert settings.PROJECT_ROOT not in env.key_file.parents
    assert env.data_dir not in env.key_file.parents


def test_agency_switchboard_numbers_are_kept(ingest_env, rows, tmp_path):
    agencies = tmp_path / "agencies.csv"
    agencies.write_text(
        "agency_id,agency_name,agency_type,cin_code,aliases,telephone,district\n"
        "POL001,Eastshire Police,Police,6,EP|Police,01926 415000,\n"
        "HLT001,Ashbury Hospital,Health services,3C,AH,,Ashbury\n"
    )
    ingest_env.drop_csv(
        "calls/calls.csv",
        rows.calls(
            {"call_id": "K1", "caller_number": "+44 1926 415000"},
            {"call_id": "K2", "caller_number": "07700 900123"},
        ),
    )
    with duckdb.connect(str(settings.warehouse_path())) as conn:
        report = ingest_calls(conn, logging.getLogger("test"), agencies_csv=agencies)
        numbers = conn.execute("SELECT call_id, caller_number FROM raw.calls ORDER BY 1").fetchall()
    assert report.rows_loaded == 2
    assert numbers == [("K1", "01926415000"), ("K2", None)]
