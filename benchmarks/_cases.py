"""The benchmark's problems and their closed-form derivatives (its ground truth).

numpy only: ``tests/test_benchmarks_smoke.py`` imports this table and checks every
closed form here against an independent evaluation, so the references that all
errors in the results are measured against are themselves tested.

Every scalar function accepts complex input (numpy's ufuncs do), so the complex-step
method can be benchmarked on the same table and the test can check the closed forms
with Cauchy's integral formula.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# --------------------------------------------------------------------------- scalar


@dataclass(frozen=True)
class ScalarCase:
    """f: R -> R at one point, with its first three derivatives in closed form."""

    name: str
    f: Callable
    x: float
    derivatives: tuple[Callable, Callable, Callable]  # f', f'', f'''
    # radius of a circle around x on which f is analytic (for the Cauchy-integral check)
    radius: float

    def exact(self, n: int) -> float:
        return float(self.derivatives[n - 1](self.x))


def _quadratic(x):
    return 0.01 * x**2 + 0.1 * x


def _runge(x):
    return 1.0 / (1.0 + x**2)


def _damped_wave(x):
    return np.exp(-(x**2)) * np.cos(5.0 * x)


def _damped_wave_d1(x):
    return np.exp(-(x**2)) * (-2.0 * x * np.cos(5 * x) - 5.0 * np.sin(5 * x))


def _damped_wave_d2(x):
    return np.exp(-(x**2)) * ((4.0 * x**2 - 27.0) * np.cos(5 * x) + 20.0 * x * np.sin(5 * x))


def _damped_wave_d3(x):
    return np.exp(-(x**2)) * (
        (162.0 * x - 8.0 * x**3) * np.cos(5 * x) + (155.0 - 60.0 * x**2) * np.sin(5 * x)
    )


_EXP = (np.exp, np.exp, np.exp)
_SIN = (np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x))
_LOG = (lambda x: 1.0 / x, lambda x: -1.0 / x**2, lambda x: 2.0 / x**3)
_QUADRATIC = (lambda x: 0.02 * x + 0.1, lambda x: 0.02 + 0 * x, lambda x: 0 * x)
_RUNGE = (
    lambda x: -2.0 * x / (1.0 + x**2) ** 2,
    lambda x: (6.0 * x**2 - 2.0) / (1.0 + x**2) ** 3,
    lambda x: 24.0 * x * (1.0 - x**2) / (1.0 + x**2) ** 4,
)

# The differentiation issue's case table (issue 2), in its order.
SCALAR_CASES: tuple[ScalarCase, ...] = (
    ScalarCase("exp at 1", np.exp, 1.0, _EXP, 1.0),
    ScalarCase("sin at 1000", np.sin, 1000.0, _SIN, 1.0),
    ScalarCase("log at 1e-3", np.log, 1e-3, _LOG, 5e-4),
    ScalarCase("log at 1e20", np.log, 1e20, _LOG, 5e19),
    ScalarCase("0.01x²+0.1x at 5", _quadratic, 5.0, _QUADRATIC, 1.0),
    ScalarCase("0.01x²+0.1x at 10", _quadratic, 10.0, _QUADRATIC, 1.0),
    ScalarCase("1/(1+x²) at 0.5", _runge, 0.5, _RUNGE, 0.5),
    ScalarCase(
        "exp(-x²)cos(5x) at 0.3",
        _damped_wave,
        0.3,
        (_damped_wave_d1, _damped_wave_d2, _damped_wave_d3),
        0.5,
    ),
)

# ------------------------------------------------------------------------- gradient
# f(x) = sum(x²) + sum(sin x), grad f = 2x + cos x. Three calling conventions of the
# same function: one point (x of shape (n,)), a batch along the leading axis (slopes'
# `vectorized=True`: shape (m, n) -> (m,)), a batch along the trailing axes
# (scipy.differentiate: shape (n, ...) -> (...)).

GRADIENT_SIZES = (10, 100, 1_000, 10_000)


def sum_sq_sin(x):
    return np.sum(x**2) + np.sum(np.sin(x))


def sum_sq_sin_leading(x):
    return np.sum(x**2 + np.sin(x), axis=-1)


def sum_sq_sin_trailing(x):
    return np.sum(x**2 + np.sin(x), axis=0)


def sum_sq_sin_grad(x):
    return 2.0 * x + np.cos(x)


def gradient_point(n: int) -> np.ndarray:
    """The evaluation point of the size-n gradient case (seeded, reproducible)."""
    return np.random.default_rng(n).uniform(-1.0, 1.0, n)


# -------------------------------------------------------------------------- Hessian
# Rosenbrock f(x) = sum_i 100 (x[i+1] - x[i]²)² + (1 - x[i])², written along axis 0 so
# that one formula serves a single point (n,) and scipy's trailing batch (n, ...).

HESSIAN_SIZES = (5, 20, 50)


def rosenbrock(x):
    x = np.asarray(x)
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2, axis=0)


def rosenbrock_leading(x):
    """Batch along the leading axis: (m, n) -> (m,)."""
    return rosenbrock(np.moveaxis(np.asarray(x), -1, 0))


def rosenbrock_grad(x):
    """Closed-form gradient; works for (n,) and scipy's trailing batch (n, ...)."""
    x = np.asarray(x)
    g = np.zeros_like(x)
    inner = x[1:] - x[:-1] ** 2
    g[:-1] = -400.0 * x[:-1] * inner - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * inner
    return g


def rosenbrock_hess(x):
    """Closed-form Hessian: tridiagonal, shape (n, n)."""
    x = np.asarray(x, dtype=float)
    n = x.size
    diag = np.zeros(n)
    diag[:-1] = 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    diag[1:] += 200.0
    off = -400.0 * x[:-1]
    return np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)


def hessian_point(n: int) -> np.ndarray:
    """The evaluation point of the size-n Hessian case (seeded, reproducible)."""
    return np.random.default_rng(1000 + n).uniform(-1.0, 1.0, n)
