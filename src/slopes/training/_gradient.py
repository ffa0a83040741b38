"""The numerical minibatch gradient of :func:`slopes.fit` (private).

:class:`NumericalGradient` differentiates ``loss(params, X_batch, y_batch)``
with respect to ``params`` (any pytree) through the one numerical-gradient
path, :func:`slopes.differentiate._numerical_gradient.numerical_gradient` (that is,
:func:`slopes.gradient` with a named step rule), and adds up the loss
evaluations the engine reports. The engine hands ``loss`` its points in
``params``' own structure; with ``vectorized=True`` as stacks of up to
``POINTS_PER_CALL`` parameter sets (every leaf with a leading axis), the
convention the models in :mod:`slopes.models` evaluate fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._util.pytree import ravel
from ..differentiate._engine.gradient_steps import GradientStep
from ..differentiate._numerical_gradient import numerical_gradient

# fit(vectorized=True): parameter sets per loss call. A model's stacked loss pays
# its forward pass once per call; TwoLayerNet(64, 50, 10) on 100 digits, one
# numerical gradient with step=1e-4: 554 ms at 4 sets per call (gradient's own
# 2**14-number chunks), 185 ms at 17, 99 ms at 69 (benchmarks/NOTES.md)
POINTS_PER_CALL = 64
STACK_ELEMENTS = 2**22  # but at most this many numbers (32 MiB of float64) per stack


def points_per_loss_call(size: int) -> int | bool:
    """``vectorized`` for a loss of ``size`` parameters: k sets per call, or True.

    True (gradient's own chunks of ``2**14`` numbers) where fewer than 2 sets
    fit in ``STACK_ELEMENTS``: both then send one set per call.

    Examples
    --------
    >>> points_per_loss_call(100), points_per_loss_call(2**20), points_per_loss_call(2**23)
    (64, 4, True)
    """
    k = min(POINTS_PER_CALL, STACK_ELEMENTS // max(size, 1))
    return k if k >= 2 else True


class NumericalGradient:
    """The numerical gradient of ``loss(params, Xb, yb)`` under the step rule ``rule``."""

    def __init__(
        self, loss: Callable, params: Any, rule: GradientStep, workers: Any, vectorized: bool | int
    ):
        self.loss, self.rule, self.workers = loss, rule, workers
        if vectorized is True:  # choose k here: a loss's forward pass is a fixed cost per call
            vectorized = points_per_loss_call(ravel(params)[0].size)
        self.vectorized = vectorized
        self.nfev = 0

    def __call__(self, params: Any, Xb: np.ndarray, yb: np.ndarray) -> Any:
        loss = self.loss

        def batch_loss(point: Any) -> Any:
            return loss(point, Xb, yb)

        value, nfev = numerical_gradient(
            batch_loss, params, self.rule, vectorized=self.vectorized, workers=self.workers
        )
        self.nfev += nfev
        return value
