"""Uncertainty propagation through a black box by the delta method.

If ``x`` is uncertain with covariance ``Sigma`` and f is smooth on the scale
of that uncertainty, ``f(x + d) ~ f(x) + J d``, so f's output has covariance

.. math::

    \\Sigma_f = J \\Sigma J^T .

``J`` comes from :func:`slopes.jacobian`, with an error estimate ``E``
(``|J_true - J| <= E`` elementwise where the estimate holds). Writing
``J_true = J + D`` with ``|D| <= E``,

.. math::

    |\\Sigma_f^{true} - \\Sigma_f| = |D \\Sigma J^T + J \\Sigma D^T + D \\Sigma D^T|
        \\le E |\\Sigma| |J|^T + |J| |\\Sigma| E^T + E |\\Sigma| E^T

elementwise (absolute values taken entry by entry), which is the
``cov_error`` reported: how much the finite differences themselves could
move the answer. It does not cover the delta method's own error (the
curvature of f over the spread of x), which the caller judges.

Examples
--------
>>> import numpy as np
>>> res = propagate(lambda x: x[0] * x[1], [2.0, 3.0], np.diag([0.01, 0.04]))
>>> float(res.value), round(float(res.cov), 12)  # 9 * 0.01 + 4 * 0.04
(6.0, 0.25)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .._util.result import Result
from .._util.warnings import SlopesWarning
from . import jacobian
from ._engine.validate import check_vectorized

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["PropagateResult", "propagate"]


class PropagateResult(Result):
    """Result of :func:`propagate`.

    Attributes
    ----------
    value : ndarray
        ``f(x)``.
    cov : ndarray
        ``J Sigma J^T``, shape ``f(x).shape + f(x).shape`` (a variance for a
        scalar f).
    std : ndarray
        ``sqrt(diag(cov))``, f's standard deviations, shape ``f(x).shape``.
    cov_error : ndarray
        A bound on how much ``cov`` could change if ``J`` were exact
        (given that ``jacobian_error`` bounds J's error); same shape as ``cov``.
    jacobian : ndarray
        The Jacobian used, shape ``f(x).shape + x.shape``.
    jacobian_error : ndarray
        Its estimated error, same shape.
    nfev : int
        Evaluations of f.
    success : bool
        True when every column of the Jacobian has a reliable error estimate.
    message : str
        The Jacobian's status in words.
    """


def propagate(
    f: Callable[[Any], Any],
    x: ArrayLike,
    cov: ArrayLike,
    *,
    vectorized: bool | int = False,
    workers: Any = None,
) -> PropagateResult:
    """Propagate the covariance of ``x`` through f (first-order delta method).

    Parameters
    ----------
    f : callable
        ``f(x) -> number or array``; with ``vectorized=True`` it takes a
        stack of points (leading batch axis).
    x : float or array_like
        The mean of the inputs; never modified.
    cov : float or array_like
        Their covariance: shape ``(x.size, x.size)`` (over ``x`` raveled in C
        order), or ``x``'s shape for independent inputs (variances), or a
        number for a scalar ``x``. Symmetric and positive semi-definite.
    vectorized : bool or int, default False
        The promise that f takes a stack of points, as for :func:`slopes.jacobian`.
    workers : int, Executor, map-like or dask Client, optional
        Where f is evaluated, as for :func:`slopes.jacobian`.

    Returns
    -------
    PropagateResult
        ``value``, ``cov``, ``std``, ``cov_error``, ``jacobian``,
        ``jacobian_error``, ``nfev``, ``success`` and ``message``.

    Raises
    ------
    TypeError
        ``f`` not callable.
    ValueError
        ``x`` not finite; ``cov`` of the wrong shape, not finite, not
        symmetric, or with negative variances or eigenvalues; the engine's
        errors for f.

    Notes
    -----
    See the module docstring for the formula and the meaning of
    ``cov_error``. The Jacobian costs about 6 to 13 evaluations per
    coordinate of x (:func:`slopes.jacobian`, with ``f(x)`` among them).
    Symmetry is checked to ``1e-10`` of the largest variance; eigenvalues
    down to ``-1e-10`` of it count as rounding of a semi-definite matrix.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> res = propagate(lambda x: A @ x, [1.0, 1.0], [[1.0, 0.5], [0.5, 2.0]])
    >>> np.allclose(res.cov, A @ [[1.0, 0.5], [0.5, 2.0]] @ A.T), res.std.round(6)
    (True, array([3.316625, 4.242641]))
    >>> res = propagate(np.exp, 0.0, 0.01)  # variances for independent inputs
    >>> round(float(res.std), 12), bool(res.cov_error < 1e-12)
    (0.1, True)
    """
    vectorized = check_vectorized(vectorized)
    if not callable(f):
        raise TypeError(f"`f` must be callable, got {type(f).__name__}")
    point = np.asarray(x)
    if point.dtype == object or not np.issubdtype(point.dtype, np.number):
        raise TypeError(f"`x` must be numbers or an array of numbers, got {point.dtype}")
    if np.iscomplexobj(point):
        raise TypeError("`x` must be real")
    point = point.astype(float)
    if not np.all(np.isfinite(point)):
        raise ValueError("`x` must be finite; it holds nan or inf")
    sigma = _cov_iv(cov, point)
    res = jacobian(f, point, full_output=True, vectorized=vectorized, workers=workers)
    jac = np.asarray(res.value, dtype=float)
    out_shape = jac.shape[: jac.ndim - point.ndim]
    m = int(np.prod(out_shape, dtype=int))
    J = jac.reshape(m, point.size)
    E = np.asarray(res.error, dtype=float).reshape(m, point.size)
    E = np.where(np.isfinite(E), E, np.inf)
    cov_f = J @ sigma @ J.T
    cov_f = (cov_f + cov_f.T) / 2  # symmetric to the last bit
    absolute = np.abs(sigma)
    with np.errstate(invalid="ignore"):  # inf * 0 where an error is unknown and a weight is 0
        bound = E @ absolute @ np.abs(J).T
        bound = bound + bound.T + E @ absolute @ E.T
    bound = np.where(np.isnan(bound), np.inf, bound)
    value = _value_at(f, point, vectorized)
    if not (np.all(np.isfinite(cov_f)) and np.all(np.isfinite(value))):
        warnings.warn(
            "the propagated covariance is not finite: `f` is not finite at x or nearby "
            "(see the result's success and message)",
            SlopesWarning,
            stacklevel=2,
        )
    return PropagateResult(
        value=value.reshape(out_shape)[()],
        cov=cov_f.reshape(out_shape + out_shape)[()],
        std=np.sqrt(np.maximum(np.diag(cov_f), 0.0)).reshape(out_shape)[()],
        cov_error=bound.reshape(out_shape + out_shape)[()],
        jacobian=jac,
        jacobian_error=np.asarray(res.error, dtype=float),
        nfev=int(np.sum(res.nfev)) + 1,
        success=bool(np.all(res.success)),
        message=str(res.message),
    )


def _value_at(f: Callable[[Any], Any], point: np.ndarray, vectorized: bool | int) -> np.ndarray:
    with np.errstate(all="ignore"):  # a non-finite value is reported once, by a SlopesWarning
        if vectorized is False:
            return np.asarray(f(point.copy()), dtype=float)
        return np.asarray(f(point[None].copy()), dtype=float)[0]


def _cov_iv(cov: Any, point: np.ndarray) -> np.ndarray:
    """``cov`` as an (n, n) float matrix, checked; never the caller's array."""
    n = point.size
    try:
        sigma = np.array(cov, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("`cov` must be a number or an array of numbers") from None
    if sigma.ndim == 2 and sigma.shape == (n, n):
        pass
    elif sigma.shape == point.shape or (sigma.ndim == 0 and n == 1):
        sigma = np.diag(sigma.reshape(n))  # variances of independent inputs
    else:
        raise ValueError(
            f"`cov` must have shape ({n}, {n}) or x's shape {point.shape} (variances), "
            f"got {sigma.shape}"
        )
    if not np.all(np.isfinite(sigma)):
        raise ValueError("`cov` must be finite; it holds nan or inf")
    largest = float(np.max(np.abs(np.diag(sigma)))) if n else 0.0
    if np.any(np.diag(sigma) < 0):
        raise ValueError("`cov` has a negative variance on its diagonal")
    if np.max(np.abs(sigma - sigma.T), initial=0.0) > 1e-10 * max(largest, np.finfo(float).tiny):
        raise ValueError("`cov` must be symmetric")
    if n and float(np.min(np.linalg.eigvalsh(sigma))) < -1e-10 * largest:
        raise ValueError("`cov` must be positive semi-definite; it has a negative eigenvalue")
    return sigma
