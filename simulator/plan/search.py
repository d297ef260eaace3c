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
   k = 1, 2, ... with the periods before k fixed, find the least posts for period k, on
   runs stopped at its end. First the caseload: the least posts that keep it under the
   limit (bisection between the bound the caseload shortcut gives and posts that meet),
   or the posts its work needs at all (`work_posts`) if more: the period's *base*. Then
   the deadlines, if the base misses them: one run at the base plus the *deadline
   premium* (`worth`), compared with the runs at the base replication by replication.
   Work left undone in a period is carried into the next, so each period is judged after
   the periods before it have been settled, never before; there is no backtracking.

**What a deadline is worth** (`worth`, `Price`). Posts are bought for the on-time share
only while each brings enough of it: over the step from the base n0 to n1 = n0 +
⌈premium · n0⌉ posts, the on-time share the target is about (its (1 − confidence)
quantile over the futures with `meet = "probability"`, its mean with `meet = "mean"`)
must rise by at least the period's shortfall at n0 divided by n1 − n0 per post, i.e.
meet the target within the premium, and the share must be shown to rise on the paired
replications (`share_rises`). Then the search bisects between n0 and n1 for the
least that meets. Otherwise the period keeps its base, is judged on its caseload alone,
and its on-time target is reported as *reachable only at very high cost* (the gain is
shown, but too small a gain per post) or *not shown to be reachable by posts* (no gain
shown, which is not a proof of none: the
deadlines fall while a case's own caseworker is away, or sooner than the next working
window), with the measured gain per post (`Price`). The default premium, a quarter of
the base, is where the posts bought for deadlines would take the caseload below the
bottom of the recommended range (35–45 cases: 45 ÷ 1.25 = 36); docs/planning.md.

"Meets its targets" on the sample (`meets`): with `meet = "probability"`, the period
meets both targets in at least k = ⌈confidence · (R + 1)⌉ of the R replications (all R
where that is more, `required`); with `meet = "mean"`, the sample means meet them. Why R
+ 1: posts set so that the k-th best of R futures just meets a target meet it in a fresh
future with probability k / (R + 1) on average (the k-th of R uniform order statistics),
so k = ⌈confidence · R⌉ (18 of 20) staffs for 18 / 21 = 86 %, not the 90 % asked, and
the certificate, which tells 85 % from 95 %, rejects such periods; 19 of 20 staffs for
90.5 %. The certificate (`certify`) then checks the plan on fresh replications.
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
PREMIUM = 0.25  # posts a deadline target is worth: a quarter above the caseload's need
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
    """Successes among `n` replications the search asks for: ⌈confidence · (n + 1)⌉, at
    most n (module docstring: what the k-th best of n futures says of a fresh one)."""
    return min(n, math.ceil(targets.confidence * (n + 1) - 1e-9))


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


COSTLY = "costly"  # the on-time target: posts bring it, but too little per post
NOT_BY_POSTS = "not by posts"  # the on-time target: more posts are not shown to bring it


@dataclass(frozen=True)
class Price:
    """What the deadlines of one period would cost in posts (`worth`): the on-time share
    the target is about (`share_statistic`) at the base n0 and at n0 plus the premium
    n1, the gain per post between them, and the gain per post that would meet the
    target within the premium."""

    base: int
    top: int
    share_base: float
    share_top: float
    target: float
    shown: bool  # the share is shown to rise on the paired replications (`share_rises`)
    met_top: bool  # the period meets both targets at `top` on the sample

    @property
    def gain_per_post(self) -> float:
        return (self.share_top - self.share_base) / max(self.top - self.base, 1)

    @property
    def needed_per_post(self) -> float:
        return (self.target - self.share_base) / max(self.top - self.base, 1)

    @property
    def worth_it(self) -> bool:
        """The marginal-gain criterion: the gain is shown and meets the target within the
        premium (`gain_per_post` >= `needed_per_post`, on the sample's verdict)."""
        return self.shown and self.met_top

    @property
    def verdict(self) -> str:
        """ "" (worth buying), COSTLY or NOT_BY_POSTS."""
        if self.worth_it:
            return ""
        return COSTLY if self.shown or self.top == self.base else NOT_BY_POSTS


def share_statistic(sample: Sample, targets: Targets, k: int) -> float:
    """The on-time share the target of period k is about, on the sample: with `meet =
    "probability"` the share that `required` of the R replications reach (the
    (R − `required` + 1)-th lowest: the on-time target is met on the sample exactly
    when this is at least `on_time`, `on_time_ok`), with `meet = "mean"` the mean share.
    A replication in which nothing fell due counts as on time."""
    share = np.sort(np.nan_to_num(on_time_shares(sample)[:, k], nan=1.0))
    if targets.meet == "mean":
        return float(share.mean())
    return float(share[share.size - required(share.size, targets)])


def share_rises(fewer: Sample, more: Sample, k: int) -> bool:
    """Whether period k's on-time share is higher with `more`'s posts than with `fewer`'s:
    the sign test on the replications (paired by common random numbers) whose share
    differs, one-sided at `HELPS`."""
    a = np.nan_to_num(on_time_shares(fewer)[:, k], nan=1.0)
    b = np.nan_to_num(on_time_shares(more)[:, k], nan=1.0)
    up, down = int((b > a + 1e-12).sum()), int((b < a - 1e-12).sum())
    return up > 0 and float(stats.binom.sf(up - 1, up + down, 0.5)) < HELPS


def premium_top(base: int, premium: float) -> int:
    """The most posts a deadline target is worth: `base` plus ⌈premium · base⌉ (at least
    one more where the premium is positive)."""
    if premium <= 0:
        return base
    return base + max(1, math.ceil(premium * base - 1e-9))


def worth(at_base: Sample, at_top: Sample, targets: Targets, k: int) -> Price:
    """The price of period k's deadlines between the runs at its base and at the base plus
    the premium (the same replications: common random numbers)."""
    return Price(
        base=at_base.plan[k],
        top=at_top.plan[k],
        share_base=share_statistic(at_base, targets, k),
        share_top=share_statistic(at_top, targets, k),
        target=targets.on_time,
        shown=at_top.plan[k] > at_base.plan[k] and share_rises(at_base, at_top, k),
        met_top=meets(at_top, targets, k),
    )


@dataclass
class Search:
    """The plan found, with what it learnt on the way and what it took."""

    plan: list[int]
    proven_below: list[int]  # posts - 1 shown to miss on the sample (0: not shown)
    deadlines: list[str] = field(default_factory=list)  # "", COSTLY or NOT_BY_POSTS
    prices: dict[int, Price] = field(default_factory=dict)  # the periods whose base missed
    evaluations: int = 0
    history: list[tuple[int, ...]] = field(default_factory=list)

    @property
    def out_of_reach(self) -> list[bool]:
        """The periods judged on their caseload alone: deadlines not worth the posts."""
        return [bool(d) for d in self.deadlines]


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
    premium: float = PREMIUM,
) -> Search:
    """The least posts per period meeting the targets on the search sample (module
    docstring). `capacity`: casework hours one post gives in each period (`work_posts`);
    `premium`: the share above its base a period's deadlines are worth (`worth`)."""
    plan = [max(1, int(n)) for n in start]
    n_periods = len(plan)
    search = Search(plan, [0] * n_periods, [""] * n_periods)
    hours = list(capacity) if capacity is not None else [0.0] * n_periods

    def more(sample: Sample, k: int) -> int:
        """Posts to try next for a period that misses its on-time target: at least one
        more, at least what its work needs, and more the further it falls short, up to
        what the deadlines are worth (`premium_top` of the caseload's need)."""
        share = on_time_shares(sample)[:, k]
        gap = targets.on_time - float(np.nanmean(share)) if np.isfinite(share).any() else 0.0
        step = math.ceil(plan[k] * min(max(gap, 0.0), 1.0))
        work = work_posts(sample, k, hours[k])
        top = premium_top(max(caseload_posts(sample, targets, k), work), premium)
        return max(work, min(max(plan[k] + 1, plan[k] + step), top))

    def evaluate(candidate: Sequence[int], until: int | None = None) -> Sample:
        search.evaluations += 1
        search.history.append(tuple(candidate))
        if search.evaluations > MAX_EVALUATIONS:
            raise RuntimeError("the staffing search did not settle; please report this scenario")
        return simulator.sample(candidate, replications, until)

    def at(k: int, posts: int) -> Sample:
        """The plan with `posts` in period k, run to its end."""
        return evaluate([*plan[:k], posts, *plan[k + 1 :]], k + 1)

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
        while not meets(sample, targets, k, caseload_only=True):  # the caseload: too few
            plan[k] = max(plan[k] + 1, caseload_posts(sample, targets, k))
            sample = evaluate(plan, k + 1)
        # the least posts for the caseload: the shortcut's bound (a lower bound below the
        # posts run) up to the posts that meet; then at least what the work needs
        low, high = min(max(1, caseload_posts(sample, targets, k)), plan[k]), plan[k]
        samples = {high: sample}
        while low < high:
            mid = (low + high) // 2
            tried = at(k, mid)
            if meets(tried, targets, k, caseload_only=True):
                high, samples[mid] = mid, tried
            else:
                low = mid + 1
        base = max(high, work_posts(samples[high], k, hours[k]))
        if base not in samples:
            samples[base] = at(k, base)
        while on_time_ok(samples[base], targets, k) and not meets(samples[base], targets, k):
            base += 1  # each target holds in enough futures, not both in the same: posts help
            samples[base] = samples.get(base) or at(k, base)
        plan[k] = base
        if not meets(samples[base], targets, k):  # the deadlines: are they worth posts?
            top = premium_top(base, premium)
            samples[top] = samples.get(top) or at(k, top)
            price = search.prices[k] = worth(samples[base], samples[top], targets, k)
            if price.worth_it:  # the least between the base and the top that meets
                low, high = base + 1, top
                while low < high:
                    mid = (low + high) // 2
                    tried = samples.get(mid) or at(k, mid)
                    if meets(tried, targets, k):
                        high = mid
                    else:
                        low = mid + 1
                plan[k] = high
            else:
                search.deadlines[k] = price.verdict
        search.proven_below[k] = plan[k]
    search.plan = plan
    return search
