"""House rules a reader relies on: history lives in commits and CHANGES.md, not in the code;
each compiled module says that it is compiled and where to read how to edit it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from simulator import native

REPO = Path(__file__).resolve().parent.parent
HOWTO = "docs/howto/compiled-engine.md"


def sources() -> list[Path]:
    folders = ["simulator", "tests", "benchmarks", "scenarios"]
    found = [p for f in folders for p in (REPO / f).rglob("*") if p.suffix in (".py", ".toml")]
    return [p for p in found if p.name != "_compiled.py"]


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_issue_numbers_in_code_or_scenarios(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if path.name == "test_housekeeping.py":
        return
    assert not re.search(r"\bissue\s+#?\d+", text, re.I), f"{path}: history belongs in CHANGES.md"


@pytest.mark.parametrize("name", native.COMPILED)
def test_each_compiled_module_says_so_and_points_to_the_howto(name: str) -> None:
    docstring = ast.get_docstring(ast.parse(native.source_of(name).read_text(encoding="utf-8")))
    assert docstring, f"simulator/engine/{name}: no docstring"
    assert "compiled" in docstring.lower() and HOWTO in docstring, (
        f"simulator/engine/{name}: the docstring must say it is compiled and point to {HOWTO}"
    )


def test_the_changelog_and_the_citation_are_there() -> None:
    assert (REPO / "CHANGES.md").read_text(encoding="utf-8").startswith("# Changes")
    assert "cff-version" in (REPO / "CITATION.cff").read_text(encoding="utf-8")


def test_nothing_points_outside_the_repository_for_the_domain() -> None:
    """The domain's sources are the project's own docs/domain.md: no code, scenario or page
    sends a reader to a file outside the repository (the team's shared notes)."""
    pages = [REPO / "README.md", *(REPO / "docs").rglob("*.md")]
    outside = re.compile(r"DOMAIN\.md|\.\./shared|shared/seeds")
    found = [
        str(p.relative_to(REPO))
        for p in [*sources(), *pages]
        if p.name != "test_housekeeping.py" and outside.search(p.read_text(encoding="utf-8"))
    ]
    assert not found, f"point to docs/domain.md instead: {found}"
