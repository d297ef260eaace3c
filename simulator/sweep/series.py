"""Each run's weekly series, stored beside the runs as a partitioned Parquet dataset.

    DIR/series/metric=<name>/part-000001.parquet   run_id, point, replication, week, date, value

A spec with ``series = ["backlog_hours", ...]`` stores those weekly series of every run
(`simulator.analysis.metrics.TIMESERIES_METRICS` names them). The dataset is partitioned
by metric (Hive style, so `pyarrow.dataset` and pandas read one metric without touching
the others) and written in parts, one per metric each time the runs are written: a sweep
of thousands of runs never holds its series in memory, and reading the series of a few
design points reads only their rows (a filter pushed down to the Parquet row groups).
Parts are written like the runs' (`experiments.store.write_part`: temporary name,
flushed, renamed, with page checksums and a digest of the rows), the series before the
runs they belong to, so a stored run always has its series; a run's series written again
after an interruption is read once (the latest).

Damage. A part is verified as it is read (`experiments.store.read_part`); a damaged one
is skipped and reported (`on_damaged`, by default a warning), never read silently, and
left where it is (reading changes nothing: a sweep may be writing). Only the series of
the runs in that part are missing; the runs' rows are intact. Resuming the sweep
(`check_series`, the folder locked) verifies every part, moves a damaged one into
DIR/quarantine/series/metric=<name>/ (outside series/, which Parquet readers take whole)
and names the stored runs that lack a series, whether its part was damaged or is gone:
the runner runs them again and writes that series only, never their rows again. Which
runs a damaged part held cannot be read from it; they are the stored runs that no sound
part holds a series of.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from simulator.experiments.store import (
    RUNS,
    DamagedPart,
    Skipped,
    checksummed,
    read_part,
    set_aside,
    write_part,
)
from simulator.sweep.damage import series_quarantine, skipped_text
from simulator.sweep.measure import SERIES_KEY
from simulator.sweep.spec import SweepError

SERIES = "series"
SCHEMA = pa.schema(
    [
        ("run_id", pa.int64()),
        ("point", pa.int64()),
        ("replication", pa.int64()),
        ("week", pa.int64()),
        ("date", pa.date32()),
        ("value", pa.float64()),
    ]
)


def take_series(rows: list[dict[str, Any]]) -> list[tuple[int, int, int, dict[str, np.ndarray]]]:
    """Remove the series from finished rows: (run_id, point, replication, series) each."""
    taken = []
    for row in rows:
        payload = row.pop(SERIES_KEY, None)
        if payload is not None:
            taken.append((row["run_id"], row["point"], row["replication"], payload))
    return taken


def write_series(folder: Path, runs: list[tuple[int, int, int, dict[str, np.ndarray]]]) -> None:
    """Append the series of `runs` to `folder`/series, one new part per metric, atomically.
    A run gives the metrics its payload holds (a run made again for a lost series, that
    one only)."""
    metrics = dict.fromkeys(name for run in runs for name in run[3] if name != "__dates__")
    for metric in metrics:
        columns: dict[str, list[np.ndarray]] = {name: [] for name in SCHEMA.names}
        for run_id, point, replication, payload in runs:
            if metric not in payload:
                continue
            values = payload[metric]
            n = len(values)
            columns["run_id"].append(np.full(n, run_id, dtype="int64"))
            columns["point"].append(np.full(n, point, dtype="int64"))
            columns["replication"].append(np.full(n, replication, dtype="int64"))
            columns["week"].append(np.arange(n, dtype="int64"))
            columns["date"].append(payload["__dates__"][:n])
            columns["value"].append(values)
        table = pa.table(
            {name: np.concatenate(parts) for name, parts in columns.items()}, schema=SCHEMA
        )
        write_part(folder / SERIES / f"metric={metric}", table)


def series_metrics(folder: str | Path) -> list[str]:
    """The weekly series stored in a sweep's folder."""
    root = Path(folder) / SERIES
    if not root.is_dir():
        return []
    return sorted(p.name.removeprefix("metric=") for p in root.glob("metric=*") if p.is_dir())


def load_series(
    folder: str | Path,
    metric: str,
    points: list[int] | None = None,
    on_damaged: Callable[[Skipped], None] | None = None,
) -> pd.DataFrame:
    """One stored weekly series of a sweep: run_id, point, replication, week, date, value.

    `points` keeps those design points only. One row per (run, week): a run's series
    stored twice (a sweep interrupted and resumed) is read once. Each part is verified as
    a whole before its rows are used (its digest covers every row), so every part is read;
    a damaged one is skipped and reported to `on_damaged` (default: a warning).
    """
    stored = series_metrics(folder)
    if metric not in stored:
        raise SweepError(
            f"{folder}: no weekly series {metric!r} stored"
            + (f"; stored: {', '.join(stored)}" if stored else "; the spec's 'series' was empty")
        )
    checked = checksummed(Path(folder) / RUNS)  # a sweep made with checksums: every part
    tables = []
    for part in parts(folder, metric):
        try:
            tables.append(read_series_part(part, checked))
        except DamagedPart as exc:
            (on_damaged or _warn)(Skipped(part, exc))
    table = pa.concat_tables(tables or [SCHEMA.empty_table()]).to_pandas()
    if points is not None:
        table = table[table["point"].isin(points)]
    table = table.drop_duplicates(["run_id", "week"], keep="last")
    table["date"] = pd.to_datetime(table["date"])
    return table.sort_values(["point", "replication", "week"]).reset_index(drop=True)


def _warn(problem: str) -> None:
    warnings.warn(skipped_text(problem, series=True), stacklevel=3)


def parts(folder: str | Path, metric: str) -> list[Path]:
    """The part files of one weekly series, in the order they were written."""
    return sorted((Path(folder) / SERIES / f"metric={metric}").glob("part-*.parquet"))


def read_series_part(part: Path, checked: bool) -> pa.Table:
    """A part of a weekly series, verified (`read_part`: its page checksums, the digest of
    its rows, required where the sweep was `checked`) and in the series' columns and types;
    `DamagedPart` if it fails any of these."""
    try:
        table = read_part(part, require_digest=checked, columns=tuple(SCHEMA.names))
        return table.select(SCHEMA.names).cast(SCHEMA)
    except (pa.ArrowException, ValueError) as exc:  # a column of another type
        first = str(exc).strip().splitlines()[:1] or [type(exc).__name__]
        raise DamagedPart(f"not the series' columns ({first[0][:200]})") from None


@dataclass
class SeriesCheck:
    """What resuming a sweep found of its weekly series (`check_series`)."""

    # damaged parts moved aside, per metric: "part-000002.parquet: why"
    quarantined: dict[str, list[str]] = field(default_factory=dict)
    # the stored runs lacking each metric's series (in a damaged part, or a part gone)
    lacking: dict[str, set[int]] = field(default_factory=dict)

    def lacking_by_run(self) -> dict[int, set[str]]:
        """The series each run lacks: run id -> metrics."""
        runs: dict[int, set[str]] = {}
        for metric, ids in self.lacking.items():
            for run in ids:
                runs.setdefault(run, set()).add(metric)
        return runs


def check_series(folder: Path, metrics: Iterable[str], stored: set[int]) -> SeriesCheck:
    """On resuming a sweep (its folder locked): verify every part of each weekly series in
    `metrics`, move the damaged ones into DIR/quarantine/series/metric=<name>/, and
    find which of the `stored` runs (those whose rows are stored as succeeded: a failed run
    has no series) no sound part holds the series of, to be run again for it.

    Every part is read whole to be verified, as `load_series` does (its digest covers
    every row: `experiments.store.digest`); the cost is not yet timed by a benchmark."""
    found = SeriesCheck()
    checked = checksummed(folder / RUNS)
    for metric in metrics:
        held: set[int] = set()
        for part in parts(folder, metric):
            try:
                table = read_series_part(part, checked)
            except DamagedPart as exc:
                set_aside(part, series_quarantine(folder) / part.parent.name)
                found.quarantined.setdefault(metric, []).append(f"{part.name}: {exc}")
                continue
            held.update(table.column("run_id").unique().to_pylist())
        if stored - held:
            found.lacking[metric] = stored - held
    return found


def series_bands(series: pd.DataFrame) -> pd.DataFrame:
    """Per point and week: the mean over replications and the 10th–90th percentile band."""
    grouped = series.groupby(["point", "week", "date"])["value"]
    table = grouped.agg(
        mean="mean",
        p10=lambda v: float(np.percentile(v, 10)),
        p90=lambda v: float(np.percentile(v, 90)),
        replications="size",
    )
    return table.reset_index()
