"""The copies ingestion reads a file through hold the file's personal data (the UTF-8 copy of
a workbook or a Windows-1252 file, the copy with a quote never closed repaired): they are
made in the data folder's private scratch folder, never the system's temporary folder, and
removed once read (a killed ingestion's copy is swept at the next run)."""

import logging
import stat
import tempfile

import duckdb
import pytest

from dagster_project import settings
from dagster_project.ingest.landing import ingest_contacts
from dagster_project.ingest.reading import readable_csv
from dagster_project.scratch import scratch_root


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("contacts/01.xlsx", None), ("contacts/02.csv", "cp1252")],
)
def test_a_copy_of_a_landing_file_stays_in_the_private_scratch_folder(
    ingest_env, rows, tmp_path, monkeypatch, name, encoding
):
    system_temp = tmp_path / "system_temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    records = rows.contacts({"contact_id": "C1", "referrer_name": "Mrs Renée Hughes"})
    if name.endswith(".xlsx"):
        source = ingest_env.drop_xlsx(name, records)
    else:
        source = ingest_env.drop_csv(name, records, encoding=encoding)

    with readable_csv(source, source.read_bytes()) as readable:
        assert readable.path != source
        assert readable.path.is_relative_to(scratch_root())
        assert "Mrs Renée Hughes" in readable.path.read_text(encoding="utf-8")
        assert stat.S_IMODE(scratch_root().stat().st_mode) == 0o700
        assert list(system_temp.iterdir()) == []

    assert list(scratch_root().iterdir()) == []


def test_the_copy_with_an_unclosed_quote_repaired_stays_in_the_private_scratch_folder(
    ingest_env, rows, tmp_path, monkeypatch
):
    system_temp = tmp_path / "system_temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    records = rows.contacts(
        {"contact_id": "C1", "referrer_name": '"Mrs Renée Hughes'},
        {"contact_id": "C2", "referrer_name": "Abbey School"},
    )
    lines = [",".join(str(value) for value in record) for record in records]
    ingest_env.drop("contacts/01.csv", ("\r\n".join(lines) + "\r\n").encode())

    with duckdb.connect(str(settings.warehouse_path())) as conn:
        ingest_contacts(conn, logging.getLogger(__name__))
        loaded = conn.execute("SELECT contact_id FROM raw.contacts").fetchall()

    assert loaded == [("C2",)]
    assert list(system_temp.iterdir()) == []
    assert list(scratch_root().iterdir()) == []
