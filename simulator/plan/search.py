"""The least staffing per period, by simulation with common random numbers.

The search works on one fixed set of replications (the *search sample*, replications
0 .. R − 1), so that every candidate plan is judged on the same futures (Atlason, Epelman
& Henderson 2004, 2008). In two phases:

1. **Iterative staffing** (Feldman, Mandelbaum, Massey & Whitt, "Staffing of time-varying
   queues to achieve time-stable performance", *Management Science* 2008): simulate the
   current plan, read each period's performance, set every period to the least staffing
   that meets its target *as the simulation shows it*, and repeat until the plan stops
   changing (at most `ISA_ROUNDS` times). For the caseload the least staffing is first
   read off a run at another staffing: a caseload is open cases over caseworkers on the
   staff, so in replication r, period k, the caseload with n posts is taken to be the one
   measured with s_k posts times s_k / n (vacancies scale with the posts). Open cases
   depend on the caseworkers only through when a person's employment effort begins (the
   clock of self-support starts there): with fewer posts cases stay open a little
   longer, so the shortcut understates the caseload below s_k (a lower bound on the
   posts needed) and overstates it above; every guess is then simulated. The on-time
   share has no such shortcut: a period that misses it gets one more caseworker.
2. **Forward, period by period, in time order** (as LETRIS, Corominas & Lusa 2012): for
   k = 1, 2, ... with the periods before k fixed, find the least posts for period k: while
   it misses its targets, add posts (at least one; for the on-time share at least as many
   as its work needs, `work_posts`) and simulate again; then bisect between the least the
   caseload shortcut allows and the posts that meet. Work left undone in a period is
   carried into the next, so each period is judged after the periods before it have been
   settled, never before; there is no backtracking. A period that still misses its
   on-time share with `REACH` times the posts its caseload and its work need is *out of
   reach of staffing* (its deadlines fall while the caseworker whose case it is is away,
   say, and `caseworkers.absence_cover` is "wait"): it keeps the posts its caseload and work
   need, and the plan says so rather than staffing without end.

"Meets its targets" on the sample (`meets`): with `meet = "probability"`, the period
meets both targets in at least ⌈confidence · R⌉ of the R replications; with
`meet = "mean"`, the sample means meet them. The certificate (`certify`) then checks the
plan on fresh replications.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from simulator.plan.simulate import Sample, Simulator
from simulator.plan.targets import Targets

ISA_ROUNDS = 3
REACH = 2  # the on-time share is sought up to twice the posts the caseload and work need
HELPS = 0.05  # level of the paired test that more posts bring more periods on time
MAX_EVALUATIONS = 80  # a safety net: the search has never needed a quarter of it


def caseloads(sample: Sample, targets: Targets) -> np.ndarray:
    """The caseload measure the targets use, per replication and period."""
    return sample[targets.caseload if targets.caseload != "average" else "caseload"]


def on_time_shares(sample: Sample) -> np.ndarray:
    """Share of the statutory tasks due done on time; NaN where none fell due."""
    due, done = sample["due"], sample["on_time"]
    out = np.full(due.shape, np.nan)
    np.divide(done, due, out=out, where=due > 0)
    return out


def met(
    sample: Sample, targets: Targets, caseload_only: Sequence[bool] | None = None
) -> np.ndarray:
    """Whether each replication met both targets in each period (True/False array); in the
    periods flagged `caseload_only` (on time out of reach of staffing), the caseload alone."""
    load = caseloads(sample, targets)
    share = on_time_shares(sample)
    caseload_ok = ~(load > targets.caseload_limit + 1e-9)  # NaN: no caseworker, no caseload
    ok = caseload_ok & ~(share < targets.on_time - 1e-12)  # NaN: nothing due, nothing missed
    if caseload_only is not None:
        flagged = np.asarray(caseload_only, dtype=bool)[: ok.shape[1]]
        ok[:, flagged] = caseload_ok[:, flagged]
    return ok


def required(n: int, targets: Targets) -> int:
    """Successes among `n` replications the search asks for: ⌈confidence · n⌉."""
    return math.ceil(targets.confidence * n - 1e-9)


def meets(sample: Sample, targets: Targets, k: int, caseload_only: bool = False) -> bool:
    """Whether period k meets its targets on the sample (module docstring); with
    `caseload_only`, its caseload target alone."""
    if targets.meet == "probability":
        flags = [False] * sample.periods
        flags[k] = caseload_only
        ok = met(sample, targets, flags)[:, k]
        return int(ok.sum()) >= required(len(sample.replications), targets)
    load = caseloads(sample, targets)[:, k]
    share = on_time_shares(sample)[:, k]
    load_ok = not (np.nanmean(load) > targets.caseload_limit) if np.isfinite(load).any() else True
    share_ok = not (np.nanmean(share) < targets.on_time) if np.isfinite(share).any() else True
    return load_ok and (share_ok or caseload_only)


def on_time_ok(sample: Sample, targets: Targets, k: int) -> bool:
    """Whether period k's on-time target alone is met on the sample."""
    share = on_time_shares(sample)[:, k]
    if targets.meet == "mean":
        return not (np.nanmean(share) < targets.on_time) if np.isfinite(share).any() else True
    ok = ~(share < targets.on_time - 1e-12)
    return int(ok.sum()) >= required(len(share), targets)


def staffing_helps(fewer: Sample, more: Sample, targets: Targets, k: int) -> bool:
    """Whether the on-time target of period k is met in significantly more replications
    with `more`'s posts than with `fewer`'s: McNemar's exact test on the replications
    whose verdict differs (common random numbers pair them), one-sided at `HELPS`. An
    on-time share that does not respond to staffing (deadlines falling while a case's own
    caseworker is away) must not be chased by posts that pass on a lucky sample."""
    share_few, share_more = on_time_shares(fewer)[:, k], on_time_shares(more)[:, k]
    ok_few = ~(share_few < targets.on_time - 1e-12)
    ok_more = ~(share_more < targets.on_time - 1e-12)
    gained = int((ok_more & ~ok_few).sum())
    lost = int((ok_few & ~ok_more).sum())
    if targets.meet == "mean":  # the paired t test of the mean gain in the share
        gain = (share_more - share_few)[np.isfinite(share_more) & np.isfinite(share_few)]
        if gain.size < 2 or not float(gain.mean()) > 0:
            return False
        if float(gain.std()) == 0.0:
            return True
        return float(stats.ttest_1samp(gain, 0.0, alternative="greater").pvalue) < HELPS
    if gained == 0:
        return False
    return float(stats.binom.sf(gained - 1, gained + lost, 0.5)) < HELPS


def caseload_posts(sample: Sample, targets: Targets, k: int) -> int:
    """The least posts for period k that meet the caseload limit on the sample, read off
    the runs at the sample's staffing (the caseload shortcut of the module docstring)."""
    posts = sample.plan[k]
    load = caseloads(sample, targets)[:, k] * posts  # caseload × posts: open cases per post
    load = np.where(np.isfinite(load), load, 0.0)
    if targets.meet == "mean":
        return max(1, math.ceil(float(load.mean()) / targets.caseload_limit - 1e-9))
    need = np.sort(np.ceil(load / targets.caseload_limit - 1e-9))
    return max(1, int(need[required(len(need), targets) - 1]))


@dataclass
class Search:
    """The plan found, with the lower bounds learnt on the way and what it took."""

    plan: list[int]
    proven_below: list[int]  # posts - 1 shown to miss on the sample (0: not shown)
    out_of_reach: list[bool] = field(default_factory=list)  # on time: staffing cannot
    evaluations: int = 0
    history: list[tuple[int, ...]] = field(default_factory=list)


def work_posts(sample: Sample, k: int, capacity: float) -> int:
    """Posts below which period k's work cannot be done at all: the mean hours of the tasks
    created in it over the casework hours one post gives in it (`capacity`), rounded up.
    A floor for a period that misses its on-time target: the search jumps to it rather
    than climbing one caseworker at a time."""
    if not capacity > 0:
        return 1
    return max(1, math.ceil(float(np.mean(sample["task_hours"][:, k])) / capacity - 1e-9))


def least_staffing(
    simulator: Simulator,
    targets: Targets,
    start: Sequence[int],
    replications: Sequence[int],
    capacity: Sequence[float] | None = None,
) -> Search:
    """The least posts per period meeting the targets on the search sample (module
    docstring). `capacity`: casework hours one post gives in each period (`work_posts`)."""
    plan = [max(1, int(n)) for n in start]
    n_periods = len(plan)
    search = Search(plan, [0] * n_periods, [False] * n_periods)
    hours = list(capacity) if capacity is not None else [0.0] * n_periods

    def more(sample: Sample, k: int) -> int:
        """Posts to try next for a period that misses its on-time target: at least one
        more, at least what its work needs, and more the further it falls short (up to
        twice as many)."""
        share = on_time_shares(sample)[:, k]
        gap = targets.on_time - float(np.nanmean(share)) if np.isfinite(share).any() else 0.0
        step = math.ceil(plan[k] * min(max(gap, 0.0), 1.0))
        return max(plan[k] + 1, work_posts(sample, k, hours[k]), plan[k] + step)

    def reach(sample: Sample, k: int) -> int:
        """The most posts tried for the on-time share: `REACH` times what the caseload and
        the work need. A period that misses with more is out of reach of staffing."""
        need = max(caseload_posts(sample, targets, k), work_posts(sample, k, hours[k]))
        return REACH * need

    def evaluate(candidate: Sequence[int], until: int | None = None) -> Sample:
        search.evaluations += 1
        search.history.append(tuple(candidate))
        if search.evaluations > MAX_EVALUATIONS:
            raise RuntimeError("the staffing search did not settle; please report this scenario")
        return simulator.sample(candidate, replications, until)

    sample = evaluate(plan)
    floors = [1] * n_periods  # on-time: fewer posts than this missed, as far as seen
    for _ in range(ISA_ROUNDS):  # phase 1: iterative staffing, every period at once
        new = []
        for k in range(n_periods):
            if not on_time_ok(sample, targets, k):
                floors[k] = max(floors[k], more(sample, k))
            new.append(max(caseload_posts(sample, targets, k), floors[k]))
        if new == plan:
            break
        plan = new
        sample = evaluate(plan)

    for k in range(n_periods):  # phase 2: forward, period by period
        # period k is judged on runs stopped at its end: later periods cannot change it
        sample = evaluate(plan, k + 1)
        while not meets(sample, targets, k):  # too few: more, until the period meets
            if on_time_ok(sample, targets, k):
                plan[k] = max(plan[k] + 1, caseload_posts(sample, targets, k))
                sample = evaluate(plan, k + 1)
                continue
            # the on-time share misses: is it within reach of staffing at all? One run at
            # REACH times the posts the caseload and the work need, compared with the
            # runs at the posts now, replication by replication (common random numbers)
            top = reach(sample, k)
            trial = [*plan[:k], top, *plan[k + 1 :]]
            tried = evaluate(trial, k + 1) if top > plan[k] else sample
            if top <= plan[k] or not (
                on_time_ok(tried, targets, k) and staffing_helps(sample, tried, targets, k)
            ):
                search.out_of_reach[k] = True  # more posts do not bring the deadlines
                plan[k] = max(caseload_posts(sample, targets, k), work_posts(sample, k, hours[k]))
                sample = evaluate(plan, k + 1)
                break
            plan, sample = trial, tried
        while search.out_of_reach[k] and not meets(sample, targets, k, caseload_only=True):
            plan[k] += 1  # out of reach for the deadlines: the caseload limit still holds
            sample = evaluate(plan, k + 1)
        # enough: is fewer enough too? First the least the caseload allows: where it
        # misses only on time, the posts above it must be shown to bring the deadlines
        # (`staffing_helps`), else the on-time share is out of reach and that least holds
        low, high = max(1, caseload_posts(sample, targets, k)), plan[k]
        if low < high and not search.out_of_reach[k]:
            trial = [*plan[:k], low, *plan[k + 1 :]]
            tried = evaluate(trial, k + 1)
            if meets(tried, targets, k):
                plan, sample, high = trial, tried, low
            elif meets(tried, targets, k, caseload_only=True) and not staffing_helps(
                tried, sample, targets, k
            ):
                search.out_of_reach[k] = True
                plan, sample, high = trial, tried, low
            else:
                low += 1
        while low < high:
            mid = (low + high) // 2
            trial = [*plan[:k], mid, *plan[k + 1 :]]
            tried = evaluate(trial, k + 1)
            if meets(tried, targets, k, caseload_only=search.out_of_reach[k]):
                plan, sample, high = trial, tried, mid
            else:
                low = mid + 1
        search.proven_below[k] = plan[k]
    search.plan = plan
    return search
