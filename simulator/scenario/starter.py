"""A starter scenario: a commented file that extends the shipped baseline (`caseload new`).

The file changes nothing yet: it names itself, extends the baseline, and shows, commented
out, the keys a planner changes first, each with what it means. It validates as written.
"""

from __future__ import annotations

from pathlib import Path

from simulator.scenario import bounds
from simulator.scenario.errors import ScenarioError
from simulator.scenario.writing import check_file, remember, replace_text

TEMPLATE = """\
# {name}: a scenario of your municipality, made by `caseload new {name}`.
#
# It extends the shipped baseline (a municipality like the 2014 survey quote: about
# 11 refugees a month, 4 caseworkers) and changes only what you write below. Every key
# and what it means: docs/reference/scenario.md. Check it with
#     caseload validate {file}
# and run it with
#     caseload run {file}

extends = "baseline.toml"   # the shipped baseline (a file of that name beside this one wins)
name = "{name}"
description = "Describe your municipality and the question you ask here."

# [simulation]
# start_date = 2012-01-01       # first simulated day; the baseline warms up three years
# duration_years = 6.0
# warmup_years = 3.0            # excluded from the statistics
# seed = 1                      # same seed, same results
# replications = 10             # independent runs: every figure gets a 95 % interval

# [caseworkers]
# staffing = [                  # caseworkers from each date
#   {{ date = 2012-01-01, caseworkers = 4 }},
#   {{ date = 2016-03-01, caseworkers = 6 }},
# ]
# weekly_hours = 37.0
# casework_share = 0.7          # share of working time spent on cases (60-76 % in time studies)

# [arrivals]                    # refugees placed in the municipality
# per_month = 11.0              # or: yearly = [{{ year = 2015, refugees = 130 }}, ...]

# [tasks.integration_contract]  # integrationskontrakt: change only what differs
# duration_hours = {{ dist = "lognormal", mean = 3.0, sd = 1.0 }}
"""


def write_starter(name: str, folder: Path, *, force: bool = False) -> Path:
    """Write `folder/<name>.toml` (a name given as a file name, `my_town.toml`, is taken
    without its `.toml`). A bad name (`bounds.check_name`, as a scenario's name is
    checked at load) is refused; so is an existing file, unless `force` and caseload
    wrote it, unchanged since (then it is replaced at once, never half-written); a link
    or a folder at that path always."""
    name = name.removesuffix(".toml")
    try:
        bounds.check_name(name)
    except ValueError as exc:
        raise ScenarioError(f"new: {exc}") from None
    if name == "baseline":
        raise ScenarioError(
            "new: a starter named 'baseline' would extend itself (a file of the shipped "
            "baseline's name beside it wins); choose another name"
        )
    path = folder / f"{name}.toml"
    check_file(path, force, "new:")
    text = TEMPLATE.format(name=name, file=path)
    try:
        if not path.exists():
            with open(path, "x", encoding="utf-8") as file:  # "x": never replaces a file
                file.write(text)
        else:
            replace_text(path, text)  # the old file or the new one, never half
    except OSError as exc:
        raise ScenarioError(f"new: {path}: cannot be written ({exc.strerror or exc})") from None
    remember([path])
    return path
