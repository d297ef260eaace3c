"""Workload simulator for municipal refugee-integration casework (SimPy)."""

from importlib.metadata import PackageNotFoundError, version

from simulator import native

native.choose()  # the compiled event loop if it is current, else the plain Python

try:
    __version__ = version("caseload-simulator")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
