"""Property: any valid scenario runs, and the invariants hold (with every mechanism of
the case mix, reunification, Danish spouses and external capacity switched on at random)."""

from __future__ import annotations

import datetime as dt

from builders import MINIMAL, build, one_task
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_model import check_invariants
from test_people import check_people_invariants

from simulator.analysis.metrics import analyse
from simulator.engine.model import Municipality

durations = st.one_of(
    st.builds(lambda v: {"dist": "fixed", "value": v}, st.floats(0, 6)),
    st.builds(lambda m: {"dist": "exponential", "mean": m}, st.floats(0.1, 6)),
    st.builds(
        lambda m, s: {"dist": "lognormal", "mean": m, "sd": s}, st.floats(0.1, 6), st.floats(0, 4)
    ),
    st.builds(
        lambda a, b, c: dict(
            zip(("low", "mode", "high"), sorted((a, b, c + 0.1)), strict=True), dist="triangular"
        ),
        st.floats(0, 3),
        st.floats(0, 3),
        st.floats(0, 3),
    ),
    st.builds(
        lambda v: {"dist": "empirical", "values": v},
        st.lists(st.floats(0, 5), min_size=1, max_size=4),
    ),
)
triggers = st.one_of(
    st.just({"on": "arrival"}),
    st.builds(lambda d: {"on": "after", "days": d}, st.floats(0, 200)),
    st.builds(lambda d: {"on": "every", "days": d}, st.floats(5, 120)),
    st.builds(lambda r: {"on": "rate", "per_year": r}, st.floats(0.2, 12)),
    st.just({"on": "reunification_application"}),
    st.just({"on": "reunification"}),
    st.just({"on": "children"}),
    st.just({"on": "closure"}),
)
AGENDA = ("arrival", "after", "every", "rate")
tasks = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "e"]),
    st.builds(
        lambda s, t, d, dl, r, people: one_task(
            statutory=s,
            trigger=t,
            duration_hours=d,
            deadline_days=dl,
            repeat=r,
            meeting=people[0],
            applies_to=people[1],
            requires=people[2],
            employment=people[3] and t["on"] in AGENDA,  # employment work is agenda work
        ),
        st.booleans(),
        triggers,
        durations,
        st.floats(0, 90),
        st.one_of(
            st.none(),
            st.builds(
                lambda p, m: {"probability": p, "delay_days": {"dist": "exponential", "mean": m}},
                st.floats(0, 0.9),
                st.floats(0.1, 60),
            ),
        ),
        st.tuples(  # meeting, applies_to, requires, employment
            st.booleans(),
            st.one_of(
                st.none(),
                st.lists(st.sampled_from(["refugee", "reunified", "danish_spouse"]), unique=True),
            ),
            st.lists(st.sampled_from(["traumatised", "children"]), unique=True),
            st.booleans(),
        ),
    ),
    min_size=1,
    max_size=4,
)
case_mix = st.builds(
    lambda convention, interpreter, trauma, longer, wait, slower: {
        "status_share": {"convention": convention, "temporary": 1 - convention},
        "interpreter_share": interpreter,
        "trauma_share": {"refugee": trauma[0], "reunified": trauma[1], "danish_spouse": trauma[2]},
        "meeting_multiplier_traumatised": longer,
        **({} if wait is None else {"treatment_wait_days": {"dist": "exponential", "mean": wait}}),
        "self_support_multiplier_traumatised": slower,
    },
    st.floats(0, 1),
    st.floats(0, 1),
    st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)),
    st.floats(0.5, 3),
    st.one_of(st.none(), st.floats(1, 200)),
    st.floats(0, 2),
)
staffing = st.lists(st.integers(1, 5), min_size=1, max_size=3).map(
    lambda counts: [
        {"date": dt.date(2024, 1, 8) + dt.timedelta(days=60 * i), "caseworkers": n}
        for i, n in enumerate(counts)
    ]
)


@st.composite
def scenarios(draw):
    single = draw(st.floats(0.1, 1.0))
    return {
        "simulation": {
            "duration_years": draw(st.floats(0.2, 1.0)),
            "seed": draw(st.integers(0, 9)),
        },
        "calendar": {"mode": draw(st.sampled_from(["working_hours", "continuous"]))},
        "caseworkers": {
            "staffing": draw(staffing),
            "assignment": draw(st.sampled_from(["fixed", "pool"])),
            "queue_order": draw(st.sampled_from(["priority", "fifo"])),
            "casework_share": draw(st.floats(0.2, 1.0)),
        },
        "arrivals": {
            "process": draw(st.sampled_from(["exact", "poisson"])),
            "monthly": draw(st.lists(st.integers(0, 12), min_size=1, max_size=8).filter(any)),
            **draw(
                st.one_of(
                    st.just({}),
                    st.builds(
                        lambda n: {"danish_spouses": {"process": "poisson", "per_month": n}},
                        st.floats(0.1, 5),
                    ),
                )
            ),
        },
        "households": {
            "single_adult": {"share": single, "adults": 1},
            "couple": {"share": 1 - single, "adults": 2, "children_max": 2},
        },
        "reunification": {
            "apply_share": {"single_adult": draw(st.floats(0, 1)), "couple": draw(st.floats(0, 1))},
            "waiting_years": {"temporary": draw(st.sampled_from([0.0, 0.1, 0.5]))},
            "waiting_from": dt.date(2024, 1, 8) + dt.timedelta(days=draw(st.integers(0, 200))),
            "unaided_delay_days": draw(st.floats(0, 60)),
            "processing_days": {"dist": "exponential", "mean": draw(st.floats(1, 120))},
            "travel_days": {"dist": "exponential", "mean": draw(st.floats(1, 30))},
        },
        "exit": {
            "self_support": {
                "refugee": [draw(st.floats(0, 0.9))],
                "danish_spouse": [draw(st.floats(0, 0.9))],
            },
            "other_per_year": draw(st.floats(0, 2)),
            "period_years": draw(st.floats(0.1, 3)),
        },
        "tasks": {"reception": {"enabled": draw(st.booleans())}, **draw(tasks)},
        **draw(st.one_of(st.just({}), st.builds(lambda m: {"case_mix": m}, case_mix))),
        **draw(
            st.one_of(
                st.just({}),
                st.builds(
                    lambda c, limit: {
                        "external": {
                            "health_examination": {
                                "after_task": "reception",
                                "capacity_per_week": c,
                                "limit_days": limit,
                            }
                        }
                    },
                    st.floats(0.2, 20),
                    st.floats(1, 120),
                ),
            )
        ),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_any_valid_scenario_runs_and_keeps_the_invariants(changes):
    scenario = build(changes, base=MINIMAL)
    model = Municipality(scenario)
    record = model.run()
    stats = analyse(record, model.calendar)
    check_invariants(scenario, record, model.calendar, stats)
    check_people_invariants(record)
