"""Fuzzing the shipped scenarios: whatever a careless hand does to a scenario file, the tool
runs it and writes consistent results, or refuses it with one clear message.

Hypothesis takes a shipped scenario and mutates one place of it (`KINDS`): a value of
another type, a sign turned, inf or nan, a huge value, zero or empty, a key missing, a
key too many, a broken `extends`. Each mutated file is run (`caseload run`, in this
process, the current folder a temporary one) and must end in one of two ways:

- exit 0, with a complete results folder whose numbers are consistent: every share
  between 0 and 1, no infinite value, no negative count; or
- exit 2, with exactly one error message that names the file, and no traceback;

and in both cases nothing written outside the temporary folder, within `SECONDS` of wall
time and without the process's peak memory growing by more than `MEMORY_GROWTH`. The
size limits are lowered for the suite (`FUZZ_LIMITS`: a mutation that multiplies the
work a hundredfold is refused, as a thousandfold one is in normal use), so every run
takes a second or less.

The suite runs `CASELOAD_FUZZ_EXAMPLES` examples (default 60, derandomized so that CI
always tries the same ones; set the variable for a longer, random campaign) and prints
the count of inputs tried and handled cleanly, by kind.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import os
import re
import signal
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sweep_builders import BASE as SWEEP_BASE

from simulator.cli import main
from simulator.experiments import limits

resource = pytest.importorskip("resource")  # POSIX: the peak memory of this process

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted((REPO / "scenarios").glob("*.toml"))
EXAMPLES = int(os.environ.get("CASELOAD_FUZZ_EXAMPLES", "60"))
SECONDS = 60
MEMORY_GROWTH = 1.5 * 2**30
SHORT = {"duration_years": 0.5, "warmup_years": 0.0, "replications": 1}
FUZZ_LIMITS = {
    "horizon_years": 10.0,
    "caseworkers": 300,
    "cases": 20_000,
    "tasks": 100_000,
    "events": 300_000,
    "memory_bytes": 60 * 2**20,
}
KINDS = ("type", "sign", "nonfinite", "huge", "zero", "missing", "extra", "extends")
OTHER_VALUES: list[Any] = ["text", True, 7, 2.5, [1, 2], {"a": 1}, dt.date(2015, 1, 1), []]
TALLY: Counter[str] = Counter()
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="times runs with SIGALRM")
UNNAMED: list[str] = []  # refusals whose message names no key, for the summary


# --------------------------------------------------------------------------- mutations


def places(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in `data` (tables, lists and values), the root left out."""
    found = [path] if path else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += places(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += places(value, (*path, index))
    return found


def get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def put(data: Any, path: tuple[Any, ...], value: Any) -> None:
    get(data, path[:-1])[path[-1]] = value


def located(data: dict[str, Any]) -> None:
    """A file the scenario names beside itself (`initial_state.cases_file`) by its full path,
    since the mutated copy is written elsewhere."""
    state = data.get("initial_state")
    if isinstance(state, dict) and isinstance(state.get("cases_file"), str):
        state["cases_file"] = str(REPO / "scenarios" / state["cases_file"])


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, str, str, dict[str, Any]]:
    """(shipped file, kind, what was done, the mutated data)."""
    source = draw(st.sampled_from(SHIPPED))
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    data.setdefault("simulation", {}).update(SHORT)  # short runs; mutations may change them
    located(data)
    kind = draw(st.sampled_from(KINDS))
    spots = [p for p in places(data) if p != ("extends",)]
    path = draw(st.sampled_from(spots))
    old = get(data, path)
    numeric = isinstance(old, int | float) and not isinstance(old, bool)
    where = ".".join(map(str, path))
    if kind == "type":
        value = draw(st.sampled_from([v for v in OTHER_VALUES if type(v) is not type(old)]))
        put(data, path, value)
    elif kind == "sign" and numeric:
        put(data, path, -old if old else -1)
    elif kind == "nonfinite":
        value = draw(st.sampled_from([math.inf, -math.inf, math.nan]))
        put(data, path, value)
    elif kind == "huge":
        exponent = draw(st.integers(2, 300))
        if isinstance(old, int) and not isinstance(old, bool):
            value = 10 ** min(exponent, 40)
        elif isinstance(old, str):
            value = old * min(10**exponent, 20_000)
        elif isinstance(old, list):
            value = old * min(10**exponent, 2_000)
        else:
            value = float(f"1e{exponent}") * (old if numeric and old else 1.0)
        put(data, path, value)
    elif kind == "zero" or kind == "sign":  # a value without a sign gets its zero
        value = type(old)() if isinstance(old, str | list | dict | bool) else 0
        put(data, path, value)
    elif kind == "missing":
        del get(data, path[:-1])[path[-1]]
    elif kind == "extra":
        table = draw(
            st.sampled_from([()] + [p for p in places(data) if isinstance(get(data, p), dict)])
        )
        get(data, table)["surplus_key"] = draw(st.sampled_from([1, "x", 2.5]))
        where = ".".join(map(str, (*table, "surplus_key")))
    elif kind == "extends":
        target = draw(st.sampled_from(["missing.toml", "fuzzed.toml", ".", "/", 5, "", ["a"]]))
        data["extends"] = target
        where = f"extends = {target!r}"
    return source.name, kind, where, data


# --------------------------------------------------------------------------- one example


class TookTooLong(Exception):
    pass


def _too_long(signum: int, frame: Any) -> None:
    raise TookTooLong(f"more than {SECONDS} s")


def consistent(summary: pd.DataFrame) -> list[str]:
    """What is inconsistent in a summary table: shares out of [0, 1], inf, negative counts."""
    problems = []
    for row in summary.itertuples():
        value = row.mean
        if pd.isna(value):
            continue
        if math.isinf(value):
            problems.append(f"{row.metric} is infinite")
        elif row.unit == "share" and not -1e-9 <= value <= 1 + 1e-9:
            problems.append(f"{row.metric} = {value} is no share")
        elif row.unit in ("cases", "tasks", "people", "caseworkers") and value < 0:
            problems.append(f"{row.metric} = {value} is a negative count")
    return problems


def run_one(folder: Path, data: dict[str, Any], figures: bool, capsys) -> tuple[int, str]:
    """Write `data` as fuzzed.toml in `folder`, run it there; (exit status, stderr)."""
    path = folder / "fuzzed.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    argv = ["run", str(path), "--out", str(folder / "out"), "-q"]
    argv += [] if figures else ["--no-figures"]
    previous = signal.signal(signal.SIGALRM, _too_long)
    signal.alarm(SECONDS)
    try:
        status = main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return status, capsys.readouterr().err


def tree(folder: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def tally(request):
    """Counts of inputs tried and handled, by kind, printed at the end of the module."""
    TALLY.clear()
    UNNAMED.clear()
    yield TALLY
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    counts = {
        kind: {k.split(":")[1]: n for k, n in TALLY.items() if k.startswith(f"{kind}:")}
        for kind in KINDS
    }
    summary = {
        "tried": TALLY["tried"],
        "clean": TALLY["clean"],
        "by_kind": counts,
        "refusals naming no key": UNNAMED,
    }
    if reporter is not None:
        reporter.write_line(f"\nfuzz: {json.dumps(summary)}")


@settings(
    max_examples=EXAMPLES,
    deadline=None,  # timed by SIGALRM: a hang fails the example, a slow CI machine not
    derandomize="CASELOAD_FUZZ_EXAMPLES" not in os.environ,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mutation=mutations(), figures=st.sampled_from([False, False, False, True]))
def test_a_mutated_scenario_runs_consistently_or_is_refused_cleanly(
    mutation, figures, tally, tmp_path_factory, monkeypatch, capsys
):
    source, kind, where, data = mutation
    for key, value in FUZZ_LIMITS.items():
        monkeypatch.setitem(limits.LIMITS, key, value)
    folder = tmp_path_factory.mktemp("fuzz")
    monkeypatch.chdir(folder)
    shipped_before = tree(REPO / "scenarios")
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tally["tried"] += 1
    tally[f"{kind}:tried"] += 1
    status, err = run_one(folder, data, figures, capsys)
    note = f"{source}, {kind} at {where}: exit {status}\n{err}"
    assert "Traceback" not in err, note
    assert status in (0, 2), note
    if status == 2:
        assert err.count("caseload: error:") == 1, note
        assert str(folder / "fuzzed.toml") in err or "fuzzed.toml" in err, note
        assert sorted(p.name for p in folder.iterdir()) == ["fuzzed.toml"], note
        named = re.search(r"\n  [\w$.\-=+@ ()]+: |extends|: not valid TOML|too large", err)
        tally[f"{kind}:refused"] += 1
        tally[f"{kind}:refused naming a key"] += bool(named)
        if not named:
            UNNAMED.append(f"{kind} at {where}: {err.strip()[:300]}")
    else:
        summary = pd.read_csv(folder / "out" / "summary.csv")
        assert consistent(summary) == [], note
        assert (folder / "out" / ".caseload").is_file(), note
        assert sorted(p.name for p in folder.iterdir()) == ["fuzzed.toml", "out"], note
        tally[f"{kind}:ran"] += 1
    assert tree(REPO / "scenarios") == shipped_before, note
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - peak_before
    assert grown < MEMORY_GROWTH, note
    tally["clean"] += 1
    tally[f"{kind}:clean"] += 1


def test_the_mutations_cover_every_kind():
    """The generator itself: every kind is drawn, and nearly every draw changes the file."""
    seen: Counter[str] = Counter()

    @settings(max_examples=200, derandomize=True, database=None)
    @given(mutations())
    def draw(mutation):
        source, kind, _, data = mutation
        original = tomllib.loads((REPO / "scenarios" / source).read_text(encoding="utf-8"))
        original.setdefault("simulation", {}).update(SHORT)
        located(original)
        seen[kind] += 1
        seen["changed"] += data != original

    draw()
    assert set(seen) - {"changed"} == set(KINDS)
    assert seen["changed"] > 0.9 * 200


# --------------------------------------------------------------------------- sweep specs

# A spec with every kind of factor and design option research added: named variants, keys
# moved together, a list scaled, a log range, weekly series, a Morris design.
RESEARCH_SPEC: dict[str, Any] = {
    "name": "fuzzed_sweep",
    "base": "base.toml",
    "replications": 2,
    "seed": 3,
    "design": {"kind": "morris", "n": 2, "levels": 4},
    "series": ["backlog_hours", "pending_tasks"],
    "factors": {
        "hours": {
            "kind": "lever",
            "variants": {
                "short": {"caseworkers.weekly_hours": 30.0},
                "long": {"caseworkers.weekly_hours": 37.0, "caseworkers.casework_share": 0.8},
            },
        },
        "arrivals": {"kind": "uncertainty", "key": "arrivals.per_month", "range": [10.0, 40.0],
                     "log": True},
        "staff": {"kind": "lever", "key": "caseworkers.staffing", "scale": "caseworkers",
                  "range": [1.0, 3.0]},
        "exits": {"kind": "uncertainty", "keys": ["exit.other_per_year"], "range": [0.0, 0.2]},
    },
}  # fmt: skip


@st.composite
def spec_mutations(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    """(kind, where, the mutated spec): one place of `RESEARCH_SPEC` changed as a scenario's."""
    data = copy.deepcopy(RESEARCH_SPEC)
    kind = draw(st.sampled_from([k for k in KINDS if k != "extends"]))
    path = draw(st.sampled_from(places(data)))
    old = get(data, path)
    numeric = isinstance(old, int | float) and not isinstance(old, bool)
    where = ".".join(map(str, path))
    if kind == "type":
        put(
            data, path, draw(st.sampled_from([v for v in OTHER_VALUES if type(v) is not type(old)]))
        )
    elif kind == "sign" and numeric:
        put(data, path, -old if old else -1)
    elif kind == "nonfinite":
        put(data, path, draw(st.sampled_from([math.inf, -math.inf, math.nan])))
    elif kind == "huge":
        exponent = draw(st.integers(2, 300))
        if isinstance(old, int) and not isinstance(old, bool):
            put(data, path, 10 ** min(exponent, 40))
        elif isinstance(old, str | list):
            put(data, path, old * min(10**exponent, 2_000))
        else:
            put(data, path, float(f"1e{exponent}") * (old if numeric and old else 1.0))
    elif kind in ("zero", "sign"):
        put(data, path, type(old)() if isinstance(old, str | list | dict | bool) else 0)
    elif kind == "missing":
        del get(data, path[:-1])[path[-1]]
    elif kind == "extra":
        tables = [()] + [p for p in places(data) if isinstance(get(data, p), dict)]
        table = draw(st.sampled_from(tables))
        get(data, table)["surplus_key"] = draw(st.sampled_from([1, "x", 2.5]))
        where = ".".join(map(str, (*table, "surplus_key")))
    return kind, where, data


@settings(
    max_examples=max(EXAMPLES // 2, 10),
    deadline=None,
    derandomize="CASELOAD_FUZZ_EXAMPLES" not in os.environ,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mutation=spec_mutations())
def test_a_mutated_sweep_spec_is_checked_or_refused_cleanly(
    mutation, tmp_path_factory, monkeypatch, capsys
):
    """`caseload sweep SPEC --check` on a mutated spec with every research key: exit 0, or
    exit 2 with one message naming the spec file; no traceback, nothing written."""
    kind, where, data = mutation
    for key, value in FUZZ_LIMITS.items():
        monkeypatch.setitem(limits.LIMITS, key, value)
    folder = tmp_path_factory.mktemp("fuzz_sweep")
    monkeypatch.chdir(folder)
    (folder / "base.toml").write_text(tomli_w.dumps(SWEEP_BASE), encoding="utf-8")
    (folder / "spec.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    previous = signal.signal(signal.SIGALRM, _too_long)
    signal.alarm(SECONDS)
    try:
        status = main(["sweep", str(folder / "spec.toml"), "--check"])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    err = capsys.readouterr().err
    note = f"{kind} at {where}: exit {status}\n{err}"
    assert "Traceback" not in err, note
    assert status in (0, 2), note
    if status == 2:
        assert err.count("caseload: error:") == 1 and "spec.toml" in err, note
    assert sorted(p.name for p in folder.iterdir()) == ["base.toml", "spec.toml"], note
