"""An incremental dbt build after a night's changes equals a full rebuild of the same raw.

The warehouse is the session's build of the fixture data (``good``), then a night changes
raw: a new month of contacts and calls, a file updating an older contact and call (loaded
with an older timestamp than the first build, so only the versions can tell), a withdrawn
file (one contact reverts to its earlier version, others go), a snapshot re-send of
November 2017 that leaves out the contact staging holds for it (C3), a new match and a
changed match for an old name, and staging rows built with a stale fingerprint. A key
rotation, which rewrites raw's pseudonyms in place, makes staging recompute every row.
``dbt build`` on that warehouse and ``dbt build --full-refresh`` on a copy must give the
same tables, row for row.
"""

import shutil
from pathlib import Path

import duckdb
import pytest

from dagster_project import settings
from dagster_project.defs.resources import MashDbtCliResource
from dagster_project.ingest.withdrawal import withdraw_version
from dagster_project.matching.referrer_keys import referrer_key
from dagster_project.pseudonymise import bind_key
from tests.dbt_cli import run_dbt

from . import fixture_data, raw_layer

NEW_CONTACTS = "contacts/contacts_2019_08.csv"
NEW_CALLS = "calls/calls_2019_08.csv"
UPDATES = "contacts/contacts_2019_08_updates.csv"
SNAPSHOT = "contacts/contacts_2017_11_resent.csv"
CALL_UPDATES = "calls/calls_2019_08_updates.csv"
#: The schemas dbt builds (seeds and test failures aside).
BUILT_SCHEMAS = ("staging", "intermediate", "marts", "audit")


def _dbt_build(*flags: str) -> None:
    """``dbt build`` of the session's warehouse, beside the scenarios' builds."""
    run_dbt(
        ["build", "--quiet", *flags],
        settings.data_dir(),
        MashDbtCliResource.target_dir(),
        check=True,
    )


def _night(warehouse: Path) -> None:
    """One night's changes to raw and matching, as ingestion, matching and withdrawal make them."""
    new_night = {"loaded_at": "2019-09-01 02:00:00", "source_sha256": "8" * 64}
    older_stamp = {"loaded_at": "2019-05-01 02:00:00", "source_sha256": "9" * 64}
    contact = fixture_data._contact
    call = fixture_data._call
    raw_layer.append_rows(
        warehouse,
        {
            "raw.contacts": [
                contact(
                    "C30",
                    "2019-08-05 09:00",
                    "Telephone",
                    "2A - Schools",
                    "NFA",
                    NEW_CONTACTS,
                    2,
                    referrer_name="Abbey Primary",
                    call_reference="K30",
                    **new_night,
                ),
                contact(
                    "C31",
                    "2019-08-06 10:00",
                    "Email",
                    "Police",
                    "NFA",
                    NEW_CONTACTS,
                    3,
                    referrer_name="County Constabulary",
                    **new_night,
                ),
                # a later version of a first-build contact, in a file stamped before that build
                contact(
                    "C1",
                    "2017-09-15 09:30",
                    "Telephone",
                    "2A - Schools",
                    "Referral to CSC - Single Assessment",
                    UPDATES,
                    2,
                    referrer_name="Mrs A Smith (DSL) - Abbey Primary",
                    record_updated_at="2019-08-01 09:00",
                    **older_stamp,
                ),
                # November 2017 re-sent whole, without C3
                contact(
                    "C32",
                    "2017-11-21 10:00",
                    "Email",
                    "Police",
                    "NFA",
                    SNAPSHOT,
                    2,
                    referrer_name="County Constabulary",
                    resend_mode="snapshot",
                    loaded_at="2019-09-01 02:00:00",
                    source_sha256="7" * 64,
                ),
            ],
            "raw.calls": [
                call(
                    "K30",
                    "2019-08-05 08:50",
                    "2",
                    NEW_CALLS,
                    2,
                    caller_number="01926111111",
                    **new_night,
                ),
                call(
                    "K1",
                    "2018-12-10 10:00",
                    "2",
                    CALL_UPDATES,
                    2,
                    caller_number="01926111111",
                    call_result="Transferred",
                    record_updated_at="2019-08-01 09:00",
                    **older_stamp,
                ),
            ],
            "matching.agency_matches": [
                fixture_data._match(
                    "county constabulary",
                    "Police",
                    "fuzzy",
                    fixture_data.seeded_agency("Police").agency_id,
                    None,
                    90,
                )
            ],
        },
    )
    with duckdb.connect(str(warehouse)) as connection:
        # a reviewer resolved an old name: its old contacts must follow
        connection.execute(
            "update matching.agency_matches set match_method = 'override', agency_id = 'SCH100001',"
            " school_urn = 100001, in_review = false where referrer_key = ?",
            [referrer_key("dr who surgery", raw_layer.TEST_KEY)],
        )
        # rows built by other code or seeds: the fingerprint makes them all rebuild
        connection.execute(
            "update staging.stg_telephony__calls set build_fingerprint = 'stale',"
            " call_outcome = 'stale'"
        )
        withdraw_version(connection, fixture_data.CONTACTS_2019)


@pytest.fixture(scope="module")
def builds(data_dir: Path, good, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(incremental, full rebuild) warehouses after the night."""
    folder = tmp_path_factory.mktemp("incremental")
    warehouse = settings.warehouse_path()
    shutil.copy(good.warehouse, warehouse)
    _night(warehouse)
    before = folder / "before.duckdb"
    shutil.copy(warehouse, before)
    _dbt_build()
    incremental = folder / "incremental.duckdb"
    shutil.copy(warehouse, incremental)
    shutil.copy(before, warehouse)
    _dbt_build("--full-refresh")
    full = folder / "full.duckdb"
    shutil.copy(warehouse, full)
    return incremental, full


def _tables(connection: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[str]]:
    rows = connection.execute(
        "select table_schema || '.' || table_name, list(column_name order by ordinal_position)"
        " from information_schema.columns"
        " where table_catalog = ? and list_contains(?, table_schema)"
        " group by all order by all",
        [catalog, list(BUILT_SCHEMAS)],
    ).fetchall()
    return dict(rows)


def test_incremental_build_equals_full_rebuild(builds):
    incremental, full = builds
    with duckdb.connect(str(incremental), read_only=True) as connection:
        connection.execute(f"attach '{full}' as full_build (read_only)")
        tables = _tables(connection, "incremental")
        assert tables == _tables(connection, "full_build")
        assert {"staging.stg_mash__contacts", "marts.fct_school_month"} <= set(tables)
        for table in tables:
            for left, right in (("incremental", "full_build"), ("full_build", "incremental")):
                [(extra,)] = connection.execute(
                    f"select count(*) from (select * from {left}.{table}"
                    f" except all select * from {right}.{table})"
                ).fetchall()
                assert extra == 0, f"{table}: {extra} rows of the {left} build not in the other"


def test_the_night_changed_what_it_should(builds):
    incremental, _ = builds
    with duckdb.connect(str(incremental), read_only=True) as connection:
        contacts = dict(
            connection.execute(
                "select contact_id, outcome from staging.stg_mash__contacts"
                " where contact_id in ('C1', 'C2', 'C3', 'C30', 'C31', 'C32')"
            ).fetchall()
        )
        withdrawn_only = connection.execute(
            "select count(*) from staging.stg_mash__contacts where source_file = ?",
            [fixture_data.CONTACTS_2019],
        ).fetchall()
        stale = connection.execute(
            "select count(*) from staging.stg_telephony__calls where call_outcome = 'stale'"
        ).fetchall()
    assert contacts == {
        "C1": "Referral to CSC - Single Assessment",
        "C2": "Information and Advice",  # its later version was in the withdrawn file
        "C30": "NFA",
        "C31": "NFA",
        "C32": "NFA",  # C3 was left out of its month's snapshot
    }
    assert withdrawn_only == [(0,)]
    assert stale == [(0,)]


def test_a_night_with_nothing_new_recomputes_no_staging_row(builds, data_dir: Path):
    incremental, _ = builds
    warehouse = settings.warehouse_path()
    shutil.copy(incremental, warehouse)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            "update staging.stg_mash__contacts set responsible_team = 'kept'"
            " where contact_id = 'C4'"
        )
    _dbt_build("--select", "stg_mash__contacts")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute(
            "select responsible_team from staging.stg_mash__contacts where contact_id = 'C4'"
        ).fetchall() == [("kept",)]


def test_a_key_rotation_recomputes_every_pseudonym(builds, data_dir: Path):
    incremental, _ = builds
    warehouse = settings.warehouse_path()
    shutil.copy(incremental, warehouse)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("update raw.contacts set child_key = 'rotated-' || child_key")
        connection.execute("update raw.calls set caller_key = 'rotated-' || caller_key")
        bind_key(connection, b"rotated-key-" + b"r" * 32, "rotated")
    _dbt_build("--select", "stg_mash__contacts", "stg_telephony__calls")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute(
            "select count(*) filter (where child_key not like 'rotated-%'), count(*) ="
            " (select count(distinct contact_id) from raw.contacts where contact_id not in"
            " (select record_id from audit.withdrawn_records))"
            " from staging.stg_mash__contacts"
        ).fetchall() == [(0, True)]
        assert connection.execute(
            "select count(*) from staging.stg_telephony__calls"
            " where caller_key not like 'rotated-%'"
        ).fetchall() == [(0,)]
