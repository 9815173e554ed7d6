"""A blocking failure that comes from one file's rows names the file; withdrawing the file
takes its rows out, and the next build passes without it."""

import duckdb
import pytest
from click.testing import CliRunner

from dagster_project import settings
from dagster_project.cli import withdraw
from dagster_project.defs.assets import ingestion
from dagster_project.defs.resources import build_resources
from dagster_project.ingest.withdrawal import WithdrawError, withdraw_file

from .fixture_data import BAD_FILE


def test_a_blocking_failure_names_the_file_behind_it(bad_file):
    assert not bad_file.result.success
    failed = bad_file.failed_checks()
    # The raw contract's not-null test fails first, and dbt builds nothing that reads it.
    assert failed[("raw/contacts", "source_not_null_raw_contacts_child_key")] == "ERROR"
    assert bad_file.query(
        "select source_file, source_row from test_failures.source_not_null_raw_contacts_child_key"
    ) == [(BAD_FILE, 2)]


def test_withdrawing_the_file_lets_the_build_pass(bad_file, withdrawn):
    assert withdrawn.result.success, withdrawn.failed_checks()
    assert withdrawn.query(
        "select count(*) from raw.contacts where source_file = ?", [BAD_FILE]
    ) == [(0,)]
    assert withdrawn.query("select file_name, kind, rows_removed from audit.withdrawn_files") == [
        (BAD_FILE, "contacts", 1)
    ]
    # every other file's rows are still there
    assert withdrawn.query("select count(*) from raw.contacts") == [
        (bad_file.query("select count(*) from raw.contacts")[0][0] - 1,)
    ]


def test_an_unknown_or_withdrawn_file_is_refused(withdrawn, tmp_path):
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(withdrawn.warehouse.read_bytes())
    with duckdb.connect(str(copy)) as connection:
        with pytest.raises(WithdrawError, match="already withdrawn"):
            withdraw_file(connection, BAD_FILE)
        with pytest.raises(WithdrawError, match="not a loaded landing file.*contacts_2018"):
            withdraw_file(connection, "contacts/nope.csv")


def test_a_withdrawn_file_is_not_loaded_again_while_unchanged(tmp_path, monkeypatch):
    data, landing = tmp_path / "data", tmp_path / "landing"
    (landing / "contacts").mkdir(parents=True)
    data.mkdir()
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(data))
    monkeypatch.setenv(settings.LANDING_DIR_ENV, str(landing))
    monkeypatch.setenv(settings.PSEUDONYM_KEY_ENV, "k" * 40)
    header = "contact_id,child_id,contact_datetime,contact_method,referrer_type,contact_outcome"
    (landing / "contacts/a.csv").write_text(f"{header}\nC1,P1,01/09/2017 10:00,Phone,2A,NFA\n")
    (landing / "contacts/b.csv").write_text(f"{header}\nC2,P2,02/09/2017 10:00,Phone,2A,NFA\n")
    assets = [ingestion.raw_schools_and_links, ingestion.raw_contacts, ingestion.raw_calls]

    def ingest():
        import dagster as dg

        dg.materialize(assets, resources=build_resources(), selection=[ingestion.raw_contacts])

    def contact_ids():
        with duckdb.connect(str(settings.warehouse_path()), read_only=True) as connection:
            return connection.execute("select contact_id from raw.contacts order by 1").fetchall()

    ingest()
    assert contact_ids() == [("C1",), ("C2",)]
    result = CliRunner().invoke(withdraw, ["contacts/a.csv", "--no-rerun"])
    assert result.exit_code == 0, result.output
    assert "1 row(s) removed from raw.contacts" in result.output
    ingest()
    assert contact_ids() == [("C2",)]
    # a corrected extract (new bytes, same name) loads
    (landing / "contacts/a.csv").write_text(f"{header}\nC1,P1,01/09/2017 11:00,Phone,2A,NFA\n")
    ingest()
    assert contact_ids() == [("C1",), ("C2",)]
