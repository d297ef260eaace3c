"""caseload: a workload simulator for municipal refugee-integration casework (SimPy).

The public API (docs/api.md), used by the command line, the app and notebooks alike:

    load_scenario(file | shipped name | dict, changes=..., overrides=...) -> Scenario
    estimate(scenario), check_size(scenario)        how large a run is; within the limits?
    run(scenario, replications=..., seed=..., progress=..., workers=...)  -> Results
    join_runs([results, ...])                       -> Results, a run made in parts (run's first=)
    compare(a, b, replications=..., seed=..., workers=...)                -> Comparison
    fork_workers()                                  workers forked from this program (a command)
    prepare_figures()                               load matplotlib now (run(meanwhile=...))
    prepare_tables()                                load pandas now (run(meanwhile=...))
    results_folder(scenario, out), comparison_folder(a, b, out)  checked before the work
    write_results(results, folder), write_comparison(comparison, folder)
    describe(results | comparison)                  the key figures as the console shows
    load_sweep(spec), run_sweep(spec, out=..., workers=...), analyze_sweep(folder)
    load_sweep_results(folder)                      -> pandas.DataFrame, one row per run
    load_sweep_series(folder, metric, points)       a sweep's stored weekly series
    discover(folder, metric, below=...)             PRIM and CART boxes where runs fail
    robustness(folder)                              each policy across the uncertainties
    ema_model(spec)                                 a sweep spec as an EMA-workbench Model
    calibrate(), calibrate_fit(), calibrate_sensitivity(), new_scenario(name, folder)
    pair(results_a, results_b)                      -> Comparison, from two runs already made
    weekly_bands(results, metric)                   mean, 95 % CI of the mean, 10th-90th percentile
    waiting_theory(results, utilisation)            queueing theory's wait (Erlang C) beside a run
    offered_staffing(scenario)                      the instant answer: caseworkers per quarter
    explain(key_path)                               a scenario key in plain words, where known
    staffing_plan(scenario, caseload_limit=45, on_time=0.95, ...) -> Plan  (docs/planning.md)
    plan_folder(scenario, out), check_plan_size(scenario)   checked before the planning
    write_plan(plan, folder)                        plan.csv, the page (PDF, PNG), evidence
    state_on(scenario, on, replication)             one run's office on a day: [initial_state]
    start_from(scenario, state, on)                 the scenario from that day, from that state
    write_state(state, folder, stem, start=...), state_files(folder, stem)  its files
    Scenario, Results, Comparison, Plan, ScenarioError, FiguresFailed   the types these return
    Verdict                                         a comparison's verdicts on B - A
                                                    or raise
"""

from typing import Any

from simulator import native

native.choose()  # the compiled event loop if it is current, else the plain Python

from simulator.api import (  # noqa: E402  (after the build is chosen)
    analyze_sweep,
    calibrate,
    calibrate_fit,
    calibrate_sensitivity,
    check_plan_size,
    check_size,
    check_sweep,
    compare,
    comparison_folder,
    describe,
    discover,
    ema_model,
    estimate,
    explain,
    fork_workers,
    join_runs,
    load_scenario,
    load_sweep,
    load_sweep_results,
    load_sweep_series,
    new_scenario,
    offered_staffing,
    pair,
    plan_folder,
    prepare_figures,
    prepare_tables,
    results_folder,
    robustness,
    run,
    run_sweep,
    staffing_plan,
    start_from,
    state_files,
    state_on,
    sweep_folder,
    waiting_theory,
    weekly_bands,
    work_ratio,
    write_comparison,
    write_plan,
    write_results,
    write_state,
)

_TYPES = {
    "ScenarioError": "simulator.scenario.errors",
    "Scenario": "simulator.scenario.schema",
    "Results": "simulator.experiments.run",
    "Comparison": "simulator.experiments.run",
    "FiguresFailed": "simulator.reporting.files",
    "Plan": "simulator.plan.planner",
    "Verdict": "simulator.analysis.comparison",
    "__version__": "simulator.version",  # read from the installed metadata: 25 ms
}


def __getattr__(name: str) -> Any:
    """The API's types and the version, imported when first asked for (pandas and pydantic
    take time to load, the package's metadata a command that does not print it)."""
    if name in _TYPES:
        import importlib

        return getattr(importlib.import_module(_TYPES[name]), name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


__all__ = [
    "Comparison",
    "FiguresFailed",
    "Plan",
    "Results",
    "Scenario",
    "ScenarioError",
    "Verdict",
    "__version__",
    "analyze_sweep",
    "calibrate",
    "calibrate_fit",
    "calibrate_sensitivity",
    "check_plan_size",
    "check_size",
    "check_sweep",
    "compare",
    "comparison_folder",
    "describe",
    "discover",
    "ema_model",
    "estimate",
    "explain",
    "fork_workers",
    "join_runs",
    "load_scenario",
    "load_sweep",
    "load_sweep_results",
    "load_sweep_series",
    "new_scenario",
    "offered_staffing",
    "pair",
    "plan_folder",
    "prepare_figures",
    "prepare_tables",
    "results_folder",
    "robustness",
    "run",
    "run_sweep",
    "staffing_plan",
    "start_from",
    "state_files",
    "state_on",
    "sweep_folder",
    "waiting_theory",
    "weekly_bands",
    "work_ratio",
    "write_comparison",
    "write_plan",
    "write_results",
    "write_state",
]
