"""Academic years ('2017/18': 1 September to 31 August) and month labels."""

import re
from datetime import date

import pandas as pd

ACADEMIC_YEAR = re.compile(r"^(\d{4})/(\d{2})$")


def academic_year_bounds(academic_year: str) -> tuple[date, date]:
    """First and last day of an academic year written '2017/18'."""
    match = ACADEMIC_YEAR.match(academic_year)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise ValueError(f"academic year {academic_year!r} is not of the form '2017/18'")
    start = int(match[1])
    return date(start, 9, 1), date(start + 1, 8, 31)


def month_label(month_start) -> str:
    return pd.Timestamp(month_start).strftime("%b %Y")
