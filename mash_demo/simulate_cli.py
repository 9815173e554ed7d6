"""`mash simulate`: play a whole trial on demo data with a planted effect."""

from pathlib import Path

import click


@click.command("simulate")
@click.option(
    "--effect",
    type=click.FloatRange(min=0, min_open=True),
    default=0.75,
    show_default=True,
    help="Planted rate ratio of intervention schools' phone contacts.",
)
@click.option(
    "--displacement",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of the prevented phone contacts that arrive by email instead.",
)
@click.option("--seed", type=click.IntRange(min=0), default=20190901, show_default=True)
@click.option(
    "--scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Contact and call volumes relative to the calibrated demo.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="An empty folder to be the simulation's data folder.",
)
def simulate(effect, displacement, seed, scale, out) -> None:
    """Play a whole simulated trial: baseline, randomisation, trial months, analysis."""
    from mash_demo.simulate import (
        Planted,
        SimulationError,
        format_comparison,
        run_simulation,
    )

    try:
        results = run_simulation(out, Planted(effect, displacement, seed, scale), click.echo)
    except (SimulationError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(format_comparison(results))
