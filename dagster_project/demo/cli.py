"""Placeholder: `mash demo-data` lands with the foundation issue."""

import click


@click.command("demo-data")
def demo_data() -> None:
    """Write demo landing extracts."""
    raise click.ClickException("not built yet")
