"""The calibration's targets (T1-T8) and out-of-sample checks (O1-O3), as code.

Each is implemented as docs/calibration.md wrote it down on 30 November 2026, before any
fit: the scenario variants ("points") it runs, what one run of each yields (`observe`), and
how the runs become the model's value, its 95 % interval and a verdict against the
tolerance. A target also yields the parts of the fit's distance (`Part`): each part's value,
the centre and half-width of its band. Where a target could not be computed exactly as
written, its `note` says how it is read; no tolerance is loosened.

Points are plain scenario data (the baseline's, with the parameters under test set), so
that they travel to worker processes as chunks of the experiments layer
(`simulator.calibration.batch`).
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from simulator.analysis.metrics import analyse, caseload_by_worker
from simulator.analysis.metrics.people import examination_table
from simulator.analysis.stats import t_interval
from simulator.engine.model import Municipality
from simulator.engine.records import RESIGNED, SELF_SUPPORT, RunRecord
from simulator.scenario import Scenario
from simulator.scenario.keys import with_values

YEAR = 365.25
TRIAGE_ABOVE = 2.0  # triage_under_pressure.toml: two weeks of work waiting (O3's threshold)
SPREAD_SEED, SPREAD_N, SPREAD_CV = 2015, 30, 0.3  # T2's municipalities (docs/calibration.md)
SURGE_FACTOR = 10592 / 6048  # O3: national placements 2014 -> 2015 (DOMAIN 3), x1.75
KINDS = ("refugee", "reunified")


# ---------------------------------------------------------------- one run, observed


def _day(start: dt.date, when: dt.date) -> float:
    return float((when - start).days)


def observe(scenario: Scenario, replication: int, seed: int) -> dict[str, Any]:
    """One replication of `scenario`: the numbers every target and check reads from a run.

    A module-level function (a `measure` of `simulator.experiments.work`), so that it
    pickles to worker processes.
    """
    model = Municipality(scenario, replication=replication, seed=seed)
    record = model.run()
    summary = analyse(record, model.calendar).summary
    start = scenario.simulation.start_date
    out: dict[str, Any] = dict(summary)
    out["casework_share"] = scenario.caseworkers.casework_share
    out["case_related_share"] = summary["utilisation_mean"] * scenario.caseworkers.casework_share
    out["resignations_per_worker_year"] = _resignation_rate(record)
    out["loads"] = _individual_caseloads(record)
    out.update(_cohort_self_support(record))
    out.update(_families(record))
    out["health_years"] = _health_by_year(record, start)
    year_2015 = (_day(start, dt.date(2015, 1, 1)), _day(start, dt.date(2016, 1, 1)))
    out["stress_2015_share"] = _stress_share(record, *year_2015)
    spring = (_day(start, dt.date(2015, 3, 1)), _day(start, dt.date(2015, 6, 1)))
    out["pending_spring_2015"] = _pending_applications(record, *spring)
    return out


def _resignation_rate(record: RunRecord) -> float:
    """Resignations in the window per caseworker-year on the staffing plan in the window."""
    events = record.workforce["events"]
    resigned = float(((events["kind"] == RESIGNED) & (events["day"] >= record.warmup)).sum())
    times = [t for t, _ in record.staff_changes] + [record.end]
    years = 0.0
    for (t, n), t_next in zip(record.staff_changes, times[1:], strict=True):
        years += n * max(0.0, min(t_next, record.end) - max(t, record.warmup)) / YEAR
    return resigned / years if years > 0 else math.nan


def _individual_caseloads(record: RunRecord) -> list[float]:
    """Each caseworker's time-average caseload over the part of the window they held cases
    (from their first case, or the window's start, to their last, or its end): a surveyed
    caseworker reports the caseload of their post, and turnover brings leavers and
    newcomers. Caseworkers who held cases less than 90 days of the window are left out."""
    a = record.assignments
    t0, t1 = record.warmup, record.end
    loads = caseload_by_worker(record)
    out = []
    for worker, load in loads.items():
        mine = a["worker"] == worker
        first = max(t0, float(a["start"][mine].min()))
        last = min(t1, float(np.nanmax(np.where(np.isnan(a["end"][mine]), t1, a["end"][mine]))))
        if last - first >= 90.0:
            out.append(load * (t1 - t0) / (last - first))
    return out


def _cohort_self_support(record: RunRecord) -> dict[str, float]:
    """T7: of the cases opened in the year before the window (followed three full years
    within the run), the share self-supporting by the end of years 1, 2, 3, by person kind;
    cases that left for other reasons count as not self-supporting. Also the cohort sizes."""
    c = record.cases
    cohort = (c["opened"] >= record.warmup - YEAR) & (c["opened"] < record.warmup)
    supported = c["exit_reason"] == SELF_SUPPORT
    age = c["exit"] - c["opened"]
    out: dict[str, float] = {}
    for index, kind in enumerate(KINDS):
        mine = cohort & (c["kind"] == index)
        out[f"cohort_{kind}"] = float(mine.sum())
        for year in (1, 2, 3):
            hit = mine & supported & (age <= year * YEAR)
            out[f"employed_{kind}_{year}"] = float(hit.sum())
    return out


def _families(record: RunRecord) -> dict[str, float]:
    """T6: families arriving in the window, and those within a year of the placement."""
    f = record.families
    if not f or f["arrived"].size == 0:
        return {"families_arrived": 0.0, "families_within_year": 0.0}
    came = f["arrived"] >= record.warmup  # NaN compares False
    within = came & (f["arrived"] - f["placed"] <= 365.0)
    return {"families_arrived": float(came.sum()), "families_within_year": float(within.sum())}


def _health_by_year(record: RunRecord, start: dt.date) -> list[tuple[int, int, int]]:
    """T5: per calendar year of the window, (year, limits falling in it that count, of them
    met): the share examined within the limit, year by year."""
    ex = examination_table(record)
    if ex["limit"].size == 0:
        return []
    met = ex["examined"] <= ex["limit"]  # NaN compares False
    years = []
    first = (start + dt.timedelta(days=math.ceil(record.warmup))).year
    last = (start + dt.timedelta(days=math.floor(record.end) - 1)).year
    for year in range(first, last + 1):
        lo = max(record.warmup, _day(start, dt.date(year, 1, 1)))
        hi = min(record.end, _day(start, dt.date(year + 1, 1, 1)))
        due = ex["counts"] & (ex["limit"] >= lo) & (ex["limit"] < hi)
        years.append((year, int(due.sum()), int((due & met).sum())))
    return years


def _stress_share(record: RunRecord, lo: float, hi: float) -> float:
    """O3: the share of caseworkers' working days in [lo, hi) with a stress index above the
    triage threshold (NaN if the run does not cover them)."""
    d = record.workforce["days"]
    working = ~np.isnan(d["stress"])
    inside = working & (d["day"] >= lo) & (d["day"] < hi)
    if not inside.any():
        return math.nan
    return float((d["stress"][inside] > TRIAGE_ABOVE).mean())


def _pending_applications(record: RunRecord, lo: float, hi: float) -> float:
    """O2: reunification applications sent and not yet decided, the mean over the days of
    [lo, hi) (NaN if the run does not cover them)."""
    f = record.families
    if hi > record.end or not f or f["applied"].size == 0:
        return math.nan
    days = np.arange(lo, hi)
    sent = f["applied"][None, :] <= days[:, None]
    undecided = ~(f["decided"][None, :] <= days[:, None])
    return float((sent & undecided).sum(axis=1).mean())


# ---------------------------------------------------------------- points: the runs needed


@dataclass(frozen=True)
class Point:
    """A scenario variant a target needs: its data, and how many replications (or which)."""

    name: str
    data: dict[str, Any]
    replications: tuple[int, ...]


def baseline_point(data: dict[str, Any], replications: int) -> Point:
    return Point("baseline", data, tuple(range(replications)))


def plus_one_point(data: dict[str, Any], replications: int) -> Point:
    """T3: the baseline with one more caseworker, on every entry of its staffing plan."""
    staffing = [dict(entry, caseworkers=entry["caseworkers"] + 1)
                for entry in data["caseworkers"]["staffing"]]  # fmt: skip
    return Point("plus_one", with_values(data, {"caseworkers.staffing": staffing}),
                 tuple(range(replications)))  # fmt: skip


def rules_2014(data: dict[str, Any]) -> dict[str, Any]:
    """T6: the baseline under 2013/14 reunification rules: no waiting rule, and no timeline
    of later rules (processing as the baseline gives it, the 2014 figure)."""
    out = copy.deepcopy(data)
    out.pop("timeline", None)
    out["reunification"]["waiting_years"] = {"convention": 0.0, "temporary": 0.0}
    return out


def spread_design(
    n: int = SPREAD_N, cv: float = SPREAD_CV, seed: int = SPREAD_SEED
) -> list[tuple[int, float]]:
    """T2's municipalities: (caseworkers, placements per caseworker a month) of each; teams of
    1-8, placements per caseworker lognormal around the baseline's 11 / 4 (assumptions fixed
    before the first calibration)."""
    rng = np.random.default_rng(seed)
    staff = rng.integers(1, 9, n)
    sigma = math.sqrt(math.log1p(cv**2))
    ratio = rng.lognormal(math.log(11 / 4) - sigma**2 / 2, sigma, n)
    return [(int(w), float(r)) for w, r in zip(staff, ratio, strict=True)]


def spread_points(data: dict[str, Any], surge: bool = False, n: int = SPREAD_N) -> list[Point]:
    """T2's 30 municipalities (one replication each, replication i for the i-th), or O3's:
    the same, with placements x1.75 from 2015 (the 2014 -> 2015 national rise)."""
    start = data["simulation"]["start_date"]
    years = range(start.year, start.year + math.ceil(data["simulation"]["duration_years"]) + 1)
    points = []
    for i, (workers, per_worker) in enumerate(spread_design(n)):
        staffing = [{"date": start, "caseworkers": workers}]
        per_month = per_worker * workers
        if surge:
            yearly = [{"year": y, "refugees": round(12 * per_month * (SURGE_FACTOR if y >= 2015
                                                                       else 1.0), 2)}
                      for y in years]  # fmt: skip
            arrivals: dict[str, Any] = {"arrivals.yearly": yearly}
        else:
            arrivals = {"arrivals.per_month": round(per_month, 4)}
        changed = with_values(data, {"caseworkers.staffing": staffing, **arrivals})
        points.append(Point(f"{'surge' if surge else 'spread'}_{i}", changed, (i,)))
    return points


def stationary_point(data: dict[str, Any]) -> Point:
    """T5's stationarity: the baseline under one set of rules throughout (2013/14's, as T6
    uses: a stationary run; the timeline's rules change the office's load), for 15 years
    after its warm-up, one replication."""
    warmup = data["simulation"]["warmup_years"]
    steady = with_values(rules_2014(data), {"simulation.duration_years": warmup + 15.0})
    return Point("stationary", steady, (0,))


def surge_point(surge: dict[str, Any], replications: int) -> Point:
    """O1: surge_2015 on the calibrated defaults, its statistics over 2015 alone."""
    start = surge["simulation"]["start_date"]
    years = (dt.date(2015, 1, 1) - start).days / YEAR
    changes = {"simulation.warmup_years": round(years, 6),
               "simulation.duration_years": round(years + 1.0, 6)}  # fmt: skip
    return Point("silkeborg_2015", with_values(surge, changes), tuple(range(replications)))


def office_2015_point(data: dict[str, Any], replications: int) -> Point:
    """O2: three social workers, one absent through 2015 (off the staff for that year),
    111 placements in 2015 and the baseline's rate before it; statistics over 2015."""
    start = data["simulation"]["start_date"]
    per_year = 12 * float(data["arrivals"]["per_month"])
    yearly = [{"year": y, "refugees": 111.0 if y == 2015 else round(per_year, 2)}
              for y in range(start.year, 2017)]  # fmt: skip
    staffing = [{"date": start, "caseworkers": 3},
                {"date": dt.date(2015, 1, 1), "caseworkers": 2}]  # fmt: skip
    years = (dt.date(2015, 1, 1) - start).days / YEAR
    changes = {"caseworkers.staffing": staffing, "arrivals.yearly": yearly,
               "simulation.warmup_years": round(years, 6),
               "simulation.duration_years": round(years + 1.0, 6)}  # fmt: skip
    return Point("office_2015", with_values(data, changes), tuple(range(replications)))


# ---------------------------------------------------------------- verdicts

Rows = dict[str, list[dict[str, Any]]]  # point name -> its rows (one per replication)


@dataclass(frozen=True)
class Part:
    """One number a target compares: the model's value against a band (low, high); a part
    with only a low (or high) bound is one-sided."""

    label: str
    value: float
    ci: tuple[float, float]
    low: float | None
    high: float | None
    unit: str = ""

    @property
    def passed(self) -> bool:
        if math.isnan(self.value):
            return False
        return (self.low is None or self.value >= self.low) and (
            self.high is None or self.value <= self.high
        )

    @property
    def gap(self) -> float:
        """How far the value lies outside its band: positive above the top, negative below
        the bottom, 0 inside (NaN if there is no value)."""
        if math.isnan(self.value):
            return math.nan
        if self.high is not None and self.value > self.high:
            return self.value - self.high
        if self.low is not None and self.value < self.low:
            return self.value - self.low
        return 0.0

    def distance(self) -> float:
        """The part's squared distance from its band's centre, in half-widths of the band;
        a one-sided part counts only beyond its bound, in units of 0.05."""
        if math.isnan(self.value):
            return 100.0
        if self.low is not None and self.high is not None:
            centre, half = (self.low + self.high) / 2, (self.high - self.low) / 2
            return ((self.value - centre) / half) ** 2
        if self.low is not None:
            return (max(0.0, self.low - self.value) / 0.05) ** 2
        return (max(0.0, self.value - (self.high or 0.0)) / 0.05) ** 2

    def excess(self, margin: float) -> float:
        """How far the value lies outside its band narrowed by `margin` half-widths at each
        end (a one-sided part: by `margin` x 0.05), in the units of `distance`: 0 inside."""
        if math.isnan(self.value):
            return 10.0
        if self.low is not None and self.high is not None:
            centre, half = (self.low + self.high) / 2, (self.high - self.low) / 2
            return max(0.0, abs(self.value - centre) / half - (1.0 - margin))
        if self.low is not None:
            return max(0.0, self.low + margin * 0.05 - self.value) / 0.05
        return max(0.0, self.value - (self.high or 0.0) + margin * 0.05) / 0.05


@dataclass(frozen=True)
class Verdict:
    """A target or check: its parts (each with value, CI and band), and whether all pass."""

    id: str
    title: str
    source: str
    parts: list[Part]
    note: str = ""
    extra: list[str] = field(default_factory=list)  # reported without a target

    @property
    def passed(self) -> bool:
        return all(p.passed for p in self.parts)

    def distance(self) -> float:
        """The target's share of the fit's distance: the mean of its parts' distances."""
        return sum(p.distance() for p in self.parts) / len(self.parts)

    def penalty(self, margin: float) -> float:
        """The sum of its parts' squared excesses beyond their bands narrowed by `margin`
        (the fit's third stage keeps met targets inside their bands with it)."""
        return sum(p.excess(margin) ** 2 for p in self.parts)


def _t(rows: list[dict[str, Any]], key: str) -> tuple[float, float, float]:
    return t_interval([r[key] for r in rows])


def _part(label: str, est: tuple[float, float, float], low: float | None, high: float | None,
          unit: str = "") -> Part:  # fmt: skip
    return Part(label, est[0], (est[1], est[2]), low, high, unit)


def _ratio(rows: list[dict[str, Any]], num: str, den: str) -> tuple[float, float, float]:
    """A pooled share over replications, sum(num) / sum(den), with a t-interval of the
    per-replication shares around it (replications weighted alike)."""
    n = np.array([r[num] for r in rows], float)
    d = np.array([r[den] for r in rows], float)
    share = float(n.sum() / d.sum()) if d.sum() > 0 else math.nan
    per = n[d > 0] / d[d > 0]
    _, lo, hi = t_interval(per) if per.size > 1 else (math.nan, math.nan, math.nan)
    half = (hi - lo) / 2 if not math.isnan(lo) else math.nan
    return share, share - half, share + half


def _bootstrap(groups: list[list[float]], stat: Callable[[np.ndarray], float],
               seed: int = 1) -> tuple[float, float, float]:  # fmt: skip
    """A statistic of the pooled values, with a 95 % bootstrap interval over the groups
    (municipalities), 2,000 resamples."""
    rng = np.random.default_rng(seed)
    pooled = np.concatenate([np.asarray(g, float) for g in groups])
    boots = []
    for _ in range(2000):
        pick = rng.integers(0, len(groups), len(groups))
        boots.append(stat(np.concatenate([np.asarray(groups[i], float) for i in pick])))
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return stat(pooled), float(lo), float(hi)


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float, float]:
    """A share with its Wilson 95 % interval."""
    if n == 0:
        return math.nan, math.nan, math.nan
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def t1(rows: Rows) -> Verdict:
    b = rows["baseline"]
    return Verdict("T1", "open cases per caseworker, 4 caseworkers, 10-13 refugees a month",
                   "DS quick poll, Nov 2014 (seed 001): 70-75",
                   [_part("caseload per caseworker", _t(b, "caseload_per_worker_mean"),
                          66.5, 78.75)])  # fmt: skip


def t2(rows: Rows) -> Verdict:
    groups = [r["loads"] for name, rs in rows.items() if name.startswith("spread_") for r in rs]
    mean = _bootstrap(groups, lambda x: float(x.mean()))
    inside = _bootstrap(groups, lambda x: float(((x >= 40) & (x <= 90)).mean()))
    n = sum(len(g) for g in groups)
    return Verdict("T2", f"a spread of {len(groups)} municipalities, {n} caseworkers pooled",
                   "DS survey of caseloads, spring 2015 (seed 000): mean 68, most 40-90",
                   [_part("mean caseload", mean, 61.0, 75.0),
                    _part("share of caseworkers with 40-90 cases", inside, 0.5, None, "%")],
                   note="CI: bootstrap over municipalities; a caseworker's caseload is "
                   "averaged over the part of the window they held cases")  # fmt: skip


def t3(rows: Rows) -> Verdict:
    p, b = rows["plus_one"], rows["baseline"]
    sick = _t(p, "sick_days_per_worker_year")
    over = _t(b, "sick_days_per_worker_year")
    stressed = _t(p, "stress_days_share")
    return Verdict("T3", "sick days per caseworker-year, the baseline with one more caseworker",
                   "DS statistics 2019-2022 (9.8-14); all municipal staff 13.0 (2015)",
                   [_part("sick days, one more caseworker", sick, 10.0, 14.0)],
                   extra=[f"its caseworkers' working days above the stress threshold: "
                          f"{stressed[0]:.0%}",
                          f"the overloaded baseline (no target): {over[0]:.1f} sick days "
                          f"(95% CI {over[1]:.1f} to {over[2]:.1f}), {over[0] - sick[0]:+.1f}"
                          " against one more caseworker"])  # fmt: skip


def t4(rows: Rows) -> Verdict:
    return Verdict(
        "T4",
        "resignations per caseworker-year of the baseline",
        "VIVE, DS 2021-22: about 1 in 4 a year; Swedish social services 30-34 %",
        [
            _part(
                "resignations per caseworker-year",
                _t(rows["baseline"], "resignations_per_worker_year"),
                0.18,
                0.32,
            )
        ],
    )


def t5(rows: Rows) -> Verdict:
    b = rows["baseline"]
    parts: list[Part] = []
    extra = []
    stationary = rows.get("stationary")
    note = "per year: every year of the window"
    if stationary:
        years = stationary[0]["health_years"]
        due = np.array([n for _, n, _ in years])
        met = np.array([m for _, _, m in years])
        table = np.vstack([met, due - met])
        p = float(stats.chi2_contingency(table)[1]) if due.min() > 0 else math.nan
        shares = met / np.maximum(due, 1)
        pooled = met.sum() / due.sum()
        parts.append(Part("15-year run: homogeneity of the yearly shares (chi-square p)", p,
                          (math.nan, math.nan), 0.05, None))  # fmt: skip
        extra.append(
            f"15-year run: yearly shares {shares.min():.0%}-{shares.max():.0%} around {pooled:.0%}"
        )
        note = (
            "stationary read as: the yearly shares of a 15-year run are homogeneous "
            "(chi-square test of homogeneity, p >= 0.05), the test the model's "
            "stationarity test uses"
        )
    for year, n, m in _pool_years(b):
        share_y = wilson(m, n)
        parts.append(_part(f"examined within the limit, {year}", share_y, 0.40, 0.60, "%"))
    return Verdict("T5", "health examinations done within the limit",
                   "National Audit Office via DS recommendations (seed 004): about 50 %",
                   parts, note=note, extra=extra)  # fmt: skip


def _pool_years(rows: list[dict[str, Any]]) -> list[tuple[int, int, int]]:
    pooled: dict[int, list[int]] = {}
    for r in rows:
        for year, n, m in r["health_years"]:
            pooled.setdefault(year, [0, 0])
            pooled[year][0] += n
            pooled[year][1] += m
    return [(y, n, m) for y, (n, m) in sorted(pooled.items())]


def t6(rows: Rows) -> Verdict:
    r = rows.get("rules_2014") or rows["baseline"]
    return Verdict("T6", "placement to the family's arrival, 2013/14 rules",
                   "Statistics Denmark analysis 2016:2: 27 weeks (189 days), 94 % within a year",
                   [_part("days, mean", _t(r, "family_arrival_days_mean"), 168.0, 210.0),
                    _part("share within a year", _ratio(r, "families_within_year",
                                                        "families_arrived"), 0.90, None, "%")],
                   note="the model takes the placement as the permit")  # fmt: skip


def t7(rows: Rows) -> Verdict:
    b = rows["baseline"]
    parts = []
    for kind in KINDS:
        for year, target in zip((1, 2, 3), _register(kind), strict=True):
            est = _ratio(b, f"employed_{kind}_{year}", f"cohort_{kind}")
            parts.append(_part(f"{kind}, year {year} (register {target:.0%})", est,
                               target - 0.03, target + 0.03, "%"))  # fmt: skip
    return Verdict("T7", "self-supporting by the end of years 1, 2, 3",
                   "Integration i tal 2016, cohort 2011: refugees 17/22/29 %, reunified "
                   "17/19/25 %", parts,
                   note="cohort: cases opened in the year before the window, followed three "
                   "years; those who moved away count as not self-supporting")  # fmt: skip


def _register(kind: str) -> tuple[float, float, float]:
    from simulator.calibration.parameters import REGISTER

    return REGISTER[kind]


def t8(rows: Rows) -> Verdict:
    return Verdict("T8", "case-related share of working time",
                   "time studies (CWLA synthesis; Virginia 2001; Colorado 2014: 68 %)",
                   [_part("casework_share x utilisation", _t(rows["baseline"],
                                                             "case_related_share"),
                          0.60, 0.76, "%")])  # fmt: skip


def o1(rows: Rows) -> Verdict:
    s = rows["silkeborg_2015"]
    load, ontime = _t(s, "caseload_per_worker_mean"), _t(s, "statutory_on_time_share")
    parts = [
        _part("caseload per caseworker, 2015", load, 45.0, None),
        _part("statutory tasks on time, 2015", ontime, None, 0.95, "%"),
    ]
    either = parts[0].passed or parts[1].passed
    return _either(Verdict("O1", "Silkeborg 2015 (surge_2015): totally understaffed",
                           "KL analysis, 4 Nov 2015 (seed 002)", parts,
                           note="passes if either part passes"), either)  # fmt: skip


def _either(v: Verdict, passed: bool) -> Verdict:
    return EitherVerdict(v.id, v.title, v.source, v.parts, v.note, v.extra, passed)


@dataclass(frozen=True)
class EitherVerdict(Verdict):
    """A check that passes if any one of its parts passes."""

    any_passed: bool = False

    @property
    def passed(self) -> bool:
        return self.any_passed


def o2(rows: Rows) -> Verdict:
    o = rows["office_2015"]
    return Verdict("O2", "three social workers, one on sick leave, 2015 quota 111",
                   "DS survey of caseloads, spring 2015 (seed 000): 45 applications pending",
                   [_part("caseload per caseworker at work, 2015",
                          _t(o, "caseload_per_worker_mean"), 68.0, None),
                    _part("applications sent, not decided, spring 2015",
                          _t(o, "pending_spring_2015"), 25.0, 65.0)],
                   note="the absent one is off the staff for 2015 (caseload over the two at "
                   "work); spring: the mean over 1 March - 31 May 2015")  # fmt: skip


def o3(rows: Rows) -> Verdict:
    shares = [r["stress_2015_share"] for name, rs in rows.items() if name.startswith("surge_")
              for r in rs]  # fmt: skip
    hits = sum(1 for s in shares if s >= 0.25)
    return Verdict("O3", "municipalities pressed in 2015 (placements x1.75 from 2015)",
                   "KL analysis, 4 Nov 2015 (seed 002): eight in ten prioritised harder",
                   [_part(f"stress above {TRIAGE_ABOVE:g} weeks on >= 1/4 of 2015's working days",
                          wilson(hits, len(shares)), 0.60, 0.95, "%")],
                   note="CI: Wilson, over municipalities")  # fmt: skip


TARGETS: dict[str, Callable[[Rows], Verdict]] = {
    "T1": t1, "T2": t2, "T3": t3, "T4": t4, "T5": t5, "T6": t6, "T7": t7, "T8": t8,
}  # fmt: skip
CHECKS: dict[str, Callable[[Rows], Verdict]] = {"O1": o1, "O2": o2, "O3": o3}


def points_for_targets(
    data: dict[str, Any],
    replications: int,
    stationarity: bool = False,
    municipalities: int = SPREAD_N,
) -> list[Point]:
    """Every run T1-T8 need: the baseline, one more caseworker, 2013/14 rules (if they differ
    from the baseline's), T2's municipalities, and T5's 15-year run if `stationarity`."""
    points = [baseline_point(data, replications), plus_one_point(data, replications)]
    old_rules = rules_2014(data)
    if old_rules != data:
        points.append(Point("rules_2014", old_rules, tuple(range(replications))))
    points += spread_points(data, n=municipalities)
    if stationarity:
        points.append(stationary_point(data))
    return points


def points_for_checks(
    data: dict[str, Any], surge: dict[str, Any], replications: int,
    municipalities: int = SPREAD_N,
) -> list[Point]:  # fmt: skip
    """Every run O1-O3 need."""
    return [surge_point(surge, replications), office_2015_point(data, replications),
            *spread_points(data, surge=True, n=municipalities)]  # fmt: skip


def verdicts(rows: Rows, which: Mapping[str, Callable[[Rows], Verdict]]) -> list[Verdict]:
    return [judge(rows) for judge in which.values()]
