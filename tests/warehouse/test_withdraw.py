"""A blocking failure that comes from one file's rows names the file; withdrawing the file
takes its rows out, and the next build passes without it."""

import duckdb
import pytest
from click.testing import CliRunner

from dagster_project import settings
from dagster_project.cli import withdraw
from dagster_project.defs.assets import ingestion
from dagster_project.defs.resources import build_resources
from dagster_project.ingest.withdrawal import WithdrawError, withdraw_version

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
    [(load_id,)] = bad_file.query(
        "select load_id from audit.loaded_files where file_name = ?", [BAD_FILE]
    )
    assert withdrawn.query(
        "select file_name, kind, rows_removed, load_id from audit.withdrawn_files"
    ) == [(BAD_FILE, "contacts", 1, load_id)]
    assert withdrawn.query(
        "select withdrawn_at is not null from audit.loaded_files where load_id = ?", [load_id]
    ) == [(True,)]
    # every other file's rows are still there
    assert withdrawn.query("select count(*) from raw.contacts") == [
        (bad_file.query("select count(*) from raw.contacts")[0][0] - 1,)
    ]


def test_an_unknown_or_withdrawn_version_is_refused(withdrawn, tmp_path):
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(withdrawn.warehouse.read_bytes())
    with duckdb.connect(str(copy)) as connection:
        with pytest.raises(WithdrawError, match="already withdrawn"):
            withdraw_version(connection, BAD_FILE)
        with pytest.raises(WithdrawError, match="No loaded file version.*\\n.*contacts_2018"):
            withdraw_version(connection, "contacts/nope.csv")
        with pytest.raises(WithdrawError, match="No loaded file version has the load id 999"):
            withdraw_version(connection, "999")


def _ingest(assets) -> None:
    import dagster as dg

    dg.materialize(assets, resources=build_resources(), selection=[ingestion.raw_contacts])


def test_a_version_is_withdrawn_by_load_id_or_sha_and_its_bytes_load_again(tmp_path, monkeypatch):
    """Two versions of one name: the bare name is refused with both listed; withdrawing one
    by load id (the other by sha256 prefix) takes only its rows and moves its file out of
    the landing folder; the same bytes dropped again load again, as a new version."""
    data, landing = tmp_path / "data", tmp_path / "landing"
    (landing / "contacts").mkdir(parents=True)
    data.mkdir()
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(data))
    monkeypatch.setenv(settings.LANDING_DIR_ENV, str(landing))
    monkeypatch.setenv(settings.PSEUDONYM_KEY_ENV, "k" * 40)
    header = "contact_id,child_id,contact_datetime,contact_method,referrer_type,contact_outcome"
    first = f"{header}\nC1,P1,01/09/2017 10:00,Phone,2A,NFA\nC2,P2,02/09/2017 10:00,Phone,2A,NFA\n"
    second = f"{header}\nC1,P1,01/09/2017 10:00,Phone,2A,Referral\n"
    month = landing / "contacts/2017-09.csv"
    assets = [ingestion.raw_schools_and_links, ingestion.raw_contacts, ingestion.raw_calls]

    def rows_by_load():
        with duckdb.connect(str(settings.warehouse_path()), read_only=True) as connection:
            return connection.execute(
                "select load_id, list(contact_id order by contact_id) from raw.contacts"
                " group by all order by all"
            ).fetchall()

    month.write_text(first)
    _ingest(assets)
    month.write_text(second)
    _ingest(assets)
    assert rows_by_load() == [(1, ["C1", "C2"]), (2, ["C1"])]
    with duckdb.connect(str(settings.warehouse_path()), read_only=True) as connection:
        [(second_sha,)] = connection.execute(
            "select sha256 from audit.loaded_files where load_id = 2"
        ).fetchall()

    refused = CliRunner().invoke(withdraw, ["contacts/2017-09.csv", "--no-rerun"])
    assert refused.exit_code != 0
    assert "names 2 loaded versions" in refused.output
    assert "load 1  sha256 " in refused.output and "2 row(s)" in refused.output
    assert f"load 2  sha256 {second_sha[:12]}  contacts/2017-09.csv" in refused.output
    assert rows_by_load() == [(1, ["C1", "C2"]), (2, ["C1"])]

    by_id = CliRunner().invoke(withdraw, ["1", "--no-rerun"])
    assert by_id.exit_code == 0, by_id.output
    assert "(load 1, sha256 " in by_id.output
    assert "2 row(s) removed from raw.contacts" in by_id.output
    assert rows_by_load() == [(2, ["C1"])]
    # the landing file is the second version: it stays where it is
    assert month.read_text() == second

    by_sha = CliRunner().invoke(withdraw, [second_sha[:8], "--no-rerun"])
    assert by_sha.exit_code == 0, by_sha.output
    assert rows_by_load() == []
    assert not month.exists()
    assert (data / "withdrawn/contacts/2017-09.csv").read_text() == second

    _ingest(assets)
    assert rows_by_load() == []
    # dropped again, the withdrawn bytes load again, as load 3
    month.write_text(first)
    _ingest(assets)
    assert rows_by_load() == [(3, ["C1", "C2"])]
