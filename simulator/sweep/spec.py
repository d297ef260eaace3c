"""The sweep spec: a base scenario, the factors to vary, a design, replications, a seed.

A spec is a TOML file, validated in strict mode like a scenario (unknown keys are
errors). Beyond its own schema, every factor is checked against the base scenario
before anything runs: each of its levels (or both ends of its range) is set on the
base and the result validated as a scenario, so a typo in a key path or a level out
of range fails at once, naming the spec file and the factor. Every problem raises a
`SweepError` (a `ScenarioError`, so the command line exits with status 2).

Factor keys are dotted paths into the scenario, as with ``--set``, and may index a
list: ``caseworkers.staffing.0.caseworkers`` is the number of caseworkers of the
first staffing entry. Values are set the way ``extends`` merges (`deep_merge`), so an
arrival schedule given by a factor replaces the base's other one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from simulator.analysis.metrics import METRICS, TIMESERIES_METRICS
from simulator.scenario import Scenario, ScenarioError, bounds, changed_scenario, load_scenario
from simulator.scenario.errors import report
from simulator.scenario.files import read_table_file
from simulator.scenario.schema import Strict
from simulator.sweep.stability import STABILITY_COLUMNS

# Columns every row of the results dataset has; factor names may not take them.
RUN_COLUMNS = ("run_id", "point", "replication", "seed", "status", "error", "wall_seconds")
RUN_SETTINGS = ("simulation.seed", "simulation.replications")
_NAME = r"[a-z][a-z0-9_]*"
_KEY = r"^[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z_][A-Za-z0-9_]*|[0-9]+))*$"

Scalar = bool | int | float | str


class SweepError(ScenarioError):
    """A sweep that cannot be run; the message names the file, the key and what is allowed."""


class Design(Strict):
    """How the factors' space is covered.

    `full_factorial`: every combination of every factor's levels. `latin_hypercube`: `n`
    points, each factor's range cut into `n` equal strata sampled once each.
    `sobol`: Saltelli's scheme on a scrambled Sobol' sequence (SALib), `n` base samples
    (a power of 2) giving n·(k+2) points for k factors, n·(2k+2) with `second_order`,
    from which SALib estimates first-order and total Sobol indices. `morris`: Morris
    screening (SALib), `n` trajectories of k+1 points each on a grid of `levels` (even,
    default 4), from which SALib estimates μ* and σ of each factor's elementary effects.
    """

    kind: Literal["full_factorial", "latin_hypercube", "sobol", "morris"]
    n: int | None = Field(default=None, ge=1)
    second_order: bool = False
    # SALib holds arrays of the grid's size: 10^9 levels would fill the memory (4 to 10 is usual)
    levels: int | None = Field(default=None, ge=2, le=1000)

    @model_validator(mode="after")
    def _n_fits_kind(self) -> Design:
        if self.kind == "full_factorial" and self.n is not None:
            raise ValueError("a full_factorial design takes no 'n' (its size is the levels')")
        if self.kind != "full_factorial" and self.n is None:
            raise ValueError(f"a {self.kind} design needs 'n', the number of samples")
        if self.kind == "sobol" and self.n is not None and self.n & (self.n - 1):
            raise ValueError(f"a sobol design needs 'n' a power of 2 (16, 32, ...), got {self.n}")
        if self.second_order and self.kind != "sobol":
            raise ValueError("second_order applies to sobol designs only")
        if self.levels is not None and self.kind != "morris":
            raise ValueError(
                "'levels' (the grid of a Morris design) applies to morris designs only"
            )
        if self.kind == "morris" and self.levels is not None and self.levels % 2:
            raise ValueError(f"a morris design needs an even number of 'levels', got {self.levels}")
        if self.kind == "morris" and self.n is not None and self.n < 2:
            raise ValueError("a morris design needs 'n' >= 2 trajectories (for a σ)")
        return self

    @property
    def grid_levels(self) -> int:
        """The Morris grid's levels (default 4)."""
        return self.levels or 4


class Factor(Strict):
    """One input varied by the sweep: a scenario key, several keys, or named variants.

    Give `levels` (numbers, strings or true/false: used as they are) or `range` =
    [low, high] (whole numbers give an integer factor, decimals a real one; `log` spreads
    a range of decimals by ratio). A range in a full factorial design needs `steps`, the
    number of evenly spaced levels. What a value sets:

    - `key`: one key path;
    - `keys`: several key paths, all set to the same value (moved together);
    - `variants`: named sets of changes (``{name = {"key.path" = value, ...}}``), for
      example whole staffing plans or policy timelines; the factor's values are the names;
    - `key` with `scale = "field"`: the key is a list of tables (``caseworkers.staffing``)
      and the value multiplies `field` in every entry (whole numbers stay whole, rounded).
    """

    key: str | None = Field(default=None, pattern=_KEY)
    keys: list[str] | None = None
    variants: dict[str, dict[str, Any]] | None = None
    scale: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    kind: Literal["lever", "uncertainty"]
    levels: list[Any] | None = None
    range: list[Any] | None = None
    steps: int | None = Field(default=None, ge=2)
    log: bool = False
    label: str = ""
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _variants_are_levels(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("variants"), dict):
            if "levels" in data or "range" in data:
                raise ValueError("'variants' name the factor's values: give no 'levels' or 'range'")
            data = {**data, "levels": list(data["variants"])}
        return data

    @model_validator(mode="after")
    def _what_it_sets(self) -> Factor:
        given = [w for w in ("key", "keys", "variants") if getattr(self, w) is not None]
        if len(given) != 1:
            raise ValueError("give one of 'key', 'keys' or 'variants' (what the factor sets)")
        for path in self.keys or []:
            if not re.fullmatch(_KEY, path):
                raise ValueError(f"keys: {path!r} is not a key path (a.b.0.c)")
        if self.keys is not None and (not self.keys or len(set(self.keys)) != len(self.keys)):
            raise ValueError("'keys' must name one key path or more, without repeats")
        for name, changes in (self.variants or {}).items():
            if not changes:
                raise ValueError(f"variants.{name}: a variant changes at least one key")
            for path in changes:
                if not re.fullmatch(_KEY, path):
                    raise ValueError(f"variants.{name}: {path!r} is not a key path (a.b.0.c)")
        values = self.levels if self.levels is not None else self.range
        if self.scale is not None and (
            self.key is None
            or values is None
            or _value_type(values, "levels") not in ("integer", "real")
        ):
            raise ValueError(
                "'scale' goes with 'key' (a list of tables) and numbers to multiply by"
            )
        return self

    @model_validator(mode="after")
    def _levels_or_range(self) -> Factor:
        if self.log and (self.range is None or _value_type(self.range, "range") != "real"):
            raise ValueError("'log' goes with a 'range' of decimals (a real factor)")
        if self.log and not self.range[0] > 0:
            raise ValueError("a 'log' range needs low > 0")
        if (self.levels is None) == (self.range is None):
            raise ValueError("give either 'levels' or 'range' (not both)")
        if self.levels is not None:
            if not self.levels:
                raise ValueError("'levels' is empty")
            _value_type(self.levels, "levels")
            if len(set(self.levels)) != len(self.levels):
                raise ValueError("'levels' repeats a value")
            if self.steps is not None:
                raise ValueError("'steps' goes with 'range', not 'levels'")
        else:
            kind = _value_type(self.range, "range")
            if len(self.range) != 2 or kind not in ("integer", "real"):
                raise ValueError("'range' must be [low, high], two numbers")
            if not self.range[0] < self.range[1]:
                raise ValueError("'range' must be [low, high] with low < high")
            if kind == "integer" and self.steps and self.steps > self.range[1] - self.range[0] + 1:
                raise ValueError("'steps' exceeds the whole numbers in 'range'")
        return self

    @property
    def value_type(self) -> Literal["integer", "real", "boolean", "text"]:
        """What the factor's values are (and so its column in the results)."""
        return _value_type(self.levels if self.levels is not None else self.range, "levels")

    @property
    def key_paths(self) -> list[str]:
        """Every scenario key the factor sets."""
        if self.variants is not None:
            return list(dict.fromkeys(k for changes in self.variants.values() for k in changes))
        return list(self.keys) if self.keys is not None else [str(self.key)]

    @property
    def target(self) -> str:
        """What the factor sets, in a few words (for the console and the manifest)."""
        if self.variants is not None:
            return "variants of " + ", ".join(self.key_paths)
        if self.scale is not None:
            return f"{self.key} (every entry's {self.scale} times the value)"
        return ", ".join(self.key_paths)

    def changes(self, value: Any, base: dict[str, Any]) -> dict[str, Any]:
        """The scenario changes (key path -> value) this factor makes at `value`."""
        if self.variants is not None:
            return dict(self.variants[value])
        if self.keys is not None:
            return dict.fromkeys(self.keys, value)
        if self.scale is not None:
            return {str(self.key): _scaled(base, str(self.key), self.scale, value)}
        return {str(self.key): value}


def _scaled(base: dict[str, Any], key: str, field: str, factor: float) -> list[Any]:
    """The list of tables at `key` in `base`, each entry's `field` multiplied by `factor`."""
    node: Any = base
    for part in key.split("."):
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError):
            raise SweepError(f"scale: the base scenario has no {key!r}") from None
    if not isinstance(node, list) or not all(isinstance(e, dict) and field in e for e in node):
        raise SweepError(f"scale: {key!r} is not a list of tables that all have {field!r}")
    scaled = []
    for entry in node:
        old = entry[field]
        new = old * factor
        scaled.append({**entry, field: round(new) if isinstance(old, int) else float(new)})
    return scaled


def _value_type(values: list[Any], what: str) -> Literal["integer", "real", "boolean", "text"]:
    if all(isinstance(v, bool) for v in values):
        return "boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "integer"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"'{what}' must be finite numbers")
        return "real"
    if all(isinstance(v, str) for v in values):
        return "text"
    raise ValueError(f"'{what}' must be all numbers, all strings or all true/false")


class SweepSpec(Strict):
    """The whole spec file."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    base: str = Field(min_length=1)
    set: list[str] = Field(default_factory=list)
    seed: int | None = Field(default=None, ge=0)

    _name_is_a_folder = field_validator("name")(bounds.check_name)  # results/sweeps/<name>/
    _seed_fits = field_validator("seed")(bounds.check_seed)  # stored as int64
    replications: int = Field(ge=1)
    common_random_numbers: bool = True
    design: Design
    factors: dict[str, Factor] = Field(min_length=1)
    series: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _series_known(self) -> SweepSpec:
        for name in self.series:
            if name not in TIMESERIES_METRICS:
                raise ValueError(
                    f"series: no weekly series {name!r}. Allowed: "
                    + ", ".join(sorted(TIMESERIES_METRICS))
                )
        if len(set(self.series)) != len(self.series):
            raise ValueError("series: a series is named twice")
        return self

    @model_validator(mode="after")
    def _factor_names(self) -> SweepSpec:
        taken = set(RUN_COLUMNS) | set(METRICS) | set(STABILITY_COLUMNS)
        for name, factor in self.factors.items():
            if not re.fullmatch(_NAME, name):
                raise ValueError(
                    f"factors.{name}: a factor name is lower-case letters, digits and '_', "
                    "starting with a letter"
                )
            if name in taken:
                raise ValueError(f"factors.{name}: the name is taken by a results column")
            if self.design.kind == "full_factorial" and factor.range and factor.steps is None:
                raise ValueError(f"factors.{name}: a range in a full factorial needs 'steps'")
            if self.design.kind != "full_factorial" and factor.steps is not None:
                raise ValueError(f"factors.{name}: 'steps' applies to full_factorial designs only")
            for key in set(factor.key_paths) & set(RUN_SETTINGS):
                raise ValueError(
                    f"factors.{name}: {key} is set by the sweep's own "
                    "'seed' and 'replications', not by a factor"
                )
        keys = [k for f in self.factors.values() for k in f.key_paths]
        for key in {k for k in keys if keys.count(k) > 1}:
            raise ValueError(f"factors: two factors set the same key {key!r}")
        return self


# --------------------------------------------------------------------------- the sweep


@dataclass(frozen=True)
class Sweep:
    """A validated spec with its resolved base scenario, ready to design and run."""

    spec: SweepSpec
    path: Path
    base: Scenario

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def seed(self) -> int:
        return self.base.simulation.seed if self.spec.seed is None else self.spec.seed

    @property
    def factors(self) -> dict[str, Factor]:
        return self.spec.factors

    def base_data(self) -> dict[str, Any]:
        """The base scenario as plain data, every key resolved (what the runs start from)."""
        return self.base.to_dict()

    def scenario(self, values: dict[str, Any], source: str) -> Scenario:
        """The base with each factor set to its value in `values`, validated."""
        return build_scenario(self.base_data(), self.changes(values), source)

    def changes(self, values: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
        """The scenario changes (key path -> value) the factors make at `values`."""
        base = self.base_data() if base is None else base
        changes: dict[str, Any] = {}
        for name, value in values.items():
            changes.update(self.factors[name].changes(value, base))
        return changes

    def keys(self) -> dict[str, str]:
        """Each factor's scenario key paths, by factor name (for messages)."""
        return {name: f.target for name, f in self.factors.items()}

    def digest(self) -> str:
        """A hash of everything that decides the runs' results (not descriptions or labels)."""
        spec = self.spec.model_dump(mode="json", exclude={"description"})
        for factor in spec["factors"].values():  # words for people, not for the model
            del factor["label"], factor["description"]
        data = {
            "spec": spec,
            "base": self.base.model_dump(mode="json"),
            "seed": self.seed,
        }
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def build_scenario(base: dict[str, Any], changes: dict[str, Any], source: str) -> Scenario:
    """`base` with each key path of `changes` set, validated; errors name `source`."""
    try:
        return changed_scenario(base, changes, source)
    except ScenarioError as exc:
        raise SweepError(str(exc)) from None


def load_sweep(path: str | Path) -> Sweep:
    """Read, validate and check a sweep spec against its base scenario."""
    path = Path(path)
    try:
        data = read_table_file(path, "sweep spec")
    except ScenarioError as exc:
        raise SweepError(str(exc)) from None
    try:
        spec = SweepSpec.model_validate(data, strict=True)
    except ValidationError as exc:
        raise SweepError(report(exc, SweepSpec, str(path), "sweep spec")) from None
    base_path = path.parent / spec.base
    try:
        base = load_scenario(base_path, spec.set)
    except ScenarioError as exc:
        raise SweepError(f"{path}: base: {exc}") from None
    sweep = Sweep(spec=spec, path=path, base=base)
    check_factors(sweep)
    return sweep


def check_factors(sweep: Sweep) -> None:
    """Set every level of every factor (both ends of a range) on the base, and validate."""
    base = sweep.base_data()
    for name, factor in sweep.factors.items():
        levels = factor.levels if factor.levels is not None else factor.range
        for value in levels:
            source = f"{sweep.path}: factors.{name} ({factor.target} = {_show(value)})"
            try:
                changes = sweep.changes({name: value}, base)
            except SweepError as exc:  # a scaled key the base does not have
                raise SweepError(f"{source}: {exc}") from None
            build_scenario(base, changes, source)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)
