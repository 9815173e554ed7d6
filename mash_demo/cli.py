"""The demo's commands, which the ``mash`` command line finds through entry points
(pyproject.toml): ``mash demo-data``, ``mash simulate``, and the demo trial ``mash run``
plays on a fresh install with an empty landing folder."""

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
    from mash_demo.simulate import Planted, SimulationError, format_comparison, run_simulation

    try:
        results = run_simulation(out, Planted(effect, displacement, seed, scale), click.echo)
    except (SimulationError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(format_comparison(results))


@click.command("demo-trial")
@click.option("--effect", default=0.8, show_default=True, help="Demo trial: planted rate ratio.")
@click.option("--displacement", default=0.3, show_default=True, help="Demo trial: share to email.")
@click.option("--seed", default=20190901, show_default=True, help="Demo data seed.")
def demo_trial(effect: float, displacement: float, seed: int) -> None:
    """Play a demo trial in the configured data and landing folders (``mash run`` does, on a
    fresh install with an empty landing folder; its options become ``mash run``'s)."""
    from mash_demo.simulate import Planted, SimulationError, format_comparison, play_trial

    click.echo(f"The landing folder {settings.landing_dir()} is empty: playing a demo trial.")
    try:
        results = play_trial(Planted(effect, displacement, seed), click.echo)
    except SimulationError as error:
        raise click.ClickException(str(error)) from error
    click.echo(format_comparison(results))
