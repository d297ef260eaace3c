"""The office's policies: interpreting, triage, absence cover and the caseload cap.

Each policy is a small object of its own module, made by the office
(`simulator.engine.office.Office`) from its settings in the scenario and switched on or
off by them. Interpreting, triage and cover act on the caseworker's loop
(`Office._work`) through the hooks of `base.Policy`; the caseload cap acts on the
assignment of cases instead.

The loop asks and tells the policies that are on, in this order (`Office.rules`):

=================================  ===========================================================
hook                               what the loop asks or tells; who answers
=================================  ===========================================================
``has_work(worker)``               Is there work for this caseworker, idle and at work, beyond
                                   their own queue? (interpreting: a meeting of theirs whose
                                   interpreter is free now; cover: an absent colleague's queue)
``before_queue(worker)``           A task to take before the own queue, taken.
                                   (interpreting: the longest-waiting meeting of theirs, if an
                                   interpreter is free)
``beyond_queue(worker)``           A task to take when the own queue is empty, taken. (cover:
                                   the most urgent task of an absent colleague)
``admit(worker, owner, task,       May this task be worked now, and for how many hours?
hours, now)``                      The hours, or None: the policy has dropped the task or
                                   keeps it (triage: dropped or set aside under pressure;
                                   interpreting: a longer meeting, or one that waits for
                                   an interpreter). Each policy gets the hours the one
                                   before it allowed: triage first, then interpreting.
``finished(task, now)``            A task has been worked. (interpreting: the interpreter
                                   is free again)
``unattended(worker)``             An absent caseworker has work in their queue (they went
                                   away with some, or some arrived). (cover: wake a colleague)
``leaving(worker)``                A caseworker leaves; their cases have gone to colleagues
                                   already. (triage: the tasks they set aside go back)
``take_back(case)``                A leaver's case that no colleague has room for waits for
                                   assignment: the tasks of it the policy holds go with it
                                   (triage: set aside; interpreting: on the list).
``waiting()``                      At the end of the run: the tasks the policy holds (set
                                   aside, waiting for an interpreter, for assignment).
``withdraw(task)``                 A task is given up unstarted (`Office.abandon`: help
                                   the family stopped waiting for): if the policy holds
                                   it, it lets it go and says so.
=================================  ===========================================================

Every hook does nothing in `base.Policy`, so a policy overrides only those it needs.
The loop calls the hooks only while some policy is on (`Office.special`): with all of
them off, a task costs what it would cost without policies. (`withdraw` is asked of every
policy, on or off: a policy switched off during a run may still hold tasks.)

**Settings at run time.** Each policy keeps its settings in one attribute and takes new
ones with ``configure(settings)`` (None: off), which also settles what the change means
for the work in hand: a larger interpreter pool frees interpreters at once, triage
switched off returns the tasks it set aside, a cap raised or lifted assigns the cases
that waited for it. `Office.configure(Policies(...))` does this for all four and tells
the loop which are on, so a policy timeline changes the rules on a date without touching
the loop.

**The backlog.** The hours of work waiting for a caseworker (or the pool) and for each
case change only through the methods of `simulator.engine.office.Account`; a policy that
drops a task calls ``owner.take(task)``.

The modules but this one are compiled with mypyc together with the rest of the engine
(see docs/howto/compiled-engine.md): slotted classes, typed locals, methods of compiled
classes called directly.
"""
