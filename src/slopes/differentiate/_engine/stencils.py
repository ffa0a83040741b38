"""Finite-difference stencils: offsets and weights for any derivative order.

A stencil approximates the ``n``-th derivative from values at ``x + o*h``:

.. math::

    f^{(n)}(x) \\approx \\frac{1}{h^n} \\sum_k w_k f(x + o_k h).

The weights make the formula exact for every polynomial of degree below the
number of points: expanding ``f(x + o h)`` in a Taylor series, the weights
must satisfy ``sum_k w_k o_k^j / j! = [j == n]`` for ``j = 0 .. m-1``.
Fornberg's recursion solves this system; here it runs in exact rational
arithmetic (:class:`fractions.Fraction`) so that the familiar stencils come
out exactly (``[-1/2, 0, 1/2]``), and results are cached.

The accuracy ``order`` is the power of ``h`` in the leading error term. A
central stencil on ``-p .. p`` has an even order (the odd error terms
cancel by symmetry); a one-sided stencil on ``0 .. m-1`` has order
``m - n``.

This module imports nothing but numpy.

Examples
--------
>>> offsets, weights = stencil("central", 1, 2)
>>> offsets, weights
(array([-1.,  1.]), array([-0.5,  0.5]))
>>> stencil("forward", 2, 1)[1]
array([ 1., -2.,  1.])
"""

from __future__ import annotations

import functools
from fractions import Fraction

import numpy as np

__all__ = ["ALIAS_SHIFT", "METHODS", "family", "fd_weights", "stencil", "stencil_order_error"]

METHODS = ("central", "forward", "backward", "complex")
# how far the widest points of an adaptive family move out (see family)
ALIAS_SHIFT = Fraction(293, 1000)  # see family


@functools.lru_cache(maxsize=256)
def fd_weights(offsets: tuple[Fraction | int, ...], n: int) -> tuple[Fraction, ...]:
    """Exact weights of the ``n``-th derivative on the given ``offsets`` (Fornberg 1988).

    Examples
    --------
    >>> [str(w) for w in fd_weights((-2, -1, 0, 1, 2), 1)]
    ['1/12', '-2/3', '0', '2/3', '-1/12']
    """
    points = [Fraction(o) for o in offsets]
    m = len(points)
    if n >= m:
        raise ValueError(f"{m} points cannot give a derivative of order {n}")
    # c[k][j]: weight of point j for the k-th derivative, using points 0..i
    c = [[Fraction(0)] * m for _ in range(n + 1)]
    c[0][0] = Fraction(1)
    c1 = Fraction(1)
    c4 = points[0]
    for i in range(1, m):
        top = min(i, n)
        c2 = Fraction(1)
        c5, c4 = c4, points[i]
        for j in range(i):
            c3 = points[i] - points[j]
            c2 *= c3
            if j == i - 1:  # the new point's weights, from the previous last point's
                for k in range(top, 0, -1):
                    c[k][i] = c1 * (k * c[k - 1][i - 1] - c5 * c[k][i - 1]) / c2
                c[0][i] = -c1 * c5 * c[0][i - 1] / c2
            for k in range(top, 0, -1):
                c[k][j] = (c4 * c[k][j] - k * c[k - 1][j]) / c3
            c[0][j] = c4 * c[0][j] / c3
        c1 = c2
    return tuple(c[n])


def _central_half_width(n: int, order: int) -> int:
    # 2p + 1 points reach order 2p + 1 - n, rounded down to even (symmetry)
    return (n - 1) // 2 + order // 2


def stencil_order_error(method: str, n: int, order: int) -> str | None:
    """Why ``(method, n, order)`` is impossible, or None when it is fine."""
    if method not in METHODS:
        return f"`method` must be one of {', '.join(map(repr, METHODS))}, got {method!r}"
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        return f"`n` must be a positive integer, got {n!r}"
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        return f"`order` must be a positive integer, got {order!r}"
    if method == "central" and order % 2:
        return f"`order` must be even for the central method, got {order}"
    if method == "complex" and (n != 1 or order != 2):
        return f"the complex-step method gives n=1, order=2 only, got n={n}, order={order}"
    if n > 8 or order > 16:
        return f"`n` up to 8 and `order` up to 16 are supported, got n={n}, order={order}"
    return None


@functools.lru_cache(maxsize=256)
def stencil(method: str, n: int, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and float weights of one stencil; zero-weight points are dropped.

    Examples
    --------
    >>> stencil("central", 2, 2)
    (array([-1.,  0.,  1.]), array([ 1., -2.,  1.]))
    >>> stencil("backward", 1, 1)
    (array([-1.,  0.]), array([-1.,  1.]))
    """
    problem = stencil_order_error(method, n, order)
    if problem:
        raise ValueError(problem)
    if method == "complex":
        return np.array([1.0]), np.array([1.0])
    if method == "central":
        p = _central_half_width(n, order)
        offsets = tuple(range(-p, p + 1))
    else:
        offsets = tuple(range(0, n + order))
        if method == "backward":
            offsets = tuple(-o for o in reversed(offsets))
    weights = fd_weights(offsets, n)
    keep = [(o, w) for o, w in zip(offsets, weights) if w != 0]
    out_offsets = np.array([float(o) for o, _ in keep])
    out_weights = np.array([float(w) for _, w in keep])
    out_offsets.flags.writeable = False
    out_weights.flags.writeable = False
    return out_offsets, out_weights


@functools.lru_cache(maxsize=256)
def family(method: str, n: int, order: int, levels: int) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Nested stencils of increasing order that share their points.

    Level ``l`` has accuracy ``orders[l]`` and uses a subset of the points of
    the last level, so one evaluation of the widest stencil gives every
    lower-order estimate for free; comparing them estimates the error.
    For the central method, level ``l`` on ``+-1 .. +-p`` is exactly
    Richardson extrapolation of the textbook central difference at the steps
    ``h, 2h, .., ph`` (polynomial extrapolation in ``h**2`` to ``h = 0``).
    The widest points, used by the top level alone, sit ``ALIAS_SHIFT`` (0.293)
    further out (``+-4.293`` for four levels): samples at whole multiples of
    ``h`` cannot tell f from a function that oscillates with a period dividing
    ``h`` (``sin(1000 x)`` at a step of 14.01 pi / 1000 looks smooth), and an
    aliased table can look asymptotic with a tiny error estimate. The shifted
    point breaks that unless the period also divides ``0.293 h``, that is
    unless ``h`` is a multiple of a thousand periods (a shift of 0.3 failed at
    ten: ``sin(1573 t)`` at 2.65625, a step of 9.975 periods); the top level
    keeps its order (Fornberg's weights on the shifted points).

    Returns
    -------
    offsets : ndarray, shape (m,)
    weights : ndarray, shape (levels, m)
        Row ``l`` holds level ``l``'s weights (zero on the points it does not use).
    orders : tuple of int

    Examples
    --------
    >>> offsets, weights, orders = family("central", 1, 2, 3)
    >>> offsets, orders
    (array([-3.293, -2.   , -1.   ,  1.   ,  2.   ,  3.293]), (2, 4, 6))
    >>> weights[:2] * 12
    array([[ 0.,  0., -6.,  6.,  0.,  0.],
           [ 0.,  1., -8.,  8., -1.,  0.]])
    """
    step = 2 if method == "central" else 1
    orders = tuple(order + step * level for level in range(levels))
    top_offsets, _ = stencil(method, n, orders[-1])
    if levels >= 2:
        # the widest points, which only the top level uses, move out by
        # ALIAS_SHIFT: samples at whole multiples of h alone can come from a
        # function that oscillates with a period dividing h (sin(1000 x) at h =
        # 0.044, 14.01 pi radians a step), and look smooth; the shifted point breaks
        # that unless the period also divides ALIAS_SHIFT h (293/1000: only at
        # multiples of a thousand periods; 3/10 failed at ten)
        widest = np.max(np.abs(top_offsets))
        exact = tuple(
            Fraction(int(o)) + (np.sign(o) * ALIAS_SHIFT if abs(o) == widest else 0)
            for o in top_offsets
        )
        if method == "central" and n % 2 == 1:  # the centre has weight 0 by symmetry
            exact = (*exact[: len(exact) // 2], Fraction(0), *exact[len(exact) // 2 :])
        top_weights = fd_weights(exact, n)
        keep = [(o, w) for o, w in zip(exact, top_weights) if w != 0]
        top_offsets = np.array([float(o) for o, _ in keep])
        top_row = {float(o): float(w) for o, w in keep}
    offsets = top_offsets
    index = {float(o): i for i, o in enumerate(offsets)}
    weights = np.zeros((levels, offsets.size))
    for level, level_order in enumerate(orders):
        if levels >= 2 and level == levels - 1:
            for o, w in top_row.items():
                weights[level, index[o]] = w
            continue
        level_offsets, level_weights = stencil(method, n, level_order)
        for o, w in zip(level_offsets, level_weights):
            weights[level, index[float(o)]] = w
    weights.flags.writeable = False
    return offsets, weights, orders
