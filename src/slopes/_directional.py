"""Directional derivatives: Jacobian-vector and Hessian-vector products.

``jvp(f, x, v)`` is ``J(x) v``, the derivative of ``t -> f(x + t v)`` at
``t = 0``: one adaptive derivative in one variable, so its cost does not grow
with the size of ``x``. ``hvp(f, x, v, grad=g)`` is the jvp of the gradient;
without ``grad`` the gradient inside is a fixed fourth-order finite
difference, so that the product costs ``O(n)`` evaluations of f instead of the
``O(n^2)`` of a full Hessian.

Both are built on the public :func:`slopes.jacobian` and
:func:`slopes.gradient`, and inherit their step choice, Richardson
refinement and error estimate.

Examples
--------
>>> import numpy as np
>>> f = lambda x: np.array([x[0] * x[1], np.sin(x[0])])
>>> jvp(f, [1.0, 2.0], [1.0, 0.0]).round(12)
array([2.      , 0.540302])
>>> hvp(lambda x: x[0] ** 2 * x[1], [1.0, 2.0], [1.0, 1.0]).round(8)
array([6., 2.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from slopes._directional_input import (
    FlatPoint,
    check_callable,
    coordinate_scale,
    direction_scale,
    flat_direction,
    flat_point,
    scalar_value_at,
    value_at,
    warn_if_not_finite,
)
from slopes._pytree import flatten
from slopes._result import Result
from slopes.differentiate import gradient, jacobian

__all__ = ["DirectionalResult", "hvp", "jvp"]

# the engine's own status codes, repeated for the zero direction (no evaluation needed)
_CONVERGED = 0
_INNER_ORDER = 4
_INNER_STEP = 1e-2


class DirectionalResult(Result):
    """Result of :func:`jvp`, :func:`hvp` or :func:`hessdiag` with ``full_output=True``.

    Attributes
    ----------
    value : ndarray or pytree
        The product (or the diagonal), as returned without ``full_output``.
    error : ndarray or pytree
        Estimated absolute error of each element.
    nfev : int
        Evaluations of f (of ``grad`` for ``hvp(..., grad=...)``).
    step : float, ndarray or pytree
        The step of the final stencil: for ``jvp`` and ``hvp`` in units of
        ``v`` (f is evaluated at ``x + t v`` with ``|t|`` a few times
        ``step``), for ``hessdiag`` the displacement of each coordinate.
    success : bool
        True where the value is finite and its error estimate is reliable.
    status : int
        The engine's status code for the one line differentiated along
        (see :mod:`slopes.differentiate`: 0 converged, 1 one-sided,
        -1 unreliable, -2 not finite).
    message : str
        The status in words.
    """


def jvp(
    f: Callable[[Any], Any],
    x: Any,
    v: Any,
    *,
    full_output: bool = False,
    vectorized: bool | int = False,
    workers: Any = None,
) -> Any:
    """The Jacobian-vector product ``J(x) v``: the derivative of f at x along v.

    Parameters
    ----------
    f : callable
        ``f(x) -> number or array``; with ``vectorized=True`` f takes a stack
        of points (leading batch axis on every leaf) and returns one value per
        point.
    x : float, array_like or pytree
        Where to differentiate; never modified.
    v : float, array_like or pytree
        The direction, with ``x``'s structure and shapes. It need not be a
        unit vector: the result is linear in ``v``.
    full_output : bool, default False
        Return a :class:`DirectionalResult` instead of the value.
    vectorized : bool or int, default False
        As for :func:`slopes.derivative`: f takes stacks of points (at most
        ``k`` per call for ``vectorized=k``).
    workers : int, Executor, map-like or dask Client, optional
        Spread the evaluations, as for :func:`slopes.derivative`.

    Returns
    -------
    ndarray or DirectionalResult
        ``J(x) v`` with the shape of ``f(x)`` (a numpy scalar for a scalar f).

    Raises
    ------
    TypeError
        ``f`` is not callable, or ``x`` or ``v`` are not real numbers.
    ValueError
        ``x`` or ``v`` not finite, ``v`` not shaped like ``x``, or the
        engine's errors for f (more than one shape of output, ...).

    Notes
    -----
    ``J(x) v = g'(0)`` for ``g(t) = f(x + t w) |v| / s`` with ``w = s v/|v|``:
    one derivative in one variable, by :func:`slopes.jacobian` (adaptive
    step, Richardson extrapolation, error estimate), so the cost is that of
    one coordinate of a Jacobian, about 7 to 13 evaluations of f whatever the
    size of x. The direction is rescaled to the length
    ``s = |diag(scale) v/|v||``, where ``scale_j = max(|x_j|, min(rms(x), 1))``: the
    engine's first step (``0.015``) then moves x by 1.5 % of its own size
    along v, as :func:`slopes.gradient` does along a coordinate, whatever the
    length of v. A zero ``v`` gives zeros after one evaluation.

    Examples
    --------
    >>> import numpy as np
    >>> float(jvp(lambda x: np.sum(x**2), np.array([3.0, 4.0]), np.array([1.0, 1.0])))
    14.0
    >>> res = jvp(lambda x: np.exp(x), [0.0, 1.0], [1.0, 2.0], full_output=True)
    >>> res.value.round(12), bool(np.all(res.error < 1e-10)), int(res.nfev)
    (array([1.        , 5.43656366]), True, 7)
    >>> p = {"w": np.array([1.0, 2.0]), "b": 0.5}
    >>> float(jvp(lambda p: p["b"] * np.sum(p["w"]), p, {"w": np.ones(2), "b": 1.0}))
    4.0
    """
    check_callable(f, "f")
    point = flat_point(x, "x")
    direction = flat_direction(v, point, x)
    return _jvp_flat(f, point, direction, full_output, vectorized, workers)


def _jvp_flat(
    f: Callable[[Any], Any],
    point: FlatPoint,
    direction: np.ndarray,
    full_output: bool,
    vectorized: bool | int,
    workers: Any,
) -> Any:
    norm = float(np.linalg.norm(direction))
    if norm == 0.0:
        value = np.zeros_like(value_at(f, point, vectorized), dtype=float)
        if not full_output:
            return value[()]
        return DirectionalResult(
            value=value[()],
            error=np.zeros_like(value)[()],
            nfev=1,
            step=0.0,
            success=True,
            status=_CONVERGED,
            message="v is zero: the product is zero",
        )
    scale = direction_scale(point.flat, direction)
    w = direction * (scale / norm)
    x0 = point.flat

    def along(t: Any) -> Any:
        return f(point.tree(x0 + float(t) * w))

    def along_stack(ts: Any) -> Any:
        ts = np.asarray(ts, dtype=x0.dtype).reshape(-1, 1)
        return f(point.stack(x0[None, :] + ts * w[None, :]))

    res = jacobian(
        along_stack if vectorized is not False else along,
        point.flat.dtype.type(0.0),  # float32 x: the engine's float32 steps
        full_output=True,
        vectorized=vectorized,
        workers=workers,
    )
    factor = norm / scale  # d/dt f(x + t w) = J w = (scale / norm) J v
    value = np.asarray(res.value) * factor
    if not full_output:
        warn_if_not_finite(value, "Jacobian-vector product")
        return value[()]
    return DirectionalResult(
        value=value[()],
        error=(np.asarray(res.error) * factor)[()],
        nfev=int(res.nfev),
        step=float(res.step) * scale / norm,  # in units of v: f at x + t v
        success=bool(np.all(res.success)),
        status=int(res.status),
        message=str(res.message),
    )


def hvp(
    f: Callable[[Any], Any],
    x: Any,
    v: Any,
    *,
    grad: Callable[[Any], Any] | None = None,
    full_output: bool = False,
    vectorized: bool | int = False,
    workers: Any = None,
) -> Any:
    """The Hessian-vector product ``H(x) v`` of a scalar function.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar`` (with ``vectorized=True``: one value per point of a
        stack). Not called when ``grad`` is given.
    x : float, array_like or pytree
        Where to differentiate; never modified.
    v : float, array_like or pytree
        The direction, with ``x``'s structure and shapes.
    grad : callable, optional
        The gradient of f, ``grad(x) -> x's structure`` (with
        ``vectorized=True``: a stack of gradients). Much cheaper and more
        accurate than the finite-difference gradient used without it.
    full_output : bool, default False
        Return a :class:`DirectionalResult` instead of the value.
    vectorized, workers
        As for :func:`jvp`; they apply to ``grad`` when it is given, else to f.

    Returns
    -------
    ndarray, pytree or DirectionalResult
        ``H(x) v`` in ``x``'s structure.

    Raises
    ------
    TypeError
        ``f`` or ``grad`` not callable, ``x`` or ``v`` not real numbers.
    ValueError
        As for :func:`jvp`; also when ``grad`` returns a structure of another
        size than ``x``.

    Notes
    -----
    ``H v = d/dt grad f(x + t v)`` at ``t = 0``, so ``hvp`` is :func:`jvp` of
    the gradient: with ``grad`` given it costs about 7 to 13 calls of
    ``grad``, whatever the size of x.

    Without ``grad``, the gradient inside the jvp is the fixed fourth-order
    central difference of :func:`slopes.gradient` (points ``+-h, +-2h``
    along each coordinate) with ``h_j = 0.01 scale_j``. Because its stencil is
    fixed, this gradient is a smooth function of ``t`` and the outer jvp
    refines its step as usual. The step is large on purpose: the inner
    differences carry rounding noise of about ``eps |f(x)| / h_j``, and the
    outer engine, which expects values accurate to a few units in the last
    place, judges the product unreliable when that noise is much larger
    (measured: at ``h = eps^{1/5}`` the product was accurate to 1e-11 but
    flagged). The same gradient is also taken at ``2h``; twice ``1/15`` of
    the difference of the two products (the fourth-order error at ``2h`` is
    16 times the one at ``h``; twice, because at 1 % of x's scale the next
    term still counts) is added to the error estimate, as is the inner
    rounding divided by the outer step. Expect about ``1e-9`` relative
    accuracy. Each call of that gradient costs ``8n + 2`` evaluations of f,
    and the outer jvp makes 7 to 13 calls: ``O(n)`` evaluations of f (about
    25 to 50 gradients' worth), against the ``O(n^2)`` of a full Hessian.
    Pass ``grad`` when you have it.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: x[0] ** 2 * x[1] + np.exp(x[1])
    >>> grad = lambda x: np.array([2 * x[0] * x[1], x[0] ** 2 + np.exp(x[1])])
    >>> hvp(f, [1.0, 0.0], [0.0, 1.0], grad=grad).round(12)
    array([2., 1.])
    >>> res = hvp(f, [1.0, 0.0], [0.0, 1.0], full_output=True)
    >>> bool(np.all(np.abs(res.value - [2.0, 1.0]) <= res.error)), bool(res.success)
    (True, True)
    """
    check_callable(f, "f")
    if grad is not None:
        check_callable(grad, "grad")
    point = flat_point(x, "x")
    direction = flat_direction(v, point, x)
    if grad is not None:
        gradient_flat = _raveled(grad, point.size, vectorized is not False)
        res = _jvp_flat(gradient_flat, point, direction, True, vectorized, workers)
        return _hvp_result(res, point, full_output)
    return _hvp_from_f(f, point, direction, full_output, vectorized, workers)


def _raveled(grad: Callable[[Any], Any], size: int, stacked: bool) -> Callable[[Any], Any]:
    """``grad`` with its pytree output raveled into one vector (per point of a stack)."""

    def one(y: Any) -> np.ndarray:
        leaves, _ = flatten(grad(y))
        flat = np.concatenate([np.ravel(np.asarray(leaf, dtype=float)) for leaf in leaves])
        if flat.size != size:
            raise ValueError(f"`grad` must return x's structure ({size} numbers), got {flat.size}")
        return flat

    def stack(ys: Any) -> np.ndarray:
        leaves, _ = flatten(grad(ys))
        arrays = [np.asarray(leaf, dtype=float) for leaf in leaves]
        batch = arrays[0].shape[0] if arrays and arrays[0].ndim else 1
        flat = np.concatenate([array.reshape(batch, -1) for array in arrays], axis=1)
        if flat.shape[1] != size:
            raise ValueError(
                f"`grad` must return x's structure ({size} numbers per point), got {flat.shape[1]}"
            )
        return flat

    return stack if stacked else one


def _hvp_result(res: DirectionalResult, point: FlatPoint, full_output: bool) -> Any:
    value = point.tree(np.asarray(res.value))
    if not full_output:
        warn_if_not_finite(value, "Hessian-vector product")
        return value
    res = DirectionalResult(res)
    res.value = value
    res.error = point.tree(np.asarray(res.error))
    return res


def _hvp_from_f(
    f: Callable[[Any], Any],
    point: FlatPoint,
    direction: np.ndarray,
    full_output: bool,
    vectorized: bool | int,
    workers: Any,
) -> Any:
    n = point.size
    h = _INNER_STEP * coordinate_scale(point.flat)
    steps = (point.tree(h.astype(point.flat.dtype)), point.tree(2 * h.astype(point.flat.dtype)))
    nfev = 0

    def two_gradients(y_flat: Any) -> np.ndarray:
        # the fourth-order difference gradient at steps h and 2h, one after the other
        nonlocal nfev
        y = point.tree(np.asarray(y_flat))
        halves = []
        for step in steps:
            res = gradient(
                f,
                y,
                order=_INNER_ORDER,
                step=step,
                full_output=True,
                vectorized=vectorized,
                workers=workers,
            )
            nfev += int(res.nfev)
            leaves, _ = flatten(res.value)
            halves.append(np.concatenate([np.ravel(np.asarray(leaf)) for leaf in leaves]))
        return np.concatenate(halves)

    fx = scalar_value_at(f, point, vectorized)
    nfev += 1
    identity = FlatPoint(point.flat, lambda vector: vector)
    res = _jvp_flat(two_gradients, identity, direction, True, False, None)
    value, other = np.asarray(res.value)[:n], np.asarray(res.value)[n:]
    engine_error = np.asarray(res.error)[:n]
    # the inner stencil's error at 2h is about 2**order times the one at h; twice that
    # share, because at h = 1 % of x's scale the next term of the error still counts
    truncation = 2 * np.abs(other - value) / (2**_INNER_ORDER - 1)
    # outer step in units of v: the t-derivative divides the inner noise by it
    outer = max(float(res.step), np.finfo(float).tiny)
    rounding = 3 * 1.5 * point.eps * abs(fx) / (h * outer)
    out = DirectionalResult(
        value=value,
        error=engine_error + truncation + rounding,
        nfev=nfev,
        step=res.step,
        success=res.success and bool(np.all(np.isfinite(value))),
        status=res.status,
        message=res.message,
    )
    return _hvp_result(out, point, full_output)
