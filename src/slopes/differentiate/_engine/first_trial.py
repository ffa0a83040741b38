"""The adaptive engine's first trial at one scalar x, with the engine's own rules on floats.

``derivative(np.exp, 1.0)`` is the most common call, and numpy's per-call
overhead on 1-element arrays (about 1 us per operation, some 60 operations
per trial) would dominate its cost. Most such calls end after the engine's
first trial (:func:`richardson.adaptive`): the first step's table is
resolved, asymptotic and within ``ACCEPT_FACTOR`` of the predicted optimum.

This module computes that first trial only: the same first step, the same
stencil points, and then the engine's own functions on plain floats: the table
(:func:`table.line_table`, the rules of
:func:`~table.error_table`) and the decision
(:func:`richardson.judge`), both written once against
:mod:`arithmetic`. When the engine would stop there with success,
this is the result. Otherwise (another trial is due, f is not finite at a
stencil point or flat, the step is above ``CONFIRM_STEP``) it returns the values
of f it computed, and the general engine runs from the start on an f that
remembers them: the adaptive loop exists once, the points are the same, and
no evaluation is made or counted twice.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .arithmetic import FLOATS
from .evaluate_block import PointError, raise_at
from .richardson import CONVERGED, judge
from .stencils import family
from .steps import REACH_FACTOR, relative_factor, smallest_step
from .table import line_table
from .trials import CONFIRM_STEP

__all__ = ["FirstTrial", "Remembered", "first_trial"]

_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class FirstTrial:
    """An accepted first trial: the derivative, its error estimate and step."""

    value: float
    error: float
    step: float
    nfev: int
    status: int = CONVERGED


class Remembered:
    """f, answering from the values the first trial computed (no second call there).

    Each remembered value is handed out once: the engine counts every point it
    asks for, so a point asked for again (a rerun for a complex-valued f) is
    evaluated, and counted, again.
    """

    def __init__(self, f: Any, values: dict[float, Any]) -> None:
        self.f = f
        self.values = values

    def __call__(self, t: Any) -> Any:
        try:
            return self.values.pop(float(t))
        except (KeyError, TypeError):
            return self.f(t)


class _Family(NamedTuple):
    """The central family of :func:`stencils.family`, with floats for the fast path."""

    offsets: tuple[float, ...]
    weights: np.ndarray
    sums: tuple[float, ...]  # sum of |weights| per level
    orders: tuple[int, ...]
    factor: float  # the first step's fraction of |x| (steps.relative_factor)


@functools.lru_cache(maxsize=64)
def _plain_family(n: int, order: int, levels: int) -> _Family:
    offsets, weights, orders = family("central", n, order, levels)
    return _Family(
        offsets=tuple(float(o) for o in offsets),
        weights=weights,
        sums=tuple(float(np.abs(row).sum()) for row in weights),
        orders=orders,
        factor=relative_factor(np.dtype(np.float64), orders[-1], n),
    )


def _exact(x: float, h: float) -> float:
    """:func:`steps.exact_step` for one float."""
    magnitude = abs(x)
    exact = (magnitude + h) - magnitude
    return exact if exact > 0 and math.isfinite(exact) else h


def _first_step(x: float, n: int, factor: float, limit: float) -> float:
    """The general engine's first step (``initial_step``, then capped at ``limit``)."""
    h = _exact(x, max(factor * (abs(x) if x != 0 else 1.0), smallest_step(np.dtype(float), n)))
    capped = min(h, limit)
    exact = _exact(x, capped)
    return exact if exact <= limit else capped


def first_trial(f: Any, x: float, *, n: int, order: int, levels: int) -> FirstTrial | Remembered:
    """The first trial of the central family at ``x``; a :class:`Remembered` f when it
    does not settle the derivative."""
    plain = _plain_family(n, order, levels)
    offsets = plain.offsets
    # the family's largest step: its widest point at the default reach (steps.default_reach)
    scale = max(abs(x), 1.0)
    limit = REACH_FACTOR * scale / offsets[-1]
    h = _first_step(x, n, plain.factor, limit)
    raw = {}
    values = {}
    with np.errstate(all="ignore"):
        for o in offsets:
            point = np.float64(x + o * h)
            try:
                result = f(point)
            except Exception as exc:
                raise_at(PointError(f"x={point!r}", exc))
            raw[float(point)] = result
            if np.iscomplexobj(result):  # complex-valued f: the general engine splits it
                return Remembered(f, raw)
            values[o] = _as_float(result)
    remembered = Remembered(f, raw)
    if not all(math.isfinite(v) for v in values.values()) or h > CONFIRM_STEP:
        return remembered
    if len({*values.values()}) == 1 or (n % 2 and all(values[o] == values[-o] for o in offsets)):
        return remembered  # flat or even about x: exact zeros, the general engine's rule
    column = [values[o] for o in offsets]
    width = offsets[-1] - offsets[0]
    table = line_table(column, plain.weights, plain.sums, plain.orders, h, n, _EPS, abs(x), width)
    try:
        verdict = judge(
            table, h, limit, scale, n=n, p=plain.orders[-1], eps=_EPS, careful=False, ops=FLOATS
        )
    except (ZeroDivisionError, OverflowError):  # where numpy would give inf or nan
        return remembered
    if verdict.asymptotic and verdict.known and verdict.accept:
        return FirstTrial(value=table.best, error=table.error, step=h, nfev=len(offsets))
    return remembered


def _as_float(value: Any) -> float:
    if type(value) is float or isinstance(value, np.floating):
        return float(value)
    array = np.asarray(value)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(f"`f` must return numbers, got {type(value).__name__}")
    if array.size != 1:
        raise ValueError(f"`f` must return a scalar, got an array of shape {array.shape}")
    if np.iscomplexobj(array):
        raise TypeError("`f` returned complex values; use a real-valued f")
    return float(array.reshape(()))
