"""HTML tables for the reports, with suppressed cells shown as the confidential mark."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

import pandas as pd

from dagster_project.reports.suppression import SUPPRESSED

MISSING = "–"


def count(value) -> str:
    return f"{int(round(value)):,}"


def number(value, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}"


def percent(fraction) -> str:
    return f"{100 * fraction:.1f}%"


def p_value(value) -> str:
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def text(value) -> str:
    return str(value)


@dataclass(frozen=True)
class Column:
    """One column of a rendered table: the frame's column, its heading and its format."""

    name: str
    heading: str
    format: Callable[[object], str] = text
    numeric: bool = True


def render_table(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    *,
    row_heading: str = "",
    hidden: pd.DataFrame | None = None,
    caption: str = "",
    total_row: object = None,
) -> str:
    """An HTML table of ``frame``'s rows (labelled by its index) in the given columns.

    Cells marked in ``hidden`` show the confidential mark whatever their value; missing
    values show a dash.
    """
    head = "".join(
        f'<th class="{"num" if column.numeric else "txt"}">{escape(column.heading)}</th>'
        for column in columns
    )
    rows = []
    for label, record in frame.iterrows():
        cells = []
        for column in columns:
            value = record[column.name]
            if hidden is not None and column.name in hidden and bool(hidden.at[label, column.name]):
                shown = SUPPRESSED
            elif value is None or (not isinstance(value, str) and pd.isna(value)):
                shown = MISSING
            else:
                shown = column.format(value)
            cells.append(f'<td class="{"num" if column.numeric else "txt"}">{escape(shown)}</td>')
        row_class = ' class="total"' if total_row is not None and label == total_row else ""
        rows.append(
            f'<tr{row_class}><th class="txt">{escape(str(label))}</th>{"".join(cells)}</tr>'
        )
    caption_html = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (
        f'<table>{caption_html}<thead><tr><th class="txt">{escape(row_heading)}</th>{head}'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
