"""Statistical disclosure control for published tables of counts.

The rule: a count from 1 to 4 is hidden (primary suppression; zeros are shown, since a
true zero identifies nobody). Where a hidden cell could be recovered by subtracting the
visible cells from a total shown in the same row or column, the smallest other cell
contributing to that total is hidden too (secondary suppression), until every total has
either no hidden cell or at least two. The cell chosen is, first, one that leaves the fewest
other totals with a single hidden cell (so one hidden cell protects two totals where it can,
rather than starting a cascade through other rows), then the smallest. Percentages and rates
computed from a hidden count, or over a hidden denominator, are hidden as well.

A row that is tiny as a whole (its size below the threshold) is better folded into a
neighbour before suppression (``fold_small_rows``): hiding it alone would force a second
row to be hidden whole to protect it.
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
            cell = _next_to_hide(frame, hidden, groups, cells, total_cell)
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


def _next_to_hide(frame, hidden, groups, cells, total_cell):
    """The visible cell to hide next: a part (the total only when no part is left), the one
    leaving the fewest other totals with exactly one hidden cell, then the smallest."""
    visible = [cell for cell in cells if not hidden.at[cell] and pd.notna(frame.at[cell])]
    candidates = [cell for cell in visible if cell != total_cell] or visible

    def cost(cell):
        exposed = 0
        for other, _ in groups:
            if other is cells or cell not in other:
                continue
            already = sum(hidden.at[c] for c in other)
            exposed += 1 if already == 0 else -1 if already == 1 else 0
        return exposed, float(frame.at[cell])

    return min(candidates, key=cost, default=None)


def fold_small_rows(
    frame: pd.DataFrame,
    size: str,
    *,
    into: Hashable | None = None,
    threshold: int = MINIMUM_COUNT,
) -> tuple[pd.DataFrame, str | None]:
    """``frame`` with every row whose ``size`` is from 1 to ``threshold`` - 1 added into one
    other row (``into`` when it is there, else the row before the first tiny one), that row
    relabelled to say so; and a sentence saying what was folded, or None.

    Every numeric column is summed, so call it before any percentage is computed."""
    values = pd.to_numeric(frame[size], errors="coerce")
    tiny = [label for label in frame.index if 0 < values[label] < threshold]
    if not tiny or len(tiny) == len(frame):
        return frame, None
    rest = [label for label in frame.index if label not in tiny]
    if into not in rest:
        before = [
            label
            for label in rest
            if list(frame.index).index(label) < list(frame.index).index(tiny[0])
        ]
        into = before[-1] if before else rest[0]
    numeric = frame.select_dtypes("number").columns
    folded = frame.drop(index=tiny)
    folded.loc[into, numeric] = frame.loc[[into, *tiny], numeric].sum()
    label = f"{into} and {', '.join(map(str, tiny))}"
    folded = folded.rename(index={into: label})
    note = (
        f"{', '.join(map(str, tiny))} (fewer than {threshold}) "
        f"{'is' if len(tiny) == 1 else 'are'} counted with {into}."
    )
    return folded, note


def _flatten(groups):
    return [item for group in groups for item in group]


def _check_columns(frame, columns, kind):
    missing = sorted(set(columns) - set(frame.columns))
    if missing:
        raise ValueError(f"{kind} columns not in the table: {', '.join(missing)}")
