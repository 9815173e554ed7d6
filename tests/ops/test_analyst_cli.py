"""``mash query`` and ``mash shell`` on the published file."""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from dagster_project import settings
from dagster_project.cli import main

MASH = str(Path(sys.executable).parent / "mash")
QUERY = "SELECT contact_id, version FROM marts.fct_contacts ORDER BY contact_id"


@pytest.fixture
def published(warehouse, run_publish) -> Path:
    assert run_publish(warehouse).success
    return settings.published_path()


def _expected(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(QUERY).fetchall()
    finally:
        con.close()


def _mash(*args: str):
    return CliRunner().invoke(main, list(args))


def test_query_prints_a_table(published):
    result = _mash("query", QUERY)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["contact_id", "version"]
    assert [tuple(line.split()) for line in lines[1:]] == [
        (contact_id, str(version)) for contact_id, version in _expected(published)
    ]


def test_query_csv(published):
    result = _mash("query", "--csv", QUERY)

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["contact_id"], int(r["version"])) for r in rows] == _expected(published)


def test_query_json(published):
    result = _mash("query", "--json", QUERY)

    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["contact_id"], r["version"]) for r in rows] == _expected(published)


def test_query_without_a_published_file_says_how_to_make_one(data_dir):
    result = _mash("query", "SELECT 1")

    assert result.exit_code != 0
    assert "No published warehouse at" in result.output
    assert "make run" in result.output


def test_query_is_read_only(published, file_state):
    before = file_state(published)

    result = _mash("query", "CREATE TABLE marts.scratch AS SELECT 1 AS x")

    assert result.exit_code != 0
    assert "The query failed" in result.output
    assert "read-only" in result.output
    assert file_state(published) == before


def test_query_reports_sql_errors(published):
    result = _mash("query", "SELECT * FROM marts.no_such_table")

    assert result.exit_code != 0
    assert "The query failed" in result.output
    assert "no_such_table" in result.output


def _shell(stdin: str, path_dirs: list[Path]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": os.pathsep.join(map(str, path_dirs))}
    return subprocess.run(
        [MASH, "shell"], input=stdin, env=env, capture_output=True, text=True, timeout=120
    )


def test_shell_falls_back_to_python_with_a_read_only_connection(published):
    script = (
        "print('rows', con.execute('SELECT count(*) FROM marts.fct_contacts').fetchone()[0])\n"
        "con.execute('CREATE TABLE marts.scratch AS SELECT 1')\n"
    )

    result = _shell(script, [Path(sys.executable).parent])

    assert f"rows {len(_expected(published))}" in result.stdout
    assert "read-only" in result.stderr


def test_shell_opens_the_duckdb_cli_read_only_when_installed(published, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "argv.txt"
    fake_cli = bin_dir / "duckdb"
    fake_cli.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\n')
    fake_cli.chmod(0o755)

    result = _shell("", [bin_dir, Path(sys.executable).parent])

    assert result.returncode == 0, result.stderr
    assert record.read_text().splitlines() == ["-readonly", str(published)]
