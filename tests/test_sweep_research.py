"""Scenario discovery (PRIM and CART) and robustness (regret, satisficing) on a small sweep,
checked against the runs themselves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sweep_builders import ARRIVALS, CASEWORKERS, DUMMY, spec, write_sweep

from simulator.cli import main
from simulator.experiments.executors import SerialExecutor
from simulator.sweep.runner import run_sweep
from simulator.sweep.spec import load_sweep
from simulator.sweep.store import load_results

pytest.importorskip("ema_workbench", reason="scenario discovery needs the research extra")

ON_TIME = "statutory_on_time_share"


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    """caseworkers (lever, 1-3) x arrivals (uncertainty, 3 levels) x a factor with no effect."""
    folder = tmp_path_factory.mktemp("research")
    arrivals = {**ARRIVALS, "levels": [15.0, 25.0, 35.0]}
    factors = {"caseworkers": CASEWORKERS, "arrivals": arrivals, "dummy": DUMMY}
    out = folder / "out"
    data = spec(replications=2, factors=factors)
    run_sweep(load_sweep(write_sweep(folder, data)), out, SerialExecutor(), show_progress=False)
    return out


def test_prim_finds_the_box_where_deadlines_are_missed(swept: Path, capsys):
    command = ["discover", str(swept), "--metric", ON_TIME, "--below", "0.95"]
    assert main(command) == 0
    assert "PRIM (EMA workbench) found the box" in capsys.readouterr().out
    found = swept / f"discovery_{ON_TIME}"
    box = pd.read_csv(found / "box.csv")
    assert "caseworkers" in set(box["factor"]) and "dummy" not in set(box["factor"])
    # coverage and density, recomputed from the runs inside the box's limits
    runs = load_results(swept)
    fails = runs[ON_TIME] < 0.95
    inside = pd.Series(True, index=runs.index)
    for row in box.itertuples():
        inside &= runs[row.factor].between(row.low, row.high)
    peeling = pd.read_csv(found / "peeling.csv")
    report = (found / "report.md").read_text()
    coverage, density = (fails & inside).sum() / fails.sum(), fails[inside].mean()
    assert f"Coverage {100 * coverage:.0f} %" in report
    assert f"density {100 * density:.0f} %" in report
    assert density >= 0.8  # the threshold
    assert peeling["coverage"].iloc[0] == 1.0 and peeling["mass"].is_monotonic_decreasing
    cart = pd.read_csv(found / "cart.csv")
    assert cart["coverage"].sum() == pytest.approx(1.0)  # CART's leaves partition the runs
    assert (found / "peeling.png").stat().st_size > 10_000
    assert (found / "box.png").stat().st_size > 5_000


def test_discovery_errors_name_what_is_allowed(swept: Path, capsys):
    assert main(["discover", str(swept), "--metric", "nonsense", "--below", "1"]) == 2
    assert "no metric 'nonsense'" in capsys.readouterr().err
    assert main(["discover", str(swept), "--metric", ON_TIME, "--below", "-1"]) == 2
    assert "no run fails" in capsys.readouterr().err
    command = ["discover", str(swept), "--metric", ON_TIME, "--below", "0.95"]
    assert main([*command, "--policy", "caseworkers=9"]) == 2
    assert "no successful run with caseworkers = 9" in capsys.readouterr().err


def test_robustness_gives_regret_and_satisficing_per_policy(swept: Path):
    assert main(["robustness", str(swept), "-q", "--caseload-limit", "45"]) == 0
    table = pd.read_csv(swept / "robustness" / "robustness.csv")
    runs = load_results(swept)
    means = (
        runs.groupby(["caseworkers", "arrivals", "dummy"])[ON_TIME]
        .mean()
        .unstack(["arrivals", "dummy"])
    )
    best = means.max(axis=0)
    caseload = (
        runs.groupby(["caseworkers", "arrivals", "dummy"])["caseload_per_worker_mean"]
        .mean()
        .unstack(["arrivals", "dummy"])
    )
    for caseworkers in (1, 2, 3):
        row = table.query("metric == @ON_TIME and caseworkers == @caseworkers").iloc[0]
        assert row["mean"] == pytest.approx(means.loc[caseworkers].mean())
        assert row["max_regret"] == pytest.approx((best - means.loc[caseworkers]).max())
        assert row["bad_decile"] == pytest.approx(np.percentile(means.loc[caseworkers], 10))
        meets = (means.loc[caseworkers] >= 0.95) & (caseload.loc[caseworkers] <= 45)
        assert row["satisficing"] == pytest.approx(meets.mean())
        assert row["scenarios"] == 6
    on_time = table[table["metric"] == ON_TIME].set_index("caseworkers")
    assert on_time.loc[1, "max_regret"] > on_time.loc[3, "max_regret"]
    # by default the backlog left at the end, which an overloaded office cannot hide by a
    # backlog that has levelled off: fewer caseworkers, more work left
    end = table[table["metric"] == "backlog_hours_end"].set_index("caseworkers")["mean"]
    assert end.loc[1] > end.loc[2] > end.loc[3]
    assert set(table["metric"]) == {ON_TIME, "caseload_per_worker_mean", "backlog_hours_end"}
    assert (swept / "robustness" / f"robustness_{ON_TIME}.png").is_file()


def test_robustness_needs_levers_and_uncertainties(tmp_path: Path, capsys):
    out = tmp_path / "out"
    data = spec(replications=1, factors={"caseworkers": CASEWORKERS})
    run_sweep(load_sweep(write_sweep(tmp_path, data)), out, SerialExecutor(), show_progress=False)
    assert main(["robustness", str(out)]) == 2
    assert "needs both levers and uncertainties" in capsys.readouterr().err


def test_discovery_replaces_its_own_default_folder_and_asks_for_others(swept: Path, capsys):
    command = ["discover", str(swept), "--metric", ON_TIME, "--below", "0.95", "-q"]
    assert main(command) == 0
    assert main(command) == 0  # DIR/discovery_<metric>, its own: replaced
    assert (swept / f"discovery_{ON_TIME}" / ".caseload").is_file()
    elsewhere = swept.parent / "discovery_copy"
    assert main([*command, "--out", str(elsewhere)]) == 0
    assert main([*command, "--out", str(elsewhere)]) == 2
    assert "Add --force" in capsys.readouterr().err
    assert main([*command, "--out", str(elsewhere), "--force"]) == 0


@pytest.mark.parametrize(
    "option",
    [
        ["discover", "--metric", ON_TIME, "--below", "nan"],
        ["discover", "--metric", ON_TIME, "--above", "inf"],
        ["discover", "--metric", ON_TIME, "--below", "0.9", "--threshold", "nan"],
        ["robustness", "--caseload-limit", "inf"],
        ["robustness", "--on-time", "nan"],
    ],
    ids=" ".join,
)
def test_non_finite_thresholds_and_targets_are_refused(option, swept: Path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main([option[0], str(swept), *option[1:], "-q"])
    assert stopped.value.code == 2
    assert "expected a finite number" in capsys.readouterr().err


def test_robustness_figure_draws_the_percentiles_its_caption_names_and_the_target(
    tmp_path: Path,
):
    """Whiskers end at the 10th and 90th percentiles (Axes.boxplot ended them at the
    nearest scenario inside, within the box for four scenarios); the target is drawn."""
    from simulator.sweep.robustness import policy_figure, targets

    values = pd.DataFrame(
        [[30.0, 40.0, 50.0, 60.0], [20.0, 25.0, 70.0, 90.0]],
        index=pd.Index([2, 3], name="caseworkers"),
    )
    metric = "caseload_per_worker_mean"
    mark = targets(45.0, 0.95)[metric]
    figure = policy_figure(values, metric, ["caseworkers"], tmp_path / "f.png", mark)
    ax = figure.axes[0]
    horizontal = {
        tuple(sorted(line.get_xdata()))
        for line in ax.lines
        if len(line.get_xdata()) == 2 and line.get_ydata()[0] == line.get_ydata()[1]
    }
    for i, row in enumerate(values.to_numpy()):
        p10, q1, q3, p90 = np.percentile(row, [10, 25, 75, 90])
        assert (p10, q1) in horizontal and (q3, p90) in horizontal, i
    vertical = [line for line in ax.lines if line.get_label().startswith("target")]
    assert len(vertical) == 1 and list(vertical[0].get_xdata()) == [45.0, 45.0]
    assert "at most 45 cases" in vertical[0].get_label()
    assert (tmp_path / "f.png").stat().st_size > 10_000


def test_a_robustness_figure_draws_any_share_in_per_cent(tmp_path: Path):
    """Utilisation is a share without a target or a direction of better: drawn in per
    cent all the same (the scale followed the metrics with a target)."""
    from simulator.sweep.robustness import policy_figure

    values = pd.DataFrame([[0.6, 0.7, 0.8, 0.9]], index=pd.Index([3], name="caseworkers"))
    figure = policy_figure(values, "utilisation_mean", ["caseworkers"], tmp_path / "u.png")
    dots = figure.axes[0].collections[0].get_offsets()[:, 0]
    assert list(dots) == pytest.approx([60.0, 70.0, 80.0, 90.0])


def test_the_most_robust_policy_names_every_tie_and_the_rule_that_breaks_it():
    from simulator.sweep.robustness import _most_robust

    def table(satisficing, regret):
        return pd.DataFrame(
            {"caseworkers": [3, 4, 5], "metric": ON_TIME, "satisficing": satisficing,
             "max_regret": regret}
        )  # fmt: skip

    (unique,) = _most_robust(table([0.0, 0.25, 0.5], [0.3, 0.2, 0.1]), ["caseworkers"])
    assert unique.startswith("Most robust by the targets: **caseworkers 5**, which meets them")
    assert "tie" not in unique
    (broken,) = _most_robust(table([0.0, 0.25, 0.25], [0.3, 0.08, 0.0]), ["caseworkers"])
    assert "a tie. **caseworkers 4** and **caseworkers 5** each meet them in 25 %" in broken
    assert f"smallest maximum regret of `{ON_TIME}` (0.08 for caseworkers 4, 0 for" in broken
    assert broken.endswith(": **caseworkers 5**.")
    (equal,) = _most_robust(table([0.5, 0.5, 0.25], [0.1, 0.1, 0.0]), ["caseworkers"])
    assert equal.endswith("leaves **caseworkers 3** and **caseworkers 4** equal.")
    (none,) = _most_robust(table([0.0, 0.0, 0.0], [0.3, 0.2, 0.1]), ["caseworkers"])
    assert none.startswith("No policy meets the targets in any scenario")


def test_the_box_figure_writes_its_bounds_and_names_the_factors_it_leaves_free(tmp_path: Path):
    from simulator.sweep.figures import box_limits

    x = pd.DataFrame({"caseworkers": [3.0, 4.0, 5.0, 6.0], "arrivals": [7.0, 11.0, 15.0, 19.0]})
    box = pd.DataFrame(
        [{"factor": "arrivals", "kind": "uncertainty", "restriction": "Arrivals ≥ 13",
          "low": 13.0, "high": 19.0, "levels": "", "qp_value": 0.003}]
    )  # fmt: skip
    labels = {"caseworkers": "Caseworkers", "arrivals": "Arrivals"}
    kinds = {"caseworkers": "lever", "arrivals": "uncertainty"}
    figure = box_limits(box, x, labels, kinds, "rule", tmp_path / "box.png")
    ax = figure.axes[0]
    texts = {t.get_text(): t for t in ax.texts}
    assert "≥ 13" in texts and texts["≥ 13"].get_fontsize() >= 9  # the bound PRIM found
    assert {"3", "6", "7", "19"} <= set(texts)  # the swept ranges' ends
    assert "not restricted: the box holds every value swept" in texts  # the free lever
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert "Caseworkers\n(lever)" in ticks and "Arrivals\n(uncertainty)" in ticks


def test_the_discovery_report_names_the_factors_the_box_leaves_free(swept: Path):
    command = ["discover", str(swept), "--metric", ON_TIME, "--below", "0.95", "-q"]
    assert main(command) == 0
    found = swept / f"discovery_{ON_TIME}"
    restricted = set(pd.read_csv(found / "box.csv")["factor"])
    free = [f for f in ("caseworkers", "arrivals", "dummy") if f not in restricted]
    assert free  # the dummy, at least: it changes nothing
    report = (found / "report.md").read_text()
    line = next(s for s in report.splitlines() if s.startswith("Not restricted by the box"))
    words = {
        "caseworkers": "Caseworkers (lever)",
        "arrivals": "Refugees per month (uncertainty)",
        "dummy": "dummy (uncertainty)",
    }
    assert all(words[name] in line for name in free)
    assert not any(words[name] in line for name in restricted)


def test_robustness_leaves_out_a_metric_of_a_mechanism_off_in_every_run(swept: Path, tmp_path):
    """No run of the sweep has overtime: its regrets would be zeros by construction."""
    out = tmp_path / "robust"
    argv = ["robustness", str(swept), "--metric", "overtime_hours", "--metric", ON_TIME]
    assert main([*argv, "--out", str(out), "-q"]) == 0
    table = pd.read_csv(out / "robustness.csv")
    assert set(table["metric"]) == {ON_TIME}
    report = (out / "report.md").read_text()
    assert (
        "- overtime_hours: overtime: switched off in every run of the sweep, not a finding"
        in report
    )
    assert main(["robustness", str(swept), "--metric", "overtime_hours", "--out",
                 str(tmp_path / "none"), "-q"]) == 2  # fmt: skip


@pytest.mark.parametrize(
    ("metric", "mechanism", "rule", "quiet"),
    [
        ("overtime_hours", "overtime", ["--above", "0"], []),  # said "no run fails"
        ("overtime_hours", "overtime", ["--below", "1"], ["-q"]),  # said "every run fails"
        ("interpreted_by_phone_share", "phone interpreting", ["--below", "0.5"], ["-q"]),
    ],
    ids=["above", "below-quiet", "blank-share-quiet"],
)
def test_discovery_refuses_a_metric_of_a_mechanism_off_in_every_run(
    swept: Path, capsys, metric, mechanism, rule, quiet
):
    """No run of the sweep has overtime or telephone interpreting: the metric is zero (or
    blank) by construction, so that no run, or every run, fails is no finding about where
    the office fails. Asked for by name, it is refused, the metric and its mechanism named,
    quiet or not, and nothing is written."""
    assert main(["discover", str(swept), "--metric", metric, *rule, *quiet]) == 2
    shown = capsys.readouterr()
    assert shown.out == ""
    said = shown.err
    assert f"{metric} is not modelled in this sweep" in said
    assert f"{mechanism}: switched off in every run of the sweep, not a finding" in said
    assert "no run fails" not in said and "every run fails" not in said
    assert not (swept / f"discovery_{metric}").exists()


def test_discovery_of_a_mechanism_a_factor_switches_on_somewhere_is_not_refused(tmp_path: Path):
    """Where a lever gives some points overtime, where overtime is worked is a question the
    sweep can answer: the box is found, and it holds the points with overtime on."""
    overtime = {"kind": "lever", "variants": {
        "none": {"description": "no overtime"},
        "some": {"overtime.hours_per_week": 5.0, "overtime.above": 0.1},
    }}  # fmt: skip
    out = tmp_path / "out"
    data = spec(replications=2, factors={"caseworkers": CASEWORKERS, "overtime": overtime})
    run_sweep(load_sweep(write_sweep(tmp_path, data)), out, SerialExecutor(), show_progress=False)
    assert main(["discover", str(out), "--metric", "overtime_hours", "--above", "0", "-q"]) == 0
    box = pd.read_csv(out / "discovery_overtime_hours" / "box.csv", keep_default_na=False)
    assert box.set_index("factor").loc["overtime", "levels"] == "some"


@pytest.mark.parametrize("quiet", [[], ["-q"]], ids=["loud", "quiet"])
def test_robustness_says_on_stderr_which_metric_it_left_out_and_why(
    swept: Path, tmp_path, capsys, quiet
):
    """A metric left out never passes silently: its reason is on stderr, also when quiet
    (with -q it was said nowhere but in report.md); the metrics kept get no such note."""
    argv = ["robustness", str(swept), "--metric", "overtime_hours", "--metric", ON_TIME]
    assert main([*argv, "--out", str(tmp_path / "robust"), *quiet]) == 0
    shown = capsys.readouterr()
    note = (
        "caseload: note: overtime_hours left out: overtime: switched off in every run of the "
        "sweep, not a finding"
    )
    assert shown.err.count("left out") == 1 and note in shown.err
    assert (shown.out == "") == bool(quiet)


def test_robustness_gives_the_reason_for_a_default_metric_it_leaves_out(
    swept: Path, tmp_path, capsys, monkeypatch
):
    """A default metric of a mechanism off in every run is left out with its reason, in
    report.md and on stderr, as one asked for by name (none of today's defaults is such a
    metric: this holds the rule for a default added later)."""
    from simulator.sweep import robustness

    monkeypatch.setattr(robustness, "DEFAULT_METRICS", (ON_TIME, "overtime_hours"))
    out = tmp_path / "robust"
    assert main(["robustness", str(swept), "--out", str(out), "-q"]) == 0
    reason = "overtime_hours: overtime: switched off in every run of the sweep, not a finding"
    assert f"- {reason}" in (out / "report.md").read_text()
    assert "caseload: note: overtime_hours left out: overtime: switched off" in (
        capsys.readouterr().err
    )
    assert set(pd.read_csv(out / "robustness.csv")["metric"]) == {ON_TIME}


def test_discovery_of_fewer_than_twenty_runs_gives_cart_its_boxes(swept: Path):
    """CART's smallest leaf is 5 % of the runs, which the workbench rounds down: below 20
    runs (here 18, one value of the dummy) it asked scikit-learn for leaves of 0 runs and
    discover ended in its traceback. Each leaf now holds a run at least."""
    out = swept.parent / "few"
    command = ["discover", str(swept), "--metric", ON_TIME, "--below", "0.95", "-q"]
    assert main([*command, "--policy", "dummy=a", "--out", str(out)]) == 0
    cart = pd.read_csv(out / "cart.csv")
    assert len(cart) > 1 and cart["coverage"].sum() == pytest.approx(1.0)
    assert (cart["mass"] * 18).round(9).min() >= 1


# what each command needs besides the sweep's folder
READERS = {
    "robustness": [],
    "discover": ["--metric", ON_TIME, "--below", "0.95"],
}


def copied(
    swept: Path, to: Path, parts: list[pd.DataFrame] | None = None, spec: bool = True
) -> Path:
    """A copy of the sweep's folder: its stored runs, or only `parts` of them (as a sweep
    stopped part-way leaves them), a part each; without its spec.toml if not `spec` (a
    folder of an older version: the design points' mechanisms cannot be rebuilt)."""
    import shutil

    to.mkdir(parents=True)
    for name in ("sweep.json", "design.parquet", "base.resolved.toml", *(["spec.toml"] * spec)):
        shutil.copy(swept / name, to / name)
    if parts is None:
        shutil.copytree(swept / "runs", to / "runs")
    else:
        (to / "runs").mkdir()
        for number, runs in enumerate(parts, start=1):
            runs.to_parquet(to / "runs" / f"part-{number:06d}.parquet")
    return to


@pytest.mark.parametrize("quiet", [[], ["-q"]], ids=["loud", "quiet"])
@pytest.mark.parametrize("command", list(READERS))
def test_robustness_and_discovery_of_an_unfinished_sweep_say_it_is_incomplete(
    swept: Path, tmp_path: Path, capsys, command, quiet
):
    """A sweep stopped after its first replication (18 of 36 runs): analyze warns that it
    is incomplete, on stderr also when quiet and in report.md; robustness and discover
    said nothing, their ranking of policies and their box resting on half the design as
    if on all of it. They say it too, with what it means for them (no shares of variance
    here: that is analyze's)."""
    runs = load_results(swept)
    partial = copied(swept, tmp_path / "partial", [runs[runs["replication"] == 0]])
    written = tmp_path / command
    assert main([command, str(partial), *READERS[command], "--out", str(written), *quiet]) == 0
    shown = capsys.readouterr()
    assert (shown.out == "") == bool(quiet)
    warning = "caseload: warning: the sweep is incomplete: 18 of its 36 runs are missing or failed."
    assert shown.err.count(warning) == 1
    assert "Shares of variance" not in shown.err
    assert "Run the sweep again (it resumes)" in shown.err
    report = (written / "report.md").read_text()
    assert (
        "**Warning:** the sweep is incomplete: 18 of its 36 runs are missing or failed." in report
    )


@pytest.mark.parametrize("command", list(READERS))
def test_robustness_and_discovery_say_when_the_points_mechanisms_are_unknown(
    swept: Path, tmp_path: Path, command
):
    """Where the points' scenarios cannot be rebuilt (spec.toml missing), no metric can be
    known to be off by construction: analyze's report says so, and so do theirs."""
    folder = copied(swept, tmp_path / "older", spec=False)
    written = tmp_path / command
    assert main([command, str(folder), *READERS[command], "--out", str(written), "-q"]) == 0
    report = (written / "report.md").read_text()
    assert "**Note:** which mechanisms the runs had on is unknown: the design points' " in report


def test_the_api_passes_damage_and_an_unfinished_sweep_as_analyze_sweep_does(
    swept: Path, tmp_path: Path
):
    """`robustness` and `discover` take `on_damaged` and `on_unfinished` as
    `analyze_sweep` does, and pass what they skipped and the warning of an incomplete
    sweep to them."""
    import simulator as cl

    runs = load_results(swept)
    partial = copied(swept, tmp_path / "partial", [r for _, r in runs.groupby("replication")])
    part = partial / "runs" / "part-000002.parquet"  # the second replication
    part.write_bytes(part.read_bytes()[:100])
    for name, call in (
        ("robustness", lambda **kw: cl.robustness(partial, out=tmp_path / "r", **kw)),
        ("discover", lambda **kw: cl.discover(partial, ON_TIME, below=0.95,
                                              out=tmp_path / "d", **kw)),
        ("analyze_sweep", lambda **kw: cl.analyze_sweep(partial, out=tmp_path / "a", **kw)),
    ):  # fmt: skip
        damaged: list[str] = []
        unfinished: list[str] = []
        call(on_damaged=damaged.append, on_unfinished=unfinished.append)
        assert len(damaged) == 1 and damaged[0].startswith(f"{part}: "), name
        assert len(unfinished) == 1, name
        assert unfinished[0].startswith("the sweep is incomplete: "), name
