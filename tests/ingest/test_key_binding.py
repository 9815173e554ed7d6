"""The pseudonym key is bound to the warehouse; ``mash rotate-key`` re-pseudonymises it from
the landing files, end to end, with real files and a real DuckDB warehouse."""

import logging

import duckdb
import pytest
from click.testing import CliRunner

from dagster_project import settings
from dagster_project.ingest.landing import ingest_calls, ingest_contacts
from dagster_project.key_rotation import rotate_key_command
from dagster_project.pseudonymise import (
    KEY_TABLE,
    MissingPseudonymKey,
    PseudonymKeyError,
    check_key_binding,
    key_fingerprint,
    pseudonymise,
    read_key_file,
    write_new_key_file,
)

LOG = logging.getLogger("test")


def _night(conn) -> None:
    """What the ingestion assets do: check the key, then load."""
    check_key_binding(conn)
    ingest_contacts(conn, LOG)
    ingest_calls(conn, LOG)


def _connect():
    return duckdb.connect(str(settings.warehouse_path()))


def _state(env) -> tuple:
    return (
        env.query("SELECT contact_id, child_key FROM raw.contacts ORDER BY ALL"),
        env.query("SELECT call_id, caller_key FROM raw.calls ORDER BY ALL"),
        env.query(f"SELECT fingerprint FROM {KEY_TABLE}"),
    )


@pytest.fixture
def loaded(ingest_env, rows):
    ingest_env.drop_csv(
        "contacts/01.csv",
        rows.contacts(
            {"contact_id": "C1", "child_id": "CHILD-7"}, {"contact_id": "C2", "child_id": "CHILD-8"}
        ),
    )
    ingest_env.drop_xlsx(
        "contacts/02.xlsx", rows.contacts({"contact_id": "C3", "child_id": "CHILD-7"})
    )
    ingest_env.drop_csv(
        "calls/01.csv",
        rows.calls(
            {"call_id": "K1", "caller_number": "07700 900123"},
            {"call_id": "K2", "caller_number": "Withheld"},
        ),
    )
    with _connect() as conn:
        _night(conn)
    return ingest_env


def test_first_load_creates_the_key_and_stores_only_its_fingerprint(loaded):
    key = read_key_file(loaded.key_file)
    [(fingerprint,)] = loaded.query(f"SELECT fingerprint FROM {KEY_TABLE}")
    assert fingerprint == key_fingerprint(key)
    assert key.decode() not in fingerprint
    assert dict(loaded.query("SELECT contact_id, child_key FROM raw.contacts")) == {
        "C1": pseudonymise("CHILD-7", key),
        "C2": pseudonymise("CHILD-8", key),
        "C3": pseudonymise("CHILD-7", key),
    }


def test_a_different_key_stops_ingestion(loaded, rows, tmp_path, monkeypatch):
    before = _state(loaded)
    other = tmp_path / "other.key"
    write_new_key_file(other)
    monkeypatch.setenv(settings.PSEUDONYM_KEY_FILE_ENV, str(other))
    loaded.drop_csv("contacts/03.csv", rows.contacts({"contact_id": "C4", "child_id": "CHILD-7"}))

    with _connect() as conn, pytest.raises(PseudonymKeyError) as raised:
        _night(conn)

    message = str(raised.value)
    assert "is not this warehouse's key" in message
    assert "mash rotate-key" in message and "docs/runbook.md" in message
    assert key_fingerprint(read_key_file(other))[:12] in message
    assert _state(loaded) == before


def test_a_missing_key_stops_ingestion_and_no_key_is_made(loaded):
    before = _state(loaded)
    loaded.key_file.unlink()

    with _connect() as conn, pytest.raises(MissingPseudonymKey) as raised:
        _night(conn)

    assert "nothing was loaded" in str(raised.value)
    assert "mash rotate-key" in str(raised.value)
    assert not loaded.key_file.exists()
    assert _state(loaded) == before


def test_an_environment_key_of_the_wrong_value_stops_ingestion(loaded, monkeypatch):
    monkeypatch.setenv(settings.PSEUDONYM_KEY_ENV, "x" * 40)
    with _connect() as conn, pytest.raises(PseudonymKeyError, match="not this warehouse's key"):
        check_key_binding(conn)


def _rotate(new_key_file):
    return CliRunner().invoke(rotate_key_command, [str(new_key_file)])


def test_rotate_key_re_pseudonymises_every_row_in_one_go(loaded, rows, tmp_path, monkeypatch):
    old_key = read_key_file(loaded.key_file)
    new_key_file = tmp_path / "new" / "pseudonym.key"

    result = _rotate(new_key_file)

    assert result.exit_code == 0, result.output
    assert "Wrote a new random key" in result.output
    new_key = read_key_file(new_key_file)
    assert new_key != old_key
    assert dict(loaded.query("SELECT contact_id, child_key FROM raw.contacts")) == {
        "C1": pseudonymise("CHILD-7", new_key),
        "C2": pseudonymise("CHILD-8", new_key),
        "C3": pseudonymise("CHILD-7", new_key),
    }
    assert loaded.query("SELECT call_id, caller_key FROM raw.calls ORDER BY 1") == [
        ("K1", pseudonymise("07700900123", new_key)),
        ("K2", None),
    ]
    assert loaded.query(f"SELECT fingerprint, how FROM {KEY_TABLE}") == [
        (key_fingerprint(new_key), "rotated")
    ]

    # The old key is now refused; with the new one a returning child keeps one pseudonym.
    with _connect() as conn, pytest.raises(PseudonymKeyError):
        check_key_binding(conn)
    monkeypatch.setenv(settings.PSEUDONYM_KEY_FILE_ENV, str(new_key_file))
    loaded.drop_csv("contacts/03.csv", rows.contacts({"contact_id": "C4", "child_id": "CHILD-8"}))
    with _connect() as conn:
        _night(conn)
    [(keys,)] = loaded.query(
        "SELECT count(DISTINCT child_key) FROM raw.contacts WHERE contact_id IN ('C2', 'C4')"
    )
    assert keys == 1


@pytest.mark.parametrize("damage", ["removed", "changed"])
def test_rotate_key_refuses_when_a_loaded_file_is_not_as_loaded(loaded, tmp_path, damage):
    before = _state(loaded)
    landing_file = loaded.landing / "contacts" / "02.xlsx"
    if damage == "removed":
        landing_file.unlink()
    else:
        landing_file.write_bytes(landing_file.read_bytes() + b"\0")
    new_key_file = tmp_path / "new.key"
    write_new_key_file(new_key_file)

    result = _rotate(new_key_file)

    assert result.exit_code != 0
    assert "contacts/02.xlsx" in result.output
    expected = "no longer in the landing folder" if damage == "removed" else "bytes differ"
    assert expected in result.output
    assert _state(loaded) == before


def test_rotate_key_refuses_a_key_file_in_the_data_folder(loaded):
    result = _rotate(settings.data_dir() / "pseudonym.key")

    assert result.exit_code != 0
    assert "inside the data folder" in result.output
    assert not (settings.data_dir() / "pseudonym.key").exists()
