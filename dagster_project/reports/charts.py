"""Charts drawn with matplotlib's Agg canvas and embedded in the page as base64 PNG.

Figures are built with the object API (no pyplot), so nothing touches a display or global
state. Every chart is drawn from published values: a hidden count is left out, never drawn.
"""

import base64
import io
from collections.abc import Sequence
from datetime import date
from html import escape

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullLocator

from dagster_project.reports.suppression import SUPPRESSED

CONTACT_COLOUR = "#1d5c8c"
REFERRAL_COLOUR = "#e07b00"
SECOND_COLOUR = "#8a8a8a"
RATIO_TICKS = [0.1, 0.2, 0.25, 0.33, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2, 3, 4, 5, 10]
ARM_COLOURS = {"intervention": "#c0392b", "comparison": "#1d5c8c"}


def embed(figure: Figure, alt: str) -> str:
    """The figure as an ``<img>`` tag carrying its own PNG bytes."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img class="chart" alt="{escape(alt)}" src="data:image/png;base64,{encoded}">'


def stacked_segments(contacts, referrals, totals) -> tuple[np.ndarray, ...]:
    """What each row's bar draws: (contacts, referrals, total alone). A row whose split is
    hidden draws its public total as one plain bar; a row with everything hidden, nothing."""
    contacts = np.asarray(contacts, dtype=float)
    referrals = np.asarray(referrals, dtype=float)
    totals = np.asarray(totals, dtype=float)
    split_hidden = np.isnan(contacts) | np.isnan(referrals)
    return (
        np.where(split_hidden, 0, np.nan_to_num(contacts)),
        np.where(split_hidden, 0, np.nan_to_num(referrals)),
        np.where(split_hidden, np.nan_to_num(totals), 0),
    )


def contacts_and_referrals_bars(
    labels: Sequence[str],
    contacts: Sequence[float],
    referrals: Sequence[float],
    pct_referrals: Sequence[float],
    totals: Sequence[float],
) -> str:
    """Horizontal stacked bars of contacts and referrals, each labelled with its % referrals;
    a row whose split is hidden but whose total is public gets a plain bar of its total."""
    shown_contacts, shown_referrals, whole = stacked_segments(contacts, referrals, totals)
    totals = np.asarray(totals, dtype=float)
    figure = Figure(figsize=(8, 0.45 * len(labels) + 1.2))
    axes = figure.subplots()
    positions = np.arange(len(labels))[::-1]
    axes.barh(positions, shown_contacts, color=CONTACT_COLOUR, label="Contacts")
    axes.barh(
        positions, shown_referrals, left=shown_contacts, color=REFERRAL_COLOUR, label="Referrals"
    )
    if whole.any():
        axes.barh(positions, whole, color=SECOND_COLOUR, label="Total (split hidden)")
    split_hidden = np.isnan(np.asarray(contacts, float)) | np.isnan(np.asarray(referrals, float))
    for position, total, hidden, pct in zip(
        positions, totals, split_hidden, pct_referrals, strict=True
    ):
        if hidden:
            note = SUPPRESSED if np.isnan(total) else "split hidden"
        else:
            note = f"{100 * pct:.1f}% referrals"
        axes.text(np.nan_to_num(total), position, f"  {note}", va="center", fontsize=8)
    axes.set_yticks(positions, labels)
    axes.set_xlabel("Contacts and referrals")
    axes.margins(x=0.3)
    axes.legend(loc="lower right", frameon=False)
    _tidy(axes)
    return embed(figure, "Contacts and referrals by agency type")


def share_bars(labels: Sequence[str], shares: Sequence[float], xlabel: str, alt: str) -> str:
    """Horizontal bars of percentage shares; a hidden share is marked, not drawn."""
    figure = Figure(figsize=(7, 0.4 * len(labels) + 1.0))
    axes = figure.subplots()
    positions = np.arange(len(labels))[::-1]
    values = 100 * np.asarray(shares, dtype=float)
    axes.barh(positions, np.nan_to_num(values), color=CONTACT_COLOUR)
    for position, value in zip(positions, values, strict=True):
        note = SUPPRESSED if np.isnan(value) else f"{value:.1f}%"
        axes.text(np.nan_to_num(value), position, f" {note}", va="center", fontsize=8)
    axes.set_yticks(positions, labels)
    axes.set_xlabel(xlabel)
    axes.margins(x=0.15)
    _tidy(axes)
    return embed(figure, alt)


def grouped_bars(
    labels: Sequence[str], series: dict[str, Sequence[float]], ylabel: str, alt: str
) -> str:
    """Vertical bars, one group per label and one bar per series."""
    figure = Figure(figsize=(8, 3.6))
    axes = figure.subplots()
    width = 0.8 / max(len(series), 1)
    positions = np.arange(len(labels))
    colours = [CONTACT_COLOUR, SECOND_COLOUR, REFERRAL_COLOUR]
    for index, (name, values) in enumerate(series.items()):
        offset = (index - (len(series) - 1) / 2) * width
        axes.bar(
            positions + offset,
            np.asarray(values, dtype=float),
            width,
            label=name,
            color=colours[index % len(colours)],
        )
    axes.set_xticks(positions, labels, rotation=15, ha="right")
    axes.set_ylabel(ylabel)
    axes.legend(frameon=False)
    _tidy(axes)
    return embed(figure, alt)


def histogram(values: Sequence[float], xlabel: str, ylabel: str, alt: str) -> str:
    values = np.asarray(values, dtype=float)
    figure = Figure(figsize=(7, 3.4))
    axes = figure.subplots()
    bins = min(40, max(5, int(np.sqrt(len(values))) * 2))
    axes.hist(values, bins=bins, color=CONTACT_COLOUR, edgecolor="white")
    axes.axvline(values.mean(), color=REFERRAL_COLOUR, linestyle="--", label="Mean")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.legend(frameon=False)
    _tidy(axes)
    return embed(figure, alt)


def monthly_lines(
    months: Sequence[date],
    series: dict[str, Sequence[float]],
    ylabel: str,
    alt: str,
    *,
    marker: date | None = None,
    marker_label: str = "",
    colours: dict[str, str] | None = None,
) -> str:
    """One line per series over months; an optional dashed line marks a date."""
    figure = Figure(figsize=(8.5, 3.6))
    axes = figure.subplots()
    x = pd.to_datetime(pd.Series(months))
    palette = [CONTACT_COLOUR, REFERRAL_COLOUR, SECOND_COLOUR, "#2e8b57"]
    for index, (name, values) in enumerate(series.items()):
        colour = (colours or {}).get(name, palette[index % len(palette)])
        axes.plot(
            x, np.asarray(values, dtype=float), marker="o", markersize=3, label=name, color=colour
        )
    if marker is not None:
        axes.axvline(pd.Timestamp(marker), color="black", linestyle="--", linewidth=1)
        axes.axvspan(pd.Timestamp(marker), x.max(), color="#f0f0f0", zorder=0)
        axes.text(
            pd.Timestamp(marker), axes.get_ylim()[1], f" {marker_label}", va="top", fontsize=8
        )
    axes.set_ylabel(ylabel)
    axes.set_ylim(bottom=0)
    axes.legend(loc="best", frameon=False, fontsize=8)
    figure.autofmt_xdate()
    _tidy(axes)
    return embed(figure, alt)


def forest_plot(
    labels: Sequence[str],
    estimates: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    margins: Sequence[float | None],
) -> str:
    """Rate ratios with confidence intervals on a log scale, the null at 1; a row's
    non-inferiority margin, when it has one, is drawn across that row."""
    figure = Figure(figsize=(8, 0.55 * len(labels) + 1.4))
    axes = figure.subplots()
    positions = np.arange(len(labels))[::-1]
    estimates = np.asarray(estimates, dtype=float)
    lows = np.asarray(lows, dtype=float)
    highs = np.asarray(highs, dtype=float)
    axes.errorbar(
        estimates,
        positions,
        xerr=[estimates - lows, highs - estimates],
        fmt="s",
        color=CONTACT_COLOUR,
        ecolor=CONTACT_COLOUR,
        capsize=3,
    )
    axes.axvline(1.0, color="black", linewidth=1)
    drawn = [(p, m) for p, m in zip(positions, margins, strict=True) if m is not None and m > 0]
    for index, (position, margin) in enumerate(drawn):
        axes.vlines(
            margin,
            position - 0.4,
            position + 0.4,
            colors=REFERRAL_COLOUR,
            linestyles="--",
            label="Non-inferiority margin" if index == 0 else None,
        )
    if drawn:
        axes.legend(loc="upper right", frameon=False, fontsize=8)
    ticks = _ratio_ticks([*lows, *(m for _, m in drawn)], highs)
    axes.set_xscale("log")
    axes.xaxis.set_major_locator(FixedLocator(ticks))
    axes.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    axes.xaxis.set_minor_locator(NullLocator())
    axes.set_yticks(positions, labels)
    axes.set_xlabel("Rate ratio, intervention / comparison (log scale; 95% CI)")
    _tidy(axes)
    return embed(figure, "Forest plot of rate ratios")


def _ratio_ticks(lows, highs) -> list[float]:
    """Round rate ratios spanning the intervals, the margins and the null."""
    values = [*lows, *highs, 1.0]
    low, high = min(values), max(values)
    ticks = [t for t in RATIO_TICKS if low / 1.15 <= t <= high * 1.15]
    return ticks if len(ticks) >= 2 else [low, 1.0, high]


def _tidy(axes) -> None:
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)
