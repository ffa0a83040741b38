"""The errors of ``workers=``: f's exception carried back to the caller, and the workers' own.

Two kinds of failure reach the caller of a function run with ``workers=``:

- **f raised.** The exception is caught where f ran (here or in a worker),
  wrapped in a :class:`PointError` that names the point when the caller knows
  it, carried back as data (it always pickles), and raised again in the caller
  by :func:`raise_at`: the same type as f's exception, chained from it. This is
  the only way f's errors cross processes, and ``raise_at`` the only helper
  that raises them again.
- **The workers could not do the work**: f ended its process, a pool broke,
  a map lost results, the time ran out. That is a :class:`WorkerError`
  (:class:`WorkerTimeout` for the time), which users catch.

Worker processes import this module: it imports nothing heavy (no numpy).

Examples
--------
>>> error = PointError("x=2.0", ZeroDivisionError("division by zero"))
>>> error.where, error.type_name, error.message
('x=2.0', 'ZeroDivisionError', 'division by zero')
>>> raise_at(error)
Traceback (most recent call last):
...
ZeroDivisionError: f raised ZeroDivisionError at x=2.0: division by zero
>>> raise_at(PointError("x=[1. 2.]", KeyError("w"), function="grad"))
Traceback (most recent call last):
...
KeyError: "grad raised KeyError at x=[1. 2.]: 'w'"
"""

from __future__ import annotations

import traceback
from typing import NoReturn

import cloudpickle

__all__ = ["PointError", "RemoteTraceback", "WorkerError", "WorkerTimeout", "raise_at"]


class WorkerError(RuntimeError):
    """Work could not be completed on the workers: f ended its process, a pool broke.

    slopes raises it rather than return a result built from part of the
    points: f that called ``sys.exit``, a worker that died three times on the
    same points (f aborts, crashes or runs out of memory), an executor that no
    longer takes work, a map-like ``workers`` that lost results.
    :class:`WorkerTimeout` is the subclass for a call that ran out of time.

    Catch it around a call with ``workers=`` to handle the workers' failure:
    retry later, on a fresh pool or serially (``workers=None``), or report the
    points it names. An exception that f itself raised is *not* a
    WorkerError: it arrives as f's own type, naming the point, as without
    workers.

    Examples
    --------
    >>> from slopes import WorkerError, gradient
    >>> def lossy_map(fn, items):   # drops the last result
    ...     return list(map(fn, items))[:-1]
    >>> try:
    ...     gradient(lambda x: x @ x, [1.0, 2.0], workers=lossy_map)
    ... except WorkerError as error:
    ...     print(error)  # doctest: +ELLIPSIS
    the map-like `workers` returned ... results for ... inputs; refusing to build a partial result
    """


class WorkerTimeout(WorkerError, TimeoutError):
    """The work did not finish within ``Workers(..., timeout=)``.

    Its message names the points still unfinished. A local pool
    (``workers=k``) is killed when the time runs out; an executor or a dask
    client is left to its owner. It is a :class:`WorkerError` and a
    :class:`TimeoutError`: catch it to give up on a slow f, or to retry with
    more time.

    Examples
    --------
    >>> import time
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> from slopes import WorkerTimeout, Workers, derivative
    >>> def slow(x):
    ...     time.sleep(0.2)
    ...     return x * x
    >>> with ThreadPoolExecutor(1) as pool:
    ...     try:
    ...         derivative(slow, 1.0, workers=Workers(pool, timeout=0.05))
    ...     except WorkerTimeout as error:
    ...         print(error)  # doctest: +ELLIPSIS
    f did not finish within the timeout (0.05 s) on the executor ThreadPoolExecutor; ...
    """


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker, shown as its cause."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text


class PointError(Exception):
    """f raised ``original`` at ``where``; it crosses processes and :func:`raise_at` raises it.

    Parameters
    ----------
    where : str or None
        The point, as the code that called f describes it (``"x=[1. 2.]"``);
        None where it is not known (a task of :func:`slopes.parallel._pool.parallel_map`).
    original : BaseException or None
        f's exception; None where it could not travel from a worker.
    type_name, message : str, optional
        The original's type name and message (taken from ``original`` by default):
        they travel even when the original cannot.
    remote_traceback : str, optional
        The original's traceback as text, set when it came from another process.
    function : str, optional
        The user's function that raised, as messages name it: ``"f"`` (the
        default) or ``"grad"``.

    Notes
    -----
    Pickling keeps the original only where it survives the round trip through
    cloudpickle (an exception holding a lock does not, nor one whose
    constructor wants other arguments than it stored), and records its
    traceback as text, which pickling would otherwise lose.
    """

    def __init__(
        self,
        where: str | None,
        original: BaseException | None,
        type_name: str | None = None,
        message: str | None = None,
        remote_traceback: str | None = None,
        function: str = "f",
    ) -> None:
        self.where = where
        self.function = function
        self.original = original
        self.type_name: str = type(original).__name__ if type_name is None else type_name
        self.message: str = str(original) if message is None else message
        self.remote_traceback = remote_traceback
        super().__init__(where, self.type_name, self.message)

    def __repr__(self) -> str:
        return f"PointError({self.type_name} at {self.where}: {self.message})"

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        original = self.original
        data: bytes | None = None
        text = self.remote_traceback
        if original is not None:
            try:
                data = cloudpickle.dumps(original)
                cloudpickle.loads(data)  # some exceptions pickle but cannot be rebuilt
            except Exception:
                data = None
            if text is None:
                text = "".join(
                    traceback.format_exception(type(original), original, original.__traceback__)
                )
        return (_unpickle, (self.where, data, self.type_name, self.message, text, self.function))


def _unpickle(
    where: str | None,
    data: bytes | None,
    type_name: str,
    message: str,
    remote_traceback: str | None,
    function: str,
) -> PointError:
    original = None if data is None else cloudpickle.loads(data)
    return PointError(where, original, type_name, message, remote_traceback, function)


def raise_at(error: PointError) -> NoReturn:
    """Raise f's error in the caller: f's own type, chained from f's exception.

    With a point (``error.where``) the message reads ``f raised ValueError at
    x=[...]: <f's message>`` (``grad raised ...`` for ``function="grad"``);
    without one, f's exception itself is raised.
    An original that could not travel from a worker becomes a RuntimeError
    that keeps its type name and message. A traceback from another process is
    shown as the cause of f's exception (as :mod:`concurrent.futures` does).
    """
    original = error.original
    remote = None
    if error.remote_traceback is not None:
        remote = RemoteTraceback(f'\n"""\n{error.remote_traceback}"""')
        if original is not None:
            original.__cause__ = remote  # a copy made in this process, not the worker's
    if error.where is None:
        if original is None:
            raise RuntimeError(f"{error.type_name}: {error.message}") from remote
        raise original
    message = f"{error.function} raised {error.type_name} at {error.where}: {error.message}"
    if original is None:  # lost on the way back from a worker: its type name stays
        raise RuntimeError(message) from remote
    try:
        new = type(original)(message)
    except Exception:  # exotic constructors: fall back to a plain RuntimeError
        new = RuntimeError(message)
    raise new from original
