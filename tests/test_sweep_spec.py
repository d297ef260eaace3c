"""Sweep specs are validated like scenarios, and designs cover the space as they promise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from sweep_builders import ARRIVALS, BASE, CASEWORKERS, DUMMY, START, spec, write_sweep

from simulator.cli import main
from simulator.experiments.executors import SerialExecutor
from simulator.scenario.keys import with_value
from simulator.sweep.design import build_design, from_unit
from simulator.sweep.runner import prepare, run_sweep
from simulator.sweep.spec import Factor, SweepError, load_sweep
from simulator.sweep.store import load_results

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "scenarios" / "sweeps" / "staffing_vs_arrivals.toml"


def error_of(tmp_path: Path, data: dict) -> str:
    path = write_sweep(tmp_path, data)
    with pytest.raises(SweepError) as error:
        prepare(load_sweep(path))
    return str(error.value)


def test_shipped_sweep_is_valid_and_varies_staff_and_arrivals():
    sweep = load_sweep(SHIPPED)
    design = build_design(sweep)
    assert sweep.base.name == "baseline"
    assert {n: f.kind for n, f in sweep.factors.items()} == {
        "caseworkers": "lever",
        "refugees_per_month": "uncertainty",
    }
    assert len(design) == 5 * 4  # full factorial
    scenario = sweep.scenario({"caseworkers": 6, "refugees_per_month": 15.0}, "test")
    assert scenario.caseworkers.staffing[0].caseworkers == 6
    assert scenario.arrivals.per_month == 15.0
    assert scenario.caseworkers.weekly_hours == sweep.base.caseworkers.weekly_hours


def test_a_typo_in_a_factor_key_names_the_file_the_factor_and_the_fix(tmp_path: Path):
    factor = {"key": "caseworkers.weekly_hour", "kind": "lever", "levels": [30.0, 37.0]}
    message = error_of(tmp_path, spec(factors={"hours": factor}))
    assert str(tmp_path / "spec.toml") in message
    assert "factors.hours (caseworkers.weekly_hour = 30.0)" in message
    assert "unknown key; did you mean 'weekly_hours'?" in message


def test_a_level_out_of_range_fails_before_any_run(tmp_path: Path):
    bad = {**CASEWORKERS, "levels": [1, 0]}
    message = error_of(tmp_path, spec(factors={"caseworkers": bad}))
    assert "factors.caseworkers (caseworkers.staffing.0.caseworkers = 0)" in message
    assert "greater than or equal to 1" in message


def test_both_ends_of_a_range_are_checked(tmp_path: Path):
    hours = {"key": "caseworkers.weekly_hours", "kind": "lever", "range": [20.0, 90.0]}
    design = {"kind": "latin_hypercube", "n": 4}
    message = error_of(tmp_path, spec(factors={"hours": hours}, design=design))
    assert "factors.hours (caseworkers.weekly_hours = 90.0)" in message


def test_a_list_index_past_the_end_is_named(tmp_path: Path):
    bad = {**CASEWORKERS, "key": "caseworkers.staffing.3.caseworkers"}
    message = error_of(tmp_path, spec(factors={"caseworkers": bad}))
    assert "caseworkers.staffing.3: the list has 1 entries (indexes 0 to 0)" in message


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"replication": 2}, "replication: unknown key; did you mean 'replications'?"),
        ({"design": {"kind": "sobol", "n": 12}}, "design: a sobol design needs 'n' a power of 2"),
        ({"design": {"kind": "latin_hypercube"}}, "a latin_hypercube design needs 'n'"),
        ({"design": {"kind": "grid"}}, "design.kind: Input should be 'full_factorial'"),
        (
            {"factors": {"caseworkers": {**CASEWORKERS, "levels": [1, "two"]}}},
            "factors.caseworkers: 'levels' must be all numbers, all strings or all true/false",
        ),
        (
            {"factors": {"caseworkers": {**CASEWORKERS, "range": [1, 3]}}},
            "factors.caseworkers: give either 'levels' or 'range' (not both)",
        ),
        (
            {"factors": {"caseworkers": {**CASEWORKERS, "levels": None, "range": [1, 3]}}},
            "factors.caseworkers: a range in a full factorial needs 'steps'",
        ),
        (
            {"factors": {"caseworkers": {**CASEWORKERS, "kind": "policy"}}},
            "factors.caseworkers.kind: Input should be 'lever' or 'uncertainty'",
        ),
        (
            {"factors": {"caseworkers": {**CASEWORKERS, "levles": [1]}}},
            "factors.caseworkers.levles: unknown key; did you mean 'levels'?",
        ),
        ({"factors": {"status": CASEWORKERS}}, "factors.status: the name is taken"),
        ({"factors": {"a": ARRIVALS, "b": ARRIVALS}}, "two factors set the same key"),
        ({"replications": 0}, "replications: Input should be greater than or equal to 1"),
    ],
)
def test_spec_mistakes_are_reported_with_the_key(tmp_path: Path, changes: dict, expected: str):
    message = error_of(tmp_path, spec(**changes))
    assert message.startswith(f"{tmp_path / 'spec.toml'}: ")
    assert expected in message


def test_the_command_exits_2_on_a_bad_spec_and_writes_nothing(tmp_path: Path, capsys):
    path = write_sweep(tmp_path, spec(seed=-1))
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    assert "seed: Input should be greater than or equal to 0" in capsys.readouterr().err
    assert not out.exists()


def test_a_combination_that_is_invalid_fails_before_any_run(tmp_path: Path):
    duration = {"key": "simulation.duration_years", "kind": "uncertainty", "levels": [0.3, 0.5]}
    warmup = {"key": "simulation.warmup_years", "kind": "uncertainty", "levels": [0.1, 0.4]}
    message = error_of(tmp_path, spec(factors={"duration": duration, "warmup": warmup}))
    assert "design point 1 {'duration': 0.3, 'warmup': 0.4}" in message
    assert "warmup_years must be shorter than duration_years" in message


def test_setting_a_list_entry_changes_only_that_entry():
    data = {"caseworkers": {"staffing": [{"date": 1, "caseworkers": 2}, {"date": 2, "n": 3}]}}
    changed = with_value(data, ["caseworkers", "staffing", "1", "caseworkers"], 5)
    assert changed["caseworkers"]["staffing"] == [
        {"date": 1, "caseworkers": 2},
        {"date": 2, "n": 3, "caseworkers": 5},
    ]
    assert data["caseworkers"]["staffing"][1] == {"date": 2, "n": 3}  # the base is untouched


def test_an_arrival_schedule_from_a_factor_replaces_the_base_schedule():
    changed = with_value(BASE, ["arrivals", "monthly"], [3, 4])
    assert "per_month" not in changed["arrivals"]
    assert changed["arrivals"]["monthly"] == [3, 4]


def test_full_factorial_has_every_combination_once(tmp_path: Path):
    sweep = load_sweep(write_sweep(tmp_path, spec(factors={"c": CASEWORKERS, "d": DUMMY})))
    design = build_design(sweep)
    assert list(design["point"]) == list(range(6))
    assert sorted(zip(design["c"], design["d"], strict=True)) == sorted(
        (c, d) for c in [1, 2, 3] for d in ["a", "b"]
    )


def test_latin_hypercube_hits_every_stratum_of_every_factor_once(tmp_path: Path):
    hours = {"key": "caseworkers.weekly_hours", "kind": "lever", "range": [20.0, 40.0]}
    arrivals = {**ARRIVALS, "levels": None, "range": [10.0, 50.0]}
    data = spec(factors={"hours": hours, "arrivals": arrivals})
    data["design"] = {"kind": "latin_hypercube", "n": 10}
    sweep = load_sweep(write_sweep(tmp_path, data))
    design = build_design(sweep)
    assert len(design) == 10
    assert sorted(np.floor((design["hours"] - 20) / 20 * 10).astype(int)) == list(range(10))
    assert sorted(np.floor((design["arrivals"] - 10) / 40 * 10).astype(int)) == list(range(10))
    assert build_design(sweep).equals(design)  # seeded: the same points again


def test_sobol_design_has_saltelli_size_and_integer_levels(tmp_path: Path):
    cw = {**CASEWORKERS, "levels": None, "range": [1, 3]}
    data = spec(factors={"caseworkers": cw, "arrivals": ARRIVALS, "dummy": DUMMY})
    data["design"] = {"kind": "sobol", "n": 8}
    design = build_design(load_sweep(write_sweep(tmp_path, data)))
    assert len(design) == 8 * (3 + 2)
    assert set(design["caseworkers"]) == {1, 2, 3}
    assert design["caseworkers"].dtype == "int64"
    assert set(design["arrivals"]) == {20.0, 30.0}
    assert set(design["dummy"]) == {"a", "b"}


def test_levels_from_the_unit_interval_are_equally_likely():
    factor = Factor(key="x", kind="lever", levels=[1, 2, 3, 4])
    values = from_unit(factor, (np.arange(400) + 0.5) / 400)
    assert [values.count(v) for v in [1, 2, 3, 4]] == [100, 100, 100, 100]
    integer = Factor(key="x", kind="lever", range=[0, 1])
    assert from_unit(integer, np.array([0.0, 0.49, 0.5, 1.0])) == [0, 0, 1, 1]


def test_a_missing_or_broken_spec_file_is_named(tmp_path: Path):
    with pytest.raises(SweepError, match="no such sweep spec file"):
        load_sweep(tmp_path / "nowhere.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n", encoding="utf-8")
    with pytest.raises(SweepError, match=f"{broken}: not valid TOML: "):
        load_sweep(broken)
    path = write_sweep(tmp_path, spec(base="missing.toml"))
    with pytest.raises(SweepError, match=f"{path}: base: .*missing.toml: no such scenario file"):
        load_sweep(path)


def test_a_factor_may_not_set_the_sweeps_own_seed(tmp_path: Path):
    seed = {"key": "simulation.seed", "kind": "uncertainty", "levels": [1, 2]}
    message = error_of(tmp_path, spec(factors={"seed_factor": seed}))
    assert "simulation.seed is set by the sweep's own 'seed' and 'replications'" in message


def test_labels_and_descriptions_do_not_change_the_hash(tmp_path: Path):
    first = load_sweep(write_sweep(tmp_path, spec()))
    relabelled = spec(description="other words")
    relabelled["factors"]["caseworkers"]["label"] = "Staff"
    second = load_sweep(write_sweep(tmp_path, relabelled, name="other.toml"))
    assert first.digest() == second.digest()
    third = load_sweep(write_sweep(tmp_path, spec(seed=12), name="third.toml"))
    assert third.digest() != first.digest()


def test_a_log_range_spreads_points_by_ratio(tmp_path: Path):
    hours = {"key": "tasks.reception.duration_hours.mean", "kind": "uncertainty"}
    factors = {"hours": {**hours, "range": [1.0, 100.0], "steps": 3, "log": True}}
    sweep = load_sweep(write_sweep(tmp_path, spec(factors=factors)))
    assert list(build_design(sweep)["hours"]) == pytest.approx([1.0, 10.0, 100.0])
    factors = {"hours": {**hours, "range": [1.0, 100.0], "log": True}}
    data = spec(factors=factors, design={"kind": "latin_hypercube", "n": 200})
    values = build_design(load_sweep(write_sweep(tmp_path, data)))["hours"]
    assert 0.4 < (values < 10.0).mean() < 0.6  # half the points in each decade
    bad = spec(factors={"hours": {**hours, "range": [0.0, 100.0], "steps": 3, "log": True}})
    with pytest.raises(SweepError, match="low > 0"):
        load_sweep(write_sweep(tmp_path, bad))


PLANS = {
    "steady": {"caseworkers.staffing": [{"date": START, "caseworkers": 1}]},
    "hire": {
        "caseworkers.staffing": [
            {"date": START, "caseworkers": 1},
            {"date": START + dt.timedelta(days=28), "caseworkers": 3},
        ],
        "caseworkers.weekly_hours": 37.0,
    },
}


def test_structured_factors_set_variants_several_keys_or_a_scaled_list(tmp_path: Path):
    factors = {
        "plan": {"kind": "lever", "variants": PLANS},
        "deadlines": {
            "kind": "uncertainty",
            "keys": ["tasks.reception.deadline_days", "tasks.reception.duration_hours.mean"],
            "levels": [5.0, 8.0],
        },
    }
    sweep = load_sweep(write_sweep(tmp_path, spec(factors=factors)))
    design = build_design(sweep)
    assert list(design["plan"].unique()) == ["steady", "hire"]  # the names are the values
    hire = sweep.scenario({"plan": "hire", "deadlines": 8.0}, "<test>")
    assert [s.caseworkers for s in hire.caseworkers.staffing] == [1, 3]
    assert hire.caseworkers.weekly_hours == 37.0
    assert hire.tasks["reception"].deadline_days == 8.0
    assert hire.tasks["reception"].duration_hours.mean_ == 8.0
    out = tmp_path / "out"
    run_sweep(sweep, out, SerialExecutor(), show_progress=False)
    runs = load_results(out)
    assert set(runs["plan"]) == {"steady", "hire"}
    backlog = runs.groupby("plan")["backlog_hours_mean"].mean()
    assert backlog["hire"] < backlog["steady"]  # three caseworkers from the fifth week
    scale = {"key": "caseworkers.staffing", "scale": "caseworkers", "kind": "lever"}
    sweep = load_sweep(write_sweep(tmp_path, spec(factors={"s": {**scale, "levels": [2.0, 3.0]}})))
    assert sweep.scenario({"s": 3.0}, "<test>").caseworkers.staffing[0].caseworkers == 3


@pytest.mark.parametrize(
    ("factor", "message"),
    [
        ({"kind": "lever", "variants": {"a": {"caseworkers.weekly_hour": 30.0}}}, "weekly_hour"),
        ({"kind": "lever", "variants": PLANS, "levels": ["a"]}, "give no 'levels'"),
        ({"kind": "lever", "key": "arrivals.per_month", "variants": PLANS}, "give one of"),
        ({"kind": "lever", "key": "arrivals.per_month", "scale": "x", "levels": [2.0]}, "scale"),
        ({"kind": "lever", "keys": [], "levels": [1.0]}, "'keys' must name"),
    ],
)
def test_structured_factors_are_validated(tmp_path: Path, capsys, factor, message):
    path = write_sweep(tmp_path, spec(factors={"f": factor}))
    assert main(["sweep", str(path), "--check"]) == 2
    assert message in capsys.readouterr().err
