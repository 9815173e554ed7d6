"""Expectation suites: one JSON file per table in ``expectations/``, read without GX.

A suite file is a great-expectations 1.x ``ExpectationSuite`` as JSON. Its name is the
schema-qualified table it checks (``raw.contacts``). Every expectation carries GX's own
``severity``: ``critical`` means the numbers would be wrong (a blocking Dagster check, ERROR),
``warning`` means the input was messy (a non-blocking check, WARN). The suite's ``meta`` says
how to read the table:

- ``computed_columns``: ``{name: DuckDB SQL expression}`` added to the table's query, for
  rules GX cannot state on one column (a ratio, a value derived from another column).
- ``row_identifier_columns``: columns naming an offending row (file and row, or the key).
- ``reportable_columns``: coded columns whose unexpected values may be shown. Values of any
  other column (free text, pseudonyms) never leave the validation.
"""

import json
from dataclasses import dataclass, replace
from pathlib import Path

from dagster_project import settings

SUITES_DIR = settings.PROJECT_ROOT / "expectations"

BLOCKING = "critical"
WARNING = "warning"
SEVERITIES = (BLOCKING, WARNING)


class SuiteError(ValueError):
    """A suite file that cannot be used as it stands."""


@dataclass(frozen=True)
class Suite:
    name: str
    expectations: tuple[dict, ...]
    meta: dict

    @property
    def table(self) -> str:
        return self.name

    @property
    def computed_columns(self) -> dict[str, str]:
        return self.meta.get("computed_columns", {})

    @property
    def row_identifier_columns(self) -> tuple[str, ...]:
        return tuple(self.meta.get("row_identifier_columns", ()))

    @property
    def reportable_columns(self) -> frozenset[str]:
        return frozenset(self.meta.get("reportable_columns", ()))

    def part(self, severity: str) -> "Suite":
        """The expectations of one severity: what one Dagster check runs."""
        if severity not in SEVERITIES:
            raise SuiteError(f"severity must be one of {SEVERITIES}, not {severity!r}")
        kept = tuple(e for e in self.expectations if e["severity"] == severity)
        return replace(self, expectations=kept)


def suite_path(name: str) -> Path:
    return SUITES_DIR / f"{name}.json"


def suite_names() -> list[str]:
    return sorted(path.stem for path in SUITES_DIR.glob("*.json"))


def load_suite(name: str) -> Suite:
    path = suite_path(name)
    if not path.is_file():
        raise SuiteError(f"no expectation suite {name!r}: {path} does not exist")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SuiteError(f"{path}: not valid JSON ({error})") from error
    if document.get("name") != name:
        raise SuiteError(f"{path}: 'name' must be {name!r}, the file's own name")
    expectations = tuple(document.get("expectations", ()))
    for position, expectation in enumerate(expectations):
        if expectation.get("severity") not in SEVERITIES:
            raise SuiteError(
                f"{path}: expectation {position} ({expectation.get('type')}) needs a "
                f"'severity' of {' or '.join(SEVERITIES)}"
            )
    return Suite(name=name, expectations=expectations, meta=document.get("meta", {}))
