"""caseload: a workload simulator for municipal refugee-integration casework (SimPy).

The public API (docs/api.md), used by the command line, the app and notebooks alike:

    load_scenario(file | shipped name | dict, changes=..., overrides=...) -> Scenario
    run(scenario, replications=..., seed=..., progress=...)               -> Results
    compare(a, b, replications=..., seed=...)                             -> Comparison
    write_results(results, folder), write_comparison(comparison, folder)
    describe(results | comparison)                  the key figures as the console shows
    load_sweep(spec), run_sweep(spec, out=..., workers=...), analyze_sweep(folder)
    load_sweep_results(folder)                      -> pandas.DataFrame, one row per run
    calibrate(), calibrate_fit(), calibrate_sensitivity(), new_scenario(name, folder)
    pair(results_a, results_b)                      -> Comparison, from two runs already made
    weekly_bands(results, metric)                   mean, 95 % CI of the mean, 10th-90th percentile
    waiting_theory(results, utilisation)            queueing theory's wait (Erlang C) beside a run
    offered_staffing(scenario)                      the instant answer: caseworkers per quarter
    explain(key_path)                               a scenario key in plain words, where known
    staffing_plan(scenario, caseload_limit=45, on_time=0.95, ...) -> Plan  (docs/planning.md)
    write_plan(plan, folder)                        plan.csv, the page (PDF, PNG), evidence
    check_plan_folder(folder)                       may a plan be written there? (before work)
    Scenario, Results, Comparison, Plan, ScenarioError   the types these return or raise
"""

from typing import Any

from simulator import native

native.choose()  # the compiled event loop if it is current, else the plain Python

from simulator.api import (  # noqa: E402  (after the build is chosen)
    analyze_sweep,
    calibrate,
    calibrate_fit,
    calibrate_sensitivity,
    check_plan_folder,
    compare,
    describe,
    explain,
    load_scenario,
    load_sweep,
    load_sweep_results,
    new_scenario,
    offered_staffing,
    pair,
    run,
    run_sweep,
    staffing_plan,
    waiting_theory,
    weekly_bands,
    write_comparison,
    write_plan,
    write_results,
)
from simulator.version import __version__  # noqa: E402

_TYPES = {
    "ScenarioError": "simulator.scenario.errors",
    "Scenario": "simulator.scenario.schema",
    "Results": "simulator.experiments.run",
    "Comparison": "simulator.experiments.run",
    "Plan": "simulator.plan.planner",
}


def __getattr__(name: str) -> Any:
    """The API's types, imported when first asked for (pandas and pydantic take time to load)."""
    if name in _TYPES:
        import importlib

        return getattr(importlib.import_module(_TYPES[name]), name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


__all__ = [
    "Comparison",
    "Plan",
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "analyze_sweep",
    "calibrate",
    "calibrate_fit",
    "calibrate_sensitivity",
    "check_plan_folder",
    "compare",
    "describe",
    "explain",
    "load_scenario",
    "load_sweep",
    "load_sweep_results",
    "new_scenario",
    "offered_staffing",
    "pair",
    "run",
    "run_sweep",
    "staffing_plan",
    "waiting_theory",
    "weekly_bands",
    "write_comparison",
    "write_plan",
    "write_results",
]
