"""The places work can be sent: a loky process pool, an Executor, a map, a Dask client.

Every backend runs a list of *chunks* (lists of tasks) through
:func:`slopes.parallel._remote.run_chunk` and returns one outcome per chunk, in
order. Backends built on futures share :func:`run_futures`, which

- re-submits chunks whose worker died (a bounded number of times, on a fresh
  pool where the backend can make one), so a lost process never loses or
  corrupts a result;
- stops waiting for later chunks as soon as one chunk reports an error in
  ``func`` (a serial loop would not have run them either);
- gives up at a deadline with a :class:`WorkerTimeout` naming the points;
- reports each finished chunk, so the caller can move a progress bar;
- sends a large pickled f in full only with the first chunks, and again to a
  worker that asks for it (see :class:`slopes.parallel._remote.Payload`).

Dask reschedules the tasks of a killed worker itself (``allowed-failures``);
what reaches us from Dask is a chunk it gave up on (``KilledWorker``), which is
retried like a dead loky worker.

A map-like callable gives no futures: it runs on a helper thread while the
caller watches the deadline and, for processes on this machine, the markers
that :func:`slopes.parallel._remote.run_item` leaves while a chunk runs: a
marker whose process is gone is a chunk that ``multiprocessing.Pool.map``
would wait for forever.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from .._util.warnings import SlopesWarning
from ._errors import WorkerError, WorkerTimeout
from ._remote import (
    ChunkFailed,
    FuncMissing,
    Outcome,
    Payload,
    describe_task,
    run_chunk,
    run_item,
    watch_parent,
)

__all__ = [
    "MAX_RETRIES",
    "Backend",
    "DaskBackend",
    "Deadline",
    "ExecutorBackend",
    "LokyBackend",
    "MapBackend",
    "cpu_count",
    "is_dask_client",
    "run_futures",
    "worker_thread_env",
]

MAX_RETRIES = 2  # re-submissions of one chunk after its worker died
_POLL_S = 0.1  # how often a wait looks up from the futures (deadline, dead processes)
_LOKY_IDLE_TIMEOUT_S = 60  # keep an idle pool this long, so repeated gradients reuse it
# native thread pools a worker's f may start (numpy's BLAS, OpenMP code)
_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class StartedPool:
    """The reusable loky pool this process started, and its size (slopes' record of it)."""

    size: int
    executor: Any


# The reusable loky pool this process started (loky keeps one at a time: asking
# for another size replaces it); None before the first and after abandon().
_started_pool: StartedPool | None = None


class Deadline(NamedTuple):
    """When a call must end (``time.monotonic()`` seconds) and the timeout it came from."""

    at: float
    seconds: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds, seconds)

    def left(self) -> float:
        return self.at - time.monotonic()


def is_dask_client(obj: Any) -> bool:
    """True for a ``dask.distributed.Client`` (checked without importing dask).

    A Client exists only once ``distributed`` is imported, so an object is one
    exactly when that module is loaded and the object is an instance of its class.
    """
    distributed = sys.modules.get("distributed")
    return distributed is not None and isinstance(obj, distributed.Client)


def _retryable(exc: BaseException) -> bool:
    """Does ``exc`` mean the worker (not f) failed, so the chunk may succeed elsewhere?"""
    if isinstance(exc, (cf.BrokenExecutor, cf.CancelledError)):
        return True  # loky TerminatedWorkerError / BrokenProcessPool; dask lost futures
    # Dask gave up on a chunk whose worker died, or lost its connection: its
    # errors can only come from a loaded distributed (never imported here)
    distributed = sys.modules.get("distributed")
    return distributed is not None and isinstance(
        exc, (distributed.KilledWorker, distributed.comm.CommClosedError)
    )


def _timeout_error(where: str, deadline: Deadline, chunk: Sequence[Any]) -> WorkerTimeout:
    return WorkerTimeout(
        f"f did not finish within the timeout ({deadline.seconds:.6g} s) on {where}; still "
        f"unfinished: the points {describe_task(chunk[0])}"
        + (f" and {len(chunk) - 1} more task(s) of points" if len(chunk) > 1 else "")
    )


class Backend:
    """Common interface: ``n_workers``, expected overheads, ``run`` and ``abandon``."""

    n_workers: int = 1
    per_chunk_s: float = 0.001  # cost of one extra chunk (pickling, a round trip)

    def run(
        self,
        payload: Payload,
        chunks: Sequence[Sequence[Any]],
        on_done: Callable[[int], None],
        deadline: Deadline | None,
    ) -> list[Outcome]:
        """One outcome per chunk (up to the first chunk in which f raised)."""
        raise NotImplementedError

    def abandon(self) -> None:
        """After Ctrl-C or a timeout: stop the processes we own (none by default)."""


def run_futures(
    submitter: Callable[[], Callable[..., cf.Future]],
    renew: Callable[[], Callable[..., cf.Future]] | None,
    payload: Payload,
    chunks: Sequence[Sequence[Any]],
    on_done: Callable[[int], None],
    deadline: Deadline | None,
    where: str,
    n_inline: int,
) -> list[Outcome]:
    """Run ``chunks`` through futures with retries, until ``deadline`` (``time.monotonic``).

    ``submitter()`` gives the current ``submit``; ``renew()`` (if any) gives a
    ``submit`` on a fresh pool after the old one broke. The first ``n_inline``
    chunks carry a large payload in full, the others its key only.
    """
    outcomes: list[Outcome | None] = [None] * len(chunks)
    attempts = [0] * len(chunks)
    pending: dict[cf.Future, int] = {}
    first_error = len(chunks)  # index of the earliest chunk in which f raised
    submit = submitter()

    def launch(indices: list[int], inline: bool = False, retry: bool = True) -> None:
        nonlocal submit
        for index in indices:
            attempts[index] += retry
            if attempts[index] > MAX_RETRIES + 1:
                raise WorkerError(
                    f"a worker of {where} died {MAX_RETRIES + 1} times while running the same "
                    f"tasks (chunk {index}, the points {describe_task(chunks[index][0])}); "
                    "giving up rather than return a partial result. Does f crash "
                    "(abort, segmentation fault) or exhaust the memory of the worker process?"
                )
            args = (*payload.args(inline or index < n_inline), chunks[index])
            try:
                future = submit(run_chunk, *args)
            except (cf.BrokenExecutor, RuntimeError) as exc:
                if renew is None:
                    raise WorkerError(f"{where} cannot take work any more: {exc}") from exc
                submit = renew()
                future = submit(run_chunk, *args)
            pending[future] = index

    try:
        launch(list(range(len(chunks))))
        while pending:
            wait_s = _POLL_S if deadline is None else min(_POLL_S, deadline.left())
            done, _ = cf.wait(
                list(pending), timeout=max(wait_s, 0.0), return_when=cf.FIRST_COMPLETED
            )
            if not done and deadline is not None and deadline.left() <= 0:
                running = [index for future, index in pending.items() if future.running()]
                index = min(running or pending.values())  # name a running chunk if any
                raise _timeout_error(where, deadline, chunks[index])
            lost: list[int] = []
            missing: list[int] = []
            for future in done:
                index = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:
                    if index > first_error:
                        continue  # not needed: an earlier chunk already failed in f
                    if not _retryable(exc):
                        raise WorkerError(
                            f"running f on {where} failed: {type(exc).__name__}: {exc}"
                        ) from exc
                    lost.append(index)
                    continue
                if isinstance(outcome, FuncMissing):
                    missing.append(index)  # the key came before the bytes: send them
                    continue
                outcomes[index] = outcome
                if isinstance(outcome, ChunkFailed):
                    first_error = min(first_error, index)
                elif index < first_error:
                    on_done(index)
            if first_error < len(chunks):
                for future, index in list(pending.items()):
                    if index > first_error:
                        future.cancel()
                        del pending[future]
                lost = [index for index in lost if index < first_error]
                missing = [index for index in missing if index < first_error]
            launch(missing, inline=True, retry=False)
            if lost:
                warnings.warn(
                    f"a worker of {where} died; re-running {len(lost)} lost chunk(s) of tasks "
                    f"(at most {MAX_RETRIES} retries each)",
                    SlopesWarning,
                    stacklevel=2,
                )
                if renew is not None:
                    submit = renew()
                launch(sorted(lost))
    finally:
        for future in pending:
            future.cancel()
    return [outcome for outcome in outcomes[: first_error + 1] if outcome is not None]


def worker_thread_env(n_workers: int, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for local workers: native thread pools sized to their share of the CPUs.

    Each of ``n_workers`` processes gets ``max(1, CPUs // n_workers)`` threads
    for OpenBLAS, OpenMP and MKL (the rule joblib follows), unless the caller
    set that variable itself (then the workers inherit the caller's value).
    Two reasons: k processes each running a CPU-wide BLAS pool oversubscribe
    the machine, and OpenBLAS starts its whole pool when numpy is imported,
    which doubles a worker's start-up CPU (measured on 2 cores: ``import
    numpy`` 0.27 s of CPU by default, 0.14 s with one thread). Start-up CPU is
    what the first parallel call waits for.

    Examples
    --------
    >>> worker_thread_env(8, environ={})["OPENBLAS_NUM_THREADS"] in {str(max(1, cpu_count() // 8))}
    True
    >>> "OMP_NUM_THREADS" in worker_thread_env(2, environ={"OMP_NUM_THREADS": "3"})
    False
    """
    environ = os.environ if environ is None else environ
    threads = str(max(1, cpu_count() // n_workers))
    return {name: threads for name in _THREAD_VARIABLES if name not in environ}


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask where the system has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS and Windows have no affinity masks
        return max(1, os.cpu_count() or 1)


class LokyBackend(Backend):
    """``workers=k``: a reusable loky process pool (cloudpickle transport, survives crashes).

    Its workers end themselves when this process is gone (see
    :func:`slopes.parallel._remote.watch_parent`), and :meth:`abandon` kills them.
    Their native thread pools are capped by :func:`worker_thread_env`.

    The processes start together, inside the first call: each spends 0.2 to
    0.3 s of CPU importing Python, loky and numpy before its first task. loky
    starts a pool's processes at once, and grows a running pool only by
    replacing it (a reusable executor whose queue is smaller than the new size
    is shut down and made anew), so a pool cannot start with one process per
    CPU and add the others while they work; the first workers to be ready take
    the first chunks at once (all chunks are queued).
    """

    def __init__(self, n_workers: int) -> None:
        self.n_workers = n_workers

    def _executor(self) -> Any:
        from loky import get_reusable_executor

        global _started_pool
        executor = get_reusable_executor(
            max_workers=self.n_workers,
            timeout=_LOKY_IDLE_TIMEOUT_S,
            initializer=watch_parent,
            initargs=(os.getpid(),),
            env=worker_thread_env(self.n_workers),
        )
        _started_pool = StartedPool(self.n_workers, executor)
        return executor

    def run(
        self,
        payload: Payload,
        chunks: Sequence[Sequence[Any]],
        on_done: Callable[[int], None],
        deadline: Deadline | None,
    ) -> list[Outcome]:
        return run_futures(
            lambda: self._executor().submit,
            lambda: self._executor().submit,
            payload,
            chunks,
            on_done,
            deadline,
            where=f"the local process pool (workers={self.n_workers})",
            n_inline=self.n_workers,
        )

    def abandon(self) -> None:
        global _started_pool
        if _started_pool is not None:
            _started_pool.executor.shutdown(wait=False, kill_workers=True)
        _started_pool = None


class ExecutorBackend(Backend):
    """``workers=executor``: any :class:`concurrent.futures.Executor`.

    An Executor does not say how many tasks it runs at once: ``size`` (from
    ``Workers(executor, size=k)``) does, else the CPUs of this machine are
    taken as its size (:func:`cpu_count`).
    """

    def __init__(self, executor: cf.Executor, size: int | None = None) -> None:
        self.executor = executor
        self.n_workers = cpu_count() if size is None else size

    def run(
        self,
        payload: Payload,
        chunks: Sequence[Sequence[Any]],
        on_done: Callable[[int], None],
        deadline: Deadline | None,
    ) -> list[Outcome]:
        return run_futures(
            lambda: self.executor.submit,
            None,
            payload,
            chunks,
            on_done,
            deadline,
            where=f"the executor {type(self.executor).__name__}",
            n_inline=self.n_workers,
        )


class DaskBackend(Backend):
    """``workers=client``: a ``dask.distributed.Client``, local or remote."""

    per_chunk_s = 0.004  # measured against a LocalCluster: ~4 ms per extra chunk

    def __init__(self, client: Any) -> None:
        if getattr(client, "asynchronous", False):
            raise TypeError("`workers` must be a synchronous dask Client, got an asynchronous one")
        self.client = client
        self._n_workers: int | None = None

    @property
    # a property where the base class has a plain attribute: mypy calls it an override
    def n_workers(self) -> int:  # type: ignore[override]
        # asked only when needed: it is a round trip to the scheduler (~1 ms)
        if self._n_workers is None:
            self._n_workers = max(1, sum(self.client.nthreads().values()))
        return self._n_workers

    def run(
        self,
        payload: Payload,
        chunks: Sequence[Sequence[Any]],
        on_done: Callable[[int], None],
        deadline: Deadline | None,
    ) -> list[Outcome]:
        # The Client's Executor view gives concurrent.futures futures, so the
        # same retry loop serves Dask; pure=False because a chunk is not a
        # pure function of its arguments' hash (f may be random or impure).
        # Cancelling those futures (timeout, Ctrl-C) cancels the Dask tasks.
        executor = self.client.get_executor(pure=False)
        return run_futures(
            lambda: executor.submit,
            None,
            payload,
            chunks,
            on_done,
            deadline,
            where=f"the Dask cluster at {getattr(self.client.scheduler, 'address', '?')}",
            n_inline=self.n_workers,
        )


class MapBackend(Backend):
    """``workers=mapper``: any map-like callable, ``mapper(fn, iterable)`` (``pool.map``).

    Sized as :class:`ExecutorBackend` is: ``size``, else the CPUs of this machine.
    """

    def __init__(self, mapper: Callable[..., Any], size: int | None = None) -> None:
        self.mapper = mapper
        self.n_workers = cpu_count() if size is None else size

    def run(
        self,
        payload: Payload,
        chunks: Sequence[Sequence[Any]],
        on_done: Callable[[int], None],
        deadline: Deadline | None,
    ) -> list[Outcome]:
        call = functools.partial(run_item, payload.key)  # picklable by plain pickle
        data = [payload.args(i < self.n_workers)[0] for i in range(len(chunks))]
        outcomes = self._map(call, data, chunks, deadline)
        missing = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, FuncMissing)]
        if missing:  # processes that got only the key: send them the bytes
            again = self._map(
                call, [payload.data] * len(missing), [chunks[i] for i in missing], deadline
            )
            for i, outcome in zip(missing, again):
                outcomes[i] = outcome
        for index, outcome in enumerate(outcomes):
            if isinstance(outcome, ChunkFailed):
                return outcomes[: index + 1]
            on_done(index)
        return outcomes

    def _map(
        self,
        call: Callable[..., Any],
        data: list[bytes | None],
        chunks: Sequence[Sequence[Any]],
        deadline: Deadline | None,
    ) -> list[Any]:
        folder = tempfile.mkdtemp(prefix="slopes-map-")
        items = [(d, chunk, folder, i) for i, (d, chunk) in enumerate(zip(data, chunks))]
        mapped: cf.Future[list[Any]] = cf.Future()  # handed from the map's thread

        def work() -> None:
            try:
                mapped.set_result(list(self.mapper(call, items)))
            except BaseException as exc:  # raised in the caller's thread, below
                mapped.set_exception(exc)

        # The map runs on a daemon thread so that the caller can watch it: a
        # map that never returns (its process died) must not hold the caller.
        thread = threading.Thread(target=work, daemon=True, name="slopes-map")
        thread.start()
        try:
            while thread.is_alive():
                thread.join(
                    _POLL_S if deadline is None else max(0.0, min(_POLL_S, deadline.left()))
                )
                if not thread.is_alive():
                    break
                dead = _dead_markers(folder)
                if dead:
                    index, pid = dead[0]
                    raise WorkerError(
                        f"a worker process (pid {pid}) of the map-like `workers` {self.mapper!r} "
                        f"died while running the points {describe_task(chunks[index][0])}; "
                        "such a map waits for the lost work forever, so this call gives up. "
                        "Does f crash (abort, segmentation fault) or exhaust the memory? The "
                        "pool may still hold the lost task: terminate it (pool.terminate())"
                    )
                if deadline is not None and deadline.left() <= 0:
                    running = _markers(folder)  # name a chunk that is running, if one is
                    index = running[0][0] if running else 0
                    where = f"the map-like `workers` {self.mapper!r}"
                    raise _timeout_error(where, deadline, chunks[index])
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        exc = mapped.exception()
        if exc is not None:
            raise WorkerError(
                f"the map-like `workers` {self.mapper!r} failed: {type(exc).__name__}: {exc}"
            ) from exc
        outcomes = mapped.result()
        if len(outcomes) != len(items):
            raise WorkerError(
                f"the map-like `workers` returned {len(outcomes)} results for "
                f"{len(items)} inputs; refusing to build a partial result"
            )
        return outcomes


def _pid_alive(pid: int) -> bool:
    """Is process ``pid`` running (a zombie counts as gone)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:  # no /proc (macOS): trust kill
        return True


def _markers(folder: str) -> list[tuple[int, int]]:
    """``(chunk index, pid)`` of the chunks running now (their markers), in order."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        index, _, pid = name.partition(".")
        if index.isdigit() and pid.isdigit():
            found.append((int(index), int(pid)))
    return sorted(found)


def _dead_markers(folder: str) -> list[tuple[int, int]]:
    """``(chunk index, pid)`` of the chunks whose running process is gone."""
    return [
        (index, pid)
        for index, pid in _markers(folder)
        if not _pid_alive(pid) and os.path.exists(os.path.join(folder, f"{index}.{pid}"))
    ]
