"""The contenders: slopes and the tools people use today, behind one calling convention.

Each entry is a ``Tool``: a name, the raw function(s) it is handed (so that the
benchmark can wrap them in evaluation counters), and ``run(*fs) -> value`` or
``(value, reported)`` where ``reported`` is what the tool says about itself (slopes'
``full_output``: error estimate and nfev). scipy and numdifftools are imported lazily:
they are benchmark-only dependencies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import _cases
import numpy as np

TEXTBOOK_STEP = 1e-4  # the chapter's central difference
COMPLEX_TEXTBOOK_STEP = 1e-20


@dataclass
class Tool:
    name: str
    functions: list[tuple[Callable, int]]  # (raw function, scalars per point) to count
    run: Callable[..., Any]
    calling: str = "one point"  # how f is called: "one point", "vectorized", "elementwise"
    skip: str | None = None  # reason not to run it at all
    once: bool = False  # run once only (too slow to repeat); memory measured in that run
    memory: bool = False  # measure peak memory
    extra: dict = field(default_factory=dict)


def _slopes():
    import slopes

    return slopes


def unpack_slopes(out) -> tuple[Any, dict]:
    """A bare array (an engine without full_output) or a Result."""
    if hasattr(out, "value"):
        reported = {}
        for key in ("nfev", "error", "success", "status"):
            if hasattr(out, key):
                item = getattr(out, key)
                arr = np.asarray(item)
                if key == "error":
                    reported[key] = float(np.max(np.abs(arr))) if arr.size else None
                    reported["_error"] = arr  # elementwise, for the error-within-estimate check
                elif key == "nfev":
                    # per element where the result has it (derivative), as the peers count
                    arr = np.asarray(getattr(out, "nfev_per_element", item))
                    reported[key] = int(np.max(arr)) if arr.size else None
                elif key == "success":
                    reported[key] = bool(np.all(arr))
                else:
                    reported[key] = str(item) if arr.size < 4 else str(arr.ravel()[:3])
        return out.value, reported
    return out, {"note": "engine returned a bare value (no full_output)"}


# ------------------------------------------------------------------ scalar derivative


def scalar_tools(case: _cases.ScalarCase, n: int, method: str) -> list[Tool]:
    x = case.x
    f = case.f
    tools = [
        Tool(
            "slopes",
            [(f, 1)],
            lambda g: unpack_slopes(
                _slopes().derivative(g, x, n=n, method=method, full_output=True)
            ),
            "elementwise",
        ),
    ]

    def ndt(g):
        import numdifftools as nd

        return nd.Derivative(g, n=n, method=method)(x)

    tools.append(Tool("numdifftools", [(f, 1)], ndt, "elementwise"))

    def scipy_derivative(g):
        from scipy.differentiate import derivative

        return derivative(g, x).df

    skip = None
    if n != 1:
        skip = "first derivatives only"
    elif method == "complex":
        skip = "no complex-step method"
    tools.append(Tool("scipy.differentiate", [(f, 1)], scipy_derivative, "elementwise", skip))

    if method == "central" and n == 1:
        h = TEXTBOOK_STEP
        tools.append(
            Tool(
                "textbook (h=1e-4)",
                [(f, 1)],
                lambda g: (g(x + h) - g(x - h)) / (2 * h),
                "elementwise",
            )
        )
    elif method == "complex" and n == 1:
        h = COMPLEX_TEXTBOOK_STEP
        tools.append(
            Tool(
                "complex step (h=1e-20)",
                [(f, 1)],
                lambda g: (g(x + 1j * h)).imag / h,
                "elementwise",
            )
        )
    return tools


# ------------------------------------------------------------------------- gradient


def textbook_gradient(f, x, h=TEXTBOOK_STEP):
    """The chapter's numerical_gradient: one f call per perturbed coordinate."""
    x = np.array(x, dtype=float)
    grad = np.empty_like(x)
    for i in range(x.size):
        saved = x[i]
        x[i] = saved + h
        upper = f(x)
        x[i] = saved - h
        lower = f(x)
        grad[i] = (upper - lower) / (2 * h)
        x[i] = saved
    return grad


def loop_over_trailing(f):
    """A one-point f made to accept scipy's trailing batch (n, ...) -> (...)."""

    def batched(points):
        n = points.shape[0]
        flat = points.reshape(n, -1)
        values = np.array([f(flat[:, j]) for j in range(flat.shape[1])])
        return values.reshape(points.shape[1:])

    return batched


def gradient_tools(n: int, vectorized: bool, quick: bool) -> list[Tool]:
    x = _cases.gradient_point(n)
    big = n >= 1_000
    if vectorized:
        return [
            Tool(
                "slopes",
                [(_cases.sum_sq_sin_leading, n)],
                lambda g: unpack_slopes(
                    _slopes().gradient(g, x, vectorized=True, full_output=True)
                ),
                "vectorized",
                memory=big,
            ),
            Tool(
                "scipy.differentiate.jacobian",
                [(_cases.sum_sq_sin_trailing, n)],
                lambda g: _scipy_jacobian(g, x),
                "vectorized",
                skip="runs out of memory (n×n×stencil arrays)" if n >= 10_000 else None,
                memory=big,
            ),
        ]
    ndt_skip = None
    if n >= 10_000 and quick:
        ndt_skip = "≈30 s here; full run only"
    scipy_skip = None
    if n >= 10_000:
        scipy_skip = "runs out of memory (n×n×stencil arrays)"
    elif n >= 1_000 and quick:
        scipy_skip = "≈1 s per call; full run only"
    return [
        Tool(
            "slopes",
            [(_cases.sum_sq_sin, n)],
            lambda g: unpack_slopes(_slopes().gradient(g, x, full_output=True)),
            memory=big,
        ),
        Tool(
            "numdifftools.Gradient",
            [(_cases.sum_sq_sin, n)],
            lambda g: _ndt("Gradient", g, x),
            skip=ndt_skip,
            once=n >= 10_000,  # ≈30 s: one run, memory measured in it
            memory=big,
        ),
        Tool(
            "scipy.differentiate.jacobian (looped f)",
            [(_cases.sum_sq_sin, n)],
            lambda g: _scipy_jacobian(loop_over_trailing(g), x),
            skip=scipy_skip,
            memory=big,
        ),
        Tool(
            "scipy.optimize.approx_fprime",
            [(_cases.sum_sq_sin, n)],
            lambda g: _approx_fprime(g, x),
            memory=big,
        ),
        Tool(
            "textbook loop (h=1e-4)",
            [(_cases.sum_sq_sin, n)],
            lambda g: textbook_gradient(g, x),
            memory=big,
        ),
    ]


def _ndt(kind, g, x):
    import numdifftools as nd

    return getattr(nd, kind)(g)(x)


def _scipy_jacobian(g, x):
    from scipy.differentiate import jacobian

    return jacobian(g, x).df


def _scipy_hessian(g, x):
    from scipy.differentiate import hessian

    return hessian(g, x).ddf


def _approx_fprime(g, x):
    from scipy.optimize import approx_fprime

    return approx_fprime(x, g)


# -------------------------------------------------------------------------- Hessian


def textbook_hessian(f, x, h=TEXTBOOK_STEP):
    """The chapter's central difference applied twice: 4 f calls per (i, j)."""
    x = np.array(x, dtype=float)
    n = x.size
    hess = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            values = []
            for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                y = x.copy()
                y[i] += si * h
                y[j] += sj * h
                values.append(f(y))
            hess[i, j] = hess[j, i] = (values[0] - values[1] - values[2] + values[3]) / (4 * h * h)
    return hess


def textbook_jacobian(g, x, h=TEXTBOOK_STEP):
    """Central difference of a vector function, one coordinate at a time."""
    x = np.array(x, dtype=float)
    columns = []
    for i in range(x.size):
        saved = x[i]
        x[i] = saved + h
        upper = np.array(g(x))
        x[i] = saved - h
        lower = np.array(g(x))
        x[i] = saved
        columns.append((upper - lower) / (2 * h))
    return np.stack(columns, axis=1)


def hessian_tools(n: int, with_grad: bool) -> list[Tool]:
    x = _cases.hessian_point(n)
    f, g = _cases.rosenbrock, _cases.rosenbrock_grad
    if with_grad:
        return [
            Tool(
                "slopes",
                [(f, n), (g, n)],
                lambda fc, gc: unpack_slopes(_slopes().hessian(fc, x, grad=gc, full_output=True)),
            ),
            Tool("numdifftools.Jacobian", [(f, n), (g, n)], lambda fc, gc: _ndt("Jacobian", gc, x)),
            Tool(
                "scipy.differentiate.jacobian",
                [(f, n), (g, n)],
                lambda fc, gc: _scipy_jacobian(gc, x),
                "vectorized",
            ),
            Tool(
                "textbook loop (h=1e-4)",
                [(f, n), (g, n)],
                lambda fc, gc: textbook_jacobian(gc, x),
            ),
        ]
    return [
        Tool(
            "slopes", [(f, n)], lambda fc: unpack_slopes(_slopes().hessian(fc, x, full_output=True))
        ),
        Tool(
            "slopes (vectorized f)",
            [(_cases.rosenbrock_leading, n)],
            lambda fc: unpack_slopes(_slopes().hessian(fc, x, vectorized=True, full_output=True)),
            "vectorized",
        ),
        Tool("numdifftools.Hessian", [(f, n)], lambda fc: _ndt("Hessian", fc, x)),
        Tool(
            "scipy.differentiate.hessian",
            [(f, n)],
            lambda fc: _scipy_hessian(fc, x),
            "vectorized",
        ),
        Tool("textbook loop (h=1e-4)", [(f, n)], lambda fc: textbook_hessian(fc, x)),
    ]
