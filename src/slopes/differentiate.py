"""Derivatives, gradients, Jacobians and Hessians by finite differences.

TEMPORARY STUB: fixed-step central differences only, so that other modules can
be developed against the public signatures while the real engine is built.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from slopes._pytree import ravel


def derivative(f, x, *, n=1, method="central", order=2, step=None, **kwargs) -> Any:
    x = np.asarray(x, dtype=float)
    h = 1e-4 if step is None else step
    return (np.vectorize(f)(x + h) - np.vectorize(f)(x - h)) / (2 * h)


def gradient(f, x, *, method="central", order=2, step=None, **kwargs) -> Any:
    flat, unravel = ravel(x)
    h = 1e-4 if step is None else step
    g = np.empty_like(flat)
    for i in range(flat.size):
        e = np.zeros_like(flat)
        e[i] = h
        g[i] = (f(unravel(flat + e)) - f(unravel(flat - e))) / (2 * h)
    return unravel(g)
