"""Directional derivatives: Jacobian-vector and Hessian-vector products.

``jvp(f, x, v)`` is ``J(x) v``, the derivative of ``t -> f(x + t v)`` at
``t = 0``: one adaptive derivative in one variable, so its cost does not grow
with the size of ``x``. ``hvp(f, x, v, grad=g)`` is the jvp of the gradient.
Without ``grad`` it is a fixed-stencil difference along v of a fixed-stencil
difference gradient, each taken at two steps so that every part of its error
is measured: ``O(n)`` evaluations of f instead of a full Hessian's ``O(n^2)``.

Both are built on the public :func:`slopes.jacobian` and
:func:`slopes.gradient`, and inherit their evaluation machinery (``workers``,
``vectorized``, pytrees); jvp also inherits the engine's step choice,
Richardson refinement and error estimate.

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
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from .._util.pytree import flatten
from .._util.result import Result
from .._util.status import Status
from . import gradient
from ._api import line_jacobian
from ._directional_input import (
    FlatPoint,
    check_callable,
    coordinate_scale,
    direction_factor,
    flat_direction,
    flat_point,
    scalar_value_at,
    value_at,
    warn_if_not_finite,
)
from ._engine.validate import check_vectorized

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .._util.pytree import ArrayInput, Container, Tree

__all__ = ["DirectionalResult", "hvp", "jvp"]

# the engine's own status codes, for the zero direction (no evaluation needed)
_CONVERGED = Status.CONVERGED
_UNRELIABLE = Status.UNRELIABLE
# hvp from f alone: inner gradient stencil (order, step / scale) and outer step (t units)
_INNER_ORDER = 4
_INNER_STEP = 1e-2
_OUTER_STEP = 5e-3
_HVP_MESSAGES = {
    True: "converged: the outer differences shrink as their order predicts",
    False: (
        "the error estimate is not reliable: the differences along v did not shrink "
        "16-fold when the step was halved (f noisy, not smooth, or varying on a scale "
        "below 4 % of x's)"
    ),
}


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


@overload
def jvp(
    f: Callable[[Any], Any],
    x: ArrayInput | Container,
    v: ArrayInput | Container,
    *,
    full_output: Literal[False] = ...,
    vectorized: bool | int = ...,
    workers: Any = ...,
) -> NDArray[np.inexact[Any]] | np.inexact[Any]: ...


@overload
def jvp(
    f: Callable[[Any], Any],
    x: ArrayInput | Container,
    v: ArrayInput | Container,
    *,
    full_output: Literal[True],
    vectorized: bool | int = ...,
    workers: Any = ...,
) -> DirectionalResult: ...


@overload
def jvp(
    f: Callable[[Any], Any],
    x: ArrayInput | Container,
    v: ArrayInput | Container,
    *,
    full_output: bool,
    vectorized: bool | int = ...,
    workers: Any = ...,
) -> NDArray[np.inexact[Any]] | np.inexact[Any] | DirectionalResult: ...


def jvp(
    f: Callable[[Any], Any],
    x: ArrayInput | Container,
    v: ArrayInput | Container,
    *,
    full_output: bool = False,
    vectorized: bool | int = False,
    workers: Any = None,
) -> NDArray[np.inexact[Any]] | np.inexact[Any] | DirectionalResult:
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
    ``J(x) v = c g'(0)`` for ``g(t) = f(x + t v / c)``:
    one derivative in one variable, by :func:`slopes.jacobian` (adaptive
    step, Richardson extrapolation, error estimate), so the cost is that of
    one coordinate of a Jacobian, about 7 to 13 evaluations of f whatever the
    size of x. The factor is ``c = max_j |v_j| / scale_j``, where
    ``scale_j = max(|x_j|, min(rms(x), 1))``: the engine's first step
    (``0.015``) then moves the coordinate that moves most by 1.5 % of its own
    scale, as :func:`slopes.gradient` moves a single coordinate, whatever the
    length of v and however many coordinates it spreads over. A zero ``v``
    gives zeros after one evaluation.

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
    vectorized = check_vectorized(vectorized)
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
    if not np.any(direction):
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
    factor = direction_factor(point.flat, direction)
    w = direction / factor
    x0 = point.flat

    def along(t: Any) -> Any:
        return f(point.tree(x0 + float(t) * w))

    def along_stack(ts: Any) -> Any:
        ts = np.asarray(ts, dtype=x0.dtype).reshape(-1, 1)
        return f(point.stack(x0[None, :] + ts * w[None, :]))

    # the line's points sit at x: in units of w, its position along the line is
    # |x . w| / |w|^2 (for a coordinate direction, |x_j|, as for a gradient's lines)
    position = abs(float(np.dot(x0, w))) / float(np.dot(w, w))
    res = line_jacobian(
        along_stack if vectorized is not False else along,
        point.flat.dtype.type(0.0),  # float32 x: the engine's float32 steps
        position=position,
        vectorized=vectorized,
        workers=workers,
    )
    # d/dt f(x + t w) = J w = J v / factor
    value = np.asarray(res.value) * factor
    if not full_output:
        warn_if_not_finite(value, "Jacobian-vector product")
        return value[()]
    return DirectionalResult(
        value=value[()],
        error=(np.asarray(res.error) * factor)[()],
        nfev=int(res.nfev),
        step=float(res.step) / factor,  # in units of v: f at x + t v
        success=bool(np.all(res.success)),
        status=int(res.status),
        message=str(res.message),
    )


@overload
def hvp(
    f: Callable[[Any], Any],
    x: ArrayInput,
    v: ArrayInput | Container,
    *,
    grad: Callable[[Any], Any] | None = ...,
    full_output: Literal[False] = ...,
    vectorized: bool | int = ...,
    workers: Any = ...,
) -> NDArray[np.inexact[Any]]: ...


@overload
def hvp(
    f: Callable[[Any], Any],
    x: Tree,
    v: ArrayInput | Container,
    *,
    grad: Callable[[Any], Any] | None = ...,
    full_output: Literal[False] = ...,
    vectorized: bool | int = ...,
    workers: Any = ...,
) -> Tree: ...


@overload
def hvp(
    f: Callable[[Any], Any],
    x: ArrayInput | Container,
    v: ArrayInput | Container,
    *,
    grad: Callable[[Any], Any] | None = ...,
    full_output: Literal[True],
    vectorized: bool | int = ...,
    workers: Any = ...,
) -> DirectionalResult: ...


@overload
def hvp(
    f: Callable[[Any], Any],
    x: ArrayInput | Container,
    v: ArrayInput | Container,
    *,
    grad: Callable[[Any], Any] | None = ...,
    full_output: bool,
    vectorized: bool | int = ...,
    workers: Any = ...,
) -> NDArray[np.inexact[Any]] | Container | DirectionalResult: ...


def hvp(
    f: Callable[[Any], Any],
    x: ArrayInput | Container,
    v: ArrayInput | Container,
    *,
    grad: Callable[[Any], Any] | None = None,
    full_output: bool = False,
    vectorized: bool | int = False,
    workers: Any = None,
) -> NDArray[np.inexact[Any]] | Container | DirectionalResult:
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
    vectorized : bool or int, default False
        As for :func:`jvp`; it applies to ``grad`` when it is given, else to f.
    workers : int, Executor, map-like or dask Client, optional
        As for :func:`jvp`; they evaluate ``grad`` when it is given, else f.

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

    Without ``grad``, ``G`` is the fixed fourth-order central difference of
    :func:`slopes.gradient` (points ``+-h, +-2h`` along each coordinate,
    ``h_j = 0.01 scale_j``), and its derivative along v is a fixed
    fourth-order central difference too, at ``x + k tau w`` for
    ``k = +-1, +-2, +-4, +-8`` (``w`` is v rescaled to x's size, as in
    :func:`jvp`; ``tau = 0.005``). Not the adaptive engine: the nested
    differences carry rounding noise of about ``eps |f(x)| / (h tau)``, far
    above the few units in the last place the engine assumes of its f, and it
    would call the product unreliable (measured: accurate to 1e-11, flagged).
    Instead every part of the error is measured here: the inner stencil at
    ``h`` and ``2h`` and the outer one at ``tau`` and ``2 tau`` (a
    fourth-order error grows 16-fold when the step doubles: twice ``1/15`` of
    each change is added, twice because at these steps the next term still
    counts), plus the rounding noise. ``success`` checks that the outer
    change shrinks 16-fold from ``4 tau`` to ``tau`` (8-fold allowed), or is
    already at the noise. Expect about ``1e-9`` relative accuracy for f of
    moderate size. Cost: at each of the 8 points two gradients of ``4n``
    evaluations, ``64n + 1`` in all: ``O(n)`` (about 16 adaptive gradients'
    worth), against the ``O(n^2)`` of a full Hessian. Pass ``grad`` when you have it.

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
    vectorized = check_vectorized(vectorized)
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


def _zero_product(point: FlatPoint) -> DirectionalResult:
    zeros = np.zeros(point.size)
    return DirectionalResult(
        value=zeros,
        error=zeros.copy(),
        nfev=0,
        step=0.0,
        success=True,
        status=_CONVERGED,
        message="v is zero: the product is zero",
    )


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
    """H v from f alone: a fixed-stencil derivative along v of a fixed-stencil gradient.

    Both stencils are fourth-order central differences, each taken at two steps
    (inner ``h, 2h``; outer ``tau, 2tau, 4tau``) so that every part of the error
    is measured, and the rounding noise of the nested differences, which the
    adaptive engine cannot know about, enters the estimate explicitly.
    """
    if not np.any(direction):
        return _hvp_result(_zero_product(point), point, full_output)
    dtype = point.flat.dtype
    h = _INNER_STEP * coordinate_scale(point.flat)
    steps = (point.tree(h.astype(dtype)), point.tree((2 * h).astype(dtype)))
    factor = direction_factor(point.flat, direction)
    w = direction / factor  # t moves no coordinate by more than t of its scale
    nfev = 0

    def two_gradients(t: float) -> np.ndarray:
        # the fourth-order difference gradient at x + t w, at steps h and 2h
        nonlocal nfev
        y = point.tree((point.flat + t * w).astype(dtype))
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
            halves.append(
                np.concatenate([np.ravel(np.asarray(leaf, dtype=float)) for leaf in leaves])
            )
        return np.stack(halves)  # (2, n): steps h and 2h

    fx = scalar_value_at(f, point, vectorized)
    nfev += 1
    tau = _OUTER_STEP
    values = {k * tau: two_gradients(k * tau) for k in (-8, -4, -2, -1, 1, 2, 4, 8)}

    def outer(a: float) -> np.ndarray:
        # (8 (G(a) - G(-a)) - (G(2a) - G(-2a))) / (12 a): error a^4 G^(5) / 30
        odd1, odd2 = values[a] - values[-a], values[2 * a] - values[-2 * a]
        return (8 * odd1 - odd2) / (12 * a)

    d1, d2, d4 = outer(tau), outer(2 * tau), outer(4 * tau)  # each (2, n)
    to_v = factor  # d/dt G(x + t w) = H w = H v / factor
    value = d1[0] * to_v
    eps = point.eps
    # rounding: the inner differences carry about 1.5 eps |f| / h_j, where |f| is f's size
    # near x, not only at x (f(x) may be 0): f moves by about |g_j| 2h_j along a coordinate
    # and |g . w| 8 tau along v; the outer stencil multiplies by 1.5 / tau; twice for safety
    slope = np.abs(values[tau][0])
    f_size = abs(fx) + 2 * slope * h + 8 * tau * abs(float(values[tau][0] @ w))
    noise = 2 * 1.5 * (1.5 * eps * f_size / h) / tau
    outer_change = np.abs(d1[0] - d2[0])  # the outer error at 2 tau is 16 times the one at tau
    inner_change = np.abs(d1[1] - d1[0])  # the inner error at 2h is 16 times the one at h
    error = (2 * outer_change / 15 + 2 * inner_change / 15 + noise) * to_v
    # asymptotic regime: the changes shrink 16-fold per halving, or are noise already
    outer_far = np.abs(d2[0] - d4[0])
    settled = (outer_far >= 8 * outer_change) | (outer_far <= 4 * noise)
    ok = bool(np.all(settled) and np.all(np.isfinite(value)) and np.isfinite(fx))
    out = DirectionalResult(
        value=value,
        error=error,
        nfev=nfev,
        step=tau / factor,  # in units of v
        success=ok,
        status=_CONVERGED if ok else _UNRELIABLE,
        message=_HVP_MESSAGES[ok],
    )
    return _hvp_result(out, point, full_output)
