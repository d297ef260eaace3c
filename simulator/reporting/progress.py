"""Progress on the console for long runs (tqdm), silent when not interactive."""

from __future__ import annotations

from types import TracebackType

from tqdm import tqdm


class _Bar(tqdm):
    """tqdm without its monitor thread (the bar is refreshed at every update anyway): a
    program with a thread may not fork its worker processes (`fork_workers`)."""

    monitor_interval = 0


class ProgressBar:
    """A bar over replications x simulated time; shows nothing when stderr is not a terminal."""

    def __init__(self, replications: int, *, enabled: bool = True, unit: str = "replication"):
        self.replications = replications
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

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._bar.close()
