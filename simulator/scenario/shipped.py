"""The scenarios shipped with the package, found by name from any folder.

In a source checkout they are the files in the repository's `scenarios/` folder; in an
installed package, a copy of that folder inside the package (setup.py puts it there).
A scenario given by a name that is no file (`caseload run baseline`) is looked up here,
and so is an `extends = "baseline.toml"` that names no file beside the scenario.
"""

from __future__ import annotations

from pathlib import Path

_INSTALLED = Path(__file__).resolve().parent / "shipped"
_CHECKOUT = Path(__file__).resolve().parents[2] / "scenarios"


def folder() -> Path:
    """Where the shipped scenarios are: inside the installed package, or the checkout's."""
    return _INSTALLED if _INSTALLED.is_dir() else _CHECKOUT


def find(name: str | Path) -> Path | None:
    """The shipped scenario called `name` ("baseline", "baseline.toml", "sweeps/x.toml")."""
    text = str(name)
    if Path(text).is_absolute() or ".." in Path(text).parts:
        return None
    for candidate in (text, f"{text}.toml"):
        path = folder() / candidate
        try:
            if path.is_file():
                return path
        except (OSError, ValueError):  # a name too long for a path, or with a NUL
            return None
    return None


def names() -> list[str]:
    """The shipped scenarios' names (sweep specs under sweeps/ included)."""
    return sorted(str(p.relative_to(folder()).with_suffix("")) for p in folder().rglob("*.toml"))
