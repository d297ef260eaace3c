"""The results folder: its files, their shape, determinism, and all-or-nothing writing."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from simulator import native
from simulator.analysis.metrics import SUMMARY_METRICS
from simulator.cli import main
from simulator.experiments.outputs import results_destination
from simulator.experiments.run import run_scenario
from simulator.reporting import files
from simulator.reporting.files import FiguresFailed, write_results
from simulator.scenario import load_scenario

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
SHORT = ["--set", "simulation.duration_years=1.5", "--set", "simulation.warmup_years=0.5"]
ONE = ["--replications", "1"]
HALF_YEAR = ["simulation.duration_years=0.5", "simulation.warmup_years=0"]


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "baseline"
    assert main(["run", str(BASELINE), "--out", str(out), "-q", *ONE, *SHORT]) == 0
    return out


def test_results_folder_has_every_output(results_dir: Path):
    names = {p.name for p in results_dir.iterdir()}
    assert {
        "summary.csv",
        "timeseries.parquet",
        "tasks.parquet",
        "tasks_by_type.csv",
        "figures",
        "scenario.resolved.toml",
        "manifest.json",
    } <= names
    figures = {p.name for p in (results_dir / "figures").iterdir()}
    assert {"caseload_per_worker.png", "backlog_hours.png", "statutory_on_time_by_task.png"} <= (
        figures
    )


def test_summary_has_every_metric_and_empty_ci_for_one_replication(results_dir: Path):
    summary = pd.read_csv(results_dir / "summary.csv")
    assert list(summary.columns) == [
        "metric", "unit", "mean", "ci_low", "ci_high", "p10", "p90", "replications",
        "mechanism", "description",
    ]  # fmt: skip
    assert list(summary["metric"]) == [m.name for m in SUMMARY_METRICS]
    for column in ("ci_low", "ci_high", "p10", "p90"):  # one run: no interval, no range
        assert summary[column].isna().all(), column
    # a metric of a mechanism the scenario leaves off (interpreting, say) has no value
    measured = summary["mean"].notna()
    assert (summary.loc[measured, "replications"] == 1).all()
    assert (summary.loc[~measured, "replications"] == 0).all()
    assert measured.sum() >= len(summary) - 4
    row = summary.set_index("metric")["mean"]
    assert row["tasks_created"] == (
        row["tasks_completed"] + row["tasks_pending_end"] + row["tasks_dropped"]
    )


def test_timeseries_is_weekly_long_format_from_the_start_date(results_dir: Path):
    weekly = pd.read_parquet(results_dir / "timeseries.parquet")
    assert list(weekly.columns) == ["replication", "date", "metric", "value"]
    dates = weekly.loc[weekly["metric"] == "open_cases", "date"]
    assert dates.iloc[0] == pd.Timestamp("2012-01-01")
    assert (dates.diff().dropna() == pd.Timedelta(days=7)).all()


def test_task_table_has_one_row_per_task(results_dir: Path):
    tasks = pd.read_parquet(results_dir / "tasks.parquet")
    for column in ("case", "household", "task_type", "statutory", "created", "due", "started",
                   "finished", "caseworker", "wait_days"):  # fmt: skip
        assert column in tasks.columns
    assert tasks["task"].is_unique
    started = tasks.dropna(subset=["started"])
    waited = (started["started"] - started["created"]).dt.total_seconds() / 86400
    assert waited.to_numpy() == pytest.approx(started["wait_days"].to_numpy(), abs=1e-6)


def test_resolved_scenario_reloads_to_the_same_scenario(results_dir: Path):
    resolved = results_dir / "scenario.resolved.toml"
    tomllib.loads(resolved.read_text())
    again = load_scenario(resolved)
    original = load_scenario(BASELINE, [s for s in SHORT if s != "--set"])
    assert again.digest() == original.digest()
    manifest = json.loads((results_dir / "manifest.json").read_text())
    assert manifest["scenario_hash"] == original.digest()
    assert manifest["seed"] == original.simulation.seed
    assert manifest["build"] == native.describe()  # which build wrote it


def test_same_scenario_and_seed_give_byte_identical_summary(results_dir: Path, tmp_path: Path):
    again = tmp_path / "again"
    argv = ["run", str(BASELINE), "--out", str(again), "-q", "--no-figures", *ONE, *SHORT]
    assert main(argv) == 0
    assert (again / "summary.csv").read_bytes() == (results_dir / "summary.csv").read_bytes()
    for name in ("timeseries.parquet", "tasks.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(again / name), pd.read_parquet(results_dir / name)
        )


def test_failure_while_writing_leaves_no_folder_and_no_debris(tmp_path: Path, monkeypatch):
    scenario = load_scenario(BASELINE, HALF_YEAR)
    results = run_scenario(scenario, replications=1)

    def broken_figures(*args, **kwargs):
        raise KeyboardInterrupt  # as if Ctrl-C came while figures were drawn

    monkeypatch.setattr(files, "draw_figures", broken_figures)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        write_results(results, out)
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_the_previous_results(tmp_path: Path, monkeypatch):
    scenario = load_scenario(BASELINE, HALF_YEAR)
    results = run_scenario(scenario, replications=1)
    out = tmp_path / "out"
    write_results(results, out)
    before = (out / "summary.csv").read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(OSError, match="disk full"):
        write_results(results, results_destination(scenario.name, out, force=True))
    assert (out / "summary.csv").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_figure_that_fails_costs_the_figures_not_the_results(tmp_path: Path, monkeypatch):
    scenario = load_scenario(BASELINE, HALF_YEAR)
    results = run_scenario(scenario, replications=1)

    def broken(*args, **kwargs):
        raise ValueError("Expected \\frac{num}{den}")  # what mathtext said of a '$' name

    monkeypatch.setattr(files, "draw_figures", broken)
    out = tmp_path / "out"
    with pytest.raises(FiguresFailed, match=r"could not all be drawn .*frac"):
        write_results(results, out)
    assert {"summary.csv", "tasks_by_type.csv", "timeseries.parquet", "tasks.parquet"} <= {
        p.name for p in out.iterdir()
    }
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["figures"].startswith("failed: ValueError")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_replications_fill_confidence_intervals(tmp_path: Path):
    out = tmp_path / "reps"
    argv = ["run", str(BASELINE), "--out", str(out), "-q", "--no-figures", "--replications", "3"]
    assert main([*argv, *SHORT]) == 0
    summary = pd.read_csv(out / "summary.csv").set_index("metric")
    measured = summary["mean"].notna()
    assert (summary.loc[measured, "replications"] == 3).all()
    assert (
        summary.loc["caseload_per_worker_mean", "ci_low"]
        < (summary.loc["caseload_per_worker_mean", "ci_high"])
    )
