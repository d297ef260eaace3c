"""Three executors that run the same work alike: in this process, on local processes, on Dask.

Executors (`SerialExecutor`, `ProcessExecutor`, `DaskExecutor`) share one method,
`imap_unordered(fn, items, meanwhile=None)`, which applies a module-level function to
each item (a chunk of runs, `simulator.experiments.work`) and yields each result as soon
as it is done, with a bounded number of items in flight (memory stays flat however large
the batch); `meanwhile` is work for the calling process once the first items are on their
way (before them, where they run in this process). The work itself must not depend on
where or when it runs (every run seeds itself), so results are the same whatever the
executor.

Local workers start from a fork server that has loaded the simulator; or, for the
replications and figures of `run` and `compare`, where the program asked for it
(`fork_workers`: the command line does) and runs a single thread when they start, by
forking the program itself, so that they start at once with what it has loaded (nothing
is imported twice, and no server starts). The results are the same.

Workers never outlive the sweep. A local worker watches the process that started it (a
thread waits on the pipe that process holds open: it closes however the process ends,
SIGKILL included) and exits at once when it goes. On Ctrl-C or SIGTERM the executor is
closed with `abort=True`, which stops the workers instead of waiting for their chunks
(whose runs are not stored, and are run again on resume).
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from simulator import timings
from simulator.scenario.errors import ScenarioError

T = TypeVar("T")
R = TypeVar("R")
WORK_MODULE = "simulator.experiments.work"  # what worker processes load before any task
PRELOAD = [WORK_MODULE]


WORKERS_PER_CORE = 8  # local worker processes: each holds the simulator (about 100 MB)
# young objects that set off the cyclic garbage collector in a process that collects rarely
# (`collect_rarely`): about six baseline replications' garbage (diagnose_replication_gaps.py)
RARE_COLLECTION = 250_000


class ExecutorError(ScenarioError):
    """An executor that cannot start (a scheduler out of reach, a missing extra)."""


class Executor(Protocol):
    """Runs chunks somewhere; yields each chunk's rows as it finishes."""

    workers: int
    description: str

    def imap_unordered(
        self, fn: Callable[[T], R], items: Iterable[T], meanwhile: Callable[[], None] | None = None
    ) -> Iterator[R]: ...

    def warm_up(self) -> None: ...

    def close(self, abort: bool = False) -> None: ...


class SerialExecutor:
    """In this process, one run after another (`--workers 1`; easiest to debug)."""

    workers = 1
    description = "1 process (serial)"

    def imap_unordered(
        self, fn: Callable[[T], R], items: Iterable[T], meanwhile: Callable[[], None] | None = None
    ) -> Iterator[R]:
        if meanwhile is not None:
            meanwhile()
        for item in items:
            yield fn(item)

    def warm_up(self) -> None:
        pass

    def close(self, abort: bool = False) -> None:
        pass


class ProcessExecutor:
    """Local worker processes (concurrent.futures), started once and reused for every chunk.

    The workers need the modules `preload` (default: the simulator's work). Where this
    program allows it (`fork_workers`), runs one thread and `fork` is not False, they are
    forked from it once it has loaded those: a worker starts in milliseconds, with no
    module imported again.
    Elsewhere on POSIX they are forked from a fork server that has imported the
    simulator, which starts loading at once while the caller goes on (e.g. to import
    what it needs itself), and stays for the next executor of this process; a worker
    does not inherit the threads of the calling process, and imports the modules of
    `preload` beyond the simulator's work on first use (one server serves every executor
    of the process, and it loads only `PRELOAD`). Elsewhere (Windows) they are spawned,
    and import afresh.
    """

    def __init__(
        self, workers: int | None = None, preload: Sequence[str] = PRELOAD, fork: bool = True
    ) -> None:
        self.workers = workers or available_cores()
        if fork and _may_fork():
            with timings.phase("import"):
                for module in preload:  # loaded here once, shared by every worker
                    importlib.import_module(module)
            context = multiprocessing.get_context("fork")
            # what is loaded now is the workers' too: out of the collector's reach, a
            # worker's collections neither walk it nor copy its pages (copy-on-write).
            # Never collected here either: such a program runs one command and ends.
            gc.freeze()
        elif "forkserver" in multiprocessing.get_all_start_methods():
            context = fork_server()  # returns at once: the server loads meanwhile
        else:  # Windows and others: spawn, which imports afresh in each worker
            context = multiprocessing.get_context("spawn")
        self.start_method = context.get_start_method()
        self._pool = cf.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=start_worker
        )
        self.description = f"{self.workers} processes"

    def imap_unordered(
        self, fn: Callable[[T], R], items: Iterable[T], meanwhile: Callable[[], None] | None = None
    ) -> Iterator[R]:
        submit = lambda item: self._pool.submit(fn, item)  # noqa: E731
        wait = lambda futures: cf.wait(futures, return_when=cf.FIRST_COMPLETED)  # noqa: E731
        yield from _bounded(items, submit, wait, window=4 * self.workers, meanwhile=meanwhile)

    @property
    def inherits(self) -> bool:
        """Whether the workers, not started yet, will be forked from this process when the
        first item is handed out: they will find in memory what this process holds then
        (tables too large to send with every item, say)."""
        return self.start_method == "fork" and not getattr(self._pool, "_processes", None)

    def warm_up(self) -> None:
        """Start every worker now (otherwise the first chunks pay for it)."""
        for future in [self._pool.submit(_ready, 0.2) for _ in range(self.workers)]:
            future.result()

    def close(self, abort: bool = False) -> None:
        """Wait for the chunks running, or with `abort` (Ctrl-C, SIGTERM) stop the workers."""
        if not abort:
            self._pool.shutdown(wait=True, cancel_futures=True)
            return
        processes = list(getattr(self._pool, "_processes", {}).values())  # no public handles
        results = getattr(self._pool, "_result_queue", None)  # shutdown forgets them
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
        # A worker stopped while sending its result leaves half a message in the results
        # pipe, and the pool's thread, reading it, waits for the rest for ever (and the
        # program's exit waits for that thread). With every worker gone this process holds
        # the pipe's last writing end: closed, the read ends and the thread with it.
        if results is not None:
            results._writer.close()


_FORK = [False]  # whether this program lets its workers be forked from it (`fork_workers`)


def fork_workers(allowed: bool = True) -> None:
    """Let local workers be forked from this program from now on, where it runs one thread
    when they start (Linux only): they start at once and share what it has loaded.

    For a program that runs one command and ends, like the command line. The fork server
    (the default) suits programs with threads of their own (a web app, a notebook's
    kernel) and scripts: a worker forked from a program with other threads may inherit a
    lock some thread held, and never get it.
    """
    _FORK[0] = allowed


def fork_server() -> multiprocessing.context.BaseContext:
    """The fork server's start method (POSIX), its server started: it loads `PRELOAD`
    while the caller goes on, once for every process later started from it.

    Python before 3.12.8 and 3.13.1 starts the server with the working folder first on its
    path and not the caller's (CPython gh-117378): started from a folder that holds a
    `simulator` package, it would load that one. So the server starts with
    PYTHONSAFEPATH, which keeps the working folder off its path; its children get the
    caller's path from multiprocessing as always."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    from multiprocessing import forkserver  # POSIX only

    with _environment("PYTHONSAFEPATH", "1"):
        forkserver.ensure_running()
    return context


@contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    """Environment variable `name` set to `value` for processes started meanwhile."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before


def _may_fork() -> bool:
    return _FORK[0] and sys.platform == "linux" and threading.active_count() == 1


def start_worker() -> None:
    """In a worker process of `ProcessExecutor`, before its first task: it exits with its
    parent (`exit_with_parent`) and collects its garbage rarely (`collect_rarely`)."""
    exit_with_parent()
    collect_rarely()


def collect_rarely() -> None:
    """Run the cyclic garbage collector once `RARE_COLLECTION` objects have come since its
    last run, rather than Python's 700.

    A replication leaves its model (some 36,000 objects in the baseline) as cyclic
    garbage. Collected as often as Python would, those objects are walked while still
    alive, then again as garbage: a worker of `caseload run` spent 0.12-0.20 s of its
    1.4 s collecting (`benchmarks/diagnose_replication_gaps.py`). Collected rarely, each
    is walked about once, in a collection every few replications, and a short-lived
    process (a worker of `caseload run`, which exits without collecting, or the command
    itself) seldom collects at all. The garbage costs memory, within a bound: a worker of
    `caseload run` peaked at 80-95 MB rather than 66-68 MB.
    """
    gc.set_threshold(RARE_COLLECTION, *gc.get_threshold()[1:])


def exit_with_parent() -> None:
    """In a worker process: exit as soon as the process that started it ends, however it
    ends (killed with SIGKILL, it has no chance to stop its workers itself). A worker
    forked from the command line leaves its SIGTERM handler (`close(abort=True)` ends
    workers with SIGTERM, and a forked worker would otherwise raise inside its chunk).

    The parent holds a pipe to each worker open while it lives; `parent_process().sentinel`
    is the worker's end, readable once the parent is gone (also under the fork server,
    whose workers' sentinel is the pipe of the process that asked for them).
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # waits on the sentinel
        os._exit(1)  # not sys.exit: the main thread may be deep in a run

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class DaskExecutor:
    """A Dask distributed cluster: its scheduler's address, or a `distributed.Client`.

    Every worker must be able to import this package (install it where they run).
    While the sweep runs, the workers' sampling profiler is paused: every 10 ms it
    walks the running task's stack holding the GIL, which made the model's pure-Python
    event loop about a quarter slower on a Dask worker than in a plain process
    (benchmarks/bench_sweep.py). It is resumed when the sweep ends.
    """

    def __init__(self, scheduler: str | Any, security: Any = None) -> None:
        distributed = _distributed()
        self._own = isinstance(scheduler, str)
        if isinstance(security, dict):
            security = tls_security(**security)
        try:
            self.client = (
                distributed.Client(scheduler, timeout="20s", security=security)
                if self._own
                else scheduler
            )
        except (OSError, TimeoutError, ValueError, TypeError, RuntimeError) as exc:
            raise ExecutorError(
                f"--scheduler {scheduler}: cannot reach a Dask scheduler ({exc})"
                + _tls_hint(scheduler, security)
            ) from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.client.run(_profiler, False)
        address = self.client.scheduler.address
        self.description = f"the Dask cluster at {address} ({self.workers} threads)"
        self._wait = distributed.wait

    def imap_unordered(
        self, fn: Callable[[T], R], items: Iterable[T], meanwhile: Callable[[], None] | None = None
    ) -> Iterator[R]:
        submit = lambda item: self.client.submit(fn, item, pure=False)  # noqa: E731
        wait = lambda futures: self._wait(futures, return_when="FIRST_COMPLETED")  # noqa: E731
        # a round trip through the scheduler takes milliseconds: keep more queued per worker
        yield from _bounded(items, submit, wait, window=8 * self.workers, meanwhile=meanwhile)

    def warm_up(self) -> None:
        """Load the simulator on every worker now (otherwise the first chunks pay for it)."""
        self.client.run(_ready, 0.0)

    def close(self, abort: bool = False) -> None:
        """Resume the workers' profilers and let go of the cluster (its workers are not
        ours to stop; the scheduler drops this client's tasks when it disconnects)."""
        if self.client.status == "running" and not abort:
            self.client.run(_profiler, True)
        if self._own:
            self.client.close()


def tls_security(ca_file: str, cert: str, key: str | None = None) -> Any:
    """A Dask `Security` for a `tls://` scheduler: the cluster's CA certificate, and this
    client's certificate and key (`key` None: in the certificate file). Encryption is
    required, so a plain tcp:// address is refused rather than used in the clear."""
    from distributed.security import Security

    for what, path in (("CA file", ca_file), ("certificate", cert), ("key", key)):
        if path is not None and not os.path.isfile(path):
            raise ExecutorError(f"--tls: the {what} {path} does not exist")
    return Security(
        tls_ca_file=ca_file, tls_client_cert=cert, tls_client_key=key, require_encryption=True
    )


def _tls_hint(scheduler: str, security: Any) -> str:
    """What a failed connection probably lacks, where TLS is half set up."""
    tls = scheduler.startswith("tls://")
    if tls and security is None:
        return "; a tls:// scheduler needs --tls-ca-file and --tls-cert (docs/sweeps.md)"
    if security is not None and not tls:
        return "; with --tls-* the address must be tls://HOST:PORT"
    return ""


def _profiler(on: bool, dask_worker: Any = None) -> bool:
    """Resume (`on`) or pause a Dask worker's sampling profiler (`client.run` passes the worker)."""
    for name in ("profile", "profile-cycle"):
        callback = dask_worker.periodic_callbacks.get(name)
        if callback is not None:
            callback.start() if on else callback.stop()
    return on


def _ready(pause: float) -> int:
    """A task that keeps a worker busy for `pause` seconds, once the work is loaded there."""
    importlib.import_module(WORK_MODULE)
    time.sleep(pause)
    return os.getpid()


def _bounded(
    items: Iterable[T],
    submit: Callable[[T], Any],
    wait: Callable[[set[Any]], tuple[set[Any], set[Any]]],
    window: int,
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[Any]:
    """Keep at most `window` items in flight; yield each one's result when it is done.
    `meanwhile` runs here once the first items are on their way.

    Cancels what is still in flight if the caller stops early (Ctrl-C, an error).
    """
    pending: set[Any] = set()
    todo = iter(items)
    try:
        while True:
            for item in todo:
                pending.add(submit(item))
                if len(pending) >= window:
                    break
            if meanwhile is not None:
                meanwhile, work = None, meanwhile
                work()
            if not pending:
                return
            done, pending = wait(pending)
            for future in done:
                yield future.result()
    finally:
        for future in pending:
            future.cancel()


@contextmanager
def closing(executor: Executor) -> Iterator[Executor]:
    """Close `executor` when the block ends: after its chunks if the block ended well, at
    once (its workers stopped, `close(abort=True)`) if it failed or was interrupted."""
    try:
        yield executor
    except BaseException:
        executor.close(abort=True)
        raise
    executor.close()


@contextmanager
def given_or_new(executor: Executor | None, workers: int | None = None) -> Iterator[Executor]:
    """`executor`, left to whoever made it, or else a new one (`make_executor(workers)`)
    closed as `closing` closes it."""
    if executor is not None:
        yield executor
        return
    with closing(make_executor(workers)) as new:
        yield new


def make_executor(
    workers: int | None = None, scheduler: str | None = None, security: Any = None
) -> Executor:
    """The executor a batch (a sweep, the planner, the calibration) asks for: Dask with a
    scheduler (and its TLS `security`, a `distributed.security.Security`), else processes
    from the fork server or serial. A batch starts its workers once for many runs, so a
    fork server's start-up is nothing beside them, and they share nothing with the
    program (forked workers are for the answers, `replication_executor`)."""
    if scheduler is not None:
        return DaskExecutor(scheduler, security)
    check_workers(workers)
    workers = workers or available_cores()
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers, fork=False)


def check_workers(workers: int | None) -> None:
    """Refuse more local worker processes than the machine can hold (`WORKERS_PER_CORE`)."""
    cores = available_cores()
    if workers is not None and workers > WORKERS_PER_CORE * cores:
        raise ExecutorError(
            f"--workers: {workers:,} processes for {cores} cores (at most {WORKERS_PER_CORE} "
            "per core: more only slow the work and fill the memory)"
        )


SERIAL_UP_TO = 2  # replications: so few run faster here than on processes still starting


def replication_executor(
    replications: int,
    workers: int | None = None,
    preload: Sequence[str] = PRELOAD,
    jobs: int | None = None,
) -> Executor:
    """An executor for `jobs` independent jobs (default: one per replication) of a run of
    `replications`: `workers` processes, at most one per job. By default one per core,
    but in this process for a run of `SERIAL_UP_TO` replications or fewer, where starting
    processes from a fork server costs more than it saves (forked from this program, they
    start at once); one worker is this process. The workers need the modules `preload`."""
    check_workers(workers)
    if workers is None:
        few = replications <= SERIAL_UP_TO and not _may_fork()
        workers = 1 if few else available_cores()
    workers = min(workers, replications if jobs is None else jobs)
    return SerialExecutor() if workers <= 1 else ProcessExecutor(workers, preload)


def available_cores() -> int:
    """The cores this process may use (respects CPU affinity, e.g. under a batch scheduler)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ExecutorError(
            "--scheduler needs dask.distributed: pip install 'caseload-simulator[sweep]'"
        ) from None
    return distributed
