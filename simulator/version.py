"""The package's version as installed ("0+unknown" when run from a source tree not installed)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("caseload-simulator")
except PackageNotFoundError:
    __version__ = "0+unknown"
