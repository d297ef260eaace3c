"""Numbers that make sense or a clear error: no inf or nan anywhere a number is read, seeds
that fit, and runs too large for any machine stopped before they start.

The worst inputs the probes found (a rate of 10^9 a year, 10^7 refugees a month, 100,000
caseworkers, a follow-up every ten seconds, 10^9 replications, a sweep of 10^11 points)
run here in a separate process under a hard memory limit: each must end in seconds with
exit status 2 and a message naming its cause.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweep_builders import ARRIVALS, CASEWORKERS, spec, write_sweep

from simulator.cli import main

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"


def one_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("caseload: error:") == 1 and "Traceback" not in err
    return err


NON_FINITE = [
    ("caseworkers.weekly_hours", "inf"),
    ("arrivals.per_month", "inf"),
    ("arrivals.per_month", "nan"),
    ("simulation.duration_years", "inf"),
    ("simulation.warmup_years", "nan"),
    ("tasks.one_off_benefit.trigger.per_year", "inf"),
    ("stress.threshold", "inf"),
    ("turnover.notice_days", "nan"),
    ("reunification.spouse_share", "nan"),
    ("tasks.reception.duration_hours.mean", "inf"),
    ("tasks.follow_up.trigger.days", "-inf"),
    ("absence.sick_leave.days_per_year", "inf"),
]


@pytest.mark.parametrize(("key", "value"), NON_FINITE)
def test_inf_and_nan_from_the_command_line_are_refused_with_the_key(key, value, capsys):
    assert main(["validate", str(BASELINE), "--set", f"{key}={value}"]) == 2
    assert f"\n  {key}: Input should be a finite number" in one_error(capsys)


def test_inf_and_nan_in_a_scenario_file_are_refused_with_the_key(tmp_path: Path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(
        f'extends = "{BASELINE}"\nname = "s"\n[caseworkers]\nweekly_hours = inf\n'
        "[tasks.reception]\nduration_hours = { dist = 'lognormal', mean = 1.0, sd = nan }\n"
    )
    assert main(["validate", str(path)]) == 2
    err = one_error(capsys)
    assert "caseworkers.weekly_hours: Input should be a finite number (got inf)" in err
    assert "tasks.reception.duration_hours.sd: Input should be a finite number (got nan)" in err


@pytest.mark.parametrize("seed", [2**63, 2**64 + 5, -1])
def test_seeds_outside_the_int64_range_are_refused_everywhere(seed, tmp_path: Path, capsys):
    assert main(["validate", str(BASELINE), "--set", f"simulation.seed={seed}"]) == 2
    assert "simulation.seed:" in one_error(capsys)
    out = str(tmp_path / "o")
    assert main(["run", str(BASELINE), "--seed", str(seed), "-q", "--out", out]) == 2
    assert "seed" in one_error(capsys)
    argv = ["compare", str(BASELINE), str(BASELINE), "--seed", str(seed), "-q", "--out", out]
    assert main(argv) == 2
    assert "seed" in one_error(capsys)
    path = write_sweep(tmp_path, spec(seed=seed))
    assert main(["sweep", str(path), "--check"]) == 2
    assert "\n  seed: " in one_error(capsys)
    assert not (tmp_path / "o").exists()


def test_the_largest_seed_still_runs_and_is_stored(tmp_path: Path):
    path = write_sweep(tmp_path, spec(seed=2**63 - 1))
    out = tmp_path / "s"
    assert main(["sweep", str(path), "--out", str(out), "-q", "--workers", "1"]) == 0
    assert main(["analyze", str(out), "-q"]) == 0


def test_sweep_levels_that_are_not_finite_are_refused(tmp_path: Path, capsys):
    factors = {"arrivals": {**ARRIVALS, "levels": [20.0, float("inf")]}}
    path = write_sweep(tmp_path, spec(factors=factors))
    assert main(["sweep", str(path), "--check"]) == 2
    assert "factors.arrivals: 'levels' must be finite numbers" in one_error(capsys)
    factors = {"arrivals": {**ARRIVALS, "levels": None, "range": [20.0, float("nan")]}}
    path = write_sweep(tmp_path, spec(factors=factors, design={"kind": "latin_hypercube", "n": 4}))
    assert main(["sweep", str(path), "--check"]) == 2
    assert "factors.arrivals: 'range' must be finite numbers" in one_error(capsys)


@pytest.mark.parametrize(
    "option",
    [
        ["--caseload-limit", "inf"],
        ["--caseload-limit", "nan"],
        ["--on-time", "nan"],
        ["--confidence", "inf"],
        ["--arrivals-range", "0.5,inf"],
        ["--arrivals-range", "nan,1.5"],
    ],
    ids=lambda option: " ".join(option),
)
def test_inf_and_nan_plan_options_are_refused(option: list[str], capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["plan", str(BASELINE), *option])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option[0]}" in err and "Traceback" not in err


def test_a_plan_too_large_stops_before_it_starts(tmp_path: Path, capsys):
    out = tmp_path / "o"
    argv = ["plan", str(BASELINE), "-q", "--out", str(out), "--workers", "1"]
    started = time.perf_counter()
    assert main([*argv, "--set", "caseworkers.staffing.0.caseworkers=100000"]) == 2
    err = one_error(capsys)
    assert f"{BASELINE}: the run would be too large" in err and "100,000 caseworkers" in err
    assert main([*argv, "--arrivals-range", "1,100000"]) == 2  # the planned range's high end
    assert "arrivals: about" in one_error(capsys)
    assert main([*argv, "--until", "2200-01-01"]) == 2  # the runs last until --until
    assert "simulation.duration_years: a horizon of 188 years" in one_error(capsys)
    assert main([*argv, "--until", "9999-12-31"]) == 2
    assert "--until 9999-12-31 is after 2262-04-10, the last date" in one_error(capsys)
    assert time.perf_counter() - started < 10 and not out.exists()


def test_more_worker_processes_than_the_machine_can_hold_are_refused(tmp_path: Path, capsys):
    path = write_sweep(tmp_path, spec())
    for argv in (
        ["sweep", str(path), "-q", "--workers", "100000", "--out", str(tmp_path / "o")],
        ["plan", str(BASELINE), "-q", "--workers", "100000", "--out", str(tmp_path / "o")],
        ["run", str(BASELINE), "-q", "--workers", "100000", "--out", str(tmp_path / "o")],
        ["compare", str(BASELINE), str(BASELINE), "-q", "--workers", "100000",
         "--out", str(tmp_path / "o")],
    ):  # fmt: skip
        assert main(argv) == 2
        assert "--workers: 100,000 processes for" in one_error(capsys)
        assert not (tmp_path / "o").exists()


def test_cases_open_at_the_start_count_towards_the_limits(capsys):
    today = REPO / "scenarios" / "today.toml"
    assert main(["validate", str(today)]) == 0
    capsys.readouterr()
    huge = "initial_state.open_cases=[{takeover=2014-06-01, cases=100000000}]"
    none_waiting = "initial_state.waiting_tasks=[]"  # theirs are on cases of caseworkers
    assert main(["validate", str(today), "--set", huge, "--set", none_waiting]) == 2
    err = one_error(capsys)
    assert "initial_state: 1e+08 cases open at the start" in err


def test_a_lognormal_spread_that_would_overflow_is_refused_with_the_key(capsys):
    change = "tasks.reception.duration_hours={dist='lognormal', mean=2.0, sd=1e155}"
    assert main(["validate", str(BASELINE), "--set", change]) == 2
    err = one_error(capsys)
    assert "tasks.reception.duration_hours: sd: 1e+155 is more than 100 times the mean" in err


def test_validate_states_the_size_of_a_run(capsys):
    assert main(["validate", str(BASELINE)]) == 0
    out = capsys.readouterr().out
    assert "cases," in out and "tasks and" in out and "of memory" in out


@pytest.mark.parametrize(
    ("change", "cause"),
    [
        ("arrivals.per_month=1e7", "arrivals: about"),
        ("tasks.one_off_benefit.trigger.per_year=1e9", "most of them tasks.one_off_benefit"),
        ("tasks.follow_up.trigger.days=0.0001", "most of them tasks.follow_up"),
        ("caseworkers.staffing.0.caseworkers=100000", "caseworkers.staffing: 100,000"),
        ("tasks.coordination.repeat={probability=0.99999, delay_days={dist='fixed', value=1}}",
         "tasks."),
    ],
)  # fmt: skip
def test_a_run_too_large_stops_before_it_starts_naming_the_cause(change, cause, tmp_path, capsys):
    started = time.perf_counter()
    out = tmp_path / "o"
    assert main(["run", str(BASELINE), "--set", change, "-q", "--out", str(out)]) == 2
    err = one_error(capsys)
    assert f"{BASELINE}: the run would be too large" in err
    assert cause in err and "(estimate: about" in err and "--no-limits" in err
    assert time.perf_counter() - started < 10 and not out.exists()


def test_too_many_replications_are_stopped_by_their_memory(tmp_path: Path, capsys):
    out = str(tmp_path / "o")
    assert main(["run", str(BASELINE), "--replications", "1000000000", "-q", "--out", out]) == 2
    assert "GB of memory for 1,000,000,000 replications" in one_error(capsys)


def test_no_limits_lets_a_user_who_means_it_run_a_large_run(tmp_path: Path, capsys):
    args = ["--set", "caseworkers.staffing.0.caseworkers=20000", "--set", "arrivals.per_month=0.1"]
    quick = ["--set", "simulation.duration_years=0.05", "--set", "simulation.warmup_years=0"]
    argv = ["run", str(BASELINE), *args, *quick, "--replications", "1", "-q", "--no-figures"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 2
    one_error(capsys)
    assert main([*argv, "--out", str(tmp_path / "b"), "--no-limits"]) == 0


def test_sweeps_too_large_are_stopped_before_the_design_is_built(tmp_path: Path, capsys):
    path = write_sweep(tmp_path, spec(design={"kind": "latin_hypercube", "n": 10**9}))
    assert main(["sweep", str(path), "--check"]) == 2
    assert "the design asks for 2,000,000,000 runs" in one_error(capsys)
    path = write_sweep(tmp_path, spec(design={"kind": "morris", "n": 10**8}))
    assert main(["sweep", str(path), "--check"]) == 2
    assert "the design asks for 600,000,000 runs" in one_error(capsys)  # n (k + 1) points, 2 each
    path = write_sweep(tmp_path, spec(replications=10**9))
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "-q"]) == 2
    assert "the design asks for 6,000,000,000 runs" in one_error(capsys)
    factors = {"caseworkers": {**CASEWORKERS, "levels": [1, 200_000]}, "arrivals": ARRIVALS}
    path = write_sweep(tmp_path, spec(factors=factors))
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "-q"]) == 2
    err = one_error(capsys)
    assert "design point" in err and "caseworkers.staffing: 200,000 caseworkers" in err
    assert not (tmp_path / "o").exists()


WORST = [
    ["run", str(BASELINE), "--set", "tasks.one_off_benefit.trigger.per_year=1e9"],
    ["run", str(BASELINE), "--set", "arrivals.per_month=1e7"],
    ["run", str(BASELINE), "--set", "caseworkers.staffing.0.caseworkers=100000"],
    ["run", str(BASELINE), "--set", "tasks.follow_up.trigger.days=1e-4"],
    ["run", str(BASELINE), "--replications", "1000000000"],
    ["run", str(BASELINE), "--replications", "auto", "--max-replications", "1000000000"],
    ["run", str(BASELINE), "--set", "simulation.duration_years=1000"],
    ["run", str(BASELINE), "--set", "tasks.reception.deadline_days=1e300"],
    ["compare", str(BASELINE), str(BASELINE), "--replications", "1000000000"],
    ["plan", str(BASELINE), "--set", "arrivals.per_month=1e7"],
    ["plan", str(BASELINE), "--arrivals-range", "1,1e6"],
]
MEMORY_LIMIT = 2 * 2**30  # address space: the interpreter, numpy, pandas and a margin


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.skipif(sys.platform == "win32", reason="limits memory with setrlimit")
@pytest.mark.parametrize("argv", WORST, ids=lambda a: " ".join(a[2:])[:60])
def test_the_worst_inputs_end_quickly_under_a_memory_limit(argv: list[str], tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "simulator", *argv, "-q", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
        preexec_fn=_limit_memory,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    assert done.stderr.count("caseload: error:") == 1
    assert time.perf_counter() - started < 60
    assert list(tmp_path.iterdir()) == []


def test_plans_and_calibrations_of_a_misplaced_digit_are_stopped_before_any_run(
    tmp_path: Path, capsys
):
    """A plan's --max-replications and calibrate's counts have the sweep's limit of a
    million runs, refused before any run starts (10,000,000 ran for days)."""
    out = tmp_path / "plan"
    assert main(["plan", str(BASELINE), "--max-replications", "10000000", "--out", str(out)]) == 2
    assert "plan: --max-replications asks for up to 10,000,000 runs" in one_error(capsys)
    assert not out.exists()
    assert main(["calibrate", "--replications", "2000000"]) == 2
    assert "calibrate: --replications 2,000,000: asks for at least" in one_error(capsys)
    into = tmp_path / "fitted.toml"
    argv = ["calibrate", "--fit", "--fit-replications", "100000", "--into", str(into)]
    assert main(argv) == 2
    assert "calibrate --fit: --fit-replications times --max-evaluations ask for" in one_error(
        capsys
    )
    assert list(tmp_path.iterdir()) == []


def test_the_work_ratio_halves_with_twice_the_caseworkers_and_grows_with_arrivals():
    """`work_ratio` (the app's guard against settings far past capacity): the casework
    hours are in the denominator, the work of the arrivals in the numerator."""
    import simulator as cl

    def ratio(caseworkers: int, per_month: float) -> float:
        return cl.work_ratio(
            cl.load_scenario(
                BASELINE,
                overrides=[
                    f"caseworkers.staffing.0.caseworkers={caseworkers}",
                    f"arrivals.per_month={per_month}",
                ],
            )
        )

    assert ratio(8, 11.0) == pytest.approx(ratio(4, 11.0) / 2, rel=1e-9)
    assert ratio(4, 22.0) > 1.8 * ratio(4, 11.0)
