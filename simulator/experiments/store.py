"""A results store: one tidy Parquet dataset of runs, written as they finish, that survives.

    FOLDER/runs/part-*.parquet   one row per run (run_id, ..., status, error, wall_seconds,
                                 then the numbers the run produced)
    FOLDER/runs/.store.json      the store's format: parts carry checksums
    FOLDER/quarantine/           damaged parts, moved aside (never read, never deleted);
                                 outside runs/, so `pandas.read_parquet(FOLDER / "runs")`
                                 reads the sound parts and never trips on a damaged one

Each batch of finished runs becomes one part file, written under a temporary name,
flushed to disk and renamed into place (`os.replace`), so a part is either whole or
absent; a batch killed at any moment loses at most the runs not yet in a part. Running
again finds the run ids already stored and runs only the others; reading keeps one row
per run id (the latest), so no run is lost or counted twice. While a batch writes, a lock
keeps any other out of the folder. What else the folder holds (a manifest saying what it
is) is the client's: a sweep (`simulator.sweep.store`), a calibration, a plan.

Damage. A disk, a copy or a hand can still damage a part after it is written: cut it
short, empty it, flip bytes. Every part carries two checks: Parquet's own CRC of each
data page (`write_page_checksum`), verified as the part is read, and a SHA-256 of its
rows in the part's metadata, compared with the rows read. A part that fails either is
never read silently: opening the store to write moves it into `quarantine/`, beside
`runs/` (a folder of earlier versions' `runs/quarantine/` is moved there too), and
reports it, and its runs are run again (the same seeds give the same rows); reading the
results (`read_runs`, the analysis) skips it and reports it. Parts written before
checksums existed (a store without `.store.json`) are read with what they have.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.scenario.errors import ScenarioError

RUNS = "runs"
QUARANTINE = "quarantine"
FORMAT_FILE = ".store.json"
FORMAT = {"format": 2, "checks": "parquet page CRC32; sha256 of the rows in caseload.sha256"}
DIGEST_KEY = b"caseload.sha256"
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


class DamagedPart(Exception):
    """A part file that cannot be trusted: unreadable, or its rows fail their checksum."""


class Skipped(str):
    """A damaged part skipped as it was read, as `on_damaged` is given it: the text
    "part: why", and the part's path (`part`), so that no one parses it out of the text."""

    part: Path

    def __new__(cls, part: Path, why: object) -> Skipped:
        skipped = super().__new__(cls, f"{part}: {why}")
        skipped.part = Path(part)
        return skipped


class Store:
    """The runs of an open results folder; `open` locks it, clears half-written parts and
    moves damaged ones aside (`quarantined` says which, and why).

    `value_types` gives the type ("integer", "real", "boolean", "text") of each column
    beyond the fixed ones that is not a real number (a sweep's factors).
    """

    def __init__(self, folder: Path, value_types: dict[str, str]) -> None:
        self.folder = Path(folder)
        self.value_types = value_types
        self.quarantined: list[str] = []  # "part-000003.parquet: why", this opening
        self._lock: Any = None
        self._status: dict[int, str] = {}  # run id -> status, from every sound part

    @classmethod
    def open(cls, folder: Path, value_types: dict[str, str]) -> Store:
        """Lock `folder` (which exists, with its runs/ folder) for writing runs; verify
        every part, quarantining the damaged ones."""
        store = cls(folder, value_types)
        store._acquire()
        runs = store.folder / RUNS
        for stale in runs.glob(".part-*.tmp"):  # a write killed midway
            stale.unlink()
        moved_out(runs / QUARANTINE, store.folder / QUARANTINE)
        checked = checksummed(runs)
        if not checked and not store.parts():  # a new store: every part will carry checks
            (runs / FORMAT_FILE).write_text(json.dumps(FORMAT) + "\n", encoding="utf-8")
            checked = True
        for part in store.parts():
            try:
                table = read_part(part, require_digest=checked)
            except DamagedPart as exc:
                store.quarantined.append(f"{part.name}: {exc}")
                quarantine(part)
                continue
            store._note(table.column("run_id").to_pylist(), table.column("status").to_pylist())
        return store

    def statuses(self) -> pd.Series:
        """The status ("ok" or "error") of every stored run, indexed by run id (latest row)."""
        return pd.Series(self._status, dtype=object)

    def finished(self, *, retry_failed: bool = False) -> set[int]:
        """Run ids already stored (with `retry_failed`, only those that succeeded)."""
        if retry_failed:
            return {run for run, status in self._status.items() if status == "ok"}
        return set(self._status)

    def failed_count(self) -> int:
        """How many stored runs ended in an error."""
        return sum(status != "ok" for status in self._status.values())

    def parts(self) -> list[Path]:
        """The part files, in the order they were written."""
        return sorted((self.folder / RUNS).glob("part-*.parquet"))

    def write(self, rows: list[dict[str, Any]]) -> Path:
        """Store finished runs as one new part file, atomically (temporary name, fsync,
        rename), with page checksums and a digest of its rows."""
        table = pa.Table.from_pylist(rows, schema=self._schema(rows))
        final = write_part(self.folder / RUNS, table)
        self._note([row["run_id"] for row in rows], [row["status"] for row in rows])
        return final

    def _note(self, run_ids: list[int], statuses: list[str]) -> None:
        for run, status in zip(run_ids, statuses, strict=True):
            self._status[int(run)] = status

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


def write_part(folder: Path, table: pa.Table) -> Path:
    """`table` as the next part file of `folder` (part-000001.parquet, ...), atomically
    (temporary name, fsync, rename), with page checksums and a digest of its rows."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = sorted(folder.glob("part-*.parquet"))
    number = int(parts[-1].stem.removeprefix("part-")) + 1 if parts else 1
    final = folder / f"part-{number:06d}.parquet"
    temporary = final.with_name(f".{final.stem}.tmp")
    table = table.replace_schema_metadata({DIGEST_KEY: digest(table).encode()})
    with open(temporary, "wb") as file:
        pq.write_table(table, file, write_page_checksum=True)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, final)
    return final


def read_runs(
    folder: Path, first: list[str], on_damaged: Callable[[Skipped], None] | None = None
) -> pd.DataFrame:
    """Every stored run of `folder`, one row per run id (the latest), sorted by run id;
    columns `first` come first (those missing are created empty when nothing is stored).

    A damaged part is skipped, never read, and reported to `on_damaged` ("part: why");
    it stays where it is (reading changes nothing: a sweep may be writing).
    """
    runs = Path(folder) / RUNS
    checked = checksummed(runs)
    tables = []
    for part in sorted(runs.glob("part-*.parquet")):
        try:
            tables.append(read_part(part, require_digest=checked).to_pandas())
        except DamagedPart as exc:
            if on_damaged is not None:
                on_damaged(Skipped(part, exc))
    if not tables:
        return pd.DataFrame(columns=first)
    table = pd.concat(tables, ignore_index=True)
    table = table.drop_duplicates("run_id", keep="last").sort_values("run_id")
    return table[first + [c for c in table.columns if c not in first]].reset_index(drop=True)


def read_part(
    path: Path, *, require_digest: bool = True, columns: tuple[str, ...] = ("run_id", "status")
) -> pa.Table:
    """A part file's rows, verified: its page checksums as it is read, then the digest of
    its rows, and that it has `columns`. Raises `DamagedPart` saying what is wrong (without
    a digest, a part of a store from before checksums is accepted unless `require_digest`)."""
    try:
        table = pq.read_table(path, page_checksum_verification=True)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DamagedPart(f"unreadable ({_first_line(exc)})") from None
    stored = (table.schema.metadata or {}).get(DIGEST_KEY)
    if stored is None:
        if require_digest:
            raise DamagedPart("its checksum is missing")
        return table
    try:
        rows = digest(table)
    except (pa.ArrowException, ValueError) as exc:  # text that is no longer UTF-8, ...
        raise DamagedPart(f"unreadable ({_first_line(exc)})") from None
    if stored.decode(errors="replace") != rows:
        raise DamagedPart("its rows do not match their checksum")
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise DamagedPart(f"no {' or '.join(missing)} column")
    return table


def digest(table: pa.Table) -> str:
    """SHA-256 of a table's columns, types and values (canonical: the same rows give the
    same digest however Arrow lays them out in memory or Parquet on disk)."""
    sha = hashlib.sha256()
    for name, column in zip(table.column_names, table.columns, strict=True):
        values = json.dumps([name, str(column.type), column.to_pylist()], default=str)
        sha.update(values.encode())
    return sha.hexdigest()


def checksummed(runs: Path) -> bool:
    """Whether the store at `runs` was made with checksums (its parts must carry them)."""
    return (runs / FORMAT_FILE).is_file()


def quarantine(part: Path) -> Path:
    """Move a damaged part of FOLDER/runs/ into FOLDER/quarantine/ (never over another
    file); its runs are then missing from the store and run again. Outside runs/, as
    Parquet readers take every file under a dataset's folder for part of it."""
    return set_aside(part, part.parent.parent / QUARANTINE)


def moved_out(old: Path, new: Path) -> None:
    """Move the parts an earlier version quarantined inside runs/ (`old`) to `new`, and
    remove `old` once empty: inside runs/, `pandas.read_parquet` read them as parts."""
    if not old.is_dir() or old.is_symlink():
        return
    for part in sorted(old.iterdir()):
        if part.is_file():
            set_aside(part, new)
    if not any(old.iterdir()):
        old.rmdir()


def set_aside(part: Path, folder: Path) -> Path:
    """Move `part` into `folder` (made, with its parents, if missing) under its name, or
    with a number added where that is taken: no quarantined file is ever overwritten."""
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / part.name, 1
    while target.exists():
        target, n = folder / f"{part.stem}.{n}{part.suffix}", n + 1
    os.replace(part, target)
    return target


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
