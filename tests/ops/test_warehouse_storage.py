"""The working warehouse is created in a storage version DuckDB 1.5 clients open, by every
opener that may create it: the warehouse module, dbt (its profile) and the Dagster resource;
the published file stays in DuckDB's 1.0 format.

The installed DuckDB would otherwise write its own newest format, which a 1.5 CLI refuses
("Trying to read a database file with version number 999, but we can only read versions
between 64 and 68"). The file header's version number is read from the bytes, so the test
does not depend on DuckDB describing its own file.
"""

import struct
from pathlib import Path

import duckdb
import yaml

from dagster_project import settings
from dagster_project.defs.resources import WarehouseResource, build_resources
from dagster_project.publishing import PUBLISHED_STORAGE_VERSION, publish_warehouse
from dagster_project.warehouse import (
    WAREHOUSE_CONFIG,
    WAREHOUSE_STORAGE_VERSION,
    create_warehouse,
    storage_version,
)
from tests.dbt_cli import run_dbt

#: The storage version numbers DuckDB 1.5 reads (v1.0.0 is 64, v1.5.0 is 68).
READ_BY_DUCKDB_1_5 = range(64, 69)


def header_version_number(path: Path) -> int:
    """The storage version number in a DuckDB file's main header (after checksum and magic)."""
    header = path.read_bytes()[:20]
    assert header[8:12] == b"DUCK", f"{path} is not a DuckDB file"
    return struct.unpack("<Q", header[12:20])[0]


def reported_version(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as conn:
        return storage_version(conn)


def assert_readable_by_duckdb_1_5(path: Path) -> None:
    assert header_version_number(path) in READ_BY_DUCKDB_1_5
    assert reported_version(path) == f"{WAREHOUSE_STORAGE_VERSION}+"


def test_the_installed_duckdb_would_write_a_version_duckdb_1_5_refuses(tmp_path):
    """Why the setting exists: without it a new file is out of 1.5's reach."""
    path = tmp_path / "default.duckdb"
    duckdb.connect(str(path)).close()
    assert header_version_number(path) not in READ_BY_DUCKDB_1_5


def test_create_warehouse_writes_a_version_duckdb_1_5_reads(tmp_path):
    path = create_warehouse(tmp_path / "data" / "warehouse.duckdb")
    assert_readable_by_duckdb_1_5(path)
    with duckdb.connect(str(path)) as conn:
        conn.execute("create table t as select range as x from range(100000)")
        conn.execute("checkpoint")
    assert_readable_by_duckdb_1_5(path)


def test_create_warehouse_leaves_an_existing_file_as_it_is(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("create table kept as select 1 as x")
    before = header_version_number(path)
    create_warehouse(path)
    assert header_version_number(path) == before
    with duckdb.connect(str(path), read_only=True) as conn:
        assert conn.execute("select x from kept").fetchall() == [(1,)]


def test_a_warehouse_dbt_creates_is_in_that_version(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    run_dbt(
        ["build", "--select", "resource_type:seed", "--indirect-selection", "cautious", "--quiet"],
        data,
        tmp_path / "dbt-target",
        check=True,
    )
    path = data / "warehouse.duckdb"
    assert_readable_by_duckdb_1_5(path)
    with duckdb.connect(str(path), read_only=True) as conn:
        [(seeded,)] = conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'reference'"
        ).fetchall()
    assert seeded > 0


def test_the_warehouse_resource_given_the_config_creates_that_version(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    resource = WarehouseResource(database=str(path), connection_config=WAREHOUSE_CONFIG)
    with resource.get_connection() as conn:
        conn.execute("create table t as select 1 as x")
    assert_readable_by_duckdb_1_5(path)


def test_the_pipelines_duckdb_resource_creates_that_version(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))
    with build_resources()["duckdb"].get_connection() as conn:
        conn.execute("create table t as select 1 as x")
    assert_readable_by_duckdb_1_5(settings.warehouse_path())


def test_the_published_file_is_in_duckdb_1_0s_format_and_reads_back(warehouse, tmp_path):
    """Publishing copies a warehouse (here one made by the installed DuckDB's default) into
    the 1.0 format, which every client from DuckDB 1.0 on opens."""
    published = publish_warehouse(warehouse, tmp_path / "published" / "mash.duckdb", "run-1")
    assert header_version_number(published.path) == 64
    assert reported_version(published.path) == f"{PUBLISHED_STORAGE_VERSION}+"
    with duckdb.connect(str(published.path), read_only=True) as conn:
        [(rows,)] = conn.execute("select count(*) from marts.fct_contacts").fetchall()
    assert rows == 10


def test_the_dbt_profile_connects_with_the_warehouse_config():
    profile = yaml.safe_load((settings.DBT_PROJECT_DIR / "profiles.yml").read_text())
    assert profile["mash"]["outputs"]["local"]["config_options"] == WAREHOUSE_CONFIG
