"""The calibration's pieces: free parameters and their keys, the writer, verdicts, and what
one run yields for the targets (fast: short runs only)."""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest

from simulator.calibration.parameters import (
    FREE,
    REGISTER,
    changes_for,
    fitted_values,
    prefit,
    scaled_shares,
)
from simulator.calibration.report import gap_lines, on_calibrated
from simulator.calibration.targets import (
    Part,
    Verdict,
    observe,
    office_2015_point,
    plus_one_point,
    rules_2014,
    spread_design,
    spread_points,
    stationary_point,
    surge_point,
    wilson,
)
from simulator.calibration.writer import WriteError, set_line, write_fitted
from simulator.scenario import scenario_from_dict
from simulator.scenario.files import read_toml

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"


def test_a_hazard_scaled_by_one_gives_the_register_back_and_more_hazard_more_self_support():
    assert scaled_shares(REGISTER["refugee"], 1.0) == list(REGISTER["refugee"])
    higher = scaled_shares(REGISTER["refugee"], 1.5)
    assert all(h > s for h, s in zip(higher, REGISTER["refugee"], strict=True))
    # the bounds of P3 are the register's three-year range, 20 % to 43 %
    p3 = next(p for p in FREE if p.name == "self_support_hazard")
    assert scaled_shares([0.29], p3.low)[0] == pytest.approx(0.20, abs=0.002)
    assert scaled_shares([0.29], p3.high)[0] == pytest.approx(0.43, abs=0.002)


def test_the_household_mix_keeps_the_other_types_in_their_ratio_and_sums_to_one():
    changes = changes_for({"single_adult_share": 0.8})
    shares = [v for k, v in changes.items() if k.startswith("households.")]
    assert sum(shares) == pytest.approx(1.0, abs=1e-3)
    assert changes["households.family.share"] / changes["households.couple.share"] == (
        pytest.approx(2.5, rel=1e-3)
    )


def test_every_free_parameter_starts_inside_its_bounds_and_maps_to_the_unit_interval():
    for p in FREE:
        assert p.low <= p.start <= p.high
        assert p.value(p.unit(p.start)) == pytest.approx(p.start)
        assert p.value(-1.0) == p.low and p.value(2.0) == p.high


def test_the_writer_sets_a_key_in_its_own_table_only_and_says_why():
    text = "[a]\nx = 1  # old\n[b]\nx = 2  # keep\n"
    out = set_line(text, "a", "x", 0.5, "fitted")
    assert tomllib.loads(out) == {"a": {"x": 0.5}, "b": {"x": 2}}
    assert "# fitted" in out and "# keep" in out and "# old" not in out
    with pytest.raises(WriteError):
        set_line(text, "c", "x", 1, "nowhere")


def test_fitted_values_written_into_a_copy_of_the_baseline_read_back_the_same(tmp_path):
    values = {"task_time_scale": 0.9, "casework_share": 0.75, "self_support_hazard": 1.4,
              "single_adult_share": 0.8, "resignations_per_year": 0.25}  # fmt: skip
    copy = tmp_path / "fitted.toml"
    write_fitted(BASELINE, values, dt.date(2026, 11, 30), into=copy)
    data = read_toml(copy)
    scenario_from_dict(data, str(copy))  # still a valid scenario
    back = fitted_values(data)
    for name, value in values.items():
        assert back[name] == pytest.approx(value, abs=2e-3), name
    assert "fitted 2026-11-30 by caseload calibrate --fit" in copy.read_text()
    # everything else is left as it was: the same lines apart from the fitted ones
    before, after = BASELINE.read_text().splitlines(), copy.read_text().splitlines()
    assert len(before) == len(after)
    changed = [b for b, a in zip(before, after, strict=True) if a != b]
    assert len(changed) == 8  # 2 in caseworkers, self_support, 4 household shares, turnover
    assert BASELINE.read_text() != copy.read_text()


def test_prefit_values_are_the_sources_and_assumptions_before_any_fit():
    assert prefit() == {"task_time_scale": 1.0, "casework_share": 0.7, "self_support_hazard": 1.0,
                        "single_adult_share": 0.6, "resignations_per_year": 0.2}  # fmt: skip


def test_a_part_passes_inside_its_band_and_its_distance_is_in_half_widths():
    inside = Part("x", 70.0, (68.0, 72.0), 66.5, 78.75)
    assert inside.passed
    assert Part("x", 78.75, (0, 0), 66.5, 78.75).distance() == pytest.approx(1.0)
    at_least = Part("share", 0.85, (0, 0), 0.9, None)
    assert not at_least.passed and at_least.distance() == pytest.approx(1.0)
    assert not Part("x", math.nan, (0, 0), 0, 1).passed
    verdict = Verdict("T", "t", "s", [inside, at_least])
    assert not verdict.passed
    assert verdict.distance() == pytest.approx((inside.distance() + 1.0) / 2)


def test_a_part_inside_its_narrowed_band_has_no_excess_and_one_outside_counts_in_half_widths():
    band = (40.0, 60.0)  # centre 50, half-width 10; narrowed by a tenth: 41-59
    assert Part("x", 58.9, (0, 0), *band).excess(0.1) == 0.0
    assert Part("x", 59.5, (0, 0), *band).excess(0.1) == pytest.approx(0.05)
    assert Part("x", 39.0, (0, 0), *band).excess(0.1) == pytest.approx(0.2)
    assert Part("x", 60.0, (0, 0), *band).excess(0.0) == 0.0
    at_least = Part("share", 0.902, (0, 0), 0.9, None)  # narrowed bound 0.905
    assert at_least.passed and at_least.excess(0.1) == pytest.approx(0.06)
    at_most = Part("share", 0.95, (0, 0), None, 0.95)
    assert at_most.excess(0.1) == pytest.approx(0.1)
    verdict = Verdict("T", "t", "s", [Part("x", 59.5, (0, 0), *band), at_least])
    assert verdict.penalty(0.1) == pytest.approx(0.05**2 + 0.06**2)


def test_the_fit_keeps_only_the_targets_it_was_told_to_keep_and_ranks_the_last_stage(monkeypatch):
    import importlib

    fit_module = importlib.import_module("simulator.calibration.fit")  # the package exports fit()

    met = Verdict("T1", "t", "s", [Part("x", 59.5, (0, 0), 40.0, 60.0)])  # met, near the edge
    unmet = Verdict("T8", "t", "s", [Part("x", 0.5, (0, 0), 0.6, 0.76)])
    calls = []

    def judge(data, executor, replications, stationarity=False):
        calls.append(replications)
        return [met, unmet]

    monkeypatch.setattr(fit_module, "judge", judge)
    result = fit_module.FitResult({}, math.inf)
    x = np.array([0.5] * len(FREE))
    keep = fit_module._Objective(BASELINE, None, 20, 3, result, None, frozenset({"T1"}))
    free = fit_module._Objective(BASELINE, None, 6, 2, result, None)
    d = met.distance() + unmet.distance()
    assert free(x) == pytest.approx(d)
    assert keep(x) == pytest.approx(d + fit_module.KEEP_WEIGHT * 0.05**2)
    assert keep(x) == keep(x) and calls == [6, 20]  # the second call at x is cached
    assert result.best.stage == 3 and result.evaluations[0].passed == frozenset({"T1"})


def test_the_report_names_each_target_not_met_with_its_gap():
    below = Part("examined", 0.30, (0.25, 0.35), 0.40, 0.60, "%")
    above = Part("caseload", 80.0, (78.0, 82.0), 66.5, 78.75)
    assert below.gap == pytest.approx(-0.10) and above.gap == pytest.approx(1.25)
    assert Part("x", 70.0, (0, 0), 66.5, 78.75).gap == 0.0
    met = Verdict("T1", "t", "s", [Part("x", 70.0, (0, 0), 66.5, 78.75)])
    assert gap_lines([met]) == []
    lines = gap_lines([met, Verdict("T5", "t", "s", [below]), Verdict("T9", "t", "s", [above])])
    assert "T1" not in "\n".join(lines)
    assert "T5: examined: 10.0 points below the bottom of its band" in lines[1]
    assert "T9: caseload: 1.25 above the top of its band" in lines[2]


def test_wilson_intervals_stay_inside_zero_and_one():
    for hits, n in ((0, 10), (10, 10), (3, 30)):
        p, lo, hi = wilson(hits, n)
        assert 0.0 <= lo <= p <= hi <= 1.0


def test_the_points_change_only_what_their_target_says():
    data = read_toml(BASELINE)
    plus = plus_one_point(data, 2).data
    assert plus["caseworkers"]["staffing"][0]["caseworkers"] == 5
    assert rules_2014(data)["reunification"]["waiting_years"] == {"convention": 0.0,
                                                                  "temporary": 0.0}  # fmt: skip
    assert "timeline" not in rules_2014({**data, "timeline": []})
    steady = stationary_point(data).data  # T5: one set of rules for 15 years
    assert "timeline" not in steady and steady["reunification"] == rules_2014(data)["reunification"]
    assert steady["simulation"]["duration_years"] == data["simulation"]["warmup_years"] + 15.0
    design = spread_design()
    assert len(design) == 30 and all(1 <= w <= 8 for w, _ in design)
    spread, surge = spread_points(data, n=3), spread_points(data, surge=True, n=3)
    for s, g, (workers, ratio) in zip(spread, surge, spread_design(3), strict=True):
        assert s.data["arrivals"]["per_month"] == pytest.approx(workers * ratio, rel=1e-3)
        yearly = {y["year"]: y["refugees"] for y in g.data["arrivals"]["yearly"]}
        assert yearly[2015] / yearly[2014] == pytest.approx(10592 / 6048, rel=1e-3)
        scenario_from_dict(g.data, g.name)
    office = office_2015_point(data, 1).data
    scenario_from_dict(office, "office")
    yearly = {y["year"]: y["refugees"] for y in office["arrivals"]["yearly"]}
    assert yearly[2015] == 111.0 and yearly[2014] == pytest.approx(132.0)
    surge = surge_point(read_toml(REPO / "scenarios" / "surge_2015.toml"), 1).data
    start = surge["simulation"]["start_date"]
    window = start + dt.timedelta(days=surge["simulation"]["warmup_years"] * 365.25)
    assert abs((window - dt.date(2015, 1, 1)).days) <= 1


def test_o1_runs_surge_2015_on_the_scenario_calibrated_not_on_the_shipped_baseline():
    """`caseload calibrate other.toml --set ...` checks O1 on other.toml with its --set
    values: surge_2015's own keys (its staffing and arrivals) over them."""
    data = read_toml(BASELINE)
    data["caseworkers"]["task_time_scale"] = 0.5
    surge_file = REPO / "scenarios" / "surge_2015.toml"
    surge = on_calibrated(data, surge_file)
    assert surge["caseworkers"]["task_time_scale"] == 0.5
    shipped = read_toml(surge_file)
    assert surge["caseworkers"]["staffing"] == shipped["caseworkers"]["staffing"]
    assert surge["arrivals"] == shipped["arrivals"] and surge["name"] == "surge_2015"
    assert on_calibrated(read_toml(BASELINE), surge_file) == shipped  # the shipped report


def test_one_run_yields_what_every_target_reads():
    data = office_2015_point(read_toml(BASELINE), 1).data
    row = observe(scenario_from_dict(data, "office"), 0, 20151104)
    for key in ("caseload_per_worker_mean", "case_related_share", "resignations_per_worker_year",
                "pending_spring_2015", "stress_2015_share", "families_within_year",
                "cohort_refugee", "employed_refugee_3", "health_years", "loads"):  # fmt: skip
        assert key in row, key
    assert row["pending_spring_2015"] > 0
    assert 0.0 <= row["stress_2015_share"] <= 1.0
    assert row["employed_refugee_1"] <= row["employed_refugee_2"] <= row["employed_refugee_3"]
    assert row["employed_refugee_3"] <= row["cohort_refugee"]
    assert [y for y, _, _ in row["health_years"]] == [2015]
    assert np.isfinite(row["case_related_share"])


def test_calibrate_takes_set_for_the_report_only(capsys):
    """--set changes the scenario the report reads; with --fit or --sensitivity it is refused
    (exit 2) before any run, since those write or vary the fitted values themselves."""
    from simulator.cli import main

    for mode in ("--fit", "--sensitivity"):
        assert main(["calibrate", mode, "--set", "caseworkers.task_time_scale=0.75"]) == 2
        assert "--set is for the report" in capsys.readouterr().err


def test_a_fit_that_could_not_be_written_is_refused_before_it_starts(tmp_path, capsys):
    """A fit takes most of an hour: whatever would stop it from writing its values (an
    existing --into without --force, a missing folder, a scenario without the fitted keys
    on their lines, a budget too small to search) is an error (exit 2) before any run,
    and no file is touched. Each case fails at once, so none of them starts a fit."""
    from simulator.cli import main

    copy = tmp_path / "mine.toml"
    copy.write_text(BASELINE.read_text())
    before = copy.read_text()
    short = tmp_path / "short.toml"  # a scenario of its own that sets none of the keys
    short.write_text('extends = "baseline"\nname = "short"\n')
    cases = [
        (["--into", str(copy)], f"--into {copy}: exists; it is left as it is"),
        (["--into", str(copy), "--force"], "caseload did not write it or it has changed"),
        (["--into", str(tmp_path / "no" / "x.toml")], "no such folder"),
        (["--into", "/proc/x.toml"], "--into /proc/x.toml: cannot be written in /proc"),
        ([str(short)], "not set on a line of its own"),
        (["--fit-replications", "1"], "--fit-replications 1: at least 2"),
        (["--max-evaluations", "5"], "--max-evaluations 5: at least 18"),
    ]
    for extra, message in cases:
        assert main(["calibrate", "--fit", *extra]) == 2, extra
        assert message in capsys.readouterr().err, extra
    assert copy.read_text() == before and sorted(p.name for p in tmp_path.iterdir()) == [
        "mine.toml",
        "short.toml",
    ]
    for argv in (["--into", str(copy)], ["--force"], ["--fit", "--force"]):
        assert main(["calibrate", *argv]) == 2, argv
        capsys.readouterr()


def test_a_report_that_cannot_run_is_refused_before_any_run(tmp_path, capsys, monkeypatch):
    """A bad --set, or a scenario one of the calibration's runs cannot use (the 15-year run
    of a scenario whose quotas end sooner), is an error naming the run (exit 2) before any
    replication starts; fit-only options without --fit are refused."""
    import simulator.calibration.report as report
    from simulator.cli import main

    started = []
    monkeypatch.setattr(report, "run_points", lambda *a, **k: started.append(1) or {})
    quick = ["--replications", "2", "--municipalities", "2", "--no-checks"]
    cases = [
        (["--set", "caseworkers.weekly_hours=-5"], "caseworkers.weekly_hours"),
        (["--set", "caseworkers.nope=1"], "caseworkers.nope: unknown key"),
        (["today"], "as the calibration's stationary run"),
        (["--max-evaluations", "-5"], "--max-evaluations needs --fit"),
        (["--fit-replications", "3"], "--fit-replications needs --fit"),
    ]
    for extra, message in cases:
        assert main(["calibrate", *quick, *extra]) == 2, extra
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (extra, err)
    assert started == []


def test_calibrate_takes_a_shipped_scenario_by_name(monkeypatch):
    import simulator.calibration.report as report
    from simulator.calibration import BASELINE
    from simulator.cli import main

    read = []
    monkeypatch.setattr(report, "run_points", lambda *a, **k: (_ for _ in ()).throw(SystemExit))
    monkeypatch.setattr(report, "read_toml", lambda path: read.append(path) or {})
    monkeypatch.setattr(report, "points_for_targets", lambda *a: [])
    with pytest.raises(SystemExit):
        main(["calibrate", "baseline", "--no-checks"])
    assert read == [BASELINE]


def test_fitted_values_are_written_whole_or_not_at_all(tmp_path, monkeypatch):
    """The scenario is replaced through a temporary file renamed into place: if the rename
    fails (a full disk, Ctrl-C), the old file is intact and no temporary file is left; the
    file keeps its permissions."""
    import os

    values = prefit()
    copy = tmp_path / "mine.toml"
    copy.write_text(BASELINE.read_text())
    copy.chmod(0o640)
    before = copy.read_text()

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_fitted(copy, values)
    assert copy.read_text() == before and [p.name for p in tmp_path.iterdir()] == ["mine.toml"]
    monkeypatch.undo()
    write_fitted(copy, values)
    assert copy.read_text() != before and "fitted" in copy.read_text()
    assert copy.stat().st_mode & 0o777 == 0o640
