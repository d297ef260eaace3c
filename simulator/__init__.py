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
    Scenario, Results, Comparison, ScenarioError    the types these return or raise
"""

from typing import Any

from simulator import native

native.choose()  # the compiled event loop if it is current, else the plain Python

from simulator.api import (  # noqa: E402  (after the build is chosen)
    analyze_sweep,
    calibrate,
    calibrate_fit,
    calibrate_sensitivity,
    compare,
    describe,
    load_scenario,
    load_sweep,
    load_sweep_results,
    new_scenario,
    run,
    run_sweep,
    write_comparison,
    write_results,
)
from simulator.version import __version__  # noqa: E402

_TYPES = {
    "ScenarioError": "simulator.scenario.errors",
    "Scenario": "simulator.scenario.schema",
    "Results": "simulator.experiments.run",
    "Comparison": "simulator.experiments.run",
}


def __getattr__(name: str) -> Any:
    """The API's types, imported when first asked for (pandas and pydantic take time to load)."""
    if name in _TYPES:
        import importlib

        return getattr(importlib.import_module(_TYPES[name]), name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


__all__ = [
    "Comparison",
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "analyze_sweep",
    "calibrate",
    "calibrate_fit",
    "calibrate_sensitivity",
    "compare",
    "describe",
    "load_scenario",
    "load_sweep",
    "load_sweep_results",
    "new_scenario",
    "run",
    "run_sweep",
    "write_comparison",
    "write_results",
]
