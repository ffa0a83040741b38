"""Derivatives, gradients, Jacobians and Hessians by finite differences.

Every function takes a black-box f and a point x, and either one fixed step
(``step=h``: exactly one stencil, the textbook's central difference by
default) or none (``step=None``: an automatic step, refined by Richardson
extrapolation until an error estimate stops improving). ``jacobian`` is
built on the same engine as ``derivative`` (one line per coordinate), and
``hessian(f, x, grad=g)`` is the symmetrised Jacobian of ``g``; from function
values alone, ``hessian`` uses the same nested stencils as products over
pairs of coordinates, each pair once (:mod:`slopes._diff_hessian`).

The engine lives in private modules: stencils in :mod:`slopes._stencils`,
step rules in :mod:`slopes._steps`, the adaptive algorithm in
:mod:`slopes._richardson` (and its plain-float twin for one scalar,
:mod:`slopes._diff_scalar`), the calling of f in :mod:`slopes._evaluate`,
validation in :mod:`slopes._validate` and ``check_grad`` in :mod:`slopes._check`.

Status codes (``full_output=True``): ``DiffResult.CONVERGED`` (0),
``ONE_SIDED`` (1, f not finite on one side: a one-sided stencil, confirmed at
a second step), ``FIXED_STEP`` (2, ``step=h``: no error estimate),
``UNRELIABLE`` (-1, the orders never agreed: ``success`` is False) and
``NONFINITE`` (-2, f not finite at x or on both sides).

Examples
--------
>>> import numpy as np
>>> import slopes
>>> round(float(slopes.derivative(np.exp, 1.0)), 12)
2.718281828459
>>> slopes.gradient(lambda x: np.sum(x**2), np.array([3.0, 4.0]))
array([6., 8.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from slopes._check import check_grad
from slopes._diff_core import (
    DERIVATIVE_LEVELS,
    DiffResult,
    along_coordinates,
    elementwise,
    success_of,
    summarise,
)
from slopes._diff_hessian import hessian
from slopes._diff_scalar import scalar_adaptive
from slopes._stencils import stencil_order_error
from slopes._validate import _derivative_iv, _gradient_iv, _jacobian_iv

__all__ = ["DiffResult", "check_grad", "derivative", "gradient", "hessian", "jacobian"]


def derivative(
    f: Callable[[Any], Any],
    x: Any,
    *,
    n: int = 1,
    method: str = "central",
    order: int = 2,
    step: Any = None,
    full_output: bool = False,
    vectorized: bool = False,
    workers: Any = None,
    progress: bool | str = False,
) -> Any:
    """The ``n``-th derivative of a scalar function at every element of ``x``.

    Parameters
    ----------
    f : callable
        ``f(t) -> number`` for a scalar ``t``; with ``vectorized=True``,
        ``f(array) -> array`` elementwise.
    x : float or array_like
        Where to differentiate. Integers are promoted to float; ``x`` is
        never modified.
    n : int, default 1
        Derivative order.
    method : {"central", "forward", "backward", "complex"}
        Stencil shape; ``"complex"`` is the complex step ``Im f(x + ih) / h``
        (first derivatives; f must accept and return complex numbers).
    order : int, default 2
        Accuracy order of the stencil (the power of ``h`` in its error). With
        ``step=None`` it is the lowest order of the extrapolation table.
    step : float or array_like, optional
        A fixed step: exactly one stencil, no refinement, no error estimate.
        None (default) chooses and refines the step automatically.
    full_output : bool, default False
        Return a :class:`~slopes._diff_core.DiffResult` instead of the value.
    vectorized : bool, default False
        f accepts an array of points and returns one value per point.
    workers : int, Executor, map-like or dask Client, optional
        Spread the evaluations (see :func:`slopes._parallel.parallel_map`).
    progress : bool or "always", default False
        Show a progress bar over the evaluations.

    Returns
    -------
    ndarray or DiffResult
        The derivative, with ``x``'s shape.

    Raises
    ------
    TypeError
        f is not callable, or drops the imaginary part with ``method="complex"``.
    ValueError
        Unknown method, impossible order, step not positive and finite, x not
        finite, or f returning more than one number per point.

    Notes
    -----
    The central difference has the Taylor expansion

    .. math::

        \\frac{f(x+h) - f(x-h)}{2h} = f'(x) + \\frac{h^2}{6} f'''(x) + O(h^4),

    so combining the differences at ``h, 2h, .., ph`` cancels the error terms
    one by one (Richardson extrapolation) and the differences between the
    orders estimate the error that remains. With ``step=None`` the step starts
    at ``0.015 |x|`` (``x = 0``: 0.015) and moves to balance truncation
    against rounding; see :mod:`slopes._richardson`. The rounding part of the
    error estimate assumes f's values are accurate to a few units in the last
    place of ``|f|``; a function that loses more to cancellation inside (a sum
    of large terms that nearly cancel) can have errors above the estimate.

    Examples
    --------
    >>> derivative(lambda x: 0.01 * x**2 + 0.1 * x, 5.0, step=1e-4)  # the textbook
    np.float64(0.1999999999990898)
    >>> res = derivative(np.log, 1e20, full_output=True)
    >>> float(res.value), bool(res.success), int(res.nfev)
    (1e-20, True, 8)
    >>> d2 = derivative(np.sin, [0.5, 1.0], n=2, vectorized=True)
    >>> np.abs(d2 + np.sin([0.5, 1.0])).max() < 1e-10
    np.True_
    """
    if (
        isinstance(x, (float, int))  # np.float64 included; np.float32 keeps its own path
        and not isinstance(x, bool)
        and step is None
        and method == "central"
        and workers is None
        and not progress
        and vectorized is False
        and abs(x) <= 1.7976931348623157e308  # finite (nan fails too); big ints fail
        and callable(f)
        and stencil_order_error(method, n, order) is None
    ):
        # the common scalar call: plain floats, no numpy per-operation overhead
        fast = scalar_adaptive(f, float(x), n=n, order=order, levels=DERIVATIVE_LEVELS)
        if fast is not None:
            value = np.float64(fast["value"])
            if not full_output:
                return value
            status = np.array(fast["status"])
            return DiffResult(
                value=value,
                error=np.float64(fast["error"]),
                nfev=np.int64(fast["nfev"]),
                step=np.float64(fast["step"]),
                success=np.bool_(status >= 0 and np.isfinite(value)),
                status=np.int64(fast["status"]),
                message=summarise(status),
            )
    prepared = _derivative_iv(f, x, n, method, order, step, vectorized, full_output)
    out = elementwise(
        f,
        prepared,
        n=n,
        method=method,
        order=order,
        vectorized=vectorized,
        workers=workers,
        progress=progress,
    )
    shape = prepared.shape
    value = out["value"].reshape(shape)
    if not full_output:
        return value[()]
    success = success_of(out["value"], out["status"])
    return DiffResult(
        value=value[()],
        error=out["error"].reshape(shape)[()],
        nfev=np.asarray(out["nfev"]).reshape(shape)[()],
        step=np.asarray(out["step"]).reshape(shape)[()],
        success=success.reshape(shape)[()],
        status=out["status"].reshape(shape)[()],
        message=summarise(out["status"]),
    )


def _coordinate_result(out: dict[str, Any], prepared: Any, full_output: bool, scalar: bool) -> Any:
    """Shape the flat (n, k) engine output as x's structure (gradient) or f's + x's (jacobian)."""
    out_shape = out["out_shape"]

    def arrange(flat: np.ndarray) -> Any:
        if scalar:
            return prepared.unravel(flat[:, 0] if flat.ndim == 2 else flat)
        # (n, k) -> per-leaf (k..., leaf shape...): the jacobian's layout
        tree = prepared.unravel(flat)  # leaves shaped leaf_shape + (k,)
        from slopes._pytree import tree_map

        def move(leaf: np.ndarray) -> np.ndarray:
            leaf_ndim = leaf.ndim - 1
            moved = np.moveaxis(leaf, -1, 0)
            return moved.reshape(out_shape + moved.shape[1 : 1 + leaf_ndim])

        return tree_map(move, tree)

    value = arrange(out["value"])
    if not full_output:
        return value
    status = out["status"]
    success = success_of(out["value"], status)
    step = np.asarray(out["step"])
    return DiffResult(
        value=value,
        error=arrange(np.asarray(out["error"], dtype=float)),
        nfev=int(out["nfev"]),
        step=prepared.unravel(step),
        success=prepared.unravel(success),
        status=prepared.unravel(status),
        message=summarise(status),
    )


def gradient(
    f: Callable[[Any], Any],
    x: Any,
    *,
    method: str = "central",
    order: int = 2,
    step: Any = None,
    full_output: bool = False,
    vectorized: bool = False,
    workers: Any = None,
    progress: bool | str = False,
) -> Any:
    """The gradient of a scalar function of an array or pytree.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``; with ``vectorized=True``, f takes a stack of
        points (leading batch axis on every leaf) and returns one value each.
    x : array_like or pytree
        Where to differentiate (dict/list/tuple of arrays allowed).
    method, order, step, full_output, vectorized, workers, progress
        As for :func:`derivative`; ``step`` may also be an array (or pytree)
        with one step per entry of x.

    Returns
    -------
    ndarray, pytree or DiffResult
        The gradient, in x's structure and shape.

    Raises
    ------
    TypeError, ValueError
        As for :func:`derivative`; also when f returns a non-scalar.

    Notes
    -----
    Coordinate ``j`` is the derivative of ``t -> f(x + t e_j)``. With
    ``step=None`` (central, ``order=2``) every coordinate first gets four
    points ``+-h, +-2h`` in one batched pass, plus ``f(x)`` once: the
    fourth-order difference, with an error estimate from the Taylor
    coefficients those points measure (:mod:`slopes._diff_quick`). Only
    coordinates whose estimate is not good enough (a slope or curvature near
    0, a step far from the best) go on to the adaptive sixth-order family on
    ``+-h, +-2h, +-3h``. For smooth f that is about 4 evaluations per
    coordinate. With ``vectorized=True`` the stencil points go through f in
    chunks of at most ``2**16`` numbers, so memory stays bounded for any n.

    Examples
    --------
    >>> gradient(lambda x: x[0]**2 + x[1]**2, np.array([3.0, 4.0]), step=1e-4)
    array([6., 8.])
    >>> g = gradient(lambda p: np.sum(p["w"] ** 2) + p["b"], {"w": np.ones(2), "b": 0.0})
    >>> g["w"], float(g["b"])
    (array([2., 2.]), 1.0)
    """
    prepared = _gradient_iv(f, x, method, order, step, vectorized, full_output)
    out = along_coordinates(
        f,
        prepared,
        method=method,
        order=order,
        vectorized=vectorized,
        workers=workers,
        progress=progress,
        scalar=True,
    )
    return _coordinate_result(out, prepared, full_output, scalar=True)


def jacobian(
    f: Callable[[Any], Any],
    x: Any,
    *,
    method: str = "central",
    order: int = 2,
    step: Any = None,
    full_output: bool = False,
    vectorized: bool = False,
    workers: Any = None,
    progress: bool | str = False,
) -> Any:
    """The Jacobian of an array-valued function: shape ``f(x).shape + x.shape``.

    Parameters
    ----------
    f : callable
        ``f(x) -> array``; with ``vectorized=True`` it returns shape
        ``(batch,) + f(x).shape`` for a stack of points.
    x : array_like or pytree
        For a pytree the result is a pytree of the same structure whose leaf
        for ``x_leaf`` has shape ``f(x).shape + x_leaf.shape``.
    method, order, step, full_output, vectorized, workers, progress
        As for :func:`gradient`.

    Returns
    -------
    ndarray, pytree or DiffResult
        ``J[i..., j...] = d f(x)[i...] / d x[j...]``, never squeezed.

    Notes
    -----
    One evaluation of f at x gives the output shape; then every coordinate
    is one line of the same engine as :func:`derivative`, all outputs at once.

    Examples
    --------
    >>> jacobian(lambda x: np.array([x[0] * x[1], x[0] + 3 * x[1]]), [2.0, 5.0])
    array([[5., 2.],
           [1., 3.]])
    >>> jacobian(lambda x: np.sum(x) ** 2, np.ones(3)).shape
    (3,)
    """
    prepared = _jacobian_iv(f, x, method, order, step, vectorized, full_output)
    out = along_coordinates(
        f,
        prepared,
        method=method,
        order=order,
        vectorized=vectorized,
        workers=workers,
        progress=progress,
        scalar=False,
    )
    return _coordinate_result(out, prepared, full_output, scalar=False)
