"""How work is spread over workers: ``parallel_map`` and the ``workers=`` argument.

``parallel_map(func, tasks, workers)`` returns ``[func(t) for t in tasks]``:
the same values, bit for bit and in the same order, however the work is
spread. Each task is a block of points (an array with a leading axis), and a
progress bar counts points.

Grouping rule (why cheap functions never get slower)
----------------------------------------------------
Sending work to another process costs time (pickling, a round trip: about
1 ms per chunk to a warm local pool, a few ms to Dask, ~0.1-0.5 s to start a
pool) that a function of microseconds can never win back. So:

1. The first task runs in the calling process (on a helper thread) as a
   *probe*: it measures what one task costs, ``t``.
2. If the remaining work, ``R = t * n_left``, would not save at least twice
   the start-up cost of the backend when spread over ``W`` workers
   (``R (1 - 1/W) <= 2 startup``), every task runs right here, serially: a
   cheap f never pays for a pool, and never even starts one.
3. Otherwise the rest goes out in chunks of ``s`` consecutive tasks, with
   ``s = clip(ceil(10 per_chunk / t), 1, ceil(n_left / W))``: enough work per
   chunk that overhead stays under ~10 %, but never fewer chunks than workers;
   an expensive task (``t >= 10 per_chunk``) is a chunk on its own, which
   balances load best and loses least when a worker dies.

While the probe runs, a lower bound on ``t`` (the time elapsed) is checked
every 10 ms: as soon as it alone makes dispatching worth it, the rest goes out
and the probe's task finishes in the caller meanwhile, so an expensive f loses
nothing to the probe. The cost per point is remembered for the user's f
(weakly), so a repeated call (``minimize``, ``fit``) on a known-cheap f runs
straight through in the caller without the probe thread. A local pool that is
not running yet counts as expensive to start (~0.1 + 0.06 k seconds); calls
that stayed serial for that reason add up the saving they gave up, and once
that reaches the start-up cost the pool is started (the ski-rental rule: never
more than twice the best choice in hindsight).

Failures
--------
An exception raised by ``func`` comes back as the same type and message (the
earliest failing task wins, as in a serial loop). A worker process that dies
has its chunks re-run, on a fresh pool where possible, at most
``MAX_RETRIES`` times each, with a ``RuntimeWarning``; after that a
:class:`WorkerError` is raised. A user's Executor cannot be replaced: its lost
chunks are submitted to it again, and if it refuses (a broken
``ProcessPoolExecutor``) a :class:`WorkerError` says so. Dask reschedules the
tasks of dead workers itself. A partial result is never returned.

Examples
--------
>>> import numpy as np
>>> tasks = [np.array([[1.0, 2.0]]), np.array([[3.0, 4.0], [5.0, 6.0]])]
>>> parallel_map(lambda block: block.sum(axis=1), tasks, workers=map)
[array([3.]), array([ 7., 11.])]
>>> parallel_map(abs, [-1, 2], workers=0)
Traceback (most recent call last):
...
ValueError: `workers` must be a positive integer, got 0
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import functools
import math
import numbers
import queue
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from slopes._progress import progress_bar
from slopes._workers_backends import (
    MAX_RETRIES,
    Backend,
    DaskBackend,
    ExecutorBackend,
    LokyBackend,
    MapBackend,
    WorkerError,
    is_dask_client,
)
from slopes._workers_remote import Payload

__all__ = ["MAX_RETRIES", "WorkerError", "parallel_map", "resolve_workers"]

PROBE_WAIT_S = 0.01  # how long to wait for the probe before dispatching anyway
AMORTIZE = 10  # a chunk should hold >= AMORTIZE times the per-chunk overhead of work

# Seconds per point last measured for a user's f (weakly held: forgotten with f).
# A repeated call (minimize, fit) on a known-cheap f then skips the probe thread.
_POINT_SECONDS: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


def resolve_workers(workers: Any) -> Backend | None:
    """Validate ``workers`` and return the backend for it (``None``: serial).

    Raises
    ------
    ValueError
        If ``workers`` is an integer below 1.
    TypeError
        If ``workers`` is of any type not listed in :func:`parallel_map`.
    """
    if workers is None:
        return None
    if isinstance(workers, bool) or (
        isinstance(workers, numbers.Number) and not isinstance(workers, numbers.Integral)
    ):
        raise TypeError(
            f"`workers` must be None, a positive integer, an Executor, a map-like callable "
            f"or a dask Client, got {workers!r}"
        )
    if isinstance(workers, numbers.Integral):
        if workers < 1:
            raise ValueError(f"`workers` must be a positive integer, got {workers}")
        return None if workers == 1 else LokyBackend(int(workers))
    if workers is map:
        return None  # the builtin map is serial: no need to probe on a second thread
    if isinstance(workers, cf.Executor):
        return ExecutorBackend(workers)
    if is_dask_client(workers):
        return DaskBackend(workers)
    if callable(workers):
        return MapBackend(workers)
    raise TypeError(
        "`workers` must be None, a positive integer, an Executor, a map-like callable "
        f"or a dask Client, got an object of type {type(workers).__name__}"
    )


def _points(task: Any) -> int:
    """How many points a task holds (the length of its leading axis; 1 for a scalar)."""
    shape = getattr(task, "shape", None)
    if shape is not None:
        return int(shape[0]) if len(shape) else 1
    try:
        return len(task)
    except TypeError:
        return 1


class _ProbeThread:
    """A parked daemon thread that runs probes (daemon: Ctrl-C and exit never wait for f).

    Reused across calls: starting a thread costs ~0.2 ms, handing one a job ~0.02 ms.
    """

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[_Probe] = queue.SimpleQueue()
        threading.Thread(target=self._loop, daemon=True, name="slopes-probe").start()

    def _loop(self) -> None:
        while True:
            self.jobs.get().run(self)


_IDLE_PROBE_THREADS: list[_ProbeThread] = []
_PROBE_LOCK = threading.Lock()


class _Probe:
    """One task run on a probe thread and timed, while the caller decides what to do."""

    def __init__(self, func: Callable[[Any], Any], task: Any) -> None:
        self.func, self.task = func, task
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.seconds = math.inf
        with _PROBE_LOCK:
            thread = _IDLE_PROBE_THREADS.pop() if _IDLE_PROBE_THREADS else None
        (thread or _ProbeThread()).jobs.put(self)

    def run(self, thread: _ProbeThread) -> None:
        start = time.perf_counter()
        try:
            self.result = self.func(self.task)
        except BaseException as exc:  # handed to the caller's thread and raised there
            self.error = exc
        finally:
            self.seconds = time.perf_counter() - start
            self.func = self.task = None  # hold no references once done
            with _PROBE_LOCK:
                _IDLE_PROBE_THREADS.append(thread)
            self.done.set()

    def failed(self) -> bool:
        return self.done.is_set() and self.error is not None

    def value(self) -> Any:
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.result


def _worth_dispatching(backend: Backend, remaining_s: float) -> bool:
    """Would spreading ``remaining_s`` seconds of work save twice the start-up cost?"""
    if remaining_s <= 2.0 * backend.startup_s:
        return False  # decided without asking the backend its size (a Dask round trip)
    workers = max(backend.n_workers, 2)  # the caller's probe thread works alongside
    return remaining_s * (1.0 - 1.0 / workers) > 2.0 * backend.startup_s


def _chunk_size(backend: Backend, task_s: float, n_left: int) -> int:
    """Tasks per chunk: amortise the per-chunk overhead, but keep every worker busy."""
    amortised = math.ceil(AMORTIZE * backend.per_chunk_s / max(task_s, 1e-9))
    return max(1, min(amortised, math.ceil(n_left / backend.n_workers)))


def parallel_map(
    func: Callable[[Any], Any],
    tasks: Iterable[Any],
    workers: Any = None,
    progress: bool | str = False,
) -> list[Any]:
    """Apply ``func`` to every task, in order, and return the results as a list.

    Parameters
    ----------
    func : callable
        Called as ``func(task)``. May be a lambda or closure: it travels to
        worker processes with cloudpickle.
    tasks : iterable
        The tasks; each is usually a block of points (an array with a leading
        axis), which is what the progress bar counts.
    workers : None, int, Executor, map-like callable or dask Client, optional
        ``None`` or ``1``: serial. ``k > 1``: a reusable local pool of ``k``
        processes (loky). A :class:`concurrent.futures.Executor`: its
        ``submit``. A callable ``mapper(fn, iterable)`` such as ``pool.map``
        or ``map``. A ``dask.distributed.Client``: its cluster.
    progress : bool or "always", optional
        Show a bar counting points done (only on a terminal, unless "always").

    Returns
    -------
    list
        ``[func(task) for task in tasks]``, identical to the serial result.

    Raises
    ------
    ValueError, TypeError
        For an invalid ``workers``.
    Exception
        Whatever ``func`` raised, same type and message, for the earliest
        failing task.
    WorkerError
        If workers kept dying (more than ``MAX_RETRIES`` re-runs of a chunk),
        or a pool or map could not complete the work.

    Notes
    -----
    Cheap work runs in the calling process: see the module docstring for the
    rule. So may the first task of expensive work, while the others are sent
    out.

    Examples
    --------
    >>> parallel_map(lambda x: x * x, [1, 2, 3], workers=2)
    [1, 4, 9]
    """
    backend = resolve_workers(workers)
    tasks = list(tasks)
    sizes = [_points(task) for task in tasks]
    results: list[Any] = [None] * len(tasks)
    with progress_bar(total=sum(sizes), desc="f evaluations", progress=progress) as bar:
        if backend is None or len(tasks) <= 1:
            for index, task in enumerate(tasks):
                results[index] = func(task)
                bar.update(sizes[index])
            return results
        _run_spread(func, tasks, sizes, results, backend, bar)
    return results


def _cost_key(func: Callable[[Any], Any]) -> Any:
    """What a cost is remembered by: the user's f inside the evaluation layer's partial."""
    if isinstance(func, functools.partial) and func.args:
        return func.args[0]
    return func


def _known_cost(func: Callable[[Any], Any]) -> float | None:
    try:
        return _POINT_SECONDS.get(_cost_key(func))
    except TypeError:  # unhashable or not weak-referenceable: no memory
        return None


def _remember_cost(func: Callable[[Any], Any], seconds_per_point: float) -> None:
    with contextlib.suppress(TypeError):
        _POINT_SECONDS[_cost_key(func)] = seconds_per_point


def _run_spread(
    func: Callable[[Any], Any],
    tasks: list[Any],
    sizes: list[int],
    results: list[Any],
    backend: Backend,
    bar: Any,
) -> None:
    """Probe, then run locally or dispatch the rest in chunks (fills ``results``)."""
    n_tasks, total = len(tasks), sum(sizes)
    first = max(sizes[0], 1)  # points in task 0 (an empty block still takes a call)
    known = _known_cost(func)
    probe = None
    start, local_s, local_points, lower_bound = 0, 0.0, 0, 0.0
    if known is None or _worth_dispatching(backend, known * total):
        # Unknown or expensive: task 0 runs on a helper thread while we watch
        # the clock; once even a lower bound on the cost says the rest is worth
        # sending out, it goes out without waiting for the probe.
        probe = _Probe(func, tasks[0])
        start = 1
        began = time.perf_counter()
        while not probe.done.wait(PROBE_WAIT_S):
            lower_bound = (time.perf_counter() - began) / first
            if _worth_dispatching(backend, lower_bound * (total - sizes[0])):
                break
        if probe.done.is_set():
            results[0] = probe.value()
            bar.update(sizes[0])
            local_s, local_points = probe.seconds, first
    if probe is None or probe.done.is_set():
        # Serial while what is left is not worth sending out, re-judged after
        # every batch since costs may vary; batches double (1, 2, 4, ...) so
        # that timing and judging cost nothing next to a cheap f.
        left, batch = total - local_points, 1
        while start < n_tasks:
            per_point = local_s / local_points if local_points else known or 0.0
            if _worth_dispatching(backend, per_point * left):
                break
            stop = min(n_tasks, start + batch)
            began = time.perf_counter()
            for index in range(start, stop):
                results[index] = func(tasks[index])
            local_s += time.perf_counter() - began
            done = sum(sizes[start:stop])
            local_points, left, start, batch = local_points + done, left - done, stop, 2 * batch
            bar.update(done)
        if local_points:
            _remember_cost(func, local_s / local_points)
        if start == n_tasks:
            backend.ran_locally(local_s)
            return
    per_point = local_s / local_points if local_points else lower_bound
    task_s = per_point * total / n_tasks
    size = _chunk_size(backend, task_s, n_tasks - start)
    bounds = [(lo, min(lo + size, n_tasks)) for lo in range(start, n_tasks, size)]
    chunks = [tasks[lo:hi] for lo, hi in bounds]

    def on_done(index: int) -> None:
        lo, hi = bounds[index]
        bar.update(sum(sizes[lo:hi]))

    probe_pending = probe is not None and not probe.done.is_set()
    payload = Payload(func)
    outcomes = backend.run(payload, chunks, on_done, probe.failed if probe else lambda: False)
    if probe_pending:
        results[0] = probe.value()  # raises f's error for task 0: it comes first
        if outcomes is None:  # pragma: no cover - aborted only when the probe failed
            raise WorkerError("remote work was abandoned")
        bar.update(sizes[0])
        _remember_cost(func, probe.seconds / first)
    for (lo, hi), outcome in zip(bounds, outcomes):
        _check_outcome(outcome, hi - lo)
        if outcome[0] == "error":
            raise outcome[2].rebuild()
        results[lo:hi] = outcome[1]
    if len(outcomes) != len(bounds):  # pragma: no cover - guarded by the backends
        raise WorkerError("the workers returned fewer results than tasks")


def _check_outcome(outcome: Any, n_expected: int) -> None:
    """Refuse anything that is not a whole chunk's results (never a partial gradient)."""
    ok = isinstance(outcome, tuple) and len(outcome) >= 2
    if ok and outcome[0] == "ok":
        ok = isinstance(outcome[1], list) and len(outcome[1]) == n_expected
    elif ok:
        ok = outcome[0] == "error" and len(outcome) == 3
    if not ok:
        raise WorkerError(
            f"the workers returned {type(outcome).__name__} for a chunk of {n_expected} "
            "tasks, not its results; refusing to build a partial result"
        )
