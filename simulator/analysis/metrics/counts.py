"""Counts by calendar month and over the measurement window: people placed, families
arriving, exits, tasks done and late.

A planner reads counts by year ("how many came in 2016, how many tasks were late"), not only
over the whole window: `counts` gives each count per calendar month of the run (a month cut
by the start or the end of the run counts what falls in its part) and over the measurement
window, from the events' own times, so a year is the exact sum of its months. The months
feed the figure of placements and family arrivals; `simulator.analysis.tables.counts_by_year`
sums them into years.
"""

from __future__ import annotations

import numpy as np

from simulator.analysis.metrics.context import Context, Metric
from simulator.engine.arrivals import month_starts
from simulator.engine.records import DROPPED, LEFT, PERIOD_END, SELF_SUPPORT

WINDOW = "window"  # the period label of the counts over the measurement window

COUNTS = (
    Metric("persons_placed", "people",
           "Refugees placed in the municipality, children included (as quotas count them)"),
    Metric("households_placed", "households", "Households of refugees placed"),
    Metric("adults_placed", "cases", "Adults among the refugees placed: each opens a case"),
    Metric("family_members_arrived", "people",
           "Family members reunified to refugees (spouses and children)"),
    Metric("families_arrived", "families", "Families arriving by family reunification"),
    Metric("cases_opened", "cases",
           "Cases opened: refugees placed, reunified spouses, spouses of Danish citizens"),
    Metric("exits_self_support", "cases", "Cases exiting to self-support"),
    Metric("exits_moved", "cases", "Cases exiting because the person moved away (other exits)"),
    Metric("exits_period_end", "cases", "Cases exiting at the end of the integration period"),
    Metric("tasks_created", "tasks", "Tasks created"),
    Metric("tasks_done", "tasks", "Tasks finished"),
    Metric("tasks_done_late", "tasks", "Tasks finished after their deadline"),
    Metric("statutory_due", "tasks",
           "Statutory tasks falling due (those that lapsed with their case before it are not "
           "counted)"),
    Metric("statutory_late", "tasks",
           "Of those, the ones not finished by their deadline (late or never done)"),
)  # fmt: skip
COUNT_METRICS = {metric.name: metric for metric in COUNTS}


def counts(run: Context) -> tuple[list[str], dict[str, np.ndarray]]:
    """Every count of `COUNTS` per calendar month of the run (period "YYYY-MM") and over
    the measurement window (period "window"): the periods, and per count its values."""
    months = month_starts(run.calendar.start, run.end)
    edges = np.array([t0 for _, t0, _ in months] + [run.end])
    labels = [f"{first:%Y-%m}" for first, _, _ in months] + [WINDOW]
    columns: dict[str, np.ndarray] = {}
    for name, (times, weights) in _events(run).items():
        keep = (times >= edges[0]) & (times < run.end)  # NaN compares False
        times, weights = times[keep], weights[keep]
        month = np.searchsorted(edges, times, side="right") - 1  # edges[m] <= time < edges[m+1]
        # whole-number weights (people, events): their sums are exact in any order
        per_month = np.bincount(month, weights=weights, minlength=len(months))
        inside = times >= run.w0
        columns[name] = np.append(per_month, weights[inside].sum())
    return labels, columns


def _events(run: Context) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per count, the times of its events (days; NaN: it did not happen) and their weights."""
    record = run.record
    placed = record.placements or {"time": np.zeros(0), "adults": np.zeros(0),
                                   "children": np.zeros(0)}  # fmt: skip
    f = record.families
    arrived = f.get("arrived", np.zeros(0))
    members = f.get("spouse", arrived) + f.get("children", arrived)
    c, t = record.cases, record.tasks
    exits = np.where(c["exit"] < run.end, c["exit"], np.nan)  # NaN compares False
    statutory = np.asarray(record.task_statutory, bool)[t["type"]]
    lapsed_before_due = (t["state"] == DROPPED) & (t["dropped"] <= t["due"])
    counted = statutory & ~lapsed_before_due
    late = ~(t["finished"] <= t["due"])
    one = np.ones_like

    def when(times: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.where(mask, times, np.nan), one(times)

    return {
        "persons_placed": (placed["time"], placed["adults"] + placed["children"]),
        "households_placed": (placed["time"], one(placed["time"])),
        "adults_placed": (placed["time"], placed["adults"]),
        "family_members_arrived": (arrived, members),
        "families_arrived": (arrived, one(arrived)),
        "cases_opened": (c["opened"], one(c["opened"])),
        "exits_self_support": when(exits, c["exit_reason"] == SELF_SUPPORT),
        "exits_moved": when(exits, c["exit_reason"] == LEFT),
        "exits_period_end": when(exits, c["exit_reason"] == PERIOD_END),
        "tasks_created": (t["created"], one(t["created"])),
        "tasks_done": (t["finished"], one(t["finished"])),
        "tasks_done_late": when(t["finished"], t["finished"] > t["due"]),
        "statutory_due": when(t["due"], counted),
        "statutory_late": when(t["due"], counted & late),
    }
