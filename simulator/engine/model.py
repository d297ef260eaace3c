"""The integration-period model: households arrive, cases open, tasks fall due.

Read `household` and `case` for what happens to people; everything else
(sampling, the caseworkers' queues, recording, statistics) lives in its own
module. One `Municipality` is one replication of one scenario.

Part of the compiled engine (mypyc): see docs/howto/compiled-engine.md.
"""

from __future__ import annotations

import bisect
import gc
import heapq
import math
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import numpy as np
import simpy

from simulator.engine.arrivals import Placement, arrival_times, placements
from simulator.engine.calendar import WorkCalendar
from simulator.engine.catalogue import Catalogue
from simulator.engine.entities import Case, Task, TaskType, Visits
from simulator.engine.external import ExternalQueue
from simulator.engine.office import Office, Policies
from simulator.engine.records import (
    LEFT,
    PERIOD_END,
    SELF_SUPPORT,
    AssignmentLog,
    CaseLog,
    FamilyLog,
    Reunion,
    RunRecord,
    TaskLog,
    WorkforceLog,
)
from simulator.engine.sampling import (
    Family,
    FamilySampler,
    LoadedFamilies,
    Person,
    PersonSampler,
    pending_family,
)
from simulator.engine.streams import Stream, Streams, sampler
from simulator.engine.timeline import Timeline
from simulator.engine.workforce import Workforce
from simulator.scenario.schema import (
    DAYS_PER_YEAR,
    PERSON_KINDS,
    After,
    Every,
    OnArrival,
    Scenario,
    StaffChange,
    Trigger,
    days_of_month,
    takeover_span,
)

Process = Generator[simpy.Event, Any, None]


class Municipality:
    """One replication: the municipality's caseworkers, its households and their cases."""

    def __init__(self, scenario: Scenario, replication: int = 0, seed: int | None = None) -> None:
        self.seed = scenario.simulation.seed if seed is None else seed
        streams = Streams(self.seed, replication)
        self.timeline = Timeline(scenario, streams)  # the rules by date
        scenario = self.timeline.first  # those in force at the start
        self.scenario = scenario
        self.replication = replication
        self.env = simpy.Environment()
        sim, staff = scenario.simulation, scenario.caseworkers
        self.end = sim.duration_days
        # the staff changes the staffing process works through (the scenario's, unless a
        # planner's branch replaces those still to come: `restaff`), the next one's index,
        # and the event it waits on for that one's day
        self.staff_changes: list[StaffChange] = list(staff.staffing)
        self.staff_next = 0
        self.staff_wait: simpy.Event | None = None
        self.calendar = WorkCalendar(
            sim.start_date,
            int(self.end) + 2,
            staff.casework_hours_per_day,
            continuous=scenario.calendar.mode == "continuous",
            start_hour=scenario.calendar.workday_start_hour,
            public_holidays=scenario.calendar.public_holidays,
            closed_month_days=scenario.calendar.closed_month_days,
            hours_from=self.timeline.hours(),
        )
        self.catalogue = Catalogue(
            scenario.tasks,
            streams,
            scenario.case_mix,
            self.timeline.applicability(),
            scenario.caseworkers.task_time_scale,
        )
        exam = scenario.external.health_examination
        self.people = {
            kind: PersonSampler(kind, scenario.exit, scenario.case_mix, streams, exam)
            for kind in PERSON_KINDS
        }
        self.before_effort = scenario.exit.before_effort_multiplier
        for tt in self.catalogue.types:
            if tt.employment:
                tt.on_start = self.effort_begins
        self.families = FamilySampler(
            scenario.reunification, streams["reunification"], self.people["reunified"]
        )
        rule = scenario.reunification.waiting_from if scenario.reunification else None
        self.waiting_from = -math.inf if rule is None else self.calendar.day_of(rule)
        self.arrivals = placements(scenario, streams["arrivals"], streams["households"])
        spouses, stream = scenario.arrivals.danish_spouses, streams["arrivals:danish_spouse"]
        self.danish_spouse_arrivals = [] if spouses is None else arrival_times(spouses, sim, stream)
        self.task_log, self.case_log, self.family_log = TaskLog(), CaseLog(), FamilyLog()
        self.health = None if exam is None else ExternalQueue(self.env, exam)
        if self.health is not None:
            for tt in self.catalogue.types:
                if tt.name == exam.after_task:  # type: ignore[union-attr]
                    tt.followed_by = self.health
        self.office = Office(
            self.env,
            self.calendar,
            fixed=staff.assignment == "fixed",
            priority=staff.queue_order == "priority",
            rebalance=staff.rebalance_on_staff_change,
            tasks=self.task_log,
            assignments=AssignmentLog(),
            policies=self.policies(scenario),
        )
        self.workforce_log = WorkforceLog()
        self.workforce = Workforce(
            scenario, self.office, self.calendar, streams, self.workforce_log
        )
        self.cases: dict[int, Case] = {}
        self._next_task = 0
        self._next_case = 0
        self._next_household = 0

    # ------------------------------------------------------------------ the process

    def household(self, placement: Placement) -> Process:
        """A household placed in the municipality.

        1. The municipality takes over: each adult's case opens; children in the household
           bring the family tasks (day care, school).
        2. If the principal applies for family reunification (familiesammenføring), they
           may apply once the waiting rule for their residence status allows; the
           application is sent when the caseworker's help is done (or unaided, later);
           the Immigration Service decides, and the family travels.
        3. When the family arrives, a spouse opens a case of their own in the household;
           the applicant's case gets the reunification tasks (housing for the whole
           family, ...) and arriving children bring the family tasks.
        """
        household = self._next_household
        self._next_household += 1
        children = placement.children > 0
        refugees = self.people["refugee"]
        principal = self.open_case(household, refugees.draw(), children)
        for _ in range(placement.adults - 1):
            self.open_case(household, refugees.draw(), children)
        if children:
            self.trigger(principal, "children")
        family = self.families.draw(placement.household_type)
        later = self.timeline.draw_family_delays()  # under rules of later dates, if any
        if family is None:
            return
        may_apply = self._may_apply(placement.time, principal.status)
        yield from self.reunification(principal, placement.time, family, later, children, may_apply)

    def reunification(
        self,
        principal: Case,
        placed: float,
        family: Family,
        later: list[tuple[float, float]],
        children: bool,
        may_apply: float,
        helping: list[Task] | None = None,
    ) -> Process:
        """The family follows (familiesammenføring): the principal, placed at `placed`, may
        apply from `may_apply` (or their help with it waits at the start: `helping`); the
        application is sent, with the caseworker's help or alone (`application`); the
        Immigration Service decides, the family travels and arrives."""
        spec = self.scenario.reunification
        assert spec is not None  # there is a family only with a reunification table
        reunion = self.family_log.start(
            principal.household, placed, family.spouse is not None, family.children
        )
        if helping is None:
            yield from self.wait_until(may_apply)
            reunion.may_apply = self.env.now
        else:
            reunion.may_apply = min(t.created for t in helping)
        reunion.aided = yield from self.application(
            principal, spec.unaided_delay_days, spec.help_abandoned_after_days, helping
        )
        reunion.applied = self.env.now
        processing, travel = self.timeline.family_delay(family, later, self.env.now)
        reunion.decided = self.env.now + processing
        yield self.env.timeout(processing + travel)
        reunion.arrived = self.env.now
        self.family_arrives(principal.household, principal, family, children)

    def application(
        self,
        applicant: Case,
        unaided: float,
        give_up: float | None = None,
        helping: list[Task] | None = None,
    ) -> Generator[simpy.Event, Any, bool]:
        """The reunification application is sent: when the help task is done, or unaided.

        The help falls due now (or fell due before the start: `helping`, waiting then).
        If it is done, the application goes at once. If it never is (the task is not in
        the catalogue, or was dropped, or lapsed because the case exited first, or no
        caseworker had started it `give_up` days after it fell due, so the family gave up
        waiting: it is abandoned), the applicant sends it `unaided` days after that is
        clear. Returns whether the help was given.
        """
        if helping is None:
            helping = self.trigger(applicant, "reunification_application")
        if helping:
            ended = self.env.all_of(self.still_to_end(helping))
            waits = [ended, self.exited(applicant)]
            if give_up is not None:
                since = self.env.now - min(t.created for t in helping)
                waits.append(self.env.timeout(max(give_up - since, 0.0)))
            yield self.env.any_of(waits)
            if not ended.triggered and applicant.is_open:  # waited too long: given up
                for task in helping:
                    if task.worker == -1 and task.state < 0:  # not started, not ended
                        self.office.abandon(task)
            # help under way is finished; the rest has lapsed or was given up
            under_way = [self.awaited(t) for t in helping if t.worker != -1]
            if not all(done.triggered for done in under_way):
                yield self.env.all_of(under_way)
            if all(t.finished == t.finished for t in helping):  # NaN until done
                return True
        self.family_log.preparing[applicant.household] = self.env.now + unaided
        yield self.env.timeout(unaided)
        del self.family_log.preparing[applicant.household]
        return False

    def case(self, case: Case) -> Process:
        """One adult's case over the three-year integration period (integrationsperioden).

        1. The case has been assigned to a caseworker (or the pool) on opening.
        2. The catalogue's tasks fall due in turn: on arrival (reception, housing,
           benefit decision, integration contract, ...), a set number of days after
           arrival (integration plan, health examination, ...), every so many days
           (follow-up interviews), or at random (one-off benefits, coordination).
        3. The case exits at self-support, on leaving, or when the period ends:
           tasks not yet started lapse, the closure task is done, and the case
           leaves the caseworker's caseload.

        A case open when the run starts (`[initial_state]`, opened before day 0) takes the
        tasks of its agenda that fell due before the start as done then, and does not
        create them (a referral to the GPs among them was made then:
        `_examinations_at_start`).
        """
        timeout = self.env.timeout
        now: float = max(case.opened, 0.0)
        for due, _, task_type, hours, later_visits in self.catalogue.agenda(case):
            if due < now:  # fell due before the run started: history
                continue
            if due > now:
                yield timeout(due - now)
                now += due - now  # the time SimPy resumes us at, without asking it
            if now >= case.exit_time:  # the exit came sooner: the employment effort began
                break
            self.create_task(case, task_type, hours, later_visits, now)  # a direct call, compiled
        if case.exit_time > now:
            yield timeout(case.exit_time - now)
        if case.is_open:  # unless an earlier exit has closed it (`exit_at`)
            yield from self.close(case)

    # ------------------------------------------------------------------ steps

    def open_case(self, household: int, person: Person, children: bool) -> Case:
        now: float = self.env.now
        case = Case(
            self._next_case,
            household,
            person.kind,
            opened=now,
            exit_time=math.inf,  # schedule_exit sets it
            status=person.status,
            traumatised=person.traumatised,
            needs_interpreter=person.needs_interpreter,
            children=children,
            treatment_from=now + person.treatment_wait,
        )
        case.support_target = person.support_target
        case.leaves_at = now + person.leaves
        if self.catalogue.has_employment(case):
            case.before_effort = self.before_effort
        self.schedule_exit(case, math.inf)
        self._next_case += 1
        self.cases[case.id] = case
        self.office.assign(case)
        if self.health is not None and self.catalogue.applies(self.health.after_task, case):
            self.health.expect(case, person.exam_wait)
        self.env.process(self.case(case))
        return case

    def schedule_exit(self, case: Case, effort: float) -> None:
        """When and why the case exits, its employment effort having begun at `effort`
        (infinite: not yet). Self-support comes when the person's drawn target is reached,
        at `before_effort` times the usual hazard until the effort begins and the usual
        after it (its clock starts with trauma treatment); leaving or the period's end,
        if sooner."""
        clock = case.treatment_from
        age = effort - clock if effort < math.inf else math.inf
        exits = self.people[case.kind].exits
        supported = clock + exits.self_support_age(
            case.kind, case.support_target, case.before_effort, max(age, 0.0)
        )
        if supported < case.leaves_at:
            case.exit_time, case.exit_reason = supported, SELF_SUPPORT
        else:
            case.exit_time = case.leaves_at
            period_end = case.leaves_at - case.opened >= exits.period
            case.exit_reason = PERIOD_END if period_end else LEFT

    def effort_begins(self, task: Task) -> None:
        """A caseworker has started employment work (`TaskType.on_start`): the first such
        start begins the person's employment effort, and their self-support may now come
        sooner. If the exit moves, `exit_at` closes the case at its new time (its own
        process may be waiting for a later task or the old exit)."""
        case = task.case
        if case.effort_from == case.effort_from or not case.is_open:  # begun already (not NaN)
            return
        now: float = self.env.now
        case.effort_from = now
        if case.before_effort == 1.0:
            return  # the effort changes nothing
        before = case.exit_time
        self.schedule_exit(case, now)
        case.exit_time = max(case.exit_time, now)
        if case.exit_time < before:
            self.env.process(self.exit_at(case))

    def exit_at(self, case: Case) -> Process:
        """Close the case at its (moved) exit time, unless it has closed by then."""
        yield self.env.timeout(case.exit_time - self.env.now)
        if case.is_open:
            yield from self.close(case)

    def exited(self, case: Case) -> simpy.Event:
        """The event that fires when `case` exits (at once if it has)."""
        if case.closing is None:
            case.closing = self.env.event()
            if not case.is_open:
                case.closing.succeed()
        return case.closing

    def family_arrives(
        self, household: int, applicant: Case, family: Family, had_children: bool
    ) -> None:
        spouse = None
        if family.spouse is not None:
            spouse = self.open_case(household, family.spouse, had_children or family.children > 0)
        if family.children and applicant.is_open:
            applicant.children = True
        self.trigger(applicant, "reunification")
        if family.children:  # on the applicant's case, or the spouse's if that has closed
            self.trigger(applicant if applicant.is_open or spouse is None else spouse, "children")

    def trigger(self, case: Case, event: str) -> list[Task]:
        """Create the tasks that `event` triggers for an open case."""
        if not case.is_open:
            return []
        return [self.create_task(case, *due) for due in self.catalogue.on(event, case)]

    def close(self, case: Case) -> Process:
        """Exit: queued tasks lapse; the closure task is done; the case leaves the caseload."""
        case.is_open = False  # from now on its queued tasks lapse
        if case.closing is not None:
            case.closing.succeed()
        self.office.lapse(case)
        closing = [self.create_task(case, *due) for due in self.catalogue.on("closure", case)]
        yield from self.still_to_end(closing)
        self.office.release(case)
        self.case_log.add(case, closed=self.env.now)
        del self.cases[case.id]

    def create_task(
        self,
        case: Case,
        task_type: TaskType,
        hours: float | None = None,
        later_visits: Visits | None = None,
        now: float | None = None,
    ) -> Task:
        """A new task for `case`, queued for its caseworker; what is not given is drawn now.

        `now`, the time the task falls due, from which its deadline runs: the current time,
        which a caller that knows it may pass (it saves a call), or, for work waiting at the
        start, the day before the start it fell due on.
        """
        if now is None:
            now = self.env.now
        if hours is None:
            hours = task_type.sample_hours()
        if later_visits is None:
            later_visits = task_type.draw_later_visits()
        task = Task(self._next_task, task_type, case, now, now + task_type.deadline, hours)
        self._next_task += 1
        if later_visits:
            task.later_visits = later_visits
            task.done = self.env.event()
            self.env.process(self.comes_back(task))
        if task_type.followed_by is not None:
            self.awaited(task).callbacks.append(partial(self.referred, task))
        self.office.submit(task)
        return task

    def comes_back(self, task: Task) -> Process:
        """A task that is needed again: once it is done and the external delay has passed
        (the application came back incomplete, ...), the same task falls due again."""
        yield task.done  # type: ignore[misc]
        if task.finished != task.finished:
            return  # dropped, not done: it does not come back
        (delay, hours), *rest = task.later_visits
        yield self.env.timeout(delay)
        if task.case.is_open and task.type.applies:
            self.create_task(task.case, task.type, hours, tuple(rest))

    def referred(self, task: Task, _event: simpy.Event | None = None) -> None:
        """A referral to an external service (the GPs' health examination) has ended: if it
        was done, the person joins that service's queue."""
        if task.finished == task.finished:  # done, not dropped (NaN)
            task.type.followed_by.refer(task.case)

    def awaited(self, task: Task) -> simpy.Event:
        """The event that fires when `task` ends (done, or dropped: `Task.release`).

        A task that already has one (it comes back, or leads to an external service)
        keeps it; everyone waiting shares it. A task that ended unworked before anyone
        waited for it has none, and never will: waiting for it would wait forever, so it
        is an error (`still_to_end` leaves such tasks out).
        """
        if task.done is None:
            if task.state >= 0:
                raise RuntimeError(f"{task!r} ended before anyone waited for it")
            task.done = self.env.event()
        return task.done

    def still_to_end(self, tasks: list[Task]) -> list[simpy.Event]:
        """The events of those of the new `tasks` that have not ended yet: one can end as
        it is created (a closure nobody can do, the case never having had a caseworker;
        an optional task triage's standing order does not take on)."""
        return [self.awaited(task) for task in tasks if task.state < 0]

    def wait_until(self, t: float) -> Process:
        if t > self.env.now:
            yield self.env.timeout(t - self.env.now)

    # ------------------------------------------------------------------ the state at the start

    def _initial_cases(self) -> None:
        """Open the cases the municipality holds at the start (`initial_state`), at time 0.

        Each open case is a household of its own, taken over at a time before the start
        (the entries' months, cases spread evenly over each month up to the start). Who the
        person is and how long the case stays open are drawn as for a new case, again
        until it is still open at the start: that is the law of a case given its age.
        The tasks waiting at the start are queued (`_waiting_tasks`); the others due
        before the start are taken as done then (`case`). Pending family
        reunification applications go to the latest refugee cases taken over by the month
        they were sent; the family arrives after the rest of its processing and travel.
        Who they are, their exits and their families are drawn from streams of their own
        (``initial:<name>``), so the households placed later, who they are and when their
        cases close are those of the same run without them (task durations come from each
        task type's stream, as for every case).
        """
        state = self.scenario.initial_state
        assert state is not None
        streams = _InitialStreams(self.seed, self.replication)
        scenario = self.scenario
        exam = scenario.external.health_examination  # their wait for the GPs once referred
        people = {
            kind: PersonSampler(kind, scenario.exit, scenario.case_mix, streams, exam)
            for kind in PERSON_KINDS
        }
        children = streams["children"]
        share = _children_share(scenario)
        start = scenario.simulation.start_date
        refugees: list[tuple[float, Case]] = []  # (takeover month, case) of refugee cases
        taken_over: list[Case] = []
        exam_waits: list[float] = []  # each case's wait for the GPs once referred
        period = scenario.exit.period_years * DAYS_PER_YEAR
        # the cases with a caseworker first, so that the others balance what they hold
        entries = sorted(
            state.open_cases, key=lambda e: (e.caseworker is None, e.takeover.replace(day=1))
        )
        for entry in entries:
            month = entry.takeover.replace(day=1)
            for opened in days_of_month(month, start, period, entry.cases):
                with_children = children.uniform() < share
                for _redraw in range(_MAX_REDRAWS):
                    person = people[entry.kind].draw()
                    case = self._aged_case_of(person, opened, with_children)
                    if case.exit_time > 0.0:
                        break
                else:
                    raise RuntimeError(
                        f"initial_state: no {entry.kind} case taken over in {month:%Y-%m} "
                        f"stayed open to the start in {_MAX_REDRAWS} draws"
                    )
                self._take_over(case, entry.caseworker)
                taken_over.append(case)
                exam_waits.append(person.exam_wait)
                if entry.kind == "refugee":
                    refugees.append((float((month - start).days), case))
        refugees.sort(key=lambda r: r[0])
        waiting = self._waiting_tasks(streams, taken_over) if state.waiting_tasks else []
        self._examinations_at_start(list(zip(taken_over, exam_waits, strict=True)), waiting)
        spec = scenario.reunification
        if spec is None:
            return
        stream = streams["reunification"]
        processing = sampler(spec.processing_days, stream)
        travel = sampler(spec.travel_days, stream)
        # the spouses who come are new cases: their health examination is ahead of them
        spouses = PersonSampler("reunified", scenario.exit, scenario.case_mix, streams, exam)
        helped = self._helped(waiting)
        free = list(refugees)
        for pending in sorted(state.pending_reunifications, key=lambda p: p.applied):
            applied = float((pending.applied - start).days)
            by = min(float((pending.applied.replace(day=1) - start).days), 0.0)
            for _ in range(pending.applications):
                # the latest refugee case taken over by the month of the application; one
                # still to be sent (after the start), the latest that could apply before the
                # start and has no help with it waiting
                i = max(j for j, (taken, _) in enumerate(free) if taken <= by)
                if applied > 0.0:
                    alone = [
                        j
                        for j, (_, case) in enumerate(free)
                        if case.id not in helped and self._may_apply(case.opened, case.status) <= 0
                    ]
                    i = alone[-1] if alone else i
                applicant = free.pop(i)[1]
                family = pending_family(spec, stream, processing, travel, spouses)
                for _redraw in range(_MAX_REDRAWS):  # the family has not arrived by the start
                    if applied + family.processing + family.travel > 0:
                        break
                    family.processing, family.travel = processing(), travel()
                reunion = self.family_log.start(
                    applicant.household, applicant.opened, family.spouse is not None,
                    family.children,
                )  # fmt: skip
                reunion.may_apply = min(applied, 0.0)  # by the start, if sent after it
                reunion.applied = applied
                reunion.decided = applied + family.processing
                self.env.process(self._pending_reunification(applicant, reunion, family))
        self._families_to_come(streams, spouses, [case for _, case in free], helped)

    def _waiting_tasks(self, streams: Streams, cases: list[Case]) -> list[Task]:
        """Queue the work waiting at the start (`initial_state.waiting_tasks`), oldest first.

        Each task is created on its day before the start (the days of its month spread
        evenly, as takeovers are), so its deadline and its wait run from then. It goes to
        an open case it applies to (held by its caseworker, where the entry names one): a
        task that falls due once, at a set time after the case opens (reception, a
        referral, a plan), to a case it fell due for in that month (by that day, if there
        is one), each once; any other, or failing such a case, drawn at random among those
        taken over by that day (among all it applies to if none was; failing that, among
        the cases of a kind it is for: who has children or trauma is drawn). Its hours are
        drawn as its type's are, from a stream of its own (`Catalogue.waiting`).
        """
        scenario = self.scenario
        start = scenario.simulation.start_date
        period = scenario.exit.period_years * DAYS_PER_YEAR
        # (created, task type, caseworker or -1, the days of its month)
        work: list[tuple[float, str, int, tuple[float, float]]] = []
        for entry in scenario.initial_state.waiting_tasks:  # type: ignore[union-attr]
            days = days_of_month(entry.created, start, period, entry.tasks)
            worker = -1 if entry.caseworker is None else entry.caseworker
            month = takeover_span(entry.created, start, period)
            work.extend((day, entry.task, worker, month) for day in days)
        work.sort()
        pick = streams["waiting"]
        by_opening = sorted(cases, key=lambda c: c.opened)
        fits: dict[tuple[str, int], tuple[list[Case], list[float]]] = {}
        for name, worker in sorted({(n, w) for _, n, w, _ in work}):
            kinds = scenario.tasks[name].applies_to
            mine = [c for c in by_opening if worker < 0 or c.worker == worker]
            fit = [c for c in mine if self.catalogue.applies(name, c)]
            fit = fit or [c for c in mine if c.kind in kinds]
            fits[name, worker] = fit, [c.opened for c in fit]
        draws = {name: self.catalogue.waiting(name, streams) for name, _ in fits}
        # a task that falls due once, at a set time after the case opens, waits on a case
        # it fell due for in its month, each such case once (`_due_once`)
        once = {name: self._due_once(name) for name, _ in fits}
        given: set[tuple[str, int]] = set()
        made: list[Task] = []
        for created, name, worker, (t0, t1) in work:
            fit, opened = fits[name, worker]
            due_for = once[name]
            mine = [] if due_for is None else [
                c for c in fit if t0 <= due_for(c) < t1 and (name, c.id) not in given
            ]  # fmt: skip
            mine = [c for c in mine if due_for(c) <= created] or mine  # type: ignore[misc]
            if mine:
                case = mine[int(pick.uniform() * len(mine))]
                given.add((name, case.id))
            else:
                n = bisect.bisect_right(opened, created) or len(fit)  # those open by then
                case = fit[int(pick.uniform() * n)]
            hours, later_visits = draws[name](case)
            made.append(
                self.create_task(case, self.catalogue.by_name[name], hours, later_visits, created)
            )
        return made

    def _due_once(self, name: str) -> Callable[[Case], float] | None:
        """When task type `name` falls due for a case, if it does once, at a set time after
        the case opens (on arrival, after so many days); None for one that recurs or comes
        on an event."""
        trigger = self.scenario.tasks[name].trigger
        return self._first_due(name) if isinstance(trigger, OnArrival | After) else None

    def _first_due(self, name: str) -> Callable[[Case], float]:
        """When task type `name` first falls due for a case: at a set time after the case
        opens (on arrival, after, every; employment work on the case's self-support clock,
        as the catalogue's agenda has it), or never (infinity: on an event, at random)."""
        spec = self.scenario.tasks[name]
        offset = _first_offset(spec.trigger)
        if spec.employment:
            return lambda case: case.treatment_from + offset
        return lambda case: case.opened + offset

    def _aged_case_of(self, person: Person, opened: float, children: bool) -> Case:
        """The case of `person`, taken over at time `opened` (< 0), with its exit as the
        model works it out (`schedule_exit`). Its employment effort began before the start
        if its first employment task fell due before it (`_effort_before_start`): that task
        is history, taken as done when it fell due."""
        case = Case(
            -1,
            self._next_household,
            person.kind,
            opened=opened,
            exit_time=math.inf,
            status=person.status,
            traumatised=person.traumatised,
            needs_interpreter=person.needs_interpreter,
            children=children,
            treatment_from=opened + person.treatment_wait,
        )
        case.support_target = person.support_target
        case.leaves_at = opened + person.leaves
        effort = math.inf
        if self.catalogue.has_employment(case):
            case.before_effort = self.before_effort
            effort = self._effort_before_start(case)
            if effort < 0.0:
                case.effort_from = effort
        self.schedule_exit(case, effort)
        return case

    def _effort_before_start(self, case: Case) -> float:
        """When the first employment task of an open case fell due, if before the start
        (else infinity): the earliest due time of the employment tasks that apply to it and
        fall due at set times (on arrival, after, every), on its self-support clock (from
        trauma treatment, for the traumatised; `Catalogue`)."""
        traits = {"traumatised": case.traumatised, "children": case.children}
        first = math.inf
        for spec in self.scenario.enabled_tasks.values():
            if not spec.employment or case.kind not in spec.applies_to:
                continue
            if not all(traits[t] for t in spec.requires):
                continue
            first = min(first, _first_offset(spec.trigger))
        due = case.treatment_from + first
        return due if due < 0.0 else math.inf

    def _examinations_at_start(self, cases: list[tuple[Case, float]], waiting: list[Task]) -> None:
        """The GPs' health examinations of the cases open at the start, each with the
        person's wait once referred (`cases`): expected as a new case's are. One whose
        referral fell due before the start, and is not among the work waiting, was
        referred when it fell due (most are done within days), and seen that wait later:
        before the start (history) or after it. Under a fixed capacity the GPs' queue at the
        start is not known, and those referred before it are not expected."""
        health = self.health
        if health is None:
            return
        name = health.after_task
        due_for = self._first_due(name)
        referring = {task.case.id for task in waiting if task.type.name == name}
        for case, wait in cases:
            if not self.catalogue.applies(name, case):
                continue
            due = due_for(case)
            if due >= 0.0 or case.id in referring:
                health.expect(case, wait)
            elif not health.fixed:
                health.expect(case, wait)
                health.referred_before(case, due)

    def _take_over(self, case: Case, worker: int | None) -> None:
        """Open an aged case at the start: its own household, its caseworker (`worker`, or
        as a new case's), its process."""
        case.id = self._next_case
        self._next_case += 1
        self._next_household += 1
        self.cases[case.id] = case
        self.office.assign(case, None if worker is None else self.office.workers[worker])
        self.env.process(self.case(case))

    def _helped(self, waiting: list[Task]) -> dict[int, list[Task]]:
        """The tasks of help with a reunification application among the work waiting at
        the start, by case."""
        tasks = self.scenario.tasks
        helps = {name for name, t in tasks.items() if t.trigger.on == "reunification_application"}
        helped: dict[int, list[Task]] = {}
        for task in waiting:
            if task.type.name in helps:
                helped.setdefault(task.case.id, []).append(task)
        return helped

    def _families_to_come(
        self,
        streams: Streams,
        spouses: PersonSampler,
        refugees: list[Case],
        helped: dict[int, list[Task]],
    ) -> None:
        """The families still to come of the refugee cases open at the start that have no
        application pending or still to be sent: a case whose help with the application
        waits at the start (`helped`) applies once it is done (or unaided); any other whose
        waiting rule lets it apply only from the start on draws its family as a household
        placed when the case opened would (`LoadedFamilies`), and applies then. One whose
        rule let it apply before the start and has no help waiting has applied (pending, or
        the family is here) or never will. From streams of their own (``initial:families``)."""
        draw = LoadedFamilies(self.scenario, streams, spouses)
        delays = self.timeline.samplers(streams)
        for case in refugees:
            family = draw(case.id in helped)
            later = self.timeline.draw_family_delays(delays)
            may_apply = self._may_apply(case.opened, case.status)
            if family is None or (case.id not in helped and may_apply < 0.0):
                continue
            help_waiting = helped.get(case.id)
            self.env.process(
                self.reunification(
                    case, case.opened, family, later, case.children, may_apply, help_waiting
                )
            )

    def _may_apply(self, placed: float, status: str) -> float:
        """When a refugee placed at `placed` (an open case: when it opened) may apply for
        family reunification: under the waiting rule in force, if placed after it came in."""
        if placed < self.waiting_from:
            return placed
        return self.timeline.may_apply(placed, status)

    def _pending_reunification(self, applicant: Case, reunion: Reunion, family: Family) -> Process:
        """A family reunification applied for before the start (`reunion`, in the log from
        the start): the family arrives after its processing and travel."""
        yield self.env.timeout(max(reunion.decided + family.travel, 0.0))
        reunion.arrived = self.env.now
        self.family_arrives(applicant.household, applicant, family, applicant.children)

    # ------------------------------------------------------------------ running

    def _placements(self) -> Process:
        for placement in self.arrivals:
            yield from self.wait_until(placement.time)
            self.env.process(self.household(placement))

    def _danish_spouses(self) -> Process:
        """Spouses of Danish citizens, each a household of their own for the model."""
        spouses = self.people["danish_spouse"]
        for t in self.danish_spouse_arrivals:
            yield from self.wait_until(t)
            self._next_household += 1
            self.open_case(self._next_household - 1, spouses.draw(), children=False)

    def _staffing(self) -> Process:
        """Staff changes at their dates; those on or before the start are already in place."""
        changes = self.staff_changes
        while self.staff_next < len(changes):
            at = self.calendar.day_of(changes[self.staff_next].date)
            if at > 0:
                if at > self.env.now:
                    self.staff_wait = self.env.timeout(at - self.env.now)
                    yield self.staff_wait
                    self.staff_wait = None
                # read after the wait: `restaff` may have replaced the entry meanwhile
                self.workforce.plan(changes[self.staff_next].caseworkers)
            self.staff_next += 1

    def restaff(self, changes: list[StaffChange]) -> None:
        """The staff changes from now on: `changes` in place of those still to come, in a
        run carried on from a warmed-up office (`simulator.plan.snapshots`). The staffing
        process must be waiting for an entry's day; the first of `changes` takes that
        entry's place and its wait keeps its place in SimPy's order of events at the same
        instant (its event id), so the run goes on exactly as a run with this staffing
        from the start would. No changes: no more staff changes. SimPy has no way to move
        a scheduled event, so this edits its queue (`env._queue`, SimPy 4's heap of (time,
        priority, id, event)); tests/test_plan.py's forked-run test fails if that changes."""
        wait = self.staff_wait
        if wait is None:
            raise RuntimeError("the staffing process is not waiting for a staff change")
        queue = self.env._queue
        at = [i for i, item in enumerate(queue) if item[3] is wait]
        if len(at) != 1:
            raise RuntimeError("the staffing process's wait is not in the event queue")
        _, priority, event_id, _ = queue[at[0]]
        if changes:
            queue[at[0]] = (self.calendar.day_of(changes[0].date), priority, event_id, wait)
        else:
            queue.pop(at[0])
        heapq.heapify(queue)
        del self.staff_changes[self.staff_next :]
        self.staff_changes.extend(changes)

    def _timeline(self) -> Process:
        """The policy timeline: on each entry's date, before anything else due then, the
        rules it changes are swapped in (`simulator.engine.timeline`)."""
        for day, rules in self.timeline.changes:
            yield self.timeline.at(self.env, day)
            self.rules_change(rules)

    def rules_change(self, rules: Scenario) -> None:
        """From now on, the rules of `rules` (the scenario in force from today): the office's
        policies, deadlines and which tasks apply, the GPs' capacity, overtime. (Casework
        hours and the reunification rules by date are read where they act.)"""
        policies = self.policies(rules)
        if policies != self.office.policies:
            self.office.configure(policies)
        self.catalogue.set_rules(rules.tasks)
        exam = rules.external.health_examination
        if self.health is not None and exam is not None:
            self.health.configure(exam)
        self.workforce.overtime = rules.overtime

    @staticmethod
    def policies(rules: Scenario) -> Policies:
        """The office's policies under a scenario's rules."""
        staff = rules.caseworkers
        return Policies(
            interpreting=rules.interpreting_rules,
            triage=rules.triage,
            caseload_cap=staff.caseload_cap,
            cover=staff.absence_cover == "pool" and staff.assignment == "fixed",
            week_hours=staff.casework_hours_per_day * 5,
        )

    def run(self, progress: Any = None) -> RunRecord:
        """Simulate to the end of the scenario and return what was recorded.

        `progress`, if given, is called with the fraction of simulated time done.
        """
        started = time.perf_counter()
        self.start()
        self.simulate(progress)
        return self._record(time.perf_counter() - started)

    def start(self) -> None:
        """Put the first caseworkers in place, open the cases held at the start, and start
        the arrivals and staffing processes."""
        posts = self.scenario.posts_at_start()
        state = self.scenario.initial_state
        if state is None:
            self.workforce.plan(posts)
        else:  # the office as it is, then the posts the staffing plan has at the start
            self.workforce.plan(self.scenario.at_work_at_start())
            stream = _InitialStreams(self.seed, self.replication)["recruitment"]
            self.workforce.take_over(state.staff, state.vacancies, stream)
            self._initial_cases()
            if self.workforce.positions != posts:  # posts added at the start: newcomers
                self.workforce.plan(posts, new=True)
        if self.timeline.changes:
            self.env.process(self._timeline())
        self.env.process(self.workforce.days())
        self.env.process(self._staffing())
        self.env.process(self._placements())
        if self.danish_spouse_arrivals:
            self.env.process(self._danish_spouses())

    def simulate(self, progress: Any = None) -> None:
        """Run the event loop to the end of the scenario."""
        with no_cyclic_gc():
            if progress is None:
                self.env.run(until=self.end)
                return
            steps = 100
            for k in range(1, steps + 1):
                self.env.run(until=self.end * k / steps)
                progress(k / steps)

    def _record(self, wall_seconds: float) -> RunRecord:
        self.office.record_unfinished()
        self.workforce.finish()
        for case in self.cases.values():
            self.case_log.add(case, closed=float("nan"))
            if case.worker >= 0:
                self.office.assignments.add(case.id, case.worker, case.assigned_at, self.end)
        return RunRecord(
            replication=self.replication,
            seed=self.seed,
            end=self.end,
            warmup=self.scenario.simulation.warmup_days,
            task_names=[t.name for t in self.catalogue.types],
            task_statutory=[t.statutory for t in self.catalogue.types],
            tasks=self.task_log.arrays(),
            cases=self.case_log.arrays(),
            assignments=self.office.assignments.arrays(),
            staff_changes=list(self.office.staff_changes),
            workforce=self.workforce_log.arrays(),
            interpreting=self.office.interpreting.arrays(),
            assignment_waits=_waits(self.office.assignment_waits),
            stress_threshold=self.scenario.stress.threshold,
            departures=np.array(self.office.departures, dtype=float).reshape(-1, 2),
            casework_hours_per_day=self.calendar.hours_per_day,
            events=_events_scheduled(self.env),
            wall_seconds=wall_seconds,
            families=self.family_log.arrays(),
            examinations={} if self.health is None else self.health.log.arrays(),
            costs=dict(self.scenario.costs),
            placements=_placement_table(self.arrivals, self.end),
        )


_MAX_REDRAWS = 10_000  # draws of an open case's person before giving up (`_initial_cases`)


class _InitialStreams(Streams):
    """The streams of what is open at the start: stream `name` is ``initial:<name>``."""

    def __getitem__(self, name: str) -> Stream:
        return super().__getitem__("initial:" + name)


def _first_offset(trigger: Trigger) -> float:
    """When a task falls due first, in days from its case's clock (opening, or trauma
    treatment for employment work), if at a set time (on arrival, after, every); infinity
    for one that comes on an event or at random."""
    if isinstance(trigger, OnArrival):
        return 0.0
    if isinstance(trigger, After):
        return trigger.days
    if isinstance(trigger, Every):
        return trigger.days if trigger.start_days is None else trigger.start_days
    return math.inf


def _children_share(scenario: Scenario) -> float:
    """Share of placed adults whose household has children (children drawn uniformly from
    children_min to children_max): who of the cases open at the start has children."""
    adults = with_children = 0.0
    for household in scenario.households.values():
        span = household.children_max - household.children_min
        chance = 1.0 if household.children_min > 0 else span / (span + 1)
        adults += household.share * household.adults
        with_children += household.share * household.adults * chance
    return with_children / adults if adults > 0 else 0.0


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector during the event loop.

    A run keeps hundreds of thousands of live objects; the collector's repeated full
    scans of them took 8 % of a baseline run and 29 % of a national one. The run
    leaves no cyclic garbage worth collecting early, and the collector is back on
    (and run) as soon as the loop ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _waits(waits: list[tuple[float, float]]) -> np.ndarray:
    """(opened, first assigned) rows; NaN where the case was still waiting or exited first."""
    return np.array(waits, dtype=float).reshape(-1, 2)


def _placement_table(rows: list[Placement], end: float) -> dict[str, np.ndarray]:
    """The households placed before `end`: when (days), adults and children, one row each."""
    placed = [p for p in rows if p.time < end]
    return {
        "time": np.array([p.time for p in placed], dtype=float),
        "adults": np.array([p.adults for p in placed], dtype=float),
        "children": np.array([p.children for p in placed], dtype=float),
    }


def _events_scheduled(env: simpy.Environment) -> int:
    """How many events the environment has scheduled (SimPy numbers them in order)."""
    counter = env._eid  # SimPy's event counter; there is no public one
    return next(counter)


def simulate(scenario: Scenario, replication: int = 0, seed: int | None = None) -> RunRecord:
    """Run one replication of `scenario`."""
    return Municipality(scenario, replication, seed).run()
