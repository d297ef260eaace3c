"""Running the calibration's points on the project's batch machinery.

Every point (a scenario variant, `simulator.calibration.targets.Point`) becomes chunks of
runs of the experiments layer: one run per replication, seeded with the calibration's seed
and the replication number alone (common random numbers: replication r of every point and
of every parameter set sees the same arrivals, people, durations and absences wherever the
scenarios agree), measured by `targets.observe`. The chunks go to an executor (serial,
local processes or Dask) and come back as rows, grouped by point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from simulator.calibration.targets import Point, Rows, observe
from simulator.experiments.executors import Executor, SerialExecutor
from simulator.experiments.work import Chunk, Run, run_chunk
from simulator.scenario import scenario_from_dict

SEED = 20151104  # the baseline's seed: the calibration's runs are its replications


class CalibrationRunError(RuntimeError):
    """A run of the calibration raised: its point, replication and error."""


def check_points(points: Iterable[Point], source: str) -> None:
    """Every point's scenario valid, or a ScenarioError that names the point: checked before
    any of them runs (`source`: the scenario file they come from)."""
    for point in points:
        scenario_from_dict(point.data, f"{source} (as the calibration's {point.name} run)")


def run_points(points: Iterable[Point], executor: Executor | None = None,
               seed: int = SEED, done: Callable[[int], None] | None = None) -> Rows:  # fmt: skip
    """Run every replication of every point; the rows of each point, in replication order.
    `done` is told how many runs have ended, as they end.

    Raises `CalibrationRunError` if a run failed (the calibration needs every run).
    """
    points = list(points)
    chunks = []
    for number, point in enumerate(points):
        for replication in point.replications:
            run = Run(len(chunks), number, replication, seed, {})
            chunks.append(Chunk(point.data, {}, (run,), f"calibration: {point.name}", observe))
    executor = executor or SerialExecutor()
    rows: Rows = {p.name: [] for p in points}
    for chunk_rows in executor.imap_unordered(run_chunk, _largest_first(chunks)):
        for row in chunk_rows:
            if row["status"] != "ok":
                name = points[row["point"]].name
                raise CalibrationRunError(
                    f"{name}, replication {row['replication']}: {row['error']}"
                )
            rows[points[row["point"]].name].append(row)
            if done is not None:
                done(sum(map(len, rows.values())))
    for name in rows:
        rows[name].sort(key=lambda r: r["replication"])
    return rows


def _largest_first(chunks: list[Chunk]) -> list[Chunk]:
    """One run per chunk, the longest runs and the largest offices first, so that the
    workers finish close together."""

    def size(chunk: Chunk) -> float:
        sim, staff = chunk.base["simulation"], chunk.base["caseworkers"]["staffing"]
        return sim["duration_years"] * max(entry["caseworkers"] for entry in staff)

    return sorted(chunks, key=lambda c: -size(c))
