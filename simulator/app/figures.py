"""The app's figures: read from the back of a room, on a projector, by anyone.

- Time axes carry dates; every value axis its unit.
- Uncertainty is drawn as two bands, each named in words in the legend: the darker one
  is the 95 % interval of the mean (where the average of many such municipalities lies),
  the lighter one the range 8 of 10 municipalities like this one would see (the 10th to
  90th percentile over replications). With one replication there is no band, and the
  legend says more are coming.
- The DS recommendation of 35-45 cases per caseworker is a labelled band.
- Colours are Okabe and Ito's colour-blind-safe palette, and lines also differ in style,
  so a grey projector or a colour-blind reader still tells them apart.

The figures are plain matplotlib `Figure`s (no pyplot state: the app draws from several
sessions at once). They draw what the package computed; they compute nothing of the model.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

import simulator as cl
from simulator.analysis.standards import BAND_TEXT, CASELOAD_BAND
from simulator.app import texts
from simulator.reporting import png

matplotlib.use("Agg")  # no screen: figures are drawn to images

# Okabe & Ito (2008), "Color universal design": safe for the common colour blindnesses.
BLUE, ORANGE, SKY, GREEN = "#0072B2", "#E69F00", "#56B4E9", "#009E73"
VERMILLION, PURPLE, GREY, BLACK = "#D55E00", "#CC79A7", "#999999", "#000000"
A_COLOUR, B_COLOUR = BLUE, ORANGE

RANGE_LABEL = (
    "the range 8 of 10 municipalities like this one would see "
    "(10th–90th percentile over replications)"
)
CI_LABEL = "95 % interval of the mean"


def range_label(replications: int) -> str:
    """The legend's words for the range 8 of 10 lie in, marked rough when it rests on
    fewer than `texts.RANGE_REPLICATIONS` replications."""
    if not texts.range_caveat(replications):
        return RANGE_LABEL
    return (  # short enough for the legend's one line at the figures' width
        "the range 8 of 10 municipalities like this one would see, rough: only "
        f"{replications} replications ({texts.RANGE_REPLICATIONS} or more needed)"
    )


DS_LABEL = f"DS recommendation: {BAND_TEXT} cases per caseworker"

STYLE = {
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 11.5,
    "legend.frameon": False,
    "lines.linewidth": 2.6,
}


@dataclass
class Line:
    """One series in a time panel: a `simulator.weekly_bands` table and how to draw it."""

    label: str
    bands: pd.DataFrame  # date, mean, ci_low, ci_high, p10, p90, replications
    colour: str = BLUE
    style: str = "-"
    one: str = "one replication (more are coming)"  # the legend's words with one replication


@dataclass
class Panel:
    """One panel of a time figure."""

    title: str
    unit: str
    lines: list[Line]
    ds_band: bool = False
    percent: bool = False
    bars: pd.Series | None = None  # optional bars by date (e.g. arrivals per month)
    bar_label: str = ""
    top: float | None = None  # a fixed top of the value axis (settings compared by eye)


@dataclass
class Point:
    """A simulated point with its uncertainty, for the hockey stick."""

    x: float
    y: float
    x_low: float = float("nan")
    x_high: float = float("nan")
    y_low: float = float("nan")
    y_high: float = float("nan")
    y_p10: float = float("nan")
    y_p90: float = float("nan")
    replications: int = 1
    label: str = ""


@dataclass
class Span:
    """A shaded stretch of time with its name (the peak), or a marked date (one day)."""

    start: dt.date
    end: dt.date | None
    label: str
    colour: str = GREY
    extra: dict[str, object] = field(default_factory=dict)


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(STYLE):
        return Figure(figsize=(width, height), dpi=100)


# A fixed layout in inches (matplotlib's constrained layout measured every label again
# and doubled the time to draw a figure, which a slider's first answer cannot spare).
LEFT_IN, RIGHT_IN, TITLE_IN, TICKS_IN, ENTRY_IN = 0.95, 0.2, 0.75, 0.55, 0.26


def _arrange(
    fig: Figure,
    title: str,
    axes_in: float,
    entries: int,
    *,
    columns: int = 1,
    gap: float = 0.0,
    below_in: float = 0.0,
) -> None:
    """Size `fig` for `axes_in` inches of axes and a legend of `entries` entries below
    them (`below_in` more for an axis label), place its axes and its `title`; `gap` is
    the space between stacked axes (inches)."""
    width = fig.get_figwidth()
    legend_in = ENTRY_IN * -(-entries // columns) + (0.15 if entries else 0.0) + below_in
    height = TITLE_IN + axes_in + TICKS_IN + legend_in
    fig.set_size_inches(width, height)
    rows = max(1, len(fig.axes))
    mean_axis = max((axes_in - gap * (rows - 1)) / rows, 0.1)
    fig.subplots_adjust(
        left=LEFT_IN / width,
        right=1 - RIGHT_IN / width,
        top=1 - TITLE_IN / height,
        bottom=(TICKS_IN + legend_in) / height,
        hspace=gap / mean_axis,
    )
    fig.suptitle(
        title, x=0.01, y=1 - 0.12 / height, ha="left", va="top", fontsize=15, fontweight="bold"
    )


def _bands(ax: Axes, line: Line, *, percent: bool) -> int:
    """Draw a line with its two bands; return the replications it rests on."""
    b = line.bands
    scale = 100.0 if percent else 1.0
    dates = pd.to_datetime(b["date"])
    n = int(b["replications"].max()) if len(b) else 0
    if n >= 2:
        ax.fill_between(
            dates, b["p10"] * scale, b["p90"] * scale, color=line.colour, alpha=0.16, linewidth=0
        )
        ax.fill_between(
            dates,
            b["ci_low"] * scale,
            b["ci_high"] * scale,
            color=line.colour,
            alpha=0.42,
            linewidth=0,
        )
        name = f"{line.label}: mean of {n} replications"
    else:
        name = f"{line.label}: {line.one}"
    ax.plot(dates, b["mean"] * scale, color=line.colour, linestyle=line.style, label=name)
    return n


def band_handles(n: int) -> dict[str, Patch]:
    """Legend entries for the two bands, in words (none with fewer than two replications)."""
    if n < 2:
        return {}
    return {
        f"darker band: {CI_LABEL}": Patch(color=GREY, alpha=0.75),
        f"lighter band: {range_label(n)}": Patch(color=GREY, alpha=0.3),
    }


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def time_figure(
    panels: Sequence[Panel],
    *,
    title: str,
    spans: Sequence[Span] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
    width: float = 11.5,
    panel_height: float = 2.6,
) -> Figure:
    """Stacked panels over time sharing one date axis, one legend below them all."""
    fig = _figure(width, panel_height * len(panels) + 2.0)
    with matplotlib.rc_context(STYLE):
        axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
        handles: dict[str, object] = {}
        most = 0
        for ax, panel in zip(axes, panels, strict=True):
            if panel.bars is not None and len(panel.bars):
                bars = ax.bar(
                    pd.to_datetime(panel.bars.index),
                    panel.bars.to_numpy(),
                    width=24,
                    color=SKY,
                    alpha=0.8,
                    label=panel.bar_label,
                )
                handles.setdefault(panel.bar_label, bars)
            if panel.ds_band:
                ax.axhspan(*CASELOAD_BAND, color=GREEN, alpha=0.22, linewidth=0)
                handles.setdefault(DS_LABEL, Patch(color=GREEN, alpha=0.35))
            for line in panel.lines:
                most = max(most, _bands(ax, line, percent=panel.percent))
            for span in spans:
                if span.end is None:
                    ax.axvline(
                        pd.Timestamp(span.start),
                        color=span.colour,
                        linestyle="--",
                        linewidth=2,
                        label=span.label,
                    )
                else:
                    ax.axvspan(
                        pd.Timestamp(span.start),
                        pd.Timestamp(span.end),
                        color=span.colour,
                        alpha=0.18,
                        linewidth=0,
                        label=span.label,
                    )
            ax.set_title(panel.title)
            ax.set_ylabel(panel.unit)
            if panel.percent:
                ax.set_ylim(-2, 103)
            elif panel.top is not None:
                ax.set_ylim(0, panel.top)
            else:
                ax.set_ylim(bottom=0)
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                handles.setdefault(label, handle)
        if start is not None or end is not None:
            axes[-1].set_xlim(
                pd.Timestamp(start) if start else None, pd.Timestamp(end) if end else None
            )
        _date_axis(axes[-1])
        handles.update(band_handles(most))
        _arrange(fig, title, panel_height * len(panels), len(handles), gap=0.55)
        fig.legend(
            list(handles.values()),
            list(handles),
            loc="lower left",
            bbox_to_anchor=(0.0, 0.0),
            ncols=1,
        )
    return fig


# queueing theory's curves on the hockey stick: (column of `waiting_theory`, line style,
# width, legend)
THEORY_CURVES = (
    ("own_queue_days", "--", 2.0, "queueing theory: each caseworker her own queue (M/M/1)"),
    ("pooled_days", ":", 2.4, "queueing theory: caseworkers share one queue (M/M/c, Erlang C)"),
)


def hockey_figure(
    theory: pd.DataFrame | None,
    grid: Sequence[Point],
    current: Point | None,
    *,
    title: str,
    x_label: str = "caseworkers' utilisation: hours worked ÷ casework hours (%)",
) -> Figure:
    """Mean wait for a task against utilisation: queueing theory's two curves (none
    when `theory` is None: a run with no task completed has no task time to give them),
    the simulated grid and the current setting with its uncertainty."""
    fig = _figure(11.5, 7.4)
    with matplotlib.rc_context(STYLE):
        ax = fig.subplots()
        curves = () if theory is None else THEORY_CURVES
        for column, style, width, label in curves:
            x = theory["utilisation"].to_numpy() * 100
            ax.plot(x, theory[column], color=BLACK, linestyle=style, linewidth=width, label=label)
        done = sorted((p for p in grid if np.isfinite(p.x) and np.isfinite(p.y)), key=lambda p: p.x)
        if done:
            n = min(p.replications for p in done)
            each = "one replication each" if n == 1 else f"mean of {n} replications each"
            ax.plot(
                [p.x * 100 for p in done],
                [p.y for p in done],
                color=BLUE,
                marker="o",
                markersize=8,
                linewidth=1.8,
                label=f"simulated, other settings ({each}, on common random numbers)",
            )
        top = max([upper_end(p) for p in done] or [1.0])
        if current is not None and np.isfinite(current.x):
            if current.replications >= 2:
                ax.errorbar(
                    [current.x * 100],
                    [current.y],
                    yerr=_spread([current.y], [current.y_p10], [current.y_p90]),
                    color=ORANGE,
                    linewidth=7,
                    alpha=0.45,
                    capsize=0,
                    label=f"your setting: {range_label(current.replications)}",
                )
                ax.errorbar(
                    [current.x * 100],
                    [current.y],
                    yerr=_spread([current.y], [current.y_low], [current.y_high]),
                    xerr=_spread([current.x * 100], [current.x_low * 100], [current.x_high * 100]),
                    color=VERMILLION,
                    linewidth=2.5,
                    capsize=6,
                    linestyle="none",
                    label=f"your setting: {CI_LABEL}",
                )
            name = (
                f"your setting: mean of {current.replications} replications"
                if current.replications >= 2
                else "your setting: one replication (more are coming)"
            )
            ax.plot(
                [current.x * 100],
                [current.y],
                marker="D",
                markersize=13,
                color=VERMILLION,
                markeredgecolor=BLACK,
                linestyle="none",
                label=name,
            )
            top = max(top, upper_end(current))
        ax.set_xlim(0, 110)
        ax.set_ylim(0, max(10.0, top * 1.15))
        ax.axvline(100, color=GREY, linewidth=1.5)
        ax.set_xlabel(x_label)
        ax.set_ylabel("mean wait before a task is started (days)")
        entries = len(ax.get_legend_handles_labels()[1])
        _arrange(fig, title, 5.2, entries, below_in=0.3)
        fig.legend(loc="lower left", bbox_to_anchor=(0.0, 0.0), ncols=1)
    return fig


def upper_end(point: Point) -> float:
    """The highest of a point's mean, the upper end of its 95 % interval and of its range
    8 in 10 lie in (those it has): what an axis must hold. The interval can reach above
    the range (with 3 replications its t-quantile is 4.3), and was cut off at the top."""
    ends = [point.y, point.y_high, point.y_p90]
    return max((v for v in ends if np.isfinite(v)), default=0.0)


def _spread(centre: Sequence[float], low: Sequence[float], high: Sequence[float]) -> np.ndarray:
    c, lo, hi = (np.asarray(v, dtype=float) for v in (centre, low, high))
    lo = np.where(np.isfinite(lo), lo, c)
    hi = np.where(np.isfinite(hi), hi, c)
    return np.vstack([np.maximum(c - lo, 0), np.maximum(hi - c, 0)])


def differences_figure(rows: pd.DataFrame, *, title: str) -> Figure:
    """B − A per metric with its paired 95 % interval: one row per metric (`label`,
    `difference`, `ci_low`, `ci_high`, `verdict` of `simulator.pair`), a line at zero (no
    difference). Only the metrics with an interval are drawn: one identical in every
    replication, or switched off in both, has no interval, and an axis around it would
    draw rounding noise (the page says those in words)."""
    rows = rows[[texts.has_interval(v) for v in rows["verdict"]]]
    if rows.empty:
        raise ValueError("differences_figure: no metric with an interval to draw")
    fig = _figure(11.5, 1.0 + 0.75 * len(rows))
    with matplotlib.rc_context(STYLE):
        axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
        for ax, (_, row) in zip(axes, rows.iterrows(), strict=True):
            d, lo, hi = row["difference"], row["ci_low"], row["ci_high"]
            clear = row["verdict"] != cl.Verdict.CHANCE
            colour = BLUE if clear else GREY
            ax.axvline(0, color=BLACK, linewidth=1.2)
            ax.plot([lo, hi], [0, 0], color=colour, linewidth=6, alpha=0.6, solid_capstyle="butt")
            ax.plot([d], [0], marker="o", markersize=11, color=colour)
            width = max(abs(v) for v in (d, lo, hi)) * 1.3
            ax.set_xlim(-width, width)
            ax.set_yticks([])
            ax.grid(False)
            ax.spines["left"].set_visible(False)
            chance = "" if clear else f"  ({texts.verdict_words(row['verdict'])})"
            ax.set_title(row["label"] + chance, fontsize=12.5, fontweight="normal")
        axes[-1].set_xlabel("B − A: dot = mean difference, bar = paired 95 % interval")
        _arrange(fig, title, 0.45 * len(rows) + 0.8 * (len(rows) - 1), 0, gap=0.8, below_in=0.3)
    return fig


def guess_figure(
    guess: float, result: Point, *, title: str, unit: str, scale: float = 1.0
) -> Figure:
    """The room's guess beside the simulated answer, its 95 % interval of the mean and
    the range 8 of 10 municipalities like this one would see."""
    fig = _figure(11.5, 2.9)
    with matplotlib.rc_context(STYLE):
        ax = fig.subplots()
        y, s = 0.0, scale
        if np.isfinite(result.y_p10):
            ax.plot(
                [result.y_p10 * s, result.y_p90 * s],
                [y, y],
                color=BLUE,
                alpha=0.3,
                linewidth=16,
                solid_capstyle="butt",
                label=range_label(result.replications),
            )
        if np.isfinite(result.y_low):
            ax.plot(
                [result.y_low * s, result.y_high * s],
                [y, y],
                color=BLUE,
                linewidth=16,
                alpha=0.75,
                solid_capstyle="butt",
                label=CI_LABEL,
            )
        ax.plot(
            [result.y * s],
            [y],
            marker="o",
            markersize=14,
            color=BLUE,
            markeredgecolor=BLACK,
            linestyle="none",
            label="the simulation: "
            + (
                "one replication"
                if result.replications == 1
                else f"mean of {result.replications} replications"
            ),
        )
        ax.plot(
            [guess],
            [y],
            marker="D",
            markersize=15,
            color=ORANGE,
            markeredgecolor=BLACK,
            linestyle="none",
            label="the room's guess",
        )
        values = [v * s for v in (result.y, result.y_p10, result.y_p90) if np.isfinite(v)]
        low, high = min([*values, guess]), max([*values, guess])
        pad = max((high - low) * 0.15, abs(high) * 0.05, 1e-6)
        ax.set_xlim(low - pad, high + pad)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_xlabel(unit)
        entries = len(ax.get_legend_handles_labels()[1])
        _arrange(fig, title, 0.9, entries, below_in=0.3)
        fig.legend(loc="lower left", bbox_to_anchor=(0.0, 0.0), ncols=1)
    return fig


def image(fig: Figure, dpi: float) -> bytes:
    """`fig` as PNG bytes at `dpi`: the pixels `savefig` draws with matplotlib's default
    `savefig.*` settings, in about 0.6 of its time (`simulator.reporting.png`: ticks
    settled, rows unfiltered), which a slider's first answer cannot spare."""
    buffer = io.BytesIO()
    png.save(fig, buffer, dpi)
    return buffer.getvalue()
