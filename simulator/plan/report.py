"""A plan in tables and sentences: `plan.csv`, the evidence table, and the page's words.

Every figure comes from the certificate's fresh replications (the plan) or from the same
replications' first ones (the other plans: common random numbers). Costs are read by name
from the scenario's [costs] prices (`planner.costs`: its table, or the defaults).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulator.plan.certify import MET, MISSED, UNDECIDED
from simulator.plan.planner import (
    DEADLINES,
    LEVELLED,
    NEEDED,
    Plan,
    arrivals_factor_needs,
    costs,
)
from simulator.plan.search import COSTLY, NOT_BY_POSTS, caseloads, met, on_time_shares
from simulator.plan.simulate import Sample

if TYPE_CHECKING:
    from simulator.scenario.schema import Scenario

MONTH_DAYS = 365.25 / 12


def period_table(plan: Plan) -> pd.DataFrame:
    """plan.csv: one row per period (docs/planning.md lists the columns)."""
    targets = plan.options.targets
    sample = plan.certificate.sample
    load, share = caseloads(sample, targets), on_time_shares(sample)
    lengths = np.diff(plan.periods.bounds)
    prices = costs(plan.scenario)
    fewer = {f.period: f for f in plan.minimality}
    recruit = plan.recruit_by
    planned_hires = np.asarray(plan.hires, dtype=float)
    rows = []
    for k, label in enumerate(plan.periods.labels):
        check = plan.certificate.checks[k]
        staff = float(np.nanmean(sample["staff"][:, k]))
        open_cases = float(np.nanmean(sample["open"][:, k]))
        f = fewer.get(k)
        price = plan.prices.get(k) if plan.caseload_only[k] else None
        row: dict[str, Any] = {
            "period": label,
            "first_day": plan.periods.dates[k].isoformat(),
            "caseworkers": plan.posts[k],
            "why": plan.reasons[k],
            "hires": plan.hires[k],
            "start_recruiting_by": recruit[k].isoformat() if recruit[k] else "",
            "caseload_mean": _mean(load[:, k]),
            "caseload_p10": _quantile(load[:, k], 0.1),
            "caseload_p90": _quantile(load[:, k], 0.9),
            "on_time_mean": _mean(share[:, k]),
            "on_time_p10": _quantile(share[:, k], 0.1),
            "on_time_p90": _quantile(share[:, k], 0.9),
            "met_share": check.successes / check.replications if check.replications else math.nan,
            "met_ci_low": check.low,
            "met_ci_high": check.high,
            "verdict": check.decision,
            "judged_on": "caseload only" if plan.caseload_only[k] else "both targets",
            "on_time_gain_per_post": price.gain_per_post if price else math.nan,
            "on_time_gain_needed": price.needed_per_post if price else math.nan,
            "replications": check.replications,
            "one_fewer_verdict": f.decision if f else "not tested",
            "one_fewer_met_share": f.successes / f.replications if f else math.nan,
            "one_fewer_caseload_mean": f.caseload_mean if f else math.nan,
            "one_fewer_on_time_mean": f.on_time_mean if f else math.nan,
            "one_fewer_simulated": (f.simulated if f else math.nan),
            "open_cases_mean": open_cases,
            "caseworkers_on_staff_mean": staff,
            "replacements_mean": max(
                0.0, float(np.nanmean(sample["hires"][:, k])) - planned_hires[k]
            )
            if k < len(planned_hires)
            else math.nan,
            "caseworker_years": plan.posts[k] * lengths[k] / 365.25,
            "staff_cost_dkk": _price(prices, "salary_year", staff * lengths[k] / 365.25),
            "benefit_cost_dkk": _price(
                prices, "benefit_month", open_cases * lengths[k] / MONTH_DAYS
            ),
        }
        rows.append(row)
    return pd.DataFrame(rows)


def evidence_table(plan: Plan) -> pd.DataFrame:
    """One row per plan run as evidence: its posts, caseworker-years, cost, and how it did."""
    targets = plan.options.targets
    lengths = np.diff(plan.periods.bounds)
    prices = costs(plan.scenario)
    rows = []
    for e in plan.evidence:
        rate = met(e.sample, targets, plan.caseload_only).mean(axis=0)
        load = np.nanmean(caseloads(e.sample, targets), axis=0)
        share = _column_means(on_time_shares(e.sample))
        staff_years = float(np.sum(np.nanmean(e.sample["staff"], axis=0) * lengths) / 365.25)
        rows.append(
            {
                "plan": e.name,
                "caseworkers": " ".join(str(p) for p in e.plan),
                "caseworker_years": float(np.sum(np.asarray(e.plan) * lengths) / 365.25),
                "periods_meeting_targets": int(np.sum(rate >= targets.confidence - 1e-9)),
                "periods": len(rate),
                "lowest_met_share": float(rate.min()),
                "highest_caseload_mean": float(np.nanmax(load)),
                "lowest_on_time_mean": float(np.nanmin(share))
                if np.isfinite(share).any()
                else math.nan,
                "staff_cost_dkk": _price(prices, "salary_year", staff_years),
                "replications": len(e.sample.replications),
            }
        )
    return pd.DataFrame(rows)


def statement(plan: Plan) -> str:
    """The confidence statement, in words."""
    t = plan.options.targets
    step = plan.periods.step
    checks = plan.certificate.checks
    met_n = sum(c.decision == MET for c in checks)
    zone = [plan.periods.labels[k] for k, c in enumerate(checks) if c.decision == UNDECIDED]
    missed = [plan.periods.labels[k] for k, c in enumerate(checks) if c.decision == MISSED]
    n = max(c.replications for c in checks)
    what = (
        f"every {step} keeps at most {t.caseload_limit:g} cases per caseworker and gets at "
        f"least {t.on_time:.0%} of its statutory tasks done on time"
    )
    if t.meet == "probability":
        text = f"Goal: {what} in at least {t.confidence:.0%} of possible futures. "
        test = plan.certificate.test
        assert test is not None
        text += (
            f"Checked on up to {n} fresh simulated futures: {met_n} of {len(checks)} {step}s "
            f"shown to reach {t.confidence:.0%} (sequential test; a {step} truly below "
            f"{test.p0:.1%} would pass with probability under 5 % in all)"
        )
    else:
        text = f"Goal: {what} on average. "
        text += (
            f"Checked on {n} fresh simulated futures: {met_n} of {len(checks)} {step}s shown "
            f"to meet both averages with {t.confidence:.0%} confidence"
        )
    alone = [
        label if plan.reasons[k] in DEADLINES.values() else f"{label} ({_rule(plan.reasons[k])})"
        for k, label in enumerate(plan.periods.labels)
        if plan.caseload_only[k]
    ]
    if alone:
        text += (
            f"; judged on the caseload alone (the on-time target there is not worth more "
            f"posts than the caseload needs, see the notes): {', '.join(alone)}"
        )
    if zone:
        text += f"; too close to call, kept at their estimate: {', '.join(zone)}"
    if missed:
        text += f"; still short: {', '.join(missed)}"
    return text + "."


def _rule(reason: str) -> str:
    """A rule's reason in a few words: "levelled", "kept (--no-firing)", ..."""
    return "levelled" if reason == LEVELLED else reason


def minimality_text(plan: Plan) -> str:
    """One sentence on what one caseworker fewer does."""
    shown = [f for f in plan.minimality if f.decision == MISSED]
    if not plan.minimality:
        return "No period was set by its need (rules held them all): minimality not tested."
    text = (
        f"One caseworker fewer misses the targets in {len(shown)} of {len(plan.minimality)} "
        f"{plan.periods.step}s set by their need"
    )
    closest = max(shown, key=lambda f: f.successes / max(f.replications, 1), default=None)
    if closest is not None:
        label = plan.periods.labels[closest.period]
        share = closest.successes / max(closest.replications, 1)
        if closest.simulated:
            text += (
                f" (the closest, {label}: caseload {closest.caseload_mean:.1f}, on time "
                f"{closest.on_time_mean:.1%}, both targets met in {share:.0%} of futures)"
            )
        else:
            text += (
                f" (the closest, {label}: caseload at least {closest.caseload_mean:.1f}, under "
                f"{plan.options.targets.caseload_limit:g} in only {share:.0%} of futures)"
            )
    others = [plan.periods.labels[f.period] for f in plan.minimality if f.decision != MISSED]
    if others:
        text += f"; not shown for {', '.join(others)}"
    levelled = [plan.periods.labels[k] for k, r in enumerate(plan.reasons) if r == LEVELLED]
    if levelled:
        text += (
            f". {', '.join(levelled)} are levelled (posts that rose do not fall again, nor "
            f"posts that fell rise again, within {plan.options.hold_years:g} year(s)): the "
            "least plan that never hires staff to let them go so soon, nor cuts posts to "
            "fill them again so soon"
        )
    return text + "."


def recommendation(plan: Plan) -> str:
    """The recommendation in one or two sentences."""
    step, labels = plan.periods.step, plan.periods.labels
    posts = plan.posts
    peak = int(np.argmax(posts))
    text = (
        f"Have {posts[0]} caseworker posts from {labels[0]} (now {plan.current}), "
        f"{posts[peak]} at the most ({labels[peak]}), {posts[-1]} in {labels[-1]}."
    )
    hires = [(labels[k], h, plan.recruit_by[k]) for k, h in enumerate(plan.hires) if h]
    if hires:
        parts = [f"{h} for {label} by {when:%d %b %Y}" for label, h, when in hires if when]
        text += " Start recruiting: " + "; ".join(parts) + "."
    elif posts[0] < plan.current:
        text += f" No new posts: staff can fall from the first {step}."
    return text + deadline_summary(plan)


def deadline_summary(plan: Plan) -> str:
    """One sentence for the recommendation on the periods whose statutory deadlines the
    plan does not buy (`planner.deadline_notes` has the figures), or "". Where more posts
    are not shown to help, it says so, not that they cannot: the runs show no gain, which
    is not a proof of none."""
    t, labels = plan.options.targets, plan.periods.labels
    clauses = []
    for reason, words in ((DEADLINES[COSTLY], "are reachable in {} only at very high cost "
                           f"(more than {plan.options.deadline_premium:.0%} more posts than "
                           "the caseload needs)"),
                          (DEADLINES[NOT_BY_POSTS], "are not shown to be reachable by more "
                           "posts in {}")):  # fmt: skip
        where = [labels[k] for k, r in enumerate(plan.reasons) if r == reason]
        if where:
            clauses.append(words.format(", ".join(where)))
    if not clauses:
        return ""
    return (
        f" The statutory deadlines ({t.on_time:.0%} on time) "
        + ", and ".join(clauses)
        + ": those posts are set by the caseload alone (see the assumptions for what would "
        "reach the deadlines)."
    )


def changes(plan: Plan) -> list[str]:
    """What would change the recommendation, each read off the plan's futures (arrivals
    are the page's risk, `arrivals_headroom`)."""
    t = plan.options.targets
    out = []
    peak = int(np.argmax(plan.posts))
    base = arrivals_factor_needs(plan, 1.0)[peak]
    for limit in (t.caseload_limit - 5, t.caseload_limit + 5):
        if limit <= 0:
            continue
        diff = arrivals_factor_needs(plan, 1.0, limit)[peak] - base
        out.append(
            f"A caseload limit of {limit:g}: {abs(diff)} post{'s' * (abs(diff) != 1)} "
            f"{'more' if diff > 0 else 'fewer'} at the peak ({plan.periods.labels[peak]})."
        )
    lead = plan.lead
    out.append(
        f"Recruitment taking longer than {lead.days:.0f} days ({lead.level:.0%} of "
        f"recruitments are faster): start correspondingly earlier."
    )
    if plan.scenario.absence is None or plan.scenario.turnover is None:
        off = [
            name
            for name, table in (
                ("absence", plan.scenario.absence),
                ("turnover", plan.scenario.turnover),
            )
            if table is None
        ]
        out.append(
            f"Switching on {' and '.join(off)} (off in this scenario) takes more posts: "
            "staff away or learning do less."
        )
    return out


def arrivals_headroom(plan: Plan) -> str:
    """Which arrivals break the caseload limit, read off the plan's futures (`planner._risk`)."""
    if not math.isfinite(plan.robust_factor):
        return ""
    over = plan.robust_factor / plan.arrivals_factor - 1
    text = (
        f"Arrivals more than {over:.0%} above those planned for break the caseload limit"
        if over >= 0.005
        else "Any arrivals above those planned for break the caseload limit"
    )
    if plan.breaks_in is not None:
        text += f", first in {plan.periods.labels[plan.breaks_in]}"
    if math.isfinite(plan.robust_factor_one_more):
        spare = plan.robust_factor_one_more / plan.arrivals_factor - 1
        text += f"; with one more caseworker in every {plan.periods.step}, above {spare:.0%}"
    return text + " (read off the plan's simulated futures)."


def assumptions(plan: Plan) -> list[str]:
    """The inputs a reader must know, with their sources where the scenario names them."""
    s = plan.scenario
    arrivals = s.arrivals
    who = "people" if getattr(arrivals, "counts", "adults") == "persons" else "adults"
    if arrivals.per_month is not None:
        quota = f"{arrivals.per_month * plan.arrivals_factor:g} refugees ({who}) a month"
    elif arrivals.yearly is not None:
        quota = f"yearly quotas ({who}) " + ", ".join(
            f"{q.year}: {q.refugees * plan.arrivals_factor:g}" for q in arrivals.yearly
        )
    else:
        quota = "a monthly schedule"
    out = [f"Arrivals: {quota} ({arrivals.process}); families follow by [reunification]."]
    if plan.options.arrivals_range:
        low, high = plan.options.arrivals_range
        out.append(
            f"Planned for the high end of arrivals ×{low:g} to ×{high:g} of the scenario's: "
            "robust to every quota in the range (more arrivals never need fewer staff)."
        )
    lead = plan.lead
    source = "schema default, no [turnover] in the scenario" if lead.assumed else "[turnover]"
    out.append(
        f"Lead time: a post is filled {lead.days:.0f} days after recruiting starts in "
        f"{lead.level:.0%} of cases (mean {lead.mean:.0f}; {source}); newcomers start at "
        f"{lead.start_productivity:.0%} speed and learn over {lead.learning_days:.0f} days."
    )
    if s.initial_state is not None:
        out.append(_start(s))
    out.extend(plan.notes)
    return out


def _start(s: Scenario) -> str:
    """What the office holds at the start, as `[initial_state]` has it."""
    state = s.initial_state
    assert state is not None
    held = [f"{sum(e.cases for e in state.open_cases)} cases open"]
    tasks = sum(w.tasks for w in state.waiting_tasks)
    held.append(f"{tasks} tasks waiting" if tasks else "no tasks waiting (none given)")
    pending = state.pending_reunifications
    start = s.simulation.start_date
    sent = sum(p.applications for p in pending if p.applied <= start)
    alone = sum(p.applications for p in pending if p.applied > start)
    if sent:
        held.append(f"{sent} reunification applications pending")
    if alone:
        held.append(f"{alone} being prepared by families alone")
    held.append(_staff_at_start(s))
    listed = ", ".join(held[:-1]) + " and " + held[-1]
    return f"Start: {listed} on {start} ([initial_state])."


def _staff_at_start(s: Scenario) -> str:
    """Who is at work at the start, as `[initial_state]` has it: how many, and who of them
    is away, new or leaving; the posts vacant; whether the cases' caseworkers are given."""
    state = s.initial_state
    assert state is not None
    counts = [
        (sum(e.away_until is not None for e in state.staff), "away"),
        (sum(e.hired is not None for e in state.staff), "new"),
        (sum(e.leaves is not None for e in state.staff), "leaving"),
    ]
    who = ", ".join(f"{n} {what}" for n, what in counts if n)
    text = f"{s.at_work_at_start()} caseworkers at work" + (f" ({who})" if who else "")
    if state.vacancies:
        text += f", {len(state.vacancies)} post{'s' * (len(state.vacancies) > 1)} vacant"
    given = any(e.caseworker is not None for e in state.open_cases)
    return text + (", each case with its caseworker" if given else ", cases shared out evenly")


def _mean(values: np.ndarray) -> float:
    return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan


def _quantile(values: np.ndarray, q: float) -> float:
    v = values[np.isfinite(values)]
    return float(np.quantile(v, q)) if v.size else math.nan


def _column_means(values: np.ndarray) -> np.ndarray:
    out = np.full(values.shape[1], np.nan)
    for k in range(values.shape[1]):
        out[k] = _mean(values[:, k])
    return out


def _price(prices: dict[str, float], name: str, quantity: float) -> float:
    return float(prices[name]) * quantity


def money(plan: Plan, sample: Sample) -> tuple[float, float]:
    """(staff cost, benefit cost) in DKK over the periods, the means over `sample`'s
    futures: caseworkers on the staff times the salary, open cases (adults on benefit
    while their case is open) times the benefit, at the scenario's prices."""
    prices = costs(plan.scenario)
    lengths = np.diff(plan.periods.bounds)[: sample.periods]
    staff_years = float(np.sum(np.nanmean(sample["staff"], axis=0) * lengths) / 365.25)
    months = float(np.sum(np.nanmean(sample["open"], axis=0) * lengths) / MONTH_DAYS)
    return _price(prices, "salary_year", staff_years), _price(prices, "benefit_month", months)


def evidence_sample(plan: Plan, name: str) -> Sample | None:
    """The sample of the evidence plan `name`, if it was run."""
    return next((e.sample for e in plan.evidence if e.name == name), None)


def needed_periods(plan: Plan) -> list[int]:
    """The periods whose posts were set by their need (not held up by a rule)."""
    return [k for k, r in enumerate(plan.reasons) if r == NEEDED]


def describe_plan(plan: Plan, folder: Path | None = None) -> str:
    """What the console shows: the recommendation, the posts per period, the statement."""
    table = period_table(plan)
    lines = [recommendation(plan), ""]
    lines.append(f"{'':10} {'posts':>5} {'new':>4} {'recruit by':>11} {'caseload':>16} "
                 f"{'on time %':>16} {'met':>5}  verdict")  # fmt: skip
    for r in table.itertuples():
        load = f"{r.caseload_mean:.1f} ({r.caseload_p10:.0f}-{r.caseload_p90:.0f})"
        share = (
            f"{100 * r.on_time_mean:.1f} ({100 * r.on_time_p10:.0f}-{100 * r.on_time_p90:.0f})"
            if math.isfinite(r.on_time_mean)
            else "-"
        )
        lines.append(
            f"{r.period:10} {r.caseworkers:5d} {('+' + str(r.hires)) if r.hires else '':>4} "
            f"{r.start_recruiting_by:>11} {load:>16} {share:>16} {r.met_share:5.0%}  {r.verdict}"
        )
    futures = int(table["replications"].max()) if len(table) else 0
    lines.append(
        f"caseload, on time: mean over the {futures} fresh futures (10th to 90th percentile "
        "of them: the range a year may fall in); met: share of them meeting both targets"
    )
    lines += ["", statement(plan), minimality_text(plan)]
    lines += [f"note: {n}" for n in plan.notes]
    shared = f"from {plan.warmups} warm-ups simulated once; " if plan.warmups else ""
    lines.append(
        f"{plan.runs} replications simulated ({shared}{plan.simulated_years:.0f} simulated "
        f"years, {plan.cpu_seconds:.0f} s of CPU) in {plan.wall_seconds:.0f} s."
    )
    if folder is not None:
        lines.append(f"Written to {folder}/ (plan.csv, page.pdf, page.png).")
    return "\n".join(lines)
