"""How the `caseload` program ends (`simulator.cli.command`): without Python's freeing of
every object, yet with its exit status, its whole output, the exit functions run and the
threads of its own waited for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent / "reference"


def _program(tmp_path: Path, argv: list[str], before: str = "") -> subprocess.CompletedProcess:
    """`command()` with `argv`, in a process of its own, after the code `before`."""
    code = f"import sys\n{before}\nsys.argv = {['caseload', *argv]!r}\n"
    code += "from simulator.cli import command\ncommand()\nprint('not reached')\n"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )


def test_the_program_ends_with_the_commands_status_and_whole_output(tmp_path: Path) -> None:
    scenario = str(REFERENCE / "reference.toml")
    done = _program(tmp_path, ["validate", scenario])
    assert done.returncode == 0
    assert "valid scenario" in done.stdout and "not reached" not in done.stdout
    bad = _program(tmp_path, ["validate", str(tmp_path / "missing.toml")])
    assert bad.returncode == 2 and "missing.toml" in bad.stderr


def test_the_exit_functions_run_as_the_program_ends(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    before = f"import atexit, pathlib\natexit.register(pathlib.Path({str(marker)!r}).touch)"
    done = _program(tmp_path, ["validate", str(REFERENCE / "reference.toml")], before)
    assert done.returncode == 0 and marker.exists()


def test_a_thread_of_its_own_is_waited_for(tmp_path: Path) -> None:
    marker = tmp_path / "written"
    before = (
        "import pathlib, threading, time\n"
        "def late():\n"
        "    time.sleep(0.5)\n"
        f"    pathlib.Path({str(marker)!r}).write_text('done')\n"
        "threading.Thread(target=late).start()\n"
    )
    done = _program(tmp_path, ["validate", str(REFERENCE / "reference.toml")], before)
    assert done.returncode == 0 and marker.read_text() == "done"


def test_a_usage_error_ends_as_argparse_ends_it(tmp_path: Path) -> None:
    done = _program(tmp_path, ["run", "--no-such-flag"])
    assert done.returncode == 2 and "usage:" in done.stderr
