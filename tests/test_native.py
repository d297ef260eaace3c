"""The compiled event loop (mypyc, see setup.py) against the plain Python it is built from.

The two builds must give the same results, byte for byte; an edited source must never
be shadowed by a stale compiled module; and where a C compiler is at hand, `make`
must have compiled (else the benchmark would measure the plain build unawares).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulator import native

REPO = Path(__file__).resolve().parent.parent
COMPILED = native.REASON is None
needs_compiled = pytest.mark.skipif(not COMPILED, reason=f"plain Python: {native.REASON}")


def run(out: Path, pure: bool, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """`python -m simulator run` of a short baseline (two replications)."""
    env = {k: v for k, v in os.environ.items() if k != native.PURE_ENV}
    if pure:
        env[native.PURE_ENV] = "1"
    command = [sys.executable, "-m", "simulator", "run", "scenarios/baseline.toml"]
    command += ["--replications", "2", "--out", str(out)]
    command += ["--set", "simulation.duration_years=1", "--set", "simulation.warmup_years=0"]
    command += ["--set", "absence={}", "--set", "triage={}", "--set", "turnover={}"]
    command += ["--set", "interpreting={interpreters = 2}"]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=True)


def test_where_a_c_compiler_is_at_hand_the_event_loop_runs_compiled() -> None:
    if native.PURE_ENV in os.environ:
        pytest.skip(f"{native.PURE_ENV} is set")
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler here: the plain build is expected")
    assert native.REASON is None, native.REASON
    assert native.build() == "compiled (mypyc)"
    import simulator.engine.office

    assert not simulator.engine.office.__file__.endswith(".py")  # type: ignore[union-attr]


@needs_compiled
def test_compiled_and_plain_python_builds_give_identical_results(tmp_path: Path) -> None:
    run(tmp_path / "compiled", pure=False)
    run(tmp_path / "plain", pure=True)
    compiled, plain = tmp_path / "compiled", tmp_path / "plain"
    assert (compiled / "summary.csv").read_bytes() == (plain / "summary.csv").read_bytes()
    for table in ("timeseries.parquet", "tasks.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(compiled / table), pd.read_parquet(plain / table)
        )
    assert len(pd.read_parquet(compiled / "tasks.parquet")) > 1000  # a run with work in it


def which_build(package_parent: Path, pure: bool = False) -> list[str]:
    """native.describe() and the files of two compiled modules, in a fresh interpreter
    that imports the package found in `package_parent`."""
    env = {k: v for k, v in os.environ.items() if k != native.PURE_ENV}
    env["PYTHONPATH"] = str(package_parent)
    if pure:
        env[native.PURE_ENV] = "1"
    code = (
        "import simulator.engine.office, simulator.engine.model\n"
        "from simulator import native\n"
        "print(native.describe())\n"
        "print(simulator.engine.office.__file__)\n"
        "print(simulator.engine.model.__file__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=package_parent, env=env,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.splitlines()


@needs_compiled
def test_an_edited_source_runs_as_plain_python_with_every_other_compiled_module(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "simulator"
    shutil.copytree(REPO / "simulator", copy, ignore=shutil.ignore_patterns("__pycache__"))
    build, office, model = which_build(tmp_path)
    assert build == "compiled (mypyc)"
    assert not office.endswith(".py") and not model.endswith(".py")

    source = copy / "engine" / "office.py"
    source.write_text(source.read_text() + "\n# an edit after the build\n")
    build, office, model = which_build(tmp_path)
    assert build.startswith("plain Python (office changed since compiled")
    assert office == str(source)
    assert model == str(copy / "engine" / "model.py")  # all of them, not only the edited one


@needs_compiled
def test_the_plain_build_can_be_asked_for(tmp_path: Path) -> None:
    build, office, model = which_build(REPO, pure=True)
    assert build == f"plain Python ({native.PURE_ENV} is set)"
    assert office.endswith("office.py") and model.endswith("model.py")
