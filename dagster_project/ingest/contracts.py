"""The column contract of each landing kind: the headers it reads and what they become,
one row per column in ``contracts.csv`` beside this module.

The extract contract names the headers (config/column_aliases.yml adds other names for
them); docs/raw-layer.md names the raw columns. The SQL that converts and validates each
type is in ``validation``.
"""

import csv
from dataclasses import dataclass
from enum import Enum
from pathlib import Path


class ColumnType(Enum):
    TEXT = "text"
    DATETIME = "datetime"
    GIAS_DATE = "gias_date"
    WHOLE_NUMBER = "whole_number"
    SECONDS = "seconds"
    LENIENT_INTEGER = "lenient_integer"
    LENIENT_DECIMAL = "lenient_decimal"
    PERSON_ID = "person_id"
    PHONE = "phone"


#: The phone column becomes a pseudonym for every caller and the number for organisations.
PHONE_OUTPUTS = ("caller_key", "caller_number")


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    type: ColumnType = ColumnType.TEXT
    required: bool = False


@dataclass(frozen=True)
class Contract:
    kind: str
    columns: tuple[Column, ...]

    @property
    def table(self) -> str:
        return f"raw.{self.kind}"


def _load_contracts() -> dict[str, Contract]:
    columns: dict[str, list[Column]] = {}
    with (Path(__file__).parent / "contracts.csv").open(newline="") as table:
        for row in csv.DictReader(table):
            columns.setdefault(row["kind"], []).append(
                Column(
                    row["name"], row["header"], ColumnType(row["type"]), row["required"] == "yes"
                )
            )
    return {kind: Contract(kind, tuple(kind_columns)) for kind, kind_columns in columns.items()}


#: Every kind's contract, in the order of ``contracts.csv`` (one row per column).
CONTRACTS = _load_contracts()
CONTACTS = CONTRACTS["contacts"]
CALLS = CONTRACTS["calls"]
SCHOOLS = CONTRACTS["schools"]
SCHOOL_LINKS = CONTRACTS["school_links"]
