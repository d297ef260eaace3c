"""A sweep's results folder: one tidy Parquet dataset, written as runs finish, that survives.

    DIR/spec.toml            the spec as given (copied)
    DIR/base.resolved.toml   the base scenario the runs start from, every key resolved
    DIR/sweep.json           manifest: spec hash, factors (key, lever or uncertainty,
                             type), design, replications, seed, versions, command
    DIR/design.parquet       the design: point, one column per factor
    DIR/runs/part-*.parquet  the results: one row per run (run_id, point, replication,
                             seed, factor values, status, error, wall_seconds, metrics)
    DIR/quarantine/          damaged parts, moved out of runs/ when the sweep resumes

The folder's fixed files are written all at once (`atomic_folder`, with the `.caseload`
marker that says a sweep lives here) before the first run; the runs are a results store
(`simulator.experiments.store`: parts written whole or not at all, checksummed, resumable,
locked). A folder that holds another spec's results (another hash) is refused, never
mixed; so is a path that is a link, a file or someone else's folder (`outputs`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w

from simulator.experiments.atomic import atomic_folder
from simulator.experiments.outputs import destination
from simulator.experiments.store import RUNS, Skipped, Store, read_runs
from simulator.sweep.damage import skipped_text
from simulator.sweep.spec import RUN_COLUMNS, Sweep, SweepError
from simulator.version import __version__

MANIFEST = "sweep.json"
DESIGN = "design.parquet"


class SweepStore:
    """Opening a sweep's results folder: create it (fixed files at once) or check it is
    this very sweep's, then lock it for writing runs (`simulator.experiments.store`)."""

    @staticmethod
    def open(
        folder: Path, sweep: Sweep, design: pd.DataFrame, command: list[str] | None = None
    ) -> Store:
        """Create the folder for `sweep`, or reopen it to resume; refuse another spec's folder."""
        folder = Path(folder)
        if check_destination(folder, sweep):
            with atomic_folder(destination(folder, kind="sweep", owner=sweep.name)) as work:
                (work / "spec.toml").write_bytes(sweep.path.read_bytes())
                header = (
                    f"# The base scenario of sweep '{sweep.name}', every key resolved. The runs\n"
                    "# use the sweep's seed and replications (sweep.json), not these.\n\n"
                )
                (work / "base.resolved.toml").write_text(
                    header + tomli_w.dumps(sweep.base_data()), encoding="utf-8"
                )
                design.to_parquet(work / DESIGN, index=False)
                (work / RUNS).mkdir()
                manifest = build_manifest(sweep, design, command)
                (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        types = {name: f.value_type for name, f in sweep.factors.items()}
        return Store.open(folder, {**types, "unstable": "boolean"})


def check_destination(folder: Path, sweep: Sweep) -> bool:
    """Before anything runs: may `sweep` write to `folder`? True if the folder is to be
    made (nothing, or an empty folder, there), False if it holds this very sweep (resume).
    A link, a file, a folder of other results or another spec's sweep is refused."""
    if folder.is_dir() and not folder.is_symlink() and any(folder.iterdir()):
        check_folder(folder, sweep)
        destination_folder_writable(folder)
        return False
    destination(folder, kind="sweep", owner=sweep.name)  # a link, a file, no permission
    return True


def destination_folder_writable(folder: Path) -> None:
    """A sweep to resume writes parts into runs/: it must be writable."""
    runs = folder / RUNS
    if not runs.is_dir():
        raise SweepError(f"{runs}: missing, so the folder is damaged; choose another --out")
    if not os.access(runs, os.W_OK | os.X_OK):
        raise SweepError(f"{runs}: cannot write here; the sweep cannot store its runs")


def check_folder(folder: Path, sweep: Sweep) -> dict[str, Any]:
    """The manifest of an existing folder, if it holds results of this very sweep."""
    path = folder / MANIFEST
    if not path.is_file():
        raise SweepError(
            f"{folder}: the folder exists and holds no sweep results ({MANIFEST} is missing); "
            "choose another --out"
        )
    manifest = read_manifest(folder)
    if manifest.get("spec_hash") != sweep.digest():
        raise SweepError(
            f"{folder}: holds the results of another spec ('{manifest.get('name')}', hash "
            f"{manifest.get('spec_hash')}); {sweep.path} hashes {sweep.digest()}. Results of "
            "two specs are never mixed: choose another --out, or delete the folder to start over"
        )
    return manifest


def build_manifest(sweep: Sweep, design: pd.DataFrame, command: list[str] | None) -> dict[str, Any]:
    """What the folder holds and how it was made."""
    import numpy
    import simpy

    spec = sweep.spec
    return {
        "package": "caseload-simulator",
        "version": __version__,
        "name": sweep.name,
        "description": spec.description,
        "spec_hash": sweep.digest(),
        "base_scenario": sweep.base.name,
        "base_scenario_hash": sweep.base.digest(),
        "design": spec.design.model_dump(),
        "points": len(design),
        "replications": spec.replications,
        "runs": len(design) * spec.replications,
        "seed": sweep.seed,
        "common_random_numbers": spec.common_random_numbers,
        "factors": {
            name: {
                "key": f.key,
                "keys": f.key_paths,
                "sets": f.target,
                "kind": f.kind,
                "type": f.value_type,
                "label": f.label or name,
                "levels": f.levels,
                "range": f.range,
            }
            for name, f in sweep.factors.items()
        },
        "columns": list(RUN_COLUMNS) + list(sweep.factors) + ["<metrics>"],
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": command,
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
    }


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a sweep's results folder; a clear error if it is none or damaged."""
    path = Path(folder) / MANIFEST
    if not Path(folder).is_dir():
        what = "is a file, not" if Path(folder).exists() else "no such folder; give"
        raise SweepError(f"{folder}: {what} a sweep's results folder")
    if not path.is_file():
        raise SweepError(f"{folder}: not a sweep results folder ({MANIFEST} is missing)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SweepError(f"{path}: damaged, not readable JSON ({exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("factors"), dict):
        raise SweepError(f"{path}: damaged: not a sweep manifest (no table of factors)")
    return manifest


def load_results(
    folder: str | Path, on_damaged: Callable[[Skipped], None] | None = None
) -> pd.DataFrame:
    """Every stored run of a sweep, one row per run id (the latest), sorted by run id.

    Columns: run_id, point, replication, seed, one per factor, status, error,
    wall_seconds, then one per metric (NaN where a run failed). A damaged part is
    skipped and reported to `on_damaged` (default: a warning), never read.
    """
    folder = Path(folder)
    factors = list(read_manifest(folder)["factors"])
    head = ["run_id", "point", "replication", "seed", *factors, "status", "error", "wall_seconds"]
    runs = read_runs(folder, head, on_damaged or _warn)
    if "unstable" in runs.columns:  # true/false, empty where a run failed
        flags = runs["unstable"].astype("boolean")
        runs["unstable"] = flags.astype(bool) if flags.notna().all() else flags
    return runs


def _warn(problem: str) -> None:
    warnings.warn(skipped_text(problem, series=False), stacklevel=3)
