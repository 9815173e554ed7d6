"""Days, terms and how busy each kind of referrer is on each day.

Contacts are spread over the days of a month in proportion to a day weight that depends
on who is calling: schools almost only in term time, other professionals on weekdays,
members of the public every day.
"""

from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from mash_demo.tables import read_table


def _term_dates() -> dict[int, tuple[tuple[date, date], ...]]:
    """Warwickshire's half terms (first and last day) by academic year, data/term_dates.csv."""
    terms: dict[int, list[tuple[date, date]]] = {}
    for row in read_table("term_dates"):
        terms.setdefault(int(row["academic_year"]), []).append(
            (date.fromisoformat(row["first_day"]), date.fromisoformat(row["last_day"]))
        )
    return {year: tuple(halves) for year, halves in terms.items()}


_TERMS = _term_dates()
_BANK_HOLIDAYS = frozenset(date.fromisoformat(row["day"]) for row in read_table("bank_holidays"))

# Relative activity on a (term weekday, holiday weekday, weekend or bank holiday).
PROFILES = {
    "school": (1.0, 0.07, 0.01),
    "professional": (1.0, 1.0, 0.22),
    "police": (1.0, 1.0, 0.55),
    "health": (1.0, 1.0, 0.3),
    "individual": (1.0, 1.05, 0.5),
}
# Relative activity by calendar month for non-school referrers (quieter Christmas and August).
_MONTH_FACTOR = {12: 0.88, 8: 0.93, 1: 1.04, 3: 1.03}


def academic_year(day: date) -> int:
    """The calendar year in which the academic year of ``day`` began (Sep-Aug)."""
    return day.year if day.month >= 9 else day.year - 1


def academic_year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def month_starts(start: date, end: date) -> list[date]:
    """First days of the months that overlap [start, end]."""
    months, current = [], date(start.year, start.month, 1)
    while current <= end:
        months.append(current)
        current = next_month(current)
    return months


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_days(month: date) -> list[date]:
    following = next_month(month)
    return [month + timedelta(days=i) for i in range((following - month).days)]


def _generic_terms(year: int) -> tuple[tuple[date, date], ...]:
    """Approximate terms for years without published dates."""

    def monday_on_or_after(d: date) -> date:
        return d + timedelta(days=(7 - d.weekday()) % 7)

    autumn = monday_on_or_after(date(year, 9, 2)) + timedelta(days=1)
    oct_half = monday_on_or_after(date(year, 10, 24))
    spring = monday_on_or_after(date(year + 1, 1, 4))
    feb_half = monday_on_or_after(date(year + 1, 2, 14))
    easter = monday_on_or_after(date(year + 1, 4, 1))
    may_half = monday_on_or_after(date(year + 1, 5, 25))
    return (
        (autumn, oct_half - timedelta(days=3)),
        (oct_half + timedelta(days=7), date(year, 12, 20)),
        (spring, feb_half - timedelta(days=3)),
        (feb_half + timedelta(days=7), easter - timedelta(days=3)),
        (easter + timedelta(days=14), may_half - timedelta(days=3)),
        (may_half + timedelta(days=7), date(year + 1, 7, 20)),
    )


def _terms(year: int) -> tuple[tuple[date, date], ...]:
    if year in _TERMS:
        return _TERMS[year]
    return _generic_terms(year)


def is_term_day(day: date) -> bool:
    return any(first <= day <= last for first, last in _terms(academic_year(day)))


def is_bank_holiday(day: date) -> bool:
    if day in _BANK_HOLIDAYS:
        return True
    return (day.month, day.day) in {(12, 25), (12, 26), (1, 1)}


@lru_cache(maxsize=1024)
def month_day_weights(month: date, profile: str) -> np.ndarray:
    """Day weights of the days of a month (cached; do not modify the result)."""
    return day_weights(month_days(month), profile)


def day_weights(days: list[date], profile: str) -> np.ndarray:
    term, holiday, rest = PROFILES[profile]
    weights = np.empty(len(days))
    for i, day in enumerate(days):
        if day.weekday() >= 5 or is_bank_holiday(day):
            weights[i] = rest
        elif profile == "school" and not is_term_day(day):
            weights[i] = holiday
        else:
            weights[i] = term
        if profile != "school":
            weights[i] *= _MONTH_FACTOR.get(day.month, 1.0)
    return weights


@lru_cache(maxsize=1024)
def month_share(month: date, profile: str) -> float:
    """The month's share of its academic year's activity for this kind of referrer."""
    year = academic_year(month)
    total = 0.0
    current = date(year, 9, 1)
    while current < date(year + 1, 9, 1):
        total += float(month_day_weights(current, profile).sum())
        current = next_month(current)
    return float(month_day_weights(month, profile).sum()) / total
