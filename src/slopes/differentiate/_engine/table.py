"""One Richardson table and its error analysis: what a set of stencil values says.

The adaptive engine (:mod:`slopes.differentiate._engine.richardson`) evaluates a *family* of
nested stencils at one step ``h`` and gets, per line and output, the
estimates ``D_0, .., D_{L-1}`` of increasing order. This module turns them
into a best value, an error estimate and the two terms the next step is
chosen from (truncation and rounding); it evaluates nothing. The Hessian's
product stencils (:mod:`slopes.differentiate._hessian`) and the plain-float
first trial at one scalar (:mod:`slopes.differentiate._engine.first_trial`) use the same
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

from typing import Any

import numpy as np

__all__ = [
    "ASYMPTOTIC_RATIO",
    "NOISE_FACTOR",
    "RATIO_SAFETY",
    "RESOLVED",
    "across_trials",
    "error_table",
    "power_law",
]

NOISE_FACTOR = 2.0  # f's values are taken to be accurate to 2 eps |f|
RESOLVED = 3.0  # a difference counts when above this many rounding levels
ASYMPTOTIC_RATIO = 0.5
RATIO_SAFETY = 4.0  # the next order's error is taken as at most this times the last ratio
# the reported truncation error is the extrapolated one times this: the top level's
# widest points sit 0.3 h further out (stencils.family, against aliasing),
# which makes its error constant up to ~20 % larger than the decay measured on the
# lower levels predicts (sin and exp sums at 1: true 4.95e-12, extrapolated 4.06e-12)
TRUNCATION_MARGIN = 1.5


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
) -> dict[str, np.ndarray]:
    """Estimates of every level and their error analysis, per line and output.

    With ``bound_guess`` the step model also extrapolates from the bound that
    unresolved differences put on the decay (see below): for callers to whom a
    larger step is worth a few more trials (the Hessian's diagonal, whose steps
    every pair reuses). ``mirrored`` says that the points are symmetric about
    0 (ascending) and ``n`` is odd: an output with equal values at mirrored
    points (f even about x) then has exactly zero estimates, as a flat one has.
    """
    with np.errstate(over="ignore"):  # h**n beyond the largest float (log at 1e80, n = 4)
        hn = (h**n)[None, :, None]
    # an output that takes exactly one value at every stencil point is flat along
    # the line: every difference quotient is exactly 0 (the float weights need not
    # sum to exactly 0, so the sum would leave dust of eps |f| / h**n)
    flat = np.all(values == values[:, :1], axis=1)  # (a, k)
    if mirrored:  # offsets symmetric about 0 and n odd: f even about x gives exact zeros too
        flat |= np.all(values == values[:, ::-1], axis=1)
    estimates = np.einsum("lp,apk->lak", weights, values) / hn
    estimates = np.where(flat[None], 0.0, estimates)
    scale = np.max(np.abs(values), axis=1)  # (a, k)
    # rounding level of each estimate: f's values carry about NOISE_FACTOR eps |f|
    # (plus value_noise when f is itself a finite difference, as in hessian). A
    # flat output keeps it: f's values may hide a slope below their rounding
    level = NOISE_FACTOR * (eps * scale + value_noise)
    noise = np.abs(weights).sum(axis=1)[:, None, None] * level[None] / hn
    best = estimates[-1]
    diffs = np.abs(estimates[:-1] - best[None])  # (L-1, a, k)
    resolved = diffs > RESOLVED * (noise[:-1] + noise[-1][None])
    top = diffs[-1]
    rounding = noise[-1]
    truncation = top.copy()  # conservative: bounded by the next-lower order's error
    asymptotic = np.ones_like(top, dtype=bool)
    if diffs.shape[0] >= 2:
        below = diffs[-2]
        with np.errstate(all="ignore"):
            ratio = np.where(below > 0, top / below, np.inf)
        both = resolved[-1] & resolved[-2]
        good = both & (ratio < ASYMPTOTIC_RATIO)
        # the next ratio is not always smaller than this one (2 sin t + e^t at 0
        # has derivatives -1, 3, -1, 3, ..): take the largest measured ratio
        # and a safety factor
        largest = ratio
        two_steps = np.zeros_like(top)
        if diffs.shape[0] == 2:  # no lower ratio: d_0 / |D| stands in (a nearly
            # cancelling coefficient, c5 of 0.22 sin(1.5t) + exp(0.75t) at 2, makes
            # `ratio` small by accident)
            with np.errstate(all="ignore"):
                first = np.where(np.abs(best) > 0, diffs[0] / np.abs(best), np.inf)
            largest = np.where(resolved[0], np.maximum(ratio, first), ratio)
        if diffs.shape[0] >= 3:
            with np.errstate(all="ignore"):
                lower = np.where(diffs[-3] > 0, below / diffs[-3], np.inf)
                largest = np.where(resolved[-3], np.maximum(ratio, lower), ratio)
                measured = resolved[-3] & resolved[-2]
                two_steps = np.where(
                    measured, below * np.minimum(1.0, RATIO_SAFETY * lower * lower), 0.0
                )
        with np.errstate(all="ignore"):
            shrink = np.minimum(1.0, RATIO_SAFETY * largest)
            # two steps from the level below too: a nearly cancelling coefficient
            # makes `top` small by accident, not the best level's error
            both = below * np.minimum(1.0, RATIO_SAFETY * largest * largest)
            truncation = np.where(
                good, np.maximum(top * shrink, both), np.maximum(truncation, two_steps)
            )
            if diffs.shape[0] == 2 and orders[1] - orders[0] == 1:
                # a one-sided table of three levels has one ratio, of orders one
                # apart, and nothing to check it against: where the two upper
                # levels agree by accident the ratio is tiny and the estimate far
                # too small (1 / (e^x0 + cos x1 + 10), forward: 1.7e-11 off,
                # estimate 3.7e-13; cos(x0 - x1)'s one-sided Hessian diagonal at 0,
                # 4e-8 off, 4e-10). Their difference itself is the bound taken
                truncation = np.maximum(truncation, top)
        # a resolved top difference that does not shrink: the step is too large
        asymptotic = ~resolved[-1] | good
    else:
        asymptotic = ~resolved[-1] | (top < 0.1 * np.abs(best))
    any_resolved = resolved.any(axis=0)
    # for predicting the best step, an unresolved top difference is known only
    # to lie below the rounding level: use that bound, never zero
    bound = RESOLVED * (noise[-2] + noise[-1])
    # below that bound, extrapolate from the lowest order: if the derivatives
    # grow geometrically, relative errors scale as (h / scale)**order, so
    # T_top ~ |D| (d_0 / |D|)**(p_top / p_0). Used only to choose the next step
    # (which is then measured); the reported error stays measured.
    p_ratio = orders[-1] / orders[0]
    with np.errstate(all="ignore"):
        magnitude = np.maximum(np.abs(best), np.finfo(float).tiny)
        guess = magnitude * np.minimum(diffs[0] / magnitude, 1.0) ** p_ratio
    # the unresolved differences above the highest resolved one, r, are measured
    # too (with bound_guess): level r + 1's error is below `bound`, so the decay per level is at
    # most q = bound / d_r, and at that rate T_top ~ d_r q**(L - 1 - r). Where
    # this is below the geometric guess the measurement contradicts the guess
    # (a polynomial, whose higher orders are exact): take the measured one,
    # which lets the step grow until rounding is small (Rosenbrock's Hessian)
    if bound_guess:
        count = diffs.shape[0]
        highest = count - 1 - np.argmax(resolved[::-1], axis=0)  # (a, k)
        d_r = np.take_along_axis(diffs, highest[None], axis=0)[0]
        with np.errstate(all="ignore"):
            q = np.where(d_r > 0, np.minimum(bound / d_r, 1.0), 1.0)
            measured = d_r * q ** (count - highest).astype(float)
        guess = np.minimum(guess, measured)
    # an output with nothing resolved tells nothing about truncation: 0 here
    guess = np.where(resolved[0], np.minimum(bound, guess), 0.0)
    model = np.where(resolved[-1], truncation, guess)
    return {
        "best": best,
        "truncation": model,
        "rounding": rounding,
        "error": TRUNCATION_MARGIN * truncation + rounding,
        "asymptotic": asymptotic,
        "any_resolved": any_resolved,
        "top_resolved": resolved[-1],
        "diffs": diffs,
        "resolved": resolved,
        "flat": flat,
        "scale": scale,
    }


SELF_SIMILAR = 2.0  # the differences of two trials fell by factors within this of each other


def power_law(
    table: dict[str, np.ndarray],
    previous: dict[str, np.ndarray],
    ratio: np.ndarray,
    p: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Whether a table whose differences do not shrink is asymptotic after all.

    ``table`` is this trial's :func:`error_table`, ``previous`` the one of the
    trial before on the same lines, at a step ``1 / ratio`` times larger (a
    dict with at least ``best``, ``diffs`` and ``resolved``); ``p`` is the
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
    >>> bool(small["asymptotic"][0, 0])  # the ratio within the table stays 1.8
    False
    >>> scaling, error = power_law(small, big, np.array([1 / 16]), orders[-2])
    >>> bool(scaling[0, 0]), bool(0 < error[0, 0] < 1e-16)
    (True, True)
    >>> pole = power_law(table(lambda t: 1 / t, 0.015 / 16), table(lambda t: 1 / t, 0.015),
    ...                  np.array([1 / 16]), orders[-2])
    >>> bool(pole[0][0, 0])  # self-similar too, but growing
    False
    """
    diffs, resolved = table["diffs"], table["resolved"]
    same = np.all(resolved == previous["resolved"], axis=0) & resolved[-1]
    with np.errstate(all="ignore"):
        drop = diffs / previous["diffs"]
        s = drop[-1]
        similar = np.all(
            ~resolved | (np.abs(np.log(drop / s[None])) <= np.log(SELF_SIMILAR)), axis=0
        )
        fast = np.minimum(RATIO_SAFETY * np.asarray(ratio, dtype=float) ** p, 0.25)
        scaling = same & similar & (s <= fast[:, None])
        cross = np.abs(table["best"] - previous["best"]) * s / (1.0 - s)
        error = np.maximum(diffs[-1], cross) + table["rounding"]
    error = np.where(scaling, np.maximum(table["error"], error), table["error"])
    return scaling, error


def across_trials(
    table: dict, last: Any, lines: np.ndarray, h: np.ndarray, name: str, orders: tuple
) -> None:
    """For the adaptive engine: mark (``table["scaling"]``) and accept the tables
    that follow a power law across each line's last two trials of the same
    stencil family ``name`` (:func:`power_law`), then remember this trial in
    ``last`` (a :class:`slopes.differentiate._engine.richardson.LastTrial`: per line the family's
    ``name``, ``step``, ``best``, ``diffs`` and ``resolved``)."""
    table["scaling"] = np.zeros(table["best"].shape, dtype=bool)
    if len(orders) < 2 or last.diffs.shape[0] != table["diffs"].shape[0]:
        return
    have = last.name[lines] == name
    if have.any():
        previous = {
            "diffs": last.diffs[:, lines],
            "resolved": last.resolved[:, lines],
            "best": last.best[lines],
        }
        scaling, error = power_law(table, previous, h / last.step[lines], orders[-2])
        scaling &= have[:, None] & ~table["asymptotic"]
        table["scaling"] = scaling
        table["asymptotic"] = table["asymptotic"] | scaling
        table["error"] = np.where(scaling, error, table["error"])
    last.name[lines] = name
    last.step[lines] = h
    last.best[lines] = table["best"]
    last.diffs[:, lines] = table["diffs"]
    last.resolved[:, lines] = table["resolved"]
