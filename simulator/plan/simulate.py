"""Running staffing plans: replications of a scenario with its staffing set, and nothing else.

The planner changes a scenario only through its inputs: the staffing entries (by the one
key-path setter, `simulator.scenario.keys`), how long the run lasts (a run can stop at the
end of the period it is asked about) and, for a range of quotas, the arrival schedule. It
runs through the experiments layer (`Chunk`, `run_chunk`, an executor), one replication per
run, each measured by `targets.measure_periods`.

**Common random numbers.** Replication r of every plan is seeded (seed, r): every plan
sees the same households, people, exits and task durations, so two plans differ by their
staffing alone, and a run changed only from period q on is the same run up to period q.

A run measured over periods 0 .. n' − 1 gives the figures of periods 0 .. n − 1 (n <= n')
of every plan that agrees with it there: the model before the end of period n − 1 does
not depend on the staffing after it nor on when the run stops (tests/test_plan.py), so
the cache answers such a request from the longer run instead of simulating it again.

**Posts, not people.** A staffing entry sets the posts from its date
(`simulator.engine.workforce.Workforce.plan`): a new post is filled on that day (with
[turnover], by a newcomer who starts at `start_productivity` and learns over
`learning_days`), and a post cut goes first to a vacancy, then to the post of someone
under notice (not filled again), else to the latest caseworker not under notice. The
model does not recruit for new posts: the planner puts each entry on the day the post
must be filled, and says when to start recruiting (`plan.Plan`). A staffing entry that
changes nothing is never written (an entry makes the office share its cases out again).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.experiments.executors import Executor
from simulator.experiments.work import Chunk, Run, run_chunk
from simulator.plan import snapshots
from simulator.plan.snapshots import Snapshots
from simulator.plan.targets import FIELDS, Periods, measure_periods
from simulator.scenario import ScenarioError, keys
from simulator.scenario.schema import Scenario, days_to_years

StaffPlan = tuple[int, ...]
KEYS = {"staffing": "caseworkers.staffing", "duration": "simulation.duration_years"}


class PlanError(ScenarioError):
    """A plan that cannot be made: a run failed, or the inputs do not fit."""


@dataclass(frozen=True)
class Sample:
    """What replications of one plan showed: `values[field][i, k]` is replication
    `replications[i]`'s figure for period k (the periods the runs covered)."""

    plan: StaffPlan
    replications: tuple[int, ...]
    values: dict[str, np.ndarray]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    @property
    def periods(self) -> int:
        return next(iter(self.values.values())).shape[1]


@dataclass
class Simulator:
    """Runs plans of one scenario over replications seeded (seed, r), with a cache."""

    scenario: Scenario
    periods: Periods
    executor: Executor
    seed: int
    arrivals_factor: float = 1.0
    runs: int = 0  # replications simulated (cached ones not counted)
    simulated_days: float = 0.0
    events: int = 0
    cpu_seconds: float = 0.0  # CPU time of the replications, in whichever process ran them
    share_warmup: bool = True  # fork each run from its replication's warmed-up office
    warmups: int = 0  # warm-ups simulated for the runs to share (`snapshots`)
    progress: Callable[[int], None] | None = None  # told `runs` after each run
    _cache: dict[tuple[StaffPlan, int, int], dict[str, Any]] = field(default_factory=dict)
    # (posts of periods 0 .. n − 1, replication) -> a cached run covering them
    _covers: dict[tuple[StaffPlan, int], dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        data = plannable(self.scenario)
        if self.arrivals_factor != 1.0:
            data = scaled_arrivals(data, self.arrivals_factor)
        end_days = float(self.periods.bounds[-1])
        if end_days > self.scenario.simulation.duration_days + 1e-9:
            data = keys.with_value(data, KEYS["duration"], duration_years(self.periods.start,
                                                                          end_days))  # fmt: skip
        self.base = data
        self._snapshots: Snapshots | None = None
        first = self.periods.dates[0]
        self.current = [c.caseworkers for c in self.scenario.caseworkers.staffing
                        if c.date <= first][-1]  # fmt: skip

    # ------------------------------------------------------------------ inputs

    def staffing(self, plan: Sequence[int]) -> list[dict[str, Any]]:
        """The scenario's staffing entries for `plan` (`staffing_entries`)."""
        return staffing_entries(self.scenario, self.periods, plan)

    # ------------------------------------------------------------------ running

    def sample(
        self, plan: Sequence[int], replications: Sequence[int], until: int | None = None
    ) -> Sample:
        """Replications of `plan`, measured over its first `until` periods (all by default;
        runs stop at the end of the last period asked for)."""
        return self.samples([(plan, replications, until)])[0]

    def samples(
        self, jobs: Sequence[tuple[Sequence[int], Sequence[int], int | None]]
    ) -> list[Sample]:
        """Several plans' replications at once (all run together on the executor)."""
        wanted: list[tuple[StaffPlan, int, int]] = []
        for plan, reps, until in jobs:
            n = self.periods.n if until is None else until
            wanted.extend((tuple(plan[:n]), n, r) for r in reps)
        self._run([key for key in dict.fromkeys(wanted) if self._row(*key) is None])
        out = []
        for plan, reps, until in jobs:
            n = self.periods.n if until is None else until
            rows = [self._row(tuple(plan[:n]), n, r) or {} for r in reps]
            values = {name: np.array([row[name][:n] for row in rows], dtype=float).reshape(
                len(rows), n) for name in FIELDS}  # fmt: skip
            out.append(Sample(tuple(plan), tuple(reps), values))
        return out

    def _row(self, plan: StaffPlan, n: int, rep: int) -> dict[str, Any] | None:
        """The cached run of `plan` (periods 0 .. n − 1) in replication `rep`, or a longer
        one that agrees with it over those periods (module docstring)."""
        return self._cache.get((plan, n, rep)) or self._covers.get((plan, rep))

    def _run(self, keys_: list[tuple[StaffPlan, int, int]]) -> None:
        if not keys_:
            return
        bounds = self.periods.bounds
        for row in self._rows(keys_):
            if row["status"] != "ok":
                raise PlanError(f"a planning run failed: {row['error']}")
            plan, n, rep = keys_[row["run_id"]]
            self._cache[plan, n, rep] = row
            for m in range(1, n + 1):  # the longest run answers for each of its prefixes
                known = self._covers.get((plan[:m], rep))
                if known is None or len(known["open"]) < n:
                    self._covers[plan[:m], rep] = row
            self.runs += 1
            if self.progress is not None:
                self.progress(self.runs)
            self.simulated_days += float(bounds[n]) - (self.warmup_days if self._snapshots else 0)
            self.events += int(row.get("events", 0))
            self.cpu_seconds += float(row.get("cpu_seconds", 0.0))

    @property
    def warmup_days(self) -> float:
        """Days before the first period: what the runs share (`snapshots`)."""
        return float(self.periods.bounds[0])

    def _rows(self, keys_: list[tuple[StaffPlan, int, int]]) -> Iterator[dict[str, Any]]:
        """The runs of `keys_` (plan, periods, replication), each a row of figures with its
        index in `keys_` as `run_id`: forked from the replication's warmed-up office
        (`snapshots`) where that is possible, else each run from the start."""
        bounds = self.periods.bounds
        padded = [list(plan) + [plan[-1]] * (self.periods.n - n) for plan, n, _ in keys_]
        if self._snapshots is None and self.share_warmup and snapshots.available(bounds[0]):
            first = self.periods.dates[0]
            before = [e for e in self.staffing(padded[0]) if e["date"] < first]
            self._snapshots = Snapshots(self.base, before, float(bounds[0]), self.periods.end,
                                        self.seed, self.executor.workers)  # fmt: skip
        if self._snapshots is not None:
            first = self.periods.dates[0]
            jobs = []
            for run_id, ((_, n, rep), plan) in enumerate(zip(keys_, padded, strict=True)):
                entries = [(e["date"], e["caseworkers"]) for e in self.staffing(plan)
                           if e["date"] >= first]  # fmt: skip
                jobs.append((rep, (run_id, entries, float(bounds[n]), tuple(bounds[: n + 1]))))
            cpu, warmups = self._snapshots.cpu_seconds, self._snapshots.warmups
            for _, row in self._snapshots.run(jobs):
                yield row
            self.cpu_seconds += self._snapshots.cpu_seconds - cpu  # the warm-ups, once each
            self.warmups += self._snapshots.warmups - warmups
            self.simulated_days += (self._snapshots.warmups - warmups) * self.warmup_days
            return
        chunks = []
        for run_id, ((_, n, rep), plan) in enumerate(zip(keys_, padded, strict=True)):
            values = {
                "staffing": self.staffing(plan),
                "duration": duration_years(self.periods.start, float(bounds[n]))
                if n < self.periods.n
                else self.base["simulation"]["duration_years"],
            }
            measure = functools.partial(measure_periods, bounds=tuple(bounds[: n + 1].tolist()))
            run = Run(run_id, 0, rep, self.seed, values)
            chunks.append(Chunk(self.base, KEYS, (run,), "caseload plan", measure))
        for rows in self.executor.imap_unordered(run_chunk, chunks):
            yield from rows

    def close(self) -> None:
        """Stop the holders of the warmed-up offices, if any."""
        if self._snapshots is not None:
            self._snapshots.close()
            self._snapshots = None


def staffing_entries(
    scenario: Scenario, periods: Periods, plan: Sequence[int]
) -> list[dict[str, Any]]:
    """The staffing entries for `plan` (posts per period): the scenario's entries before the
    first period as they are, then one entry wherever the posts change (the scenario's
    later entries give way to the plan)."""
    first = periods.dates[0]
    staffing = scenario.caseworkers.staffing
    entries = [{"date": c.date, "caseworkers": c.caseworkers} for c in staffing if c.date < first]
    previous = entries[-1]["caseworkers"] if entries else None
    for date, posts in zip(periods.dates, plan, strict=True):
        if posts != previous:
            entries.append({"date": date, "caseworkers": int(posts)})
            previous = posts
    return entries


def plannable(scenario: Scenario) -> dict[str, Any]:
    """`scenario` as data whose people at the start stay when a plan changes the posts:
    `[initial_state]` without `caseworkers` counts them from the posts at the start
    (less the vacancies), which the plan sets; it is set to the scenario's own count, so
    a plan's posts at the start are added or cut at the start, as any staffing change."""
    data = scenario.to_dict()
    state = scenario.initial_state
    if state is not None and state.caseworkers is None:
        data = keys.with_value(data, "initial_state.caseworkers", scenario.at_work_at_start())
    return data


def planned_scenario(
    scenario: Scenario, periods: Periods, plan: Sequence[int], arrivals_factor: float = 1.0
) -> Scenario:
    """`scenario` with `plan`'s staffing and its arrivals times `arrivals_factor`, validated."""
    from simulator.scenario import changed_scenario

    data = plannable(scenario)
    if arrivals_factor != 1.0:
        data = scaled_arrivals(data, arrivals_factor)
    entries = staffing_entries(scenario, periods, plan)
    return changed_scenario(data, {KEYS["staffing"]: entries}, "<plan>")


def duration_years(start: dt.date, days: float) -> float:
    """`simulation.duration_years` for a run of `days` days from `start` (as computed: the
    runs forked from a shared warm-up end where the runs from the start do)."""
    return days_to_years(start, days, not_longer=False)


def scaled_arrivals(data: dict[str, Any], factor: float) -> dict[str, Any]:
    """Scenario data with the refugees' arrival schedule (per_month, monthly or yearly)
    multiplied by `factor`; spouses of Danish citizens are not part of the quota."""
    arrivals = data["arrivals"]
    if arrivals.get("per_month") is not None:
        return keys.with_value(data, "arrivals.per_month", arrivals["per_month"] * factor)
    if arrivals.get("monthly") is not None:
        counts = [c * factor for c in arrivals["monthly"]]
        if arrivals.get("process", "exact") == "exact":
            counts = [float(math.floor(c + 0.5)) for c in counts]
        return keys.with_value(data, "arrivals.monthly", counts)
    quotas = [{**q, "refugees": q["refugees"] * factor} for q in arrivals["yearly"]]
    return keys.with_value(data, "arrivals.yearly", quotas)
