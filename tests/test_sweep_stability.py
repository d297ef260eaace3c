"""Unstable runs: a backlog still rising at the end is flagged per run, reported apart, and
kept out of the ranking of the backlog's time mean."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sweep_builders import ARRIVALS, CASEWORKERS, spec, write_sweep

from simulator.cli import main
from simulator.experiments.executors import SerialExecutor
from simulator.sweep.runner import run_sweep
from simulator.sweep.spec import load_sweep
from simulator.sweep.stability import trend
from simulator.sweep.store import load_results


def test_a_steady_rise_is_flagged_and_a_stationary_queue_is_not():
    rng = np.random.default_rng(3)
    weeks = np.arange(60)
    rising = 20.0 * weeks + rng.normal(0, 40, 60)  # a backlog growing 20 hours a week
    assert trend(rising).rising
    assert trend(rising).slope_per_week == pytest.approx(20.0, rel=0.1)
    # an autocorrelated but stationary backlog (AR(1), phi 0.8, mean 100): no trend
    level = np.empty(60)
    level[0] = 100.0
    for t in range(1, 60):
        level[t] = 100.0 + 0.8 * (level[t - 1] - 100.0) + rng.normal(0, 10)
    assert not trend(level).rising
    # a backlog that rose in the first half and levelled off: no longer rising at the end
    levelled = np.concatenate([np.linspace(0, 500, 30), 500 + rng.normal(0, 20, 30)])
    assert not trend(levelled).rising
    # a tiny drift on a high level is no divergence, however significant
    drift = 1000.0 + 0.5 * weeks
    assert trend(drift).p_value < 0.01 and not trend(drift).rising


@pytest.fixture(scope="module")
def overloaded(tmp_path_factory) -> Path:
    """One caseworker against 45 arrivals a month (about 1.5 times the hours one can work)
    and three against the same (about half): 3 replications, analysed."""
    folder = tmp_path_factory.mktemp("overloaded")
    arrivals = {**ARRIVALS, "levels": [15.0, 45.0]}
    caseworkers = {**CASEWORKERS, "levels": [1, 3]}
    data = spec(replications=3, factors={"caseworkers": caseworkers, "arrivals": arrivals})
    out = folder / "out"
    run_sweep(load_sweep(write_sweep(folder, data)), out, SerialExecutor(), show_progress=False)
    assert main(["analyze", str(out), "-q"]) == 0
    return out


def test_runs_of_an_overloaded_office_are_flagged_and_the_others_not(overloaded: Path):
    runs = load_results(overloaded)
    assert runs["unstable"].dtype == bool
    overload = (runs["caseworkers"] == 1) & (runs["arrivals"] == 45.0)
    assert runs.loc[overload, "unstable"].all()
    assert not runs.loc[runs["caseworkers"] == 3, "unstable"].any()
    # growth: hours a year, far above zero where overloaded, near zero elsewhere
    growth = runs["backlog_growth_hours_per_year"]
    assert (growth[overload] > 10 * growth[runs["caseworkers"] == 3].abs().max()).all()
    assert (runs["backlog_hours_end"] > 0).all()


def test_the_backlog_ranking_leaves_unstable_points_out_and_says_so(overloaded: Path):
    analysis = overloaded / "analysis"
    unstable = pd.read_csv(analysis / "unstable.csv")
    assert list(unstable["caseworkers"]) == [1] and list(unstable["arrivals"]) == [45.0]
    assert unstable["unstable_share"].item() == 1.0
    runs = load_results(overloaded)
    effects = pd.read_csv(analysis / "main_effects.csv", dtype={"level": str})
    one = effects.query(
        "metric == 'backlog_hours_mean' and factor == 'caseworkers' and level == '1'"
    )
    stable_one = runs[(runs["caseworkers"] == 1) & (runs["arrivals"] == 15.0)]
    assert one["mean"].item() == pytest.approx(stable_one["backlog_hours_mean"].mean())
    # a metric that stays meaningful keeps every point
    on_time = effects.query(
        "metric == 'statutory_on_time_share' and factor == 'caseworkers' and level == '1'"
    )
    at_one = runs[runs["caseworkers"] == 1]
    assert on_time["mean"].item() == pytest.approx(
        at_one.groupby("replication")["statutory_on_time_share"].mean().mean()
    )
    ranking = pd.read_csv(analysis / "ranking.csv")
    assert {"unstable", "backlog_growth_hours_per_year"} <= set(ranking["metric"])
    report = (analysis / "report.md").read_text()
    assert "## Unstable points" in report
    assert "ranked below over the 3 stable points only" in report
    assert report.index("## Unstable points") < report.index("| rank |")


def test_where_no_point_is_mostly_unstable_the_report_says_none_is_left_out(overloaded: Path):
    from simulator.sweep.analyze import read_sweep, unstable_text

    data = read_sweep(overloaded)
    runs = data.runs.copy()  # one run of one point unstable: 1 of 3, under half
    runs["unstable"] = False
    runs.loc[runs.index[0], "unstable"] = True
    data = replace(data, runs=runs)
    text = unstable_text(data, pd.DataFrame({"metric": []}), "backlog_hours_mean")
    assert "In 1 of 4 design points" in text
    assert "in none of them half the replications or more, so no point is left out" in text
    assert "ranked below over all 4 points" in text
    assert "stable points only" not in text and "does not keep up" not in text


def test_weekly_series_are_stored_partitioned_and_drawn(tmp_path: Path):
    data = spec(replications=2, series=["backlog_hours", "pending_tasks"])
    out = tmp_path / "out"
    sweep = load_sweep(write_sweep(tmp_path, data))
    # a part every 5 runs: several parts per series, as a long sweep writes them
    run_sweep(sweep, out, SerialExecutor(), show_progress=False, batch=5)
    parts = sorted((out / "series" / "metric=backlog_hours").glob("part-*.parquet"))
    assert len(parts) == 3  # 12 runs in batches of 5
    from simulator import load_sweep_series

    series = load_sweep_series(out, "backlog_hours", points=[1, 4])
    assert set(series["point"]) == {1, 4}
    weeks = series.groupby("run_id").size()
    assert len(weeks) == 4 and weeks.nunique() == 1  # 2 points x 2 replications, whole runs
    # the stored weekly series is the one the run's backlog mean was computed from
    runs = load_results(out).set_index("run_id")
    for run_id, rows in series.groupby("run_id"):
        assert rows["value"].iloc[-4:].mean() == pytest.approx(
            runs.loc[run_id, "backlog_hours_end"]
        )
    assert main(["analyze", str(out), "-q", "--series", "1", "4"]) == 0
    bands = pd.read_csv(out / "analysis" / "series_backlog_hours.csv")
    week = series[series["week"] == 10].groupby("point")["value"]
    got = bands[bands["week"] == 10].set_index("point")
    assert got["mean"].to_dict() == pytest.approx(week.mean().to_dict())
    assert (out / "analysis" / "figures" / "series_pending_tasks.png").is_file()
    # the figure: whole-number levels whole, the runs the band rests on, the warm-up shaded
    from simulator.sweep.analyze import read_sweep, warmup_end
    from simulator.sweep.figures import series as series_figure

    swept = read_sweep(out)
    labels = {"caseworkers": "Caseworkers", "arrivals": "Refugees per month"}
    end = warmup_end(swept)
    assert end == sweep.base.simulation.warmup_end is not None
    bands = pd.read_csv(out / "analysis" / "series_backlog_hours.csv", parse_dates=["date"])
    figure = series_figure(bands, "backlog_hours", swept.design, labels, tmp_path / "s.png", end)
    ax = figure.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "point 4: Caseworkers 3, Refugees per month 20" in legend  # not "3.0", "20.0"
    assert "warm-up (not in the statistics)" in legend
    assert "10th–90th percentile of those 2 runs" in ax.get_title()


def test_an_unknown_series_is_refused(tmp_path: Path, capsys):
    data = spec(series=["backlog_hour"])
    assert main(["sweep", str(write_sweep(tmp_path, data)), "--check"]) == 2
    assert "no weekly series 'backlog_hour'" in capsys.readouterr().err
