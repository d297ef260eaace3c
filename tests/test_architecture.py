"""The package's layers depend one way only.

    scenario -> engine -> analysis -> experiments -> reporting -> sweep, plan, calibration
    -> the public API (simulator/__init__.py, simulator/api.py) -> cli, app

A module may import modules of its own layer and of the layers before it, never of a
later one: the scenario knows no SimPy, the engine knows no pandas tables of results, the
planner and the app only set inputs and read results through the public API. `native`
(which build runs), `version` and `timings` (where a command's time goes) stand outside
the layers. Every import counts, also one inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "simulator"
LAYERS: list[set[str]] = [
    {"scenario"},
    {"engine"},
    {"analysis"},
    {"experiments"},
    {"reporting"},
    {"sweep", "plan", "calibration"},
    {"api"},
    {"cli", "app", "__main__"},
]
OUTSIDE = {"native", "version", "timings", "_compiled"}


def layer_of(part: str) -> int | None:
    """The layer of a top-level part of the package (a subpackage or module name)."""
    if part in OUTSIDE:
        return None
    for number, parts in enumerate(LAYERS):
        if part in parts:
            return number
    raise AssertionError(f"simulator.{part} is in no layer: add it to LAYERS")


def imported(path: Path) -> set[str]:
    """The top-level parts of the package that the module at `path` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()} | OUTSIDE
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "simulator":
            names = [f"simulator.{a.name}" for a in node.names]  # a part, or a name of the API
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            dotted = name.split(".")
            if dotted[0] == "simulator":
                found.add(dotted[1] if len(dotted) > 1 and dotted[1] in parts else "api")
    return found


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "_compiled.py")


def part_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    if len(relative.parts) > 1:
        return relative.parts[0]
    return "api" if relative.stem == "__init__" else relative.stem


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_its_own_layer_and_earlier_ones(path: Path) -> None:
    own = layer_of(part_of(path))
    for part in imported(path):
        theirs = layer_of(part)
        if own is None:
            assert theirs is None, f"{path.name} stands outside the layers but imports {part}"
        elif theirs is not None and part != "api":
            assert theirs <= own, f"{path.relative_to(PACKAGE)} imports simulator.{part}"
        elif part == "api":
            assert own >= layer_of("api"), (
                f"{path.relative_to(PACKAGE)} imports the top package (the public API); "
                "import what it needs from its own module (version: simulator.version)"
            )


def test_every_part_of_the_package_is_in_a_layer() -> None:
    for path in modules():
        layer_of(part_of(path))
