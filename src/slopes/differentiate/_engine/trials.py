"""Checks across an adaptive line's trials: agreement, and confirmation at large steps.

:func:`richardson.adaptive` keeps every trial's estimate, its
*slack* (error estimate, with the rounding part counted ``RESOLVED`` times)
and whether its table looked asymptotic, in arrays ``(trials, lines[, k])``.
These functions decide from them, at no cost in evaluations except
:func:`confirm_large`'s one trial, and only at large steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .table import RESOLVED

__all__ = ["CONFIRM_SLACK", "CONFIRM_STEP", "confirm_large", "confirmed", "consistent", "record"]

# a success at a step beyond this needs a confirming trial at a smaller step
CONFIRM_STEP = 1.0
CONFIRM_SLACK = 4.0  # margin on the confirming trial's error (see confirm_large)


def confirm_large(
    trials: Any,
    large: np.ndarray,
    best_step: np.ndarray,
    n: int,
    evaluate: Callable,
    row: int,
    shrink: float,
) -> np.ndarray:
    """A success at a step beyond ``CONFIRM_STEP`` needs a confirming trial at a smaller step.

    The first step is a fraction of ``|x|``, blind to f's own scale: at large
    ``|x|`` it can span many periods of f (``sin(x)**9`` at ``x = 1000`` with
    the step 15, ``sin(50 x)`` at ``1e4`` with 150), where the samples alias
    and the table can look asymptotic by accident, with a small error estimate
    and a wrong value. A truly asymptotic table at ``h`` stays so at a smaller
    step ``h_c``, with an error no larger than its own times
    ``(h / h_c)**n`` (rounding grows so, truncation falls), and agrees with
    it (:func:`consistent`); aliased samples almost never do both. So a line
    whose best step exceeds ``CONFIRM_STEP`` (1: longer than the scale on
    which ``sin`` or ``exp`` vary) needs a *confirming* trial: at a smaller
    step, asymptotic, with slack at most ``CONFIRM_SLACK (h / h_c)**n`` times
    the best trial's. Without one among its trials, it is evaluated once more
    at ``shrink`` times its step by ``evaluate(lines, h) -> (finite, h,
    table)``, and if that does not confirm it either, it has failed (the
    caller marks it ``UNRELIABLE``). It costs at most one trial, and only at
    large steps. Returns the mask of failed lines.
    """
    need = np.flatnonzero(large & ~confirmed(trials, best_step, n))
    failed = np.zeros(large.shape, dtype=bool)
    if need.size == 0:
        return failed
    finite, h, table = evaluate(need, best_step[need] * shrink)
    if table is not None:
        record(trials, table, need[finite], np.full(int(finite.sum()), row), h[finite])
    failed[need[~confirmed(trials, best_step, n)[need]]] = True
    return failed


def confirmed(trials: Any, best_step: np.ndarray, n: int) -> np.ndarray:
    """Whether each line has a confirming trial (see :func:`confirm_large`)."""
    best = np.max(np.where((trials.step == best_step)[..., None], trials.slack, 0.0), axis=0)
    with np.errstate(all="ignore"):
        growth = (best_step[None, :] / trials.step) ** n
        bounded = (trials.slack <= CONFIRM_SLACK * growth[..., None] * best[None]).all(axis=2)
    return np.any(trials.asymptotic & (trials.step < best_step[None, :]) & bounded, axis=0)


def record(trials: Any, table: Any, lines: np.ndarray, index: np.ndarray, h: np.ndarray) -> None:
    """Store one trial's table for ``lines`` in row ``index`` of ``trials``."""
    trials.step[index, lines] = h
    trials.value[index, lines] = table.best
    # the table's own rule: differences below RESOLVED rounding levels are noise
    trials.slack[index, lines] = table.error + (RESOLVED - 1) * table.rounding
    trials.asymptotic[index, lines] = table.asymptotic.all(axis=1)


def consistent(trials: Any, value: np.ndarray, best_step: np.ndarray) -> np.ndarray:
    """Whether each line's result agrees with its other trials at smaller steps.

    A table that is truly asymptotic at a step ``h`` stays so at every smaller
    step down to the rounding level, so two such trials must agree within the
    sum of their error estimates (the rounding parts counted ``RESOLVED``
    times: below that, differences are noise). At a pole (``1/x`` at 0, ``tan`` at pi/2)
    or a jump every level scales like a negative power of ``h``: each
    table looks asymptotic, with relative differences independent of ``h``,
    but the estimates grow without bound as the step shrinks, and the check
    fails. Trials at *larger* steps are not compared: there a table can look
    asymptotic by aliasing (``sin(50 x)`` at ``x = 1e4`` with the initial
    step ``150``) and be wrong, which says nothing about the best trial.

    Trials at smaller steps count whether their tables looked asymptotic or
    not. One that did not (its differences resolved but not shrinking) yet
    agrees with the result is a step where f's rounding was larger than the
    model said; one that disagrees says f varies on a scale below the best
    step, whose samples were aliased: ``sin(861.37 t)`` at ``-4.8786`` has a
    first step of 10.003 periods, and its table looks asymptotic with
    ``1.0015 +- 2.5e-8`` for a derivative of 312.6; the next trial, at a fifth
    of the step, gives ``5.8 +- 0.24``.
    The check costs no evaluations; a line with one trial passes it.
    """
    smaller = trials.step < best_step[None, :]
    best = np.max(np.where((trials.step == best_step)[..., None], trials.slack, 0.0), axis=0)
    with np.errstate(all="ignore"):
        apart = np.abs(trials.value - value[None]) > trials.slack + best[None]
    return ~np.any(smaller & apart.any(axis=2), axis=0)
