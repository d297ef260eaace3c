"""Installed, it still works: `pip install .` (not editable) into a fresh environment, then
from a folder far from the checkout `caseload run baseline` runs the shipped baseline,
`caseload calibrate` finds it, and `caseload new my_town` writes a starter that runs.

The fresh environment borrows the test environment's dependencies (numpy, pandas, ...)
through a .pth file, so only the package itself is built and installed (as plain Python:
compiling is tested elsewhere, tests/test_native.py). It is built from a copy of the
checkout: a build in the checkout itself would replace the developer's compiled engine.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHORT = ["--set", "simulation.duration_years=1.5", "--set", "simulation.warmup_years=0.5"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh environment with the package installed from the checkout."""
    home = tmp_path_factory.mktemp("installed")
    source = home / "source"
    skip = (".venv", ".git", "results", "build", "__pycache__", "*.so", "_compiled.py", ".*cache")
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*skip, "*.egg-info"))
    venv.create(home / "env", with_pip=True)
    bin_dir = home / "env" / "bin"
    python = bin_dir / "python"
    found = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    (Path(found) / "_borrowed_dependencies.pth").write_text(
        "\n".join(p for p in site.getsitepackages() if "site-packages" in p) + "\n"
    )
    env = {**os.environ, "CASELOAD_PURE_PYTHON": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", str(source)],
        env=env, check=True, capture_output=True, cwd=home,
    )  # fmt: skip
    return bin_dir


def caseload(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CASELOAD_PURE_PYTHON")}
    return subprocess.run(
        [str(bin_dir / "caseload"), *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_the_installed_package_is_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [installed / "python", "-c", "import simulator; print(simulator.__file__)"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "site-packages" in where and str(REPO) not in where


def test_installed_caseload_runs_the_shipped_baseline_by_name(installed: Path, tmp_path) -> None:
    done = caseload(installed, tmp_path, "run", "baseline", "--replications", "1", *SHORT)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "results" / "baseline" / "summary.csv").is_file()
    assert "Open cases per caseworker" in done.stdout


def test_installed_caseload_calibrate_finds_the_baseline(installed: Path, tmp_path) -> None:
    done = caseload(
        installed, tmp_path, "calibrate", "--replications", "2", "--municipalities", "2",
        "--no-checks", "--workers", "1",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "T1  open cases per caseworker" in done.stdout
    assert "Fitted (docs/calibration.md" in done.stdout


def test_installed_caseload_new_writes_a_starter_that_extends_the_shipped_baseline(
    installed: Path, tmp_path: Path
) -> None:
    done = caseload(installed, tmp_path, "new", "my_town")
    assert done.returncode == 0, done.stderr
    starter = tmp_path / "my_town.toml"
    assert 'extends = "baseline.toml"' in starter.read_text()
    validated = caseload(installed, tmp_path, "validate", "my_town.toml")
    assert validated.returncode == 0, validated.stderr
    assert "valid scenario 'my_town'" in validated.stdout


def test_installed_caseload_reads_the_shipped_cases_file_of_today(
    installed: Path, tmp_path
) -> None:
    """`today.toml` reads `today_cases.csv` and `today_tasks.csv` beside it: all are shipped."""
    done = caseload(installed, tmp_path, "validate", "today")
    assert done.returncode == 0, done.stderr
    assert "valid scenario 'today'" in done.stdout
