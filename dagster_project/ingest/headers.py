"""Matching a file's header row to a contract, through the column aliases.

A header matches a contract column by the extract contract's name, the raw column name, or
any alias ``config/column_aliases.yml`` gives it (``MASH_COLUMN_ALIASES`` names another
file), compared ignoring case, spaces and punctuation. Other columns are extras: recorded by
name, their values stored only when the alias file keeps them. The alias file also gives a
column what stands in for it where its own value is blank (``fallbacks``: another header's
value, or the seconds between two headers' times), and the formats of its values
(``formats``, read by the ``formats`` module).
"""

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from rapidfuzz import fuzz

from dagster_project import settings
from dagster_project.ingest.contracts import CONTRACTS, Column, ColumnType, Contract
from dagster_project.ingest.formats import (
    DEFAULT_DATETIME_FORMATS,
    DEFAULT_DURATION_FORMS,
    DURATION_FORMS,
    datetime_format_problem,
    seconds_between_sql,
)
from dagster_project.ingest.reading import FileRefused

ALIASES_ENV = "MASH_COLUMN_ALIASES"
DEFAULT_ALIASES = settings.PROJECT_ROOT / "config" / "column_aliases.yml"

#: How many of a file's headers a refusal suggests for each missing column.
SUGGESTIONS = 2
#: The keys of a fallback that is the seconds between two headers' times.
SPAN = ("seconds_from", "to")
#: A header this near (rapidfuzz ratio, 0-100) to a header of another column is a spelling
#: of it.
NEAR = 85

_IGNORED_IN_HEADERS = re.compile(r"[\W_]+")

_DEFAULT_FORMATS = {
    ColumnType.DATETIME: DEFAULT_DATETIME_FORMATS,
    ColumnType.SECONDS: DEFAULT_DURATION_FORMS,
}


def header_key(header: str) -> str:
    return _IGNORED_IN_HEADERS.sub("", header).casefold()


@dataclass(frozen=True)
class KindAliases:
    """What the alias file says about the headers and values of one kind of file."""

    #: header_key -> contract column name, for every accepted spelling
    columns: dict[str, str]
    #: header_keys of the extra columns whose values are kept
    kept: frozenset[str]
    #: contract column name -> its datetime formats or duration forms, declared or default
    formats: dict[str, tuple[str, ...]]
    #: contract column name -> what stands in for its value, in order, where it is blank or
    #: its header absent: the header_keys of one header (its value) or of two (the seconds
    #: from the first's time to the second's)
    fallbacks: dict[str, tuple[tuple[str, ...], ...]]

    def names(self, headers: Sequence[str]) -> set[str]:
        """The contract columns that ``headers`` give, by a spelling or a fallback."""
        keys = {header_key(header) for header in headers}
        named = {self.columns[key] for key in keys if key in self.columns}
        return named | {
            name
            for name, stand_ins in self.fallbacks.items()
            if any(keys.issuperset(stand_in) for stand_in in stand_ins)
        }

    def meanings(self) -> dict[str, str]:
        """header_key -> contract column name, for every header the alias file gives a
        meaning: the spellings and the fallback headers."""
        stand_ins = {
            key: name
            for name, column_stand_ins in self.fallbacks.items()
            for stand_in in column_stand_ins
            for key in stand_in
        }
        return {**stand_ins, **self.columns}


def aliases_path() -> Path:
    override = os.environ.get(ALIASES_ENV)
    return Path(override).expanduser().resolve() if override else DEFAULT_ALIASES


def load_aliases(path: Path | None = None) -> dict[str, KindAliases]:
    """The alias table by kind; raises ValueError saying what in the file cannot be used (a
    header given for two columns, an unknown column, a format, a fallback)."""
    path = path or aliases_path()
    configured = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    by_kind = {}
    for kind, contract in CONTRACTS.items():
        section = configured.get(kind) or {}
        where = f"{path}: under {kind}"
        spellings = _spellings(where, contract, section.get("columns"))
        by_kind[kind] = KindAliases(
            columns=spellings,
            kept=frozenset(header_key(str(name)) for name in section.get("keep") or []),
            formats=_formats(where, contract, section.get("formats")),
            fallbacks=_fallbacks(where, contract, section.get("fallbacks"), spellings),
        )
    return by_kind


def _by_column(where: str, block: str, configured, columns: Sequence[Column]) -> dict:
    """A block of the alias file (keyed by contract header) keyed by column; refuses a key
    that is not the header of one of ``columns``."""
    headers = {column.header: column for column in columns}
    configured = configured or {}
    if not isinstance(configured, dict):
        raise ValueError(f"{where}, `{block}:` must list contract columns, each with a list.")
    unknown = set(configured) - set(headers)
    if unknown:
        raise ValueError(
            f"{where} / {block}, {', '.join(sorted(map(str, unknown)))} is not a column of "
            f"the extract contract that `{block}:` applies to ({', '.join(headers)})."
        )
    return {headers[header]: value for header, value in configured.items()}


def _entries(where: str, value) -> list:
    """A list of one or more entries; a single entry may be given without the list."""
    entries = [value] if isinstance(value, str) else value
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{where}: give a list of one or more entries.")
    return entries


def _spellings(where: str, contract: Contract, configured) -> dict[str, str]:
    given = _by_column(where, "columns", configured, contract.columns)
    spellings: dict[str, str] = {}
    for column in contract.columns:
        for spelling in [column.header, column.name, *(given.get(column) or [])]:
            key = header_key(str(spelling))
            if spellings.get(key, column.name) != column.name:
                raise ValueError(
                    f"{where}, {spelling!r} is given for both {spellings[key]} and "
                    f"{column.name}; keep it under one of them."
                )
            spellings[key] = column.name
    return spellings


def _formats(where: str, contract: Contract, configured) -> dict[str, tuple[str, ...]]:
    formatted = [column for column in contract.columns if column.type in _DEFAULT_FORMATS]
    declared = _by_column(where, "formats", configured, formatted)
    formats = {}
    for column in formatted:
        at = f"{where} / formats / {column.header}"
        if column not in declared:
            formats[column.name] = _DEFAULT_FORMATS[column.type]
            continue
        entries = _entries(at, declared[column])
        for entry in entries:
            if column.type is ColumnType.SECONDS:
                if entry not in DURATION_FORMS:
                    raise ValueError(
                        f"{at}: {entry!r} is not a duration form; the forms are "
                        f"{', '.join(DURATION_FORMS)}."
                    )
            elif problem := datetime_format_problem(entry):
                raise ValueError(f"{at}: {entry!r} {problem}.")
        formats[column.name] = tuple(entries)
    return formats


def _fallbacks(
    where: str, contract: Contract, configured, spellings: dict[str, str]
) -> dict[str, tuple[tuple[str, ...], ...]]:
    """A span's headers may be any (a wait from "Invite Time" to call_start's "Start
    Time"); a header whose value stands in must be one that names no column."""
    fallbacks = {}
    for column, entries in _by_column(where, "fallbacks", configured, contract.columns).items():
        at = f"{where} / fallbacks / {column.header}"
        stand_ins = []
        for entry in _entries(at, entries):
            if not isinstance(entry, dict):
                key = header_key(str(entry))
                if key in spellings:
                    raise ValueError(
                        f"{at}: {entry!r} already names {spellings[key]}; a fallback must be "
                        "a header that names no column."
                    )
                stand_ins.append((key,))
            elif set(entry) == set(SPAN) and column.type is ColumnType.SECONDS:
                stand_ins.append(tuple(header_key(str(entry[part])) for part in SPAN))
            else:
                raise ValueError(
                    f"{at}: {entry!r} is not a fallback. Give a header, or, for a duration, "
                    f"the seconds between two headers' times as "
                    f"{{{SPAN[0]}: <header>, {SPAN[1]}: <header>}}."
                )
        fallbacks[column.name] = tuple(stand_ins)
    return fallbacks


@dataclass(frozen=True)
class HeaderMap:
    #: contract column name -> 0-based position of its column in the file
    positions: dict[str, int]
    #: (0-based position, unique key for extra_columns) of every column not in the contract
    extras: tuple[tuple[int, str], ...]
    #: the extras whose values are stored
    kept: tuple[tuple[int, str], ...]
    #: contract column name -> the positions in the file of each of its fallbacks, in order
    fallbacks: dict[str, tuple[tuple[int, ...], ...]]

    def text_sql(self, name: str, text_at: Callable[[int], str]) -> str:
        """SQL of the text of contract column ``name``: its own column's, else its first
        fallback's that is not blank (``text_at``: the SQL of the text at a position)."""
        own = [text_at(self.positions[name])] if name in self.positions else []
        stand_ins = [
            text_at(positions[0])
            if len(positions) == 1
            else seconds_between_sql(*map(text_at, positions), DEFAULT_DATETIME_FORMATS)
            for positions in self.fallbacks.get(name, ())
        ]
        texts = own + stand_ins
        return f"coalesce({', '.join(texts)})" if texts else "CAST(NULL AS VARCHAR)"

    def read_positions(self) -> list[int]:
        """Every position whose values are stored, in order."""
        read = {p for stand_ins in self.fallbacks.values() for ps in stand_ins for p in ps}
        return sorted(read | {*self.positions.values()} | {p for p, _ in self.kept})


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
    keys = [header_key(header) for header in headers]
    fallbacks = {
        name: tuple(
            tuple(keys.index(key) for key in stand_in)
            for stand_in in stand_ins
            if set(stand_in) <= set(keys)
        )
        for name, stand_ins in aliases.fallbacks.items()
    }

    missing = [
        c
        for c in contract.columns
        if c.required and c.name not in positions and not fallbacks.get(c.name)
    ]
    if missing:
        unmatched = [headers[position] for position, _ in extras if headers[position].strip()]
        raise FileRefused(_missing_reason(contract, missing, unmatched, aliases))
    kept = tuple((position, key) for position, key in extras if keys[position] in aliases.kept)
    return HeaderMap(
        positions=positions,
        extras=tuple(extras),
        kept=kept,
        fallbacks={name: found for name, found in fallbacks.items() if found},
    )


def _rank(header: str, column) -> int:
    """0 for the contract's own name of ``column``, 1 for an alias."""
    return 0 if header_key(header) in {header_key(column.header), header_key(column.name)} else 1


def _missing_reason(
    contract: Contract, missing: list[Column], unmatched: list[str], aliases: KindAliases
) -> str:
    parts = []
    for column in missing:
        header = column.header
        closest = _suggestions(column, unmatched, aliases)
        if closest:
            parts.append(
                f"{header} (closest headers in the file: {', '.join(map(repr, closest))}; if "
                f"{closest[0]!r} means {header}, add the line `      - {json.dumps(closest[0])}` "
                f"under `{contract.kind}:` / `columns:` / `{header}:` in {aliases_path().name})"
            )
        else:
            parts.append(f"{header} (the file has no other header that could mean it)")
    names = [column.header for column in missing]
    return (
        f"required column{'s' if len(missing) > 1 else ''} {', '.join(names)} not found in the "
        f"header row of a {contract.kind} file. Header names match ignoring case, spaces and "
        f"punctuation, by the contract's name or an alias in {aliases_path()}. Missing: "
        + "; ".join(parts)
        + ". Add the alias (or check that the export includes these columns), then drop the "
        "file again."
    )


def _suggestions(column: Column, unmatched: list[str], aliases: KindAliases) -> list[str]:
    """The file's headers nearest to the known headers of ``column``, best first; never one
    the alias file gives a meaning, nor a near spelling of another column's header that is
    nearer to it than to ``column``'s (a "Callee Number", the MASH's own number, is near
    caller_number's "Caller Number": it is not offered for call_id)."""
    meanings = aliases.meanings()
    known: dict[str, list[str]] = {}
    for key, name in meanings.items():
        known.setdefault(name, []).append(key)
    scored = []
    for index, header in enumerate(unmatched):
        key = header_key(header)
        if not key or key in meanings:
            continue
        nearness = {
            name: max(fuzz.ratio(key, spelling) for spelling in spellings)
            for name, spellings in known.items()
        }
        score = nearness.pop(column.name)
        if score > 0 and not any(other >= NEAR and other > score for other in nearness.values()):
            scored.append((-score, index, header))
    return [header for _, _, header in sorted(scored)[:SUGGESTIONS]]
