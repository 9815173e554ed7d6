"""Content digests of a warehouse's tables, to tell whether two builds are the same."""

import hashlib
from pathlib import Path

import duckdb

from dagster_project.warehouse import qualified, quoted


def table_digests(
    warehouse: Path, schemas: tuple[str, ...], clocks: frozenset[str]
) -> dict[str, tuple[int, str]]:
    """Each table of ``schemas``: its row count and an order-independent sha256 of its rows,
    the ``clocks`` columns (when a run happened, not what it made) left out."""
    digests = {}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        columns_by_table: dict[str, list[str]] = {}
        for table, column in conn.execute(
            "SELECT table_schema || '.' || table_name, column_name FROM information_schema.columns "
            "WHERE table_schema IN (SELECT unnest($schemas)) ORDER BY table_schema, table_name, "
            "ordinal_position",
            {"schemas": list(schemas)},
        ).fetchall():
            columns_by_table.setdefault(table, [])
            if column not in clocks:
                columns_by_table[table].append(quoted(column))
        for table, columns in columns_by_table.items():
            rows = sorted(
                repr(row)
                for row in conn.execute(
                    f"SELECT {', '.join(columns)} FROM {qualified(table)}"
                ).fetchall()
            )
            digests[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return digests
