"""SIGTERM handled like Ctrl-C: what a command does when interrupted, it does when terminated.

A batch system, a container runtime or `kill` ends a process with SIGTERM. Python's
default is to die on the spot, leaving a half-built results folder (hidden, under a
temporary name) and, for a sweep, its buffered runs unstored and its workers running.
Raised as an exception instead, SIGTERM runs the same clean-up as Ctrl-C: the temporary
folder is removed, the sweep stores its finished runs and stops its workers.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any


class Terminated(KeyboardInterrupt):
    """The process was sent SIGTERM (a KeyboardInterrupt, so every Ctrl-C clean-up runs)."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def terminate_like_interrupt() -> Any:
    """Raise `Terminated` on SIGTERM from now on; the previous handler, to restore (None
    where handlers cannot be set: outside the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _terminate)
