"""`python -m simulator ...` is the same as the `caseload` command."""

from simulator.cli import command

command()
