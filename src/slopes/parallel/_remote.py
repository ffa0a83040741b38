"""What runs inside a worker: one chunk of tasks, with errors sent back as data.

The caller pickles ``func`` once with cloudpickle (so lambdas and closures
travel); the worker unpickles it once and keeps a small cache, so a pool that
runs many chunks pays for it once (see :class:`Payload` for large closures).

An exception raised by ``func`` is *returned*, not raised, as a
:class:`~slopes.parallel._errors.PointError`: the caller must be able to tell
"f failed at this point" (re-raise it, exactly as serial code would) from "the
worker process died" (retry the chunk elsewhere). Exceptions that cannot be
pickled come back as their type name, message and traceback; ``sys.exit`` in
``func`` comes back as a :class:`WorkerError` at its task.

Two helpers watch workers from outside: :func:`watch_parent` (a pool's
initializer) ends a worker whose caller is gone, and :func:`run_item` leaves a
marker file while a map-like worker runs a chunk, so the caller can tell a
chunk whose process died from one still running.

Examples
--------
>>> payload = Payload(lambda block: [2 * v for v in block])
>>> run_chunk(*payload.args(inline=True), [[1, 2], [3]])
ChunkDone(results=[[2, 4], [6]])
>>> failed = run_chunk(*Payload(lambda b: 1 / b).args(True), [1.0, 0.0])
>>> failed.position, failed.error.type_name
(1, 'ZeroDivisionError')
>>> run_chunk(None, b"never seen", [1.0])
FuncMissing()
"""

from __future__ import annotations

import contextlib
import os
import reprlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import cloudpickle

from ._errors import PointError, WorkerError

__all__ = [
    "ChunkDone",
    "ChunkFailed",
    "FuncMissing",
    "Outcome",
    "Payload",
    "describe_task",
    "load_func",
    "run_chunk",
    "run_item",
    "watch_parent",
]

# A few recently used functions per worker process: enough for the calls of
# one gradient (several stencils) without holding many large closures alive.
_CACHE_SIZE = 4
_FUNC_CACHE: OrderedDict[bytes, Callable[[Any], Any]] = OrderedDict()


def describe_task(task: Any) -> str:
    """A short description of a task (a block of points) for error messages."""
    try:
        import numpy as np

        if isinstance(task, np.ndarray):
            text = np.array2string(task, threshold=8, edgeitems=2, precision=6)
            return " ".join(text.split())[:300]
    except ImportError:  # pragma: no cover - numpy is a core dependency
        pass
    return reprlib.repr(task)


def watch_parent(parent_pid: int, period_s: float = 0.5) -> None:
    """Worker initializer: end this process when the process that started it is gone.

    A worker whose caller was killed (SIGKILL, a crash) would otherwise live
    on, running f or waiting for work; on POSIX it is re-parented, which this
    daemon thread notices within ``period_s``.
    """
    if os.name != "posix":  # pragma: no cover - Windows kills a job's children itself
        return

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(period_s)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="slopes-watch-parent").start()


class Payload:
    """``func`` pickled once per call, with the key workers cache it under.

    A large payload (a closure over a data set) is sent inline only with the
    first few chunks; the others carry just the key, and a worker that has not
    seen it yet answers :class:`FuncMissing` so the chunk is sent again in full.
    That way each worker process receives the bytes about once, not once per
    chunk.
    """

    INLINE_LIMIT = 256 * 1024  # bytes: below this, inline every time (no extra round trip)

    def __init__(self, func: Callable[[Any], Any]) -> None:
        # imported here, in the caller: a worker imports this module before its first
        # task and never hashes (hashlib loads OpenSSL, ~10 ms of each worker's start)
        import hashlib

        self.data = cloudpickle.dumps(func)
        self.key = hashlib.blake2b(self.data, digest_size=16).digest()
        self.large = len(self.data) > self.INLINE_LIMIT

    def __repr__(self) -> str:
        return f"Payload({len(self.data)} bytes, key={self.key.hex()[:8]})"

    def args(self, inline: bool) -> tuple[bytes | None, bytes]:
        """``(data or None, key)``: the first two arguments of :func:`run_chunk`."""
        return (self.data if inline or not self.large else None, self.key)


def load_func(data: bytes | None, key: bytes) -> Callable[[Any], Any] | None:
    """The function for ``key``: from this process's cache, else unpickled from ``data``."""
    func = _FUNC_CACHE.get(key)
    if func is not None:
        _FUNC_CACHE.move_to_end(key)
        return func
    if data is None:
        return None
    func = cloudpickle.loads(data)
    _FUNC_CACHE[key] = func
    while len(_FUNC_CACHE) > _CACHE_SIZE:
        _FUNC_CACHE.popitem(last=False)
    return func


class ChunkDone(NamedTuple):
    """A chunk ran: ``func``'s result for each of its tasks, in order."""

    results: list[Any]


class ChunkFailed(NamedTuple):
    """``func`` raised at the task at ``position`` in the chunk; later tasks were not run."""

    position: int
    error: PointError


class FuncMissing(NamedTuple):
    """Only the key came, and this process has no copy of ``func``: send the bytes."""


# what running a chunk gives, sent back from the worker
Outcome = ChunkDone | ChunkFailed | FuncMissing


def run_chunk(data: bytes | None, key: bytes, chunk: Sequence[Any]) -> Outcome:
    """Apply the pickled function to each task of ``chunk`` in order.

    Returns :class:`ChunkDone`; :class:`ChunkFailed` for the first task that
    raised (later tasks are not run, as in a serial loop); or
    :class:`FuncMissing` when only the key came and this process has no copy.
    A ``func`` that names the point itself raises a :class:`PointError`, which
    is returned as it is; any other exception is wrapped in one without a point.
    """
    func = load_func(data, key)
    if func is None:
        return FuncMissing()
    results = []
    for index, task in enumerate(chunk):
        try:
            results.append(func(task))
        except PointError as error:
            return ChunkFailed(index, error)
        except Exception as exc:
            return ChunkFailed(index, PointError(None, exc))
        except SystemExit as exc:
            # sys.exit in f must not end the worker (a pool may wait for its task
            # forever, or a Dask worker thread die): it is an error at this task
            exit_error = WorkerError(
                f"f called sys.exit({exc.code!r}) in a worker process at the points "
                f"{describe_task(task)}; a function evaluated by slopes must return a value"
            )
            return ChunkFailed(index, PointError(None, exit_error))
    return ChunkDone(results)


def run_item(key: bytes, item: tuple[bytes | None, Sequence[Any], str | None, int]) -> Outcome:
    """:func:`run_chunk` for map-like workers: ``item`` is ``(data, chunk, folder, index)``.

    With a ``folder`` (on this machine), the worker leaves a marker
    ``<index>.<pid>`` there while it runs the chunk, so the caller can tell a
    chunk whose process died from one still running.
    """
    data, chunk, folder, index = item
    marker = None
    if folder is not None and os.path.isdir(folder):
        marker = os.path.join(folder, f"{index}.{os.getpid()}")
        with open(marker, "wb"):
            pass
    outcome = run_chunk(data, key, chunk)
    if marker is not None:
        with contextlib.suppress(OSError):  # the caller may have given up and cleaned up
            os.remove(marker)
    return outcome
