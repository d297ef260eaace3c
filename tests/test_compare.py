"""Paired comparison under common random numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.stats import t_interval
from simulator.cli import main
from simulator.engine.model import Municipality
from simulator.experiments.run import compare
from simulator.scenario import load_scenario

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
SHORT = ["simulation.duration_years=2", "simulation.warmup_years=1"]


def test_a_scenario_compared_with_itself_is_identical():
    """Identical, except where the mechanism behind a metric is off in both: those zeros
    are not modelled, not equal (the baseline has no overtime, triage or caseload cap)."""
    from simulator.analysis.comparison import Verdict
    from simulator.analysis.mechanisms import off_metrics

    a = load_scenario(BASELINE, SHORT)
    result = compare(a, a, replications=3)
    assert (result.table["difference"].fillna(0) == 0).all()
    off = result.table["metric"].isin(list(off_metrics(a)))
    assert {"overtime_hours", "optional_tasks_dropped"} <= set(result.table["metric"][off])
    assert (result.table["verdict"][off] == Verdict.OFF_IN_BOTH).all()
    assert set(result.table["verdict"][~off]) <= {"identical", "undefined"}
    # every verdict is one the public API names (the app's cards read them so)
    import simulator as cl

    assert set(result.table["verdict"]) <= {v.value for v in cl.Verdict}


def test_more_caseworkers_lower_the_caseload_and_pairing_narrows_the_interval():
    a = load_scenario(BASELINE, SHORT)
    b = load_scenario(BASELINE, [*SHORT, "caseworkers.staffing=[{date=2012-01-01,caseworkers=5}]"])
    result = compare(a, b, replications=5)
    row = result.table.set_index("metric").loc["caseload_per_worker_mean"]
    assert row["ci_high"] < 0 and row["verdict"] == "B lower"
    # common random numbers: the paired interval is narrower than the difference's interval
    # would be from the two sides' own (independent runs: their half-widths add in
    # quadrature), and than A's own
    per_a, per_b = result.a.per_replication, result.b.per_replication
    own = [
        per.loc[per["metric"] == "caseload_per_worker_mean", "value"].to_numpy()
        for per in (per_a, per_b)
    ]
    (_, low_a, high_a), (_, low_b, high_b) = (t_interval(values) for values in own)
    unpaired = float(np.hypot(high_a - low_a, high_b - low_b))
    assert row["ci_high"] - row["ci_low"] < min(unpaired / 2, high_a - low_a)
    # the range of the paired differences: 8 runs in 10, wider than the mean's interval
    wide_a = per_a.pivot(index="replication", columns="metric", values="value")
    wide_b = per_b.pivot(index="replication", columns="metric", values="value")
    differences = (wide_b - wide_a)["caseload_per_worker_mean"].to_numpy()
    assert (row["p10"], row["p90"]) == pytest.approx(tuple(np.percentile(differences, [10, 90])))
    assert row["p10"] <= row["difference"] <= row["p90"]
    # and both sides saw the same placements (families that follow arrive when their
    # application is sent, which waits for the caseworker's help, so their dates may differ)
    for rep in range(5):
        assert Municipality(a, rep).arrivals == Municipality(b, rep).arrivals


def test_the_console_says_when_the_measurement_windows_differ():
    """Totals over three years set beside totals over two read as an effect: the console
    says the windows differ, and says nothing when they agree."""
    from simulator.reporting.console import comparison_summary

    a = load_scenario(BASELINE, SHORT)
    longer = load_scenario(BASELINE, ["simulation.duration_years=3", "simulation.warmup_years=1"])
    differ = comparison_summary(compare(a, longer, replications=2))
    assert "note: the measurement windows differ (A: 2013-01-01 to 2014-01-01; " in differ
    assert "B: 2013-01-01 to 2015-01-01)" in differ
    assert "windows differ" not in comparison_summary(compare(a, a, replications=2))


def test_compare_command_writes_its_folder(tmp_path: Path):
    variant = tmp_path / "five.toml"
    variant.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "five"\n'
        "[simulation]\nduration_years = 2.0\nwarmup_years = 1.0\n"
        "[caseworkers]\nstaffing = [{ date = 2012-01-01, caseworkers = 5 }]\n"
    )
    base = tmp_path / "base.toml"
    base.write_text(
        f'extends = "{BASELINE.as_posix()}"\nname = "base"\n'
        "[simulation]\nduration_years = 2.0\nwarmup_years = 1.0\n"
    )
    out = tmp_path / "cmp"
    assert main(["compare", str(base), str(variant), "--replications", "3", "--out", str(out),
                 "-q"]) == 0  # fmt: skip
    assert {p.name for p in out.iterdir()} >= {
        "comparison.csv", "comparison.png", "summary_a.csv", "summary_b.csv", "manifest.json",
    }  # fmt: skip
    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == [
        "metric", "unit", "mean_a", "mean_b", "difference", "ci_low", "ci_high", "p10",
        "p90", "verdict", "mechanism", "ci_note",
    ]  # fmt: skip


def test_compare_with_a_bad_scenario_writes_nothing(tmp_path: Path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "nowhere.toml"\n')
    out = tmp_path / "cmp"
    assert main(["compare", str(BASELINE), str(bad), "--out", str(out)]) == 2
    assert not out.exists()
    assert "nowhere.toml" in capsys.readouterr().err


def test_a_share_switched_off_in_both_is_said_so_not_identical():
    """The baseline never interprets by telephone: compared with itself, the share by
    telephone is "phone interpreting: switched off in both", blank, not an identical 0."""
    from simulator.analysis.comparison import Verdict
    from simulator.reporting.console import comparison_summary

    a = load_scenario(BASELINE, ["simulation.duration_years=1", "simulation.warmup_years=0.5"])
    result = compare(a, a, replications=2)
    row = result.table.set_index("metric").loc["interpreted_by_phone_share"]
    assert row["verdict"] == Verdict.OFF_IN_BOTH
    assert row["mechanism"] == "phone interpreting: switched off in both scenarios, not a finding"
    assert row[["mean_a", "mean_b", "difference", "ci_low", "ci_high"]].isna().all()
    overtime = result.table.set_index("metric").loc["overtime_hours"]
    assert overtime["mechanism"].startswith("overtime: switched off in both")
    assert overtime["mean_a"] == 0  # a count stays a count
    text = " ".join(comparison_summary(result).split())
    assert "off in both, not findings:" in text
    assert "phone interpreting" in text
    assert "2 replications: each interval rests on 1 degree(s) of freedom" in text


def _paired(values_a: dict[str, list[float]], values_b: dict[str, list[float]], n: int):
    """Per-replication tables of every summary metric: 1.0 in each run but those given."""
    from simulator.analysis.metrics import SUMMARY_METRICS

    def table(given: dict[str, list[float]]) -> pd.DataFrame:
        rows = [
            (rep, m.name, given.get(m.name, [1.0] * n)[rep])
            for m in SUMMARY_METRICS
            for rep in range(n)
        ]
        return pd.DataFrame(rows, columns=["replication", "metric", "value"])

    return table(values_a), table(values_b)


def test_intervals_stay_inside_what_a_difference_can_be_and_few_replications_are_marked():
    """Two replications: t = 12.7 on one degree of freedom. A share's difference reached
    -1.32 and a count's, with A always 0, -392: both are cut where the means cannot go,
    said in `ci_note`; the bound that does not bind is the t-interval's own."""
    from simulator.analysis.comparison import paired_table

    share, count = "statutory_on_time_share", "tasks_dropped"
    a, b = _paired({share: [0.95, 0.30], count: [0.0, 0.0]}, {share: [0.05, 0.10],
                   count: [0.0, 400.0]}, 2)  # fmt: skip
    table = paired_table(a, b).set_index("metric")
    row = table.loc[share]
    _, t_low, t_high = t_interval(np.array([0.05 - 0.95, 0.10 - 0.30]))
    assert t_low < -1 and t_high > 1  # the plain interval escapes [-1, 1] on both sides
    assert (row["ci_low"], row["ci_high"]) == (-1.0, 1.0)
    assert "2 replications: wide, a rough guide" in row["ci_note"]
    assert "cut at -1" in row["ci_note"] and "cut at 1" in row["ci_note"]
    row = table.loc[count]
    _, t_low, t_high = t_interval(np.array([0.0, 400.0]))
    assert t_low < 0 and row["ci_low"] == 0.0 and "cut at 0" in row["ci_note"]
    assert row["ci_high"] == pytest.approx(t_high, rel=1e-12)  # the t-interval, kept
    assert row["verdict"] == "not distinguishable from zero"
    # ten replications well inside the bounds: the t-interval as it is, nothing said
    rng = np.random.default_rng(5)
    xa, xb = rng.uniform(0.4, 0.6, 10), rng.uniform(0.4, 0.6, 10)
    table = paired_table(*_paired({share: list(xa)}, {share: list(xb)}, 10)).set_index("metric")
    _, t_low, t_high = t_interval(xb - xa)
    assert (table.loc[share, "ci_low"], table.loc[share, "ci_high"]) == (t_low, t_high)
    assert table.loc[share, "ci_note"] == ""


def test_cutting_a_share_difference_keeps_its_coverage():
    """The cut removes only differences two shares' means cannot have, so an interval holds
    the true difference after the cut exactly when it did before (fixed seed, 4,000 pairs
    of two replications of shares drawn from Beta laws with known means)."""
    from simulator.analysis.comparison import clipped_difference

    rng = np.random.default_rng(20261202)
    held_before = held_after = 0
    for _ in range(4000):
        xa, xb = rng.beta(9.0, 1.0, 2), rng.beta(1.0, 1.0, 2)  # means 0.9 and 0.5
        _, low, high = t_interval(xb - xa)
        cut_low, cut_high, _ = clipped_difference(xa, xb, low, high, share=True)
        assert -1 <= cut_low <= cut_high <= 1
        held_before += low <= -0.4 <= high
        held_after += cut_low <= -0.4 <= cut_high
    assert held_after == held_before
