"""The numerical minibatch gradient of :func:`slopes.fit` (private).

:class:`NumericalGradient` differentiates ``loss(params, X_batch, y_batch)``
with respect to ``params`` (any pytree) through :func:`slopes.gradient` on the
flat parameter vector, and counts the loss evaluations that cost. With
``vectorized=True`` the stencil's points reach ``loss`` as stacks of up to
``POINTS_PER_CALL`` parameter sets (see :func:`stack_unraveler`), the
convention the models in :mod:`slopes.models` evaluate fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._util.pytree import flatten, ravel, unflatten
from ..differentiate._engine.evaluate import points_per_call

# fit(vectorized=True): parameter sets per loss call. A model's stacked loss pays
# its forward pass once per call; TwoLayerNet(64, 50, 10) on 100 digits, one
# numerical gradient with step=1e-4: 554 ms at 4 sets per call (gradient's own
# 2**14-number chunks), 185 ms at 17, 99 ms at 69 (benchmarks/NOTES.md)
POINTS_PER_CALL = 64
STACK_ELEMENTS = 2**22  # but at most this many numbers (32 MiB of float64) per stack


def stack_unraveler(params: Any) -> Callable[[np.ndarray], Any]:
    """Map a (k, n) stack of flat vectors to a pytree whose leaves have a leading k axis."""
    leaves, treedef = flatten(params)
    shapes = [np.shape(leaf) for leaf in leaves]
    offsets = np.cumsum([0] + [int(np.prod(s, dtype=int)) for s in shapes])

    def unravel_stack(stack: np.ndarray) -> Any:
        k = stack.shape[0]
        pieces = [
            stack[:, a:b].reshape((k, *shape)) for a, b, shape in zip(offsets, offsets[1:], shapes)
        ]
        return unflatten(treedef, pieces)

    return unravel_stack


class NumericalGradient:
    """The numerical gradient of ``loss(params, Xb, yb)`` through slopes.gradient."""

    def __init__(
        self, loss: Callable, params: Any, step: float, workers: Any, vectorized: bool | int
    ):
        self.loss, self.step, self.workers = loss, step, workers
        flat, self.unravel = ravel(params)
        if vectorized and points_per_call(vectorized) is None:  # True: choose k here
            # a loss's forward pass is a fixed cost per call: stack many points
            vectorized = max(1, min(POINTS_PER_CALL, STACK_ELEMENTS // max(flat.size, 1)))
        self.vectorized = vectorized
        self.unravel_stack = stack_unraveler(params)
        self.nfev = 0

    def __call__(self, params: Any, Xb: np.ndarray, yb: np.ndarray) -> Any:
        from ..differentiate import gradient

        loss, unravel, unravel_stack = self.loss, self.unravel, self.unravel_stack
        counted = [0]

        def flat_loss(point: np.ndarray) -> Any:
            # one flat parameter vector, or (vectorized) a stack of them, one per row
            if point.ndim == 1:
                counted[0] += 1
                return loss(unravel(point), Xb, yb)
            counted[0] += point.shape[0]
            return np.asarray(loss(unravel_stack(point), Xb, yb))

        out = gradient(
            flat_loss,
            ravel(params)[0],
            step=self.step,
            workers=self.workers,
            vectorized=self.vectorized,
            full_output=True,
        )
        if isinstance(out, dict):
            value, nfev = out["value"], int(out.get("nfev", counted[0]))
        else:  # a gradient without full_output support
            value, nfev = out, counted[0]
        self.nfev += max(nfev, counted[0]) if self.workers is None else nfev
        return unravel(np.asarray(value))
