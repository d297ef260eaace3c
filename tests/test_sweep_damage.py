"""Sweeps that survive damage: checksummed parts, quarantine, rerun, no orphaned workers.

A part cut short, emptied or with flipped bytes is never read silently: resuming moves it
into quarantine/, outside runs/, says so, and runs its runs again (the same rows, bit for bit);
`analyze` skips it and says so. A part of the weekly series likewise, but its runs are run
again for that series only, and what is said of it is that series, not the runs, missing.
Killing the sweep's main process, however, leaves no worker behind (nor does SIGTERM of
the planner); SIGTERM during `run`, `compare` or `plan` leaves no temporary folder.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import tomli_w
from processes import descendants, survivors
from sweep_builders import BASE, same_results, spec, write_sweep

from simulator.cli import main
from simulator.sweep.store import load_results

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.toml"
RUNS = 12  # spec(): 3 caseworkers x 2 arrivals x 2 replications


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> tuple[Path, Path, pd.DataFrame]:
    """A finished sweep written one run per part: (spec, folder, its rows)."""
    folder = tmp_path_factory.mktemp("stored")
    path, out = write_sweep(folder), folder / "out"
    argv = ["sweep", str(path), "--out", str(out), "-q", "--workers", "1", "--batch", "1"]
    assert main(argv) == 0
    return path, out, load_results(out)


def copy_of(stored, tmp_path: Path) -> tuple[Path, Path]:
    import shutil

    path, out, _ = stored
    shutil.copytree(path.parent, tmp_path / "sweep")
    return tmp_path / "sweep" / path.name, tmp_path / "sweep" / out.name


def damage(part: Path, how: str, rng: random.Random | None = None) -> None:
    data = bytearray(part.read_bytes())
    if how == "truncate":
        data = data[: len(data) // 2]
    elif how == "empty":
        data = bytearray()
    elif how == "flip":
        at = len(data) // 3
        data[at : at + 4] = bytes(b ^ 0xFF for b in data[at : at + 4])
    elif how == "random":
        assert rng is not None
        at = rng.randrange(len(data) - 4)
        data[at : at + 4] = rng.randbytes(4)
    part.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["truncate", "empty", "flip"])
def test_a_damaged_part_is_quarantined_and_its_runs_run_again(how, stored, tmp_path, capsys):
    path, out = copy_of(stored, tmp_path)
    part = out / "runs" / "part-000003.parquet"
    damage(part, how)
    argv = ["sweep", str(path), "--out", str(out), "--workers", "1"]
    assert main(argv) == 0
    shown = capsys.readouterr().out
    assert "damaged part moved to" in shown and "part-000003.parquet" in shown
    assert "(1 run now" in shown
    assert (out / "quarantine" / "part-000003.parquet").is_file()
    same_results(load_results(out), stored[2])  # every run once, the same rows
    assert main(argv) == 0 and "(0 run now" in capsys.readouterr().out


def test_a_quiet_sweep_still_says_what_it_repaired(stored, tmp_path, capsys):
    """-q: on stderr the console's lines of what resuming repaired (`Outcome.details`),
    without its first and last lines; nothing on stdout."""
    path, out = copy_of(stored, tmp_path)
    damage(out / "runs" / "part-000003.parquet", "truncate")
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "-q"]) == 0
    said = capsys.readouterr()
    lines = said.err.splitlines()
    assert said.out == "" and len(lines) == 1
    assert lines[0].startswith("  damaged part moved to ") and "part-000003.parquet" in lines[0]


@pytest.mark.parametrize("how", ["truncate", "flip"])
def test_pandas_reads_the_runs_folder_after_a_part_is_quarantined(how, stored, tmp_path):
    """docs/sweeps.md tells users to read `pandas.read_parquet(DIR / "runs")`: a damaged
    part moved aside must not break it, so it goes to DIR/quarantine/, outside runs/
    (inside, pyarrow read it as one more part and failed). The good rows are read."""
    from simulator.experiments.store import Store

    _, out = copy_of(stored, tmp_path)
    damage(out / "runs" / "part-000003.parquet", how)
    store = Store.open(out, {})  # what resuming does first: check and quarantine
    store.close()
    assert [q.split(":")[0] for q in store.quarantined] == ["part-000003.parquet"]
    rows = pd.read_parquet(out / "runs").sort_values("run_id").reset_index(drop=True)
    good = stored[2][stored[2]["run_id"] != 2].reset_index(drop=True)  # part 3 held run 2
    assert len(rows) == RUNS - 1
    same_results(rows[good.columns], good)
    assert (out / "quarantine" / "part-000003.parquet").is_file()
    assert not (out / "runs" / "quarantine").exists()


def test_parts_an_earlier_version_quarantined_inside_runs_are_moved_out(stored, tmp_path):
    """A folder whose damaged part sits in runs/quarantine/ (as earlier versions put it)
    broke `pandas.read_parquet(DIR / "runs")`; resuming moves it to DIR/quarantine/."""
    path, out = copy_of(stored, tmp_path)
    old = out / "runs" / "quarantine"
    old.mkdir()
    (out / "runs" / "part-000003.parquet").rename(old / "part-000003.parquet")
    damage(old / "part-000003.parquet", "truncate")
    (out / "quarantine").mkdir()
    (out / "quarantine" / "part-000003.parquet").write_bytes(b"an earlier one")
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "-q"]) == 0
    assert not old.exists()
    assert (out / "quarantine" / "part-000003.parquet").read_bytes() == b"an earlier one"
    assert (out / "quarantine" / "part-000003.1.parquet").is_file()  # never overwritten
    assert len(pd.read_parquet(out / "runs").drop_duplicates("run_id")) == RUNS


def test_random_corruptions_never_change_a_value_silently(stored, tmp_path: Path):
    """The probe flipped 4 random bytes of a part 401 times: 16 changed values unseen."""
    _, out, rows = stored
    part = out / "runs" / "part-000005.parquet"
    original = part.read_bytes()
    reference = rows.set_index("run_id").loc[[4]].reset_index()
    rng = random.Random(15)
    seen = {"rejected": 0, "unchanged": 0}
    target = tmp_path / "part-000001.parquet"
    from simulator.experiments.store import DamagedPart, read_part

    for _ in range(150):
        target.write_bytes(original)
        damage(target, "random", rng)
        try:
            table = read_part(target).to_pandas()
        except DamagedPart:
            seen["rejected"] += 1
            continue
        same_results(table[reference.columns], reference)  # bytes changed, values did not
        seen["unchanged"] += 1
    assert seen["rejected"] > 100


def test_a_part_without_its_checksum_is_not_trusted(stored, tmp_path: Path, capsys):
    path, out = copy_of(stored, tmp_path)
    part = out / "runs" / "part-000002.parquet"
    table = pq.read_table(part)
    pq.write_table(table.replace_schema_metadata(None), part)  # rows edited by another tool
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    assert "its checksum is missing" in capsys.readouterr().out


def test_analyze_skips_a_damaged_part_and_says_so(stored, tmp_path: Path, capsys):
    _, out = copy_of(stored, tmp_path)
    damage(out / "runs" / "part-000004.parquet", "truncate")
    before = (out / "runs" / "part-000004.parquet").read_bytes()
    assert main(["analyze", str(out), "-q"]) == 0
    err = capsys.readouterr().err
    assert "skipped a damaged part of the results" in err and "part-000004" in err
    assert "Traceback" not in err
    report = (out / "analysis" / "report.md").read_text()
    assert "damaged part(s) of the results were skipped" in report
    assert (out / "runs" / "part-000004.parquet").read_bytes() == before  # left where it was
    with pytest.warns(UserWarning, match="skipped a damaged part"):
        assert len(load_results(out)) == RUNS - 1


# what each command that reads a sweep's runs needs besides the folder
READERS = {
    "analyze": [],
    "robustness": [],
    "discover": ["--metric", "statutory_on_time_share", "--below", "0.95"],
}


def needs_the_workbench(command: str) -> None:
    if command == "discover":
        pytest.importorskip("ema_workbench", reason="scenario discovery needs the research extra")


@pytest.mark.parametrize("quiet", [[], ["-q"]], ids=["loud", "quiet"])
@pytest.mark.parametrize("command", list(READERS))
def test_every_reader_of_a_sweep_says_a_damaged_part_left_runs_out(
    command, quiet, stored, tmp_path: Path, capsys
):
    """robustness and discover read the runs as analyze does, skipping a damaged part, but
    said nothing of it: a ranking of policies or a box resting on fewer runs than the
    design looked whole. Each says, on stderr also when quiet, which part was skipped, how
    many runs are missing and where running the sweep again moves the part; and report.md
    says it too."""
    needs_the_workbench(command)
    _, out = copy_of(stored, tmp_path)
    damage(out / "runs" / "part-000004.parquet", "truncate")
    written = tmp_path / command
    assert main([command, str(out), *READERS[command], "--out", str(written), *quiet]) == 0
    shown = capsys.readouterr()
    assert (shown.out == "") == bool(quiet)
    err = shown.err
    assert err.count("caseload: warning: skipped a damaged part of the results: ") == 1
    assert str(out / "runs" / "part-000004.parquet") in err
    assert f"the sweep is incomplete: 1 of its {RUNS} runs are missing or failed." in err
    quarantine = f"move the damaged parts of its runs into {out / 'quarantine'}"
    assert quarantine in err
    assert "Traceback" not in err
    report = (written / "report.md").read_text()
    assert "**Warning:** 1 damaged part(s) of the results were skipped" in report
    assert "part-000004.parquet" in report and quarantine in report
    assert f"**Warning:** the sweep is incomplete: 1 of its {RUNS} runs" in report
    assert (out / "runs" / "part-000004.parquet").is_file()  # reading moves nothing


@pytest.mark.parametrize("command", ["analyze", "discover"])
def test_a_design_point_lost_to_damage_is_counted(command, stored, tmp_path: Path, capsys):
    """Both replications of design point 3 (runs 3 and 9, one a part) damaged: the
    warning counts the point with no run left, quiet or not."""
    needs_the_workbench(command)
    _, out = copy_of(stored, tmp_path)
    for part in ("part-000004.parquet", "part-000010.parquet"):
        damage(out / "runs" / part, "flip")
    written = tmp_path / command
    assert main([command, str(out), *READERS[command], "--out", str(written), "-q"]) == 0
    err = capsys.readouterr().err
    assert err.count("skipped a damaged part of the results") == 2
    missing = f"the sweep is incomplete: 2 of its {RUNS} runs are missing or failed (1 of 6 "
    assert missing + "design points have none)" in err
    assert missing in (written / "report.md").read_text()


def test_robustness_blames_a_point_lost_to_damage_not_the_design(stored, tmp_path, capsys):
    """Regret needs every policy in every scenario, so robustness refuses a sweep that
    lost a design point; it said the levers "must be crossed with the same uncertainty
    points (a full factorial)", which this sweep is. The error says the sweep is
    incomplete, which parts were damaged and where resuming moves them."""
    _, out = copy_of(stored, tmp_path)
    for part in ("part-000004.parquet", "part-000010.parquet"):
        damage(out / "runs" / part, "truncate")
    assert main(["robustness", str(out), "-q", "--out", str(tmp_path / "robust")]) == 2
    err = capsys.readouterr().err
    assert "full factorial" not in err and "Traceback" not in err
    assert f"the sweep is incomplete: 2 of its {RUNS} runs are missing or failed (1 of 6" in err
    assert "2 damaged part(s) of the results were skipped" in err
    assert f"into {out / 'quarantine'}" in err
    assert not (tmp_path / "robust").exists()


@pytest.mark.parametrize("command", list(READERS))
def test_a_sweep_whose_every_part_is_damaged_is_said_to_be_so(command, stored, tmp_path, capsys):
    """With no run left to read, analyze and discover said "no metric
    'backlog_hours_mean' in this sweep. Allowed: " (nothing) and robustness "nothing to
    assess: ": an error naming no cause. Each says there is no successful run, that the
    sweep lacks all its runs, and which parts were damaged, where resuming moves them."""
    needs_the_workbench(command)
    _, out = copy_of(stored, tmp_path)
    parts = sorted((out / "runs").glob("part-*.parquet"))
    for part in parts:
        damage(part, "truncate")
    written = tmp_path / command
    assert main([command, str(out), *READERS[command], "--out", str(written), "-q"]) == 2
    err = capsys.readouterr().err
    incomplete = f"the sweep is incomplete: {RUNS} of its {RUNS} runs are missing or failed"
    said = f"{out}: no successful runs to analyse yet: {incomplete} (6 of 6 design points have"
    assert said in err
    assert f"; {len(parts)} damaged part(s) of the results were skipped" in err
    assert f"into {out / 'quarantine'}" in err and "Traceback" not in err
    assert not written.exists()


def test_a_damaged_manifest_or_design_is_an_error_not_a_traceback(stored, tmp_path, capsys):
    path, out = copy_of(stored, tmp_path)
    (out / "design.parquet").write_bytes(b"PAR1 garbage")
    assert main(["analyze", str(out), "-q"]) == 2
    assert "design.parquet: damaged or missing" in capsys.readouterr().err
    (out / "sweep.json").write_text("{not json")
    assert main(["analyze", str(out), "-q"]) == 2
    assert main(["sweep", str(path), "--out", str(out), "-q", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("sweep.json: damaged") == 2 and "Traceback" not in err
    (out / "sweep.json").write_text("[]")
    assert main(["sweep", str(path), "--out", str(out), "-q", "--workers", "1"]) == 2
    assert "sweep.json: damaged: not a sweep manifest" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize(
    "sig",
    [
        signal.SIGKILL,
        signal.SIGTERM,
        signal.SIGINT,
    ],
    ids=lambda s: s.name,
)
def test_no_worker_outlives_the_sweep_however_it_is_stopped(sig, tmp_path: Path):
    path = write_sweep(tmp_path, spec(replications=400))
    argv = ["sweep", str(path), "--workers", "2", "-q", "--out", str(tmp_path / "o")]
    status = _stopped(argv, tmp_path, sig, lambda: list((tmp_path / "o" / "runs").glob("part-*")))
    if sig != signal.SIGKILL:
        assert status == (143 if sig == signal.SIGTERM else 130)
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--check"]) == 0


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_no_worker_outlives_the_planner_stopped_by_sigterm(tmp_path: Path):
    argv = ["plan", str(BASELINE), "--workers", "2", "-q", "--out", str(tmp_path / "o")]
    started = time.monotonic()
    busy = lambda: time.monotonic() - started > 4  # noqa: E731 - started, spawned, planning
    assert _stopped(argv, tmp_path, signal.SIGTERM, busy) == 143
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_no_worker_outlives_a_run_stopped_by_ctrl_c(tmp_path: Path):
    # long enough (about 12 s of simulating on two cores) that the signal always finds it
    # simulating, however fast the machine: 60 replications could end first
    argv = ["run", str(BASELINE), "--replications", "200", "--workers", "2", "--no-figures"]
    argv += ["--no-limits", "-q", "--out", str(tmp_path / "o")]
    started = time.monotonic()
    busy = lambda: time.monotonic() - started > 2  # noqa: E731 - started, replications running
    assert _stopped(argv, tmp_path, signal.SIGINT, busy) == 130
    assert list(tmp_path.iterdir()) == []  # nothing written


HALF_A_RESULT = """
import os, struct, time
import simulator.experiments.executors as executors

executors.fork_workers()
executor = executors.ProcessExecutor(2)
running = [executor._pool.submit(time.sleep, 60) for _ in range(2)]
time.sleep(1)  # the workers are sleeping
# what a worker stopped while sending its result leaves: a message's length, then less
writer = executor._pool._result_queue._writer
os.write(writer.fileno(), struct.pack("!i", 1000) + bytes(10))
time.sleep(0.5)  # the pool's thread has read the length and waits for the rest
executor.close(abort=True)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="forks")
def test_a_worker_stopped_halfway_through_its_result_does_not_keep_the_program_alive(
    tmp_path: Path,
):
    """Ctrl-C can stop a worker while it sends its result (1 time in 20 in a run of 200
    replications): the program said "interrupted" and then never ended."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", HALF_A_RESULT], env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0
    assert time.monotonic() - started < 30  # the workers sleep for 60


def _stopped(argv: list[str], cwd: Path, sig: signal.Signals, busy) -> int:
    """Run `caseload argv`, send `sig` once `busy()` and its workers are there, assert that
    none of its processes outlives it by 5 seconds; its exit status."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # Ctrl-C as in a terminal: a suite started in the background by a shell without job
    # control (`make test &`, some CI runners) ignores SIGINT, its children inherit that,
    # and Python rightly leaves an inherited SIG_IGN alone (the sweep then ran on).
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", *argv],
        env=env,
        cwd=cwd,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 60
        while not (busy() and len(descendants(process.pid)) >= 2):  # workers are busy
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
        workers = descendants(process.pid)
        os.kill(process.pid, sig)
        process.wait(timeout=30)
        assert not survivors(workers, within=5)
    finally:
        process.kill()
        process.wait()
    return process.returncode


def test_a_sweep_survives_a_killed_dask_worker(tmp_path: Path):
    """What held before this hardening, and must hold after it: Dask reschedules the runs
    of a worker that dies, and the sweep ends with every run once."""
    distributed = pytest.importorskip("distributed")
    path = write_sweep(tmp_path, spec(replications=30))
    out = tmp_path / "o"
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        victim = next(iter(client.run(os.getpid).values()))
        argv = [sys.executable, "-m", "simulator", "sweep", str(path), "--out", str(out)]
        argv += ["--scheduler", cluster.scheduler_address, "--chunk", "1", "--batch", "5", "-q"]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        process = subprocess.Popen(argv, env=env, cwd=tmp_path)
        deadline = time.monotonic() + 60
        while not list((out / "runs").glob("part-*")):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        os.kill(victim, signal.SIGKILL)
        assert process.wait(timeout=180) == 0
    runs = load_results(out)
    assert sorted(runs["run_id"]) == list(range(RUNS // 2 * 30))
    assert (runs["status"] == "ok").all()


SLOW_WRITE = """
import os, signal, sys, time
import simulator.reporting.figures as figures

def slow(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)  # terminated while the folder is being written
    time.sleep(30)

import simulator.reporting.files as files
files.draw_figures = slow
figures.write_comparison_figure = slow
import simulator.plan.files as plan_files
plan_files.write_page = slow
from simulator.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("command", ["run", "compare", "plan"])
def test_sigterm_while_writing_leaves_no_temporary_folder(
    command: str, tmp_path: Path, tmp_path_factory
):
    scenarios = [str(BASELINE)] * (2 if command == "compare" else 1)
    short = ["--set", "simulation.duration_years=0.5", "--set", "simulation.warmup_years=0"]
    if command == "plan":
        tiny = tmp_path_factory.mktemp("inputs") / "tiny.toml"
        tiny.write_text(tomli_w.dumps(BASE), encoding="utf-8")
        scenarios, short = [str(tiny)], ["--workers", "1", "--max-replications", "4"]
    argv = [command, *scenarios, "--replications", "2", "-q", "--out", str(tmp_path / "o")]
    if command != "compare":
        argv += short
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-c", SLOW_WRITE, *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 143, done.stderr
    assert "terminated" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # no results, no hidden .o.partial-*


def test_a_damaged_series_part_is_skipped_and_reported_never_read(tmp_path: Path, capsys):
    path = write_sweep(tmp_path, spec(series=["backlog_hours"]))
    out = tmp_path / "out"
    argv = ["sweep", str(path), "--out", str(out), "-q", "--workers", "1", "--batch", "1"]
    assert main(argv) == 0
    from simulator import load_sweep_series

    whole = load_sweep_series(out, "backlog_hours")
    part = out / "series" / "metric=backlog_hours" / "part-000002.parquet"
    lost = set(pq.read_table(part).column("run_id").to_pylist())
    damage(part, "flip")
    before = part.read_bytes()
    with pytest.warns(UserWarning, match="skipped a damaged part of the weekly series"):
        left = load_sweep_series(out, "backlog_hours")
    assert set(left["run_id"]) == set(whole["run_id"]) - lost  # the rest read, exactly
    kept = whole[~whole["run_id"].isin(lost)].reset_index(drop=True)
    pd.testing.assert_frame_equal(left.reset_index(drop=True), kept)
    assert main(["analyze", str(out), "-q", "--series", "0", "1"]) == 0
    assert "part-000002.parquet" in (out / "analysis" / "report.md").read_text()
    assert part.read_bytes() == before  # left where it was: reading changes nothing
    assert main(argv) == 0  # resuming moves it aside and makes its runs' series again
    assert not part.exists()
    pd.testing.assert_frame_equal(load_sweep_series(out, "backlog_hours"), whole)
    assert "Traceback" not in capsys.readouterr().err


SERIES = ["backlog_hours", "pending_tasks"]


@pytest.fixture(scope="module")
def stored_series(tmp_path_factory) -> tuple[Path, Path, pd.DataFrame]:
    """A finished sweep storing two weekly series, written one run per part: (spec, folder,
    its backlog series)."""
    folder = tmp_path_factory.mktemp("stored_series")
    path, out = write_sweep(folder, spec(series=SERIES)), folder / "out"
    argv = ["sweep", str(path), "--out", str(out), "-q", "--workers", "1", "--batch", "1"]
    assert main(argv) == 0
    from simulator import load_sweep_series

    return path, out, load_sweep_series(out, "backlog_hours")


def series_part(out: Path, number: int, metric: str = "backlog_hours") -> Path:
    return out / "series" / f"metric={metric}" / f"part-{number:06d}.parquet"


def parts_of(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("part-*.parquet"))


@pytest.mark.parametrize("how", ["truncate", "flip", "delete"])
def test_resuming_makes_the_series_of_a_damaged_series_part_again(
    how, stored_series, tmp_path: Path, capsys
):
    """The reports told the user to run the sweep again to quarantine a damaged part of the
    weekly series and rerun its runs; resuming read the runs only, said "0 run now", and
    left the part where it was, skipped at every analysis. Resuming now checks the series
    parts too: a damaged one is moved into DIR/quarantine/series/metric=<name>/ and the
    runs whose series it held are run again for that series only: no row of the runs is
    written twice, no other series is written again, and the series are whole again."""
    path, out = copy_of(stored_series, tmp_path)
    part = series_part(out, 2)
    lost = set(pq.read_table(part).column("run_id").to_pylist())
    assert lost == {1}  # one run per part: the second run
    if how == "delete":
        part.unlink()  # a part lost, not damaged: its runs lack their series all the same
    else:
        damage(part, how)
    runs_parts, rows = parts_of(out / "runs"), load_results(out)
    pending = series_part(out, 1, "pending_tasks").parent
    pending_parts = parts_of(pending)
    argv = ["sweep", str(path), "--out", str(out), "--workers", "1"]
    assert main(argv) == 0
    shown = capsys.readouterr().out
    assert "(1 run now" in shown and "12 already stored" in shown
    assert "the weekly series backlog_hours of 1 stored run (run 1) was missing" in shown
    assert "run again for that series only, its row kept" in shown
    kept = out / "quarantine" / "series" / "metric=backlog_hours"
    if how == "delete":
        assert not (out / "quarantine").exists() and "moved to" not in shown
    else:
        assert (kept / "part-000002.parquet").is_file()
        assert f"damaged part of the weekly series moved to {kept}/" in shown
        assert "part-000002.parquet" in shown
    assert parts_of(out / "runs") == runs_parts  # no row of the runs written again
    assert parts_of(pending) == pending_parts  # nor the series that was whole
    same_results(load_results(out), rows)
    from simulator import load_sweep_series

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no damaged part left to skip
        again = load_sweep_series(out, "backlog_hours")
    pd.testing.assert_frame_equal(again, stored_series[2])
    assert main(argv) == 0
    shown = capsys.readouterr().out
    assert "(0 run now" in shown and "weekly series" not in shown


def test_a_run_lost_with_its_series_is_run_once(stored_series, tmp_path: Path, capsys):
    """A run whose row and series are both damaged is run again whole, once: its row and
    its series written once each."""
    path, out = copy_of(stored_series, tmp_path)
    damage(out / "runs" / "part-000002.parquet", "truncate")
    damage(series_part(out, 2), "flip")
    argv = ["sweep", str(path), "--out", str(out), "--workers", "1", "-q"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "part of the weekly series moved to" in err and "stored run" not in err
    assert len(parts_of(out / "runs")) == 12 and len(parts_of(series_part(out, 1).parent)) == 12
    assert len(pd.read_parquet(out / "runs")) == RUNS  # run 1 once
    from simulator import load_sweep_series

    pd.testing.assert_frame_equal(load_sweep_series(out, "backlog_hours"), stored_series[2])


def test_a_run_that_fails_when_run_again_for_its_series_keeps_its_row(
    stored_series, tmp_path: Path, monkeypatch, capsys
):
    """A run run again for its lost series that raises this time (a changed environment):
    its stored row stands, its series stays missing, the sweep says so and exits 1; run
    again once it passes, the series is made."""
    from simulator.sweep import runner

    path, out = copy_of(stored_series, tmp_path)
    damage(series_part(out, 2), "truncate")  # run 1's
    real = runner.measure

    def failing(scenario, replication, seed, series=()):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(runner, "measure", failing)
    argv = ["sweep", str(path), "--out", str(out), "--workers", "1", "-q"]
    rows = load_results(out)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "the weekly series backlog_hours of 1 stored run (run 1) was missing" in err
    said = "but run 1 failed this time (below): its weekly series is still missing, its "
    assert said + "stored row stands" in err and "run 1 failed: RuntimeError: out of memory" in err
    same_results(load_results(out), rows)  # the row stands: status ok, its values
    monkeypatch.setattr(runner, "measure", real)
    assert main(argv) == 0
    assert "(run 1) was missing" in capsys.readouterr().err
    from simulator import load_sweep_series

    pd.testing.assert_frame_equal(load_sweep_series(out, "backlog_hours"), stored_series[2])


@pytest.mark.parametrize("quiet", [[], ["-q"]], ids=["loud", "quiet"])
def test_analyze_says_a_damaged_series_part_lost_series_not_runs(
    quiet, stored_series, tmp_path: Path, capsys
):
    """A damaged part of the weekly series was reported as "a damaged part of the results
    ... their runs are missing here", and the remedy given was to move "the damaged parts
    of its runs" into DIR/quarantine/: the runs' rows were intact, and the tables rested on
    every run. It says which runs' series are missing from the series figures, that the
    tables are whole, and what running the sweep again does with a series part."""
    _, out = copy_of(stored_series, tmp_path)
    part = series_part(out, 2)  # run 1: point 1, replication 0
    damage(part, "flip")
    written = tmp_path / "analysis"
    argv = ["analyze", str(out), "--series", "0", "1", "--out", str(written), *quiet]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "damaged part of the results" not in err and "runs are missing" not in err
    assert "of its runs into" not in err
    assert err.count(f"caseload: warning: skipped a damaged part of the weekly series: {part}") == 1
    said = (
        "1 damaged part(s) of the weekly series were skipped: the weekly series "
        "backlog_hours of 1 run (run 1) is missing from the series figures and bands; the "
        "runs' rows are intact, so the tables rest on every stored run; run the sweep again "
        f"to move the damaged parts of the weekly series into {out / 'quarantine' / 'series'}/ "
        "and run the runs whose series they held again, for their series only"
    )
    assert f"caseload: warning: {said}" in err
    report = (written / "report.md").read_text()
    assert f"**Warning:** {said}:" in report and str(part) in report
    assert "damaged part(s) of the results" not in report and "incomplete" not in report
    assert part.is_file()  # reading moves nothing


def test_analyze_says_when_a_damaged_series_part_held_no_point_drawn(
    stored_series, tmp_path: Path, capsys
):
    """A damaged series part is skipped whichever points are drawn (every part is verified
    whole); where it held none of theirs, no series drawn is missing, and it says so."""
    _, out = copy_of(stored_series, tmp_path)
    damage(series_part(out, 2), "truncate")  # run 1: point 1
    written = tmp_path / "analysis"
    assert main(["analyze", str(out), "--series", "0", "--out", str(written), "-q"]) == 0
    err = capsys.readouterr().err
    assert "no series drawn of backlog_hours is missing (the points drawn have them all)" in err
