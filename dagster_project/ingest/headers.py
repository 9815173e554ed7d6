"""Matching a file's header row to a contract, through the column aliases.

A header matches a contract column by the extract contract's name, the raw column name, or
any alias ``config/column_aliases.yml`` gives it (``MASH_COLUMN_ALIASES`` names another
file), compared ignoring case, spaces and punctuation. Other columns are extras: recorded by
name, their values stored only when the alias file keeps them.
"""

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from dagster_project import settings
from dagster_project.ingest.contracts import CONTRACTS, Contract
from dagster_project.ingest.reading import FileRefused

ALIASES_ENV = "MASH_COLUMN_ALIASES"
DEFAULT_ALIASES = settings.PROJECT_ROOT / "config" / "column_aliases.yml"

#: How many of a file's headers a refusal suggests for each missing column.
SUGGESTIONS = 2

_IGNORED_IN_HEADERS = re.compile(r"[\W_]+")


def header_key(header: str) -> str:
    return _IGNORED_IN_HEADERS.sub("", header).casefold()


@dataclass(frozen=True)
class KindAliases:
    #: header_key -> contract column name, for every accepted spelling
    columns: dict[str, str]
    #: header_keys of the extra columns whose values are kept
    kept: frozenset[str]


def aliases_path() -> Path:
    override = os.environ.get(ALIASES_ENV)
    return Path(override).expanduser().resolve() if override else DEFAULT_ALIASES


def load_aliases(path: Path | None = None) -> dict[str, KindAliases]:
    """The alias table by kind; raises ValueError naming a header that means two columns."""
    path = path or aliases_path()
    configured = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    by_kind = {}
    for kind, contract in CONTRACTS.items():
        section = configured.get(kind) or {}
        headers = {column.header: column for column in contract.columns}
        spellings: dict[str, str] = {}
        for header, column in headers.items():
            aliases = (section.get("columns") or {}).get(header) or []
            for spelling in [column.header, column.name, *aliases]:
                key = header_key(str(spelling))
                if spellings.get(key, column.name) != column.name:
                    raise ValueError(
                        f"{path}: under {kind}, {spelling!r} is given for both "
                        f"{spellings[key]} and {column.name}; keep it under one of them."
                    )
                spellings[key] = column.name
        unknown = set(section.get("columns") or {}) - set(headers)
        if unknown:
            raise ValueError(
                f"{path}: under {kind}, {', '.join(sorted(unknown))} is not a column of the "
                f"extract contract ({', '.join(headers)})."
            )
        kept = frozenset(header_key(str(name)) for name in section.get("keep") or [])
        by_kind[kind] = KindAliases(columns=spellings, kept=kept)
    return by_kind


@dataclass(frozen=True)
class HeaderMap:
    #: contract column name -> 0-based position of its column in the file
    positions: dict[str, int]
    #: (0-based position, unique key for extra_columns) of every column not in the contract
    extras: tuple[tuple[int, str], ...]
    #: the extras whose values are stored
    kept: tuple[tuple[int, str], ...]


def map_headers(
    headers: Sequence[str], contract: Contract, aliases: KindAliases | None = None
) -> HeaderMap:
    """Where each contract column sits in the file; refuses a missing or repeated column."""
    aliases = aliases or load_aliases()[contract.kind]
    by_name = {column.name: column for column in contract.columns}
    positions: dict[str, int] = {}
    extras: list[tuple[int, str]] = []
    used_extra_keys: set[str] = set()

    def as_extra(position: int) -> None:
        extra_key = headers[position].strip() or f"column_{position + 1}"
        if extra_key in used_extra_keys:
            extra_key = f"{extra_key}_{position + 1}"
        used_extra_keys.add(extra_key)
        extras.append((position, extra_key))

    for position, header in enumerate(headers):
        name = aliases.columns.get(header_key(header))
        if name is None:
            as_extra(position)
        elif name not in positions:
            positions[name] = position
        else:
            # A header that is the contract's own name outranks an alias of it (an export
            # with "Child District" and a "Locality" column keeps Locality as an extra).
            earlier = positions[name]
            ranks = (_rank(headers[earlier], by_name[name]), _rank(header, by_name[name]))
            if ranks[0] == ranks[1]:
                raise FileRefused(
                    f"columns {earlier + 1} and {position + 1} of the header row both name "
                    f"{by_name[name].header}. Remove one of them and drop the file again."
                )
            if ranks[1] < ranks[0]:
                positions[name] = position
                as_extra(earlier)
            else:
                as_extra(position)
    extras.sort()

    missing = [c for c in contract.columns if c.required and c.name not in positions]
    if missing:
        unmatched = [headers[position] for position, _ in extras if headers[position].strip()]
        raise FileRefused(_missing_reason(contract, [c.header for c in missing], unmatched))
    kept = tuple(
        (position, key) for position, key in extras if header_key(headers[position]) in aliases.kept
    )
    return HeaderMap(positions=positions, extras=tuple(extras), kept=kept)


def _rank(header: str, column) -> int:
    """0 for the contract's own name of ``column``, 1 for an alias."""
    return 0 if header_key(header) in {header_key(column.header), header_key(column.name)} else 1


def _missing_reason(contract: Contract, missing: list[str], unmatched: list[str]) -> str:
    parts = []
    for header in missing:
        closest = [
            name
            for name, _, _ in process.extract(
                header, unmatched, scorer=fuzz.WRatio, processor=header_key, limit=SUGGESTIONS
            )
        ]
        if closest:
            parts.append(
                f"{header} (closest headers in the file: {', '.join(map(repr, closest))}; if "
                f"{closest[0]!r} means {header}, add the line `      - {json.dumps(closest[0])}` "
                f"under `{contract.kind}:` / `columns:` / `{header}:` in {aliases_path().name})"
            )
        else:
            parts.append(f"{header} (the file has no other headers to suggest)")
    return (
        f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} not found in the "
        f"header row of a {contract.kind} file. Header names match ignoring case, spaces and "
        f"punctuation, by the contract's name or an alias in {aliases_path()}. Missing: "
        + "; ".join(parts)
        + ". Add the alias (or check that the export includes these columns), then drop the "
        "file again."
    )
