"""The value formats of datetime and duration columns: the contract's defaults, the check of
the formats a council declares (``formats:`` in config/column_aliases.yml), and their SQL.

Datetimes are DuckDB strptime formats, tried per value in the order given. A format with
``%z`` reads a UTC offset (``+01:00``, ``-0500``, or ``Z`` for UTC); such a value is
converted to UK local wall time (Europe/London, by DuckDB's ICU time zones), so a time in
UTC lands on the clock time the MASH saw, summer time or not. A value without an offset is
UK local time already.

Durations are forms, told apart per value by their colons, so a column may accept several:
``seconds`` (whole seconds, ``300``), ``hh:mm:ss`` (``0:05:00``) and ``mm:ss`` (``05:00``),
the last two with optional fractional seconds (rounded to the nearest second). ``mm:ss`` is
not a default: ``05:00`` could be hours and minutes, so a council declares it for a system
that writes it.
"""

from collections.abc import Sequence
from functools import cache

import duckdb

from dagster_project.warehouse import sql_string

UK_TIME_ZONE = "Europe/London"

DEFAULT_DATETIME_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M:%S.%f%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M%z",
)

#: Each duration form: the pattern of its values, and how a reason names it.
DURATION_FORMS = {
    "seconds": (r"[+-]?[0-9]+", "whole seconds"),
    "hh:mm:ss": (r"[+-]?[0-9]+:[0-5][0-9]:[0-5][0-9](\.[0-9]+)?", "H:MM:SS"),
    "mm:ss": (r"[+-]?[0-9]+:[0-5][0-9](\.[0-9]+)?", "M:SS"),
}
DEFAULT_DURATION_FORMS = ("seconds", "hh:mm:ss")

#: Dates before this are a two-digit year read as four digits: unparseable, not early.
_EARLIEST_PLAUSIBLE = "TIMESTAMP '1900-01-01'"

_AGAIN = "Correct it at source and export the record again."


def is_zoned(datetime_format: str) -> bool:
    return "%z" in datetime_format


def unparseable_datetime(formats: Sequence[str]) -> str:
    if tuple(formats) == DEFAULT_DATETIME_FORMATS:
        accepted = (
            "DD/MM/YYYY HH:MM[:SS], DD/MM/YYYY, or ISO 8601 such as 2017-09-01T14:30:00, "
            "with or without a UTC offset (Z, +01:00)"
        )
    else:
        accepted = "the formats the alias file declares for it: " + ", ".join(formats)
    return f"not a date in an accepted format ({accepted}). {_AGAIN}"


def unparseable_duration(forms: Sequence[str]) -> str:
    accepted = " or ".join(DURATION_FORMS[form][1] for form in forms)
    return f"not a duration in an accepted form ({accepted}). {_AGAIN}"


def datetime_format_problem(datetime_format: object) -> str | None:
    """Why ``datetime_format`` cannot be a column's datetime format, or None."""
    if not isinstance(datetime_format, str) or "%Y" not in datetime_format:
        return "is not a strptime format with a four-digit year (%Y), such as '%d/%m/%Y %H:%M'"
    with _format_checker().cursor() as conn:
        try:
            conn.execute("SELECT try_strptime('', $format)", {"format": datetime_format})
        except duckdb.InvalidInputException:
            return "is not a strptime format DuckDB reads (see DuckDB's format specifiers)"
    return None


@cache
def _format_checker() -> duckdb.DuckDBPyConnection:
    """An in-memory database to try declared formats on, made once per process."""
    return duckdb.connect()


def datetime_sql(text: str, formats: Sequence[str]) -> str:
    """The UK local TIMESTAMP of the SQL text ``text`` by the first of ``formats`` that reads
    it; null when none does, or when it is before 1900."""
    parsed = _first_parsed(text, formats, instant=False)
    return f"CASE WHEN {parsed} >= {_EARLIEST_PLAUSIBLE} THEN {parsed} END"


def seconds_between_sql(start: str, end: str, formats: Sequence[str]) -> str:
    """The whole seconds from the time of the SQL text ``start`` to that of ``end``, as
    VARCHAR, counted between instants: a wait across a change of the clocks is its length,
    not the change of UK wall time (a time without an offset is read as UK time)."""
    start, end = (_first_parsed(text, formats, instant=True) for text in (start, end))
    return f"CAST(date_diff('second', {start}, {end}) AS VARCHAR)"


def reads_sql(text: str, datetime_format: str) -> str:
    """Whether ``datetime_format`` reads the SQL text ``text``."""
    parsed = _parsed(text, [datetime_format], is_zoned(datetime_format), instant=False)
    return f"{parsed} IS NOT NULL"


def _first_parsed(text: str, formats: Sequence[str], instant: bool) -> str:
    # The formats with an offset and those without, each group where its first format is.
    groups: dict[bool, list[str]] = {}
    for datetime_format in formats:
        groups.setdefault(is_zoned(datetime_format), []).append(datetime_format)
    parts = [_parsed(text, group, zoned, instant) for zoned, group in groups.items()]
    return f"coalesce({', '.join(parts)})"


def _parsed(text: str, formats: Sequence[str], zoned: bool, instant: bool) -> str:
    """The UK local TIMESTAMP (or, ``instant``, the TIMESTAMPTZ) of ``text`` by ``formats``,
    all with an offset (``zoned``) or all without."""
    # %f reads up to six decimals (microseconds, as TIMESTAMP holds); .NET systems write
    # seven. (%n reads nine but makes a TIMESTAMP_NS, which ends in 2262.)
    text = f"regexp_replace({text}, '([.][0-9]{{6}})[0-9]+', '\\1')"
    uk = sql_string(UK_TIME_ZONE)
    if not zoned:
        parsed = f"try_strptime({text}, {_sql_list(formats)})"
        return f"timezone({uk}, {parsed})" if instant else parsed
    # DuckDB's %z reads +01:00, +0100 and +01 but not Z, which is +00:00.
    utc_as_offset = f"regexp_replace({text}, '[Zz]$', '+00:00')"
    parsed = f"try_strptime({utc_as_offset}, {_sql_list(formats)})"
    return parsed if instant else f"({parsed} AT TIME ZONE {uk})"


def duration_sql(text: str, forms: Sequence[str]) -> str:
    """Whole seconds (INTEGER) of the SQL text ``text`` in the first of ``forms`` it is
    written in; null when it is in none."""
    whens = []
    for form in forms:
        pattern = sql_string(DURATION_FORMS[form][0])
        if form == "seconds":
            value = f"try_cast({text} AS INTEGER)"
        else:
            parts = f"string_split(ltrim({text}, '+-'), ':')"
            total = (
                f"list_reduce(list_transform({parts}, lambda part: CAST(part AS DOUBLE)), "
                "lambda total, part: total * 60 + part)"
            )
            sign = f"CASE WHEN starts_with({text}, '-') THEN -1 ELSE 1 END"
            value = f"try_cast(round({sign} * {total}) AS INTEGER)"
        whens.append(f"WHEN regexp_full_match({text}, {pattern}) THEN {value}")
    return f"CASE {' '.join(whens)} END"


def _sql_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(sql_string(item) for item in items) + "]"
