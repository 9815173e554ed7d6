"""Matching a file's header row to a contract.

Headers match case-insensitively, ignoring white space, underscores and hyphens, by the
extract contract's header name or by the raw column name. Unknown columns are kept as
extras, keyed by their header text.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dagster_project.ingest.contracts import Contract
from dagster_project.ingest.refusals import FileRefused

_IGNORED_IN_HEADERS = re.compile(r"[\s_\-]+")


def header_key(header: str) -> str:
    return _IGNORED_IN_HEADERS.sub("", header).casefold()


@dataclass(frozen=True)
class HeaderMap:
    #: contract column name -> 0-based position of its column in the file
    positions: dict[str, int]
    #: (0-based position, unique key for extra_columns) of every column not in the contract
    extras: tuple[tuple[int, str], ...]


def map_headers(headers: Sequence[str], contract: Contract) -> HeaderMap:
    """Where each contract column sits in the file; refuses a missing or repeated column."""
    column_by_key = {}
    for column in contract.columns:
        column_by_key[header_key(column.header)] = column
        column_by_key[header_key(column.name)] = column

    positions: dict[str, int] = {}
    extras: list[tuple[int, str]] = []
    used_extra_keys: set[str] = set()
    for position, header in enumerate(headers):
        column = column_by_key.get(header_key(header))
        if column is None:
            extra_key = header.strip() or f"column_{position + 1}"
            if extra_key in used_extra_keys:
                extra_key = f"{extra_key}_{position + 1}"
            used_extra_keys.add(extra_key)
            extras.append((position, extra_key))
        elif column.name in positions:
            raise FileRefused(
                f"columns {positions[column.name] + 1} and {position + 1} of the header row "
                f"(row 1) both name {column.header}. Remove one of them and drop the file again."
            )
        else:
            positions[column.name] = position

    missing = [c.header for c in contract.columns if c.required and c.name not in positions]
    if missing:
        raise FileRefused(
            f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} not found "
            f"in the header row (row 1) of a {contract.kind} file. Header names match ignoring "
            "case, spaces, underscores and hyphens. Check that the file is comma-separated, "
            "that row 1 holds the column names and that the export includes these columns, "
            "then drop the file again."
        )
    return HeaderMap(positions=positions, extras=tuple(extras))
