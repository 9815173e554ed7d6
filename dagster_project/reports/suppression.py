"""Statistical disclosure control for published tables of counts.

The rule: a count from 1 to 4 is hidden (primary suppression; zeros are shown, since a
true zero identifies nobody). Where a hidden cell could be recovered by subtracting the
visible cells from a total shown in the same row or column, the smallest other cell
contributing to that total is hidden too (secondary suppression), until every total has
either no hidden cell or at least two. Percentages and rates computed from a hidden count,
or over a hidden denominator, are hidden as well.
"""

from collections.abc import Hashable, Mapping, Sequence

import pandas as pd

#: What a hidden cell shows (the Government Statistical Service's mark for "confidential").
SUPPRESSED = "[c]"

#: Counts below this (and above zero) are hidden.
MINIMUM_COUNT = 5


def suppress_small_counts(
    frame: pd.DataFrame,
    counts: Sequence[str],
    *,
    row_totals: Mapping[str, Sequence[str]] | None = None,
    total_row: Hashable | None = None,
    ratios: Mapping[str, Sequence[str]] | None = None,
    shares: Mapping[str, str] | None = None,
    threshold: int = MINIMUM_COUNT,
) -> pd.DataFrame:
    """Which cells of ``frame`` a publication must hide: a boolean frame of the same shape.

    ``counts`` are the columns holding counts of people or events. ``row_totals`` maps a
    count column to the count columns it is the sum of, row by row (``{"total": ["contacts",
    "referrals"]}``). ``total_row`` is the index label of a row that is the sum of all other
    rows. ``ratios`` maps a derived column to the columns of the same row it was computed
    from; ``shares`` maps a derived column to the count column whose value it divides by that
    column's ``total_row`` value.
    """
    row_totals = dict(row_totals or {})
    ratios = dict(ratios or {})
    shares = dict(shares or {})
    _check_columns(frame, [*counts, *row_totals, *_flatten(row_totals.values())], "count")
    _check_columns(
        frame, [*ratios, *shares, *_flatten(ratios.values()), *shares.values()], "derived"
    )
    if shares and total_row is None:
        raise ValueError("shares need a total_row to divide by")
    if not frame.index.is_unique:
        raise ValueError("the table's row labels must be unique")
    if total_row is not None and total_row not in frame.index:
        raise ValueError(f"total row {total_row!r} is not in the table")

    hidden = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    for column in counts:
        values = pd.to_numeric(frame[column], errors="coerce")
        hidden[column] = (values > 0) & (values < threshold)

    groups = _total_groups(frame, row_totals, total_row, counts)
    changed = True
    while changed:
        changed = False
        for cells, total_cell in groups:
            if sum(hidden.at[cell] for cell in cells) != 1:
                continue
            cell = _next_smallest(frame, hidden, cells, total_cell)
            if cell is not None:
                hidden.at[cell] = True
                changed = True

    for derived, sources in ratios.items():
        hidden[derived] = hidden[derived] | hidden[list(sources)].any(axis=1)
    for derived, source in shares.items():
        hidden[derived] = hidden[derived] | hidden[source] | bool(hidden.at[total_row, source])
    return hidden


def _total_groups(frame, row_totals, total_row, counts):
    """Every (cells, total cell) set bound by one equation "parts add up to the total"."""
    groups = []
    for row in frame.index:
        for total, parts in row_totals.items():
            cells = [(row, total), *((row, part) for part in parts)]
            groups.append((cells, (row, total)))
    if total_row is not None:
        for column in counts:
            cells = [(row, column) for row in frame.index]
            groups.append((cells, (total_row, column)))
    return groups


def _next_smallest(frame, hidden, cells, total_cell):
    """The visible cell to hide next: the smallest part, or the total when no part is left."""
    visible = [cell for cell in cells if not hidden.at[cell] and pd.notna(frame.at[cell])]
    candidates = [cell for cell in visible if cell != total_cell] or visible
    return min(candidates, key=lambda cell: float(frame.at[cell]), default=None)


def _flatten(groups):
    return [item for group in groups for item in group]


def _check_columns(frame, columns, kind):
    missing = sorted(set(columns) - set(frame.columns))
    if missing:
        raise ValueError(f"{kind} columns not in the table: {', '.join(missing)}")
