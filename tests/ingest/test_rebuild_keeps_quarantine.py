"""A warehouse rebuilt from the landing files (the damaged one moved aside) keeps the audit of
the files quarantined before: the refused files are no longer in the landing folder, and
their rows are put back from the reason files beside them, as they were written."""

from datetime import datetime

from dagster_project import settings
from dagster_project.ingest.quarantine_records import Refusal, read_reason_file, write_reason_file
from tests.ingest.test_bad_input import PNG_BYTES

QUARANTINED_AUDIT = (
    "SELECT file_name, kind, sha256, reason, quarantine_path, quarantined_at "
    "FROM audit.quarantined_files ORDER BY ALL"
)
LOADED_FILES = (
    "SELECT file_name, kind, sha256, status, message, rows_loaded FROM audit.loaded_files "
    "ORDER BY ALL"
)
QUARANTINED_STATUS = (
    "SELECT file_name, kind, sha256, message, loaded_at FROM audit.loaded_files "
    "WHERE status = 'quarantined' ORDER BY ALL"
)


def test_a_rebuilt_warehouse_keeps_the_audit_of_quarantined_files(ingest_env, rows):
    ingest_env.drop_csv("contacts/01_good.csv", rows.contacts({"contact_id": "C1"}))
    ingest_env.drop_csv(
        "contacts/02_missing_column.csv", [row[:-1] for row in rows.contacts({"contact_id": "C2"})]
    )
    ingest_env.drop("contacts/03_empty.csv", b"")
    ingest_env.drop("calls/01_binary.csv", PNG_BYTES)
    ingest_env.drop("calls/02_binary.csv", PNG_BYTES + b"\x00")
    ingest_env.materialize()
    quarantined = ingest_env.query(QUARANTINED_AUDIT)
    statuses = ingest_env.query(QUARANTINED_STATUS)
    loaded = ingest_env.query(LOADED_FILES)
    assert len(quarantined) == len(statuses) == 4

    warehouse = settings.warehouse_path()
    warehouse.rename(warehouse.with_name(warehouse.name + ".damaged"))
    rebuilt, messages = ingest_env.materialize()

    assert rebuilt.success
    assert ingest_env.query(QUARANTINED_AUDIT) == quarantined
    assert ingest_env.query(QUARANTINED_STATUS) == statuses
    assert ingest_env.query(LOADED_FILES) == loaded
    assert any("Put back the audit rows of 4 quarantined file(s)" in m for m in messages)

    ingest_env.materialize()
    assert ingest_env.query(QUARANTINED_AUDIT) == quarantined, "put back once, not again"


def test_a_reason_file_reads_back_as_written(tmp_path):
    folder = tmp_path / "quarantine" / "school_links"
    folder.mkdir(parents=True)
    refusal = Refusal(
        file_name="schools/links: 2019.csv",
        kind="school_links",
        sha256="ab" * 32,
        reason="two lines:\nReason: quoted `x`\n\nNothing in this file was loaded.",
        quarantine_path=folder / "links: 2019.csv",
        at=datetime(2019, 9, 1, 2, 0, 5, 123456),
    )
    write_reason_file(refusal)
    assert read_reason_file(folder / "links: 2019.csv.reason.txt") == refusal
