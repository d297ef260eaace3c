"""Diagnosis, not a speed benchmark: why a start from a run's state reads a different share
of health examinations within the limit than the run (docs/planning.md).

Run as ``python benchmarks/diagnose_start_examinations.py [--first R] [--runs N]
[--starts K] [--redraws D] [--workers W]`` (defaults 0, 20, 10, 2000, 2; about 30 s
on two cores). The design is `tests/test_initial_state.py`'s `runs_and_starts(4)`:
`quota_doubled.toml` cut to the first quarter of 2015; run r is replication r of the
scenario's seed, and its K starts from its state on 1 January 2015 are replications 0..K-1
of seed 1000 + r. `--first 0` gives exactly the test's figures.

Who is examined within the limit is decided by three things: the day their referral is
done (the caseworkers' work), and two draws of their own that nothing else depends on,
whether the GPs ever see them (`never_share`) and their wait once referred (`wait_days`).
A run has one draw of these for each person; its starts draw them anew ten times. So the
script prints, per run and on average:

1. B - M as the test computes it (the share within the limit of those due in the quarter);
2. B - M of the *expected* share given each person's referral day and case closing, the
   two draws integrated out (the caseworkers' part alone);
3. the runs' draws drawn again `--redraws` times, keeping each person's referral day and
   case closing: the mean of B - M, how often the test's criterion holds, and how often a
   B - M as low as the one drawn comes up;
4. the share never seen among those referred before the start, in the runs and in the
   starts (all their people together), against the scenario's `never_share`.

Written down before the first run with `--first 20` (fresh runs 20-39, never looked at):
the 95 % t interval of B - M of the share within the limit covers 0 (the test's criterion),
and so does that of the expected share given the referrals.
"""

from __future__ import annotations

import argparse
import datetime as dt
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from simulator.analysis.metrics import measure
from simulator.analysis.metrics.people import examination_table, limit_counts
from simulator.analysis.stats import t_interval
from simulator.engine.calendar import WorkCalendar
from simulator.engine.model import Municipality
from simulator.engine.records import RunRecord
from simulator.engine.streams import Stream, sampler
from simulator.experiments.state import at_start, state_now
from simulator.plan.offered_load import _cdf as cdf  # P(X <= x) as the sampler draws X
from simulator.scenario import Scenario, load_scenario
from simulator.scenario.distributions import Distribution

ON = dt.date(2015, 1, 1)
METRIC = "health_exam_within_limit_share"


def base() -> Scenario:
    return load_scenario("quota_doubled", changes={"simulation.duration_years": 3.25})


def people(
    record: RunRecord, calendar: WorkCalendar, day0: float, source: str, r: int
) -> tuple[pd.DataFrame, float]:
    """One row per person whose limit falls in the measurement window (times from 1 January
    2015), and the run's share within the limit as its summary gives it."""
    ex = examination_table(record)
    due = (ex["limit"] >= record.warmup) & (ex["limit"] <= record.end)
    rows = pd.DataFrame(
        {
            "limit": ex["limit"][due] - day0,
            "referred": ex["referred"][due] - day0,
            "examined": ex["examined"][due] - day0,
            "wait": ex["wait"][due],
            "closed": ex["left"][due] - day0,
            "counts": ex["counts"][due],
        }
    )
    rows["source"], rows["r"] = source, r
    return rows, float(measure(record, calendar).summary[METRIC])


def one(r: int, starts: int) -> tuple[list[pd.DataFrame], list[tuple[str, int, int, float]]]:
    scenario = base()
    model = Municipality(scenario, replication=r, seed=scenario.simulation.seed)
    model.start()
    day0 = model.calendar.day_of(ON)
    model.env.run(until=day0)
    state = state_now(model)
    model.simulate()
    frames, shares = [], []
    rows, share = people(model._record(0.0), model.calendar, day0, "run", r)
    frames.append(rows.assign(k=-1))
    shares.append(("run", r, -1, share))
    start = at_start(scenario, state, ON)
    for k in range(starts):
        m = Municipality(start, replication=k, seed=1000 + r)
        rows, share = people(m.run(), m.calendar, 0.0, "start", r)
        frames.append(rows.assign(k=k))
        shares.append(("start", r, k, share))
    return frames, shares


def redrawn(df: pd.DataFrame, wait: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each person counts and is examined within the limit had they drawn `wait`
    (inf: never seen): seen if their case has not closed by then. The model stops at the
    case's exit, a little before its closing is recorded (its closure tasks done): about
    one person in 400 differs, which the redraws neglect."""
    closed, limit = df["closed"].to_numpy(), df["limit"].to_numpy()
    seen = df["referred"].to_numpy() + wait
    examined = np.where(np.isfinite(seen) & ~(closed < seen), seen, np.nan)
    counts = limit_counts(limit, examined, closed)
    return counts, (examined <= limit) & counts


def interval(d: np.ndarray) -> tuple[str, bool]:
    """B - M with its 95 % t interval, in words, and whether it covers 0 (the criterion)."""
    mean, low, high = t_interval(d)
    covers = bool(low <= 0 <= high)
    text = f"{mean:+.4f} ({low:+.4f} to {high:+.4f}): {'covers' if covers else 'does not cover'} 0"
    return text, covers


def expected(df: pd.DataFrame, never: float, wait: Distribution) -> tuple[np.ndarray, ...]:
    """Each person's chance of being examined within the limit and of counting (not closed
    unexamined before the limit), given their referral day and case closing: examined
    within the limit means seen by the earlier of the limit and the closing, and someone
    whose case closes before the limit counts only if seen by then."""
    referred, limit, closed = (df[c].to_numpy() for c in ("referred", "limit", "closed"))
    early = closed < limit  # False where the case is still open (NaN)
    slack = np.where(early, closed, limit) - referred  # NaN: never referred
    inside = np.where(slack > 0, (1 - never) * cdf(wait, np.nan_to_num(slack)), 0.0)
    return inside, np.where(early, inside, 1.0)


def b_and_m(df: pd.DataFrame, x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per run: B (the run's share, the sum of `x` over that of `n`) and M (the mean of its
    starts' shares)."""
    keyed = pd.DataFrame({"source": df["source"], "r": df["r"], "k": df["k"]})
    keyed["x"], keyed["n"] = x, n
    per = keyed.groupby(["source", "r", "k"])[["x", "n"]].sum()
    share = per["x"] / per["n"]
    b = share["run"].droplevel("k").sort_index().to_numpy()
    m = share["start"].groupby(level="r").mean().sort_index().to_numpy()
    return b, m


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--first", type=int, default=0, help="the first run (default 0)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--redraws", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    gp = base().external.health_examination
    if gp is None or gp.wait_days is None:
        raise SystemExit("quota_doubled has no GP wait to draw: adapt the script")
    never, wait = gp.never_share, gp.wait_days

    runs = range(args.first, args.first + args.runs)
    with ProcessPoolExecutor(args.workers) as pool:
        done = list(pool.map(one, runs, [args.starts] * args.runs))
    df = pd.concat([f for frames, _ in done for f in frames], ignore_index=True)
    shares = pd.DataFrame([s for _, ss in done for s in ss], columns=["source", "r", "k", "v"])

    counts = df["counts"].to_numpy()
    inside = (df["examined"].to_numpy() <= df["limit"].to_numpy()) & counts
    b, m = b_and_m(df, inside.astype(float), counts.astype(float))
    summary_b = shares[shares.source == "run"].sort_values("r")["v"].to_numpy()
    summary_m = shares[shares.source == "start"].groupby("r")["v"].mean().sort_index().to_numpy()
    assert np.allclose(b, summary_b) and np.allclose(m, summary_m), "rows differ from summary"
    print(f"runs {runs.start}-{runs.stop - 1}, {args.starts} starts each, first quarter of 2015")
    print(f"1. share within the limit: B {b.mean():.4f}  M {m.mean():.4f}  "
          f"B-M {interval(b - m)[0]}")  # fmt: skip

    eb, em = b_and_m(df, *expected(df, never, wait))
    print(f"2. expected share given the referrals: B {eb.mean():.4f}  M {em.mean():.4f}  "
          f"B-M {interval(eb - em)[0]}")  # fmt: skip

    draw = sampler(wait, Stream("redraws", np.random.default_rng(20261201)))
    unit = np.random.default_rng(20261202)
    observed = (b - m).mean()
    run_rows = (df["source"] == "run").to_numpy()
    diffs, holds = [], []
    for _ in range(args.redraws):
        waits = np.array([draw() for _ in range(len(df))])
        drawn = np.where(unit.uniform(size=len(df)) < never, np.inf, waits)
        c, w = redrawn(df, np.where(run_rows, drawn, df["wait"].to_numpy()))
        rb, rm = b_and_m(df, w.astype(float), c.astype(float))
        diffs.append((rb - rm).mean())
        holds.append(interval(rb - rm)[1])
    diffs_a = np.array(diffs)
    print(f"3. the runs' GP draws drawn again {args.redraws} times: B-M mean {diffs_a.mean():+.4f} "
          f"(sd {diffs_a.std(ddof=1):.4f}); the criterion holds in {np.mean(holds):.1%}; "
          f"B-M at or below {observed:+.4f} in {np.mean(diffs_a <= observed):.1%}")  # fmt: skip

    before = df[df["referred"] < 0]
    never_seen = np.isinf(before["wait"]).groupby(before["source"]).mean()
    print(f"4. never seen, of those referred before the start: runs {never_seen['run']:.3f}, "
          f"starts {never_seen['start']:.3f} (never_share {never:g})")  # fmt: skip


if __name__ == "__main__":
    main()
