"""How work is spread over workers: ``parallel_map`` and the ``workers=`` argument.

``parallel_map(func, tasks, workers)`` returns ``[func(t) for t in tasks]``:
the same values, bit for bit and in the same order, however the work is
spread. Each task is a block of points (an array with a leading axis), and a
progress bar counts points.

Where f runs
------------
With ``workers=None``, ``1`` or the builtin ``map`` every task runs here,
in the caller. With any other ``workers`` *every* task runs on the workers,
never in the calling process: an f that crashes the interpreter (``abort``,
a segmentation fault) or calls ``sys.exit`` takes down a worker, not the
user's session, and arrives as a :class:`WorkerError`. That costs a cheap f
about a millisecond per chunk; it is what ``workers=`` asks for.

The tasks go out at once, in about four chunks per worker
(``s = ceil(n / 4W)`` consecutive tasks each): the first workers to be ready
start at once, a slow worker delays at most a quarter of its share, and a
cheap f pays for at most ``4W`` round trips whatever ``n`` is.

Timeouts and Ctrl-C
-------------------
``workers=Workers(k, timeout=s)`` bounds the wall time of each call of
``parallel_map`` (one evaluation of f's points for a derivative, a gradient,
one optimiser step...), start-up of the workers included. When it runs out, a
:class:`WorkerTimeout` names the points still unfinished. On Ctrl-C
(``KeyboardInterrupt``) or a timeout, the processes of a local pool
(``workers=k``) are killed, so none is left behind and the interpreter exits
promptly; a pool or cluster the user owns (an Executor, ``pool.map``, a Dask
client) cannot be killed from here: its pending work is cancelled where the
backend allows, and a task already running on it runs on.

Failures
--------
An exception raised by ``func`` comes back as the same type and message (the
earliest failing task wins, as in a serial loop); a ``func`` that names the
point where f failed raises a :class:`~slopes.parallel._errors.PointError`,
which comes back, serially or from the workers, as f's type with a message
naming the point (:func:`~slopes.parallel._errors.raise_at`). A worker process that dies
has its chunks re-run, on a fresh pool where possible, at most
``MAX_RETRIES`` times each, with a :class:`~slopes.SlopesWarning`; after that
a :class:`WorkerError` is raised. A user's Executor cannot be replaced: its
lost chunks are submitted to it again, and if it refuses (a broken
``ProcessPoolExecutor``) a :class:`WorkerError` says so. Dask reschedules
the tasks of dead workers itself; but when f kills its Dask worker every time
(``os.abort``), a finished chunk lost with a worker can make Dask's executor
interface wait forever (seen with distributed 2026.8): give such runs a
``timeout``. On a map-like callable (``pool.map`` of a
``multiprocessing.Pool``, which waits forever for a task whose process died),
a worker on this machine that dies with a task is noticed and reported; a
map-like callable that sends work to other machines cannot be watched, and
only ``timeout`` ends the wait. A partial result is never returned.

Examples
--------
>>> import numpy as np
>>> tasks = [np.array([[1.0, 2.0]]), np.array([[3.0, 4.0], [5.0, 6.0]])]
>>> parallel_map(lambda block: block.sum(axis=1), tasks, workers=map)
[array([3.]), array([ 7., 11.])]
>>> parallel_map(abs, [-1, 2], workers=0)
Traceback (most recent call last):
...
ValueError: `workers` must be a positive integer or -1 (all CPUs), got 0
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .._util.progress import progress_bar
from ._backends import (
    MAX_RETRIES,
    Backend,
    DaskBackend,
    Deadline,
    ExecutorBackend,
    LokyBackend,
    MapBackend,
    cpu_count,
    is_dask_client,
)
from ._errors import PointError, WorkerError, WorkerTimeout, raise_at
from ._remote import ChunkDone, ChunkFailed, Payload

__all__ = [
    "MAX_RETRIES",
    "WorkerError",
    "WorkerTimeout",
    "Workers",
    "cpu_count",
    "parallel_map",
    "resolve_workers",
]

CHUNKS_PER_WORKER = 4  # chunks per worker when the cost of a task is unknown
AMORTIZE = 10  # a chunk should hold >= AMORTIZE times the per-chunk overhead of work


@dataclass(frozen=True)
class Workers:
    """``workers=`` with options: where to evaluate, how long a call may take, how many at once.

    Parameters
    ----------
    workers : int, Executor, map-like callable or dask Client
        Anything ``workers=`` accepts (``-1``: one process per CPU).
    timeout : float, optional
        Seconds one call of the parallel evaluation may take (one batch of
        f's points: the stencil points of a derivative or gradient, or of
        one step of ``minimize`` or ``fit``; a very large gradient is
        evaluated in several batches of at most 64 MiB of points, each with
        this limit), start-up of the workers included. When it runs out a
        :class:`WorkerTimeout` names the unfinished points, and a local pool
        (``workers=k``) is killed. None: no limit.
    size : int, optional
        How many tasks an Executor or a map-like ``workers`` runs at once
        (its processes or threads), which they do not say themselves: the
        work is cut into about four chunks per worker, and a large f is sent
        in full to about this many. None: the CPUs of this machine. Not for
        ``workers=k`` (k is the size) nor a Dask client (it says its own).

    Examples
    --------
    >>> Workers(2, timeout=30.0)
    Workers(workers=2, timeout=30.0, size=None)
    >>> Workers(2, timeout=0)
    Traceback (most recent call last):
    ...
    ValueError: `timeout` must be a positive number of seconds or None, got 0
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(3) as pool:
    ...     print(parallel_map(abs, [-1, 2, -3], workers=Workers(pool, size=3)))
    [1, 2, 3]
    >>> Workers(3, size=4)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `size` is for an Executor or a map-like `workers`, ...; workers=3 says it
    """

    workers: Any
    timeout: float | None = None
    size: int | None = None

    def __post_init__(self) -> None:
        size = self.size
        if size is not None and (
            isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1
        ):
            raise ValueError(f"`size` must be a positive integer or None, got {size!r}")
        timeout = self.timeout
        if timeout is not None and (
            isinstance(timeout, bool)
            or not isinstance(timeout, numbers.Real)
            or not (timeout > 0 and math.isfinite(timeout))
        ):
            raise ValueError(
                f"`timeout` must be a positive number of seconds or None, got {timeout!r}"
            )
        if isinstance(self.workers, Workers):
            raise TypeError("`workers` of a Workers must not be another Workers")
        backend = resolve_workers(self)  # refuse a bad `workers` when it is made
        if size is not None and not isinstance(backend, (ExecutorBackend, MapBackend)):
            raise ValueError(
                "`size` is for an Executor or a map-like `workers`, which do not say how "
                f"many tasks they run at once; workers={self.workers!r} says it"
            )
        if backend is None and timeout is not None:
            raise ValueError(
                f"`timeout` needs workers that run f outside this process, but "
                f"workers={self.workers!r} runs it here, where it cannot be stopped"
            )


def resolve_workers(workers: Any) -> Backend | None:
    """Validate ``workers`` and return the backend for it (``None``: serial).

    Raises
    ------
    ValueError
        If ``workers`` is an integer below 1 other than -1.
    TypeError
        If ``workers`` is of any type not listed in :func:`parallel_map`.
    """
    size = None
    if isinstance(workers, Workers):
        workers, size = workers.workers, workers.size
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
        if workers == -1:  # as in scipy: one process per CPU
            workers = cpu_count()
        if workers < 1:
            raise ValueError(
                f"`workers` must be a positive integer or -1 (all CPUs), got {workers}"
            )
        return None if workers == 1 else LokyBackend(int(workers))
    if workers is map:
        return None  # the builtin map is serial
    if isinstance(workers, cf.Executor):
        return ExecutorBackend(workers, size)
    if is_dask_client(workers):
        return DaskBackend(workers)
    if callable(workers):
        return MapBackend(workers, size)
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


def _chunk_size(backend: Backend, task_s: float | None, n_left: int) -> int:
    """Tasks per chunk: amortise the per-chunk overhead, but keep every worker busy.

    ``task_s`` is the seconds one task costs, ``None`` when unknown: then the
    work is cut into ``CHUNKS_PER_WORKER`` chunks per worker.
    """
    most = math.ceil(n_left / backend.n_workers)
    if task_s is None:
        return max(1, math.ceil(n_left / (CHUNKS_PER_WORKER * backend.n_workers)))
    amortised = math.ceil(AMORTIZE * backend.per_chunk_s / max(task_s, 1e-9))
    return max(1, min(amortised, most))


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
    workers : None, int, Executor, map-like callable, dask Client or Workers, optional
        ``None`` or ``1``: serial, in this process. ``k > 1``: a reusable
        local pool of ``k`` processes (loky), whose native thread pools
        (OpenBLAS, OpenMP, MKL) get ``max(1, CPUs // k)`` threads each unless
        the environment sets them; ``-1``: one per CPU. A
        :class:`concurrent.futures.Executor`: its ``submit``. A callable
        ``mapper(fn, iterable)`` such as ``pool.map``. A
        ``dask.distributed.Client``: its cluster. :class:`Workers` adds a
        ``timeout`` to any of them.
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
    WorkerTimeout
        If the call outlasted ``Workers(..., timeout=)``; it names the points.
    WorkerError
        If ``func`` called ``sys.exit`` or crashed its process, workers kept
        dying (more than ``MAX_RETRIES`` re-runs of a chunk), or a pool or
        map could not complete the work.

    Notes
    -----
    With ``workers`` other than None, 1 and ``map``, ``func`` never runs in
    the calling process (see the module docstring).

    Examples
    --------
    >>> parallel_map(lambda x: x * x, [1, 2, 3], workers=2)
    [1, 4, 9]
    """
    backend = resolve_workers(workers)
    timeout = workers.timeout if isinstance(workers, Workers) else None
    tasks = list(tasks)
    sizes = [_points(task) for task in tasks]
    results: list[Any] = [None] * len(tasks)
    with progress_bar(total=sum(sizes), desc="f evaluations", progress=progress) as bar:
        if backend is None or not tasks:
            for index, task in enumerate(tasks):
                try:
                    results[index] = func(task)
                except PointError as error:  # as it would come back from a worker
                    raise_at(error)
                bar.update(sizes[index])
            return results
        deadline = None if timeout is None else Deadline.after(timeout)
        try:
            _run_spread(func, tasks, sizes, results, backend, bar, deadline)
        except (KeyboardInterrupt, WorkerTimeout):
            backend.abandon()  # kill what we own: no process may outlive the run
            raise
    return results


def _run_spread(
    func: Callable[[Any], Any],
    tasks: list[Any],
    sizes: list[int],
    results: list[Any],
    backend: Backend,
    bar: Any,
    deadline: Deadline | None,
) -> None:
    """Send every task to the backend in chunks and fill ``results``."""
    n_tasks = len(tasks)
    size = _chunk_size(backend, None, n_tasks)
    bounds = [(lo, min(lo + size, n_tasks)) for lo in range(0, n_tasks, size)]
    chunks = [tasks[lo:hi] for lo, hi in bounds]

    def on_done(index: int) -> None:
        lo, hi = bounds[index]
        bar.update(sum(sizes[lo:hi]))

    outcomes = backend.run(Payload(func), chunks, on_done, deadline)
    for (lo, hi), outcome in zip(bounds, outcomes):
        results[lo:hi] = _chunk_results(outcome, hi - lo)
    if len(outcomes) != len(bounds):  # guarded by the backends; never a partial result
        raise WorkerError("the workers returned fewer results than tasks")


def _chunk_results(outcome: object, n_expected: int) -> list[Any]:
    """A whole chunk's results; f's error raised again; anything else refused.

    Never a partial gradient: a map-like ``workers`` may hand back anything.
    """
    if isinstance(outcome, ChunkFailed) and isinstance(outcome.error, PointError):
        raise_at(outcome.error)
    if (
        isinstance(outcome, ChunkDone)
        and isinstance(outcome.results, list)
        and len(outcome.results) == n_expected
    ):
        return outcome.results
    raise WorkerError(
        f"the workers returned {type(outcome).__name__} for a chunk of {n_expected} "
        "tasks, not its results; refusing to build a partial result"
    )
