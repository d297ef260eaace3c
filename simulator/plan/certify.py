"""Is the plan enough, and is it the least? Sequential checks on fresh replications.

**The certificate** (`certify`) is a feasibility check under stochastic constraints, in
the spirit of Batur & Kim ("Finding feasible systems in the presence of constraints on
multiple performance measures", *ACM TOMACS* 20(3), 2010) and Healey, Andradóttir & Kim
(*ACM TOMACS* 24(3), 2014, with common random numbers): every period is a constraint
p_k >= c, p_k being the probability that period k meets both targets, c the confidence
asked for. Each replication gives, for every period at once, a success indicator X_k.
For each period a sequential probability ratio test (Wald 1945) between p_k = c − ε (the
period does not meet the targets) and p_k = c + ε (it does), ε the indifference zone
(`indifference`), adds the log-likelihood ratio of one replication after another:

    log Λ_k = S · log((c + ε) / (c − ε)) + F · log((1 − c − ε) / (1 − c + ε)),

S successes and F failures so far, and decides "met" when log Λ_k >= log((1 − β) / α),
"missed" when log Λ_k <= log(β / (1 − α)). With α = β = `ERROR` / K for K periods
(Bonferroni, as Batur & Kim split the error over constraints), the probability that any
period is wrongly declared is at most `ERROR` whenever every p_k lies outside the zone
(c − ε, c + ε); inside it either answer is acceptable. Replications are examined in their
order, whatever order they finish in, so the decision does not depend on the executor.
A period still undecided after `max_replications` is reported as undecided, with its
Clopper–Pearson interval, and no claim is made for it. The replications are fresh:
numbers the search never used, with the same seed, so independent of the search sample.

With `meet = "mean"` a fixed number of fresh replications is run and each period's means
are compared with the targets by one-sided t bounds at level 1 − (1 − confidence) / K.

**Minimality** (`one_fewer`): for each period whose posts were set by its need (not held
up by --no-firing or --max-change), the plan with one caseworker fewer in that period
alone, tested with the same sequential test, each claim at level `ERROR`: "one fewer
misses" (the period then meets its targets with probability at most c − ε), "one fewer
also meets" (the plan is not the least), or undecided. Where the caseload alone settles
it, it is read off the certificate's runs (with n − 1 posts the caseload is at least n /
(n − 1) times the plan's); otherwise the reduced plan is run on the same fresh
replications (common random numbers, runs stopped at the end of the period). The figures
of the reduced period beside the plan's say by how much it misses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from simulator.plan.search import caseloads, met, on_time_shares
from simulator.plan.simulate import Sample, Simulator
from simulator.plan.targets import Targets

ERROR = 0.05  # family-wise error of the certificate; of each minimality claim
INDIFFERENCE = 0.05  # half-width of the indifference zone around the confidence

MET, MISSED, UNDECIDED = "met", "missed", "undecided"


@dataclass(frozen=True)
class Sprt:
    """Wald's sequential probability ratio test of p <= p0 against p >= p1 (Bernoulli)."""

    p0: float
    p1: float
    alpha: float
    beta: float

    @classmethod
    def around(cls, confidence: float, error: float, indifference: float = INDIFFERENCE) -> Sprt:
        """The test of p = confidence ± ε at errors `error` (ε narrower near 1)."""
        eps = min(indifference, (1 - confidence) / 2)
        return cls(confidence - eps, confidence + eps, error, error)

    @property
    def upper(self) -> float:
        return math.log((1 - self.beta) / self.alpha)

    @property
    def lower(self) -> float:
        return math.log(self.beta / (1 - self.alpha))

    def llr(self, successes: int, failures: int) -> float:
        return successes * math.log(self.p1 / self.p0) + failures * math.log(
            (1 - self.p1) / (1 - self.p0)
        )

    def decide(self, outcomes: Sequence[bool]) -> tuple[str, int]:
        """The decision on `outcomes` examined in order, and how many it used."""
        s = f = 0
        for i, ok in enumerate(outcomes, start=1):
            s, f = s + bool(ok), f + (not ok)
            llr = self.llr(s, f)
            if llr >= self.upper:
                return MET, i
            if llr <= self.lower:
                return MISSED, i
        return UNDECIDED, len(outcomes)

    def needed(self) -> int:
        """Replications it takes to decide "met" when every one succeeds."""
        return math.ceil(self.upper / math.log(self.p1 / self.p0))


def clopper_pearson(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Two-sided Clopper–Pearson interval for a binomial proportion."""
    if n == 0:
        return 0.0, 1.0
    a = (1 - level) / 2
    low = 0.0 if successes == 0 else float(stats.beta.ppf(a, successes, n - successes + 1))
    high = 1.0 if successes == n else float(stats.beta.ppf(1 - a, successes + 1, n - successes))
    return low, high


@dataclass(frozen=True)
class PeriodCheck:
    """One period's verdict: decision, replications used, successes, and the interval."""

    decision: str
    replications: int
    successes: int
    low: float
    high: float


@dataclass(frozen=True)
class Certificate:
    """The plan's check on fresh replications: a verdict per period, and the sample."""

    plan: tuple[int, ...]
    checks: list[PeriodCheck]
    sample: Sample
    test: Sprt | None  # None with meet = "mean"

    @property
    def certified(self) -> bool:
        return all(c.decision == MET for c in self.checks)

    @property
    def missed(self) -> list[int]:
        return [k for k, c in enumerate(self.checks) if c.decision == MISSED]


def certify(
    simulator: Simulator,
    plan: Sequence[int],
    targets: Targets,
    replications: Sequence[int],
    batch: int,
    caseload_only: Sequence[bool] | None = None,
    stop_at_miss: bool = True,
) -> Certificate:
    """Check `plan` period by period on the fresh `replications`, in order (module
    docstring); the periods flagged `caseload_only` on their caseload target alone. With
    `stop_at_miss` the check stops as soon as a period is declared missed (the planner
    raises it and checks again); otherwise it goes on until every period is decided or
    the replications are used up."""
    k_periods = len(plan)
    if targets.meet == "mean":
        sample = simulator.sample(plan, replications)
        checks = _mean_checks(sample, targets, k_periods, caseload_only)
        return Certificate(tuple(plan), checks, sample, None)
    test = Sprt.around(targets.confidence, ERROR / k_periods)
    done = 0
    while True:
        done = min(len(replications), done + batch)
        sample = simulator.sample(plan, replications[:done])
        ok = met(sample, targets, caseload_only)
        decisions = [test.decide(ok[:, k]) for k in range(k_periods)]
        settled = all(d != UNDECIDED for d, _ in decisions)
        missed = stop_at_miss and any(d == MISSED for d, _ in decisions)
        if settled or done == len(replications) or missed:
            break
    checks = []
    for k, (decision, used) in enumerate(decisions):
        wins = int(ok[:used, k].sum())
        checks.append(PeriodCheck(decision, used, wins, *clopper_pearson(wins, used)))
    return Certificate(tuple(plan), checks, sample, test)


def _mean_checks(
    sample: Sample,
    targets: Targets,
    k_periods: int,
    caseload_only: Sequence[bool] | None = None,
) -> list[PeriodCheck]:
    """meet = "mean": one-sided t bounds on each period's mean caseload and on-time share."""
    level = 1 - (1 - targets.confidence) / k_periods
    load, share = caseloads(sample, targets), on_time_shares(sample)
    ok = met(sample, targets, caseload_only)
    flags = list(caseload_only) if caseload_only is not None else [False] * k_periods
    checks = []
    for k in range(k_periods):
        load_high, load_low = _bounds(load[:, k], level)
        share_high, share_low = _bounds(share[:, k], level)
        if flags[k]:
            share_high = share_low = math.inf
        if load_high <= targets.caseload_limit and share_low >= targets.on_time:
            decision = MET
        elif load_low > targets.caseload_limit or share_high < targets.on_time:
            decision = MISSED
        else:
            decision = UNDECIDED
        n = len(sample.replications)
        wins = int(ok[:, k].sum())
        checks.append(PeriodCheck(decision, n, wins, *clopper_pearson(wins, n)))
    return checks


def _bounds(values: np.ndarray, level: float) -> tuple[float, float]:
    """(upper, lower) one-sided t bounds of the mean at `level`; NaN values left out
    (no values: no constraint, (-inf, inf) so that it is met and never missed)."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return -math.inf, math.inf
    if v.size == 1 or float(v.std()) == 0.0:
        return float(v.mean()), float(v.mean())
    half = float(stats.t.ppf(level, v.size - 1)) * float(v.std(ddof=1)) / math.sqrt(v.size)
    return float(v.mean()) + half, float(v.mean()) - half


@dataclass(frozen=True)
class OneFewer:
    """The plan with one caseworker fewer in one period, on the certificate's replications."""

    period: int
    posts: int
    decision: str  # MISSED: one fewer misses (minimal); MET: one fewer also meets; UNDECIDED
    replications: int
    successes: int
    caseload_mean: float
    on_time_mean: float  # NaN where read off the plan's runs (not simulated)
    simulated: bool = True  # False: read off the plan's runs (`one_fewer`)


def one_fewer(
    simulator: Simulator,
    plan: Sequence[int],
    periods: Sequence[int],
    targets: Targets,
    replications: Sequence[int],
    batch: int,
    certificate: Certificate | None = None,
    caseload_only: Sequence[bool] | None = None,
) -> list[OneFewer]:
    """For each of `periods`, the plan with one fewer caseworker there (module docstring).

    First without simulating, from the certificate's runs of the plan: with n − 1 posts
    the caseload is at least the plan's times n / (n − 1) (the same open cases, or more if
    less casework keeps cases open longer; fewer caseworkers on the staff, or fewer still
    if stress makes more of them leave), and a period whose caseload alone then misses
    misses. Only the periods this does not settle are simulated, each on as many of the
    fresh `replications` as the certificate may run (a claim left undecided at a smaller
    budget left a plan that might carry a post too many).
    """
    test = Sprt.around(targets.confidence, ERROR)
    reduced = {k: [*plan[:k], plan[k] - 1, *plan[k + 1 :]] for k in periods if plan[k] > 1}
    out: dict[int, OneFewer] = {}
    if certificate is not None:
        for k in reduced:
            found = _read_off(certificate.sample, plan[k], targets, k, test)
            if found is not None:
                out[k] = found
    fixed = targets.meet == "mean"
    only = list(caseload_only) if caseload_only is not None else [False] * len(plan)
    reps = list(replications)
    done = dict.fromkeys(reduced, 0)
    verdict: dict[int, tuple[str, int]] = {}
    samples: dict[int, Sample] = {}
    while True:
        todo = [k for k in reduced if k not in verdict and k not in out]
        if not todo:
            break
        for k in todo:
            done[k] = len(reps) if fixed else min(len(reps), done[k] + batch)
        jobs = [(reduced[k], reps[: done[k]], k + 1) for k in todo]
        for k, sample in zip(todo, simulator.samples(jobs), strict=True):
            samples[k] = sample
            if fixed:
                verdict[k] = (_mean_checks_one(sample, targets, k, only[k]), done[k])
                continue
            decision, used = test.decide(met(sample, targets, only)[:, k])
            if decision != UNDECIDED or done[k] == len(reps):
                verdict[k] = (decision, used)
    for k, (decision, used) in verdict.items():
        sample = samples[k]
        load = caseloads(sample, targets)[:used, k]
        share = on_time_shares(sample)[:used, k]
        out[k] = OneFewer(
            period=k,
            posts=reduced[k][k],
            decision=decision,
            replications=used,
            successes=int(met(sample, targets, only)[:used, k].sum()),
            caseload_mean=_nanmean(load),
            on_time_mean=_nanmean(share),
        )
    return [out[k] for k in sorted(out)]


def _read_off(sample: Sample, posts: int, targets: Targets, k: int, test: Sprt) -> OneFewer | None:
    """One fewer in period k, read off the plan's runs (`one_fewer`): MISSED, or None."""
    load = caseloads(sample, targets)[:, k] * posts / (posts - 1)
    if targets.meet == "mean":
        _, low = _bounds(load, 1 - ERROR)
        if not low > targets.caseload_limit:
            return None
        decision, used = MISSED, len(load)
    else:
        decision, used = test.decide(~(load > targets.caseload_limit + 1e-9))
        if decision != MISSED:
            return None
    ok = ~(load[:used] > targets.caseload_limit + 1e-9)
    return OneFewer(k, posts - 1, decision, used, int(ok.sum()), _nanmean(load[:used]),
                    math.nan, simulated=False)  # fmt: skip


def _nanmean(values: np.ndarray) -> float:
    return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan


def _mean_checks_one(sample: Sample, targets: Targets, k: int, caseload_only: bool) -> str:
    """meet = "mean": does period k of a reduced plan miss, at level 1 − ERROR?"""
    load_high, load_low = _bounds(caseloads(sample, targets)[:, k], 1 - ERROR)
    share_high, share_low = _bounds(on_time_shares(sample)[:, k], 1 - ERROR)
    if caseload_only:
        share_high = share_low = math.inf
    if load_low > targets.caseload_limit or share_high < targets.on_time:
        return MISSED
    if load_high <= targets.caseload_limit and share_low >= targets.on_time:
        return MET
    return UNDECIDED
