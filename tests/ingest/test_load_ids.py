"""Load ids: each loaded version of a file numbered in load order, on its audit row, its raw
rows and its rejected rows, with the resend mode it was loaded under; a warehouse made
before load ids is migrated in place by the next ingestion."""

import duckdb
import yaml

from dagster_project import settings


def _set_resend(env, kind: str, mode: str) -> None:
    aliases = yaml.safe_load(env.aliases_file.read_text())
    aliases[kind]["resend"] = mode
    env.aliases_file.write_text(yaml.safe_dump(aliases))


def test_each_version_gets_the_next_load_id_on_its_rows(ingest_env, rows):
    _set_resend(ingest_env, "contacts", "snapshot")
    ingest_env.drop_csv("contacts/2017-09.csv", rows.contacts({"contact_id": "C1"}))
    ingest_env.drop_csv("calls/2017-09.csv", rows.calls({"call_id": "K1"}))
    ingest_env.materialize()
    # the same name again, with new bytes and a rejected row; and a copy of the calls file
    ingest_env.drop_csv(
        "contacts/2017-09.csv",
        rows.contacts({"contact_id": "C1"}, {"contact_id": "C2", "contact_datetime": "soon"}),
    )
    ingest_env.drop("calls/copy.csv", (ingest_env.landing / "calls/2017-09.csv").read_bytes())
    ingest_env.materialize()

    audit = ingest_env.query(
        "SELECT file_name, status, load_id, resend_mode, rows_rejected FROM audit.loaded_files "
        "ORDER BY load_id NULLS LAST"
    )
    # the first night's two files are loads 1 and 2, in whichever order their assets ran
    first_night = {row[0]: row[2] for row in audit[:2]}
    assert sorted(first_night.values()) == [1, 2]
    assert sorted(audit[:2]) == [
        ("calls/2017-09.csv", "loaded", first_night["calls/2017-09.csv"], "increment", 0),
        ("contacts/2017-09.csv", "loaded", first_night["contacts/2017-09.csv"], "snapshot", 0),
    ]
    assert audit[2:] == [
        ("contacts/2017-09.csv", "loaded", 3, "snapshot", 1),
        ("calls/copy.csv", "skipped", None, None, None),
    ]
    first_contacts, first_calls = (
        first_night["contacts/2017-09.csv"],
        first_night["calls/2017-09.csv"],
    )
    assert ingest_env.query(
        "SELECT load_id, contact_id, source_row FROM raw.contacts ORDER BY ALL"
    ) == [(first_contacts, "C1", 2), (3, "C1", 2)]
    assert ingest_env.query("SELECT load_id, call_id FROM raw.calls") == [(first_calls, "K1")]
    assert ingest_env.query("SELECT DISTINCT load_id, row_number FROM audit.rejected_rows") == [
        (3, 3)
    ]


def test_an_unknown_resend_mode_stops_ingestion_with_its_name(ingest_env, rows):
    _set_resend(ingest_env, "calls", "weekly")
    ingest_env.drop_csv("calls/2017-09.csv", rows.calls({"call_id": "K1"}))
    result, _ = ingest_env.materialize(raise_on_error=False)
    assert not result.success
    failure = next(event for event in result.all_events if event.is_step_failure)
    assert "under calls, resend is 'weekly'; give snapshot or increment" in str(
        failure.step_failure_data.error
    )


def _as_before_load_ids(warehouse) -> None:
    """The warehouse as the code before load ids made it: no load_id, resend_mode or
    withdrawn_at, and audit.withdrawn_files without load_id."""
    with duckdb.connect(str(warehouse)) as conn:
        for table, columns in {
            "raw.contacts": ["load_id"],
            "raw.calls": ["load_id"],
            "raw.schools": ["load_id"],
            "raw.school_links": ["load_id"],
            "audit.loaded_files": ["load_id", "resend_mode", "withdrawn_at"],
            "audit.rejected_rows": ["load_id"],
            "audit.withdrawn_files": ["load_id"],
        }.items():
            conn.execute(
                f"CREATE OR REPLACE TABLE {table} AS "
                f"SELECT * EXCLUDE ({', '.join(columns)}) FROM {table}"
            )


def test_an_old_warehouse_is_migrated_in_place(ingest_env, rows):
    """Load ids follow loaded_at (not name) order; a file withdrawn the old way, whose bytes
    stayed 'loaded' and still in the landing folder, is marked withdrawn and set aside, so
    it does not come back."""
    ingest_env.drop_csv("contacts/a.csv", rows.contacts({"contact_id": "C1"}))
    ingest_env.drop_csv("contacts/b.csv", rows.contacts({"contact_id": "C2"}))
    ingest_env.drop_csv(
        "contacts/c.csv",
        rows.contacts({"contact_id": "C3"}, {"contact_id": "C4", "contact_datetime": "soon"}),
    )
    ingest_env.materialize()
    warehouse = settings.warehouse_path()
    _as_before_load_ids(warehouse)
    with duckdb.connect(str(warehouse)) as conn:
        # c.csv was loaded first; b.csv was withdrawn by the old mash withdraw
        conn.execute(
            "UPDATE audit.loaded_files SET loaded_at = loaded_at - INTERVAL 1 DAY "
            "WHERE file_name = 'contacts/c.csv'"
        )
        conn.execute(
            "UPDATE audit.rejected_rows SET rejected_at = rejected_at - INTERVAL 1 DAY "
            "WHERE file_name = 'contacts/c.csv'"
        )
        conn.execute("DELETE FROM raw.contacts WHERE source_file = 'contacts/b.csv'")
        conn.execute(
            "INSERT INTO audit.withdrawn_files SELECT file_name, kind, sha256, 1, now() "
            "FROM audit.loaded_files WHERE file_name = 'contacts/b.csv'"
        )
    ingest_env.drop_csv("contacts/d.csv", rows.contacts({"contact_id": "C5"}))

    ingest_env.materialize()

    assert ingest_env.query(
        "SELECT file_name, load_id, withdrawn_at IS NOT NULL FROM audit.loaded_files "
        "WHERE status = 'loaded' ORDER BY load_id"
    ) == [
        ("contacts/c.csv", 1, False),
        ("contacts/a.csv", 2, False),
        ("contacts/b.csv", 3, True),
        ("contacts/d.csv", 4, False),
    ]
    assert ingest_env.query("SELECT contact_id, load_id FROM raw.contacts ORDER BY 1") == [
        ("C1", 2),
        ("C3", 1),
        ("C5", 4),
    ]
    assert ingest_env.query("SELECT DISTINCT load_id FROM audit.rejected_rows") == [(1,)]
    assert ingest_env.query("SELECT file_name, load_id FROM audit.withdrawn_files") == [
        ("contacts/b.csv", 3)
    ]
    assert not (ingest_env.landing / "contacts/b.csv").exists()
    assert (ingest_env.data_dir / "withdrawn/contacts/b.csv").is_file()
    # the migrated tables have the columns a new warehouse has, in the same order
    columns = ingest_env.query(
        "SELECT table_name, list(column_name ORDER BY ordinal_position) "
        "FROM information_schema.columns WHERE table_schema IN ('raw', 'audit') "
        "AND table_name IN ('contacts', 'loaded_files', 'rejected_rows') GROUP BY ALL"
    )
    for table, names in columns:
        assert names[-1] in ("load_id", "withdrawn_at"), (table, names)
