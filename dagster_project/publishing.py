"""Writing the analysts' copy of the warehouse and swapping it in atomically.

The copy is built in a hidden file beside the published one, checked against the personal
data guard, flushed to disk and renamed over ``published/mash.duckdb``. A reader that opened
the old file keeps reading it (the old inode lives until its last handle closes); a reader
that opens the path afterwards gets the new file. Nobody ever sees a half-written copy.

The guard refuses inner-layer tables, columns named like personal data, and text values
shaped like e-mail addresses, UK phone numbers, person ids or postcodes (RE2 patterns, so
linear in the text). A draft left by a killed publish is swept by the next one: publishing
runs in the single-writer pool, so no other draft can be in the making.
"""

import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb

from dagster_project.night_inputs import NIGHT_CHECKS
from dagster_project.warehouse import MEMORY_LIMIT, quoted, sql_string

PUBLISHED_SCHEMAS = ("marts", "trial", "audit")

#: Written with DuckDB's 1.0 storage format so older clients (DBeaver drivers, CLIs) open it.
PUBLISHED_STORAGE_VERSION = "v1.0.0"

#: Audit tables published without the columns that may hold a person's name: the review
#: queue keys on normalised referrer names ("mrs j smith dsl abbey infant"), so only its
#: name-free columns (agency type, candidates' ids and scores, occurrences) go out.
REDACTED_COLUMNS = {("audit", "agency_match_review"): re.compile(r"name|referrer|address|text")}

#: Column names that must never reach the published file: referrer free text (and keys made
#: from it), raw child ids, individuals' phone numbers.
FORBIDDEN_COLUMN = re.compile(
    r"referrer_(name|address)"
    r"|(^|_)child_id($|_)"
    r"|(^|_)(caller_number|phone_number|telephone|telephone_num|telephone_number"
    r"|mobile|mobile_number|caller_id)($|_)",
    re.IGNORECASE,
)
#: Table names of the pipeline's inner layers, wherever a model might have been put.
FORBIDDEN_TABLE = re.compile(r"^(raw|stg|int)_", re.IGNORECASE)

#: Tables of the published schemas that stay in the warehouse: the key binding is of use to
#: ingestion only; a night is recorded in the night checks once it has published, so a copy
#: of them would always be a night behind (they are the operator's, through ``mash run``).
NOT_PUBLISHED = {("audit", "pseudonym_key"), tuple(NIGHT_CHECKS.split("."))}

# Value patterns, in DuckDB's RE2 syntax. A match must stand alone: not inside a longer run
# of letters and digits (a 64-hex-digit pseudonym, an agency id such as SCH125001).
_BEFORE = "(^|[^0-9A-Za-z])"
_AFTER = "([^0-9A-Za-z]|$)"
_NATIONAL_NUMBER = r"[0-9]{2,4}\)?[ .-]?[0-9]{3,4}[ .-]?[0-9]{3,4}"
#: What each pattern finds, and the pattern. Phone numbers as written in the UK: 01926 410410,
#: (01926) 410410, 024 7655 1234, 07700 900123, 07700900123, +44 (0)1926 410410, 0044 7700 ...
PERSONAL_VALUE_PATTERNS = {
    "e-mail addresses": r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    "UK phone numbers": (
        rf"{_BEFORE}(\+44 ?(\(0\) ?)?|0044 ?(\(0\) ?)?|\(?0){_NATIONAL_NUMBER}{_AFTER}"
    ),
    # Case systems' person ids are commonly runs of digits; NHS numbers are 3-3-4 digits;
    # unique pupil numbers a letter and 12 digits. Looked for only in values with words in
    # them: a value of digits alone is a count or a number (a rejected duration).
    "person ids": (
        rf"{_BEFORE}([0-9]{{7,10}}|[0-9]{{3}}[ -][0-9]{{3}}[ -][0-9]{{4}}|[A-Za-z][0-9]{{12}})"
        rf"{_AFTER}"
    ),
    "postcodes": rf"(?i){_BEFORE}[A-Z]{{1,2}}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{{2}}{_AFTER}",
}
_HAS_WORDS = "[A-Za-z]"
#: Columns of record ids (contact_id, call_id, agency_id, child_key, school_urn, run_id),
#: file names and digests, id-shaped by design: only scanned for e-mail addresses.
IDENTIFIER_COLUMN = re.compile(
    r"(^|_)(id|key|urn|reference|code|file|file_name|path|sha256)$", re.IGNORECASE
)
#: The pipeline's own sentences (audit messages and reasons), whose long numbers are row
#: counts and line numbers: not scanned for person ids.
PIPELINE_TEXT_COLUMN = re.compile(r"(^|_)(message|reason)$", re.IGNORECASE)


def _scanned_for(column: str) -> list[str]:
    """The kinds of personal value a text column is scanned for."""
    if IDENTIFIER_COLUMN.search(column):
        return ["e-mail addresses"]
    if PIPELINE_TEXT_COLUMN.search(column):
        return [what for what in PERSONAL_VALUE_PATTERNS if what != "person ids"]
    return list(PERSONAL_VALUE_PATTERNS)


#: One row saying when and from which run the file was published.
PUBLICATION_TABLE = ("audit", "publication")


class NothingToPublishError(RuntimeError):
    pass


class PublishGuardError(RuntimeError):
    """The copy would expose a table or column analysts must never see."""


class PublishedTable(NamedTuple):
    """One table of the published copy: its rows, and the columns left out of it."""

    schema: str
    table: str
    rows: int
    dropped_columns: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"


@dataclass(frozen=True)
class Publication:
    path: Path
    published_at: datetime
    tables: tuple[PublishedTable, ...]
    #: Drafts of killed publishes removed before this one was written.
    swept_drafts: tuple[str, ...] = ()

    @property
    def total_rows(self) -> int:
        return sum(table.rows for table in self.tables)


def _published_relations(
    con: duckdb.DuckDBPyConnection, database: str = "warehouse"
) -> list[tuple[str, str]]:
    schema_list = ", ".join(sql_string(schema) for schema in PUBLISHED_SCHEMAS)
    rows = con.execute(
        f"""
        SELECT schema_name, table_name FROM duckdb_tables()
        WHERE database_name = $database AND schema_name IN ({schema_list})
        UNION
        SELECT schema_name, view_name FROM duckdb_views()
        WHERE database_name = $database AND NOT internal AND schema_name IN ({schema_list})
        ORDER BY 1, 2
        """,
        {"database": database},
    ).fetchall()
    return [
        (schema, table)
        for schema, table in rows
        if (schema, table) != PUBLICATION_TABLE and (schema, table) not in NOT_PUBLISHED
    ]


def _column_types(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, database: str = "warehouse"
) -> dict[str, str]:
    rows = con.execute(
        """
        SELECT column_name, data_type FROM duckdb_columns()
        WHERE database_name = ? AND schema_name = ? AND table_name = ?
        ORDER BY column_index
        """,
        [database, schema, table],
    ).fetchall()
    return dict(rows)


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return list(_column_types(con, schema, table))


def _dropped_columns(schema: str, table: str, columns) -> tuple[str, ...]:
    redacted = REDACTED_COLUMNS.get((schema, table))
    return tuple(c for c in columns if redacted and redacted.search(c))


def _copy_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> PublishedTable | None:
    """Copy one table or view; None when redaction leaves it no column."""
    columns = _columns(con, schema, table)
    dropped = _dropped_columns(schema, table, columns)
    kept = [c for c in columns if c not in dropped]
    if not kept:
        return None
    target = f"published.{quoted(schema)}.{quoted(table)}"
    con.execute(f"CREATE SCHEMA IF NOT EXISTS published.{quoted(schema)}")
    con.execute(
        f"CREATE TABLE {target} AS SELECT {', '.join(map(quoted, kept))} "
        f"FROM warehouse.{quoted(schema)}.{quoted(table)}"
    )
    (rows,) = con.execute(f"SELECT count(*) FROM {target}").fetchone()
    return PublishedTable(schema, table, rows, dropped)


def _write_publication_row(
    con: duckdb.DuckDBPyConnection, run_id: str, published_at: datetime, tables: list
) -> PublishedTable:
    schema, table = map(quoted, PUBLICATION_TABLE)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS published.{schema}")
    con.execute(
        f"CREATE TABLE published.{schema}.{table} AS SELECT "
        "?::TIMESTAMPTZ AS published_at, ?::VARCHAR AS run_id, "
        "?::INTEGER AS tables, ?::BIGINT AS total_rows",
        [published_at, run_id, len(tables), sum(t.rows for t in tables)],
    )
    return PublishedTable(*PUBLICATION_TABLE, rows=1)


def copy_published_schemas(
    warehouse: Path, target: Path, run_id: str, published_at: datetime
) -> list[PublishedTable]:
    """Copy the published schemas of the warehouse into a new DuckDB file, as plain tables."""
    if not warehouse.exists():
        raise NothingToPublishError(f"There is no warehouse at {warehouse} to publish.")
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
    try:
        con.execute(f"ATTACH {sql_string(str(warehouse))} AS warehouse (READ_ONLY)")
        con.execute(
            f"ATTACH {sql_string(str(target))} AS published "
            f"(STORAGE_VERSION {sql_string(PUBLISHED_STORAGE_VERSION)})"
        )
        # Views in the warehouse resolve their unqualified names against the warehouse.
        con.execute("USE warehouse")
        relations = _published_relations(con)
        if not relations:
            raise NothingToPublishError(
                f"The warehouse {warehouse} has no table in the schemas "
                f"{', '.join(PUBLISHED_SCHEMAS)}: nothing to publish."
            )
        copied = (_copy_table(con, schema, table) for schema, table in relations)
        tables = [table for table in copied if table is not None]
        tables.append(_write_publication_row(con, run_id, published_at, tables))
        con.execute("USE memory")
        con.execute("DETACH published")
        con.execute("DETACH warehouse")
    finally:
        con.close()
    return tables


def guard_violations(path: Path) -> list[str]:
    """Every table, column or kind of text value in the DuckDB file at ``path`` that analysts
    must not see. Values are never quoted: only where they are and what they look like."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "UNION ALL SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
        columns = con.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE NOT internal"
        ).fetchall()
        value_problems = _personal_values(con)
    finally:
        con.close()
    problems = [
        f"{schema}.{table}: the {schema} schema is not published"
        for schema, table in tables
        if schema not in PUBLISHED_SCHEMAS
    ]
    problems += [
        f"{schema}.{table}: a {table.split('_')[0]} table of the pipeline's inner layers"
        for schema, table in tables
        if FORBIDDEN_TABLE.match(table)
    ]
    problems += [
        f"{schema}.{table}.{column}: may hold personal data (child id, individual's phone "
        "number or referrer free text)"
        for schema, table, column in columns
        if FORBIDDEN_COLUMN.search(column)
    ]
    return problems + value_problems


def _value_condition(what: str) -> str:
    """The condition on a column's distinct value ``value`` for ``what``."""
    condition = f"regexp_matches(value, {sql_string(PERSONAL_VALUE_PATTERNS[what])})"
    if what == "e-mail addresses":
        condition = f"contains(value, '@') AND {condition}"
    if what == "person ids":
        condition += f" AND regexp_matches(value, {sql_string(_HAS_WORDS)})"
    return condition


def _personal_values(con: duckdb.DuckDBPyConnection) -> list[str]:
    """How many rows of each text column hold a value matching each pattern. Each pattern is
    tried once on each distinct value of a column (weighted by its rows), not on every row: a
    fact table's text columns hold a few hundred distinct values in millions of rows."""
    text_columns: dict[tuple[str, str, str], list[str]] = {}
    for database, schema, table, column in con.execute(
        "SELECT database_name, schema_name, table_name, column_name FROM duckdb_columns() "
        "WHERE NOT internal AND data_type = 'VARCHAR' ORDER BY schema_name, table_name, "
        "column_index"
    ).fetchall():
        text_columns.setdefault((database, schema, table), []).append(column)
    problems = []
    for (database, schema, table), names in text_columns.items():
        relation = f"{quoted(database)}.{quoted(schema)}.{quoted(table)}"
        for column in names:
            kinds = _scanned_for(column)
            counts = con.execute(
                "SELECT "
                + ", ".join(
                    f"coalesce(sum(rows) FILTER (WHERE {_value_condition(what)}), 0)"
                    for what in kinds
                )
                + f" FROM (SELECT {quoted(column)} AS value, count(*) AS rows FROM {relation}"
                " GROUP BY 1)"
            ).fetchone()
            problems += [
                f"{schema}.{table}.{column}: {count} value(s) hold what look like {what}"
                for what, count in zip(kinds, counts, strict=True)
                if count
            ]
    return problems


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _draft_pattern(destination: Path) -> re.Pattern:
    return re.compile(rf"\.{re.escape(destination.name)}\.[0-9a-f]{{32}}\.tmp(\.wal)?")


def sweep_drafts(destination: Path) -> tuple[str, ...]:
    """Remove the drafts (and their WAL files) that killed publishes left beside
    ``destination``; returns their names. Call only while no other publish can run."""
    if not destination.parent.is_dir():
        return ()
    pattern = _draft_pattern(destination)
    swept = sorted(p.name for p in destination.parent.iterdir() if pattern.fullmatch(p.name))
    for name in swept:
        (destination.parent / name).unlink(missing_ok=True)
    return tuple(swept)


def publish_warehouse(warehouse: Path, destination: Path, run_id: str) -> Publication:
    """Copy, guard and atomically swap in the analysts' file; the old file stays on any error."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    swept = sweep_drafts(destination)
    draft = destination.with_name(f".{destination.name}.{uuid.uuid4().hex}.tmp")
    published_at = datetime.now(UTC)
    try:
        tables = copy_published_schemas(warehouse, draft, run_id, published_at)
        problems = guard_violations(draft)
        if problems:
            raise PublishGuardError(
                "Refusing to publish; the copy would expose:\n- " + "\n- ".join(problems)
            )
        _fsync(draft)
        os.replace(draft, destination)
        _fsync(destination.parent)
    finally:
        draft.unlink(missing_ok=True)
        draft.with_name(draft.name + ".wal").unlink(missing_ok=True)
    return Publication(destination, published_at, tuple(tables), swept)


def _row_count(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> int:
    (rows,) = con.execute(
        f"SELECT count(*) FROM {quoted(database)}.{quoted(schema)}.{quoted(table)}"
    ).fetchone()
    return rows


def publication_differences(warehouse: duckdb.DuckDBPyConnection, published: Path) -> list[str]:
    """How the published file differs from what publishing the warehouse (a connection to it)
    gives now: its tables, their columns and types (less the redacted ones) and row counts.

    The tables left out on purpose (``NOT_PUBLISHED``, tables redaction leaves no column)
    must be absent; ``audit.publication`` must be there. The file is attached read-only.
    """
    (database,) = warehouse.execute("SELECT current_database()").fetchone()
    alias = f"published_{uuid.uuid4().hex}"
    warehouse.execute(f"ATTACH {sql_string(str(published))} AS {quoted(alias)} (READ_ONLY)")
    try:
        expected = {}
        for schema, table in _published_relations(warehouse, database):
            columns = _column_types(warehouse, schema, table, database)
            dropped = _dropped_columns(schema, table, columns)
            kept = {c: t for c, t in columns.items() if c not in dropped}
            if kept:
                expected[(schema, table)] = kept
        found = {
            (schema, table): _column_types(warehouse, schema, table, alias)
            for schema, table in warehouse.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
                "UNION SELECT schema_name, view_name FROM duckdb_views() "
                "WHERE database_name = ? AND NOT internal",
                [alias, alias],
            ).fetchall()
        }
        if PUBLICATION_TABLE not in found:
            return [f"{'.'.join(PUBLICATION_TABLE)} is missing"] + _differences(
                warehouse, database, alias, expected, found
            )
        del found[PUBLICATION_TABLE]
        return _differences(warehouse, database, alias, expected, found)
    finally:
        warehouse.execute(f"DETACH {quoted(alias)}")


def _differences(con, database: str, alias: str, expected: dict, found: dict) -> list[str]:
    problems = [
        f"{s}.{t} is in the warehouse but not published" for s, t in expected.keys() - found.keys()
    ]
    problems += [
        f"{s}.{t} is published but not in the warehouse" for s, t in found.keys() - expected.keys()
    ]
    for schema, table in sorted(expected.keys() & found.keys()):
        name = f"{schema}.{table}"
        if expected[(schema, table)] != found[(schema, table)]:
            problems.append(
                f"{name}: columns {found[(schema, table)]} published, "
                f"{expected[(schema, table)]} in the warehouse"
            )
        rows = _row_count(con, database, schema, table), _row_count(con, alias, schema, table)
        if rows[0] != rows[1]:
            problems.append(f"{name}: {rows[1]} rows published, {rows[0]} in the warehouse")
    return sorted(problems)
