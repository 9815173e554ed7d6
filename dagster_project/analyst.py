"""Placeholder: `mash query` and `mash shell` land with the operations issue."""

import click


@click.command("query")
def query() -> None:
    """Query the published warehouse."""
    raise click.ClickException("not built yet")


@click.command("shell")
def shell() -> None:
    """Open a shell on the published warehouse."""
    raise click.ClickException("not built yet")
