"""``mash trial ...``: the trial's commands. The page renderer (scipy, pandas) is imported
when a command runs, so that every other ``mash`` command starts without it."""

from pathlib import Path

import click

from dagster_project import settings
from dagster_project.trial.plan import PlanError, load_plan
from dagster_project.warehouse import MissingWarehouse, connect_read_only, table_exists

PLAN_PAGE = "trial_analysis_plan.html"


@click.group("trial")
def trial_commands() -> None:
    """The randomised trial."""


@trial_commands.command("plan")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Where to write the page [default: the reports folder's {PLAN_PAGE}].",
)
def plan_command(output: Path | None) -> None:
    """Write the statistical analysis plan, from the plan file, as one HTML page."""
    from dagster_project.trial.plan_page import render_plan_page

    try:
        plan = load_plan()
    except PlanError as error:
        raise click.ClickException(str(error)) from error
    output = output or settings.reports_dir() / PLAN_PAGE
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_plan_page(plan, _power_table()), encoding="utf-8")
    click.echo(f"Wrote the analysis plan (hash {plan.hash[:12]}) to {output}")


def _power_table():
    """``trial.power`` from the warehouse, or None when there is none yet."""
    try:
        with connect_read_only(settings.warehouse_path()) as conn:
            if not table_exists(conn, "trial.power"):
                return None
            return conn.execute("select * from trial.power order by outcome, method").df()
    except MissingWarehouse:
        return None
