"""Dagster's run-sharded SQLite event log, with its connections kept open.

Dagster's ``SqliteEventLogStorage`` creates an engine, connects and disconnects for every
event it stores, and again for every "does this table exist" it asks; a night stores about
800 events (each dbt test is planned, output and evaluated), so opening and closing SQLite
files was about a quarter of the command-line run's own time. This storage keeps one engine
per shard (the run's file, ``index.db``) for the life of the instance, the few most recently
used (a UI or daemon process reads many runs' files over months), and remembers the tables
it found. The files, their schema and what is written are Dagster's own: the data
folder's ``dagster.yaml`` names this class instead of ``storage: sqlite``.

Its one setting is the instance's folder (``dagster_home: {env: DAGSTER_HOME}``); the event
log is in its ``history/runs/``, where Dagster's default storage keeps it. No path is written
down, so a data folder moved or copied takes its event log with it.
"""

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster import StringSource
from dagster._core.instance.ref import _event_logs_directory
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine
from sqlalchemy.engine import Connection, Engine

#: Engines kept open at once: the index and the runs in hand; older ones are closed.
OPEN_SHARDS = 4


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables_found: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls):
        return {"dagster_home": StringSource}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(_event_logs_directory(config_value["dagster_home"]), inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engines.get(shard)
            if engine is None:
                engine = create_engine(
                    self.conn_string_for_shard(shard),
                    pool_size=1,
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                )
                self._engines[shard] = engine
                if len(self._engines) > OPEN_SHARDS:
                    self._engines.popitem(last=False)[1].dispose()
            self._engines.move_to_end(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        # Only a table found is remembered: a migration may add one, none removes one.
        if table_name not in self._tables_found and super().has_table(table_name):
            self._tables_found.add(table_name)
        return table_name in self._tables_found

    def _dispose_engines(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def wipe(self) -> None:
        self._dispose_engines()
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()
