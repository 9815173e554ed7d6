"""Tables prepared for publication: a total row, derived percentages, suppression applied."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from dagster_project.reports.suppression import SUPPRESSED, suppress_small_counts
from dagster_project.reports.tables import Column, count, render_table

TOTAL = "Total"


@dataclass
class SuppressedTable:
    """A table's values and which of its cells are hidden."""

    frame: pd.DataFrame
    hidden: pd.DataFrame

    def shown(self, row, column, format=count) -> str:
        """One cell as the table prints it (the confidential mark when hidden)."""
        if bool(self.hidden.at[row, column]):
            return SUPPRESSED
        return format(self.frame.at[row, column])

    def visible(self) -> pd.DataFrame:
        """Values with hidden cells blanked: what charts may draw."""
        return self.frame.mask(self.hidden)


def publish(
    frame: pd.DataFrame,
    counts: Sequence[str],
    *,
    row_totals: Mapping[str, Sequence[str]] | None = None,
    ratios: Mapping[str, tuple[str, str]] | None = None,
    shares: Sequence[str] = (),
) -> SuppressedTable:
    """Add a total row, then the derived columns, then suppression.

    ``ratios`` maps a new column to (numerator, denominator) columns of the same row;
    ``shares`` are count columns whose share of the total gets a column ``<name>_share``.
    """
    table = frame.copy()
    table.loc[TOTAL, list(counts)] = table[list(counts)].sum()
    for name, (numerator, denominator) in (ratios or {}).items():
        table[name] = table[numerator] / table[denominator].where(table[denominator] > 0)
    share_columns = {}
    for column in shares:
        total = table.at[TOTAL, column]
        table[f"{column}_share"] = table[column] / total if total > 0 else float("nan")
        share_columns[f"{column}_share"] = column
    hidden = suppress_small_counts(
        table,
        counts,
        row_totals=row_totals,
        total_row=TOTAL,
        ratios={name: list(sources) for name, sources in (ratios or {}).items()},
        shares=share_columns,
    )
    return SuppressedTable(table, hidden)


def render_published(
    table: SuppressedTable, columns: list[Column], row_heading: str, caption: str
) -> str:
    return render_table(
        table.frame,
        columns,
        row_heading=row_heading,
        hidden=table.hidden,
        caption=caption,
        total_row=TOTAL,
    )
