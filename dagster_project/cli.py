"""The project's command line: ``mash``."""

import click

from dagster_project import settings
from dagster_project.analyst import query, shell
from mash_demo.cli import demo_data
from mash_demo.simulate_cli import simulate


@click.group()
def main() -> None:
    """MASH demand data platform."""


@main.command("materialize")
def materialize() -> None:
    """Materialise every asset into the warehouse, as the nightly run does."""
    from dagster_project.pipeline import materialize_all

    if not materialize_all():
        raise click.ClickException("The run failed; see the log above.")


@main.command("run")
@click.option("--effect", default=0.8, show_default=True, help="Demo trial: planted rate ratio.")
@click.option("--displacement", default=0.3, show_default=True, help="Demo trial: share to email.")
@click.option("--seed", default=20190901, show_default=True, help="Demo data seed.")
def run(effect: float, displacement: float, seed: int) -> None:
    """Load the landing folder and build everything; on a fresh install with an empty landing
    folder, first play a simulated trial on demo extracts."""
    from dagster_project.pipeline import (
        landing_is_empty,
        materialize_all,
        warehouse_has_loaded_files,
    )

    if landing_is_empty() and not warehouse_has_loaded_files():
        from mash_demo.simulate import (
            Planted,
            SimulationError,
            format_comparison,
            play_trial,
        )

        click.echo(f"The landing folder {settings.landing_dir()} is empty: playing a demo trial.")
        try:
            results = play_trial(Planted(effect, displacement, seed), click.echo)
        except SimulationError as error:
            raise click.ClickException(str(error)) from error
        click.echo(format_comparison(results))
        return
    if not materialize_all():
        raise click.ClickException("The run failed; see the log above.")


for command in (demo_data, simulate, query, shell):
    main.add_command(command)
