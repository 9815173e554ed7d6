"""Reruns change nothing; a renamed copy is skipped by its bytes; later versions of a record
are appended with their provenance; a failure part-way loses nothing already loaded."""

import hashlib

import duckdb

from dagster_project import settings
from dagster_project.ingest.raw_tables import ensure_tables


def _warehouse_snapshot(env) -> dict[str, list[tuple]]:
    tables = env.query(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema IN ('raw', 'audit')"
    )
    return {table: sorted(env.query(f"SELECT * FROM {table}"), key=repr) for (table,) in tables}


def test_rerun_and_renamed_copy_change_nothing(ingest_env, rows):
    contacts = ingest_env.drop_csv(
        "contacts/2017-09.csv", rows.contacts({"contact_id": "C1"}, {"contact_id": "C2"})
    )
    ingest_env.drop_csv("calls/2017-09.csv", rows.calls({"call_id": "K1"}))
    ingest_env.drop_csv("schools/edubase.csv", rows.schools({}))
    ingest_env.materialize()
    first = _warehouse_snapshot(ingest_env)

    result, _ = ingest_env.materialize()

    assert _warehouse_snapshot(ingest_env) == first
    metadata = ingest_env.metadata(result)
    for key in ("raw/contacts", "raw/calls", "raw/schools"):
        assert (metadata[key]["files_loaded"], metadata[key]["files_skipped"]) == (0, 1)
    assert metadata["raw/contacts"]["dagster/row_count"] == 2

    ingest_env.drop("contacts/2017-09 (copy).csv", contacts.read_bytes())
    result, _ = ingest_env.materialize()

    assert ingest_env.query("SELECT count(*) FROM raw.contacts") == [(2,)]
    assert ingest_env.metadata(result)["raw/contacts"]["files_skipped"] == 2
    assert ingest_env.query(
        "SELECT status, message FROM audit.loaded_files "
        "WHERE file_name = 'contacts/2017-09 (copy).csv'"
    ) == [("skipped", "same bytes as contacts/2017-09.csv, loaded before; nothing to load")]
    after_copy = _warehouse_snapshot(ingest_env)

    ingest_env.materialize()

    assert _warehouse_snapshot(ingest_env) == after_copy


def test_a_later_file_adds_a_new_version_of_a_contact(ingest_env, rows):
    versioned = {**rows.contact, "record_updated_at": "01/09/2017 10:00"}
    september = ingest_env.drop_csv(
        "contacts/2017-09.csv", rows.records(versioned, {"contact_id": "C1"}, {"contact_id": "C2"})
    )
    ingest_env.materialize()
    october = ingest_env.drop_csv(
        "contacts/2017-10.csv",
        rows.records(
            versioned,
            {
                "contact_id": "C1",
                "contact_outcome": "Referral to CSC - Single Assessment",
                "record_updated_at": "03/10/2017 16:20:00",
            },
        ),
    )

    ingest_env.materialize()

    def sha(path):
        return hashlib.sha256(path.read_bytes()).hexdigest()

    assert ingest_env.query(
        "SELECT contact_outcome, record_updated_at::VARCHAR, source_file, source_row, "
        "source_sha256 FROM raw.contacts WHERE contact_id = 'C1' ORDER BY record_updated_at"
    ) == [
        ("NFA", "2017-09-01 10:00:00", "contacts/2017-09.csv", 2, sha(september)),
        (
            "Referral to CSC - Single Assessment",
            "2017-10-03 16:20:00",
            "contacts/2017-10.csv",
            2,
            sha(october),
        ),
    ]


def test_a_failure_part_way_through_a_file_leaves_nothing_of_it(ingest_env, rows):
    """An audit write that fails after the raw rows went in rolls the whole file back."""
    with duckdb.connect(str(settings.warehouse_path())) as conn:
        ensure_tables(conn)
        columns = conn.execute(
            "SELECT column_name || ' ' || data_type FROM duckdb_columns() "
            "WHERE schema_name = 'audit' AND table_name = 'loaded_files' ORDER BY column_index"
        ).fetchall()
        conn.execute("DROP TABLE audit.loaded_files")
        conn.execute(
            f"CREATE TABLE audit.loaded_files ({', '.join(c for (c,) in columns)}, "
            "CHECK (file_name <> 'contacts/02_second.csv'))"
        )
    ingest_env.drop_csv("contacts/01_first.csv", rows.contacts({"contact_id": "C1"}))
    ingest_env.drop_csv(
        "contacts/02_second.csv",
        rows.contacts({"contact_id": "C2"}, {"contact_id": "C3", "contact_datetime": "never"}),
    )

    result, _ = ingest_env.materialize(raise_on_error=False)

    assert not result.success
    assert ingest_env.query("SELECT contact_id, source_file FROM raw.contacts") == [
        ("C1", "contacts/01_first.csv")
    ]
    assert ingest_env.query("SELECT DISTINCT file_name FROM audit.rejected_rows") == []
    assert ingest_env.query("SELECT file_name FROM audit.loaded_files") == [
        ("contacts/01_first.csv",)
    ]
    assert (ingest_env.landing / "contacts/02_second.csv").exists()


def test_a_bad_file_changes_nothing_already_loaded(ingest_env, rows):
    ingest_env.drop_csv("contacts/01_first.csv", rows.contacts({"contact_id": "C1"}))
    ingest_env.materialize()
    before = _warehouse_snapshot(ingest_env)["raw.contacts"]
    ingest_env.drop("contacts/02_broken.csv", b"contact_id\nC9\n")
    ingest_env.drop_csv(
        "contacts/03_bad_rows.csv", rows.contacts({"contact_id": "C1", "child_id": ""})
    )

    result, _ = ingest_env.materialize()

    assert result.success
    assert _warehouse_snapshot(ingest_env)["raw.contacts"] == before
