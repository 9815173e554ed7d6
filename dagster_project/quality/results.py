"""What a suite run found, in a form that is safe to log and to show in Dagster.

Only counts, types, aggregates of numbers and values of a suite's ``reportable_columns``
(coded values, keys, file names) are kept; a value of any other column never is.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time
from numbers import Number
from typing import Any

#: Offending rows or values listed per failed expectation.
EXAMPLES_SHOWN = 3
WITHHELD = "(withheld)"
_MISSING_COLUMN = re.compile(r'^Error: The column "[^"]*" in BatchData does not exist\.$')
#: A SQL expectation: its observed value is the number of rows its query found.
_ROWS_EXPECTATION = "unexpected_rows_expectation"


@dataclass(frozen=True)
class ExpectationFailure:
    expectation: str
    columns: tuple[str, ...]
    severity: str
    observed_value: str | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    unexpected_values: tuple[str, ...] = ()
    example_rows: tuple[str, ...] = ()
    error: str | None = None
    notes: str | None = None

    @property
    def column(self) -> str | None:
        return ", ".join(self.columns) or None


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    severity: str | None
    success: bool
    evaluated: int
    row_count: int | None
    failures: tuple[ExpectationFailure, ...]
    seconds: float
    error: str | None = None
    #: The severity of each expectation evaluated, in suite order.
    evaluated_severities: tuple[str, ...] = ()

    def part(self, severity: str) -> "SuiteResult":
        """What the expectations of one severity found: one Dagster check's share of a run."""
        return replace(
            self,
            severity=severity,
            success=self.error is None
            and not any(failure.severity == severity for failure in self.failures),
            evaluated=self.evaluated_severities.count(severity),
            failures=tuple(f for f in self.failures if f.severity == severity),
            evaluated_severities=(severity,) * self.evaluated_severities.count(severity),
        )

    def failed_columns(self) -> set[tuple[str, str | None]]:
        """``(expectation type, column)`` of each failure: what tests and callers compare."""
        return {(failure.expectation, failure.column) for failure in self.failures}

    def failures_markdown(self) -> str:
        """A short Markdown table of the failures, for a check's metadata."""
        if self.error:
            return f"**Not validated:** {self.error}"
        header = (
            "| expectation | column | observed | unexpected | examples |\n|---|---|---|---|---|\n"
        )
        lines = [
            "| {} | {} | {} | {} | {} |".format(
                failure.expectation.removeprefix("expect_"),
                failure.column or "(table)",
                _cell(failure.error or failure.observed_value),
                _cell(_unexpected_summary(failure)),
                _cell(_examples(failure)),
            )
            for failure in self.failures
        ]
        return header + "\n".join(lines)


def failure_from_gx(
    validation: Any,
    reportable_columns: frozenset[str],
    row_identifier_columns: Iterable[str],
) -> ExpectationFailure:
    """One failed GX ``ExpectationValidationResult`` as an :class:`ExpectationFailure`."""
    config = validation.expectation_config
    columns = _expectation_columns(config)
    result = validation.result or {}
    shows_values = bool(columns) and set(columns) <= reportable_columns
    return ExpectationFailure(
        expectation=config.type,
        columns=columns,
        severity=severity_of(validation),
        observed_value=_observed(result, columns, shows_values),
        unexpected_count=_maybe_int(
            result.get("observed_value" if config.type == _ROWS_EXPECTATION else "unexpected_count")
        ),
        unexpected_percent=_maybe_float(result.get("unexpected_percent")),
        unexpected_values=_unexpected_values(result, shows_values),
        example_rows=_example_rows(result, row_identifier_columns, reportable_columns),
        error=_error(validation.exception_info, shows_values),
        notes=config.notes if isinstance(config.notes, str) else None,
    )


def severity_of(validation: Any) -> str:
    """``critical`` or ``warning``: the severity of a GX ``ExpectationValidationResult``."""
    severity = validation.expectation_config.severity
    return str(getattr(severity, "value", severity))


def _expectation_columns(config: Any) -> tuple[str, ...]:
    """The columns an expectation reads: its column kwargs, or for a SQL expectation
    (``unexpected_rows_expectation``) the ``columns`` its ``meta`` names."""
    kwargs = config.kwargs
    if "column" in kwargs:
        return (kwargs["column"],)
    if "column_A" in kwargs:
        return (kwargs["column_A"], kwargs["column_B"])
    if "column_list" in kwargs:
        return tuple(kwargs["column_list"])
    return tuple((config.meta or {}).get("columns", ()))


def _error(exception_info: Mapping[str, Any] | None, shows_values: bool) -> str | None:
    """GX's message when it could not evaluate the expectation (a missing column, mostly).

    GX gives one ``{raised_exception, exception_message}`` or one per metric it computed. A
    message might quote a value, so others than "does not exist" are shown only for
    reportable columns.
    """
    exception_info = exception_info or {}
    reports = [exception_info, *(v for v in exception_info.values() if isinstance(v, Mapping))]
    for report in reports:
        if report.get("raised_exception"):
            message = str(report.get("exception_message", "")).strip()
            if shows_values or _MISSING_COLUMN.search(message):
                return message
            return f"could not be evaluated {WITHHELD}"
    return None


def _observed(
    result: Mapping[str, Any], columns: tuple[str, ...], shows_values: bool
) -> str | None:
    mismatched = (result.get("details") or {}).get("mismatched")
    if isinstance(mismatched, Mapping) and mismatched.get("missing"):
        return "missing: " + ", ".join(map(str, mismatched["missing"]))
    if "observed_value" not in result:
        return None
    observed = result["observed_value"]
    if isinstance(observed, bool | Number) or not columns or shows_values:
        return _text(observed)
    return WITHHELD


def _unexpected_values(result: Mapping[str, Any], shows_values: bool) -> tuple[str, ...]:
    if not shows_values:
        return ()
    counts = result.get("partial_unexpected_counts") or []
    return tuple(f"{_text(item['value'])} ({item['count']})" for item in counts[:EXAMPLES_SHOWN])


def _example_rows(
    result: Mapping[str, Any],
    row_identifier_columns: Iterable[str],
    reportable_columns: frozenset[str],
) -> tuple[str, ...]:
    shown = [column for column in row_identifier_columns if column in reportable_columns]
    rows = result.get("partial_unexpected_index_list") or []
    examples = []
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        described = ", ".join(f"{column}={_text(row[column])}" for column in shown if column in row)
        if described and described not in examples:
            examples.append(described)
        if len(examples) == EXAMPLES_SHOWN:
            break
    return tuple(examples)


def _examples(failure: ExpectationFailure) -> str:
    parts = list(failure.example_rows)
    if failure.unexpected_values:
        parts.append("values: " + ", ".join(failure.unexpected_values))
    return "; ".join(parts)


def _unexpected_summary(failure: ExpectationFailure) -> str:
    if failure.unexpected_count is None:
        return ""
    if failure.unexpected_percent is None:
        return str(failure.unexpected_count)
    return f"{failure.unexpected_count} ({failure.unexpected_percent:.1f}%)"


def _text(value: Any) -> str:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, datetime) and value == datetime.combine(value.date(), time()):
        return value.date().isoformat()
    return str(value)


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def _maybe_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _maybe_float(value: Any) -> float | None:
    return None if value is None else float(value)
