"""`mash demo-data`: write demo landing extracts and their ground truth."""

import time
from pathlib import Path

import click

from dagster_project import settings

DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.command("demo-data")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Landing folder to write into (default: the configured landing folder).",
)
@click.option("--seed", type=click.IntRange(min=0), default=20190901, show_default=True)
@click.option(
    "--truth",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Ground-truth folder (default: demo_truth/ beside the landing folder).",
)
@click.option(
    "--start", type=DAY, default="2017-09-01", show_default=True, help="First day (YYYY-MM-DD)."
)
@click.option(
    "--end", type=DAY, default="2019-08-31", show_default=True, help="Last day (YYYY-MM-DD)."
)
@click.option(
    "--scale", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True
)
def demo_data(out, seed, truth, start, end, scale) -> None:
    """Write demo contacts, calls and school register extracts, deterministic for a seed."""
    from mash_demo.generate import write_demo_extracts

    landing = out or settings.landing_dir()
    began = time.perf_counter()
    try:
        summary = write_demo_extracts(
            landing, truth, seed=seed, start=start.date(), end=end.date(), scale=scale
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Wrote {len(summary['files'])} extract files for {len(summary['months'])} months "
        f"({summary['contacts']} contacts, {summary['calls']} calls) to {summary['landing_dir']} "
        f"in {time.perf_counter() - began:.1f}s; ground truth in {summary['truth_dir']}."
    )
