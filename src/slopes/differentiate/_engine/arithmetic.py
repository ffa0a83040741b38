"""The engine's rules, written once, run on arrays of lines or on one line in plain floats.

The adaptive engine judges a table of Richardson estimates with a few dozen
elementwise rules (:mod:`table`, :func:`richardson.judge`).
For many lines at once they run on numpy arrays; for the most common call, one
scalar ``x`` whose first trial settles the derivative, numpy's overhead per
operation on one-element arrays (about 1 us, against 0.05 us for a float)
would cost more than the rest of the call. So each rule is written once
against a small set of operations, :class:`Arithmetic`, which has two
implementations: :data:`ARRAYS` (numpy, one entry per line and output) and
:data:`FLOATS` (Python floats and bools, one line with one output). ``+ - * /``,
comparisons and ``& |`` are the same on both; what differs is named here.

Both follow IEEE 754 for ``+ - * /`` and comparisons, so on the same
numbers they give the same results, bit for bit: the scalar fast path and
the engine agree exactly (tested).

Examples
--------
>>> import numpy as np
>>> ARRAYS.where(np.array([True, False]), np.array([1.0, 2.0]), 0.0)
array([1., 0.])
>>> FLOATS.where(False, 1.0, 0.0), FLOATS.quotient(1.0, 0.0)
(0.0, inf)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import reduce
from operator import or_
from typing import Any

import numpy as np

__all__ = ["ARRAYS", "FLOATS", "Arithmetic"]


class Arithmetic:
    """The operations the engine's rules use besides ``+ - * / ** < <= & |``.

    ``line_*`` reduce over a line's outputs (axis 1 of an ``(m, k)`` array); a
    float is one line with one output, so for :data:`FLOATS` they return it.
    """

    # each implementation binds these to functions (builtins and ufuncs where they
    # fit: no Python frame of its own per operation)
    where: Callable[[Any, Any, Any], Any]  # a where condition, else b
    maximum: Callable[[Any, Any], Any]
    minimum: Callable[[Any, Any], Any]
    absolute: Callable[[Any], Any]
    invert: Callable[[Any], Any]  # logical not
    quotient: Callable[[Any, Any], Any]  # a / b where b > 0, else infinity
    line_max: Callable[[Any], Any]
    line_all: Callable[[Any], Any]
    line_any: Callable[[Any], Any]

    @staticmethod
    def any_of(conditions: Any) -> Any:
        """Elementwise or over a sequence (one entry per level of a table)."""
        return reduce(or_, conditions)


class _Arrays(Arithmetic):
    """numpy: one entry per line (and output); the callers silence numpy's warnings."""

    where = staticmethod(np.where)
    maximum = staticmethod(np.maximum)
    minimum = staticmethod(np.minimum)
    absolute = staticmethod(np.abs)

    @staticmethod
    def invert(condition: Any) -> Any:
        return ~condition

    @staticmethod
    def quotient(a: Any, b: Any) -> Any:
        return np.where(b > 0, a / b, np.inf)

    @staticmethod
    def line_max(a: Any) -> Any:
        return a.max(axis=1)

    @staticmethod
    def line_all(a: Any) -> Any:
        return a.all(axis=1)

    @staticmethod
    def line_any(a: Any) -> Any:
        return a.any(axis=1)


def _identity(a: Any) -> Any:
    return a


class _Floats(Arithmetic):
    """Python floats and bools: one line with one output."""

    maximum = staticmethod(max)
    minimum = staticmethod(min)
    absolute = staticmethod(abs)
    line_max = line_all = line_any = staticmethod(_identity)

    @staticmethod
    def where(condition: Any, a: Any, b: Any) -> Any:
        return a if condition else b

    @staticmethod
    def invert(condition: Any) -> Any:
        return not condition

    @staticmethod
    def quotient(a: Any, b: Any) -> Any:
        return a / b if b > 0 else math.inf


ARRAYS: Arithmetic = _Arrays()
FLOATS: Arithmetic = _Floats()
