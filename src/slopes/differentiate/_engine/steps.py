"""Step-size rules for finite differences.

A finite difference of accuracy order ``p`` for the ``n``-th derivative has
two errors that pull the step ``h`` in opposite directions:

.. math::

    E(h) \\approx T h^p + \\frac{R}{h^n}

the truncation error of the Taylor series (``T h^p``) and the rounding
error of f's values (about ``eps |f| sum|w| / h^n``). Their sum is smallest at

.. math::

    h^* = \\left(\\frac{n R}{p T}\\right)^{1/(p+n)}.

Before anything is known about f the step is a fixed fraction of ``|x|``
(``log`` at ``1e20`` needs a step near ``1e18``, ``log`` at ``1e-3`` one near
``1e-5``), with ``|x| = 0`` taken as 1. The fraction is ``eps**(1/(p+n))``
scaled so that for float64 and the default eighth-order stencil it is 0.015,
a value at which the error terms balance for functions whose scale is ``|x|``.
The engine then moves the step using the measured ``T`` and ``R``.

This module imports nothing but numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .arithmetic import ARRAYS, Arithmetic

__all__ = [
    "REACH_FACTOR",
    "Tolerance",
    "default_reach",
    "domain_room",
    "exact_step",
    "initial_step",
    "optimal_step",
    "relative_factor",
    "smallest_step",
]

_FLOAT64_FACTOR = 0.015
# the adaptive engine never evaluates f farther from x than this times
# max(|x|, 1) by default (see default_reach)
REACH_FACTOR = 0.5


def relative_factor(dtype: np.dtype, p: int, n: int) -> float:
    """The initial step as a fraction of ``|x|`` for accuracy ``p`` and derivative ``n``.

    Examples
    --------
    >>> relative_factor(np.dtype(np.float64), 8, 1)
    0.015
    >>> round(relative_factor(np.dtype(np.float32), 8, 1), 3)
    0.141
    """
    eps = float(np.finfo(dtype).eps)
    eps64 = float(np.finfo(np.float64).eps)
    # the balance point moves as eps**(1/(p+n)); anchor it at the float64 value
    return _FLOAT64_FACTOR * (eps / eps64) ** (1.0 / (p + n))


def smallest_step(dtype: np.dtype, n: int) -> float:
    """The smallest step allowed: ``h**n`` times a weight must not underflow.

    Examples
    --------
    >>> smallest_step(np.dtype(np.float64), 1) < 1e-300 < smallest_step(np.dtype(np.float64), 2)
    True
    """
    # h**n must stay a normal number, with room for the weights' size
    return (float(np.finfo(dtype).tiny) * 1024.0) ** (1.0 / n)


def initial_step(x: np.ndarray, factor: float, floor: float = 0.0, n: int = 1) -> np.ndarray:
    """``factor * max(|x|, floor)`` (``factor`` where that is 0), made exactly representable.

    Never below :func:`smallest_step` (``x = 1e-300`` would otherwise give a
    step whose square is 0).

    Examples
    --------
    >>> initial_step(np.array([0.0, 2.0, -1e20]), 0.01)
    array([1.e-02, 2.e-02, 1.e+18])
    """
    scale = np.maximum(np.abs(x), floor)
    scale = np.where(scale > 0, scale, 1.0)
    h = np.maximum(factor * scale, smallest_step(x.dtype, n)).astype(x.dtype, copy=False)
    return exact_step(x, h)


def exact_step(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """The step ``(|x| + h) - |x|``: it makes ``x +- h`` exact, removing one rounding error.

    Taken from ``|x|``, it is the same at ``x`` and ``-x``, so that ``f(-t)`` at
    ``-x`` is evaluated at exactly the mirrored points (the mirror property).

    Examples
    --------
    >>> h = exact_step(np.array([0.7, -0.7]), np.array([0.1, 0.1]))
    >>> bool(h[0] == h[1]), bool((0.7 + h[0]) - h[0] == 0.7)
    (True, True)
    """
    with np.errstate(all="ignore"):
        magnitude = np.abs(x)
        exact = (magnitude + h) - magnitude
    return np.where((exact > 0) & np.isfinite(exact), exact, h)


def optimal_step(
    h: Any, truncation: Any, rounding: Any, p: int, n: int, ops: Arithmetic = ARRAYS
) -> tuple[Any, Any]:
    """The step minimising ``T h^p + R / h^n`` given both terms at ``h``, and that minimum.

    On arrays of lines, or with ``ops=FLOATS`` on one line's floats (the scalar
    first trial, :func:`richardson.judge`). On arrays, the caller silences numpy's
    warnings (a zero truncation makes the factor infinite).

    Examples
    --------
    >>> h_star, e_star = optimal_step(np.array([1.0]), np.array([1.0]), np.array([1.0]), 1, 1)
    >>> h_star, e_star
    (array([1.]), array([2.]))
    """
    factor = ops.quotient(n * rounding, p * truncation) ** (1.0 / (p + n))
    best = truncation * factor**p + rounding / factor**n
    return h * factor, best


def default_reach(x: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """How far from ``x`` the adaptive engine may evaluate f by default.

    ``REACH_FACTOR * max(|x|, floor, 1)``: half the point's own scale, and
    never less than half a unit, so that a function defined around ``x`` (a
    simulator valid on a bounded region) is not probed far outside it, and a
    direction in which f is flat is not chased to ever larger steps.

    Examples
    --------
    >>> default_reach(np.array([0.0, 3.0, -1e20]))
    array([5.e-01, 1.5e+00, 5.e+19])
    """
    return REACH_FACTOR * np.maximum(np.maximum(np.abs(x), floor), 1.0)


def domain_room(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """How far the engine may step below and above each ``x`` inside ``[lo, hi]``: (2, m).

    Each room is shortened by the rounding of the stencil points: a point
    ``x + o h`` with ``|o h| <= room`` is computed with an error of at most a
    few units in the last place of ``x``, ``o h`` and the bound, so the room
    loses ``8 eps`` of itself and 4 spacings of the larger of ``|x|`` and the
    bound; every point then lands inside ``[lo, hi]``. Infinite bounds give
    infinite room.

    Examples
    --------
    >>> room = domain_room(np.array([0.0, 1.0]), np.array([0.0, 0.0]), np.array([np.inf, 2.0]))
    >>> float(room[0, 0]), bool(room[1, 0] == np.inf), bool(0.99 < room[1, 1] < 1.0)
    (0.0, True, True)
    """
    eps = float(np.finfo(x.dtype).eps)
    rooms = []
    for bound in (lo, hi):
        with np.errstate(all="ignore"):
            distance = np.abs(bound.astype(float) - x)
            finite = np.isfinite(bound)
            size = np.maximum(np.abs(x), np.where(finite, np.abs(bound), 0.0))
            guard = 8 * eps * distance + 4 * np.spacing(size.astype(x.dtype)).astype(float)
            rooms.append(np.where(finite, np.maximum(distance - guard, 0.0), np.inf))
    return np.stack(rooms)


@dataclass(frozen=True)
class Tolerance:
    """The caller's stopping tolerance: an estimate is good enough when its
    error estimate is at most ``atol + rtol |value|`` (scipy's convention).

    Examples
    --------
    >>> Tolerance(atol=0.0, rtol=1e-3).met(np.array([[2.0]]), np.array([[1e-3]]))
    array([ True])
    >>> Tolerance(0.0, 1e-3, pairs=True).met(np.array([[0.0, 2.0]]), np.array([[1e-3, 1e-3]]))
    array([ True])
    """

    atol: float
    rtol: float
    # the outputs are (real, imag) pairs of a complex-valued f: judged by moduli
    pairs: bool = False

    def met(self, value: np.ndarray, error: np.ndarray) -> np.ndarray:
        """Per line (rows of ``value`` and ``error``): every output within tolerance.

        With ``pairs`` the columns are (real, imag) pairs, judged as one
        complex value: ``hypot`` of the errors against ``|value|``.
        """
        if self.pairs:
            m = value.shape[0]
            value = np.hypot(*np.moveaxis(value.reshape(m, -1, 2), -1, 0))
            error = np.hypot(*np.moveaxis(error.reshape(m, -1, 2), -1, 0))
        with np.errstate(invalid="ignore"):
            return np.all(error <= self.atol + self.rtol * np.abs(value), axis=1)
