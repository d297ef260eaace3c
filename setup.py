"""Build: the event loop's modules are compiled with mypyc where a C compiler is at hand.

The package is plain, type-annotated Python and runs as such. Compiled to C with
mypyc, the modules that run in the event loop (`simulator.native.COMPILED`) take
about a third fewer instructions per event (benchmarks/bench_engine.py). Results are
the same either way (tests/test_native.py).

The compiled modules sit next to their sources (also in an editable install), with a
record of the sources they were built from; `simulator.native` runs the plain Python
instead when a source has changed since, so an edit is never shadowed by a stale build.

Set CASELOAD_PURE_PYTHON=1 to build without compiling. Without a working C compiler
the build still succeeds, without the compiled modules (setuptools' optional
extensions); a type error in a compiled module fails the build.
"""

from __future__ import annotations

import importlib.machinery
import os
import shutil
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "simulator"))
from native import COMPILED, RECORD, source_digest, source_of  # noqa: E402  (the one list)

sys.path.pop(0)


def remove_earlier_build() -> None:
    """An earlier build's compiled modules and record must not outlive a build that does
    not compile (no C compiler now, or plain Python asked for): they would be stale."""
    package = ROOT / "simulator"
    stems = [package / "_native__mypyc"] + [source_of(name).with_suffix("") for name in COMPILED]
    for stem in stems:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            stem.with_name(stem.name + suffix).unlink(missing_ok=True)
    (package / RECORD).unlink(missing_ok=True)


def compiled_extensions() -> list[Extension]:
    """mypyc's extensions for the COMPILED modules, or none (pure Python)."""
    remove_earlier_build()
    if os.environ.get("CASELOAD_PURE_PYTHON"):
        print("CASELOAD_PURE_PYTHON is set: building without compiled modules")
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("mypyc is not installed: building without compiled modules")
        return []
    sources = [str(source_of(name).relative_to(ROOT)) for name in COMPILED]
    extensions = mypycify(sources, opt_level="3", group_name="simulator._native")
    for extension in extensions:
        extension.optional = True  # no C compiler: install the pure-Python package
    digests = {name: source_digest(source_of(name)) for name in COMPILED}
    lines = [f"    {name!r}: {digest!r}," for name, digest in digests.items()]
    (ROOT / "simulator" / RECORD).write_text(
        '"""Written by setup.py: the sources the compiled modules were built from."""\n\n'
        "SOURCES = {\n" + "\n".join(lines) + "\n}\n"
    )
    return extensions


class BuildWithScenarios(build_py):
    """Ship the repository's scenarios/ inside the package, as simulator/scenario/shipped/,
    so that an installed `caseload` finds them by name from any folder. (An editable
    install reads scenarios/ in the checkout: `simulator.scenario.shipped`.)"""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "simulator" / "scenario" / "shipped"
        shutil.copytree(ROOT / "scenarios", target, dirs_exist_ok=True)


setup(ext_modules=compiled_extensions(), cmdclass={"build_py": BuildWithScenarios})
