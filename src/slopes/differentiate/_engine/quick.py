"""A four-point first pass for gradients and Jacobians, with an error estimate.

The adaptive engine (:mod:`richardson`) gives every coordinate the
sixth-order family on ``+-h, +-2h, +-3.293h``: six evaluations of f per
coordinate. For a gradient of a large n the cost is all in those evaluations,
so this pass first tries four: ``+-h, +-rh`` (``r = QUICK_RATIO``, 2.293) plus
``f(x)`` (one evaluation, shared by all coordinates). Coordinates whose estimate
is not good enough go on to the full adaptive engine; for smooth functions that
is a few of them.

Along coordinate ``j`` write ``g(t) = f(x + t e_j) = sum_i c_i t^i``. The five
values determine, up to terms of order ``h^5`` and ``h^6``,

.. math::

    C_1 = c_1 h = \\frac{r^3 o_1 - o_r}{2 (r^3 - r)}, \\quad
    C_2 = c_2 h^2 = \\frac{r^4 e_1 - e_r}{2 (r^4 - r^2)}, \\quad
    C_3 = c_3 h^3 = \\frac{o_r - r o_1}{2 (r^3 - r)}, \\quad
    C_4 = c_4 h^4 = \\frac{e_r - r^2 e_1}{2 (r^4 - r^2)},

with ``o_s = g(sh) - g(-sh)`` and ``e_s = g(sh) + g(-sh) - 2 g(0)`` (for ``r = 2``
these are the familiar ``(8 o_1 - o_2) / 12`` and so on). The estimate is the
fourth-order central difference ``D_4 = C_1 / h``, whose error is
``-r^2 c_5 h^4 + O(h^6)``. The ratio is not 2 against aliasing: where ``h``
is a whole number of periods of f (``sin(776.24 t)`` at ``-3.238``: the step
0.0162 is 2.0002 periods) points at ``+-h, +-2h`` all see f's value at x, and
the pass took ``0.06 +- 5e-12`` for 760.6; at ``2.293 h`` they do not.
``c_5`` is not measured; it is bounded by
assuming the coefficients keep decaying at least as fast as the measured
ones do: with ``q`` the largest of the measured decay rates per two orders
(``C_3/C_1, (C_3/C_2)^2, C_4/C_2, (C_4/C_3)^2``),

.. math::

    |c_5 h^5| \\le S \\max(q |C_3|, \\sqrt{q} |C_4|),

with the same safety factor ``S`` as the engine's ratio rule. Rounding adds
the noise of ``C_1`` over ``h``, with f's values taken to carry
``2 eps (|f| + |x f'|)``, as in the engine's tables
(:func:`table.error_table`).
That estimate decides acceptance; the *reported* error takes the guessed
``c5`` term ``REPORT_SAFETY`` times over, since low coefficients that nearly
cancel fool every measured rate (``3 sin(t/2) + e^t`` at ``-2``: the true error
was 2.6 times the plain guess).
A coordinate is accepted when ``C_1`` and ``C_2`` stand clear of the noise,
or ``C_1`` alone with nothing above it (f linear along it); otherwise the
decay rates are unknown: a coordinate where the slope or the curvature
vanishes, or an odd function at its centre. For a Jacobian, outputs that do
not move at all are exempt but one output must qualify. Further, the decay is fast
(``q`` small), and the error estimate is within ``ACCEPT_FACTOR`` of the
smallest this model predicts for any step. Everything else is left to the
adaptive engine. Unresolved numerators enter the rates at their noise
level, so a quantity hidden in the noise never makes the estimate smaller.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .richardson import ACCEPT_FACTOR, CONVERGED, UNRELIABLE, Estimates
from .steps import initial_step, optimal_step
from .table import NOISE_FACTOR, RATIO_SAFETY, RESOLVED

__all__ = [
    "QUICK_FACTOR",
    "QUICK_MIN_LINES",
    "QUICK_SAMPLE",
    "QUICK_SAMPLE_ACCEPT",
    "QuickPass",
    "SubLines",
    "quick_pass",
]

# the first step as a fraction of the coordinate scale (float64): where the
# fourth-order truncation of a function varying on the scale |x| meets the
# rounding of a sum of ~1000 such terms (see benchmarks/NOTES.md)
QUICK_FACTOR = 0.005
# the outer points' distance in steps: not a whole number, against aliasing (see above)
QUICK_RATIO = 2.293
# the slowest decay per two orders accepted (q at most this): D_4's error is then a
# few percent of D_2's
QUICK_MAX_RATE = 1.0 / 64.0
# the quick pass runs for gradients of at least this many coordinates (below,
# trying it costs more than it saves: Rosenbrock n = 50, sum(exp x) n = 100 and
# sum(x**3) n = 100 took 9.5-10 evaluations per coordinate with it, 6-6.5 without)
QUICK_MIN_LINES = 256
QUICK_SAMPLE = 32  # coordinates tried first (at least; 1/16 of them for large n) ...
QUICK_SAMPLE_ACCEPT = 0.75  # ... of which this share must be settled to go on
# the reported error's margin on the guessed truncation (c5): 4 covered
# 3 sin(t/2) + e^t at -2 (2.6x); 2 sin(2.453 t) + e^(0.875 t) at 1.906 needed 2.9x
REPORT_SAFETY = 10.0


class QuickPass(NamedTuple):
    """The pass's estimates per line (``nfev`` is left to the caller's evaluator) and
    which lines it settles."""

    estimates: Estimates
    accept: np.ndarray


class SubLines:
    """Lines ``index[i]`` of ``lines`` as lines ``0 .. len(index) - 1``."""

    def __init__(self, lines: Any, index: np.ndarray) -> None:
        self.lines = lines
        self.index = index
        self.shared_base = lines.shared_base
        self.evaluator = lines.evaluator

    def values(self, lines: np.ndarray, offsets: np.ndarray, k: int) -> np.ndarray:
        return self.lines.values(self.index[lines], offsets, k)


def quick_pass(
    g: Any,
    x: np.ndarray,
    *,
    k: int,
    dtype: np.dtype,
    scale_floor: float,
) -> QuickPass:
    """Four points per coordinate line at ``QUICK_FACTOR`` of the scale.

    Returns value, error, step and status per line, and ``accept``: the
    estimate is good (the others go on to the adaptive engine; a second quick
    pass at the step the model prefers was tried and given up: that step is
    smaller, and the result less accurate, than the adaptive engine's).
    """
    m = x.size
    eps = float(np.finfo(dtype).eps)
    eps64 = float(np.finfo(np.float64).eps)
    factor = QUICK_FACTOR * (eps / eps64) ** 0.2  # the balance moves as eps**(1/(p+n))
    h = initial_step(x, factor, floor=scale_floor, n=1)
    base = np.asarray(g.evaluator.base_value(), dtype=float).reshape(1, k)
    r = QUICK_RATIO
    offsets = np.array([-r, -1.0, 1.0, r], dtype=h.dtype)
    lines = np.repeat(np.arange(m), 4)
    values = g.values(lines, (h[:, None] * offsets[None, :]).ravel(), k).reshape(m, 4, k)
    fmr, fm1, fp1, fpr = (values[:, i] for i in range(4))
    odd, even = 2 * (r**3 - r), 2 * (r**4 - r**2)
    with np.errstate(all="ignore"):
        o1, o_r = fp1 - fm1, fpr - fmr
        e1, e_r = fp1 + fm1 - 2 * base, fpr + fmr - 2 * base
        c1 = (r**3 * o1 - o_r) / odd
        c2 = (r**4 * e1 - e_r) / even
        c3 = (o_r - r * o1) / odd
        c4 = (e_r - r**2 * e1) / even
        scale = np.maximum(np.max(np.abs(values), axis=1), np.abs(base))
        # f's values carry 2 eps (|f| + |x f'|), |f'| from their spread (error_table)
        spread = np.max(values, axis=1) - np.min(values, axis=1)
        slope = spread / (2 * r * h[:, None])
        level = NOISE_FACTOR * eps * (scale + np.abs(x)[:, None] * slope)
        # noise of each combination: sum of |weights| times the noise of one value
        noise = {
            1: 2 * (r**3 + 1) / odd * level,
            2: 4 * r**4 / even * level,
            3: 2 * (1 + r) / odd * level,
            4: 4 * r**2 / even * level,
        }
        coef = {1: np.abs(c1), 2: np.abs(c2), 3: np.abs(c3), 4: np.abs(c4)}
        resolved = {i: coef[i] > RESOLVED * noise[i] for i in coef}
        # a numerator hidden in the noise counts at the noise bound
        upper = {i: np.where(resolved[i], coef[i], RESOLVED * noise[i]) for i in coef}
        # decay rates per two orders, each where its denominator is measured
        rates = [
            np.where(resolved[1], upper[3] / coef[1], 0.0),
            np.where(resolved[2], (upper[3] / coef[2]) ** 2, 0.0),
            np.where(resolved[2], upper[4] / coef[2], 0.0),
            np.where(resolved[3], (upper[4] / coef[3]) ** 2, 0.0),
        ]
        # an output that does not move at all along this line (a zero entry of a
        # Jacobian): D_4's error is below the bound on |D_2 - D_4| = |C_3| / h
        flat = ~(resolved[1] | resolved[2] | resolved[3] | resolved[4])
        q = np.where(flat, 0.0, np.max(np.stack(rates), axis=0))
        c5 = RATIO_SAFETY * np.maximum(q * upper[3], np.sqrt(q) * upper[4])
        truncation = np.where(flat, upper[3], r**2 * c5) / h[:, None]
        rounding = noise[1] / h[:, None]
        error = truncation + rounding
        # the reported error takes the guess of c5 REPORT_SAFETY times over: the
        # rates can all be fooled by low coefficients that cancel (3 sin(t/2) + e^t
        # at -2: c3 and c4 nearly cancel, c5 does not; true error 2.6x the guess).
        # Accepting still uses the plain guess, so the cost stays the same.
        reported = np.where(flat, truncation, REPORT_SAFETY * truncation) + rounding
        value = c1 / h[:, None]
    # the slope and the curvature measured, or a slope and nothing above it (linear)
    linear = ~(resolved[2] | resolved[3] | resolved[4])
    modelled = resolved[1] & (resolved[2] | linear)
    finite = np.isfinite(error) & np.isfinite(value) & np.isfinite(base).all(axis=1)[:, None]
    known = (modelled | flat) & finite
    line_t = np.max(np.where(known, truncation, np.inf), axis=1)
    line_r = np.max(rounding, axis=1)
    with np.errstate(all="ignore"):
        _, e_star = optimal_step(h, line_t, line_r, 4, 1)
    # a line with no modelled output (f does not depend on it) is left to the engine
    accept = (known & (q <= QUICK_MAX_RATE)).all(axis=1) & (modelled & finite).any(axis=1)
    with np.errstate(invalid="ignore"):
        accept &= np.max(error, axis=1) <= ACCEPT_FACTOR * e_star
    status = np.where(accept, CONVERGED, UNRELIABLE)
    return QuickPass(
        estimates=Estimates(value=value, error=reported, step=h, status=status, nfev=0),
        accept=accept,
    )
