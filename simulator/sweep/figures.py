"""Figures of a sweep: heatmaps of two factors, main effects with CIs, Sobol indices.

Object-oriented matplotlib (`Figure`, no pyplot), like `simulator.reporting.figures`: no GUI
backend, no global state. Every figure names the metric with its unit and says how
many runs it rests on.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulator.analysis.metrics import METRICS, is_share
from simulator.reporting.figures import DPI, LINE_COLOUR, OVER_COLOUR, WARMUP_COLOUR, plain_text
from simulator.sweep.analyze import fmt, num

LEVER_COLOUR = LINE_COLOUR
UNCERTAINTY_COLOUR = "#d9822b"


def metric_label(metric: str) -> str:
    """'Backlog hours mean (hours)': the metric's name in words, with its unit if known."""
    words = metric.replace("_", " ").capitalize()
    unit = METRICS[metric].unit if metric in METRICS else ""
    return f"{words} ({unit})" if unit else words


def heatmap(table: pd.DataFrame, metric: str, labels: tuple[str, str], path: Path) -> Figure:
    """Mean of `metric` per pair of levels: x levels across, y levels up, values in cells,
    written as the report writes them (`analyze.num`: "1,716", "97.7 %")."""
    values = table.to_numpy(dtype=float)
    share = is_share(metric)
    shown = values * 100 if share else values
    figure = Figure(figsize=(1.1 * values.shape[1] + 3.2, 0.7 * values.shape[0] + 2.4), dpi=DPI)
    ax = figure.add_subplot()
    cmap = "viridis_r" if share else "viridis"  # bright = bad: a high load, a low share
    image = ax.imshow(shown, origin="lower", aspect="auto", cmap=cmap)
    ax.set_xticks(range(values.shape[1]), [plain_text(c) for c in table.columns])
    ax.set_yticks(range(values.shape[0]), [plain_text(i) for i in table.index])
    ax.set_xlabel(plain_text(labels[0]))
    ax.set_ylabel(plain_text(labels[1]))
    finite = shown[np.isfinite(shown)]
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
    for (i, j), v in np.ndenumerate(shown):
        if np.isfinite(v):
            text = num(v / 100, "share") if share else num(v)  # as the report writes it
            light = (v > middle) == share  # white on the dark end of the colour map
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=8,
                color="white" if light else "black",
            )
    bar = figure.colorbar(image, ax=ax)
    bar.set_label(metric_label(metric).replace("(share)", "(%)") if share else metric_label(metric))
    ax.set_title(f"{metric_label(metric)}\nmean over replications and other factors", fontsize=10)
    figure.tight_layout()
    figure.savefig(path)
    return figure


def main_effects(
    effects: pd.DataFrame,
    metric: str,
    labels: dict[str, str],
    path: Path,
    units: str = "replications",
) -> Path:
    """One panel per factor: the metric's mean at each level with its 95 % CI, and the
    title says how many `units` (replications, or design points per bin) each rests on:
    from two, a CI is wide."""
    factors = list(dict.fromkeys(effects["factor"]))
    columns = min(3, len(factors))
    rows = -(-len(factors) // columns)
    figure = Figure(figsize=(4.2 * columns, 3.3 * rows), dpi=DPI)
    axes = figure.subplots(rows, columns, squeeze=False, sharey=True)
    scale = 100 if is_share(metric) else 1
    for ax, factor in zip(axes.flat, factors, strict=False):
        part = effects[effects["factor"] == factor].sort_values("position")
        x = part["position"].to_numpy(dtype=float)
        mean = part["mean"].to_numpy(dtype=float) * scale
        low = part["ci_low"].to_numpy(dtype=float) * scale
        high = part["ci_high"].to_numpy(dtype=float) * scale
        error = np.vstack([mean - low, high - mean])
        error = np.where(np.isfinite(error), error, 0.0)
        ax.errorbar(
            x,
            mean,
            yerr=error,
            marker="o",
            color=LINE_COLOUR,
            ecolor=OVER_COLOUR,
            capsize=4,
            linewidth=1.5,
        )
        ticks = [plain_text(level) for level in part["level"]]
        ax.set_xticks(x, ticks, rotation=30 if len(x) > 5 else 0)
        ax.set_xlabel(plain_text(labels[factor]))
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(factors) :]:
        ax.set_visible(False)
    unit = "(%)" if scale == 100 else ""
    for ax in axes[:, 0]:
        ax.set_ylabel(metric_label(metric).replace("(share)", unit))
    counts = effects["n"].to_numpy(dtype=int)
    n = f"{counts.min()}" if counts.min() == counts.max() else f"{counts.min()}–{counts.max()}"
    figure.suptitle(
        f"Main effects on {metric_label(metric).replace('(share)', unit)}: mean and 95 % CI "
        f"from {n} {units} per level",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(path)
    return path


def sobol_bars(indices: pd.DataFrame, metric: str, labels: dict[str, str], path: Path) -> Path:
    """First-order and total Sobol indices per factor, with their 95 % CIs."""
    indices = indices.sort_values("ST", ascending=True)
    y = np.arange(len(indices))
    figure = Figure(figsize=(6.5, 0.55 * len(indices) + 1.8), dpi=DPI)
    ax = figure.add_subplot()
    ax.barh(
        y + 0.2,
        indices["ST"],
        height=0.38,
        xerr=indices["ST_conf"],
        color=LINE_COLOUR,
        label="total (with interactions)",
        capsize=3,
    )
    ax.barh(
        y - 0.2,
        indices["S1"],
        height=0.38,
        xerr=indices["S1_conf"],
        color="#9ecae1",
        label="first-order (alone)",
        capsize=3,
    )
    pairs = zip(indices["factor"], indices["kind"], strict=True)
    names = [plain_text(f"{labels[f]} ({k})") for f, k in pairs]
    ax.set_yticks(y, names)
    ax.set_xlabel("Sobol index (share of variance)")
    ax.set_xlim(left=min(0.0, float(np.nanmin(indices["S1"])) - 0.05))
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"Sobol indices of {metric_label(metric)}", fontsize=10)
    figure.tight_layout()
    figure.savefig(path)
    return path


def morris_plane(indices: pd.DataFrame, metric: str, labels: dict[str, str], path: Path) -> Path:
    """Morris screening: μ* (how much) against σ (how much it depends on the others), with
    μ*'s 95 % CI; factors near the origin can be dropped before a Sobol design."""
    figure = Figure(figsize=(6.5, 4.6), dpi=DPI)
    ax = figure.add_subplot()
    for row in indices.itertuples():
        colour = LEVER_COLOUR if row.kind == "lever" else UNCERTAINTY_COLOUR
        ax.errorbar(row.mu_star, row.sigma, xerr=row.mu_star_conf, fmt="o", color=colour, capsize=3)
        ax.annotate(plain_text(labels[row.factor]), (row.mu_star, row.sigma), fontsize=8,
                    xytext=(4, 4), textcoords="offset points")  # fmt: skip
    top = float(np.nanmax(indices[["mu_star", "sigma"]].to_numpy())) * 1.15 or 1.0
    ax.plot([0, top], [0, top], color="#999999", linewidth=0.8, linestyle="--")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("μ*: mean absolute elementary effect (metric per grid step)")
    ax.set_ylabel("σ: spread of the elementary effects")
    ax.set_title(
        f"Morris screening of {metric_label(metric)}\n(blue: levers, orange: uncertainties; "
        "above the dashed line: interactions or non-linearity)",
        fontsize=9,
    )
    figure.tight_layout()
    figure.savefig(path)
    return path


def peeling(trajectory: pd.DataFrame, chosen: int, threshold: float, rule: str, path: Path) -> Path:
    """PRIM's peeling trajectory: coverage against density, coloured by restricted factors."""
    figure = Figure(figsize=(6.5, 4.6), dpi=DPI)
    ax = figure.add_subplot()
    points = ax.scatter(
        trajectory["coverage"], trajectory["density"], c=trajectory["res_dim"], cmap="viridis"
    )
    bar = figure.colorbar(points, ax=ax, label="factors restricted")
    bar.set_ticks(sorted(trajectory["res_dim"].unique()))
    pick = trajectory.loc[chosen]
    ax.scatter([pick["coverage"]], [pick["density"]], s=160, facecolors="none",
               edgecolors=OVER_COLOUR, linewidths=1.5, label="the box reported")  # fmt: skip
    ax.axhline(threshold, color="#999999", linewidth=0.8, linestyle="--", label="threshold")
    ax.set_xlabel("coverage: share of all failures inside the box")
    ax.set_ylabel("density: share of the box's runs that fail")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title(f"PRIM peeling trajectory, failure: {rule}", fontsize=9)
    figure.tight_layout()
    figure.savefig(path)
    return path


def box_limits(
    box: pd.DataFrame,
    x: pd.DataFrame,
    labels: dict[str, str],
    kinds: dict[str, str],
    rule: str,
    path: Path,
) -> Figure:
    """The PRIM box against every factor PRIM saw (the columns of `x`), one row each: a
    restricted numeric factor's range in the box (red) within its swept range (grey), each
    bound the box sets written at it, the swept range's ends beneath; a restricted text
    factor's levels kept; an unrestricted factor said to be so (the box holds every value
    swept), so a lever the box leaves free is not left out without a word."""
    names = list(x.columns)
    figure = Figure(figsize=(7.0, 0.75 * len(names) + 1.6), dpi=DPI)
    ax = figure.add_subplot()
    restricted = box.set_index("factor")
    for i, name in enumerate(names):
        y = len(names) - 1 - i  # the first factor on top
        ax.barh(y, 1.0, height=0.45, color="#e5e5e5")
        if isinstance(x[name].dtype, pd.CategoricalDtype):
            words = (
                f"box: {restricted.loc[name, 'restriction']}"
                if name in restricted.index
                else "not restricted: the box holds every level"
            )
            ax.text(0.5, y, plain_text(words), ha="center", va="center", fontsize=8)
            continue
        lowest, highest = float(x[name].min()), float(x[name].max())
        ax.text(0, y - 0.3, num(lowest), fontsize=8, ha="left", va="top")
        ax.text(1, y - 0.3, num(highest), fontsize=8, ha="right", va="top")
        if name not in restricted.index:
            ax.barh(y, 1.0, height=0.45, color=OVER_COLOUR, alpha=0.3)
            ax.text(0.5, y, "not restricted: the box holds every value swept", ha="center",
                    va="center", fontsize=8)  # fmt: skip
            continue
        low, high = float(restricted.loc[name, "low"]), float(restricted.loc[name, "high"])
        span = highest - lowest or 1.0
        left, right = (low - lowest) / span, (high - lowest) / span
        ax.barh(y, right - left, left=left, height=0.45, color=OVER_COLOUR)
        for bound, at, side in ((low, left, "≥"), (high, right, "≤")):
            if lowest < bound < highest:
                ax.text(at, y + 0.27, f"{side} {num(bound)}", fontsize=9, ha="center",
                        va="bottom", fontweight="bold", color=OVER_COLOUR)  # fmt: skip
    ax.set_yticks(
        range(len(names)),
        [plain_text(f"{labels[n]}\n({kinds[n]})") for n in reversed(names)],
    )
    ax.set_xticks([])
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.8, len(names) - 0.2)
    ax.set_title(
        f"Where {rule}:\nthe box (red) within the swept ranges (grey); bounds at the box's edges",
        fontsize=9,
    )
    figure.tight_layout()
    figure.savefig(path)
    return figure


def series(
    bands: pd.DataFrame,
    metric: str,
    design: pd.DataFrame,
    labels: dict[str, str],
    path: Path,
    warmup_end: dt.date | None = None,
) -> Figure:
    """A weekly series of chosen design points: the mean over replications and the band
    from the 10th to the 90th percentile of the replications (the range 8 of 10 runs fall in,
    not a confidence interval), the title saying how many runs the band rests on (from two,
    it is most of the gap between them); the warm-up (to `warmup_end`) shaded, as the run
    figures shade it."""
    figure = Figure(figsize=(8.0, 4.2), dpi=DPI)
    ax = figure.add_subplot()
    factors = [c for c in design.columns if c != "point"]
    by_point = design.set_index("point")
    for point, rows in bands.groupby("point"):
        # each value as its column holds it (a Series across columns would make 3 a 3.0)
        name = ", ".join(f"{labels[f]} {fmt(by_point[f].loc[point])}" for f in factors)
        line = ax.plot(
            rows["date"], rows["mean"], linewidth=1.2, label=plain_text(f"point {point}: {name}")
        )
        ax.fill_between(rows["date"], rows["p10"], rows["p90"], alpha=0.2,
                        color=line[0].get_color(), linewidth=0)  # fmt: skip
    if warmup_end is not None and pd.Timestamp(warmup_end) > bands["date"].min():
        end = min(pd.Timestamp(warmup_end), bands["date"].max())
        ax.axvspan(bands["date"].min(), end, color=WARMUP_COLOUR, alpha=0.15, linewidth=0,
                   zorder=0, label="warm-up (not in the statistics)")  # fmt: skip
    ax.set_ylabel(metric.replace("_", " "))
    counts = bands.groupby("point")["replications"].max()
    runs = f"{counts.min()}" if counts.min() == counts.max() else f"{counts.min()}–{counts.max()}"
    ax.set_title(
        f"Weekly {metric.replace('_', ' ')}: mean of the {runs} runs of each point; band: "
        f"10th–90th percentile of those {runs} runs",
        fontsize=9,
    )
    ax.legend(fontsize=7, loc="upper left")
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path)
    return figure
