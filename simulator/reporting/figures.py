"""Figures for a planner: the weekly time series and the statutory deadlines, as PNGs.

`write_figures` turns the weekly series and the per-task-type table of one scenario
(one or several replications) into PNG files a municipal planner can read at a
glance: caseload per caseworker against the DS recommendation, the backlog, the
share of tasks done on time per task type (statutory and optional apart), caseworker
utilisation, the caseworkers at work and away (vacation, sick leave, vacant positions),
the stress index against its threshold, and the people placed and the family members
arriving per month; where triage dropped optional tasks, also those per task type.

With one replication a line shows the run. With several, the line is the mean across
replications per week, a darker band (or error bar) the 95 % confidence interval of that
mean (for a share, inside 0-100 %), so a planner can tell a real difference from noise,
and a lighter band the 10th to 90th percentile of the runs: the range a single
municipality may see, which does not narrow with more runs. The bands are computed in one
place, `simulator.analysis.tables` (the app draws the same).

The object-oriented API (`matplotlib.figure.Figure`) is used throughout, without
pyplot: no GUI backend, no global figure state, safe in worker processes. The figures
are laid out by measuring only what decides their margins (tick labels, axis labels,
title, legend and note: `_lay_out`), not by matplotlib's constrained layout, whose
extra pass over every artist took a third of the drawing time; and where the results
have many replications they are drawn on several processes (`write_figures`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simulator.analysis.mechanisms import Mechanism
from simulator.analysis.metrics.counts import WINDOW
from simulator.analysis.standards import CASELOAD_BAND
from simulator.analysis.stats import column_statistics
from simulator.analysis.tables import grouped_values, monthly_counts, weekly_band_arrays
from simulator.reporting import png
from simulator.reporting.drawing import ARRIVALS_FIGURE, DROPPED_FIGURE, Planner, draw_figures
from simulator.reporting.text import POINT, fit_title, text_width, wrap

if TYPE_CHECKING:
    from simulator.experiments.executors import Executor

DPI = 150
T = TypeVar("T", Path, BinaryIO)
LINE_COLOUR = "#1f5fa8"
SECONDARY_COLOUR = "#6b6b6b"
BAND_COLOUR = "#2e9e4f"
WARMUP_COLOUR = "#9a9a9a"
OVER_COLOUR = "#c0392b"
COMPARE_COLOUR = "#d9822b"
VACATION_COLOUR = "#e8b84a"
VACANT_COLOUR = "#b8b8b8"
# the stacked states of `staff_by_absence_figure`, bottom to top: (metric, label, colour)
STAFF_STATES = (
    ("caseworkers_present", "at work", LINE_COLOUR),
    ("caseworkers_on_vacation", "on vacation", VACATION_COLOUR),
    ("caseworkers_sick", "on sick leave", OVER_COLOUR),
    ("vacancies", "vacant positions", VACANT_COLOUR),
)
# the mechanism behind each stacked state but "at work" (`simulator.analysis.mechanisms`)
STATE_MECHANISMS = {
    "caseworkers_on_vacation": "vacation",
    "caseworkers_sick": "sick leave",
    "vacancies": "turnover",
}
REUNIFICATION = "family reunification"
OFF_TEXT = "off in this scenario"


# --- statistics ---------------------------------------------------------------------------------


RANGE_LABEL = "8 in 10 runs (10th–90th pct.)"
CI_LABEL = "95 % CI of the mean"
TASK_RANGE_LABEL = "8 runs in 10 (10th–90th pct.): one municipality's range"


# `_series`' columns and the `weekly_bands` columns they are
SERIES_COLUMNS = {"mean": "mean", "low": "ci_low", "high": "ci_high", "p10": "p10", "p90": "p90"}


def _series(weekly: pd.DataFrame, metric: str, scale: float = 1.0) -> pd.DataFrame:
    """One metric as a frame indexed by date with columns mean, low, high (the 95 % interval
    of the mean) and p10, p90 (the range of the runs), from `weekly_bands`; empty where the
    metric is missing."""
    found = weekly_band_arrays(weekly, metric, scale=scale)
    if found is None:
        return pd.DataFrame(columns=list(SERIES_COLUMNS), dtype=float)
    dates, bands = found
    columns = {ours: bands[theirs] for ours, theirs in SERIES_COLUMNS.items()}
    return pd.DataFrame(columns, index=pd.Index(dates, name="date"))


def _replications(table: pd.DataFrame) -> int:
    """Number of replications in the weekly or the per-task-type table (0 if it is empty)."""
    return int(table["replication"].nunique()) if len(table) else 0


def staff_table(weekly: pd.DataFrame) -> pd.DataFrame:
    """Caseworkers by state per week, mean over replications: one column per `STAFF_STATES`.

    Indexed by date; columns in stacking order (at work, on vacation, on sick leave,
    vacant positions), so a row sums to the positions in the staffing plan. A week
    without working days has no value (NaN) for the three states counted on working
    days; a metric missing from `weekly` is NaN throughout.
    """
    dates = pd.Index(sorted(weekly["date"].unique()), name="date")
    return pd.DataFrame(
        {metric: _series(weekly, metric)["mean"].reindex(dates) for metric, _, _ in STAFF_STATES},
        index=dates,
    )


def mechanism_state(found: tuple[Mechanism, ...], name: str) -> str | None:
    """What a figure says of mechanism `name` among the scenario's mechanisms `found`, where
    it is not on throughout the run: `OFF_TEXT` where it is never on (not modelled: its
    zeros are no finding), else its state with the dates the timeline switches it ("off, on
    from 2016-02-03"); None where it is on throughout or `found` does not name it."""
    for mechanism in found:
        if mechanism.name == name:
            if not mechanism.ever_on:
                return OFF_TEXT
            return mechanism.state if mechanism.changes else None
    return None


# --- layout -------------------------------------------------------------------------------------

EDGE = 0.1  # inch between the outermost text and the figure's edge
GAP = 0.15  # inch between stacked panels, and between a title and what is under it
LINE = 1.25  # height of a line of text over its font size
TITLE_SIZE, NOTE_SIZE, LEGEND_SIZE = 13.0, 8.0, 9.0
VALUE_SIZE = 10.0  # a bar's value, right of the panel (`_value_labels`)
SMALLEST_TITLE = 10.0  # a long scenario name shrinks the title to this, then wraps it
LEGEND_COLUMNS = 3
# matplotlib's legend geometry (rcParams' defaults), in font sizes: handle, handle to text,
# between columns, the border's padding and the space to the axes
HANDLE, HANDLE_PAD, COLUMN_GAP, BORDER = 2.0, 0.8, 2.0, 0.4 * 2 + 0.2


def _tick_room(axis: Axis) -> float:
    """Inches from the axes' edge to the far side of `axis`'s tick labels."""
    low, high = sorted(axis.get_view_interval())
    ticks = [x for x in axis.get_majorticklocs() if low - 1e-9 <= x <= high + 1e-9]
    labels = [text for text in axis.get_major_formatter().format_ticks(ticks) if text]
    if not labels:
        return 0.0
    tick = axis.get_major_ticks(1)[0]
    size = tick.label1.get_fontsize()
    reach = max(tick.get_tick_padding(), 0.0) + tick.get_pad()
    if axis.axis_name == "x":
        return (reach + size * LINE) * POINT
    return reach * POINT + max(text_width(text, size) for text in labels)


def _label_room(axis: Axis) -> float:
    """Inches `axis`'s label takes beyond its tick labels (0 without one)."""
    text = axis.label.get_text()
    if not text:
        return 0.0
    lines = text.count("\n") + 1
    return (axis.labelpad + lines * axis.label.get_fontsize() * LINE) * POINT


def _lay_out(fig: Figure, *, top: float, bottom: float, right: float = 0.0) -> None:
    """Place the figure's panels (stacked, sharing the width) inside margins that fit
    their y tick labels and y labels on the left, `right` inches on the right (e.g. a
    value axis), and `top` and `bottom` inches for the title, legend, x axis and note."""
    panels = [ax for ax in fig.axes if ax.get_subplotspec() is not None and ax.get_visible()]
    main = [ax for ax in panels if ax.yaxis.get_label_position() == "left"]
    left = _left_room(fig)
    width, height = fig.get_size_inches()
    rows = main[0].get_subplotspec().get_gridspec().nrows
    inside = height - top - bottom - GAP * (rows - 1)
    fig.subplots_adjust(
        left=left / width,
        right=1 - (EDGE + right) / width,
        top=1 - top / height,
        bottom=bottom / height,
        hspace=GAP / (inside / rows),
    )


def _title_room(fig: Figure) -> float:
    """Inches from the top edge to below the figure's title (`_heading`: one or more lines)."""
    title = fig._suptitle
    if title is None:
        return EDGE
    lines = title.get_text().count("\n") + 1
    return EDGE + title.get_fontsize() * LINE * lines * POINT + GAP / 2


def _left_room(fig: Figure) -> float:
    """Inches from the left edge to the panels (their y tick labels and y labels)."""
    panels = [ax for ax in fig.axes if ax.get_subplotspec() is not None and ax.get_visible()]
    main = [ax for ax in panels if ax.yaxis.get_label_position() == "left"]
    return EDGE + max(_tick_room(ax.yaxis) + _label_room(ax.yaxis) for ax in main)


def _note_room() -> float:
    """Inches from the bottom edge to above the note."""
    return EDGE / 2 + NOTE_SIZE * LINE * POINT + GAP / 2


def _lay_out_time_figure(fig: Figure, axes: list[Axes], legend_rows: int) -> None:
    """Margins of a figure of stacked time panels (a legend of `legend_rows` rows above the
    first one)."""
    legend_room = LEGEND_SIZE * (LINE * legend_rows + 1.0) * POINT if legend_rows else 0.0
    x_axis = axes[-1].xaxis
    ticks = _tick_room(x_axis)  # formats the ticks, and so the offset ("2012-Jan")
    offset = x_axis.get_major_formatter().get_offset() if ticks else ""
    bottom = _note_room() + ticks * (2 if offset else 1) + _label_room(x_axis)
    _lay_out(fig, top=_title_room(fig) + legend_room, bottom=bottom, right=0.25)


def _lay_out_bar_figure(fig: Figure, ax: Axes, values: list[str]) -> None:
    """Margins of a bar figure: task names on the left, `values` (`_value_labels`) on the
    right, the legend (one row, where there is one) between the title and the bars."""
    right = _value_room(values)
    bottom = _note_room() + _tick_room(ax.xaxis) + _label_room(ax.xaxis)
    legend = LEGEND_SIZE * (LINE + 1.0) * POINT if ax.get_legend() is not None else 0.0
    _lay_out(fig, top=_title_room(fig) + legend, bottom=bottom, right=right)


def _heading(fig: Figure, text: str) -> None:
    """The figure's title, at the top edge: on one line, smaller where it is long (down to
    `SMALLEST_TITLE`), then wrapped, so that a scenario name of any allowed length fits."""
    width, height = fig.get_size_inches()
    room = width - 2 * EDGE
    size, lines = fit_title(text, room, TITLE_SIZE, SMALLEST_TITLE)
    fig.suptitle("\n".join(lines), fontsize=size, fontweight="bold", y=1 - EDGE / height, va="top")


def _legend_layout(fig: Figure, labels: list[str]) -> tuple[int, list[str]]:
    """Columns (at most `LEGEND_COLUMNS`) and labels of a legend above the first panel that
    fits between the panels' left edge and the figure's right edge: fewer columns where
    labels are long, and in one column, labels wrapped where one is still too wide."""
    room = fig.get_size_inches()[0] - _left_room(fig) - EDGE
    em = LEGEND_SIZE * POINT
    for columns in range(min(LEGEND_COLUMNS, len(labels)), 0, -1):
        rows = -(-len(labels) // columns)
        widths = [max(text_width(text, LEGEND_SIZE) for text in labels[i : i + rows])
                  for i in range(0, len(labels), rows)]  # fmt: skip
        entries = sum(widths) + len(widths) * (HANDLE + HANDLE_PAD) * em
        if entries + ((len(widths) - 1) * COLUMN_GAP + BORDER) * em <= room:
            return columns, labels
    text_room = room - (HANDLE + HANDLE_PAD + BORDER) * em
    return 1, ["\n".join(wrap(text, LEGEND_SIZE, text_room)) for text in labels]


# --- drawing helpers ----------------------------------------------------------------------------


def _plot_series(
    ax: Axes,
    s: pd.DataFrame,
    label: str,
    colour: str = LINE_COLOUR,
    band_label: str = CI_LABEL,
    range_label: str | None = RANGE_LABEL,
) -> None:
    """Draw the mean line and, where they exist, the 10th–90th percentile of the runs (a
    light band, hatched, labelled `range_label`) and the 95 % interval of the mean (a darker
    band, labelled `band_label`)."""
    if s.empty or s["mean"].isna().all():
        ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center")
        return
    x = _dates(s)
    if "p10" in s.columns and s["p10"].notna().any():
        ax.fill_between(
            x,
            s["p10"],
            s["p90"],
            facecolor="none",
            edgecolor=colour,
            hatch="////",
            alpha=0.35,
            linewidth=0,
            label=range_label,
        )
    if s["low"].notna().any():
        ax.fill_between(
            x,
            s["low"],
            s["high"],
            color=colour,
            alpha=0.25,
            linewidth=0,
            label=band_label,
        )
    ax.plot(x, s["mean"], color=colour, linewidth=1.6, label=label)


def _dates(frame: pd.DataFrame | pd.Series) -> np.ndarray:
    """The dates of `frame`'s index as NumPy's datetime64, the axis's values: matplotlib
    converts them as it does the index itself (the same pixels), but finding the first
    date of an index it turns every date into a Timestamp, a few milliseconds a call."""
    return frame.index.to_numpy()


def _shade_warmup(
    ax: Axes, span: tuple[pd.Timestamp, pd.Timestamp], warmup_end: dt.date | None, text: bool
) -> None:
    """Shade the warm-up (first week of `span` to `warmup_end`) lightly; optionally label it.

    The warm-up is shown, not hidden, so a planner sees the model filling up and
    knows the statistics are taken from where the shading ends. The shading stops
    at the last week, so a warm-up longer than the series does not stretch the axis.
    """
    start, last = span
    if warmup_end is None or pd.isna(start) or pd.Timestamp(warmup_end) <= start:
        return
    end = min(pd.Timestamp(warmup_end), last)
    ax.axvspan(start, end, color=WARMUP_COLOUR, alpha=0.15, linewidth=0, zorder=0)
    if text:
        low, high = ax.get_ylim()
        ax.set_ylim(low, high + 0.1 * (high - low))  # headroom so the label clears the data
        ax.text(
            start + (end - start) / 2,
            0.98,
            "warm-up",
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="top",
            color="#555555",
            fontsize=9,
            style="italic",
        )


def _panel_note(ax: Axes, text: str) -> None:
    """A short note in the top right corner of a panel (e.g. a mechanism the timeline
    switches), on a white ground over the data."""
    ground = {"facecolor": "white", "edgecolor": "none", "alpha": 0.8}
    ax.text(0.99, 0.96, text, transform=ax.transAxes, ha="right", va="top",
            fontsize=NOTE_SIZE, color="#333333", bbox=ground)  # fmt: skip


def _off_panel(ax: Axes, text: str) -> None:
    """A panel whose mechanism is off: said in its middle, with no values and no ticks to
    read as a finding."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=10,
            color="#333333", style="italic")  # fmt: skip
    ax.set_ylim(0, 1)
    ax.set_yticks([])


def _date_axis(ax: Axes) -> None:
    """Readable dates on the time axis (years, then months where there is room)."""
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _time_panels(ratios: tuple[int, ...], height: float) -> tuple[Figure, list[Axes]]:
    """A figure of stacked panels sharing one date axis."""
    fig = Figure(figsize=(10, height))
    axes = fig.subplots(len(ratios), 1, sharex=True, gridspec_kw={"height_ratios": ratios})
    axes = list(np.atleast_1d(axes))
    for ax in axes:
        ax.grid(True, color="#e3e3e3", linewidth=0.8)
        ax.set_axisbelow(True)
        _date_axis(ax)
    return fig, axes


def _finish_time_figure(
    fig: Figure,
    axes: list[Axes],
    weekly: pd.DataFrame,
    warmup_end: dt.date | None,
    heading: str,
    note: str | None = None,
) -> None:
    """Warm-up shading, legend, title and a note saying what the lines and bands are.

    `note` replaces the usual note (mean line with a 95 % band) where that does not fit.
    """
    span = (pd.Timestamp(weekly["date"].min()), pd.Timestamp(weekly["date"].max()))
    for i, ax in enumerate(axes):
        _shade_warmup(ax, span, warmup_end, text=i == 0)
        ax.margins(x=0)
    handles, labels = axes[0].get_legend_handles_labels()
    rows = 0
    if handles:
        columns, labels = _legend_layout(fig, labels)
        axes[0].legend(
            handles,
            labels,
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncol=columns,
            fontsize=LEGEND_SIZE,
            frameon=False,
            borderaxespad=0.2,
        )
        lines = [label.count("\n") + 1 for label in labels]
        rows = sum(lines) if columns == 1 else -(-len(labels) // columns) * max(lines)
    _heading(fig, heading)
    _note(fig, _method_note(_replications(weekly)) if note is None else note)
    _lay_out_time_figure(fig, axes, rows)


def _note(fig: Figure, text: str) -> None:
    """A small grey note under the figure saying what lines, bands and bars are."""
    y = EDGE / 2 / fig.get_size_inches()[1]
    fig.supxlabel(text, fontsize=NOTE_SIZE, color="#555555", x=0.99, ha="right", y=y, va="bottom")


def _method_note(n: int, per: str = "week") -> str:
    """Subtitle: how many runs the lines summarise, and what the two bands are."""
    if n <= 1:
        return f"One simulation run, per {per}: no interval and no range of runs."
    return (
        f"Line: mean of {n} runs per {per}. Shaded: its 95 % CI. Hatched: 8 runs in 10 "
        "(10th–90th percentile), the range one municipality may see."
    )


def save(fig: Figure, target: T) -> T:
    """Write `fig` as a PNG at the planner resolution to `target` (a path or a binary
    file), returned: the pixels `savefig` draws, encoded by `png.save` (ticks settled,
    unfiltered rows compressed by ISA-L: 0.023 s for the seven figures' encoding, against
    0.123 s by zlib and 0.371 s by Pillow's, whose search for the best filter of each row
    gains nothing on these figures; `bench_figures.py` prints all three)."""
    png.save(fig, target, DPI)
    return target


# --- the figures ---------------------------------------------------------------------------------


def _run_label(weekly: pd.DataFrame, what: str) -> str:
    """Legend label for a mean line: says whether it is one run or a mean of several."""
    n = _replications(weekly)
    return what if n <= 1 else f"{what} (mean of {n} runs)"


def caseload_figure(
    weekly: pd.DataFrame, title: str, warmup_end: dt.date | None, band: tuple[float, float]
) -> Figure:
    """Open cases per caseworker against the DS band, with the staff level beneath it."""
    fig, (top, bottom) = _time_panels((3, 1), height=6.5)
    low, high = band
    top.axhspan(
        low,
        high,
        color=BAND_COLOUR,
        alpha=0.15,
        linewidth=0,
        label=f"DS recommendation {low:g}–{high:g}",
    )
    for y in band:
        top.axhline(y, color=BAND_COLOUR, linewidth=0.8, alpha=0.6)
    _plot_series(
        top, _series(weekly, "caseload_per_worker"), _run_label(weekly, "open cases per caseworker")
    )
    waiting = weekly.loc[weekly["metric"] == "cases_waiting_assignment", "value"]
    if waiting.fillna(0.0).gt(0.0).any():  # under a caseload cap: those held, apart
        held = _series(weekly, "caseload_assigned_per_worker")["mean"]
        top.plot(_dates(held), held, color=SECONDARY_COLOUR, linewidth=1.2, linestyle="--",
                 label="held by a caseworker (the rest wait for one)")  # fmt: skip
    top.set_ylabel("open cases per caseworker")
    top.set_ylim(bottom=0)
    staff = _series(weekly, "caseworkers")
    _plot_series(bottom, staff, "caseworkers", SECONDARY_COLOUR)
    bottom.set_ylabel("caseworkers")
    # headroom: a steady staff would otherwise lie on the panel's top frame
    drawn = staff[["mean", "high", "p90"]].to_numpy(dtype=float)
    most = float(np.nanmax(drawn)) if np.isfinite(drawn).any() else 1.0
    bottom.set_ylim(0, max(1.0, most) * 1.15)
    _finish_time_figure(fig, [top, bottom], weekly, warmup_end, f"{title}: caseload per caseworker")
    return fig


def backlog_figure(weekly: pd.DataFrame, title: str, warmup_end: dt.date | None) -> Figure:
    """Hours of work waiting to be started, with the overdue tasks beneath it."""
    fig, (top, bottom) = _time_panels((3, 2), height=6.5)
    _plot_series(top, _series(weekly, "backlog_hours"), _run_label(weekly, "backlog"))
    top.set_ylabel("hours of work waiting")
    top.set_ylim(bottom=0)
    _plot_series(bottom, _series(weekly, "overdue_tasks"), "overdue tasks", OVER_COLOUR)
    bottom.set_ylabel("tasks past deadline")
    bottom.set_ylim(bottom=0)
    _finish_time_figure(
        fig, [top, bottom], weekly, warmup_end, f"{title}: backlog and overdue tasks"
    )
    return fig


def utilisation_figure(weekly: pd.DataFrame, title: str, warmup_end: dt.date | None) -> Figure:
    """Share of available casework hours spent working, against full (100 %) use."""
    fig, (ax,) = _time_panels((1,), height=4.5)
    s = _series(weekly, "utilisation", scale=100.0)
    _plot_series(ax, s, _run_label(weekly, "utilisation"))
    ax.axhline(100, color="black", linestyle="--", linewidth=1.0, label="100 % (fully used)")
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0, symbol=" %"))
    ax.set_ylabel("share of casework hours worked")
    top = np.nanmax(s[["mean", "high", "p90"]].to_numpy()) if s["mean"].notna().any() else 100.0
    ax.set_ylim(0, max(115.0, float(np.nan_to_num(top, nan=100.0)) * 1.08))
    _finish_time_figure(fig, [ax], weekly, warmup_end, f"{title}: caseworker utilisation")
    return fig


def staff_by_absence_figure(
    weekly: pd.DataFrame,
    title: str,
    warmup_end: dt.date | None,
    found: tuple[Mechanism, ...] = (),
) -> Figure:
    """Caseworkers at work, on vacation, on sick leave and vacant positions, stacked; a
    state whose mechanism (among `found`) is off, or switched by the timeline, says so in
    the legend."""
    fig, (ax,) = _time_panels((1,), height=5.0)
    table = staff_table(weekly)
    n = _replications(weekly)
    if table.isna().all().all():
        ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center")
    else:
        ax.stackplot(
            _dates(table),
            *(table[metric].to_numpy(dtype=float) for metric, _, _ in STAFF_STATES),
            labels=staff_labels(found),
            colors=[colour for _, _, colour in STAFF_STATES],
            alpha=0.85,
            linewidth=0,
        )
        top = np.nanmax(table.sum(axis=1, min_count=1).to_numpy(dtype=float))
        ax.set_ylim(0, max(1.0, float(np.nan_to_num(top, nan=1.0))) * 1.08)
        at_work = _series(weekly, "caseworkers_present")
        if n > 1 and at_work["p10"].notna().any():
            for edge in ("p10", "p90"):
                label = f"at work: {RANGE_LABEL}" if edge == "p10" else None
                ax.plot(_dates(at_work), at_work[edge], color="black", linewidth=0.8,
                        linestyle=":", label=label)  # fmt: skip
    ax.set_ylabel("caseworkers (positions)")
    means = "" if n <= 1 else f" (means of {n} runs)"
    runs = (
        "One simulation run."
        if n <= 1
        else f"Stacked means of {n} runs. Dotted: at work in 8 runs in 10 (10th–90th pct.)."
    )
    note = f"At work and away: mean over the week's working days; vacant: over the week. {runs}"
    _finish_time_figure(
        fig, [ax], weekly, warmup_end, f"{title}: caseworkers at work and away{means}", note
    )
    return fig


def staff_labels(found: tuple[Mechanism, ...]) -> list[str]:
    """The legend's label of each of `STAFF_STATES`, with its mechanism's state where that
    is not on throughout ("on sick leave: sick leave off in this scenario")."""
    labels = []
    for metric, label, _ in STAFF_STATES:
        name = STATE_MECHANISMS.get(metric)
        state = None if name is None else mechanism_state(found, name)
        labels.append(label if state is None else f"{label}: {name} {state}")
    return labels


def stress_figure(
    weekly: pd.DataFrame, title: str, warmup_end: dt.date | None, threshold: float | None
) -> Figure:
    """The mean stress index against its threshold, and the share of working days above it."""
    fig, (top, bottom) = _time_panels((3, 2), height=6.5)
    s = _series(weekly, "stress_index")
    _plot_series(top, s, _run_label(weekly, "stress index"))
    above = "the threshold"
    if threshold is not None:
        top.axhline(
            threshold,
            color=OVER_COLOUR,
            linestyle="--",
            linewidth=1.2,
            label=f"threshold {threshold:g} weeks",
        )
        above = f"{threshold:g} weeks"
    top.set_ylabel("weeks of work waiting\n(four-week mean)")
    top.set_ylim(0, max(top.get_ylim()[1], (threshold or 0.0) * 1.15))
    share = _series(weekly, "stress_share_above", scale=100.0)
    _plot_series(bottom, share.clip(0.0, 100.0), f"working days above {above}", OVER_COLOUR)
    bottom.yaxis.set_major_formatter(PercentFormatter(100, decimals=0, symbol=" %"))
    bottom.set_ylabel(f"caseworker working days\nabove {above}")
    bottom.set_ylim(-3, 103)  # 0 % and 100 % drawn clear of the frame
    _finish_time_figure(
        fig, [top, bottom], weekly, warmup_end, f"{title}: caseworker stress (work waiting)"
    )
    return fig


def arrivals_figure(
    counts: pd.DataFrame,
    title: str,
    warmup_end: dt.date | None,
    found: tuple[Mechanism, ...] = (),
    run_days: tuple[dt.date, dt.date] | None = None,
) -> Figure:
    """People placed in the municipality and family members arriving, per calendar month;
    where family reunification is off (among `found`), its panel says so instead of
    drawing zeros, and where the timeline switches it, from when. A month the run covers
    only in part (its first or last, `run_days`) is left out and the note says so: its
    count is not a month's."""
    counts, partial = _whole_months(counts, run_days)
    fig, axes = _time_panels((1, 1), height=6.5)
    panels = (
        ("persons_placed", "people placed a month", "refugees placed (children included)",
         LINE_COLOUR),
        ("family_members_arrived", "family members a month", "family members arriving",
         COMPARE_COLOUR),
    )  # fmt: skip
    n = int(counts["replication"].nunique()) if len(counts) else 0
    reunification = mechanism_state(found, REUNIFICATION)
    for ax, (metric, ylabel, label, colour) in zip(axes, panels, strict=True):
        months = monthly_counts(counts, metric).set_index("month")
        months = months.rename(columns={"ci_low": "low", "ci_high": "high"})
        ax.set_ylabel(ylabel)
        if metric == "family_members_arrived" and reunification == OFF_TEXT:
            _off_panel(ax, f"{REUNIFICATION}: {OFF_TEXT} (not modelled: no family follows)")
            continue
        _plot_series(ax, months, label if n <= 1 else f"{label} (mean of {n} runs)", colour)
        ax.set_ylim(bottom=0)
        if metric == "family_members_arrived" and reunification is not None:
            _panel_note(ax, f"{REUNIFICATION}: {reunification}")
        elif metric == "family_members_arrived" and not np.nansum(months["mean"].to_numpy()):
            _panel_note(ax, "no family member arrived in this run: a family follows after "
                        "its application, processing and travel, longer than the run")  # fmt: skip
    span = pd.DataFrame({"date": [months.index.min(), months.index.max()]})
    heading = f"{title}: people placed and family members arriving, per month"
    _finish_time_figure(fig, axes, span, warmup_end, heading, _method_note(n, "month") + partial)
    return fig


def _whole_months(
    counts: pd.DataFrame, run_days: tuple[dt.date, dt.date] | None
) -> tuple[pd.DataFrame, str]:
    """`counts` without the months (period "YYYY-MM") the run covers only in part, and what
    the note says of them. Where every month is such (a run shorter than a month or two),
    they stay, named as partial: there is nothing else to draw."""
    if run_days is None or not len(counts):
        return counts, ""
    first, last = run_days
    partial = set()
    if first.day != 1:
        partial.add(f"{first:%Y-%m}")
    if (last + dt.timedelta(days=1)).day != 1:
        partial.add(f"{last:%Y-%m}")
    months = set(counts["period"]) - {WINDOW}
    named = ", ".join(sorted(partial & months))
    if not named:
        return counts, ""
    if months <= partial:
        return counts, f" Run only in part, drawn all the same: {named}."
    return counts[~counts["period"].isin(partial)], f" Left out, run only in part: {named}."


def _task_means(
    rows: pd.DataFrame, column: str, count: str, scale: float = 1.0, share: bool = False
) -> pd.DataFrame:
    """Per task type: the mean over replications of `column` (times `scale`), its 95 %
    interval (for a `share`, Wilson's, inside 0 to `scale`; else cut at 0), the 10th and
    90th percentiles of the replications (`p10`, `p90`: the range one municipality may
    see; NaN with fewer than two), the mean of `count` per replication (column "count"),
    and whether the type is statutory."""
    tasks = list(pd.unique(rows["task"]))  # in the order they first come, as a group-by's
    keys = rows["task"].to_numpy(dtype=object)
    values = grouped_values(keys, rows[column].to_numpy(dtype=float), tasks)
    counts = grouped_values(keys, rows[count].to_numpy(dtype=float), tasks)
    statutory = grouped_values(keys, rows["statutory"].to_numpy(dtype=bool), tasks)
    out = []
    for task, found, n, kind in zip(
        tasks, column_statistics(values, [share] * len(tasks)), counts, statutory, strict=True
    ):
        mean, low, high, p10, p90, _ = found
        out.append(
            {
                "task": task,
                "mean": mean * scale,
                "low": low * scale,
                "high": high * scale,
                "count": _mean_of_numbers(n),
                "p10": p10 * scale,
                "p90": p90 * scale,
                "statutory": bool(kind[0]),
            }
        )
    columns = ["task", "mean", "low", "high", "count", "p10", "p90", "statutory"]
    return pd.DataFrame(out, columns=columns)


def _mean_of_numbers(values: np.ndarray) -> float:
    """The mean of `values` but NaN, as pandas' `Series.mean` takes it (NaN as 0 in the
    sum, not counted), bit for bit; NaN where none is a number."""
    missing = np.isnan(values)
    counted = int(np.count_nonzero(~missing))
    return float(np.where(missing, 0.0, values).sum() / counted) if counted else float("nan")


def _on_time_table(by_task: pd.DataFrame) -> pd.DataFrame:
    """Per task type that fell due in the window (others have no share): the mean on-time
    share in %, its 95 % interval (inside 0–100 %), the mean number due per run, and
    whether it is statutory. Optional types first, then statutory ones (drawn from the
    bottom up: statutory on top), each sorted so the worst is drawn at the top of its group."""
    statutory = by_task["statutory"].astype(bool)
    parts = []
    for kind in (False, True):  # bars are drawn from the bottom: statutory on top
        rows = by_task[(statutory == kind) & (by_task["due_in_window"] > 0)]
        table = _task_means(rows, "on_time_share", "due_in_window", scale=100.0, share=True)
        parts.append(table.sort_values("mean", ascending=False, kind="stable"))
    return pd.concat(parts, ignore_index=True)


def dropped_table(by_task: pd.DataFrame) -> pd.DataFrame:
    """Per task type with optional tasks dropped by triage: mean dropped per run, its CI, and
    the mean created per run. Sorted so the most dropped is drawn at the top."""
    if "triaged" not in by_task.columns:  # results from before triage existed
        by_task = by_task.assign(triaged=0)
    dropped = by_task.groupby("task", sort=False)["triaged"].transform("sum") > 0
    table = _task_means(by_task[dropped], "triaged", "created")
    return table.sort_values("mean", kind="stable").reset_index(drop=True)


def plain_text(text: object) -> str:
    """A user's text as matplotlib should print it: as written, never as mathtext (a '$' in
    a task name would start a formula, and an unbalanced one stops the figure)."""
    return str(text).replace("$", r"\$")


def _value_labels(ax: Axes, y: np.ndarray, labels: list[str]) -> None:
    """Print each bar's value right of the panel, clear of bars and error bars, where a
    right-hand axis would put its tick labels (without the cost of one)."""
    place, vertical, horizontal = ax.get_yaxis_text2_transform(_value_pad())
    for at, label in zip(y, labels, strict=True):
        ax.text(1, at, label, transform=place, va=vertical, ha=horizontal, fontsize=VALUE_SIZE)


def _value_room(labels: list[str]) -> float:
    """Inches right of the panel that value labels (`_value_labels`) take."""
    return max((_value_pad() * POINT + text_width(t, VALUE_SIZE) for t in labels), default=0.0)


def _value_pad() -> float:
    """Points between the panel and the value labels: a y tick label's pad, as a right-hand
    axis without tick marks would leave."""
    return float(matplotlib.rcParams["ytick.major.pad"])


def _bar_figure(heading: str, rows: int) -> tuple[Figure, Axes]:
    """A figure for one horizontal bar per task type, tall enough for `rows` bars."""
    fig = Figure(figsize=(10, 1.6 + 0.42 * max(rows, 3)))
    ax = fig.subplots()
    _heading(fig, heading)
    return fig, ax


def _task_bars(
    fig: Figure,
    ax: Axes,
    table: pd.DataFrame,
    n_runs: int,
    value: str,
    counted: tuple[str, str],
    empty: str,
) -> list[str]:
    """Bars of a `_task_means` table: the mean, the range of the runs (`p10` to `p90`,
    hatched) and the 95 % interval of the mean (error bars), said apart in a legend and
    the note; each value (format `value`) on the right; `counted` is how the count is named
    beside each task type and in the note, e.g. ("due", "tasks falling due"). An empty
    table gives the text `empty` instead. Returns the values as printed."""
    if table.empty:
        ax.set_yticks([])
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes)
        return []
    y = np.arange(len(table))
    kinds = table["statutory"].astype(bool)
    height = 0.65
    ax.barh(
        y, table["mean"], color=[LINE_COLOUR if kind else COMPARE_COLOUR for kind in kinds],
        height=height, zorder=2,
    )  # fmt: skip
    has_range = n_runs > 1 and table["p10"].notna().any()
    if has_range:
        ax.barh(y, table["p90"] - table["p10"], left=table["p10"], height=height,
                facecolor="none", edgecolor="black", hatch="////", linewidth=0, alpha=0.55,
                zorder=3, label=TASK_RANGE_LABEL)  # fmt: skip
    err = np.vstack([table["mean"] - table["low"], table["high"] - table["mean"]])
    if n_runs > 1 and np.isfinite(err).any():
        ax.errorbar(table["mean"], y, xerr=np.nan_to_num(err), fmt="none", ecolor="black",
                    capsize=3, linewidth=1.2, zorder=4, label=CI_LABEL)  # fmt: skip
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=LEGEND_SIZE,
                  frameon=False, borderaxespad=0.2)  # fmt: skip
    pairs = zip(table["task"], table["count"], kinds, strict=True)
    ax.set_yticks(
        y,
        [f"{plain_text(task.replace('_', ' '))}{'' if kind else ' (kan)'}  ({n:,.0f} {counted[0]})"
         for task, n, kind in pairs],
    )  # fmt: skip
    if kinds.any() and not kinds.all():
        ax.axhline(int((~kinds).sum()) - 0.5, color="black", linewidth=0.8)
    ax.set_ylim(-0.6, len(table) - 0.4)
    values = ["–" if np.isnan(m) else value.format(m) for m in table["mean"]]
    _value_labels(ax, y, values)
    ax.grid(True, axis="x", color="#e3e3e3", linewidth=0.8)
    ax.set_axisbelow(True)
    if n_runs <= 1:
        note = "One simulation run: no interval and no range of runs."
    else:
        note = f"Bar: mean of {n_runs} runs. Error bars: 95 % CI of the mean." + (
            " Hatched: 8 runs in 10, the range one municipality may see." if has_range else ""
        )
    _note(fig, f"{note} In brackets: {counted[1]} per run.")
    return values


def on_time_figure(by_task: pd.DataFrame, title: str) -> Figure:
    """Horizontal bars: share of tasks done by their deadline, per task type: statutory
    ("skal") ones in blue above the line, optional ("kan") ones in orange below it."""
    table = _on_time_table(by_task)
    heading = f"{title}: tasks done on time (blue: statutory, orange: optional)"
    fig, ax = _bar_figure(heading, len(table))
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(PercentFormatter(100, decimals=0, symbol=" %"))
    ax.set_xlabel("share done on time (measurement window)")
    empty = "no task fell due in the measurement window"
    values = _task_bars(
        fig,
        ax,
        table,
        _replications(by_task),
        "{:.0f} %",
        ("due", "tasks falling due"),
        empty,
    )
    _lay_out_bar_figure(fig, ax, values)
    return fig


def dropped_figure(by_task: pd.DataFrame, title: str) -> Figure:
    """Horizontal bars: optional tasks dropped by triage per run, per task type."""
    table = dropped_table(by_task)
    fig, ax = _bar_figure(f"{title}: optional tasks dropped by triage", len(table))
    ax.set_xlabel("optional tasks dropped per run (created in the measurement window)")
    empty = "no optional task created in the measurement window was dropped"
    values = _task_bars(
        fig,
        ax,
        table,
        _replications(by_task),
        "{:.1f}",
        ("created", "tasks created"),
        empty,
    )
    ax.set_xlim(left=0)
    _lay_out_bar_figure(fig, ax, values)
    return fig


# --- entry point --------------------------------------------------------------------------------


def draw_planner_figure(planner: Planner, name: str, path: Path) -> Path:
    """Draw the planner figure written as file `name` and write it at `path`."""
    return save(planner_figure(planner, name), path)


def planner_figure(planner: Planner, name: str) -> Figure:
    """The planner figure written as file `name` (one of `simulator.reporting.drawing`'s)."""
    w, t, end, found = planner.weekly, planner.title, planner.warmup_end, planner.mechanisms
    makers: dict[str, Callable[[], Figure]] = {
        "caseload_per_worker.png": lambda: caseload_figure(w, t, end, planner.band),
        "backlog_hours.png": lambda: backlog_figure(w, t, end),
        "statutory_on_time_by_task.png": lambda: on_time_figure(planner.by_task, t),
        "utilisation.png": lambda: utilisation_figure(w, t, end),
        "staff_by_absence.png": lambda: staff_by_absence_figure(w, t, end, found),
        "stress.png": lambda: stress_figure(w, t, end, planner.stress_threshold),
        DROPPED_FIGURE: lambda: dropped_figure(planner.by_task, t),
        ARRIVALS_FIGURE: lambda: arrivals_figure(planner.counts, t, end, found, planner.run_days),
    }
    return makers[name]()


def write_figures(
    folder: Path,
    weekly: pd.DataFrame,
    by_task: pd.DataFrame,
    *,
    title: str,
    warmup_end: dt.date | None,
    band: tuple[float, float] = CASELOAD_BAND,
    stress_threshold: float | None = None,
    mechanisms: tuple[Mechanism, ...] = (),
    executor: Executor | None = None,
) -> list[Path]:
    """Write the planner figures as PNGs into `folder` (created if missing); return their paths.

    `weekly` is the long table (date, metric, value, replication) of all replications,
    `by_task` the per-(replication, task type) table; `warmup_end` is shaded as
    warm-up before it (None: no warm-up); `band` is the recommended caseload range;
    `stress_threshold` is the scenario's `stress.threshold`, drawn as a line on the
    stress figure (None: no line); `mechanisms` are the scenario's
    (`simulator.analysis.mechanisms.mechanisms`, as the console reads them): a figure
    showing one that is off says so. The figures are drawn on `executor`'s processes
    (default: in this process).
    Always writes these six files, in this order: caseload_per_worker.png,
    backlog_hours.png, statutory_on_time_by_task.png, utilisation.png,
    staff_by_absence.png, stress.png; then optional_tasks_dropped_by_task.png where
    triage dropped optional tasks created in the measurement window.
    """
    planner = Planner(
        weekly, by_task, title, warmup_end, band, stress_threshold, mechanisms=mechanisms
    )
    return draw_figures(Path(folder), planner, executor)


def comparison_figure(
    weekly_a: pd.DataFrame,
    weekly_b: pd.DataFrame,
    labels: tuple[str, str],
    warmup_end: dt.date | None,
    band: tuple[float, float] = CASELOAD_BAND,
) -> Figure:
    """Caseload per caseworker and backlog of two scenarios over time, each with its band."""
    fig, (top, bottom) = _time_panels((1, 1), height=7.5)
    top.axhspan(*band, color=BAND_COLOUR, alpha=0.15, linewidth=0,
                label=f"DS recommendation {band[0]:g}–{band[1]:g}")  # fmt: skip
    for weekly, label, colour in ((weekly_a, labels[0], LINE_COLOUR),
                                  (weekly_b, labels[1], COMPARE_COLOUR)):  # fmt: skip
        ci, spread = f"{label}: 95 % CI", f"{label}: 8 in 10 runs"
        _plot_series(top, _series(weekly, "caseload_per_worker"), label, colour, ci, spread)
        _plot_series(bottom, _series(weekly, "backlog_hours"), label, colour, ci, spread)
    top.set_ylabel("open cases per caseworker")
    bottom.set_ylabel("hours of work waiting")
    for ax in (top, bottom):
        ax.set_ylim(bottom=0)
    _finish_time_figure(fig, [top, bottom], weekly_a, warmup_end,
                        f"{labels[0]} (A) against {labels[1]} (B)")  # fmt: skip
    return fig


def write_comparison_figure(path: Path, *args: object, **kwargs: object) -> Path:
    """Write `comparison_figure(...)` as a PNG at `path`."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return save(comparison_figure(*args, **kwargs), Path(path))  # type: ignore[arg-type]
