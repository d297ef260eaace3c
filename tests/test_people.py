"""People: case mix, family reunification, Danish spouses, external capacity.

Each mechanism is shown to act in the right direction with every other random stream
held fixed: the two runs compared differ in one lever only, so they see the same
arrivals, households, exits and durations (common random numbers), and the difference
is the lever's.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
from builders import MINIMAL, build, one_task
from test_model import check_invariants
from test_scenario import assert_one_clear_problem

from simulator.analysis.metrics import analyse
from simulator.engine.model import Municipality
from simulator.engine.records import DONE
from simulator.scenario import (
    DAYS_PER_YEAR,
    PERSON_KINDS,
    STATUSES,
    ScenarioError,
    load_scenario,
)

START = dt.date(2024, 1, 8)
TEMPORARY_STATUS = {"status_share": {"convention": 0.5, "temporary": 0.5}}


def people(changes=None, years=2.0, per_month=6, workers=20):
    """Single adults placed for the first year; ample caseworkers round the clock, so a
    task is done as soon as it falls due and nothing waits on the office."""
    base = {
        "simulation": {"duration_years": years, "seed": 11},
        "calendar": {"mode": "continuous"},
        "caseworkers": {
            "staffing": [{"date": START, "caseworkers": workers}],
            "assignment": "pool" if workers > 1 else "fixed",
        },
        "arrivals": {
            "process": "poisson",
            "monthly": [per_month] * 12,
        },
        "exit": {"self_support": {"refugee": [0.3, 0.5, 0.6]}, "other_per_year": 0.1},
    }
    return build(_merge(base, changes or {}), base=MINIMAL)


def _merge(a, b):
    out = dict(a)
    for key, value in b.items():
        out[key] = _merge(a[key], value) if isinstance(value, dict) and key in a else value
    return out


def run(scenario):
    model = Municipality(scenario)
    record = model.run()
    return model, record, analyse(record, model.calendar)


def tasks_of(record, name):
    """Boolean mask of the task rows of type `name`."""
    return record.tasks["type"] == record.task_names.index(name)


def check_people_invariants(record) -> None:
    """What must hold for families and examinations at the end of any run."""
    f = record.families
    if f and f["placed"].size:
        steps = [("placed", "may_apply"), ("may_apply", "applied"), ("applied", "arrived")]
        for early, late in steps:
            both = ~np.isnan(f[early]) & ~np.isnan(f[late])
            assert np.all(f[late][both] >= f[early][both] - 1e-9), f"{early} <= {late}"
            assert not np.any(np.isnan(f[early]) & ~np.isnan(f[late])), f"{late} before {early}"
    ex = record.examinations
    if ex and ex["case"].size:
        rows = ex["case"].astype(int)
        opened, closed = record.cases["opened"][rows], record.cases["closed"][rows]
        referred, examined = ex["referred"], ex["examined"]
        was = ~np.isnan(referred)
        assert np.all(referred[was] >= opened[was])
        assert not np.any(np.isnan(referred) & ~np.isnan(examined)), "examined unreferred"
        seen = ~np.isnan(examined)
        assert np.all(examined[seen] >= referred[seen])
        assert not np.any(seen & (examined > closed + 1e-9)), "examined after leaving"
        # the GPs see one person at a time
        gaps = np.diff(np.sort(examined[seen]))
        assert np.all(gaps >= 0)


# ---------------------------------------------------------------- family reunification

REUNIFICATION = {
    "households": {"single_adult": {"share": 1.0, "adults": 1}},
    "reunification": {
        "apply_share": {"single_adult": 1.0},
        "processing_days": {"dist": "exponential", "mean": 120.0},
        "travel_days": {"dist": "fixed", "value": 14.0},
        "spouse_share": 0.5,
        "children_mean": 1.0,
        "unaided_delay_days": 20.0,
    },
    "case_mix": TEMPORARY_STATUS,
    "tasks": {
        "reunification_help": one_task(
            statutory=False, trigger={"on": "reunification_application"}, deadline_days=30.0
        ),
    },
}


def families_by_household(record):
    f = record.families
    return {int(h): i for i, h in enumerate(f["household"])}


def test_waiting_rule_moves_temporary_status_families_a_year_later():
    """The one-year rule (Feb 2015): a refugee with temporary protection may apply only a
    year after placement, so the family arrives a year later; convention refugees' families
    come as before. Everything else (who applies, processing, travel) is the same draw; an
    applicant whose case closed within the year applies without help, later still."""
    before = people(REUNIFICATION, years=3.0)
    after = people(
        _merge(REUNIFICATION, {"reunification": {"waiting_years": {"temporary": 1.0}}}), 3.0
    )
    (_, a, _), (_, b, _) = run(before), run(after)
    assert Municipality(before).arrivals == Municipality(after).arrivals
    fa, fb = a.families, b.families
    np.testing.assert_array_equal(fa["household"], fb["household"])
    temporary_cases = a.cases["status"] == STATUSES.index("temporary")
    temporary = np.isin(fa["household"], a.cases["household"][temporary_cases])
    assert 0.3 < temporary.mean() < 0.7  # about half, as the status shares say
    shift = fb["arrived"] - fa["arrived"]
    came = ~np.isnan(shift)
    assert came[temporary].sum() > 20
    year, helped = DAYS_PER_YEAR, came & (fa["aided"] == 1) & (fb["aided"] == 1)
    assert np.all(shift[came & temporary] >= 365)
    np.testing.assert_allclose(shift[helped & temporary], year, atol=1e-6)  # nothing else moved
    unaided = came & temporary & (fb["aided"] == 0)  # help takes 2 h; alone, 20 days
    np.testing.assert_allclose(shift[unaided], year + 20 - 2 / 24, atol=1e-6)
    np.testing.assert_allclose(shift[came & ~temporary], 0.0, atol=1e-6)
    np.testing.assert_allclose(fb["may_apply"] - fb["placed"], np.where(temporary, year, 0.0))
    check_people_invariants(b)


def test_waiting_rule_applies_from_its_date():
    """With `waiting_from`, only refugees placed from that date on wait (the law's date)."""
    rule = {"waiting_years": {"temporary": 1.0}, "waiting_from": START + dt.timedelta(days=180)}
    _, record, _ = run(people(_merge(REUNIFICATION, {"reunification": rule}), 3.0))
    f = record.families
    waited = f["may_apply"] - f["placed"]
    assert np.all(waited[f["placed"] < 180] == 0)
    late = f["placed"] >= 180
    assert set(np.round(waited[late], 6)) == {0.0, round(DAYS_PER_YEAR, 6)}  # by status


def test_application_is_sent_when_the_help_is_done_or_unaided_later():
    """With the help task the application goes when the task is done; without it (task
    switched off) the applicant sends it `unaided_delay_days` later; either way the family
    arrives processing + travel after the application."""
    helped = people(REUNIFICATION)
    unaided = people(_merge(REUNIFICATION, {"tasks": {"reunification_help": {"enabled": False}}}))
    (_, a, _), (_, b, _) = run(helped), run(unaided)
    fa, fb = a.families, b.families
    done = a.tasks["finished"][tasks_of(a, "reunification_help")]
    np.testing.assert_allclose(np.sort(fa["applied"][~np.isnan(fa["applied"])]), np.sort(done))
    assert np.all(fa["aided"] == 1) and np.all(fb["aided"] == 0)
    np.testing.assert_allclose(fb["applied"] - fb["may_apply"], 20.0)
    np.testing.assert_allclose(fa["applied"] - fa["may_apply"], 2 / 24)  # the 2 h of help
    came = ~np.isnan(fb["arrived"])
    # the same processing and travel draws
    np.testing.assert_allclose(
        (fb["arrived"] - fb["applied"])[came], (fa["arrived"] - fa["applied"])[came]
    )


def test_help_dropped_or_lapsed_releases_the_application():
    """A help task that is never done must not hold the family back for ever: dropped by
    triage (the office calls Task.release()) or lapsed (the case exited first), the
    applicant sends the application unaided."""
    busy = _merge(
        REUNIFICATION,
        {
            "calendar": {"mode": "continuous"},
            "caseworkers": {"staffing": [{"date": START, "caseworkers": 1}]},
            "tasks": {"hog": one_task(duration_hours={"dist": "fixed", "value": 24.0 * 400})},
            "exit": {"other_per_year": 3.0},  # cases close while the help waits
        },
    )
    scenario = people(busy, years=1.5, per_month=2, workers=1)
    model = Municipality(scenario)
    model.start()
    model.env.run(until=40.0)
    waiting = [e[-1] for e in model.office.everyone[0].queue]
    helps = [t for t in waiting if t.type.name == "reunification_help" and t.case.is_open]
    assert helps, "the help tasks wait behind the long statutory task"
    dropped = helps[0]
    dropped.release()  # what the office does when triage drops a task
    model.simulate()
    record = model._record(0.0)
    f = record.families
    row = families_by_household(record)[dropped.case.household]
    assert f["applied"][row] == pytest.approx(40.0 + 20.0)
    assert f["aided"][row] == 0
    # everyone else's help lapsed when their case exited: unaided, 20 days after the exit
    refugees = record.cases["kind"] == PERSON_KINDS.index("refugee")
    exits = dict(
        zip(record.cases["household"][refugees], record.cases["exit"][refugees], strict=True)
    )
    others = [i for i, h in enumerate(f["household"]) if int(h) != dropped.case.household]
    sent = [i for i in others if not np.isnan(f["applied"][i])]
    assert len(sent) > 5
    for i in sent:
        assert f["aided"][i] == 0
        assert f["applied"][i] == pytest.approx(
            max(exits[f["household"][i]], f["may_apply"][i]) + 20
        )
    check_people_invariants(record)


def test_family_arrival_opens_a_spouse_case_and_brings_family_tasks():
    scenario = people(
        _merge(
            REUNIFICATION,
            {
                "tasks": {
                    "family_housing": one_task(statutory=False, trigger={"on": "reunification"}),
                    "child_enrolment": one_task(statutory=False, trigger={"on": "children"}),
                }
            },
        ),
        years=3.0,
    )
    _, record, stats = run(scenario)
    f, c = record.families, record.cases
    came = ~np.isnan(f["arrived"])
    spouses = c["kind"] == PERSON_KINDS.index("reunified")
    assert spouses.sum() == f["spouse"][came].sum()  # one case per arriving spouse
    for h in f["household"][came & (f["spouse"] == 1)]:
        mine = spouses & (c["household"] == h)
        assert mine.sum() == 1
        assert c["opened"][mine][0] == pytest.approx(f["arrived"][f["household"] == h][0])
    # children: one enrolment per household where children arrived (the placed had none)
    enrolled = record.tasks["household"][tasks_of(record, "child_enrolment")]
    with_children = set(f["household"][came & (f["children"] > 0)].astype(int))
    assert set(enrolled.tolist()) <= with_children
    assert len(enrolled) == len(set(enrolled.tolist()))
    housed = set(record.tasks["household"][tasks_of(record, "family_housing")].tolist())
    assert housed <= set(f["household"][came].astype(int))
    # the outputs count the same people
    window = came & (f["arrived"] >= record.warmup)
    members = f["spouse"][window].sum() + f["children"][window].sum()
    assert stats.summary["family_members_arrived"] == members
    assert stats.summary["children_arrived"] == f["children"][window].sum()
    check_people_invariants(record)


def test_family_tasks_only_for_households_with_children():
    """A task that requires children falls due only in households with children: placed
    with them, or joined by reunified children; `on = "children"` once per household."""
    scenario = people(
        _merge(
            REUNIFICATION,
            {
                "households": {
                    "single_adult": {"share": 0.5, "adults": 1},
                    "family": {"share": 0.5, "adults": 2, "children_min": 1, "children_max": 3},
                },
                "reunification": {"children_mean": 0.8},
                "tasks": {
                    "child_enrolment": one_task(statutory=False, trigger={"on": "children"}),
                    "family_coordination": one_task(
                        trigger={"on": "rate", "per_year": 6.0}, requires=["children"]
                    ),
                },
            },
        ),
        years=2.0,
    )
    model, record, _ = run(scenario)
    placed = {k: p.children for k, p in enumerate(model.arrivals)}  # numbered in that order
    f = record.families
    joined = {int(h) for h, n, t in zip(f["household"], f["children"], f["arrived"], strict=True)
              if n > 0 and not np.isnan(t)}  # fmt: skip
    with_children = {h for h, n in placed.items() if n > 0} | joined
    for name in ("child_enrolment", "family_coordination"):
        households = set(record.tasks["household"][tasks_of(record, name)].tolist())
        assert households, name
        assert households <= with_children, name
    enrolled = record.tasks["household"][tasks_of(record, "child_enrolment")].tolist()
    placed_with = [h for h, n in placed.items() if n > 0]
    assert all(enrolled.count(h) == 1 + (h in joined) for h in placed_with)
    # without any children, no family tasks at all
    none = people(
        _merge(REUNIFICATION, {"reunification": {"children_mean": 0.0, "spouse_share": 1.0},
                               "tasks": {"family_coordination": one_task(
                                   trigger={"on": "rate", "per_year": 6.0},
                                   requires=["children"])}}),
    )  # fmt: skip
    _, record, _ = run(none)
    assert not tasks_of(record, "family_coordination").any()


# ---------------------------------------------------------------- trauma

TRAUMA_TASKS = {
    "reception": one_task(meeting=True),
    "benefit_decision": one_task(meeting=False),
    "skills_assessment": one_task(trigger={"on": "after", "days": 30.0}, employment=True),
    "trauma_screening": one_task(statutory=False, requires=["traumatised"], meeting=True),
    "farewell": one_task(trigger={"on": "closure"}, meeting=True),  # a meeting on an event
}


def trauma(share, longer=1.5, slower=0.5, wait=True):
    mix = {
        "trauma_share": {"refugee": share},
        "meeting_multiplier_traumatised": longer,
        "self_support_multiplier_traumatised": slower,
    }
    if wait:
        mix["treatment_wait_days"] = {"dist": "triangular", "low": 0.0, "mode": 180.0,
                                      "high": 365.0}  # fmt: skip
    return people({"case_mix": mix, "tasks": TRAUMA_TASKS}, years=3.0)


def test_traumatised_get_longer_meetings_extra_tasks_and_exit_later():
    (_, none, _), (_, all_, stats) = run(trauma(0.0)), run(trauma(1.0))
    np.testing.assert_array_equal(none.cases["opened"], all_.cases["opened"])
    assert np.all(all_.cases["traumatised"] == 1) and np.all(none.cases["traumatised"] == 0)

    def first(record, name):  # hours of each case's task of this type
        m = tasks_of(record, name)
        return dict(zip(record.tasks["case"][m], record.tasks["hours"][m], strict=True))

    r0, r1 = first(none, "reception"), first(all_, "reception")
    assert r1.keys() == r0.keys()
    np.testing.assert_allclose([r1[k] for k in r0], [1.5 * r0[k] for k in r0])  # meetings
    b0, b1 = first(none, "benefit_decision"), first(all_, "benefit_decision")
    assert b0 == b1  # not a meeting: as long as before
    # meetings on an event (drawn when it happens): 2 fixed hours, 1.5 times as long
    assert set(none.tasks["hours"][tasks_of(none, "farewell")]) == {2.0}
    assert set(all_.tasks["hours"][tasks_of(all_, "farewell")]) == {3.0}
    assert not tasks_of(none, "trauma_screening").any()
    assert tasks_of(all_, "trauma_screening").sum() == all_.cases["case"].size  # one each
    # exits: never earlier, and later on average (no self-support while waiting for
    # treatment, then at half the hazard)
    e0, e1 = none.cases["exit"] - none.cases["opened"], all_.cases["exit"] - all_.cases["opened"]
    assert np.all(e1 >= e0 - 1e-9)
    assert e1.mean() > e0.mean() + 30
    assert stats.summary["traumatised_open_share"] == pytest.approx(1.0)


def test_employment_work_waits_for_treatment():
    _, record, _ = run(trauma(1.0))
    m = tasks_of(record, "skills_assessment")
    case = record.tasks["case"][m]
    treatment = record.cases["treatment_from"][case]
    np.testing.assert_allclose(record.tasks["created"][m], treatment + 30.0)
    assert np.ptp(treatment - record.cases["opened"][case]) > 100  # waits up to a year


def test_who_leaves_before_treatment_gets_no_employment_work():
    """An employment task falls due when treatment starts; someone whose case closes first
    never gets it (found by the property test: it once fell due after the case's exit)."""
    scenario = people(
        {
            "case_mix": {
                "trauma_share": {"refugee": 1.0},
                "treatment_wait_days": {"dist": "fixed", "value": 200.0},
            },
            "tasks": {"job_talk": one_task(employment=True)},  # on arrival: at treatment
            "exit": {"other_per_year": 2.0},
        }
    )
    _, record, _ = run(scenario)
    c, m = record.cases, tasks_of(record, "job_talk")
    stays = c["exit"] > c["treatment_from"]
    assert 0 < stays.sum() < stays.size
    assert set(record.tasks["case"][m].tolist()) == set(c["case"][stays].tolist())
    np.testing.assert_allclose(
        record.tasks["created"][m], c["opened"][record.tasks["case"][m]] + 200
    )


def test_a_share_traumatised_only_they_get_the_extra_tasks():
    _, record, stats = run(trauma(0.3))
    c = record.cases
    traumatised = set(c["case"][c["traumatised"] == 1].tolist())
    screened = set(record.tasks["case"][tasks_of(record, "trauma_screening")].tolist())
    assert screened == traumatised
    assert 0.15 < len(traumatised) / c["case"].size < 0.45  # 0.3 of ~70 cases, binomial
    assert 0.1 < stats.summary["traumatised_open_share"] < 0.6


def test_no_case_mix_is_zero_shares_exactly():
    """Switching the case mix on with zero shares changes nothing: every attribute draws
    from its own stream."""
    plain = people({"tasks": TRAUMA_TASKS}, years=1.5)
    zero = people({"tasks": TRAUMA_TASKS, "case_mix": {
        "trauma_share": {"refugee": 0.0}, "interpreter_share": 0.0,
        "meeting_multiplier_traumatised": 2.0,
        "treatment_wait_days": {"dist": "fixed", "value": 100.0}}}, years=1.5)  # fmt: skip
    (_, a, _), (_, b, _) = run(plain), run(zero)
    for name in a.tasks:
        np.testing.assert_array_equal(a.tasks[name], b.tasks[name])
    for name in ("opened", "exit", "closed"):
        np.testing.assert_array_equal(a.cases[name], b.cases[name])


def test_interpreter_need_is_drawn_at_its_share_and_moves_nothing_else():
    def interpreted(share):
        return people({"case_mix": {"interpreter_share": share}, "tasks": TRAUMA_TASKS})

    (_, a, _), (_, b, _) = run(interpreted(0.0)), run(interpreted(0.7))
    assert 0.5 < b.cases["interpreter"].mean() < 0.9  # 0.7 of ~70 cases, binomial
    assert not a.cases["interpreter"].any()
    np.testing.assert_array_equal(a.tasks["hours"], b.tasks["hours"])


# ---------------------------------------------------------------- Danish spouses


def test_danish_spouses_carry_a_lighter_profile():
    """Spouses of Danish citizens arrive by their own schedule and get only the tasks that
    name them: in the baseline catalogue far fewer hours than a refugee."""
    scenario = load_scenario(
        "scenarios/baseline.toml",
        [
            "simulation.duration_years=1.5",
            "simulation.warmup_years=0",
            "arrivals.danish_spouses={process='poisson', per_month=4.0}",
            "caseworkers.staffing=[{date=2012-01-01,caseworkers=8}]",
        ],
    )
    model, record, stats = run(scenario)
    c, t = record.cases, record.tasks
    kind = c["kind"][t["case"]]
    early = t["created"] < c["opened"][t["case"]] + 90  # the first three months
    hours = {}
    for k in ("refugee", "danish_spouse"):
        mine = c["kind"] == PERSON_KINDS.index(k)
        opened = mine & (c["opened"] < scenario.simulation.duration_days - 90)
        cases = set(c["case"][opened].tolist())
        of = np.isin(t["case"], list(cases)) & early & (kind == PERSON_KINDS.index(k))
        hours[k] = t["hours"][of].sum() / len(cases)
    assert 30 < (c["kind"] == PERSON_KINDS.index("danish_spouse")).sum() < 110  # ~4 x 18
    # reception, contract and Danish course (~5 h) against a refugee's ~15 h
    assert hours["danish_spouse"] < 0.5 * hours["refugee"]
    assert np.all(c["traumatised"][c["kind"] == PERSON_KINDS.index("danish_spouse")] == 0)
    check_invariants(scenario, record, model.calendar, stats)
    check_people_invariants(record)


def test_tasks_do_not_apply_to_danish_spouses_unless_named():
    scenario = people({"arrivals": {"danish_spouses": {"process": "exact", "per_month": 3.0}},
                       "exit": {"self_support": {"danish_spouse": [0.5]}}})  # fmt: skip
    _, record, _ = run(scenario)
    c = record.cases
    spouses = c["case"][c["kind"] == PERSON_KINDS.index("danish_spouse")]
    assert spouses.size == 3 * 24  # exact: 3 a month for two years
    assert not np.isin(record.tasks["case"], spouses).any()  # reception names no one else


# ---------------------------------------------------------------- GP capacity


def health(capacity, limit=90.0):
    return people(
        {
            "tasks": {"referral": one_task(deadline_days=90.0)},
            "external": {
                "health_examination": {
                    "after_task": "referral",
                    "capacity_per_week": capacity,
                    "limit_days": limit,
                }
            },
            "simulation": {"warmup_years": 0.5},
        },
        years=1.5,
        per_month=10,
    )


def test_gp_capacity_sets_the_share_examined_within_the_limit():
    """About 2.3 people a week are referred (10 a month) for a year. With ample capacity
    everyone is examined within the limit; with half the demand the queue grows by about
    1.15 a week, so from the fourth month on the wait exceeds the limit for all; in between
    the share falls as capacity falls."""
    shares = {}
    for capacity in (50.0, 3.5, 2.3, 1.6, 1.15):
        _, record, stats = run(health(capacity))
        shares[capacity] = stats.summary["health_exam_within_limit_share"]
        check_people_invariants(record)
    assert shares[50.0] == pytest.approx(1.0)
    assert shares[1.15] < 0.25
    values = list(shares.values())
    assert all(b <= a + 0.02 for a, b in itertools.pairwise(values)), shares
    assert values[0] - values[-1] > 0.75


def test_gp_queue_is_first_come_first_served_and_people_who_leave_are_not_examined():
    _, record, stats = run(health(1.6))
    ex = record.examinations
    seen = ~np.isnan(ex["examined"])
    order = np.argsort(ex["referred"][seen], kind="stable")
    assert np.all(np.diff(ex["examined"][seen][order]) > 0), "served in order of referral"
    gaps = np.diff(np.sort(ex["examined"][seen]))
    assert gaps.min() >= 7 / 1.6 - 1e-9  # one examination every 7 / capacity days
    assert stats.summary["health_exam_wait_days_mean"] > 0


def test_gp_capacity_changes_no_casework():
    (_, a, _), (_, b, _) = run(health(50.0)), run(health(1.0))
    for name in a.tasks:
        np.testing.assert_array_equal(a.tasks[name], b.tasks[name])


# ---------------------------------------------------------------- everything on


def test_invariants_hold_with_every_mechanism_on():
    scenario = load_scenario(
        "scenarios/reunification_one_year_rule.toml",
        [
            "simulation.duration_years=2.5",
            "simulation.warmup_years=1",
            "arrivals.danish_spouses={per_month=2.0}",
            "reunification.waiting_from=2012-07-01",
            "caseworkers.assignment='pool'",
        ],
    )
    model, record, stats = run(scenario)
    check_invariants(scenario, record, model.calendar, stats)
    check_people_invariants(record)
    s = stats.summary
    assert 0 < s["traumatised_open_share"] < 1
    assert s["family_members_arrived"] > 0 and s["children_arrived"] > 0
    assert 0 <= s["health_exam_within_limit_share"] <= 1
    done = record.tasks["state"] == DONE
    assert done.any()


# ---------------------------------------------------------------- scenario keys

BAD = {
    "status-shares": ({"case_mix.status_share": {"convention": 0.5}}, "case_mix",
                      "status_share: shares must sum to 1"),
    "status-name": ({"reunification.waiting_years": {"temporary_": 1.0}}, "reunification",
                    "unknown status 'temporary_'"),
    "trauma-kind": ({"case_mix.trauma_share": {"refugees": 0.3}}, "case_mix",
                    "unknown person kind 'refugees'"),
    "employment-event": ({"tasks.family_housing.employment": True}, "tasks.family_housing",
                         "employment work must fall due by the case's own agenda"),
    "requires": ({"tasks.reception.requires": ["trauma"]}, "tasks.reception.requires.0",
                 "'traumatised' or 'children'"),
    "old-delay": ({"reunification.delay_days": {"dist": "fixed", "value": 1.0}},
                  "reunification", "delay_days was replaced: use processing_days"),
    "after-task": ({"external.health_examination.after_task": "gp"},
                   "external.health_examination.after_task",
                   "unknown task 'gp'"),
    "capacity": ({"external.health_examination.capacity_per_week": 0},
                 "external.health_examination.capacity_per_week", "greater than 0"),
    "spouse-schedule": ({"arrivals.danish_spouses": {"per_month": 0.0}},
                        "arrivals.danish_spouses", "places no people"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_new_keys_give_one_clear_error(case, baseline_data, write_scenario):
    changes, key, allowed = case
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = baseline_data
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    path = write_scenario(baseline_data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert_one_clear_problem(str(info.value), path, key, allowed)
