"""Keyed pseudonyms (HMAC-SHA256) for child ids and individuals' phone numbers.

The key comes from ``MASH_PSEUDONYM_KEY`` or from a key file outside the repository and
the warehouse (``MASH_PSEUDONYM_KEY_FILE``, default ``~/.config/mash/pseudonym.key``),
created with mode 0600 on first use. Without the key a pseudonym cannot be reversed or
recomputed from a guessed id.
"""

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from dagster_project import settings


class PseudonymKeyError(RuntimeError):
    pass


def _read_or_create_key_file(path: Path) -> bytes:
    if settings.PROJECT_ROOT in path.parents:
        raise PseudonymKeyError(
            f"The pseudonym key file {path} is inside the repository; put it elsewhere "
            f"(set {settings.PSEUDONYM_KEY_FILE_ENV})."
        )
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    key = path.read_text().strip()
    if len(key) < 32:
        raise PseudonymKeyError(f"The pseudonym key in {path} is shorter than 32 characters.")
    return key.encode()


@lru_cache(maxsize=4)
def _key(env_key: str | None, key_file: str) -> bytes:
    if env_key:
        if len(env_key) < 32:
            raise PseudonymKeyError(
                f"{settings.PSEUDONYM_KEY_ENV} must be at least 32 characters long."
            )
        return env_key.encode()
    return _read_or_create_key_file(Path(key_file))


def pseudonym_key() -> bytes:
    return _key(os.environ.get(settings.PSEUDONYM_KEY_ENV), str(settings.pseudonym_key_file()))


def pseudonymise(value: str, key: bytes | None = None) -> str:
    """The hex HMAC-SHA256 of a trimmed value."""
    digest = hmac.new(key or pseudonym_key(), value.strip().encode(), hashlib.sha256)
    return digest.hexdigest()
