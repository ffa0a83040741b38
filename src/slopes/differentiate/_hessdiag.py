"""The diagonal of the Hessian at O(n) cost.

``H_jj`` is the second derivative of ``t -> f(x + t e_j)``. All of them come
from one adaptive first derivative, of the even part of f along every
coordinate as a function of ``u = t^2``:

.. math::

    \\psi_j(u) = f(x + \\sqrt{u}\\, e_j) + f(x - \\sqrt{u}\\, e_j) - 2 f(x)
             = H_{jj}\\, u + \\frac{f^{(4)}_j}{12} u^2 + \\dots

An even smooth function of ``t`` is a smooth function of ``t^2``, so
``psi_j`` is smooth in ``u >= 0`` and ``psi_j'(0) = H_jj``. Its forward
differences in ``u`` are exactly the central second differences in ``t``
(``(psi(u) - psi(0)) / u = (f(x+t) + f(x-t) - 2f(x)) / t^2``), and
:func:`slopes.jacobian` with ``method="forward"`` refines them by Richardson
extrapolation and estimates their error, for all coordinates at once.
One value of ``psi`` (all j) is ``h (g_fwd - g_bwd)`` from two fixed-step
one-sided gradients of :func:`slopes.gradient`, which brings ``vectorized``,
``workers`` and pytrees with it.

Examples
--------
>>> import numpy as np
>>> hessdiag(lambda x: x[0] ** 2 * x[1] + np.sin(x[1]), [1.0, 0.5]).round(9)
array([ 1.      , -0.479426])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, overload

import numpy as np

from .._util.pytree import flatten
from . import gradient
from ._directional import DirectionalResult
from ._directional_input import (
    check_callable,
    coordinate_scale,
    flat_point,
    scalar_value_at,
    warn_if_not_finite,
)
from ._engine.core import Settings, along_coordinates, summarise
from ._engine.validate import _jacobian_iv, check_vectorized

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .._util.pytree import ArrayInput, Container, Tree

__all__ = ["hessdiag"]


class _ResultInU(NamedTuple):
    """The engine's refinement of psi in u, all coordinates at once (one line)."""

    value: np.ndarray
    error: np.ndarray
    step: float
    status: int
    message: str


@overload
def hessdiag(
    f: Callable[[Any], Any],
    x: ArrayInput,
    *,
    full_output: Literal[False] = ...,
    vectorized: bool | int = ...,
    workers: Any = ...,
) -> NDArray[np.inexact[Any]]: ...


@overload
def hessdiag(
    f: Callable[[Any], Any],
    x: Tree,
    *,
    full_output: Literal[False] = ...,
    vectorized: bool | int = ...,
    workers: Any = ...,
) -> Tree: ...


@overload
def hessdiag(
    f: Callable[[Any], Any],
    x: ArrayInput | Container,
    *,
    full_output: Literal[True],
    vectorized: bool | int = ...,
    workers: Any = ...,
) -> DirectionalResult: ...


@overload
def hessdiag(
    f: Callable[[Any], Any],
    x: ArrayInput | Container,
    *,
    full_output: bool,
    vectorized: bool | int = ...,
    workers: Any = ...,
) -> NDArray[np.inexact[Any]] | Container | DirectionalResult: ...


def hessdiag(
    f: Callable[[Any], Any],
    x: ArrayInput | Container,
    *,
    full_output: bool = False,
    vectorized: bool | int = False,
    workers: Any = None,
) -> NDArray[np.inexact[Any]] | Container | DirectionalResult:
    """The diagonal of the Hessian of a scalar function, ``d^2 f / d x_j^2``.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``; with ``vectorized=True`` f takes a stack of points
        (leading batch axis on every leaf) and returns one value per point.
    x : float, array_like or pytree
        Where to differentiate; never modified.
    full_output : bool, default False
        Return a :class:`~slopes.differentiate._directional.DirectionalResult`.
    vectorized : bool or int, default False
        The promise that f takes a stack of points, as for :func:`slopes.gradient`.
    workers : int, Executor, map-like or dask Client, optional
        Where f is evaluated, as for :func:`slopes.gradient`.

    Returns
    -------
    ndarray, pytree or DirectionalResult
        The diagonal, in ``x``'s structure and shape. With ``full_output``,
        ``error`` and ``step`` (each coordinate's final displacement) are in
        that structure too; ``status`` and ``success`` are shared by all
        coordinates (one line in ``u`` is refined for all).

    Raises
    ------
    TypeError
        ``f`` not callable, ``x`` not real numbers.
    ValueError
        ``x`` not finite, or f not a scalar function.

    Notes
    -----
    See the module docstring for the method. Coordinate ``j`` is displaced by
    ``t_j = sqrt(u) scale_j`` with ``scale_j = max(|x_j|, min(rms(x), 1))``, so one
    ``u`` suits coordinates of any size. One value of ``psi`` costs
    ``2n + 2`` evaluations of f and the refinement in ``u`` takes about 8 of
    them (measured: ``16n + 17`` evaluations for smooth f), ``O(n)`` in all,
    against ``O(n^2)`` for the full Hessian.
    The engine's error estimate (in ``u``) assumes ``psi`` is accurate to a
    few units in its last place; its true rounding, about ``4 eps |f(x)|``,
    divided by the final step ``u scale_j^2`` and amplified by the
    extrapolation (taken as 4), is added to the error.
    Since every coordinate shares the step in ``u``, a coordinate whose
    curvature changes on a much shorter scale than its neighbours' can be
    less accurate than :func:`slopes.derivative` with ``n=2`` along it alone.

    Examples
    --------
    >>> import numpy as np
    >>> res = hessdiag(lambda x: np.sum(np.exp(x)), np.array([0.0, 1.0]), full_output=True)
    >>> res.value.round(10), bool(np.all(res.error < 1e-8)), bool(res.success)
    (array([1.        , 2.71828183]), True, True)
    >>> d = hessdiag(lambda p: p["a"] ** 3 * p["b"], {"a": 2.0, "b": 3.0})
    >>> float(d["a"]), float(d["b"])
    (36.0, 0.0)
    """
    vectorized = check_vectorized(vectorized)
    check_callable(f, "f")
    point = flat_point(x, "x")
    scale = coordinate_scale(point.flat)
    fx = scalar_value_at(f, point, vectorized)
    nfev = 1
    n = point.size

    def even_part(u: Any) -> np.ndarray:
        # psi_j(u) for every j, from a forward and a backward fixed-step gradient
        nonlocal nfev
        u = float(u)
        if u == 0.0:
            return np.zeros(n)
        if u < 0.0:  # a forward stencil never asks; sqrt would be imaginary
            return np.full(n, np.nan)
        h = (np.sqrt(u) * scale).astype(point.flat.dtype)
        slopes_ = []
        for method in ("forward", "backward"):
            res = gradient(
                f,
                point.tree(point.flat),
                method=method,
                order=1,
                step=point.tree(h),
                full_output=True,
                vectorized=vectorized,
                workers=workers,
            )
            nfev += int(res.nfev)
            leaves, _ = flatten(res.value)
            slopes_.append(np.concatenate([np.ravel(np.asarray(leaf)) for leaf in leaves]))
        # (f(x+h) - f(x)) - (f(x) - f(x-h)) = f(x+h) + f(x-h) - 2 f(x)
        return h * (slopes_[0] - slopes_[1])

    # float32 x: u in float32 too, so that the engine takes its float32 steps.
    # psi is itself a difference of values of f: its rounding, about 4 eps |f(x)|,
    # is far above eps |psi| near u = 0, and the engine is told so (value_noise),
    # as slopes.hessian tells it for its nested differences
    u = _jacobian_iv(even_part, point.flat.dtype.type(0.0), "forward", 1, None, False, True)
    settings = Settings("forward", 1, False, None, False)
    out = along_coordinates(
        even_part, u, settings, scalar=False, value_noise=4 * point.eps * abs(fx)
    )
    res = _ResultInU(
        value=np.asarray(out.value)[0],
        error=np.asarray(out.error, dtype=float)[0],
        step=float(np.asarray(out.step).ravel()[0]),
        status=int(np.min(out.status)),
        message=summarise(np.asarray(out.status)),
    )
    u_step = float(res.step)
    value = np.asarray(res.value, dtype=float) / scale**2
    if not full_output:
        warn_if_not_finite(value, "Hessian diagonal")
        return point.tree(value.astype(point.flat.dtype))
    rounding = 16 * point.eps * abs(fx) / (max(u_step, 1e-300) * scale**2)
    error = np.asarray(res.error, dtype=float) / scale**2 + rounding
    return DirectionalResult(
        value=point.tree(value.astype(point.flat.dtype)),
        error=point.tree(error),
        nfev=nfev,
        step=point.tree(np.sqrt(u_step) * scale),
        success=res.status >= 0 and bool(np.all(np.isfinite(value))),
        status=int(res.status),
        message=str(res.message),
    )
