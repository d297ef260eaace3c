"""Writing a plan's folder, all at once or not at all (`experiments.atomic.atomic_folder`).

The folder (default ``results/plan_<scenario>/``) holds:

- ``plan.csv``: one row per period (docs/planning.md lists the columns);
- ``evidence.csv``: the current staffing, the naive plans and the plan shifted by −2 .. +1,
  on the same futures;
- ``page.pdf`` and ``page.png``: the page for the council;
- ``scenario.planned.toml``: the scenario with the plan's staffing (and planned quotas),
  ready for ``caseload run``;
- ``manifest.json``: version, seed, targets, method parameters, replications simulated,
  time taken, the command.

Where it may go is checked before any simulation, by the rules every command keeps
(`simulator.experiments.outputs`): an existing folder is replaced only if it is a plan
folder this tool wrote, holding nothing else, and only with ``--force`` or when it is the
default folder of the same scenario; anything else there is left alone. The tables come
first and the page last: if the page cannot be drawn, the tables, the planned scenario
and the manifest are still written (`FiguresFailed` says so). Text in the CSV files
cannot start a spreadsheet formula (`reporting.files.write_csv`).
"""

from __future__ import annotations

import dataclasses
import json
import platform
from pathlib import Path
from typing import Any

from simulator import native
from simulator.experiments.atomic import atomic_folder
from simulator.experiments.outputs import Destination, checked
from simulator.plan.certify import ERROR, INDIFFERENCE, MET, MISSED, UNDECIDED
from simulator.plan.page import write_page
from simulator.plan.planner import Plan, PlanOptions
from simulator.plan.report import evidence_table, period_table
from simulator.plan.simulate import planned_scenario
from simulator.reporting.files import FiguresFailed, write_csv
from simulator.version import __version__

KIND = "plan"
FLOAT_FORMAT = "%.6g"


def default_folder(scenario_name: str) -> Path:
    return Path("results") / f"plan_{scenario_name}"


def plan_destination(
    scenario_name: str, out: str | Path | None = None, *, force: bool = False
) -> Destination:
    """Where `plan` of the scenario `scenario_name` writes: `out`, or its default
    results/plan_<name>/; checked now (`simulator.experiments.outputs.destination`)."""
    default = default_folder(scenario_name)
    return checked(out, default, kind=KIND, owner=scenario_name, force=force)


def write_plan(
    plan: Plan, where: str | Path | Destination, *, command: list[str] | None = None
) -> Path:
    """Write the plan's folder at `where`, atomically (a plain path is checked as `--out`
    without --force). Raises `FiguresFailed`, once the folder is in place, if the page
    could not be drawn."""
    if not isinstance(where, Destination):
        where = plan_destination(plan.scenario.name, where)
    failure = None
    with atomic_folder(where) as folder:
        write_csv(period_table(plan), folder / "plan.csv", FLOAT_FORMAT)
        if plan.evidence:
            write_csv(evidence_table(plan), folder / "evidence.csv", FLOAT_FORMAT)
        (folder / "scenario.planned.toml").write_text(planned_toml(plan), encoding="utf-8")
        record = manifest(plan, command)
        try:
            write_page(plan, folder)
        except Exception as exc:  # matplotlib may fail on anything; the plan must not be lost
            failure = f"{type(exc).__name__}: {exc}"
            for page in folder.glob("page.*"):
                page.unlink()
            record["page"] = "failed: " + failure
        (folder / "manifest.json").write_text(
            json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8"
        )
    if failure:
        raise FiguresFailed(where.path, failure)
    return where.path


def planned_toml(plan: Plan) -> str:
    """The scenario as planned: its staffing set to the plan (and its quotas to the planned
    range's high end), every key resolved."""
    header = (
        f"# Scenario '{plan.scenario.name}' with the staffing of caseload plan\n"
        f"# (posts per {plan.periods.step} from {plan.periods.dates[0]}). Run it with "
        "caseload run.\n\n"
    )
    planned = planned_scenario(plan.scenario, plan.periods, plan.posts, plan.arrivals_factor)
    return planned.to_toml(header)


def _verdicts(plan: Plan) -> dict[str, Any]:
    """The certificate's verdicts by kind, with the periods each holds: "certified" is
    true only where every period was shown to meet; one too close to call after the
    fresh futures (in the indifference zone) is kept at an estimate of at least the
    confidence, and says so here rather than in a bare false."""
    labels = plan.periods.labels
    by: dict[str, list[str]] = {MET: [], UNDECIDED: [], MISSED: []}
    for label, check in zip(labels, plan.certificate.checks, strict=True):
        by[check.decision].append(label)
    return {"shown_to_meet": by[MET], "too_close_to_call": by[UNDECIDED], "missed": by[MISSED]}


def manifest(plan: Plan, command: list[str] | None) -> dict[str, Any]:
    options: PlanOptions = plan.options
    return {
        "package": "caseload-simulator",
        "kind": KIND,
        "version": __version__,
        "scenario": plan.scenario.name,
        "scenario_hash": plan.scenario.digest(),
        "seed": plan.seed,
        "targets": dataclasses.asdict(options.targets),
        "periods": plan.periods.labels,
        "caseworkers": plan.posts,
        "certified": plan.certified,  # every period shown to meet its targets
        "certificate": _verdicts(plan),
        "method": {
            "start": "offered load (Eick, Massey & Whitt 1993), compound Poisson quantile",
            "search": "iterative staffing (Feldman et al. 2008), then forward period by period, "
            "common random numbers",
            "search_replications": options.replications,
            "deadlines": "posts bought for the on-time target only where it is met within "
            "the deadline premium above the caseload's need, the gain shown on paired "
            "replications (docs/planning.md)",
            "certificate": "sequential probability ratio test per period, Bonferroni over "
            "periods (after Batur & Kim 2010)",
            "certificate_error": ERROR,
            "indifference_zone": INDIFFERENCE,
            "max_replications": options.max_replications,
            "search_evaluations": plan.search.evaluations,
            "rounds": plan.rounds,
        },
        "options": {
            "from": plan.periods.dates[0],
            "until": plan.periods.end,
            "step": plan.periods.step,
            "max_change": options.max_change,
            "no_firing": options.no_firing,
            "hold_years": options.hold_years,
            "deadline_premium": options.deadline_premium,
            "arrivals_range": options.arrivals_range,
        },
        "replications_simulated": plan.runs,
        "warmups_shared": plan.warmups,
        "replications_by_phase": plan.runs_by_phase,
        "simulated_years": round(plan.simulated_years, 1),
        "wall_seconds": round(plan.wall_seconds, 1),
        "simulation_cpu_seconds": round(plan.cpu_seconds, 1),
        "command": command,
        "build": native.describe(),
        "python": platform.python_version(),
    }
