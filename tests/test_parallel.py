"""Replications on worker processes give what they give in turn, byte for byte; and a
command loads only what it needs.

The reference scenario (every workforce mechanism and policy on) runs four replications
in this process and on two worker processes; the written tables, the comparison and the
data behind the figures must be identical. The figures' data of the stored reference
run must be what they were before the figures were made faster.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from figure_data import FILE, figure_data, from_folder

import simulator as cl
from simulator import timings
from simulator.analysis.metrics import SUMMARY_METRICS
from simulator.experiments.executors import (
    RARE_COLLECTION,
    SERIAL_UP_TO,
    ProcessExecutor,
    SerialExecutor,
    replication_executor,
)

REFERENCE = Path(__file__).resolve().parent / "reference"
REPLICATIONS = 4


def _python(code: str) -> subprocess.CompletedProcess[str]:
    """`code` run by a Python of its own in the reference folder (it must succeed)."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REFERENCE
    )


@pytest.fixture(scope="module")
def scenario() -> cl.Scenario:
    return cl.load_scenario(REFERENCE / "reference.toml")


@pytest.fixture(scope="module")
def folders(scenario: cl.Scenario, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """The reference scenario's results folder, run on 1 and on 2 workers."""
    out = tmp_path_factory.mktemp("parallel")
    folders = {}
    for workers in (1, 2):
        results = cl.run(scenario, replications=REPLICATIONS, workers=workers)
        folders[workers] = cl.write_results(results, out / f"workers{workers}", figures=False)
    return folders


@pytest.mark.parametrize("name", ["summary.csv", "tasks_by_type.csv", "scenario.resolved.toml"])
def test_parallel_replications_write_the_same_files_byte_for_byte(
    folders: dict[int, Path], name: str
) -> None:
    assert (folders[2] / name).read_bytes() == (folders[1] / name).read_bytes()


@pytest.mark.parametrize("name", ["timeseries.parquet", "tasks.parquet"])
def test_parallel_replications_write_the_same_parquet_tables(
    folders: dict[int, Path], name: str
) -> None:
    serial, parallel = (pd.read_parquet(folders[w] / name) for w in (1, 2))
    assert len(serial) > 0
    pd.testing.assert_frame_equal(parallel, serial, check_exact=True)


def test_parallel_replications_give_the_figures_the_same_data(folders: dict[int, Path]) -> None:
    serial, parallel = (from_folder(folders[w]) for w in (1, 2))
    pd.testing.assert_frame_equal(parallel, serial, check_exact=True)


def test_the_figures_draw_the_data_they_drew_before_they_were_made_faster() -> None:
    stored = pd.read_parquet(REFERENCE / "run" / FILE)
    pd.testing.assert_frame_equal(from_folder(REFERENCE / "run"), stored, check_exact=True)


def test_figures_drawn_on_processes_are_those_drawn_here(
    scenario: cl.Scenario, tmp_path: Path
) -> None:
    results = cl.run(scenario, replications=3, workers=1)
    here = cl.write_results(results, tmp_path / "here", workers=1) / "figures"
    there = cl.write_results(results, tmp_path / "there", workers=2) / "figures"
    names = sorted(p.name for p in here.glob("*.png"))
    assert len(names) >= 6 and names == sorted(p.name for p in there.glob("*.png"))
    for name in names:
        assert (there / name).read_bytes() == (here / name).read_bytes(), name


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_figure_workers_forked_from_here_draw_from_the_tables_they_inherit(tmp_path: Path) -> None:
    code = (  # a program of its own that forks its workers, as the command does
        "import sys\n"
        "import simulator as cl\n"
        "from simulator.experiments.executors import ProcessExecutor\n"
        "hand_out, tables_sent = ProcessExecutor.imap_unordered, []\n"
        "def recorded(self, fn, items, meanwhile=None):\n"
        "    items = list(items)\n"
        "    figures = [item for item in items if len(item) == 3]  # (tables, names, folder)\n"
        "    tables_sent.extend(item[0] is not None for item in figures)\n"
        "    return hand_out(self, fn, items, meanwhile)\n"
        "ProcessExecutor.imap_unordered = recorded\n"
        "if __name__ == '__main__':\n"
        "    cl.fork_workers()\n"
        "    results = cl.run(cl.load_scenario('reference.toml'), replications=3, workers=1)\n"
        "    cl.write_results(results, sys.argv[1] + '/here', workers=1)\n"
        "    cl.write_results(results, sys.argv[1] + '/there', workers=2)\n"
        "    print(*tables_sent)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REFERENCE,
    )
    here, there = tmp_path / "here" / "figures", tmp_path / "there" / "figures"
    names = sorted(p.name for p in here.glob("*.png"))
    assert done.stdout.split() == ["False"] * len(names)  # every figure, no tables sent
    assert len(names) >= 6 and names == sorted(p.name for p in there.glob("*.png"))
    for name in names:
        assert (there / name).read_bytes() == (here / name).read_bytes(), name


def test_parallel_results_are_the_serial_results_in_memory(scenario: cl.Scenario) -> None:
    serial = cl.run(scenario, replications=3, workers=1)
    parallel = cl.run(scenario, replications=3, workers=3)
    for table in ("summary", "per_replication", "weekly", "by_task", "tasks"):
        pd.testing.assert_frame_equal(
            getattr(parallel, table), getattr(serial, table), check_exact=True
        )
    assert parallel.events == serial.events
    pd.testing.assert_frame_equal(
        figure_data(parallel.weekly, parallel.by_task),
        figure_data(serial.weekly, serial.by_task),
        check_exact=True,
    )


def test_a_parallel_comparison_is_the_serial_one(scenario: cl.Scenario) -> None:
    other = cl.load_scenario(REFERENCE / "reference.toml", changes={"overtime.hours_per_week": 8.0})
    serial = cl.compare(scenario, other, replications=3, workers=1)
    parallel = cl.compare(scenario, other, replications=3, workers=2)
    pd.testing.assert_frame_equal(parallel.table, serial.table, check_exact=True)
    for side in ("a", "b"):
        pd.testing.assert_frame_equal(
            getattr(parallel, side).weekly, getattr(serial, side).weekly, check_exact=True
        )


def test_automatic_replications_stop_where_they_stop_in_turn(scenario: cl.Scenario) -> None:
    # the rule stops a look-ahead after it converges: room for both under the maximum
    options = {"replications": "auto", "precision": 0.5, "max_replications": 40}
    serial = cl.run(scenario, workers=1, **options)
    parallel = cl.run(scenario, workers=2, **options)
    assert parallel.replications == serial.replications < 40
    assert parallel.converged_at == serial.converged_at
    pd.testing.assert_frame_equal(parallel.summary, serial.summary, check_exact=True)


@pytest.mark.parametrize("workers", [1, 2])
def test_work_meanwhile_is_done_once_and_changes_no_result(
    scenario: cl.Scenario, workers: int
) -> None:
    done: list[int] = []
    results = cl.run(scenario, replications=3, workers=workers, meanwhile=lambda: done.append(1))
    assert done == [1]
    alone = cl.run(scenario, replications=3, workers=1)
    for table in ("summary", "weekly", "tasks"):
        pd.testing.assert_frame_equal(
            getattr(results, table), getattr(alone, table), check_exact=True
        )


def test_phases_timed_meanwhile_are_not_counted_again_as_the_replications(
    scenario: cl.Scenario,
) -> None:
    def load() -> None:  # work of this process's own while the workers simulate
        with timings.phase("import"):
            time.sleep(1.0)

    timings.reset()
    started = time.perf_counter()
    try:
        cl.run(scenario, replications=3, workers=2, meanwhile=load)
        wall = time.perf_counter() - started
        spent, spans = timings.totals(), timings.spans()
    finally:
        timings.reset()
    assert spent["import"] >= 1.0 and spent["simulation"] > 0
    assert sum(spent.values()) <= wall
    # the replications' span holds what was done meanwhile and what the workers did
    assert spent["import"] + spent["simulation"] <= spans["replications"] <= wall
    # the workers' event loops ran within it (meanwhile too: the sleep did not stop them)
    assert 0 < spans["simulating"] <= spans["replications"]


def test_the_command_prints_its_phases_and_the_replications_span_when_asked(
    tmp_path: Path,
) -> None:
    """CASELOAD_TIMINGS=1: two lines of JSON on stderr (benchmarks/bench_answer.py reads
    them), the span no shorter than the simulation it holds."""
    import json

    command = [sys.executable, "-m", "simulator", "run", str(REFERENCE / "reference.toml"),
               "--replications", "3", "--workers", "2", "--no-figures", "-q",
               "--out", str(tmp_path / "out")]  # fmt: skip
    done = subprocess.run(
        command, env={**os.environ, timings.ENV: "1"}, capture_output=True, text=True, check=True
    )
    lines = done.stderr.splitlines()
    phases = json.loads(
        next(x for x in lines if x.startswith(timings.PREFIX))[len(timings.PREFIX) :]
    )
    found = [x for x in lines if x.startswith(timings.SPANS_PREFIX)]
    spans = json.loads(found[0][len(timings.SPANS_PREFIX) :])
    assert set(phases) >= {"import", "scenario", "simulation", "tables"}
    assert spans["replications"] >= phases["simulation"] > 0
    assert spans["replications"] >= spans["simulating"] > 0  # the event loops, on any worker


def test_progress_hears_of_every_replication_on_workers(scenario: cl.Scenario) -> None:
    heard: list[float] = []
    cl.run(scenario, replications=3, workers=2, progress=lambda rep, f: heard.append(rep + f))
    assert heard == [1.0, 2.0, 3.0]


def test_small_runs_and_one_worker_stay_in_this_process() -> None:
    assert isinstance(replication_executor(SERIAL_UP_TO), SerialExecutor)
    assert isinstance(replication_executor(10, workers=1), SerialExecutor)
    assert isinstance(replication_executor(1, workers=4), SerialExecutor)
    executor = replication_executor(2, workers=2)  # asked for: processes even so
    try:
        assert isinstance(executor, ProcessExecutor) and executor.workers == 2
    finally:
        executor.close()


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_workers_must_be_a_whole_number_from_one(scenario: cl.Scenario, workers: object) -> None:
    with pytest.raises(cl.ScenarioError, match="workers"):
        cl.run(scenario, replications=1, workers=workers)  # type: ignore[arg-type]


def loaded(argv: list[str]) -> set[str]:
    """Which of the heavy libraries a `caseload` command loads, in a fresh process."""
    code = (
        "import sys\n"
        "from simulator.cli import main\n"
        f"main({argv!r})\n"
        "heavy = ('scipy', 'matplotlib', 'pandas', 'pyarrow', 'simpy')\n"
        "print('loaded:', *(m for m in heavy if m in sys.modules))\n"
    )
    done = _python(code)
    return set(done.stdout.splitlines()[-1].split()[1:])


def test_validate_loads_no_tables_and_no_simulator(tmp_path: Path) -> None:
    assert loaded(["validate", "reference.toml"]) == set()


@pytest.mark.parametrize("quiet", [[], ["-q"]], ids=["key figures printed", "quiet"])
def test_a_run_without_figures_loads_neither_scipy_nor_matplotlib(
    tmp_path: Path, quiet: list[str]
) -> None:
    argv = ["run", "reference.toml", "--replications", "1", "--no-figures", *quiet]
    assert loaded([*argv, "--out", str(tmp_path / "out")]) == {"pandas", "pyarrow", "simpy"}


def test_a_replication_is_measured_without_pandas() -> None:
    """What a worker runs loads no pandas: workers forked before their program loads it
    (`caseload run`) never need it."""
    code = (
        "import sys\n"
        "import simulator as cl\n"
        "from simulator.experiments.work import Replication, replicate\n"
        "done = replicate(Replication(cl.load_scenario('reference.toml'), 0, 1))\n"
        "print(len(done.measures.summary), 'pandas' in sys.modules)\n"
    )
    done = _python(code)
    metrics, pandas = done.stdout.split()
    assert int(metrics) == len(SUMMARY_METRICS) and pandas == "False"


def test_a_run_forks_its_workers_before_it_loads_pandas(tmp_path: Path) -> None:
    """`caseload run` forks its workers once the simulator is loaded, not after pandas
    too: they simulate while it loads pandas and pyarrow for the tables."""
    argv = ["caseload", "run", "reference.toml", "--replications", "4", "--no-figures", "-q"]
    code = (
        "import os, sys\n"
        "forks = []\n"
        "os.register_at_fork(before=lambda: forks.append('pandas' in sys.modules))\n"
        f"sys.argv = {[*argv, '--out', str(tmp_path / 'out')]!r}\n"
        "from simulator.cli import main\n"
        "status = main()\n"
        "print(status, *forks)\n"
    )
    done = _python(code)
    status, *forks = done.stdout.split()
    assert status == "0" and (tmp_path / "out" / "summary.csv").exists()
    assert forks == ["False", "False"]  # its two workers, forked before pandas was loaded


def test_a_script_without_a_main_guard_is_told_how_to_run_on_processes(tmp_path: Path) -> None:
    script = tmp_path / "unguarded.py"  # workers import it again, and would start workers
    script.write_text(
        "import simulator as cl\n"
        f"scenario = cl.load_scenario({str(REFERENCE / 'reference.toml')!r})\n"
        "cl.run(scenario, replications=3, workers=2)\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert done.returncode != 0
    assert 'if __name__ == "__main__":' in done.stderr.splitlines()[-1]


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_workers_are_forked_where_the_program_allows_it_and_runs_one_thread() -> None:
    code = (
        "import threading\n"
        "import simulator as cl\n"
        "from simulator.experiments.executors import make_executor, replication_executor\n"
        "def method(make=lambda: replication_executor(10, 2)):\n"
        "    executor = make()\n"
        "    executor.close()\n"
        "    return executor.start_method\n"
        "print(method())\n"
        "cl.fork_workers()\n"
        "print(method(), method(lambda: make_executor(2)))  # a batch: the fork server\n"
        "threading.Thread(target=threading.Event().wait, daemon=True).start()\n"
        "print(method())\n"
    )
    done = _python(code)
    assert done.stdout.split() == ["forkserver", "fork", "forkserver", "forkserver"]


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_the_command_and_its_workers_collect_garbage_rarely_a_program_as_it_chose() -> None:
    """A replication's model is cyclic garbage; `caseload` and the workers of a
    `ProcessExecutor` let it pile up to `RARE_COLLECTION` objects before collecting, a
    program that only uses the API keeps its own collector's setting."""
    code = (
        "import gc, sys\n"
        "import simulator as cl\n"
        "from simulator.cli import main\n"
        "from simulator.experiments.executors import ProcessExecutor\n"
        "def threshold(_):\n"
        "    return gc.get_threshold()[0]\n"
        "gc.set_threshold(1234)\n"
        "cl.fork_workers()  # so that the workers know this script's `threshold`\n"
        "executor = ProcessExecutor(2)\n"
        "workers = set(executor.imap_unordered(threshold, range(4)))\n"
        "executor.close()\n"
        "main(['validate', 'reference.toml'])\n"
        "here = threshold(0)\n"
        "sys.argv = ['caseload', 'validate', 'reference.toml']\n"
        "main()\n"
        "print(*workers, here, threshold(0))\n"
    )
    done = _python(code)
    rare = str(RARE_COLLECTION)
    assert done.stdout.split()[-3:] == [rare, "1234", rare]


def test_the_command_forks_its_workers_and_writes_what_one_process_writes(
    folders: dict[int, Path], tmp_path: Path
) -> None:
    out = tmp_path / "forked"  # `caseload` as its own process: its workers are forked
    argv = ["run", "reference.toml", "--replications", str(REPLICATIONS), "--workers", "2"]
    argv += ["--no-figures", "-q", "--out", str(out)]
    subprocess.run([sys.executable, "-m", "simulator", *argv], check=True, cwd=REFERENCE)
    for name in ("summary.csv", "tasks_by_type.csv", "scenario.resolved.toml"):
        assert (out / name).read_bytes() == (folders[1] / name).read_bytes(), name
    for name in ("timeseries.parquet", "tasks.parquet"):
        forked, serial = (pd.read_parquet(folder / name) for folder in (out, folders[1]))
        pd.testing.assert_frame_equal(forked, serial, check_exact=True)


@pytest.mark.skipif(sys.platform != "linux", reason="a fork server on Linux")
def test_the_fork_server_loads_the_installed_simulator_not_one_in_the_working_folder(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "work"  # a user's folder that happens to hold a `simulator` package
    (folder / "simulator").mkdir(parents=True)
    marker = tmp_path / "imported"
    (folder / "simulator" / "__init__.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nraise ImportError('not the simulator')\n"
    )
    script = tmp_path / "script" / "fork_server.py"  # started from elsewhere: its folder first
    script.parent.mkdir()
    script.write_text(
        "import math\n"
        "from simulator.experiments.executors import ProcessExecutor\n"
        'if __name__ == "__main__":\n'
        "    executor = ProcessExecutor(2, fork=False)\n"
        "    print(sorted(executor.imap_unordered(math.sqrt, [4.0, 9.0])))\n"
        "    executor.close()\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[2.0,", "3.0]"]
    assert not marker.exists()  # the server never imported the working folder's package


class _Interrupted(KeyboardInterrupt):
    pass


def _interrupt() -> None:
    raise _Interrupted


@pytest.mark.parametrize("what", ["run", "compare", "figures"])
def test_an_interrupted_run_stops_its_workers_at_once(
    what: str, scenario: cl.Scenario, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Ctrl-C: the workers are stopped, not waited for (waiting, a worker blocked writing
    a result nobody would read any more could hang the command)."""
    closed: list[bool] = []
    close = ProcessExecutor.close

    def record(self: ProcessExecutor, abort: bool = False) -> None:
        closed.append(abort)
        close(self, abort)

    monkeypatch.setattr(ProcessExecutor, "close", record)
    with pytest.raises(_Interrupted):
        if what == "run":
            cl.run(scenario, replications=4, workers=2, meanwhile=_interrupt)
        elif what == "compare":
            monkeypatch.setattr("simulator.experiments.run.compare", lambda *a, **k: _interrupt())
            cl.compare(scenario, scenario, replications=2, workers=2)
        else:
            results = cl.run(scenario, replications=2, workers=1)
            monkeypatch.setattr("simulator.reporting.files.draw_figures", lambda *a: _interrupt())
            cl.write_results(results, tmp_path / "out", workers=2)
    assert closed == [True]
