"""The pseudonym computed in SQL equals Python's hmac on the same key and value, so a
warehouse loaded before keeps linking; the phone rule is the dbt macro's."""

import hashlib
import hmac

import duckdb
import pytest

from dagster_project.ingest.pseudonyms import key_pads, phone_sql, pseudonym_sql
from dagster_project.pseudonymise import pseudonymise

VALUES = [
    "CHILD-0001",
    "4455",
    "01926410410",
    " padded\t",
    "Zoë Ångström-O’Brien",
    "名前 子供",
    "\u00a0non-breaking\u3000",
    "emoji 🙂 and NUL-free",
    "x" * 5000,
]
KEYS = [
    b"0123456789abcdef" * 4,  # 64 bytes: the block size
    b"a-key-of-exactly-32-characters!!",
    "ключ-длиннее-блока-".encode() * 8,  # longer than the block: hashed first
]


@pytest.mark.parametrize("key", KEYS, ids=["64-bytes", "32-bytes", "longer-than-block"])
def test_sql_pseudonym_equals_python_hmac(key):
    with duckdb.connect() as conn:
        computed = conn.execute(
            f"SELECT v, {pseudonym_sql('v')} FROM unnest($values) AS t(v)",
            {**key_pads(key), "values": VALUES},
        ).fetchall()
    for value, pseudonym in computed:
        expected = hmac.new(key, value.strip().encode(), hashlib.sha256).hexdigest()
        assert pseudonym == expected == pseudonymise(value, key), value


def test_the_key_is_a_parameter_never_sql_text():
    key = KEYS[0]
    assert key.hex() not in pseudonym_sql("v") and key.decode() not in pseudonym_sql("v")


@pytest.mark.parametrize(
    ("given", "expected"),
    [("+44 (0)1926 410410", "01926410410"), ("0044 7700 900123", "07700900123"), ("n/a", None)],
)
def test_phone_rule_is_the_dbt_macro(given, expected):
    with duckdb.connect() as conn:
        assert conn.execute(f"SELECT {phone_sql('?')}", [given]).fetchall() == [(expected,)]
