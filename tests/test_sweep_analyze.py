"""`caseload analyze`: tables that agree with the runs, figures, Sobol indices, a report that
ranks what matters above what does not."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sweep_builders import ARRIVALS, CASEWORKERS, DUMMY, spec, write_sweep

from simulator.cli import main
from simulator.experiments.executors import SerialExecutor
from simulator.sweep.analyze import read_sweep
from simulator.sweep.runner import run_sweep
from simulator.sweep.spec import load_sweep
from simulator.sweep.store import load_results


def swept(folder: Path, data: dict) -> Path:
    out = folder / "out"
    run_sweep(load_sweep(write_sweep(folder, data)), out, SerialExecutor(), show_progress=False)
    return out


@pytest.fixture(scope="module")
def factorial(tmp_path_factory) -> Path:
    """caseworkers (1-3) x arrivals x a factor with no effect, 3 replications, analysed."""
    folder = tmp_path_factory.mktemp("factorial")
    factors = {"caseworkers": CASEWORKERS, "arrivals": ARRIVALS, "dummy": DUMMY}
    out = swept(folder, spec(replications=3, factors=factors))
    assert main(["analyze", str(out), "-q"]) == 0
    return out


def test_analysis_writes_tables_figures_and_a_report(factorial: Path):
    analysis = factorial / "analysis"
    names = {p.name for p in analysis.iterdir()}
    assert {"points.csv", "main_effects.csv", "ranking.csv", "failures.csv", "report.md"} <= names
    assert "sobol_indices.csv" not in names  # not a Sobol design
    figures = {p.name for p in (analysis / "figures").iterdir()}
    for metric in ("caseload_per_worker_mean", "statutory_on_time_share", "backlog_hours_mean"):
        assert f"heatmap_caseworkers_arrivals_{metric}.png" in figures
        assert f"main_effects_{metric}.png" in figures
    assert all((analysis / "figures" / f).stat().st_size > 10_000 for f in figures)


def test_main_effects_are_level_means_with_replication_intervals(factorial: Path):
    runs = load_results(factorial)
    effects = pd.read_csv(factorial / "analysis" / "main_effects.csv")
    row = effects.query(
        "metric == 'backlog_hours_mean' and factor == 'caseworkers' and level == '2'"
    )
    at_two = runs[runs["caseworkers"] == 2]
    per_replication = at_two.groupby("replication")["backlog_hours_mean"].mean()
    assert row["mean"].item() == pytest.approx(per_replication.mean())
    half = row["ci_high"].item() - row["mean"].item()
    assert half == pytest.approx(4.302653 * per_replication.std() / np.sqrt(3), rel=1e-5)
    assert row["n"].item() == 3


def test_intervals_stay_inside_what_a_metric_can_be(factorial: Path):
    """A share's interval is Wilson's (inside 0-1, not a clipped t-interval); hours, cases
    and days are cut at 0: with few replications a plain t-interval escaped both."""
    from simulator.analysis.stats import nonnegative_ci, share_ci

    runs = load_results(factorial)
    analysis = factorial / "analysis"
    effects = pd.read_csv(analysis / "main_effects.csv", dtype={"level": str})
    points = pd.read_csv(analysis / "points.csv")
    for table in (effects, points):
        shares = table[table["metric"] == "statutory_on_time_share"]
        assert (
            not shares.empty and shares[["ci_low", "ci_high"]].dropna().stack().between(0, 1).all()
        )
        hours = table[table["metric"].isin(["backlog_hours_mean", "task_wait_days_mean"])]
        assert not hours.empty and (hours["ci_low"].dropna() >= 0).all()
    for metric, interval in (
        ("statutory_on_time_share", share_ci),
        ("backlog_hours_mean", nonnegative_ci),
    ):
        for level in (1, 2, 3):
            at = runs[runs["caseworkers"] == level].groupby("replication")[metric].mean()
            row = effects[
                (effects["metric"] == metric)
                & (effects["factor"] == "caseworkers")
                & (effects["level"] == str(level))
            ]
            _, low, high = (float(v) for v in interval(at.to_numpy()))
            assert (row["ci_low"].item(), row["ci_high"].item()) == pytest.approx((low, high))
        point = runs[runs["point"] == 0][metric].to_numpy()
        row = points.query("point == 0 and metric == @metric")
        expected = [float(v) for v in interval(point)[1:]]
        assert [row["ci_low"].item(), row["ci_high"].item()] == pytest.approx(expected)


def test_points_table_has_each_points_mean_and_interval(factorial: Path):
    runs = load_results(factorial)
    points = pd.read_csv(factorial / "analysis" / "points.csv")
    row = points.query("point == 4 and metric == 'cases_opened'")
    expected = runs.loc[runs["point"] == 4, "cases_opened"].mean()
    assert row["mean"].item() == pytest.approx(expected, rel=1e-7)
    assert row["replications"].item() == 3
    assert set(points["metric"]) >= {"backlog_hours_mean", "utilisation_mean"}


def test_report_ranks_staffing_above_a_factor_with_no_effect(factorial: Path):
    ranking = pd.read_csv(factorial / "analysis" / "ranking.csv")
    backlog = ranking[ranking["metric"] == "backlog_hours_mean"].set_index("factor")
    assert backlog.loc["caseworkers", "rank"] == 1
    assert backlog.loc["dummy", "rank"] == 3
    assert backlog.loc["dummy", "effect_range"] == 0  # common random numbers: exactly none
    assert backlog.loc["dummy", "variance_share"] == pytest.approx(0, abs=1e-12)
    report = (factorial / "analysis" / "report.md").read_text()
    assert "driven above all by **Caseworkers** (a lever)" in report
    assert "Strongest uncertainty: **Refugees per month**" in report
    assert "36 runs; 36 stored (36 succeeded, 0 failed)" in report


def test_heatmap_factors_and_metrics_can_be_chosen(factorial: Path, tmp_path: Path):
    out = tmp_path / "chosen"
    options = ["--heatmap", "dummy", "caseworkers", "--metric", "utilisation_mean"]
    assert main(["analyze", str(factorial), *options, "--out", str(out), "-q"]) == 0
    figures = {p.name for p in (out / "figures").iterdir()}
    assert "heatmap_dummy_caseworkers_utilisation_mean.png" in figures
    assert "main_effects_utilisation_mean.png" in figures


def test_unknown_metric_or_factor_is_a_clear_error(factorial: Path, tmp_path: Path, capsys):
    assert main(["analyze", str(factorial), "--metric", "backlog", "-q"]) == 2
    assert "no metric 'backlog' in this sweep. Allowed: " in capsys.readouterr().err
    assert main(["analyze", str(factorial), "--heatmap", "x", "dummy", "-q"]) == 2
    assert "no factor 'x' in this sweep. Allowed: caseworkers, arrivals, dummy" in (
        capsys.readouterr().err
    )
    assert main(["analyze", str(tmp_path), "-q"]) == 2
    assert "not a sweep results folder" in capsys.readouterr().err


def test_sobol_design_gives_first_order_and_total_indices(tmp_path: Path):
    cw = {**CASEWORKERS, "levels": None, "range": [1, 3]}
    data = spec(replications=1, factors={"caseworkers": cw, "arrivals": ARRIVALS, "dummy": DUMMY})
    data["design"] = {"kind": "sobol", "n": 16}
    out = swept(tmp_path, data)
    assert main(["analyze", str(out), "-q"]) == 0
    indices = pd.read_csv(out / "analysis" / "sobol_indices.csv")
    backlog = indices[indices["metric"] == "backlog_hours_mean"].set_index("factor")
    assert set(indices.columns) >= {"S1", "S1_conf", "ST", "ST_conf"}
    assert backlog.loc["caseworkers", "ST"] > 0.5
    assert backlog.loc["dummy", "ST"] == pytest.approx(0, abs=1e-12)  # no effect, exactly
    assert (out / "analysis" / "figures" / "sobol_backlog_hours_mean.png").is_file()
    report = (out / "analysis" / "report.md").read_text()
    assert "total Sobol index" in report and "| 1 | Caseworkers" in report


def test_an_unfinished_sweep_is_analysed_and_said_to_be_provisional(factorial: Path, tmp_path):
    parts = sorted((factorial / "runs").glob("part-*.parquet"))
    partial = tmp_path / "partial"
    (partial / "runs").mkdir(parents=True)
    for name in ("sweep.json", "design.parquet"):
        (partial / name).write_bytes((factorial / name).read_bytes())
    first = pd.read_parquet(parts[0]).head(10)
    first.to_parquet(partial / "runs" / "part-000001.parquet")
    assert main(["analyze", str(partial), "-q"]) == 0
    report = (partial / "analysis" / "report.md").read_text()
    assert "10 stored" in report and "not finished" in report


def test_latin_hypercube_bins_a_real_factor_for_effects_and_heatmaps(tmp_path: Path):
    hours = {"key": "caseworkers.weekly_hours", "kind": "lever", "range": [20.0, 40.0]}
    data = spec(replications=1, factors={"hours": hours, "arrivals": ARRIVALS})
    data["design"] = {"kind": "latin_hypercube", "n": 20}
    out = swept(tmp_path, data)
    growth = "backlog_growth_hours_per_year"  # meaningful at every point, stable or not
    assert main(["analyze", str(out), "-q", "--metric", growth]) == 0
    effects = pd.read_csv(out / "analysis" / "main_effects.csv")
    bins = effects.query(f"metric == '{growth}' and factor == 'hours'")
    assert len(bins) == 5 and bins["level"].str.contains("–").all()
    assert (bins["n"] == 4).all()  # 20 points, quantile bins of 4
    assert bins["mean"].iloc[0] > bins["mean"].iloc[-1]  # more hours, a backlog growing less
    figures = out / "analysis" / "figures"
    assert (figures / "heatmap_hours_arrivals_backlog_hours_mean.png").is_file()


def test_morris_screening_gives_mu_star_and_sigma_per_factor(tmp_path: Path):
    factors = {"caseworkers": CASEWORKERS, "arrivals": ARRIVALS, "dummy": DUMMY}
    data = spec(replications=1, factors=factors, design={"kind": "morris", "n": 4})
    out = swept(tmp_path, data)
    metric = "caseload_per_worker_mean"
    assert main(["analyze", str(out), "-q", "--metric", metric, "--target", metric]) == 0
    analysis = out / "analysis"
    indices = pd.read_csv(analysis / "morris_indices.csv").query("metric == @metric")
    indices = indices.set_index("factor")
    assert len(load_results(out)) == 4 * (3 + 1)  # n trajectories of k + 1 points
    # the elementary effects by hand: along each trajectory one factor moves one grid step
    # (2/3 of the unit range with 4 levels); mu* is the mean absolute change per unit
    from simulator.sweep.analyze import read_sweep
    from simulator.sweep.screening import morris_unit_sample

    unit = morris_unit_sample(read_sweep(out))
    y = load_results(out).set_index("point")[metric].to_numpy()
    effects = {name: [] for name in factors}
    for start in range(0, len(unit), 4):
        for step in range(start, start + 3):
            moved = np.flatnonzero(unit[step + 1] != unit[step])
            assert len(moved) == 1
            delta = unit[step + 1, moved[0]] - unit[step, moved[0]]
            effects[list(factors)[moved[0]]].append((y[step + 1] - y[step]) / delta)
    for name, values in effects.items():
        assert indices.loc[name, "mu_star"] == pytest.approx(np.mean(np.abs(values)))
        assert indices.loc[name, "sigma"] == pytest.approx(np.std(values, ddof=1))
    assert indices.loc["dummy", "mu_star"] == 0  # common random numbers: exactly no effect
    assert indices.loc["caseworkers", "mu_star"] > 0
    ranking = pd.read_csv(analysis / "ranking.csv").query("metric == @metric")
    assert ranking.set_index("factor").loc["dummy", "rank"] == 3
    assert (analysis / "figures" / f"morris_{metric}.png").stat().st_size > 10_000
    assert "Morris μ*" in (analysis / "report.md").read_text()


def test_a_morris_design_needs_an_even_grid(tmp_path: Path, capsys):
    data = spec(design={"kind": "morris", "n": 4, "levels": 3})
    assert main(["sweep", str(write_sweep(tmp_path, data)), "--check"]) == 2
    assert "even number of 'levels'" in capsys.readouterr().err


def test_heatmap_cells_are_written_as_the_report_writes_numbers(tmp_path: Path):
    from simulator.sweep.analyze import num
    from simulator.sweep.figures import heatmap

    table = pd.DataFrame([[3654.7, 1999.2], [57.93, 0.5]], index=["19", "15"], columns=["3", "4"])
    figure = heatmap(table, "backlog_hours_mean", ("Caseworkers", "Arrivals"), tmp_path / "h.png")
    cells = {t.get_text() for t in figure.axes[0].texts}
    assert cells == {"3,655", "1,999", "57.9", "0.5"} == {num(v) for v in table.to_numpy().flat}
    shares = pd.DataFrame([[0.9531, 0.049]], index=["7"], columns=["3", "4"])
    figure = heatmap(shares, "statutory_on_time_share", ("C", "A"), tmp_path / "s.png")
    assert {t.get_text() for t in figure.axes[0].texts} == {"95.3 %", "4.9 %"}


def test_a_metric_of_a_mechanism_off_in_every_run_is_no_finding(factorial: Path, tmp_path, capsys):
    """The tiny base has no overtime: its hours are 0 by construction at every point, so
    `analyze` neither ranks factors by them nor draws them, and says why; points.csv marks
    them as summary.csv does."""
    out = tmp_path / "off"
    argv = ["analyze", str(factorial), "--metric", "overtime_hours", "--target", "overtime_hours"]
    assert main([*argv, "--out", str(out)]) == 0
    shown = capsys.readouterr()
    reason = "overtime: switched off in every run of the sweep, not a finding"
    assert f"overtime_hours left out: {reason}" in shown.err
    assert f"**Not ranked:** {reason}" in shown.out
    report = (out / "report.md").read_text()
    assert "`overtime_hours` is driven" not in report and "## Answer" not in report
    assert "Mechanisms switched off in every run" in report and "overtime" in report
    for table in ("ranking.csv", "main_effects.csv"):
        assert "overtime_hours" not in set(pd.read_csv(out / table)["metric"])
    assert not any("overtime" in p.name for p in (out / "figures").iterdir())
    points = pd.read_csv(out / "points.csv", keep_default_na=False)
    assert set(points.loc[points["metric"] == "overtime_hours", "mechanism"]) == {"overtime: off"}
    assert set(points.loc[points["metric"] == "backlog_hours_mean", "mechanism"]) == {""}


def test_a_metric_left_out_is_said_on_stderr_also_when_quiet(factorial: Path, tmp_path, capsys):
    """-q silences the report, never the note that a metric asked for is not analysed."""
    out = tmp_path / "quiet"
    argv = ["analyze", str(factorial), "--metric", "overtime_hours", "--out", str(out), "-q"]
    assert main(argv) == 0
    shown = capsys.readouterr()
    assert shown.out == ""
    assert shown.err.count("left out") == 1
    assert (
        "caseload: note: overtime_hours left out: overtime: switched off in every run of the "
        "sweep, not a finding" in shown.err
    )


def test_a_mechanism_a_factor_switches_on_somewhere_is_analysed(tmp_path: Path):
    """Where a factor gives some points overtime, its hours are a finding of the sweep."""
    overtime = {"kind": "lever", "variants": {
        "none": {"description": "no overtime"},
        "some": {"overtime.hours_per_week": 5.0, "overtime.above": 0.1},
    }}  # fmt: skip
    factors = {"caseworkers": CASEWORKERS, "overtime": overtime}
    out = swept(tmp_path, spec(replications=1, factors=factors))
    data = read_sweep(out)
    assert "overtime_hours" not in data.off and "sick_days_per_worker_year" in data.off
    assert main(["analyze", str(out), "--target", "overtime_hours", "-q"]) == 0
    ranking = pd.read_csv(out / "analysis" / "ranking.csv")
    assert "overtime" in set(ranking.loc[ranking["metric"] == "overtime_hours", "factor"])
    points = pd.read_csv(out / "analysis" / "points.csv", keep_default_na=False)
    marks = points.loc[points["metric"] == "overtime_hours"].set_index("point")["mechanism"]
    assert {m.split(" (")[0] for m in marks} == {"overtime: off", "overtime: on"}


def test_an_incomplete_sweep_is_warned_of_and_no_share_passes_100_percent(
    factorial: Path, tmp_path: Path, capsys
):
    """Keep only the points where many caseworkers meet many arrivals and few meet few:
    the two factors' levels are then confounded, and each main effect explains the whole
    variance (their shares added to about 200 %; an audit saw 130 %). The report says how
    many runs are missing and that the shares need the full design, and prints no share
    above 100 %; so does the console, even when quiet."""
    runs = pd.concat(pd.read_parquet(p) for p in sorted((factorial / "runs").glob("*.parquet")))
    kept = runs[
        ((runs["caseworkers"] == 1) & (runs["arrivals"] == 30.0))
        | ((runs["caseworkers"] == 3) & (runs["arrivals"] == 20.0))
    ]
    partial = tmp_path / "partial"
    (partial / "runs").mkdir(parents=True)
    for name in ("sweep.json", "design.parquet", "spec.toml", "base.resolved.toml"):
        (partial / name).write_bytes((factorial / name).read_bytes())
    kept.to_parquet(partial / "runs" / "part-000001.parquet")
    assert main(["analyze", str(partial), "-q"]) == 0
    shown = capsys.readouterr().err
    missing = 36 - len(kept)
    assert f"the sweep is incomplete: {missing} of its 36 runs are missing or failed" in shown
    assert "(8 of 12 design points have none)" in shown
    report = (partial / "analysis" / "report.md").read_text()
    assert f"**Warning:** the sweep is incomplete: {missing} of its 36 runs" in report
    assert "Shares of variance need the full design" in report
    shares = [int(x) for x in re.findall(r"(\d+) %", report)]
    assert shares and max(shares) <= 100
    assert "Main effects together explain" not in report
    ranking = pd.read_csv(partial / "analysis" / "ranking.csv")
    backlog = ranking[ranking["metric"] == "backlog_hours_mean"]
    assert backlog["variance_share"].sum() > 1.5  # what the report no longer adds up
    assert (backlog["variance_share"] <= 1 + 1e-12).all()
