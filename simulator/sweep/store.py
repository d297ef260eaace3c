"""A sweep's results folder: one tidy Parquet dataset, written as runs finish, that survives.

    DIR/spec.toml            the spec as given (copied)
    DIR/base.resolved.toml   the base scenario the runs start from, every key resolved
    DIR/sweep.json           manifest: spec hash, factors (key, lever or uncertainty,
                             type), design, replications, seed, versions, command
    DIR/design.parquet       the design: point, one column per factor
    DIR/runs/part-*.parquet  the results: one row per run (run_id, point, replication,
                             seed, factor values, status, error, wall_seconds, metrics)

The folder's fixed files are written all at once (`atomic_folder`) before the first
run. Then each batch of finished runs becomes one part file, written under a temporary
name, flushed to disk and renamed into place (`os.replace`), so a part is either whole
or absent; a sweep killed at any moment loses at most the runs not yet in a part.
Running again finds the run ids already stored and runs only the others; reading
keeps one row per run id (the latest), so no run is lost or counted twice. A folder
that holds another spec's results (another hash) is refused, never mixed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import tomli_w

from simulator import __version__
from simulator.output import atomic_folder
from simulator.sweep.spec import RUN_COLUMNS, Sweep, SweepError

MANIFEST = "sweep.json"
DESIGN = "design.parquet"
RUNS = "runs"
_ARROW = {"integer": pa.int64(), "real": pa.float64(), "boolean": pa.bool_(), "text": pa.string()}
_FIXED = {
    "run_id": pa.int64(),
    "point": pa.int64(),
    "replication": pa.int64(),
    "seed": pa.int64(),
    "status": pa.string(),
    "error": pa.string(),
    "wall_seconds": pa.float64(),
}


class Store:
    """An open results folder of one sweep; `open` creates or checks it, and locks it."""

    def __init__(self, folder: Path, factor_types: dict[str, str]) -> None:
        self.folder = Path(folder)
        self.factor_types = factor_types
        self._lock: Any = None

    @classmethod
    def open(
        cls, folder: Path, sweep: Sweep, design: pd.DataFrame, command: list[str] | None = None
    ) -> Store:
        """Create the folder for `sweep`, or reopen it to resume; refuse another spec's folder."""
        folder = Path(folder)
        if folder.exists() and any(folder.iterdir()):
            check_folder(folder, sweep)
        else:
            with atomic_folder(folder) as work:
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
        store = cls(folder, types)
        store._acquire()
        for stale in (folder / RUNS).glob(".part-*.tmp"):  # a write that was killed midway
            stale.unlink()
        return store

    def statuses(self) -> pd.Series:
        """The status ("ok" or "error") of every stored run, indexed by run id (latest row)."""
        frames = [pq.read_table(p, columns=["run_id", "status"]).to_pandas() for p in self.parts()]
        if not frames:
            return pd.Series([], dtype=object)
        table = pd.concat(frames).drop_duplicates("run_id", keep="last")
        return table.set_index("run_id")["status"]

    def finished(self, *, retry_failed: bool = False) -> set[int]:
        """Run ids already stored (with `retry_failed`, only those that succeeded)."""
        status = self.statuses()
        if retry_failed:
            status = status[status == "ok"]
        return {int(r) for r in status.index}

    def failed_count(self) -> int:
        """How many stored runs ended in an error."""
        return int((self.statuses() != "ok").sum())

    def parts(self) -> list[Path]:
        """The part files, in the order they were written."""
        return sorted((self.folder / RUNS).glob("part-*.parquet"))

    def write(self, rows: list[dict[str, Any]]) -> Path:
        """Store finished runs as one new part file, atomically (temporary name, fsync, rename)."""
        parts = self.parts()
        number = int(parts[-1].stem.removeprefix("part-")) + 1 if parts else 1
        final = self.folder / RUNS / f"part-{number:06d}.parquet"
        temporary = final.with_name(f".{final.stem}.tmp")
        table = pa.Table.from_pylist(rows, schema=self._schema(rows))
        with open(temporary, "wb") as file:
            pq.write_table(table, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, final)
        return final

    def _schema(self, rows: list[dict[str, Any]]) -> pa.Schema:
        names = list(dict.fromkeys(name for row in rows for name in row))
        known = {**_FIXED, **{n: _ARROW[t] for n, t in self.factor_types.items()}}
        return pa.schema([(name, known.get(name, pa.float64())) for name in names])

    def _acquire(self) -> None:
        """Hold a lock on the folder while this sweep writes to it (POSIX)."""
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; one sweep at a time is on the user
            return
        self._lock = open(self.folder / ".lock", "w")  # noqa: SIM115 - held until close()
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            self._lock = None
            raise SweepError(f"{self.folder}: another sweep is writing to this folder") from None

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def check_folder(folder: Path, sweep: Sweep) -> dict[str, Any]:
    """The manifest of an existing folder, if it holds results of this very sweep."""
    path = folder / MANIFEST
    if not path.is_file():
        raise SweepError(
            f"{folder}: the folder exists and holds no sweep results ({MANIFEST} is missing); "
            "choose another --out"
        )
    manifest = json.loads(path.read_text())
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
    """The manifest of a sweep's results folder; a clear error if it is none."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise SweepError(f"{folder}: not a sweep results folder ({MANIFEST} is missing)")
    return json.loads(path.read_text())


def load_results(folder: str | Path) -> pd.DataFrame:
    """Every stored run of a sweep, one row per run id (the latest), sorted by run id.

    Columns: run_id, point, replication, seed, one per factor, status, error,
    wall_seconds, then one per metric (NaN where a run failed).
    """
    folder = Path(folder)
    factors = list(read_manifest(folder)["factors"])
    parts = sorted((folder / RUNS).glob("part-*.parquet"))
    if not parts:
        return pd.DataFrame(columns=[*_FIXED, *factors])
    table = pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)
    table = table.drop_duplicates("run_id", keep="last").sort_values("run_id")
    head = ["run_id", "point", "replication", "seed", *factors, "status", "error", "wall_seconds"]
    return table[head + [c for c in table.columns if c not in head]].reset_index(drop=True)
