"""Keyed pseudonyms (HMAC-SHA256) for child ids and individuals' phone numbers.

The key comes from ``MASH_PSEUDONYM_KEY`` or from a key file outside the repository and
the warehouse (``MASH_PSEUDONYM_KEY_FILE``, default ``~/.config/mash/pseudonym.key``).
Without the key a pseudonym cannot be reversed or recomputed from a guessed id. A key file
inside the repository or the data folder is refused.

The key is bound to the warehouse: the first load stores its fingerprint (an HMAC of a fixed
label, which says nothing of the key) in ``audit.pseudonym_key``, and every later load checks
it first, so a different or missing key can never split a child into two pseudonyms. A key
file is created, mode 0600, only for a warehouse that has never loaded a file.
"""

import hashlib
import hmac
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project import settings
from dagster_project.warehouse import table_exists

KEY_TABLE = "audit.pseudonym_key"
FINGERPRINT_LABEL = b"mash pseudonym key fingerprint v1"
MIN_KEY_CHARS = 32
ROTATION_PROCEDURE = "docs/runbook.md, 'Rotate the pseudonymisation key' (mash rotate-key)"


class PseudonymKeyError(RuntimeError):
    pass


class MissingPseudonymKey(PseudonymKeyError):
    pass


def _validated(key: str, where: str) -> bytes:
    if len(key) < MIN_KEY_CHARS:
        raise PseudonymKeyError(
            f"The pseudonym key in {where} is shorter than {MIN_KEY_CHARS} characters."
        )
    return key.encode()


def write_new_key_file(path: Path) -> None:
    """A fresh random key in a new file readable by its owner only; never overwrites."""
    refuse_misplaced_key_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    # Linked whole into place, so two first runs at once agree on one key and neither
    # reads a half-written file.
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()


def refuse_misplaced_key_file(path: Path) -> None:
    """A key beside what it protects would travel with every copy of it."""
    for folder, what in (
        (settings.PROJECT_ROOT, "the repository"),
        (settings.data_dir(), "the data folder"),
    ):
        if folder.resolve() in path.resolve().parents:
            raise PseudonymKeyError(
                f"The pseudonym key file {path} is inside {what}; put it elsewhere "
                f"(set {settings.PSEUDONYM_KEY_FILE_ENV})."
            )


def read_key_file(path: Path) -> bytes:
    refuse_misplaced_key_file(path)
    if not path.is_file():
        raise MissingPseudonymKey(
            f"No pseudonym key: {settings.PSEUDONYM_KEY_ENV} is not set and there is no key "
            f"file at {path}."
        )
    return _validated(path.read_text().strip(), str(path))


def _key(env_key: str | None, key_file: str, create: bool) -> bytes:
    if env_key:
        return _validated(env_key, settings.PSEUDONYM_KEY_ENV)
    path = Path(key_file)
    if create and not path.exists():
        write_new_key_file(path)
    return read_key_file(path)


def pseudonym_key(create: bool = True) -> bytes:
    """The configured key; with ``create``, a missing key file is made with a new key."""
    return _key(
        os.environ.get(settings.PSEUDONYM_KEY_ENV), str(settings.pseudonym_key_file()), create
    )


def pseudonymise(value: str, key: bytes | None = None) -> str:
    """The hex HMAC-SHA256 of a trimmed value."""
    digest = hmac.new(key or pseudonym_key(), value.strip().encode(), hashlib.sha256)
    return digest.hexdigest()


def key_fingerprint(key: bytes) -> str:
    """Identifies a key without revealing it: the HMAC of a fixed label under the key."""
    return hmac.new(key, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


def bound_fingerprint(conn: duckdb.DuckDBPyConnection) -> str | None:
    if not table_exists(conn, KEY_TABLE):
        return None
    row = conn.execute(f"SELECT fingerprint FROM {KEY_TABLE}").fetchone()
    return row[0] if row else None


def bind_key(conn: duckdb.DuckDBPyConnection, key: bytes, how: str) -> None:
    """Record ``key`` as the warehouse's key (replacing any earlier binding)."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS audit")
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {KEY_TABLE} (fingerprint VARCHAR NOT NULL, "
        "bound_at TIMESTAMPTZ NOT NULL, how VARCHAR NOT NULL)"
    )
    conn.execute(f"DELETE FROM {KEY_TABLE}")
    conn.execute(
        f"INSERT INTO {KEY_TABLE} VALUES (?, ?, ?)", [key_fingerprint(key), datetime.now(UTC), how]
    )


def _has_loaded_files(conn: duckdb.DuckDBPyConnection) -> bool:
    if not table_exists(conn, "audit.loaded_files"):
        return False
    [(loaded,)] = conn.execute(
        "SELECT count(*) FROM audit.loaded_files WHERE status = 'loaded'"
    ).fetchall()
    return loaded > 0


def check_key_binding(conn: duckdb.DuckDBPyConnection) -> bytes:
    """The configured key, once it is known to be the warehouse's own.

    A warehouse that never loaded a file is bound to the configured key (made if missing).
    A warehouse with a binding refuses a missing or different key; one that loaded files
    before bindings existed is bound to the configured key, which must exist.
    """
    bound = bound_fingerprint(conn)
    if bound is None and not _has_loaded_files(conn):
        key = pseudonym_key(create=True)
        bind_key(conn, key, "first load")
        return key
    try:
        key = pseudonym_key(create=False)
    except MissingPseudonymKey as error:
        raise MissingPseudonymKey(
            f"{error} This warehouse already holds pseudonyms made with its key"
            + (f" (fingerprint {bound[:12]})" if bound else "")
            + ", so ingestion stopped and nothing was loaded: a new key would give every "
            "returning child a second pseudonym. Restore the key file from its backup, or if "
            f"the key is lost follow {ROTATION_PROCEDURE}."
        ) from None
    if bound is None:
        bind_key(conn, key, "bound to a warehouse loaded before key binding")
        return key
    if key_fingerprint(key) != bound:
        raise PseudonymKeyError(
            f"The configured pseudonym key (fingerprint {key_fingerprint(key)[:12]}) is not "
            f"this warehouse's key (fingerprint {bound[:12]}), so ingestion stopped and "
            "nothing was loaded: a different key would give every returning child a second "
            f"pseudonym. Check {settings.PSEUDONYM_KEY_ENV} and {settings.PSEUDONYM_KEY_FILE_ENV} "
            f"(now {settings.pseudonym_key_file()}) and restore the warehouse's key, or to "
            f"change keys follow {ROTATION_PROCEDURE}."
        )
    return key
