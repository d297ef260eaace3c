"""A results store: one tidy Parquet dataset of runs, written as they finish, that survives.

    FOLDER/runs/part-*.parquet   one row per run (run_id, ..., status, error, wall_seconds,
                                 then the numbers the run produced)

Each batch of finished runs becomes one part file, written under a temporary name,
flushed to disk and renamed into place (`os.replace`), so a part is either whole or
absent; a batch killed at any moment loses at most the runs not yet in a part. Running
again finds the run ids already stored and runs only the others; reading keeps one row
per run id (the latest), so no run is lost or counted twice. While a batch writes, a lock
keeps any other out of the folder. What else the folder holds (a manifest saying what it
is) is the client's: a sweep (`simulator.sweep.store`), a calibration, a plan.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.scenario.errors import ScenarioError

RUNS = "runs"
ARROW_TYPES = {
    "integer": pa.int64(),
    "real": pa.float64(),
    "boolean": pa.bool_(),
    "text": pa.string(),
}
FIXED_COLUMNS = {
    "run_id": pa.int64(),
    "point": pa.int64(),
    "replication": pa.int64(),
    "seed": pa.int64(),
    "status": pa.string(),
    "error": pa.string(),
    "wall_seconds": pa.float64(),
}


class StoreError(ScenarioError):
    """A results folder that cannot be written (another batch holds it, ...)."""


class Store:
    """The runs of an open results folder; `open` locks it and clears half-written parts.

    `value_types` gives the type ("integer", "real", "boolean", "text") of each column
    beyond the fixed ones that is not a real number (a sweep's factors).
    """

    def __init__(self, folder: Path, value_types: dict[str, str]) -> None:
        self.folder = Path(folder)
        self.value_types = value_types
        self._lock: Any = None

    @classmethod
    def open(cls, folder: Path, value_types: dict[str, str]) -> Store:
        """Lock `folder` (which exists, with its runs/ folder) for writing runs."""
        store = cls(folder, value_types)
        store._acquire()
        for stale in (store.folder / RUNS).glob(".part-*.tmp"):  # a write killed midway
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
        known = {**FIXED_COLUMNS, **{n: ARROW_TYPES[t] for n, t in self.value_types.items()}}
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
            raise StoreError(
                f"{self.folder}: another caseload process is writing to this folder"
            ) from None

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def read_runs(folder: Path, first: list[str]) -> pd.DataFrame:
    """Every stored run of `folder`, one row per run id (the latest), sorted by run id;
    columns `first` come first (those missing are created empty when nothing is stored)."""
    parts = sorted((Path(folder) / RUNS).glob("part-*.parquet"))
    if not parts:
        return pd.DataFrame(columns=first)
    table = pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)
    table = table.drop_duplicates("run_id", keep="last").sort_values("run_id")
    return table[first + [c for c in table.columns if c not in first]].reset_index(drop=True)
