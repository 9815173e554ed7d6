"""Analyst access to the published warehouse: ``mash query`` and ``mash shell``.

Both open ``published/mash.duckdb`` read-only; the pipeline's own ``warehouse.duckdb`` is
never touched, so analysts cannot block or disturb a run.
"""

import code
import os
import shutil
import sys
from pathlib import Path

import click
import duckdb

from dagster_project import settings


def published_file() -> Path:
    path = settings.published_path()
    if not path.exists():
        raise click.ClickException(
            f"No published warehouse at {path} yet. Build it first with `make run` "
            f"(or point {settings.DATA_DIR_ENV} at a data folder that has one)."
        )
    return path


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


@click.command("query")
@click.argument("sql")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (header row, comma separated).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of row objects.")
def query(sql: str, as_csv: bool, as_json: bool) -> None:
    """Run SQL against the published warehouse (read-only) and print the result.

    Example: mash query "SELECT * FROM marts.rpt_agency_type_summary"
    """
    if as_csv and as_json:
        raise click.UsageError("Choose one of --csv and --json.")
    con = connect_read_only(published_file())
    try:
        frame = con.execute(sql).df()
    except duckdb.Error as error:
        raise click.ClickException(f"The query failed: {error}") from error
    finally:
        con.close()
    if as_csv:
        frame.to_csv(sys.stdout, index=False)
    elif as_json:
        click.echo(frame.to_json(orient="records", date_format="iso", indent=2))
    elif frame.empty:
        click.echo(f"(no rows; columns: {', '.join(map(str, frame.columns))})")
    else:
        click.echo(frame.to_string(index=False))


@click.command("shell")
def shell() -> None:
    """Open the published warehouse read-only: the duckdb CLI if installed, else Python."""
    path = published_file()
    duckdb_cli = shutil.which("duckdb")
    if duckdb_cli:
        os.execv(duckdb_cli, [duckdb_cli, "-readonly", str(path)])
    con = connect_read_only(path)
    banner = (
        f"Published warehouse {path} (read-only) is open as `con`.\n"
        'Try: con.sql("SHOW ALL TABLES").show()   or   con.sql("SELECT ...").df()'
    )
    try:
        code.interact(banner=banner, local={"con": con}, exitmsg="")
    finally:
        con.close()
