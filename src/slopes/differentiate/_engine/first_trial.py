"""The adaptive engine's first trial at one scalar x, in plain Python floats.

``derivative(np.exp, 1.0)`` is the most common call, and numpy's per-call
overhead on 1-element arrays (about 1 us per operation, some 60 operations
per trial) would dominate its cost. Most such calls end after the engine's
first trial (:func:`slopes.differentiate._engine.richardson.adaptive`): the first step's table is
resolved, asymptotic and within ``ACCEPT_FACTOR`` of the predicted optimum.

This module computes that first trial only: the same first step, the same
stencil points, the table of :func:`slopes.differentiate._engine.table.error_table` for one
line in floats, and the same acceptance rule. When the engine would stop
there, this is the result. Otherwise (another trial is due, f is not finite
at a stencil point, nothing is resolved, the step is above ``CONFIRM_STEP``)
it returns the values of f it computed, and the general engine runs from the
start on an f that remembers them: the adaptive loop exists once, the points
are the same, and no evaluation is made or counted twice.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .evaluate_block import PointError, raise_at
from .richardson import ACCEPT_FACTOR, CONVERGED, SUCCESS_RTOL
from .stencils import family
from .steps import REACH_FACTOR, relative_factor, smallest_step
from .table import (
    ASYMPTOTIC_RATIO,
    NOISE_FACTOR,
    RATIO_SAFETY,
    RESOLVED,
    TRUNCATION_MARGIN,
)
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


@functools.lru_cache(maxsize=64)
def _plain_family(n: int, order: int, levels: int) -> tuple:
    offsets, weights, orders = family("central", n, order, levels)
    sums = tuple(float(np.abs(row).sum()) for row in weights)
    factor = relative_factor(np.dtype(np.float64), orders[-1], n)
    return tuple(float(o) for o in offsets), weights, sums, orders, factor


def _exact(x: float, h: float) -> float:
    """:func:`slopes.differentiate._engine.steps.exact_step` for one float."""
    exact = (x + h) - x
    return exact if exact > 0 and math.isfinite(exact) else h


def _first_step(x: float, n: int, factor: float, width: float) -> float:
    """The general engine's first step (``initial_step``, then capped by the reach)."""
    h = _exact(x, max(factor * (abs(x) if x != 0 else 1.0), smallest_step(np.dtype(float), n)))
    limit = (
        REACH_FACTOR * max(abs(x), 1.0) / width
    )  # see slopes.differentiate._engine.steps.default_reach
    capped = min(h, limit)
    exact = _exact(x, capped)
    return exact if exact <= limit else capped


def first_trial(f: Any, x: float, *, n: int, order: int, levels: int) -> FirstTrial | Remembered:
    """The first trial of the central family at ``x``; a :class:`Remembered` f when it
    does not settle the derivative."""
    plain = _plain_family(n, order, levels)
    offsets, factor = plain[0], plain[4]
    h = _first_step(x, n, factor, offsets[-1])
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
    scale = max(abs(v) for v in values.values())
    if len({*values.values()}) == 1 or (n % 2 and all(values[o] == values[-o] for o in offsets)):
        return remembered  # flat or even about x: exact zeros, the general engine's rule
    table = _table(values, scale, h, n, plain)
    natural = (
        scale / max(abs(x), 1.0) ** n
    )  # see slopes.differentiate._engine.richardson.SUCCESS_RTOL
    if table is None or not table[1] <= SUCCESS_RTOL * max(abs(table[0]), natural):
        return remembered
    return FirstTrial(value=table[0], error=table[1], step=h, nfev=len(offsets))


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


def _table(values, scale, h, n, plain) -> tuple[float, float] | None:
    """:func:`slopes.differentiate._engine.table.error_table` and the acceptance rule of
    :func:`slopes.differentiate._engine.richardson._update` for a first trial on one line with one
    output: the value and its error where the engine stops with success after
    this trial, else None."""
    offsets, weights, sums, orders, _factor = plain
    eps = _EPS
    hn = h**n
    # the very operation of error_table, so that both paths agree bit for bit
    column = np.array([values[o] for o in offsets]).reshape(1, -1, 1)
    estimates = (np.einsum("lp,apk->lak", weights, column) / hn).ravel().tolist()
    level = NOISE_FACTOR * eps * scale
    noise = [s * level / hn for s in sums]
    best = estimates[-1]
    diffs = [abs(e - best) for e in estimates[:-1]]
    resolved = [d > RESOLVED * (nz + noise[-1]) for d, nz in zip(diffs, noise)]
    if len(diffs) < 3:
        return None  # the short families (order > 2) are left to the general engine
    top, below, rounding = diffs[-1], diffs[-2], noise[-1]
    small_enough = rounding <= 1e3 * eps * abs(best)
    if not any(resolved):
        # known to 1e3 eps with nothing resolved (truncation below rounding), or
        # not known: the general engine grows the step
        return (best, TRUNCATION_MARGIN * top + rounding) if small_enough else None
    ratio = top / below if below > 0 else math.inf
    good = resolved[-1] and resolved[-2] and ratio < ASYMPTOTIC_RATIO
    if resolved[-1] and not good:
        return None  # not asymptotic: a smaller step is due
    largest, two_steps = ratio, 0.0
    if resolved[-3]:
        lower = below / diffs[-3] if diffs[-3] > 0 else math.inf
        largest = max(ratio, lower)
        if resolved[-2]:
            two_steps = below * min(1.0, RATIO_SAFETY * lower * lower)
    truncation = max(top, two_steps)
    if good:
        truncation = max(
            top * min(1.0, RATIO_SAFETY * largest),
            below * min(1.0, RATIO_SAFETY * largest * largest),
        )
    error = TRUNCATION_MARGIN * truncation + rounding
    if resolved[0] and not any(resolved[1:]) and small_enough:
        return best, error  # the higher orders exact to rounding: a polynomial
    if resolved[-1]:
        model = truncation
    elif resolved[0]:  # extrapolated from the lowest order, below the rounding bound
        bound = RESOLVED * (noise[-2] + noise[-1])
        magnitude = max(abs(best), float(np.finfo(float).tiny))
        guess = magnitude * min(diffs[0] / magnitude, 1.0) ** (orders[-1] / orders[0])
        model = min(bound, guess)
    else:
        model = 0.0
    if not (model > 0 and rounding > 0):
        return None
    p = orders[-1]
    factor = (n * rounding / (p * model)) ** (1.0 / (p + n))
    e_star = model * factor**p + rounding / factor**n
    return (best, error) if model + rounding <= ACCEPT_FACTOR * e_star else None
