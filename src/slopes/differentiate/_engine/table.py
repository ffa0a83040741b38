"""One Richardson table and its error analysis: what a set of stencil values says.

The adaptive engine (:mod:`richardson`) evaluates a *family* of
nested stencils at one step ``h`` and gets, per line and output, the
estimates ``D_0, .., D_{L-1}`` of increasing order. This module turns them
into a best value, an error estimate and the two terms the next step is
chosen from (truncation and rounding); it evaluates nothing. The Hessian's
product stencils (:mod:`slopes.differentiate._hessian`) and the plain-float
first trial at one scalar (:mod:`first_trial`) use the same
rules and constants.

The differences ``d_l = |D_l - D_{L-1}|`` measure the truncation error of
the lower orders. When they shrink geometrically (ratio
``q = d_{L-2} / d_{L-3} < ASYMPTOTIC_RATIO``) the Taylor series is in its
asymptotic regime and the error of the best level is about ``d_{L-2} q``
(times ``RATIO_SAFETY``, as the next ratio need not be smaller). Differences
below the rounding level ``R ~ NOISE_FACTOR eps |f| sum|w| / h^n`` carry no
information; they bound the truncation error from above.

A table can also be asymptotic without its differences shrinking within it:
when f is homogeneous about x (``x**7`` at 0) every level's error is the same
power of ``h``, so the ratio never drops, at any step. :func:`power_law`
recognises this across two trials (see there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .arithmetic import ARRAYS, FLOATS, Arithmetic

__all__ = [
    "ASYMPTOTIC_RATIO",
    "NOISE_FACTOR",
    "RATIO_SAFETY",
    "RESOLVED",
    "Table",
    "across_trials",
    "error_table",
    "line_table",
    "power_law",
]

# f's values are taken to be accurate to 2 eps |f| (and, with a line's position,
# 2 eps (|f| + |x f'|): see error_table)
NOISE_FACTOR = 2.0
RESOLVED = 3.0  # a difference counts when above this many rounding levels
ASYMPTOTIC_RATIO = 0.5
RATIO_SAFETY = 4.0  # the next order's error is taken as at most this times the last ratio
# the reported truncation error is the extrapolated one times this: the top level's
# widest points sit 0.293 h further out (stencils.family, against aliasing),
# which makes its error constant up to ~20 % larger than the decay measured on the
# lower levels predicts (sin and exp sums at 1: true 4.95e-12, extrapolated 4.06e-12)
TRUNCATION_MARGIN = 1.5
_TINY = float(np.finfo(float).tiny)


@dataclass(frozen=True)
class Table:
    """What one trial's table says, per line and output (arrays of shape (m, k)).

    From :func:`line_table` (one line with one output), every field is a float or a
    bool, and ``diffs`` and ``resolved`` are tuples with one entry per level.
    """

    best: Any  # the estimate of the highest order
    truncation: Any  # the truncation term of the step model (measured, or a bound)
    rounding: Any  # the rounding level of the best estimate
    error: Any  # the reported error estimate: TRUNCATION_MARGIN truncation + rounding
    asymptotic: Any  # the differences shrink (or none is resolved)
    any_resolved: Any  # some difference is above the rounding level
    top_resolved: Any  # the top difference is
    diffs: Any  # (levels - 1, m, k): |D_l - D_top|
    resolved: Any  # (levels - 1, m, k)
    flat: Any  # f took one value at every point (or was even about x): exact zeros
    scale: Any  # max |f| over the stencil
    scaling: Any = False  # accepted as a power law across two trials (across_trials)


def error_table(
    values: np.ndarray,
    weights: np.ndarray,
    orders: tuple,
    h: np.ndarray,
    n: int,
    eps: float,
    value_noise: float = 0.0,
    bound_guess: bool = False,
    mirrored: bool = False,
    position: np.ndarray | None = None,
    width: float = 1.0,
) -> Table:
    """Estimates of every level and their error analysis, per line and output.

    ``values`` has shape ``(m, points, k)``: f at the stencil's points on ``m``
    lines with ``k`` outputs, the step ``h`` per line.

    With ``bound_guess`` the step model also extrapolates from the bound that
    unresolved differences put on the decay (see below): for callers to whom a
    larger step is worth a few more trials (the Hessian's diagonal, whose steps
    every pair reuses). ``mirrored`` says that the points are symmetric about
    0 (ascending) and ``n`` is odd: an output with equal values at mirrored
    points (f even about x) then has exactly zero estimates, as a flat one has.

    ``position`` (per line, ``|x|`` at the line's base point) adds the rounding
    of f's argument to the noise model: f rounds what it computes from ``x``
    (``sin(k t)`` rounds ``k t``), which moves its value by about
    ``eps |x f'|``. ``|f'|`` is measured by the spread of the values over the
    stencil's ``width`` (its widest offset minus its narrowest, in steps).
    """
    with np.errstate(over="ignore"):  # h**n beyond the largest float (log at 1e80, n = 4)
        hn = (h**n)[:, None]
    # an output that takes exactly one value at every stencil point is flat along
    # the line: every difference quotient is exactly 0 (the float weights need not
    # sum to exactly 0, so the sum would leave dust of eps |f| / h**n)
    flat = np.all(values == values[:, :1], axis=1)  # (m, k)
    if mirrored:  # offsets symmetric about 0 and n odd: f even about x gives exact zeros too
        flat |= np.all(values == values[:, ::-1], axis=1)
    stacked = np.einsum("lp,apk->lak", weights, values) / hn[None]
    estimates = list(np.where(flat[None], 0.0, stacked))
    scale = np.max(np.abs(values), axis=1)  # (m, k)
    # rounding level of each estimate: f's values carry about NOISE_FACTOR eps |f|
    # (plus value_noise when f is itself a finite difference, as in hessian). A
    # flat output keeps it: f's values may hide a slope below their rounding
    level = NOISE_FACTOR * (eps * scale + value_noise)
    if position is not None:  # ... and eps |x f'| from the rounding of f's argument
        spread = np.max(values, axis=1) - np.min(values, axis=1)  # (m, k)
        slope = spread / (width * h[:, None])
        level = level + NOISE_FACTOR * eps * position[:, None] * slope
    noise = [s * level / hn for s in np.abs(weights).sum(axis=1)]
    with np.errstate(all="ignore"):
        return _judged(estimates, noise, orders, flat, scale, ARRAYS, bound_guess)


def line_table(
    values: Sequence[float],
    weights: np.ndarray,
    sums: Sequence[float],
    orders: tuple,
    h: float,
    n: int,
    eps: float,
    position: float,
    width: float,
) -> Table:
    """:func:`error_table` for one line with one output, in floats, with a position.

    ``values`` are f's (finite, not all equal) values at the stencil's points,
    ``sums`` the sums of the absolute weights of each level. The same rules on the
    same numbers: the result equals :func:`error_table`'s bit for bit.

    Examples
    --------
    >>> from slopes.differentiate._engine.stencils import family
    >>> offsets, weights, orders = family("central", 1, 2, 4)
    >>> values = np.exp(1.0 + offsets * 0.015)
    >>> sums = np.abs(weights).sum(axis=1).tolist()
    >>> one = line_table(values.tolist(), weights, sums, orders, 0.015, 1, 2.0**-52, 1.0, 8.586)
    >>> many = error_table(values[None, :, None], weights, orders, np.array([0.015]), 1,
    ...                    2.0**-52, position=np.array([1.0]), width=8.586)
    >>> bool(one.best == many.best[0, 0]), bool(one.error == many.error[0, 0])
    (True, True)
    """
    # the very operations of error_table (numpy's power, its einsum), so that both
    # agree bit for bit (``h**n`` on a float would call libm's pow, numpy's ``h**2``
    # multiplies)
    hn = float((np.array([h]) ** n)[0])
    column = np.array(values).reshape(1, -1, 1)
    estimates = (np.einsum("lp,apk->lak", weights, column) / hn).ravel().tolist()
    scale = max(abs(v) for v in values)
    level = NOISE_FACTOR * (eps * scale + 0.0)
    spread = max(values) - min(values)
    level = level + NOISE_FACTOR * eps * position * (spread / (width * h))
    noise = [s * level / hn for s in sums]
    return _judged(estimates, noise, orders, False, scale, FLOATS, False)


def _judged(
    estimates: list,
    noise: list,
    orders: tuple,
    flat: Any,
    scale: Any,
    ops: Arithmetic,
    bound_guess: bool,
) -> Table:
    """The table's rules on per-level estimates and rounding levels (see the module)."""
    best = estimates[-1]
    diffs = [ops.absolute(e - best) for e in estimates[:-1]]
    resolved = [d > RESOLVED * (nz + noise[-1]) for d, nz in zip(diffs, noise)]
    top = diffs[-1]
    rounding = noise[-1]
    truncation = top  # conservative: bounded by the next-lower order's error
    count = len(diffs)
    if count >= 2:
        below = diffs[-2]
        ratio = ops.quotient(top, below)
        good = resolved[-1] & resolved[-2] & (ratio < ASYMPTOTIC_RATIO)
        # the next ratio is not always smaller than this one (2 sin t + e^t at 0
        # has derivatives -1, 3, -1, 3, ..): take the largest measured ratio
        # and a safety factor
        largest = ratio
        two_steps: Any = 0.0
        if count == 2:  # no lower ratio: d_0 / |D| stands in (a nearly
            # cancelling coefficient, c5 of 0.22 sin(1.5t) + exp(0.75t) at 2, makes
            # `ratio` small by accident)
            first = ops.quotient(diffs[0], ops.absolute(best))
            largest = ops.where(resolved[0], ops.maximum(ratio, first), ratio)
        if count >= 3:
            lower = ops.quotient(below, diffs[-3])
            largest = ops.where(resolved[-3], ops.maximum(ratio, lower), ratio)
            measured = resolved[-3] & resolved[-2]
            two_steps = ops.where(
                measured, below * ops.minimum(1.0, RATIO_SAFETY * lower * lower), 0.0
            )
        shrink = ops.minimum(1.0, RATIO_SAFETY * largest)
        # two steps from the level below too: a nearly cancelling coefficient
        # makes `top` small by accident, not the best level's error
        both = below * ops.minimum(1.0, RATIO_SAFETY * largest * largest)
        truncation = ops.where(
            good, ops.maximum(top * shrink, both), ops.maximum(truncation, two_steps)
        )
        if count == 2 and orders[1] - orders[0] == 1:
            # a one-sided table of three levels has one ratio, of orders one
            # apart, and nothing to check it against: where the two upper
            # levels agree by accident the ratio is tiny and the estimate far
            # too small (1 / (e^x0 + cos x1 + 10), forward: 1.7e-11 off,
            # estimate 3.7e-13; cos(x0 - x1)'s one-sided Hessian diagonal at 0,
            # 4e-8 off, 4e-10). Their difference itself is the bound taken
            truncation = ops.maximum(truncation, top)
        # a resolved top difference that does not shrink: the step is too large
        asymptotic = ops.invert(resolved[-1]) | good
    else:
        asymptotic = ops.invert(resolved[-1]) | (top < 0.1 * ops.absolute(best))
    # for predicting the best step, an unresolved top difference is known only
    # to lie below the rounding level: use that bound, never zero
    bound = RESOLVED * (noise[-2] + noise[-1])
    # below that bound, extrapolate from the lowest order: if the derivatives
    # grow geometrically, relative errors scale as (h / scale)**order, so
    # T_top ~ |D| (d_0 / |D|)**(p_top / p_0). Used only to choose the next step
    # (which is then measured); the reported error stays measured.
    magnitude = ops.maximum(ops.absolute(best), _TINY)
    guess = magnitude * ops.minimum(diffs[0] / magnitude, 1.0) ** (orders[-1] / orders[0])
    if bound_guess:
        guess = ops.minimum(guess, _bound_guess(diffs, resolved, bound))
    # an output with nothing resolved tells nothing about truncation: 0 here
    guess = ops.where(resolved[0], ops.minimum(bound, guess), 0.0)
    # per level: one stacked array (arrays), or a tuple of floats and bools (floats)
    levels: Any = np.stack if ops is ARRAYS else tuple
    return Table(
        best=best,
        truncation=ops.where(resolved[-1], truncation, guess),
        rounding=rounding,
        error=TRUNCATION_MARGIN * truncation + rounding,
        asymptotic=asymptotic,
        any_resolved=ops.any_of(resolved),
        top_resolved=resolved[-1],
        diffs=levels(diffs),
        resolved=levels(resolved),
        flat=flat,
        scale=scale,
    )


def _bound_guess(diffs: list, resolved: list, bound: np.ndarray) -> np.ndarray:
    """The decay that unresolved differences bound (arrays; ``bound_guess``).

    The unresolved differences above the highest resolved one, r, are measured
    too: level r + 1's error is below ``bound``, so the decay per level is at
    most q = bound / d_r, and at that rate T_top ~ d_r q**(L - 1 - r). Where
    this is below the geometric guess the measurement contradicts the guess
    (a polynomial, whose higher orders are exact): the measured one lets the
    step grow until rounding is small (Rosenbrock's Hessian).
    """
    stacked, known = np.stack(diffs), np.stack(resolved)
    count = stacked.shape[0]
    highest = count - 1 - np.argmax(known[::-1], axis=0)  # (m, k)
    d_r = np.take_along_axis(stacked, highest[None], axis=0)[0]
    q = np.where(d_r > 0, np.minimum(bound / d_r, 1.0), 1.0)
    return d_r * q ** (count - highest).astype(float)


SELF_SIMILAR = 2.0  # the differences of two trials fell by factors within this of each other


def power_law(
    table: Table,
    previous: Any,
    ratio: np.ndarray,
    p: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Whether a table whose differences do not shrink is asymptotic after all.

    ``table`` is this trial's :func:`error_table`, ``previous`` the one of the
    trial before on the same lines, at a step ``1 / ratio`` times larger (a
    :class:`Table`, or anything with its ``best``, ``diffs`` and ``resolved``); ``p`` is the
    order of the next-to-last level. Returns, per line and output, whether
    the table follows a power law, and then its error estimate.

    Notes
    -----
    When f is homogeneous about x (``x**7`` or ``x**9`` at 0), every level's
    error is ``c_l h**m`` for one power ``m``, so the ratios of the differences
    ``d_l`` do not depend on ``h`` and need not be small: the table looks "too
    large a step" at every step. Across trials it is plainly asymptotic: each
    resolved difference falls by the same factor ``s = ratio**m``. So a table
    is accepted when (a) the same differences are resolved in both trials,
    top included, (b) every resolved difference fell by a factor within
    ``SELF_SIMILAR`` of the top's ``s`` (one power law for the whole table;
    a step still too large changes the table's shape) and (c)
    ``s <= min(RATIO_SAFETY ratio**p, 1/4)``: the top difference, the error of
    level ``L-2``, falls at least at that level's order. At a pole or a jump
    the differences grow as ``h`` shrinks and (c) fails.

    The error estimate is conservative: the top difference (which bounds the
    error of level ``L-2``, and so of the best level, when the errors are of one
    sign pattern as for monomials, where it is ``|c_{L-2}| + |c_{L-1}|``) and
    the best level's own change across the trials extrapolated with the
    measured ``s``: ``|D(h) - D(h/ratio)| s / (1 - s)``, whichever is larger.

    Examples
    --------
    >>> from slopes.differentiate._engine.stencils import family
    >>> offsets, weights, orders = family("central", 1, 2, 4)
    >>> def table(f, h):
    ...     values = f(offsets * h)[None, :, None]
    ...     return error_table(values, weights, orders, np.array([h]), 1, 2.0**-52)
    >>> big, small = table(lambda t: t**7, 0.015), table(lambda t: t**7, 0.015 / 16)
    >>> bool(small.asymptotic[0, 0])  # the ratio within the table stays 1.8
    False
    >>> scaling, error = power_law(small, big, np.array([1 / 16]), orders[-2])
    >>> bool(scaling[0, 0]), bool(0 < error[0, 0] < 1e-16)
    (True, True)
    >>> pole = power_law(table(lambda t: 1 / t, 0.015 / 16), table(lambda t: 1 / t, 0.015),
    ...                  np.array([1 / 16]), orders[-2])
    >>> bool(pole[0][0, 0])  # self-similar too, but growing
    False
    """
    diffs, resolved = table.diffs, table.resolved
    same = np.all(resolved == previous.resolved, axis=0) & resolved[-1]
    with np.errstate(all="ignore"):
        drop = diffs / previous.diffs
        s = drop[-1]
        similar = np.all(
            ~resolved | (np.abs(np.log(drop / s[None])) <= np.log(SELF_SIMILAR)), axis=0
        )
        fast = np.minimum(RATIO_SAFETY * np.asarray(ratio, dtype=float) ** p, 0.25)
        scaling = same & similar & (s <= fast[:, None])
        cross = np.abs(table.best - previous.best) * s / (1.0 - s)
        error = np.maximum(diffs[-1], cross) + table.rounding
    error = np.where(scaling, np.maximum(table.error, error), table.error)
    return scaling, error


def across_trials(
    table: Table, last: Any, lines: np.ndarray, h: np.ndarray, name: str, orders: tuple
) -> Table:
    """For the adaptive engine: the table, with ``scaling`` marking (and accepting) the
    lines whose tables follow a power law across their last two trials of the same
    stencil family ``name`` (:func:`power_law`); this trial is remembered in
    ``last`` (a :class:`richardson.LastTrial`: per line the family's
    ``name``, ``step``, ``best``, ``diffs`` and ``resolved``)."""
    table = replace(table, scaling=np.zeros(table.best.shape, dtype=bool))
    if len(orders) >= 2 and last.diffs.shape[0] == table.diffs.shape[0]:
        have = last.name[lines] == name
        if have.any():
            previous = _Previous(
                best=last.best[lines], diffs=last.diffs[:, lines], resolved=last.resolved[:, lines]
            )
            scaling, error = power_law(table, previous, h / last.step[lines], orders[-2])
            scaling &= have[:, None] & ~table.asymptotic
            table = replace(
                table,
                scaling=scaling,
                asymptotic=table.asymptotic | scaling,
                error=np.where(scaling, error, table.error),
            )
        last.name[lines] = name
        last.step[lines] = h
        last.best[lines] = table.best
        last.diffs[:, lines] = table.diffs
        last.resolved[:, lines] = table.resolved
    return table


@dataclass(frozen=True)
class _Previous:
    """A line's previous trial, as :func:`power_law` reads it."""

    best: np.ndarray
    diffs: np.ndarray
    resolved: np.ndarray
