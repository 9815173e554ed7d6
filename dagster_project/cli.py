"""The project's command line: ``mash``."""

import click

from dagster_project.analyst import query, shell
from dagster_project.demo.cli import demo_data
from dagster_project.trial.cli import simulate


@click.group()
def main() -> None:
    """MASH demand data platform."""


@main.command("materialize")
def materialize() -> None:
    """Materialise every asset into the warehouse, as the nightly run does."""
    from dagster_project.pipeline import materialize_all

    if not materialize_all():
        raise click.ClickException("The run failed; see the log above.")


for command in (demo_data, simulate, query, shell):
    main.add_command(command)
