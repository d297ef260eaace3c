"""Tests of the planner figures: files written, valid PNGs, and the confidence-interval helper."""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from simulator.figures import _on_time_table, _series, caseload_figure, write_figures

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NAMES = [
    "caseload_per_worker.png",
    "backlog_hours.png",
    "statutory_on_time_by_task.png",
    "utilisation.png",
]
START = dt.date(2012, 1, 2)
WARMUP_END = dt.date(2012, 3, 26)
TASKS = [  # name, statutory
    ("reception", True),
    ("integration_contract", True),
    ("health_examination_referral", True),
    ("follow_up", True),
    ("coordination", False),
]


def make_weekly(n_reps: int, n_weeks: int = 20, seed: int = 1) -> pd.DataFrame:
    """A long weekly table like the simulator's: staff cut in week 12, some NaN shares."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(START, periods=n_weeks, freq="7D")
    week = np.arange(n_weeks)
    rows = []
    for rep in range(n_reps):
        staff = np.where(week < 12, 4.0, 3.0)
        open_cases = 120 + 4 * week + rng.normal(0, 5, n_weeks)
        share = rng.uniform(0.5, 1.0, n_weeks)
        share[::5] = np.nan  # weeks where no statutory task fell due
        series = {
            "caseworkers": staff,
            "open_cases": open_cases,
            "caseload_per_worker": open_cases / staff,
            "pending_tasks": 30 + rng.normal(0, 3, n_weeks),
            "backlog_hours": 40 + 3 * week + rng.normal(0, 4, n_weeks),
            "overdue_tasks": np.maximum(0, week - 8 + rng.normal(0, 1, n_weeks)),
            "utilisation": np.clip(0.7 + 0.02 * week + rng.normal(0, 0.03, n_weeks), 0, None),
            "cases_opened": rng.poisson(3, n_weeks).astype(float),
            "tasks_created": rng.poisson(20, n_weeks).astype(float),
            "tasks_completed": rng.poisson(18, n_weeks).astype(float),
            "statutory_due": rng.poisson(10, n_weeks).astype(float),
            "statutory_on_time_share": share,
        }
        for metric, values in series.items():
            rows.append(
                pd.DataFrame({"date": dates, "metric": metric, "value": values, "replication": rep})
            )
    return pd.concat(rows, ignore_index=True)


def make_by_task(n_reps: int, seed: int = 2) -> pd.DataFrame:
    """One row per (replication, task type); one statutory type never falls due."""
    rng = np.random.default_rng(seed)
    rows = []
    for rep in range(n_reps):
        for task, statutory in TASKS:
            due = 0 if task == "follow_up" else int(rng.integers(5, 60))
            rows.append(
                {
                    "replication": rep,
                    "task": task,
                    "statutory": statutory,
                    "created": 50,
                    "completed": 45,
                    "dropped": 1,
                    "hours_mean": 2.0,
                    "wait_days_mean": 6.5,
                    "due_in_window": due,
                    "on_time_share": float(rng.uniform(0.3, 1.0)) if due else math.nan,
                }
            )
    return pd.DataFrame(rows)


def assert_valid_pngs(paths: list[Path]) -> None:
    """Every path is a PNG file (magic bytes) that decodes to a plausibly sized RGB(A) image."""
    for path in paths:
        assert path.read_bytes()[:8] == PNG_MAGIC, path.name
        image = mpimg.imread(path)
        height, width = image.shape[:2]
        assert image.ndim == 3 and image.shape[2] in (3, 4), path.name
        assert 400 <= height <= 3000 and 800 <= width <= 3000, (path.name, image.shape)
        assert image.std() > 0.01, f"{path.name} looks blank"


@pytest.mark.parametrize("n_reps", [1, 3])
def test_write_figures_writes_four_valid_pngs(tmp_path: Path, n_reps: int) -> None:
    folder = tmp_path / "figures" / "new"  # not there yet: write_figures creates it
    paths = write_figures(
        folder,
        make_weekly(n_reps),
        make_by_task(n_reps),
        title="baseline",
        warmup_end=WARMUP_END,
    )
    assert [p.name for p in paths] == NAMES
    assert all(p.parent == folder and p.is_file() for p in paths)
    assert_valid_pngs(paths)
    check_dir = os.environ.get("FIGCHECK_DIR")  # optional: keep copies to look at
    if check_dir:
        target = Path(check_dir) / f"reps{n_reps}"
        target.mkdir(parents=True, exist_ok=True)
        for p in paths:
            (target / p.name).write_bytes(p.read_bytes())


def test_write_figures_without_warmup_or_statutory_rows(tmp_path: Path) -> None:
    by_task = make_by_task(1)
    by_task["statutory"] = False
    paths = write_figures(tmp_path, make_weekly(1), by_task, title="x", warmup_end=None)
    assert_valid_pngs(paths)


def test_series_pools_replications_per_date() -> None:
    weekly = make_weekly(3)
    s = _series(weekly, "backlog_hours")
    first = weekly[(weekly["metric"] == "backlog_hours") & (weekly["date"] == s.index[0])]
    assert len(s) == 20
    assert s["mean"].iloc[0] == pytest.approx(first["value"].mean())
    assert (s["low"] < s["mean"]).all() and (s["high"] > s["mean"]).all()


def test_on_time_table_keeps_only_statutory_tasks_that_fell_due() -> None:
    table = _on_time_table(make_by_task(3))
    assert set(table["task"]) == {
        "reception",
        "integration_contract",
        "health_examination_referral",
    }
    assert table["mean"].between(0, 100).all()
    assert list(table["mean"]) == sorted(table["mean"], reverse=True)  # worst drawn on top


def test_warmup_longer_than_series_does_not_stretch_the_time_axis() -> None:
    weekly = make_weekly(2)
    fig = caseload_figure(weekly, "x", dt.date(2030, 1, 1), (35.0, 45.0))
    last = mdates.date2num(weekly["date"].max())
    assert all(ax.get_xlim()[1] <= last + 1e-9 for ax in fig.axes)


def test_missing_metric_still_gives_four_figures(tmp_path: Path) -> None:
    weekly = make_weekly(2)
    weekly = weekly[weekly["metric"] != "overdue_tasks"]
    paths = write_figures(tmp_path, weekly, make_by_task(2), title="x", warmup_end=WARMUP_END)
    assert [p.name for p in paths] == NAMES
    assert_valid_pngs(paths)
