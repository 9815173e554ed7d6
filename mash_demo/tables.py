"""The demo's tables of names, places and spellings: the CSV files in
``mash_demo/reference_tables/``, read in file order (the generator's draws depend on it). A
cell may list several values separated by ``|``."""

import csv
import io
from functools import cache
from importlib.resources import files

LIST_SEPARATOR = "|"


@cache
def read_table(name: str) -> tuple[dict[str, str], ...]:
    """The rows of ``reference_tables/<name>.csv`` as text, in file order."""
    text = (files("mash_demo") / "reference_tables" / f"{name}.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(io.StringIO(text)))


def listed(cell: str) -> tuple[str, ...]:
    """The values of a ``|``-separated cell; none for an empty one."""
    return tuple(cell.split(LIST_SEPARATOR)) if cell else ()


def grouped(name: str, key: str, value: str) -> dict[str, tuple[str, ...]]:
    """``value`` of the table's rows by ``key``, both in file order."""
    groups: dict[str, list[str]] = {}
    for row in read_table(name):
        groups.setdefault(row[key], []).append(row[value])
    return {group: tuple(values) for group, values in groups.items()}


def words(list_name: str) -> tuple[str, ...]:
    """One of the word lists in ``reference_tables/words.csv`` (first names, saints' names,
    streets...)."""
    return grouped("words", "list", "word")[list_name]
