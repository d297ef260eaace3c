"""The code in the docs runs as written: the Python of docs/api.md and every command of
the tutorial (docs/tutorial.md), in order, in an empty folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def blocks(name: str) -> list[tuple[str, str]]:
    """(language, code) of every fenced block of docs/<name>, in order."""
    return BLOCK.findall((DOCS / name).read_text(encoding="utf-8"))


def test_the_api_example_runs(tmp_path: Path) -> None:
    """Each example as a script of its own, as a reader saves it (its replications'
    processes import it again: code that starts them without a main guard fails)."""
    code = [text for language, text in blocks("api.md") if language == "python"]
    assert code, "docs/api.md has no Python example"
    printed = ""
    for number, text in enumerate(code):
        script = tmp_path / f"example_{number}.py"
        script.write_text(text, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, f"{script.name}\n{done.stderr}"
        printed += done.stdout
    assert "caseworkers.weekly_hour: unknown key; did you mean 'weekly_hours'?" in printed
    assert (tmp_path / "results" / "api_example" / "summary.csv").is_file()
    runs = pd.read_parquet(tmp_path / "results" / "small_sweep" / "runs")
    assert len(runs) == 8 and set(runs["caseworkers"]) == {3, 5}  # the notebook's sweep ran
    assert (tmp_path / "results" / "small_sweep" / "robustness" / "robustness.csv").is_file()


@pytest.mark.parametrize("page", ["tutorial.md"])
def test_every_command_of_the_page_runs_in_order(page: str, tmp_path: Path) -> None:
    """Shell lines run as they are; a TOML block is the scenario file the page asks for
    (named after its `name`), written where the page has the reader edit it."""
    caseload = str(Path(sys.executable).with_name("caseload"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    commands = 0
    for language, text in blocks(page):
        if language == "toml":
            name = tomllib.loads(text)["name"]
            (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
            continue
        assert language == "sh", f"{page}: a {language} block: the test does not know it"
        for line in text.strip().splitlines():
            words = line.split("#")[0].split()
            assert words[0] == "caseload", line
            done = subprocess.run(
                [caseload, *words[1:]], cwd=tmp_path, env=env,
                capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert done.returncode == 0, f"{line}\n{done.stderr}"
            commands += 1
    assert commands >= 5
    assert (tmp_path / "results" / "compare_baseline_vs_my_town" / "comparison.csv").is_file()


@pytest.mark.parametrize(
    ("page", "module"),
    [("cli.md", "simulator.cli.reference"), ("outputs.md", "simulator.reporting.reference")],
)
def test_the_generated_reference_pages_are_current(page: str, module: str) -> None:
    """Regenerate with `python -m <module> > docs/reference/<page>`."""
    generated = subprocess.run(
        [sys.executable, "-m", module], capture_output=True, text=True, check=True
    ).stdout
    assert (DOCS / "reference" / page).read_text(encoding="utf-8") == generated, (
        f"docs/reference/{page} is stale: python -m {module} > docs/reference/{page}"
    )


def test_the_help_shows_no_escaped_percent_signs() -> None:
    """argparse formats an option's help with %, but not a command's description: there a
    "%%" would be printed as it stands."""
    from simulator.cli.reference import markdown

    assert "%%" not in markdown()


def test_every_module_path_the_docs_name_exists() -> None:
    """A page that names `simulator/...py` (or a folder) points at something in the tree:
    a move of code must carry its docs along."""
    pages = [REPO / "README.md", *DOCS.rglob("*.md")]
    named = {
        (page.relative_to(REPO).as_posix(), path)
        for page in pages
        for path in re.findall(r"`(simulator/[\w/]+(?:\.py)?)`", page.read_text(encoding="utf-8"))
    }
    missing = sorted((page, path) for page, path in named if not (REPO / path).exists())
    assert named and not missing, missing
