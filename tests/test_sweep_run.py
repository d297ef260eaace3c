"""Running sweeps: the same rows whatever the executor, resumable after a kill, robust to
runs that raise, never mixing two specs' results."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from sweep_builders import ARRIVALS, CASEWORKERS, same_results, spec, write_sweep

from simulator.cli import main
from simulator.experiments.executors import ProcessExecutor, SerialExecutor
from simulator.experiments.store import StoreError
from simulator.sweep import runner
from simulator.sweep.runner import Progress, prepare, run_sweep
from simulator.sweep.spec import load_sweep
from simulator.sweep.store import SweepStore, load_results

RUNS = 3 * 2 * 2  # caseworkers x arrivals x replications in spec()


def sweep_serially(spec_path: Path, out: Path):
    run_sweep(load_sweep(spec_path), out, SerialExecutor(), show_progress=False)
    return load_results(out)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, object]:
    """The tiny sweep, run serially in this process: (spec path, its results)."""
    folder = tmp_path_factory.mktemp("reference")
    path = write_sweep(folder)
    return path, sweep_serially(path, folder / "out")


def test_a_sweep_stores_one_row_per_run_with_factors_seed_and_metrics(reference):
    _, runs = reference
    assert len(runs) == RUNS
    assert list(runs["run_id"]) == list(range(RUNS))
    head = ["run_id", "point", "replication", "seed", "caseworkers", "arrivals"]
    assert list(runs.columns[:6]) == head
    assert (runs["status"] == "ok").all() and runs["error"].isna().all()
    assert (runs["seed"] == 11).all()
    assert runs["backlog_hours_mean"].notna().all()
    # replication by replication: the first replication of every point comes first
    assert list(runs["replication"]) == [0] * 6 + [1] * 6


def test_results_are_identical_serial_processes_and_dask(reference, tmp_path: Path):
    distributed = pytest.importorskip("distributed")
    path, serial = reference
    executor = ProcessExecutor(2)
    try:
        run_sweep(load_sweep(path), tmp_path / "p", executor, chunk=1, show_progress=False)
    finally:
        executor.close()
    same_results(load_results(tmp_path / "p"), serial)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    with cluster:
        address = cluster.scheduler_address
        out = str(tmp_path / "d")
        code = main(["sweep", str(path), "--out", out, "--scheduler", address, "--chunk", "1"])
    assert code == 0
    same_results(load_results(tmp_path / "d"), serial)


def test_common_random_numbers_give_every_point_the_same_arrivals(reference, tmp_path: Path):
    _, runs = reference
    opened = runs.pivot_table(
        index=["replication", "arrivals"], columns="caseworkers", values="cases_opened"
    )
    assert (opened.nunique(axis=1) == 1).all()  # staffing does not change who arrives
    assert opened.loc[0].ne(opened.loc[1]).any().any()  # replications differ
    path = write_sweep(tmp_path, spec(common_random_numbers=False))
    independent = sweep_serially(path, tmp_path / "out")
    assert independent["seed"].nunique() == 6  # one seed per design point
    opened = independent.pivot_table(
        index=["replication", "arrivals"], columns="caseworkers", values="cases_opened"
    )
    assert (opened.nunique(axis=1) > 1).any()


def test_a_killed_sweep_resumes_without_lost_or_duplicated_runs(tmp_path: Path):
    cw = {**CASEWORKERS, "levels": [1, 2, 3]}
    arrivals = {**ARRIVALS, "levels": [20.0, 25.0, 30.0, 35.0]}
    data = spec(replications=8, factors={"caseworkers": cw, "arrivals": arrivals})
    data["set"] = ["simulation.duration_years=1"]
    path, out = write_sweep(tmp_path, data), tmp_path / "out"
    total = 3 * 4 * 8
    options = ["--workers", "2", "--batch", "3", "--chunk", "1", "-q"]
    command = [sys.executable, "-m", "simulator", "sweep", str(path), "--out", str(out), *options]
    sweep = subprocess.Popen(command, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(list((out / "runs").glob("part-*.parquet"))) < 2:
            assert sweep.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        os.killpg(sweep.pid, signal.SIGKILL)  # the sweep, its fork server and its workers
        sweep.wait()
    assert sweep.returncode == -signal.SIGKILL
    stored = len(load_results(out))
    assert 0 < stored < total
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    parts = list((out / "runs").glob("part-*.parquet"))
    assert sum(len(pd.read_parquet(p)) for p in parts) == total  # not one row twice
    resumed = load_results(out)
    assert list(resumed["run_id"]) == list(range(total))  # none lost
    executor = ProcessExecutor(2)
    try:
        run_sweep(load_sweep(path), tmp_path / "whole", executor, show_progress=False)
    finally:
        executor.close()
    same_results(resumed, load_results(tmp_path / "whole"))


def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on(
    reference, tmp_path: Path, monkeypatch, capsys
):
    real = runner.measure

    def flaky(scenario, replication, seed, series=()):
        if scenario.caseworkers.staffing[0].caseworkers == 2 and replication == 1:
            raise RuntimeError("the queue exploded")
        return real(scenario, replication, seed, series)

    monkeypatch.setattr(runner, "measure", flaky)
    path, out = write_sweep(tmp_path), tmp_path / "out"
    command = ["sweep", str(path), "--out", str(out), "--workers", "1"]
    assert main(command) == 1
    printed = capsys.readouterr()
    assert "2 failed" in printed.out
    assert "failed: RuntimeError: the queue exploded" in printed.out
    assert printed.err == ""  # no bar off a terminal, and no line for under half a minute
    runs = load_results(out)
    failed = runs[runs["status"] == "error"]
    assert len(runs) == RUNS and len(failed) == 2
    assert set(failed["caseworkers"]) == {2} and set(failed["replication"]) == {1}
    assert (failed["error"] == "RuntimeError: the queue exploded").all()
    assert failed["backlog_hours_mean"].isna().all()
    assert main(command) == 1  # run again: nothing to do, the failures are still there
    assert "(0 run now" in capsys.readouterr().out
    monkeypatch.setattr(runner, "measure", real)
    assert main([*command, "--retry-failed"]) == 0
    assert "(2 run now" in capsys.readouterr().out
    same_results(load_results(out), reference[1])


def test_a_folder_with_another_specs_results_is_refused(reference, tmp_path: Path, capsys):
    path, out = write_sweep(tmp_path), tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "-q"]) == 0
    before = {p.name: p.read_bytes() for p in (out / "runs").iterdir()}
    write_sweep(tmp_path, spec(replications=3))
    assert main(["sweep", str(path), "--out", str(out), "-q"]) == 2
    error = capsys.readouterr().err
    assert f"{out}: holds the results of another spec ('tiny_sweep', hash" in error
    assert "never mixed" in error
    assert {p.name: p.read_bytes() for p in (out / "runs").iterdir()} == before
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert main(["sweep", str(path), "--out", str(other), "-q"]) == 2
    assert "holds no sweep results" in capsys.readouterr().err


def test_one_sweep_at_a_time_writes_a_folder_and_stale_parts_are_ignored(tmp_path: Path):
    sweep = load_sweep(write_sweep(tmp_path))
    design = prepare(sweep)
    store = SweepStore.open(tmp_path / "out", sweep, design)
    try:
        with pytest.raises(StoreError, match="another caseload process is writing to this folder"):
            SweepStore.open(tmp_path / "out", sweep, design)
        (tmp_path / "out" / "runs" / ".part-000001.tmp").write_bytes(b"half a file")
    finally:
        store.close()
    run_sweep(sweep, tmp_path / "out", SerialExecutor(), show_progress=False)
    assert not list((tmp_path / "out" / "runs").glob(".part-*"))
    assert len(load_results(tmp_path / "out")) == RUNS


def test_off_a_terminal_a_long_sweep_prints_a_line_every_half_minute(monkeypatch):
    import simulator.reporting.progress as progress

    clock = [0.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    log = io.StringIO()  # a log file, nohup, a batch system: no bar can be drawn there
    bar = Progress(10, 4, file=log)
    bar.advance(1, 0)
    clock[0] = 29.0
    bar.advance(1, 0)
    assert log.getvalue() == ""  # work shorter than half a minute prints nothing
    clock[0] = 31.0
    bar.advance(2, 1)
    clock[0] = 95.0
    bar.advance(1, 0)
    bar.close()
    assert log.getvalue().splitlines() == [
        "caseload sweep: 8 of 10 runs done, 1 failed; 31 s so far",
        "caseload sweep: 9 of 10 runs done, 1 failed; 1 min 35 s so far",
    ]


def test_the_progress_bar_shows_runs_failures_and_time_left():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = Progress(10, 4, file=screen)
    bar.advance(2, 1)
    bar.close()
    shown = screen.getvalue()
    assert "6/10 runs, 1 failed" in shown
    assert "<" in shown  # elapsed<remaining
