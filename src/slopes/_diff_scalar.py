"""The adaptive engine for one scalar x, in plain Python floats.

``derivative(np.exp, 1.0)`` is the most common call, and numpy's per-call
overhead on 1-element arrays (about 1 us per operation, some 60 operations
per trial) would dominate its cost. This module runs the same algorithm as
:func:`slopes._richardson.adaptive`, with the same constants and the same
decisions, on Python floats. It handles the central method only; anything
unusual (f not finite at a stencil point) returns None and the caller falls
back to the general engine. Tests check that both engines agree.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from slopes._diff_table import (
    ASYMPTOTIC_RATIO,
    NOISE_FACTOR,
    RATIO_SAFETY,
    RESOLVED,
    power_law,
)
from slopes._diff_trials import CONFIRM_SLACK, CONFIRM_STEP
from slopes._evaluate_block import PointError, raise_at
from slopes._richardson import (
    ACCEPT_FACTOR,
    BLIND_GROWTH,
    CONVERGED,
    MAX_GROWTH,
    SHRINK,
    UNRELIABLE,
)
from slopes._stencils import family
from slopes._steps import relative_factor, smallest_step

__all__ = ["scalar_adaptive"]

_TINY = float(np.finfo(float).tiny)


@functools.lru_cache(maxsize=64)
def _plain_family(n: int, order: int, levels: int) -> tuple:
    offsets, weights, orders = family("central", n, order, levels)
    rows = tuple(
        tuple((float(o), float(w)) for o, w in zip(offsets, row) if w != 0) for row in weights
    )
    sums = tuple(float(np.abs(row).sum()) for row in weights)
    factor = relative_factor(np.dtype(np.float64), orders[-1], n)
    return tuple(float(o) for o in offsets), rows, sums, orders, factor


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


def scalar_adaptive(
    f: Any, x: float, *, n: int, order: int, levels: int, max_trials: int = 6
) -> dict[str, Any] | None:
    """Adaptive central difference at one float64 point; None to fall back."""
    offsets, rows, sums, orders, factor = _plain_family(n, order, levels)
    eps = 2.220446049250313e-16
    p = orders[-1]
    p_ratio = orders[-1] / orders[0]
    h_min = smallest_step(np.dtype(np.float64), n)
    h = max(factor * (abs(x) if x != 0 else 1.0), h_min)
    exact = (x + h) - x
    h = exact if exact > 0 and math.isfinite(exact) else h
    best_error = math.inf
    value = math.nan
    best_step = h
    status = UNRELIABLE
    nfev = 0
    trials = []  # (step, estimate, slack) of every trial whose table was asymptotic
    best_slack = math.inf
    last = None  # the previous trial (step, best, diffs, resolved), for power_law
    for _ in range(max_trials):
        values = _values(f, x, h, offsets)
        nfev += len(offsets)
        scale = max(abs(v) for v in values.values())
        if not math.isfinite(scale):
            return None
        best, diffs, resolved, noise, rounding, truncation, asymptotic = _table(
            values, scale, h, n, rows, sums, eps
        )
        error = truncation + rounding
        scaling = False
        if not asymptotic and last is not None and len(diffs) >= 2:
            # rare (f homogeneous about x, or a step too large): numpy is fine here
            scaling, error = _power_law(last, h, best, diffs, resolved, rounding, error, orders[-2])
            asymptotic = scaling
        last = (h, best, diffs, resolved)
        any_resolved = any(resolved)
        bound = RESOLVED * (noise[-2] + noise[-1])
        magnitude = max(abs(best), _TINY)
        guess = magnitude * min(diffs[0] / magnitude, 1.0) ** p_ratio if resolved[0] else 0.0
        model = truncation if resolved[-1] else min(bound, guess)
        slack = error + (RESOLVED - 1) * rounding  # see slopes._diff_trials.consistent
        if asymptotic:
            trials.append((h, best, slack))
        if not error < best_error:
            break  # stopped improving: keep the best trial
        best_error, value, best_step, best_slack = error, best, h, slack
        status = CONVERGED if asymptotic else UNRELIABLE
        # the predicted optimum (see slopes._steps.optimal_step)
        if model > 0 and rounding > 0:
            step_factor = (n * rounding / (p * model)) ** (1.0 / (p + n))
            e_star = model * step_factor**p + rounding / step_factor**n
        elif model > 0:  # f's values below the rounding of subnormals
            step_factor, e_star = 0.0, math.nan
        else:
            step_factor, e_star = math.inf, 0.0
        aim = 1e3 * eps * abs(best)
        if scaling:
            break  # a power law has no optimal step (see slopes._richardson)
        if any_resolved:
            if asymptotic and model + rounding <= ACCEPT_FACTOR * e_star:
                break
        elif rounding <= aim:
            break
        if not asymptotic:
            h = h * SHRINK
        elif any_resolved:
            h = h * min(max(step_factor, 1.0 / MAX_GROWTH), MAX_GROWTH)
        else:
            growth = (rounding / aim) ** (1.0 / n) if aim > 0 else 1e3
            h = h * min(max(growth, 4.0), BLIND_GROWTH)
        h = max(h, h_min)
        exact = (x + h) - x
        h = exact if exact > 0 and math.isfinite(exact) else h
    large = status == CONVERGED and best_step > CONFIRM_STEP
    if large and not _confirmed(trials, best_step, best_slack, n):
        # a success at a large step is confirmed (see slopes._diff_trials.confirm_large)
        h = max(best_step * SHRINK, h_min)
        exact = (x + h) - x
        h = exact if exact > 0 and math.isfinite(exact) else h
        values = _values(f, x, h, offsets)
        nfev += len(offsets)
        scale = max(abs(v) for v in values.values())
        if math.isfinite(scale):
            table = _table(values, scale, h, n, rows, sums, eps)
            if table[-1]:  # asymptotic
                rounding, truncation = table[4], table[5]
                trials.append((h, table[0], truncation + RESOLVED * rounding))
        if not _confirmed(trials, best_step, best_slack, n):
            status = UNRELIABLE
    if status == CONVERGED and not all(
        abs(estimate - value) <= spread + best_slack
        for step, estimate, spread in trials
        if step < best_step
    ):
        status = UNRELIABLE  # see slopes._diff_trials.consistent
    return {"value": value, "error": best_error, "step": best_step, "status": status, "nfev": nfev}


def _confirmed(trials: list, best_step: float, best_slack: float, n: int) -> bool:
    """:func:`slopes._diff_trials.confirmed` for one line."""
    return any(
        h < best_step and slack <= CONFIRM_SLACK * (best_step / h) ** n * best_slack
        for h, _, slack in trials
    )


def _values(f: Any, x: float, h: float, offsets: tuple) -> dict[float, float]:
    """f at ``x + o h`` for each offset ``o``."""
    values = {}
    with np.errstate(all="ignore"):
        for o in offsets:
            point = np.float64(x + o * h)
            try:
                result = f(point)
            except Exception as exc:
                raise_at(PointError(f"x={point!r}", exc))
            values[o] = _as_float(result)
    return values


def _table(values, scale, h, n, rows, sums, eps) -> tuple:
    """:func:`slopes._diff_table.error_table` for one line with one output."""
    hn = h**n
    estimates = [sum(w * values[o] for o, w in row) / hn for row in rows]
    level = NOISE_FACTOR * eps * scale
    noise = [s * level / hn for s in sums]
    best = estimates[-1]
    diffs = [abs(e - best) for e in estimates[:-1]]
    resolved = [d > RESOLVED * (nz + noise[-1]) for d, nz in zip(diffs, noise)]
    top, rounding = diffs[-1], noise[-1]
    truncation = top
    if len(diffs) >= 2:
        below = diffs[-2]
        ratio = top / below if below > 0 else math.inf
        good = resolved[-1] and resolved[-2] and ratio < ASYMPTOTIC_RATIO
        largest = ratio
        two_steps = 0.0
        if len(diffs) >= 3 and resolved[-3]:
            lower = below / diffs[-3] if diffs[-3] > 0 else math.inf
            largest = max(ratio, lower)
            if resolved[-2]:
                two_steps = below * min(1.0, RATIO_SAFETY * lower * lower)
        # from the level below too (two steps of its ratio): a Taylor coefficient
        # that nearly cancels makes `top` small by accident, not the next error
        truncation = max(top, two_steps)
        if good:
            truncation = max(
                top * min(1.0, RATIO_SAFETY * largest),
                below * min(1.0, RATIO_SAFETY * largest * largest),
            )
        asymptotic = (not resolved[-1]) or good
    else:
        asymptotic = (not resolved[-1]) or top < 0.1 * abs(best)
    return best, diffs, resolved, noise, rounding, truncation, asymptotic


def _power_law(last, h, best, diffs, resolved, rounding, error, p) -> tuple[bool, float]:
    """:func:`slopes._diff_table.power_law` on this trial and the last one."""
    step, last_best, last_diffs, last_resolved = last
    table = {
        "best": np.array([[best]]),
        "diffs": np.array(diffs).reshape(-1, 1, 1),
        "resolved": np.array(resolved).reshape(-1, 1, 1),
        "rounding": np.array([[rounding]]),
        "error": np.array([[error]]),
    }
    previous = {
        "best": np.array([[last_best]]),
        "diffs": np.array(last_diffs).reshape(-1, 1, 1),
        "resolved": np.array(last_resolved).reshape(-1, 1, 1),
    }
    scaling, new_error = power_law(table, previous, np.array([h / step]), p)
    return bool(scaling[0, 0]), float(new_error[0, 0])
