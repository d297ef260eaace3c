"""Output folders that never destroy what this tool did not create.

Every command that writes a folder (run, compare, analyze, sweep, plan, and any later
one) asks `destination` (or `checked`, for a command with a default folder) first, before
any work starts, whether it may write there. The rules, as the most trusted command-line
tools keep them:

- A path that does not exist is created (with its missing parents), if the nearest
  existing folder above it can be written in; it is tried, not guessed.
- A symbolic link, a file, or anything but a folder at the path is refused.
- An existing folder is replaced only if this tool wrote it (its `.caseload` marker, or
  for folders written before the marker existed, the manifest, says so), it holds
  nothing the tool did not write, and the user asked for it (`force`) or it is the
  command's own default folder for the same owner (`results/<scenario>/` by `run` of
  that scenario, `results/plan_<scenario>/` by `plan` of it). An empty folder holds
  nothing to lose and is used as it is.
- A sweep's folder is never replaced (its runs may be hours of work), and nothing is
  written inside a sweep's run data (`runs/`, and the weekly series in `series/`).

The marker, `.caseload` in the folder, is JSON: the package, what the folder is (`kind`:
results, comparison, analysis, discovery, robustness, sweep, plan), whose it is (`owner`:
the scenario, the pair, the sweep), the version, and every file the tool wrote. It is
written last, so a folder with a marker is complete. Every refusal is an `OutputError`
(exit status 2) that names the path and what to do instead.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from simulator.scenario.errors import ScenarioError
from simulator.scenario.writing import try_writing_in
from simulator.version import __version__

MARKER = ".caseload"
PACKAGE = "caseload-simulator"
KINDS = ("results", "comparison", "analysis", "discovery", "robustness", "sweep", "plan")
NEVER_REPLACED = ("sweep",)
RUN_DATA = ("runs", "series")  # a sweep's results store and weekly series: the sweep's only

# What folders written before the marker existed hold: (required file, every entry allowed
# at the top, as patterns; "figures" may hold PNG files).
LEGACY = {
    "results": (
        "manifest.json",
        {"summary.csv", "tasks_by_type.csv", "counts_by_year.csv", "timeseries.parquet",
         "tasks.parquet", "scenario.resolved.toml", "figures", "manifest.json"},
    ),
    "comparison": (
        "manifest.json",
        {"comparison.csv", "summary_a.csv", "summary_b.csv", "scenario_a.resolved.toml",
         "scenario_b.resolved.toml", "comparison.png", "manifest.json"},
    ),
    "analysis": (
        "report.md",
        {"points.csv", "main_effects.csv", "ranking.csv", "sobol_indices.csv",
         "morris_indices.csv", "unstable.csv", "series_*.csv", "failures.csv", "figures",
         "report.md"},
    ),
    "discovery": (
        "peeling.csv",
        {"peeling.csv", "box.csv", "cart.csv", "peeling.png", "box.png", "report.md"},
    ),
    "robustness": ("robustness.csv", {"robustness.csv", "robustness_*.png", "report.md"}),
    "plan": (
        "manifest.json",
        {"plan.csv", "evidence.csv", "page.pdf", "page.png", "scenario.planned.toml",
         "manifest.json"},
    ),
}  # fmt: skip


class OutputError(ScenarioError):
    """A folder this command may not write; the message says why and what to do."""


@dataclass(frozen=True)
class Destination:
    """A folder checked for writing: where, what it will hold and whose, and whether an
    existing folder there may be replaced (one this tool wrote, asked for)."""

    path: Path
    kind: str
    owner: str
    replace: bool = False
    force: bool = False
    default: bool = False

    def recheck(self) -> Destination:
        """Check again (when the work is done, before the folder is put in place): the
        path may have changed while the work ran."""
        return destination(
            self.path, kind=self.kind, owner=self.owner, force=self.force, default=self.default
        )


def destination(
    path: str | Path,
    *,
    kind: str,
    owner: str,
    force: bool = False,
    default: bool = False,
) -> Destination:
    """May a command write the folder `path` (a `kind` folder of `owner`)? Checked now.

    `force`: the user asked to replace a results folder there. `default`: `path` is the
    command's own default folder, which it replaces when it holds the same owner's results.
    Raises `OutputError` if not; returns the `Destination` to write otherwise.
    """
    assert kind in KINDS, kind
    path = Path(path)
    what = _kind_of(path)
    if what == "link":
        raise OutputError(
            f"{path}: is a symbolic link; caseload does not write through links. "
            "Give the folder itself, or another --out"
        )
    if what not in (None, "folder"):
        raise OutputError(
            f"{path}: is a {what}, not a folder; it is left as it is. Choose another --out"
        )
    check_not_in_run_data(path)
    if what is None:
        check_writable(path)
        return Destination(path, kind, owner, False, force, default)
    check_replaceable(path)
    check_writable(path, existing=True)
    entries = _entries(path)
    if not entries:
        return Destination(path, kind, owner, True, force, default)
    marker = read_marker(path)
    if marker is None:
        raise OutputError(
            f"{path}: exists and is not a folder caseload wrote (it has no {MARKER} marker); "
            "it is left as it is. Choose a new folder for --out, or move it away yourself"
        )
    theirs = marker.get("kind")
    if theirs in NEVER_REPLACED or kind in NEVER_REPLACED:
        raise OutputError(
            f"{path}: holds the {theirs} '{marker.get('owner')}', which caseload never "
            "replaces; it is left as it is. Choose another --out"
        )
    foreign = sorted(entries - set(marker.get("files", [])) - {MARKER})
    if foreign:
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        shown = ", ".join(foreign[:5]) + more
        raise OutputError(
            f"{path}: holds files caseload did not write ({shown}); the folder is left as it "
            "is. Move them away, or choose another --out"
        )
    same = default and theirs == kind and marker.get("owner") == owner
    if not (force or same):
        raise OutputError(
            f"{path}: holds {theirs} caseload wrote ('{marker.get('owner')}'). Add --force "
            "to replace them, or choose another --out"
        )
    return Destination(path, kind, owner, True, force, default)


def checked(
    out: str | Path | None, default: Path, *, kind: str, owner: str, force: bool = False
) -> Destination:
    """`destination` for a command whose folder is `out`, or its own `default` folder when
    `out` is None (an `out` naming the default folder is the default folder too)."""
    path = Path(out) if out is not None else default
    is_default = os.path.abspath(path) == os.path.abspath(default)
    return destination(path, kind=kind, owner=owner, force=force, default=is_default)


def check_writable(path: Path, *, existing: bool = False) -> None:
    """Try writing where the folder `path` will be made: in its nearest existing ancestor
    (which must be a folder), or with `existing`, beside the folder `path` (the work is
    built there under a temporary name and renamed into place)."""
    above = path.absolute().parent
    while not _exists(above):
        above = above.parent
    if _kind_of(above) != "folder":
        raise OutputError(f"{path}: cannot be made: {above} is not a folder")
    try:
        try_writing_in(above)
    except OSError as exc:
        raise OutputError(
            f"{path}: cannot write in {above} ({exc.strerror or exc}); choose another --out"
        ) from None


def check_replaceable(path: Path) -> None:
    """Refuse an existing folder that cannot be put aside: the finished folder takes its
    place by a rename (`atomic_folder`), which a mount point does not allow, nor the
    working folder or one holding it (not without pulling it from under the shell that
    stands in it)."""
    absolute, here = Path(os.path.abspath(path)), Path(os.getcwd())
    if absolute == here:
        why = "is the working folder"
    elif absolute in here.parents:
        why = "holds the working folder"
    elif os.path.ismount(absolute):
        why = "is a mount point"
    else:
        return
    raise OutputError(
        f"{path}: {why}; caseload puts a finished folder in place by renaming it, which it "
        "cannot do there. Give --out a new folder inside it"
    )


def check_not_in_run_data(path: Path) -> None:
    """Refuse a path inside a sweep's run data (its `runs/` or `series/` folder, or that
    folder itself)."""
    absolute = Path(os.path.abspath(path))
    for folder in (absolute, *absolute.parents):
        if folder.name in RUN_DATA and _is_sweep(folder.parent):
            raise OutputError(
                f"{path}: is inside the run data of the sweep in {folder.parent}; nothing but "
                "the sweep writes there. Choose another --out"
            )


def is_empty_folder(path: Path) -> bool:
    """Whether `path` is a folder (not a link to one) with nothing in it."""
    return _kind_of(path) == "folder" and not any(path.iterdir())


def read_marker(folder: Path) -> dict[str, Any] | None:
    """What the marker of `folder` says, or for a folder written before markers existed,
    what its manifest implies; None if the folder is not one this tool wrote."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        if isinstance(marker, dict) and marker.get("package") == PACKAGE:
            return marker
        return None
    except FileNotFoundError:
        return _legacy_marker(folder)
    except (OSError, ValueError):
        return None


def write_marker(folder: Path, kind: str, owner: str) -> None:
    """Write the marker of `folder` (last: it lists every file written before it)."""
    marker = {
        "package": PACKAGE,
        "kind": kind,
        "owner": owner,
        "version": __version__,
        "files": sorted(_entries(folder) - {MARKER}),
    }
    (folder / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


def _legacy_marker(folder: Path) -> dict[str, Any] | None:
    """A folder of an earlier version (no marker): known by its files and manifest."""
    sweep = _json(folder / "sweep.json")
    if sweep is not None and sweep.get("package") == PACKAGE:
        return {"package": PACKAGE, "kind": "sweep", "owner": sweep.get("name"), "files": []}
    for kind, (required, allowed) in LEGACY.items():
        if not (folder / required).is_file():
            continue
        if required == "manifest.json":
            manifest = _json(folder / required) or {}
            first = manifest.get("a", manifest) if kind == "comparison" else manifest
            if not isinstance(first, dict) or first.get("package") != PACKAGE:
                continue
            if (first.get("kind") == "plan") != (kind == "plan"):
                continue
        files = _legacy_files(folder, allowed)
        if files is not None:
            owner = _legacy_owner(kind, folder)
            return {"package": PACKAGE, "kind": kind, "owner": owner, "files": files}
    return None


def _legacy_files(folder: Path, allowed: set[str]) -> list[str] | None:
    """The files of a legacy folder if every one is one the tool writes, else None."""
    files = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        top = relative.parts[0]
        if not any(fnmatch(top, pattern) for pattern in allowed) or (
            len(relative.parts) > 1 and top != "figures"
        ):
            return None
        if path.is_file():
            if top == "figures" and path.suffix != ".png":
                return None
            files.append(str(relative))
    return files


def _legacy_owner(kind: str, folder: Path) -> str | None:
    manifest = _json(folder / "manifest.json") or {}
    if kind in ("results", "plan"):
        return manifest.get("scenario")
    if kind == "comparison":
        a, b = manifest.get("a") or {}, manifest.get("b") or {}
        return f"{a.get('scenario')}_vs_{b.get('scenario')}"
    return Path(os.path.abspath(folder)).parent.name  # from a sweep: its sweep's folder


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_sweep(folder: Path) -> bool:
    marker = read_marker(folder) if _kind_of(folder) == "folder" else None
    return marker is not None and marker.get("kind") == "sweep"


def _entries(folder: Path) -> set[str]:
    """Every file below `folder`, relative to it (folders by their files; empty ones by name)."""
    found = set()
    for path in folder.rglob("*"):
        if path.is_file() or path.is_symlink() or not any(path.iterdir()):
            found.add(str(path.relative_to(folder)))
    return found


def _kind_of(path: Path) -> str | None:
    """ "link", "folder", "file", "special file" or None (nothing there)."""
    try:
        if path.is_symlink():
            return "link"
        if path.is_dir():
            return "folder"
        if path.is_file():
            return "file"
        return "special file" if path.exists() else None
    except (OSError, ValueError) as exc:
        raise OutputError(f"{path}: not a usable path ({exc})") from None


def _exists(path: Path) -> bool:
    try:
        return path.exists() or path.is_symlink()
    except OSError:
        return False


RESULTS = Path("results")  # where the default folders go, relative to the working folder


def results_destination(name: str, out: Path | None = None, *, force: bool = False) -> Destination:
    """Where `run` of the scenario `name` writes: `out`, or its default results/<name>/;
    checked now (`simulator.experiments.outputs.destination`)."""
    return checked(out, RESULTS / name, kind="results", owner=name, force=force)


def comparison_destination(
    a: str, b: str, out: Path | None = None, *, force: bool = False
) -> Destination:
    """Where `compare` of the scenarios `a` and `b` writes (default results/compare_a_vs_b/)."""
    default = RESULTS / f"compare_{a}_vs_{b}"
    return checked(out, default, kind="comparison", owner=f"{a}_vs_{b}", force=force)
