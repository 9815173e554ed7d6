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


@pytest.fixture
def awkward(warehouse, add_table, run_publish) -> Path:
    """A published table of cells a spreadsheet would run, and signed numbers."""
    add_table(
        warehouse,
        "CREATE TABLE marts.awkward AS SELECT * FROM (VALUES "
        "(1, '=HYPERLINK(\"http://example.org\")', -5, -2.5, '2017/18'), "
        "(2, '+SUM(A1:A2)', 3, 0.5, 'St Mary''s'), (3, '-1+1', -1, -0.25, 'plain'), "
        "(4, '@cmd', 0, 1.0, chr(9) || 'tabbed'), (5, chr(13) || 'cr', 7, 2.0, 'a=b')) "
        "t(n, formula, signed, fraction, text)",
    )
    assert run_publish(warehouse).success
    return settings.published_path()


def test_query_csv_neutralises_formula_cells_and_keeps_numbers_numeric(awkward):
    result = _mash("query", "--csv", "SELECT * FROM marts.awkward ORDER BY n")

    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["n", "formula", "signed", "fraction", "text"]
    assert [row[1] for row in rows[1:]] == [
        '\'=HYPERLINK("http://example.org")',
        "'+SUM(A1:A2)",
        "'-1+1",
        "'@cmd",
        "'\rcr",
    ]
    assert [row[2] for row in rows[1:]] == ["-5", "3", "-1", "0", "7"]
    assert [float(row[3]) for row in rows[1:]] == [-2.5, 0.5, -0.25, 1.0, 2.0]
    assert [row[4] for row in rows[1:]] == ["2017/18", "St Mary's", "plain", "'\ttabbed", "a=b"]


def test_query_json_writes_slashes_as_they_are(awkward):
    result = _mash("query", "--json", "SELECT n, text FROM marts.awkward ORDER BY n")

    assert result.exit_code == 0, result.output
    assert '"2017/18"' in result.output
    assert "\\/" not in result.output
    assert [row["text"] for row in json.loads(result.output)][:2] == ["2017/18", "St Mary's"]


def test_query_json_of_no_rows_is_an_empty_array(published):
    result = _mash("query", "--json", "SELECT * FROM marts.fct_contacts WHERE false")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == []


LARGE = "SELECT i, 'row ' || i AS label, i * 0.5 AS half FROM range(25000) t(i) ORDER BY i"


@pytest.mark.parametrize("form", ["--csv", "--json", None])
def test_query_streams_results_larger_than_a_batch(published, form):
    result = _mash("query", *([form] if form else []), LARGE)

    assert result.exit_code == 0, result.output
    if form == "--csv":
        rows = list(csv.DictReader(io.StringIO(result.output)))
        values = [(int(r["i"]), r["label"], float(r["half"])) for r in rows]
    elif form == "--json":
        values = [(r["i"], r["label"], r["half"]) for r in json.loads(result.output)]
    else:
        lines = result.output.splitlines()
        assert lines[0].split() == ["i", "label", "half"]
        values = [(int(a), f"{b} {c}", float(d)) for a, b, c, d in map(str.split, lines[1:])]
    assert values == [(i, f"row {i}", i * 0.5) for i in range(25000)]


def test_query_with_a_mistyped_data_folder_creates_nothing(tmp_path, monkeypatch):
    mistyped = tmp_path / "dta" / "mash"
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(mistyped))

    result = _mash("query", "SELECT 1")

    assert result.exit_code != 0
    assert f"The data folder {mistyped} does not exist" in result.output
    assert settings.DATA_DIR_ENV in result.output
    assert list(tmp_path.iterdir()) == []


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


def test_query_stops_quietly_when_the_reader_stops(published):
    """`mash query ... | head`: the reader closes the pipe after one line."""
    process = subprocess.Popen(
        [MASH, "query", "--csv", "SELECT * FROM range(2000000)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    assert process.stdout.readline() == b"range\r\n"
    process.stdout.close()
    _, stderr = process.communicate(timeout=120)

    assert process.returncode == 0, stderr
    assert b"Traceback" not in stderr and b"Error" not in stderr
