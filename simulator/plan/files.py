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

An existing folder is replaced only if it is a plan folder this tool wrote (its manifest
says so); anything else there is left alone and the command stops with an error, before
any simulation.
"""

from __future__ import annotations

import dataclasses
import json
import platform
from pathlib import Path
from typing import Any

from simulator import native
from simulator.experiments.atomic import atomic_folder
from simulator.plan.certify import ERROR, INDIFFERENCE
from simulator.plan.page import write_page
from simulator.plan.planner import Plan, PlanOptions
from simulator.plan.report import evidence_table, period_table
from simulator.plan.simulate import PlanError, planned_scenario
from simulator.version import __version__

KIND = "plan"
FLOAT_FORMAT = "%.6g"


def default_folder(scenario_name: str) -> Path:
    return Path("results") / f"plan_{scenario_name}"


def check_destination(folder: Path) -> None:
    """Refuse, before any work, a destination that is not a plan folder this tool wrote."""
    folder = Path(folder)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise PlanError(f"{folder}: is not a folder; choose another --out")
    if not folder.exists() or not any(folder.iterdir()):
        return
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise PlanError(
            f"{folder}: exists and is not a plan folder caseload wrote; it is left as it is. "
            "Choose another --out, or move it away yourself"
        )


def write_plan(plan: Plan, destination: Path, *, command: list[str] | None = None) -> Path:
    """Write the plan's folder at `destination`, atomically."""
    check_destination(destination)
    with atomic_folder(Path(destination)) as folder:
        period_table(plan).to_csv(folder / "plan.csv", index=False, float_format=FLOAT_FORMAT)
        if plan.evidence:
            evidence_table(plan).to_csv(
                folder / "evidence.csv", index=False, float_format=FLOAT_FORMAT
            )
        write_page(plan, folder)
        (folder / "scenario.planned.toml").write_text(planned_toml(plan), encoding="utf-8")
        (folder / "manifest.json").write_text(
            json.dumps(manifest(plan, command), indent=2, default=str) + "\n", encoding="utf-8"
        )
    return Path(destination)


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
        "certified": plan.certified,
        "method": {
            "start": "offered load (Eick, Massey & Whitt 1993), compound Poisson quantile",
            "search": "iterative staffing (Feldman et al. 2008), then forward period by period, "
            "common random numbers",
            "search_replications": options.replications,
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
            "arrivals_range": options.arrivals_range,
        },
        "replications_simulated": plan.runs,
        "simulated_years": round(plan.simulated_years, 1),
        "wall_seconds": round(plan.wall_seconds, 1),
        "simulation_cpu_seconds": round(plan.cpu_seconds, 1),
        "command": command,
        "build": native.describe(),
        "python": platform.python_version(),
    }
