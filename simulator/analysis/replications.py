"""How many replications are enough: the replications algorithm of Hoad, Robinson
and Davies (2010), "Automated selection of the number of replications for a discrete-
event simulation", Journal of the Operational Research Society 61(11).

Replications are added one at a time. The run has converged at n replications when,
for every key metric, the half-width of the 95 % confidence interval is within
`precision` of the mean, *and* stays so for the next `look_ahead` replications (the
look-ahead guards against stopping on a lucky early agreement). With more than 100
replications the look-ahead grows in proportion, as in the paper.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from simulator.analysis.stats import t_interval

KEY_METRICS = (
    "caseload_per_worker_mean",
    "backlog_hours_mean",
    "task_wait_days_mean",
    "utilisation_mean",
    "statutory_on_time_share",
)


@dataclass(frozen=True)
class AutoReplications:
    """The stopping rule for `--replications auto`."""

    precision: float = 0.05
    minimum: int = 3
    maximum: int = 100
    look_ahead: int = 5
    metrics: tuple[str, ...] = KEY_METRICS

    def __post_init__(self) -> None:
        if not 0 < self.precision < 1:
            raise ValueError("the precision is a relative half-width between 0 and 1, e.g. 0.05")
        if not 2 <= self.minimum <= self.maximum:
            raise ValueError(
                f"the most replications must be at least the {self.minimum} the rule starts with"
            )

    def look_ahead_at(self, n: int) -> int:
        """f(kLimit, n) of the paper: the look-ahead, growing past 100 replications."""
        return self.look_ahead if n <= 100 else math.floor(self.look_ahead * n / 100)

    def precise(self, history: Mapping[str, Sequence[float]], n: int) -> bool:
        """Whether the first `n` replications pin every key metric within `precision`."""
        return all(relative_half_width(history[m][:n]) <= self.precision for m in self.metrics)

    def converged_at(self, history: Mapping[str, Sequence[float]]) -> int | None:
        """The smallest n whose precision held through its look-ahead, if any yet."""
        done = min(len(history[m]) for m in self.metrics)
        for n in range(self.minimum, done + 1):
            ahead = n + self.look_ahead_at(n)
            if ahead > done:
                return None
            if all(self.precise(history, k) for k in range(n, ahead + 1)):
                return n
        return None

    def stop(self, history: Mapping[str, Sequence[float]]) -> bool:
        """Whether to stop adding replications."""
        done = min(len(history[m]) for m in self.metrics)
        return done >= self.maximum or self.converged_at(history) is not None


def relative_half_width(values: Sequence[float]) -> float:
    """Half-width of the 95 % t-interval over |mean|; 0 when all values agree exactly.

    NaN values (a metric undefined in a replication) are left out, as in the summary.
    """
    finite = [v for v in values if not math.isnan(v)]
    if len(finite) < 2:
        return math.inf
    if max(finite) == min(finite):
        return 0.0
    mean, low, high = t_interval(finite)
    return math.inf if mean == 0 else (high - low) / 2 / abs(mean)
