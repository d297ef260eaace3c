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

The C is written one file per module (mypyc's `multi_file`) and the files are compiled
on every core (`ParallelBuildExt`; CASELOAD_BUILD_JOBS sets how many at once): on two
cores that halves the compile, which was most of a first `make` (docs/speed.md).
The modules still form one group, one shared library, calling each other natively.
"""

from __future__ import annotations

import importlib.machinery
import os
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
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


def reading_metadata() -> bool:
    """Whether setup.py runs only for the package's metadata: pip runs it three times for
    an install (requirements, metadata, build) and only the build needs mypyc, which
    type-checks and writes the C afresh each time it is asked (10-20 s)."""
    return bool({"egg_info", "dist_info"} & set(sys.argv[1:]))


def compiled_extensions() -> list[Extension]:
    """mypyc's extensions for the COMPILED modules, or none (pure Python)."""
    if reading_metadata():
        return []
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
    group = "simulator._native"
    extensions = mypycify(sources, opt_level="3", group_name=group, multi_file=True)
    for extension in extensions:
        extension.optional = True  # no C compiler: install the pure-Python package
        # mypyc writes a dotted group's shared header into build/simulator/ but includes
        # it from the modules' files by its bare name
        extension.include_dirs.append(str(Path("build", *group.split(".")[:-1])))
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


class ParallelBuildExt(build_ext):
    """build_ext that compiles the C files of each extension on every core at once."""

    def build_extension(self, ext: Extension) -> None:
        jobs = int(os.environ.get("CASELOAD_BUILD_JOBS", 0)) or os.cpu_count() or 1
        compile_all = self.compiler.compile

        def compile_each(sources: list[str], *args: Any, **kwargs: Any) -> list[str]:
            with ThreadPoolExecutor(jobs) as pool:
                done = pool.map(lambda source: compile_all([source], *args, **kwargs), sources)
                return [obj for objects in done for obj in objects]

        self.compiler.compile = compile_each
        try:
            super().build_extension(ext)
        finally:
            self.compiler.compile = compile_all


setup(
    ext_modules=compiled_extensions(),
    cmdclass={"build_py": BuildWithScenarios, "build_ext": ParallelBuildExt},
)
