"""Evaluating a function at many points on several workers (the ``workers=`` argument).

Every function of slopes that evaluates ``f`` many times takes ``workers=``:
a number of local processes, a :class:`Workers` description, an executor from
:mod:`concurrent.futures`, or a Dask client. ``_pool`` splits the points into
chunks and runs them; ``_backends`` adapts each kind of executor; ``_remote``
is what runs inside a worker, with f's errors sent back as data; ``_errors``
holds the errors that cross: f's own exception comes back as its own type,
naming the point. When the workers cannot do the work (f ended its process, a
pool broke, a map lost results) the caller gets a :class:`WorkerError`; work
that does not finish within ``Workers(..., timeout=)`` a :class:`WorkerTimeout`.
Catch those to retry, or to fall back to ``workers=None``.

The names are loaded on first use: a worker process imports ``_remote`` alone,
and that must not pull in the pool.

Examples
--------
>>> import slopes
>>> from slopes.parallel import WorkerError, Workers, WorkerTimeout
>>> slopes.WorkerError is WorkerError, issubclass(WorkerTimeout, WorkerError)
(True, True)
"""

import importlib as _importlib
import typing as _typing

__all__ = ["WorkerError", "WorkerTimeout", "Workers"]


def __getattr__(name: str) -> _typing.Any:
    if name not in __all__:
        raise AttributeError(f"module 'slopes.parallel' has no attribute {name!r}")
    value = getattr(_importlib.import_module("slopes.parallel._pool"), name)
    globals()[name] = value
    return value


if _typing.TYPE_CHECKING:  # pragma: no cover - for static type checkers and IDEs only
    from ._pool import WorkerError, Workers, WorkerTimeout
