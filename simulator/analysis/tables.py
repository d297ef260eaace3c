"""Records and statistics of replications as tidy tables: the summary, the weekly bands,
the counts by year, the task table.

`summarise` turns per-replication metric values into one row per metric with its mean,
the 95 % interval of the mean (for a share, inside [0, 1]), and the 10th to 90th
percentile over replications, the range a single municipality may see; `weekly_bands`
does the same week by week for one weekly series, `monthly_counts` month by month for one
count, and `counts_by_year` for every count by calendar year; `task_table` turns one replication's
task records into a table with calendar dates and task names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis.mechanisms import mechanisms, metric_mechanisms, off_metrics
from simulator.analysis.metrics import METRICS, SUMMARY_METRICS, WEEKLY_SHARES
from simulator.analysis.metrics.counts import COUNT_METRICS, WINDOW
from simulator.analysis.stats import column_statistics, nonnegative_ci, percentile_range, share_ci
from simulator.engine.records import STATE_NAMES, RunRecord
from simulator.scenario import Scenario

SUMMARY_COLUMNS = ["metric", "unit", "mean", "ci_low", "ci_high", "p10", "p90", "replications",
                   "mechanism", "description"]  # fmt: skip


def summarise(per_replication: pd.DataFrame, scenario: Scenario | None = None) -> pd.DataFrame:
    """One row per metric (`SUMMARY_COLUMNS`): the mean over replications; `ci_low`,
    `ci_high`, its 95 % confidence interval (t; for a share, Wilson's, inside [0, 1]:
    `simulator.analysis.stats.share_ci`); `p10`, `p90`, the 10th and 90th percentiles of the
    replications (the range a single municipality may see); the replications with a value;
    a quantity that cannot be negative has its interval cut at 0 (`nonnegative_ci`);
    and `mechanism`, for a metric a mechanism drives, whether `scenario` has it on (empty
    without a scenario). A share whose mechanism `scenario` never switches on (meetings
    interpreted by telephone where the telephone is never used) is left blank, its
    `mechanism` saying "off": its 0 would read as a finding, of an option not offered."""
    found = mechanisms(scenario) if scenario is not None else ()
    switched = metric_mechanisms(found)
    off = off_metrics(scenario, found) if scenario is not None else {}
    names = per_replication["metric"].to_numpy(dtype=object)
    every = per_replication["value"].to_numpy(dtype=float)
    columns = grouped_values(names, every, [metric.name for metric in SUMMARY_METRICS])
    for i, metric in enumerate(SUMMARY_METRICS):
        if metric.unit == "share" and metric.name in off:
            columns[i] = np.full(columns[i].shape, np.nan)
    shares = [metric.unit == "share" for metric in SUMMARY_METRICS]
    rows = [
        {
            "metric": metric.name,
            "unit": metric.unit,
            "mean": mean,
            "ci_low": low,
            "ci_high": high,
            "p10": p10,
            "p90": p90,
            "replications": counted,
            "mechanism": switched.get(metric.name, ""),
            "description": METRICS[metric.name].description,
        }
        for metric, (mean, low, high, p10, p90, counted) in zip(
            SUMMARY_METRICS, column_statistics(columns, shares), strict=True
        )
    ]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def grouped_values(keys: np.ndarray, values: np.ndarray, wanted: list[Any]) -> list[np.ndarray]:
    """The `values` of each key in `wanted` (a metric, a task type), in the order of the
    rows they come from: `keys` says each row's; rows of other keys are left out."""
    position = {key: i for i, key in enumerate(wanted)}
    codes = np.fromiter((position.get(key, -1) for key in keys), np.intp, len(keys))
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(wanted)))
    counts = np.bincount(codes[codes >= 0], minlength=len(wanted))
    return [values[order[start : start + n]] for start, n in zip(starts, counts, strict=True)]


def weekly_bands(weekly: pd.DataFrame, metric: str, *, scale: float = 1.0) -> pd.DataFrame:
    """One weekly series over the replications, per date (in order): `mean`; `ci_low`,
    `ci_high`, the 95 % interval of the mean (where the average over many such
    municipalities lies; for a share, Wilson's, inside [0, 1]); `p10`, `p90`, the 10th and
    90th percentiles of the replications (the range 8 in 10 municipalities like this one
    would see; none with fewer than two); and `replications` with a value that week.
    `weekly` is the long table (replication, date, metric, value); values are multiplied by
    `scale` (100 for a share in per cent). An unknown `metric` raises KeyError naming the
    known ones."""
    dates, bands = weekly_band_columns(weekly, metric, scale=scale)
    return pd.DataFrame({"date": dates, **bands})


def weekly_band_columns(
    weekly: pd.DataFrame, metric: str, *, scale: float = 1.0
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """`weekly_bands` as its dates and its other columns by name, no table made: a figure
    puts the series it draws in tables of its own."""
    found = weekly_band_arrays(weekly, metric, scale=scale)
    if found is None:
        known = ", ".join(sorted(weekly["metric"].unique()))
        raise KeyError(f"no weekly metric {metric!r}; known: {known}")
    return found


def weekly_band_arrays(
    weekly: pd.DataFrame, metric: str, *, scale: float = 1.0
) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
    """`weekly_band_columns`, or None where `weekly` has no row of `metric`. The rows are
    picked as arrays of the three columns used, not as a table: a figure draws a dozen
    series from a table of a hundred thousand rows."""
    mine = (weekly["metric"] == metric).to_numpy(dtype=bool, na_value=False)
    if not mine.any():
        return None
    dates, values = _date_grid(
        weekly["date"].to_numpy()[mine],
        weekly["replication"].to_numpy()[mine],
        weekly["value"].to_numpy(dtype=float)[mine],
    )
    return dates, _bands(values, share=metric in WEEKLY_SHARES, scale=scale)


def _date_grid(
    dates: np.ndarray, replications: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of `dates`, `replications` and `values` as their dates in order and a grid of
    values, one row a date and one column a replication (in order), NaN where a
    replication has no value that date: the table `pivot_table(index="date",
    columns="replication", aggfunc="mean", dropna=False)` gives, placed by two sorts
    instead of a group-by (a figure or an app page asks for several series, each a few
    milliseconds less). A date and replication given twice is averaged, by that pivot
    table itself."""
    found, day = np.unique(dates, return_inverse=True)
    runs, run = np.unique(replications, return_inverse=True)
    if len(dates) and np.bincount(day * len(runs) + run).max() > 1:
        rows = pd.DataFrame({"date": dates, "replication": replications, "value": values})
        table = rows.pivot_table(
            index="date", columns="replication", values="value", aggfunc="mean", dropna=False
        ).sort_index()
        return table.index.to_numpy(), table.to_numpy(dtype=float)
    grid = np.full((len(found), len(runs)), np.nan)
    grid[day, run] = values
    return found, grid


def _bands(values: np.ndarray, *, share: bool, scale: float = 1.0) -> dict[str, np.ndarray]:
    """Per row of `values` (one column per replication): mean, the 95 % interval of the mean
    (Wilson's for a share), the 10th and 90th percentiles, and the replications counted,
    each multiplied by `scale` (but the count)."""
    mean, low, high = (share_ci if share else nonnegative_ci)(values, axis=1)
    p10, p90 = percentile_range(values, axis=1)
    return {
        "mean": mean * scale,
        "ci_low": low * scale,
        "ci_high": high * scale,
        "p10": p10 * scale,
        "p90": p90 * scale,
        "replications": np.sum(~np.isnan(values), axis=1),
    }


def monthly_counts(counts: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One count of `simulator.analysis.metrics.counts` per calendar month over the
    replications: `month` (its first day), then as `weekly_bands`."""
    rows = counts[(counts["metric"] == metric) & (counts["period"] != WINDOW)]
    table = rows.pivot_table(
        index="period", columns="replication", values="value", aggfunc="sum", dropna=False
    ).sort_index()
    months = pd.to_datetime(table.index, format="%Y-%m")
    return pd.DataFrame({"month": months, **_bands(table.to_numpy(dtype=float), share=False)})


YEAR_COLUMNS = ["year", "days", "days_in_window", "metric", "unit", "mean", "ci_low", "ci_high",
                "p10", "p90", "replications", "description"]  # fmt: skip


def counts_by_year(
    counts: pd.DataFrame, start: dt.date, end_day: float, warmup_day: float
) -> pd.DataFrame:
    """The counts per calendar year of the run and over the measurement window (`year`
    "window"), over the replications (`YEAR_COLUMNS`): the mean, the 95 % interval of the
    mean, the 10th to 90th percentile of the replications, and how many of the year's days
    the run covers (`days`) and the measurement window does (`days_in_window`), so that a
    year cut by the start, the warm-up or the end is read as such. `start` is the run's
    first day, `end_day` and `warmup_day` its length and warm-up in days."""
    periods = counts.assign(
        year=np.where(counts["period"] == WINDOW, WINDOW, counts["period"].str[:4])
    )
    table = periods.pivot_table(
        index=["year", "metric"], columns="replication", values="value", aggfunc="sum"
    )
    order = {m: i for i, m in enumerate(COUNT_METRICS)}
    keys = sorted(table.index, key=lambda k: (k[0] == WINDOW, k[0], order[k[1]]))
    table = table.loc[keys]
    bands = _bands(table.to_numpy(dtype=float), share=False)
    years = table.index.get_level_values("year")
    metrics = table.index.get_level_values("metric")
    covered = {y: _days(start, y, end_day, 0.0, warmup_day) for y in set(years)}
    in_window = {y: _days(start, y, end_day, warmup_day, warmup_day) for y in set(years)}
    out = pd.DataFrame(
        {
            "year": years,
            "days": [covered[y] for y in years],
            "days_in_window": [in_window[y] for y in years],
            "metric": metrics,
            "unit": [COUNT_METRICS[m].unit for m in metrics],
            **bands,
            "description": [COUNT_METRICS[m].description for m in metrics],
        }
    )
    return out[YEAR_COLUMNS].reset_index(drop=True)


def _days(start: dt.date, year: str, end_day: float, from_day: float, warmup_day: float) -> int:
    """Days of `year` from day `from_day` to `end_day` of the run (the window's length for
    the measurement window)."""
    if year == WINDOW:
        return round(end_day - warmup_day)
    first = max(float((dt.date(int(year), 1, 1) - start).days), from_day)
    last = min(float((dt.date(int(year) + 1, 1, 1) - start).days), end_day)
    return round(max(last - first, 0.0))


def task_table(record: RunRecord, first_day: dt.date) -> pd.DataFrame:
    """The task records of one replication with calendar dates (days counted from
    `first_day`, the scenario's start) and names."""
    t = record.tasks
    start = pd.Timestamp(first_day)

    def when(days: np.ndarray) -> pd.Series:
        days = np.where(np.isfinite(days), days, np.nan)
        return start + pd.to_timedelta(days, unit="D")

    statutory = np.asarray(record.task_statutory, dtype=bool)
    states = [STATE_NAMES[k] for k in range(len(STATE_NAMES))]  # a state's code is its index
    return pd.DataFrame(
        {
            "replication": np.full(t["task"].size, record.replication, dtype="int32"),
            "task": t["task"],
            "case": t["case"],
            "household": t["household"],
            "task_type": pd.Categorical.from_codes(t["type"], categories=record.task_names),
            "statutory": statutory[t["type"]],
            "created": when(t["created"]),
            "due": when(t["due"]),
            "started": when(t["started"]),
            "finished": when(t["finished"]),
            "lapsed": when(t["dropped"]),
            "caseworker": t["worker"],
            "hours": t["hours"],
            "wait_days": t["started"] - t["created"],
            "state": pd.Categorical.from_codes(t["state"], categories=states),
        }
    )


def first_column(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """`df` with `column` moved to the front."""
    return df[[column, *[c for c in df.columns if c != column]]]
