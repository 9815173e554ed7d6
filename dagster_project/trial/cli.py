"""Placeholder: `mash simulate` lands with the trial issue."""

import click


@click.command("simulate")
def simulate() -> None:
    """Play a whole simulated trial."""
    raise click.ClickException("not built yet")
