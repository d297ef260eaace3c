"""The small monitor: exact integrals of levels made of intervals, and safe small statistics.

Every time-weighted quantity (open cases, pending tasks, backlog hours, overdue tasks, busy
caseworkers, staffing) is a sum of intervals: an item counts, with a weight, from when it
starts to when it ends. `interval_areas` integrates such a level exactly over any bins, in
O(n log n), so this one function serves every concern's part; `level_peak` gives the
highest value such a level reaches.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np


def interval_areas(
    starts: np.ndarray, ends: np.ndarray, edges: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """Integral over each bin [edges[k], edges[k+1]) of sum_i w_i * 1[starts_i <= t < ends_i]."""
    return areas_over(starts, ends, (edges,), weights)[0]


def areas_over(
    starts: np.ndarray,
    ends: np.ndarray,
    binnings: Sequence[np.ndarray],
    weights: np.ndarray | None = None,
) -> list[np.ndarray]:
    """`interval_areas` over each of several binnings (the weeks and the window, say), the
    intervals sorted once for all: the same values as one call per binning."""
    starts, ends = np.asarray(starts, float), np.asarray(ends, float)
    w = np.ones_like(starts) if weights is None else np.asarray(weights, float)
    keep = ends > starts
    starts, ends, w = starts[keep], ends[keep], w[keep]

    def cumulative(points: np.ndarray, x: np.ndarray) -> np.ndarray:
        # sum over points p < x of w * (x - p)
        order = np.argsort(points, kind="stable")
        p, wp = points[order], w[order]
        cw = np.concatenate([[0.0], np.cumsum(wp)])
        cwp = np.concatenate([[0.0], np.cumsum(wp * p)])
        idx = np.searchsorted(p, x, side="left")
        return cw[idx] * x - cwp[idx]

    x = np.concatenate([np.asarray(edges, float) for edges in binnings])
    area = cumulative(starts, x) - cumulative(ends, x)  # each point on its own
    bounds = np.cumsum([0, *(len(edges) for edges in binnings)])
    return [np.diff(area[a:b]) for a, b in pairwise(bounds)]


def level_peak(starts: np.ndarray, ends: np.ndarray, t0: float, t1: float) -> float:
    """Highest value reached in [t0, t1] by the count of intervals [start, end) covering t."""
    starts, ends = np.asarray(starts, float), np.asarray(ends, float)
    keep = ends > starts
    times = np.concatenate([starts[keep], ends[keep], [t0]])
    steps = np.concatenate([np.ones(keep.sum()), -np.ones(keep.sum()), [0.0]])
    order = np.lexsort((steps, times))  # at equal times, ends (-1) before starts (+1)
    level = np.cumsum(steps[order])
    inside = (times[order] >= t0) & (times[order] <= t1)
    return float(level[inside].max()) if inside.any() else 0.0


def safe_ratio(num: np.ndarray | float, den: np.ndarray | float) -> np.ndarray:
    """`num / den` elementwise, NaN where `den` is not positive (no figure, not zero)."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def mean(values: np.ndarray) -> float:
    """The mean of `values`, NaN when there are none."""
    return float(values.mean()) if values.size else float("nan")


def nanmax(values: np.ndarray) -> float:
    """The largest of `values` that is not NaN; NaN when there is none."""
    values = values[~np.isnan(values)]
    return float(values.max()) if values.size else float("nan")
