"""What every asset shares: the DuckDB warehouse, the dbt project, the writers' pool and the
team that owns the platform (dbt nodes name theirs in ``meta``, ``dbt/dbt_project.yml``)."""

import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import dagster as dg
import duckdb
from dagster._utils.backoff import backoff
from dagster._utils.env import environ
from dagster_dbt import DbtCliInvocation, DbtCliResource, DbtProject
from dagster_dbt.compat import DBT_PYTHON_VERSION
from dagster_duckdb import DuckDBResource

from dagster_project import settings
from dagster_project.storage_faults import DamagedWarehouse, is_damage, is_lock_conflict
from dagster_project.warehouse import WAREHOUSE_CONFIG

#: dbt from the same virtualenv, whether or not it is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR
)
# Under `dg dev` (only) the manifest is parsed afresh, with the profile the runs use and the
# virtualenv's dbt (dagster-dbt's preparer looks for `dbt` on PATH).
with environ(
    {
        **settings.dbt_environment(),
        "PATH": os.pathsep.join([str(Path(DBT_EXECUTABLE).parent), os.environ.get("PATH", "")]),
    }
):
    dbt_project.prepare_if_dev()

#: Every asset that writes the warehouse runs in this pool (limit 1 in dagster.yaml).
DUCKDB_WRITER_POOL = "duckdb_writer"

#: Owners of the Python assets.
PLATFORM_OWNERS = ["team:mash-data"]


#: How often, and how long apart, a step retries while another process holds the file lock.
LOCK_RETRIES = 3
LOCK_RETRY_SECONDS = 30


class _WarehouseLocked(Exception):
    """Another process holds the warehouse file."""


class WarehouseResource(DuckDBResource):
    """The warehouse; a step that finds the file locked by another process is retried later,
    the one transient failure worth retrying. A damaged file fails the step at once, saying
    how to rebuild it; data errors fail at once too. The first step to open it makes the
    data folder."""

    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(self.database, config=self.connection_config)
        except duckdb.Error as error:
            if is_lock_conflict(error):
                raise _WarehouseLocked(str(error)) from error
            raise

    def _connect_waiting_for_lock(self) -> duckdb.DuckDBPyConnection:
        # As DuckDBResource connects, but retrying a lock conflict alone: its backoff retried
        # every IO error, a damaged file's for minutes.
        try:
            return backoff(fn=self._connect, retry_on=(_WarehouseLocked,), max_retries=10)
        except _WarehouseLocked as error:
            raise dg.RetryRequested(
                max_retries=LOCK_RETRIES, seconds_to_wait=LOCK_RETRY_SECONDS
            ) from error

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        path = Path(self.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = self._connect_waiting_for_lock()
            try:
                yield conn
            finally:
                conn.close()
        except duckdb.Error as error:
            if is_damage(error, path):
                raise DamagedWarehouse(path, error) from error
            raise


PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def start_from_prepared_parse(target: Path) -> None:
    """A dbt target folder with no parse cache starts from the one ``make setup`` prepared."""
    cache = target / PARTIAL_PARSE_FILE
    prepared = dbt_project.project_dir / dbt_project.target_path / PARTIAL_PARSE_FILE
    if not cache.exists() and prepared.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(prepared, cache)


#: dbt's flags for the runs' invocations: no manifest.json or run_results.json (Dagster reads
#: dbt's event stream, and the manifest it loaded), and a log file at info level, not debug
#: (every statement dbt sends is in the compiled and run SQL files beside it). Together about
#: 0.6 s of each invocation's 5 s at the smallest scale.
NIGHTLY_DBT_FLAGS = {"DBT_WRITE_JSON": "false", "DBT_LOG_LEVEL_FILE": "info"}


class MashDbtCliResource(DbtCliResource):
    """dbt as one subprocess per invocation, and nothing more.

    dagster-dbt would first run ``dbt --version`` and open a dbt adapter in this process (to
    count rows and read columns through it). dbt here is the dbt-core installed beside
    Dagster, and the row counts and columns are read through the DuckDB resource, whose
    connection closes at once (an adapter held open would keep DuckDB's file lock from the
    next dbt step).

    The subprocess finds the data folder as its home (``settings.dbt_environment``), and
    writes its artifacts under the data folder (``dbt/target/``, unless ``DBT_TARGET_PATH``
    says otherwise). Each invocation starts from the data folder's parse cache, or from the
    one ``make setup`` prepared (the profile, which dbt keys the cache on, is the same for
    every data folder), and leaves its own there (``keep_parse``), so dbt parses only what
    changed.
    """

    @cached_property
    def _cli_version(self):
        return DBT_PYTHON_VERSION

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None

    @staticmethod
    def target_dir() -> Path:
        return Path(os.environ.get("DBT_TARGET_PATH") or settings.data_dir() / "dbt" / "target")

    def cli(self, args: Sequence[str], **kwargs) -> DbtCliInvocation:
        target = self.target_dir()
        start_from_prepared_parse(target)
        # The environment is read when the subprocess starts, inside this call.
        with environ(
            {**settings.dbt_environment(), **NIGHTLY_DBT_FLAGS, "DBT_TARGET_PATH": str(target)}
        ):
            return super().cli(args, **kwargs)

    def keep_parse(self, invocation: DbtCliInvocation) -> None:
        """After the invocation ends: its parse becomes the data folder's cache."""
        parsed = invocation.target_path / PARTIAL_PARSE_FILE
        if parsed.exists():
            kept = self.target_dir() / f".{PARTIAL_PARSE_FILE}.{os.getpid()}"
            shutil.copyfile(parsed, kept)
            kept.replace(self.target_dir() / PARTIAL_PARSE_FILE)


def build_resources() -> dict:
    """Resources for the current environment; called when Definitions load or in tests."""
    return {
        "duckdb": WarehouseResource(
            database=str(settings.warehouse_path()), connection_config=WAREHOUSE_CONFIG
        ),
        "dbt": MashDbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources())
