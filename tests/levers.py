"""Paired runs for the tests of the workforce and the office's policies.

A test compares runs that differ in one lever only, with the same seed: arrivals,
households, exits and task durations draw from their own streams, so both runs see
the same people (`same_people` checks it), and the difference is the lever's doing.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from simulator.analysis.metrics import analyse
from simulator.calibration.parameters import changes_for, prefit
from simulator.engine.model import Municipality
from simulator.scenario import Scenario, scenario_from_dict
from simulator.scenario.files import read_toml
from simulator.scenario.keys import apply_overrides, with_values

# The employment effort's start is made irrelevant (multiplier 1) so that the runs compared
# here have the same people with the same exits (`same_people`); with it, exits depend on
# the office by design (tests/test_self_support.py).
SHORT = [
    "simulation.duration_years=3",
    "simulation.warmup_years=1",
    "exit.before_effort_multiplier=1.0",
]


def run(scenario: Scenario, replication: int = 0):
    """(the model, its record, its statistics) of one replication."""
    model = Municipality(scenario, replication)
    return (model, *run_model(model))


def run_model(model: Municipality):
    """(the record, its statistics) of a model made (and changed) by the test."""
    record = model.run()
    return record, analyse(record, model.calendar)


# The workforce's mechanisms, on in the shipped baseline: a test of one lever switches on
# only what it compares (`baseline`), so that its runs differ in that lever alone.
MECHANISMS = ("absence", "stress", "turnover", "interpreting")


def plain_office(
    *overrides: str, path: str = "scenarios/baseline.toml", without: tuple[str, ...] = ()
) -> Scenario:
    """The shipped baseline with the workforce's mechanisms off (no absence, stress index,
    turnover or interpreting tables), one set of rules throughout (no timeline) and the
    calibration's free parameters at their values before any fit (task times as the
    catalogue gives them, casework share 0.7, ...: `simulator.calibration.parameters.prefit`),
    so that a refit of the baseline leaves these tests' office, and their meaning, as it
    was; with `overrides` set and the top-level tables `without` left out too."""
    drop = (*MECHANISMS, "timeline", *without)
    data = with_values(read_toml(Path(path).resolve()), changes_for(prefit()))
    data = {k: v for k, v in data.items() if k not in drop}
    data = apply_overrides(data, list(overrides))
    return scenario_from_dict(data, f"{path} without {', '.join(drop)}")


def baseline(*overrides: str) -> Scenario:
    """The shipped baseline without its workforce mechanisms (`plain_office`), three years
    (one of warm-up), with `overrides` set."""
    return plain_office(*SHORT, *overrides)


def same_people(a, b) -> None:
    """The two runs placed the same refugees at the same times, with the same exits.

    (Reunified families may arrive at other times: the application waits for the
    caseworker's help, so it depends on how busy the caseworkers are.)"""
    placed_a, placed_b = a.cases["kind"] == 0, b.cases["kind"] == 0
    for column in ("opened", "exit"):
        assert np.array_equal(
            np.sort(a.cases[column][placed_a]), np.sort(b.cases[column][placed_b])
        )


def from_day(model: Municipality, day: float, **settings: Any) -> None:
    """From `day` of the run, the office's policies change to `settings` (the fields of
    `simulator.engine.office.Policies`), as a policy timeline would change them."""
    office = model.office

    def switch():
        yield model.env.timeout(day)
        office.configure(dataclasses.replace(office.policies, **settings))

    model.env.process(switch())
