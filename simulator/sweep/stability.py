"""Unstable runs: a backlog still rising at the end of the run is flagged, not averaged.

Where the office cannot keep up, the work waiting grows without bound, and its
time-weighted mean over the run is then mostly a measure of how long the run was: a
design point with one caseworker too few can have a mean backlog ten times another's,
and dominate every ranking of "what drives the backlog". Such runs must be recognised.

The test, on each run's weekly series of the hours of work waiting (`backlog_hours`)
and of the tasks waiting (`pending_tasks`), over the final half of the measurement
window (after the warm-up):

- the final half is cut into (up to) eight consecutive blocks and each block's mean
  taken (block means are far less autocorrelated than weekly values, which a queue's
  backlog strongly is); Kendall's rank correlation of the block means with time, one
  sided (`scipy.stats.kendalltau`), must be significant at 1 %;
- and the rise over the final half, by the Theil–Sen slope of the weekly values
  (`scipy.stats.theilslopes`, robust to single bad weeks), must be at least a quarter
  of the series' mean level there: a tiny drift in a stable office is no divergence.

A run is `unstable` if either series passes both. Each run also gets metrics that stay
meaningful where the backlog diverges: its growth rate (hours a year, the Theil–Sen
slope) and its level at the end of the run (the mean of the last four weeks), which
with the growth rate tells how far behind the office is, not how long the run lasted.
`caseload analyze` reports unstable points apart and ranks the backlog's time means over
the stable points only (`analyze.py`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

TREND_SERIES = ("backlog_hours", "pending_tasks")
FINAL_SHARE = 0.5  # the final half of the measurement window is tested
BLOCKS = 8  # block means tested for a monotone trend
P_VALUE = 0.01  # one-sided significance of Kendall's tau on the block means
MIN_RISE = 0.25  # the rise over the final half, as a share of the level there
END_WEEKS = 4  # the end-of-run level is the mean of the last weeks
WEEKS_PER_YEAR = 365.25 / 7.0

# the columns every sweep run gets from this module (beside the summary metrics)
STABILITY_COLUMNS = {
    "unstable": "true if the backlog or the tasks waiting still rise at the end of the run "
    "(a trend test on the final half of the measurement window)",
    "backlog_growth_hours_per_year": "growth of the hours of work waiting over the final half "
    "of the run (Theil–Sen slope), hours a year; about 0 where the office keeps up",
    "pending_growth_tasks_per_year": "growth of the tasks waiting over the final half of the "
    "run (Theil–Sen slope), tasks a year",
    "backlog_hours_end": "hours of work waiting at the end of the run (mean of the last four "
    "weeks)",
}
# time means over the run: meaningless where the backlog diverges (they measure run length)
DIVERGENT = (
    "backlog_hours_mean",
    "backlog_hours_peak",
    "backlog_hours_per_worker_mean",
    "backlog_hours_end",
    "pending_tasks_mean",
    "overdue_tasks_mean",
    "task_wait_days_mean",
    "task_wait_days_p90",
)


@dataclass(frozen=True)
class Trend:
    """The trend of one series over the final part of a run."""

    slope_per_week: float  # Theil–Sen
    rise_share: float  # the rise over the final part, as a share of its mean level
    p_value: float  # one-sided Kendall's tau of the block means with time
    rising: bool


def trend(values: np.ndarray) -> Trend:
    """Test whether the weekly series `values` (the measurement window) still rises at its end."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    final = values[len(values) - int(np.ceil(len(values) * FINAL_SHARE)) :]
    if len(final) < 4 or np.ptp(final) == 0:
        return Trend(0.0, 0.0, 1.0, False)
    slope = float(stats.theilslopes(final).slope)
    means = [float(block.mean()) for block in np.array_split(final, min(BLOCKS, len(final)))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant block means
        p_value = float(stats.kendalltau(np.arange(len(means)), means, alternative="greater")[1])
    p_value = 1.0 if not np.isfinite(p_value) else p_value
    level = float(final.mean())
    rise = slope * len(final)
    rise_share = rise / level if level > 0 else (0.0 if rise <= 0 else float("inf"))
    return Trend(slope, rise_share, p_value, p_value < P_VALUE and rise_share >= MIN_RISE)


def stability(weekly: pd.DataFrame, warmup_days: float) -> dict[str, float | bool]:
    """The stability columns of one run from its weekly series (date order, week 0 first)."""
    series = {}
    for name in TREND_SERIES:
        values = weekly.loc[weekly["metric"] == name, "value"].to_numpy(dtype=float)
        starts = np.arange(len(values)) * 7.0
        series[name] = values[starts >= warmup_days]
    backlog, pending = trend(series["backlog_hours"]), trend(series["pending_tasks"])
    end = series["backlog_hours"][-END_WEEKS:]
    return {
        "unstable": bool(backlog.rising or pending.rising),
        "backlog_growth_hours_per_year": backlog.slope_per_week * WEEKS_PER_YEAR,
        "pending_growth_tasks_per_year": pending.slope_per_week * WEEKS_PER_YEAR,
        "backlog_hours_end": float(end.mean()) if end.size else float("nan"),
    }


def unstable_points(runs: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """Per design point with an unstable run: its factors, the share of its replications
    that are unstable and their mean backlog growth; most unstable first."""
    ok = runs[runs["status"] == "ok"]
    if "unstable" not in ok.columns or ok.empty:
        return pd.DataFrame(columns=["point", *factors, "unstable_share", "replications"])
    table = (
        ok.assign(unstable=ok["unstable"].astype(bool))
        .groupby(["point", *factors], sort=True)
        .agg(
            unstable_share=("unstable", "mean"),
            replications=("unstable", "size"),
            backlog_growth_hours_per_year=("backlog_growth_hours_per_year", "mean"),
            backlog_hours_end=("backlog_hours_end", "mean"),
        )
        .reset_index()
    )
    table = table[table["unstable_share"] > 0]
    return table.sort_values(["unstable_share", "backlog_growth_hours_per_year"], ascending=False)


def stable_point_ids(runs: pd.DataFrame) -> set[int]:
    """Design points where fewer than half of the successful replications are unstable."""
    ok = runs[runs["status"] == "ok"]
    if "unstable" not in ok.columns:
        return {int(p) for p in ok["point"].unique()}
    share = ok["unstable"].astype(bool).groupby(ok["point"]).mean()
    return {int(p) for p in share.index[share < 0.5]}
