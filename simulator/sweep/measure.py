"""What a sweep records of each run: the summary metrics, stability, and (optionally) series.

`measure` runs one replication in a worker and returns the run's row: every summary
metric, the stability columns (`stability.py`: is the backlog still rising at the end,
how fast, where it ends) and, when the spec asks for weekly series, those series under
`SERIES_KEY`, which the driver takes out of the row and writes to the series dataset
(`series.py`). It is a module-level function (bound with `functools.partial`), so that
it pickles to process and Dask workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simulator.analysis.metrics import analyse
from simulator.engine.model import Municipality
from simulator.scenario import Scenario
from simulator.sweep.stability import stability

SERIES_KEY = "__series__"


def measure(
    scenario: Scenario, replication: int, seed: int, series: Sequence[str] = ()
) -> dict[str, Any]:
    """One replication of `scenario`: summary metrics, stability and the chosen weekly series."""
    model = Municipality(scenario, replication=replication, seed=seed)
    record = model.run()
    stats = analyse(record, model.calendar)
    row: dict[str, Any] = dict(stats.summary)
    row.update(stability(stats.weekly, float(record.warmup)))
    if series:
        weekly = stats.weekly[stats.weekly["metric"].isin(series)]
        row[SERIES_KEY] = {
            name: weekly.loc[weekly["metric"] == name, "value"].to_numpy(dtype="float64")
            for name in series
        }
        row[SERIES_KEY]["__dates__"] = (
            weekly.loc[weekly["metric"] == series[0], "date"].to_numpy().astype("datetime64[D]")
        )
    return row
