"""``mash rotate-key``: re-pseudonymise the warehouse with a new key, in one transaction.

raw holds only pseudonyms, never the ids and numbers they were made from, so the new
pseudonyms are made from the landing files themselves: every file audit.loaded_files
records as loaded (of a kind with personal columns) is read again from the landing folder,
its bytes verified against the recorded sha256, and ingested with the new key into a
scratch warehouse. The copies and the scratch warehouse live in a private scratch folder
inside the data folder (``dagster_project/scratch.py``), removed when the rotation ends and,
if it was killed, at the next start of ``mash rotate-key`` or ``mash run``. Each raw row
takes the new pseudonym of the row with the same file, line and record id. Nothing changes
unless every row gets one. The old key is not needed, so a lost key can be replaced too.
"""

import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
import duckdb

from dagster_project import settings
from dagster_project.ingest.audit import file_sha256, standing_versions
from dagster_project.ingest.contracts import CALLS, CONTACTS, ColumnType, Contract
from dagster_project.ingest.landing import ingest_calls, ingest_contacts
from dagster_project.ingest.validation import PHONE_OUTPUTS
from dagster_project.pseudonymise import (
    KEY_TABLE,
    PseudonymKeyError,
    bind_key,
    bound_fingerprint,
    key_fingerprint,
    read_key_file,
    write_new_key_file,
)
from dagster_project.scratch import scratch_space, sweep_scratch
from dagster_project.warehouse import (
    MissingWarehouse,
    qualified,
    quoted,
    sql_string,
    table_exists,
    transaction,
)

#: The kinds whose raw rows carry pseudonyms, each with how it is ingested.
PSEUDONYMISED = ((CONTACTS, ingest_contacts), (CALLS, ingest_calls))


class RotationError(RuntimeError):
    """The rotation cannot be done; the warehouse is unchanged."""


@dataclass(frozen=True)
class Rotation:
    files: int
    rows: dict[str, int]
    fingerprint: str


def pseudonym_columns(contract: Contract) -> list[str]:
    """The raw columns of ``contract`` holding pseudonyms."""
    names = []
    for column in contract.columns:
        if column.type is ColumnType.PERSON_ID:
            names.append(column.name)
        elif column.type is ColumnType.PHONE:
            names.append(PHONE_OUTPUTS[0])
    return names


def _record_id(contract: Contract) -> str:
    return contract.columns[0].name


def _loaded_files(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    kinds = ", ".join(sql_string(contract.kind) for contract, _ in PSEUDONYMISED)
    return conn.execute(
        "SELECT DISTINCT file_name, kind, sha256 FROM audit.loaded_files "
        f"WHERE {standing_versions(conn)} AND kind IN ({kinds}) ORDER BY file_name"
    ).fetchall()


def _copy_verified_files(files: list[tuple[str, str, str]], landing: Path, target: Path) -> None:
    problems = []
    for file_name, _, sha256 in files:
        path = landing / file_name
        if not path.is_file():
            problems.append(f"{file_name}: no longer in the landing folder {landing}")
        elif file_sha256(path) != sha256:
            problems.append(f"{file_name}: its bytes differ from the file that was loaded")
        else:
            copy = target / file_name
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
    if problems:
        raise RotationError(
            "Cannot rotate the key: every loaded landing file must be there, unchanged, to "
            "make the new pseudonyms. Put back these files as they were loaded (from the "
            "landing folder's backup) and run mash rotate-key again:\n- " + "\n- ".join(problems)
        )


def _set_environment(values: dict[str, str | None]) -> None:
    """Set each variable, or unset it where its value is None."""
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextmanager
def _environment(**values: str | None) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    try:
        _set_environment(values)
        yield
    finally:
        _set_environment(saved)


def _ingest_with_key(landing: Path, data_dir: Path, key_file: Path, log: logging.Logger) -> Path:
    """A scratch warehouse holding the landing files ingested with the key in ``key_file``."""
    scratch = data_dir / "warehouse.duckdb"
    with (
        _environment(
            **{
                settings.DATA_DIR_ENV: str(data_dir),
                settings.LANDING_DIR_ENV: str(landing),
                settings.PSEUDONYM_KEY_ENV: None,
                settings.PSEUDONYM_KEY_FILE_ENV: str(key_file),
            }
        ),
        duckdb.connect(str(scratch)) as conn,
    ):
        for _, ingest in PSEUDONYMISED:
            ingest(conn, log)
    return scratch


def _join(contract: Contract) -> str:
    return (
        "r.source_file = s.source_file AND r.source_row = s.source_row "
        f"AND r.{quoted(_record_id(contract))} = s.{quoted(_record_id(contract))}"
    )


def _unmatched_rows(conn: duckdb.DuckDBPyConnection, contract: Contract) -> list[str]:
    rows = conn.execute(
        f"SELECT r.source_file, count(*) FROM {qualified(contract.table)} r "
        f"ANTI JOIN rotation.{qualified(contract.table)} s ON {_join(contract)} "
        "GROUP BY r.source_file ORDER BY 1"
    ).fetchall()
    return [f"{contract.table}: {count} row(s) of {file}" for file, count in rows]


def rotate_key(warehouse: Path, new_key_file: Path, log: logging.Logger) -> Rotation:
    """Re-pseudonymise ``warehouse`` with the key in ``new_key_file`` and bind it."""
    if not warehouse.is_file():
        raise MissingWarehouse(f"no warehouse at {warehouse}: there is nothing to rotate")
    new_key = read_key_file(new_key_file)
    with duckdb.connect(str(warehouse)) as conn:
        if bound_fingerprint(conn) == key_fingerprint(new_key):
            raise RotationError(f"The warehouse is already bound to the key in {new_key_file}.")
        if not table_exists(conn, "audit.loaded_files"):
            raise RotationError(f"{warehouse} has no audit.loaded_files: nothing was loaded.")
        files = _loaded_files(conn)
        with scratch_space(prefix="rotate-key-") as scratch_dir:
            scratch_landing = scratch_dir / "landing"
            _copy_verified_files(files, settings.landing_dir(), scratch_landing)
            scratch_data = scratch_dir / "data"
            scratch_data.mkdir()
            scratch = _ingest_with_key(scratch_landing, scratch_data, new_key_file, log)
            conn.execute(f"ATTACH {sql_string(str(scratch))} AS rotation (READ_ONLY)")
            try:
                rows = _replace_pseudonyms(conn, new_key)
            finally:
                conn.execute("DETACH rotation")
    return Rotation(files=len(files), rows=rows, fingerprint=key_fingerprint(new_key))


def _replace_pseudonyms(conn: duckdb.DuckDBPyConnection, new_key: bytes) -> dict[str, int]:
    contracts = [contract for contract, _ in PSEUDONYMISED if table_exists(conn, contract.table)]
    unmatched = [problem for c in contracts for problem in _unmatched_rows(conn, c)]
    if unmatched:
        raise RotationError(
            "Cannot rotate the key: these raw rows were not found again in their landing "
            "files (same file, line and record id), so they would keep the old pseudonym. "
            "Nothing was changed:\n- " + "\n- ".join(unmatched)
        )
    rows = {}
    with transaction(conn):
        for contract in contracts:
            assignments = ", ".join(
                f"{quoted(name)} = s.{quoted(name)}" for name in pseudonym_columns(contract)
            )
            [(rows[contract.table],)] = conn.execute(
                f"UPDATE {qualified(contract.table)} r SET {assignments} "
                f"FROM rotation.{qualified(contract.table)} s WHERE {_join(contract)}"
            ).fetchall()
        bind_key(conn, new_key, "rotated")
    return rows


@click.command("rotate-key")
@click.argument("new_key_file", type=click.Path(dir_okay=False, path_type=Path))
def rotate_key_command(new_key_file: Path) -> None:
    """Re-pseudonymise the warehouse with the key in NEW_KEY_FILE (made if missing).

    Every loaded landing file must still be in the landing folder, unchanged. Afterwards,
    point MASH_PSEUDONYM_KEY_FILE at NEW_KEY_FILE and run `mash run`.
    """
    new_key_file = new_key_file.expanduser().resolve()
    # The scratch ingestion would repeat every warning the original loads gave.
    log = logging.getLogger("mash.rotate_key")
    log.setLevel(logging.ERROR)
    for name in sweep_scratch():
        click.echo(f"Removed the scratch folder {name} a killed rotation left.")
    try:
        if not new_key_file.exists():
            write_new_key_file(new_key_file)
            click.echo(f"Wrote a new random key to {new_key_file} (mode 0600).")
        rotation = rotate_key(settings.warehouse_path(), new_key_file, log)
    except (RotationError, PseudonymKeyError, MissingWarehouse) as error:
        raise click.ClickException(str(error)) from error
    counts = ", ".join(f"{table}: {rows} rows" for table, rows in rotation.rows.items())
    click.echo(
        f"Re-pseudonymised from {rotation.files} landing file(s) ({counts}); the warehouse "
        f"is now bound to the key with fingerprint {rotation.fingerprint[:12]} "
        f"({KEY_TABLE}).\nNext: set {settings.PSEUDONYM_KEY_FILE_ENV}={new_key_file} (or "
        f"replace {settings.pseudonym_key_file()} with it), keep a backup of it, destroy "
        "the old key, and run `mash run` to rebuild the models and the published file."
    )
