"""Progress on the console for long work: a bar on a terminal (tqdm), and where none can
be drawn (stderr is a log file, nohup, a batch system) a line every half minute, so that
long work is seen to go on."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

from tqdm import tqdm

HEARTBEAT_SECONDS = 30.0  # between two lines where no bar can be drawn


class _Bar(tqdm):
    """tqdm without its monitor thread (the bar is refreshed at every update anyway): a
    program with a thread may not fork its worker processes (`fork_workers`)."""

    monitor_interval = 0


def interactive(file: TextIO | None = None) -> bool:
    """Whether `file` (default stderr) is a terminal a bar can be drawn on."""
    stream = file or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


class Heartbeat:
    """A line on `file` (default stderr) at most every `every` seconds: `label: text,
    elapsed`. For where no bar can be drawn; the first line comes `every` seconds in, so
    work shorter than that prints nothing."""

    def __init__(
        self, label: str, every: float = HEARTBEAT_SECONDS, file: TextIO | None = None
    ) -> None:
        self.label, self.every, self.file = label, every, file
        self.started = self.last = time.monotonic()

    def __call__(self, text: str) -> None:
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            print(f"{self.label}: {text}; {elapsed(now - self.started)} so far",
                  file=self.file or sys.stderr, flush=True)  # fmt: skip


def elapsed(seconds: float) -> str:
    """`seconds` as a reader says it: "45 s", "3 min 5 s", "1 h 2 min"."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


class ProgressBar:
    """A bar over replications x simulated time on a terminal; elsewhere a heartbeat line."""

    def __init__(self, replications: int, *, enabled: bool = True, unit: str = "replication"):
        self.replications, self.unit = replications, unit
        self._beat = Heartbeat("caseload") if enabled and not interactive() else None
        self._bar = _Bar(
            total=replications,
            unit=unit,
            disable=None if enabled else True,  # None: only on a terminal
            bar_format="{l_bar}{bar}| {n:.1f}/{total} {unit}s [{elapsed}<{remaining}]",
            leave=False,
        )

    def update(self, replication: int, fraction: float) -> None:
        """Replication `replication` (from 0) is `fraction` done."""
        self._bar.n = replication + fraction
        self._bar.refresh()
        if self._beat is not None:
            self._beat(f"{replication + fraction:.1f} of {self.replications} {self.unit}s")

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._bar.close()


class StatusLine:
    """For work whose length is not known in advance (the planner's search and checks):
    what it is doing and how many runs it has simulated, on a terminal as a line redrawn
    in place, elsewhere as a heartbeat line."""

    def __init__(self, label: str, *, enabled: bool = True) -> None:
        self._beat = Heartbeat(label) if enabled and not interactive() else None
        self._bar = _Bar(
            total=None,
            unit="run",
            disable=None if enabled else True,  # None: only on a terminal
            bar_format="{desc}: {n} runs [{elapsed}, {rate_fmt}]",
            desc=label,
            leave=False,
        )
        self._label = label

    def update(self, doing: str, runs: int) -> None:
        """Now `doing`, `runs` simulated so far."""
        self._bar.set_description_str(f"{self._label}: {doing}", refresh=False)
        self._bar.n = runs
        self._bar.refresh()
        if self._beat is not None:
            self._beat(f"{doing}, {runs} runs simulated")

    def close(self) -> None:
        self._bar.close()
