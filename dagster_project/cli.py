"""The project's command line: ``mash``.

Other installed packages add to it through entry points (see pyproject.toml): commands in
the ``mash.commands`` group, and in ``mash.empty_landing`` a command that ``mash run`` invokes
on a fresh install with an empty landing folder, whose options become ``mash run``'s. The
demo package (``mash_demo``) provides both; the platform never imports it.
"""

from importlib.metadata import entry_points

import click

from dagster_project import settings
from dagster_project.analyst import query, shell
from dagster_project.key_rotation import rotate_key_command
from dagster_project.landing_settle import QuietSecondsInvalid
from dagster_project.storage_faults import (
    DamagedWarehouse,
    DiskFull,
    check_warehouse_opens,
    is_disk_full,
)
from dagster_project.trial.commands import trial_commands

COMMANDS_GROUP = "mash.commands"
EMPTY_LANDING_GROUP = "mash.empty_landing"


def _plugins(group: str) -> list[click.Command]:
    """The commands the installed packages name in an entry-point group, by entry-point name."""
    return [
        entry_point.load()
        for entry_point in sorted(
            entry_points(group=group), key=lambda entry_point: entry_point.name
        )
    ]


class _MashGroup(click.Group):
    """A damaged warehouse, a full disk and a setting out of range end a command with their
    message, not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (DamagedWarehouse, QuietSecondsInvalid) as error:
            raise click.ClickException(str(error)) from error
        except click.ClickException:
            raise
        except Exception as error:
            if is_disk_full(error):
                raise click.ClickException(str(DiskFull(error))) from error
            raise


@click.group(cls=_MashGroup)
def main() -> None:
    """MASH demand data platform."""


@main.command("materialize")
def materialize() -> None:
    """Materialise every asset into the warehouse, as the nightly run does."""
    from dagster_project.pipeline import materialize_all

    if not materialize_all(talk=True):
        raise click.ClickException("The run failed; see the lines above.")


@main.command("run")
@click.pass_context
def run(context: click.Context, **empty_landing_options) -> None:
    """Load the landing folder and build everything; on a fresh install with an empty landing
    folder, first play a simulated trial on demo extracts. New landing files are waited for
    until they have settled, as the landing sensor does."""
    from dagster_project.landing_settle import wait_until_settled
    from dagster_project.pipeline import (
        landing_is_empty,
        refresh_if_changed,
        warehouse_has_loaded_files,
    )

    check_warehouse_opens(settings.warehouse_path())
    if landing_is_empty() and not warehouse_has_loaded_files():
        if EMPTY_LANDING is None:
            raise click.ClickException(
                f"The landing folder {settings.landing_dir()} is empty: put the contacts, calls "
                "and school register extracts in its contacts/, calls/ and schools/ folders, or "
                "install the demo package (mash_demo) to play a demo trial."
            )
        context.invoke(EMPTY_LANDING, **empty_landing_options)
        return
    wait_until_settled(settings.landing_dir(), settings.warehouse_path(), click.echo)
    if not refresh_if_changed(click.echo):
        raise click.ClickException("The run failed; see the lines above.")


@main.command("withdraw")
@click.argument("version", metavar="VERSION")
@click.option("--no-rerun", is_flag=True, help="Only remove the rows; do not rerun the build.")
def withdraw(version: str, no_rerun: bool) -> None:
    """Remove the rows of one loaded file VERSION and rerun the build.

    VERSION is a load id or a sha256 prefix (audit.loaded_files lists both), or the file's
    name (e.g. contacts/2019-03.csv) when that name has one version loaded.
    """
    path = settings.warehouse_path()
    if not path.exists():
        raise click.ClickException(f"There is no warehouse at {path}.")
    import duckdb

    from dagster_project.ingest.withdrawal import WithdrawError, withdraw_version

    with duckdb.connect(str(path)) as conn:
        try:
            withdrawal = withdraw_version(conn, version)
        except WithdrawError as error:
            raise click.ClickException(str(error)) from error
    withdrawn = withdrawal.version
    click.echo(
        f"Withdrew {withdrawn.file_name} (load {withdrawn.load_id}, sha256 "
        f"{withdrawn.sha256[:12]}): {withdrawal.rows_removed} row(s) removed from "
        f"raw.{withdrawn.kind}."
    )
    if withdrawal.set_aside is not None:
        click.echo(f"The file was moved out of the landing folder to {withdrawal.set_aside}.")
    if no_rerun:
        return
    from dagster_project.pipeline import materialize_all

    if not materialize_all():
        raise click.ClickException("The rerun failed; see the log above.")


EMPTY_LANDING = next(iter(_plugins(EMPTY_LANDING_GROUP)), None)
if EMPTY_LANDING is not None:
    run.params.extend(EMPTY_LANDING.params)

for command in (*_plugins(COMMANDS_GROUP), query, shell, rotate_key_command, trial_commands):
    main.add_command(command)
