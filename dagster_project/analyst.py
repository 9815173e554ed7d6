"""Analyst access to the published warehouse: ``mash query`` and ``mash shell``.

Both open ``published/mash.duckdb`` read-only; the pipeline's own ``warehouse.duckdb`` is
never touched, so analysts cannot block or disturb a run, and neither creates a folder.
``mash query`` streams its result in batches, so a large result costs no more memory than
a small one.
"""

import code
import csv
import json
import math
import os
import shutil
import sys
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import click
import duckdb

from dagster_project import settings
from dagster_project.warehouse import MissingWarehouse, connect_read_only

BATCH_ROWS = 10_000

#: Characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def published_file() -> Path:
    """The published file of the configured data folder, which must exist already."""
    data_dir = settings.data_dir()
    if not data_dir.is_dir():
        raise click.ClickException(
            f"The data folder {data_dir} does not exist. Check {settings.DATA_DIR_ENV} "
            "(is it spelt right?) or build one with `make run`."
        )
    path = data_dir / settings.PUBLISHED_FILE
    if not path.is_file():
        raise click.ClickException(
            f"No published warehouse at {path} yet. Build it first with `make run` "
            f"(or point {settings.DATA_DIR_ENV} at a data folder that has one)."
        )
    return path


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        return connect_read_only(path)
    except MissingWarehouse as error:
        raise click.ClickException(str(error)) from error


def neutralised(cell: object) -> object:
    """A text cell a spreadsheet would run as a formula, prefixed with a single quote."""
    if isinstance(cell, str) and cell.startswith(FORMULA_LEADS):
        return "'" + cell
    return cell


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return str(value)


def _json_row(columns: list[str], row: tuple) -> str:
    values = [None if isinstance(v, float) and not math.isfinite(v) else v for v in row]
    return json.dumps(
        dict(zip(columns, values, strict=True)), default=_json_value, ensure_ascii=False
    )


def _batches(result: duckdb.DuckDBPyConnection) -> Iterator[list[tuple]]:
    while rows := result.fetchmany(BATCH_ROWS):
        yield rows


def _write_csv(result: duckdb.DuckDBPyConnection, columns: list[str]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\r\n")  # RFC 4180
    writer.writerow(columns)
    for rows in _batches(result):
        writer.writerows([neutralised(cell) for cell in row] for row in rows)


def _write_json(result: duckdb.DuckDBPyConnection, columns: list[str]) -> None:
    """A JSON array of row objects, one object a line."""
    separator = "\n"
    sys.stdout.write("[")
    for rows in _batches(result):
        for row in rows:
            sys.stdout.write(separator + _json_row(columns, row))
            separator = ",\n"
    sys.stdout.write("\n]\n" if separator != "\n" else "]\n")


def _text(value: object) -> str:
    return "NULL" if value is None else str(value)


def _write_table(result: duckdb.DuckDBPyConnection, columns: list[str]) -> None:
    """Aligned columns, as wide as the header and the first batch need."""
    widths = None
    for rows in _batches(result):
        cells = [[_text(value) for value in row] for row in rows]
        if widths is None:
            widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
            click.echo("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
        click.echo(
            "\n".join(
                "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells
            )
        )
    if widths is None:
        click.echo(f"(no rows; columns: {', '.join(columns)})")


@click.command("query")
@click.argument("sql")
@click.option(
    "--csv",
    "as_csv",
    is_flag=True,
    help="Print CSV (header row, comma separated); text cells starting =, +, -, @, tab or "
    "carriage return get a leading ' so spreadsheets do not run them as formulas.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of row objects.")
def query(sql: str, as_csv: bool, as_json: bool) -> None:
    """Run SQL against the published warehouse (read-only) and print the result.

    Example: mash query "SELECT * FROM marts.rpt_agency_type_summary"
    """
    if as_csv and as_json:
        raise click.UsageError("Choose one of --csv and --json.")
    con = _open(published_file())
    try:
        result = con.execute(sql)
        columns = [name for name, *_ in result.description or []]
        write = _write_csv if as_csv else _write_json if as_json else _write_table
        write(result, columns)
    except duckdb.Error as error:
        raise click.ClickException(f"The query failed: {error}") from error
    except BrokenPipeError:
        # The reader stopped early (`mash query ... | head`): no traceback, and no second
        # error when Python flushes stdout on exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    finally:
        con.close()


@click.command("shell")
def shell() -> None:
    """Open the published warehouse read-only: the duckdb CLI if installed, else Python."""
    path = published_file()
    duckdb_cli = shutil.which("duckdb")
    if duckdb_cli:
        os.execv(duckdb_cli, [duckdb_cli, "-readonly", str(path)])
    con = _open(path)
    banner = (
        f"Published warehouse {path} (read-only) is open as `con`.\n"
        'Try: con.sql("SHOW ALL TABLES").show()   or   con.sql("SELECT ...").df()'
    )
    try:
        code.interact(banner=banner, local={"con": con}, exitmsg="")
    finally:
        con.close()
