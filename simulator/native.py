"""Which build of the event loop runs: compiled (mypyc) or plain Python.

The event loop is the package `simulator.engine`: every module in it (but private ones,
whose names start with "_") is compiled, so the folder is the list (`COMPILED`).
`setup.py` compiles them with mypyc when it can and records,
in `simulator/_compiled.py`, a digest of each source it compiled. Compiled modules
are found before their sources by Python's import system, so at package import
`choose()` checks them: if any is missing or was built from a source that has changed
since (an edit after `make`), or if CASELOAD_PURE_PYTHON is set, all of them are
loaded from their sources. They go together: compiled modules reach into each
other's classes directly, so a mix of compiled and plain ones is never loaded.

This module is plain Python by design (setup.py imports it before anything is built).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

PACKAGE = Path(__file__).resolve().parent
ENGINE = PACKAGE / "engine"
RECORD = "_compiled.py"  # written by setup.py next to this file
PURE_ENV = "CASELOAD_PURE_PYTHON"


def compiled_modules() -> tuple[str, ...]:
    """The engine's modules, dotted and relative to `simulator.engine` ("office",
    "policies.triage"): every .py file under simulator/engine/ but private ones."""
    found = [
        ".".join(path.relative_to(ENGINE).with_suffix("").parts)
        for path in ENGINE.rglob("*.py")
        if not path.name.startswith("_")
    ]
    return tuple(sorted(found))


def source_of(name: str) -> Path:
    """The source file of compiled module `name` (as `compiled_modules` names it)."""
    return ENGINE.joinpath(*name.split(".")).with_suffix(".py")


# The modules that run in the event loop, compiled together as one group.
COMPILED = compiled_modules()


def source_digest(path: Path) -> str:
    """SHA-256 of a source file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _has_extension(name: str) -> bool:
    stem = source_of(name).with_suffix("")
    return any(
        stem.with_name(stem.name + suffix).exists()
        for suffix in importlib.machinery.EXTENSION_SUFFIXES
    )


def _recorded() -> dict[str, str]:
    """The digests setup.py recorded, or {} if it compiled nothing here."""
    try:
        from simulator._compiled import SOURCES  # type: ignore[import-not-found]
    except ImportError:
        return {}
    return dict(SOURCES)


def why_not_compiled() -> str | None:
    """None if the compiled modules are there and current; else why the sources run."""
    if os.environ.get(PURE_ENV):
        return f"{PURE_ENV} is set"
    if not all(_has_extension(name) for name in COMPILED):
        return "not compiled (no C compiler at install, or installed without it)"
    recorded = _recorded()
    changed = [name for name in COMPILED if recorded.get(name) != source_digest(source_of(name))]
    if changed:
        return f"{', '.join(changed)} changed since compiled: run `make` to compile again"
    return None


class _Sources(importlib.abc.MetaPathFinder):
    """Finds the COMPILED modules as their .py sources, ahead of the compiled files."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        prefix = f"{__package__}.engine."
        name = fullname.removeprefix(prefix)
        if name == fullname or name not in COMPILED:
            return None
        return importlib.util.spec_from_file_location(fullname, source_of(name))


REASON: str | None = None  # set by choose(): why the plain Python runs, or None


def choose() -> None:
    """Load the compiled modules if they are current, else their sources."""
    global REASON
    REASON = why_not_compiled()
    if REASON is not None and not any(isinstance(f, _Sources) for f in sys.meta_path):
        sys.meta_path.insert(0, _Sources())


def build() -> str:
    """Which build runs: "compiled (mypyc)" or "plain Python"."""
    return "compiled (mypyc)" if REASON is None else "plain Python"


def describe() -> str:
    """One line for a report: which build runs, and why if it is the plain one."""
    return build() if REASON is None else f"{build()} ({REASON})"
