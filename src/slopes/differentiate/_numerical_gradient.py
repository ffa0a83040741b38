"""The one numerical-gradient path of :func:`slopes.minimize` and :func:`slopes.fit`.

Both differentiate through :func:`slopes.gradient` itself, with a step rule
named in :mod:`slopes.differentiate._engine.gradient_steps` (minimize's default ``"cube-root"``,
fit's ``"textbook"``), and take the engine's own count of evaluations: the
points of the stencil, counted where they are evaluated (in this process or
on workers), so no caller wraps f to count.

Examples
--------
>>> import numpy as np
>>> est = numerical_gradient(lambda x: x[0] ** 2 + x[1] ** 2, np.array([3.0, 4.0]), "textbook")
>>> est.value, est.nfev
(array([6., 8.]), 4)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from ._api import gradient
from ._engine.gradient_steps import GradientStep

__all__ = ["GradientEstimate", "numerical_gradient"]


class GradientEstimate(NamedTuple):
    """A numerical gradient in x's structure, and the evaluations of f it took."""

    value: Any
    nfev: int


def numerical_gradient(
    f: Callable[[Any], Any],
    x: Any,
    rule: GradientStep,
    *,
    vectorized: bool | int = False,
    workers: Any = None,
) -> GradientEstimate:
    """The gradient of ``f`` at ``x`` under the step rule ``rule``, with its evaluation count.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar`` (a stack of points with ``vectorized``).
    x : array or pytree
        Where to differentiate; never modified.
    rule : {"adaptive", "textbook", "cube-root"} or float
        The step rule (see :mod:`slopes.differentiate._engine.gradient_steps`), already validated.
    vectorized, workers
        As for :func:`slopes.gradient`.

    Returns
    -------
    GradientEstimate
        ``value``, exactly ``gradient(f, x, step=rule, ...)``, and ``nfev``,
        the evaluations of f it took.
    """
    step = None if rule == "adaptive" else rule
    res = gradient(f, x, step=step, full_output=True, vectorized=vectorized, workers=workers)
    return GradientEstimate(res.value, int(res.nfev))
