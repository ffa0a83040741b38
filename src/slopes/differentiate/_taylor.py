"""Taylor coefficients of an analytic function, by the Cauchy integral and the FFT.

For f analytic in a disc of radius ``R`` around ``x``, and ``r < R``,

.. math::

    a_k = \\frac{f^{(k)}(x)}{k!} = \\frac{1}{2\\pi i} \\oint_{|z-x|=r}
          \\frac{f(z)}{(z-x)^{k+1}} dz
        \\approx \\frac{1}{N r^k} \\sum_{m=0}^{N-1} f(x + r\\,\\omega^m)\\, \\omega^{-mk},
    \\qquad \\omega = e^{2\\pi i/N},

which is one FFT of ``N`` values of f on the circle (the trapezoidal rule,
exponentially accurate for periodic analytic integrands). Two errors limit it:

- *aliasing*: the sum gives ``c_k = b_k + b_{k+N} + b_{k+2N} + ...`` with
  ``b_k = a_k r^k``, so a radius close to ``R`` needs many points; the
  computed ``c_m`` near ``m = N`` are the highest coefficients themselves
  (or, if the circle encloses a singularity, the negative powers of its
  Laurent series), and their size bounds what folds onto ``c_k``;
- *rounding*: values of f of size ``M = max |f|`` on the circle carry errors
  of a few ``eps M``, divided by ``r^k`` in ``a_k``; high orders want large
  circles.

So the coefficients are computed on a ladder of radii (a factor ``sqrt 2``
apart, from ``1e-6`` to ``max(16, 2n+2)`` times ``max(|x|, 1)``), each
order's error is estimated at every radius as
``(max_{m >= 3N/4} |c_m| + 8 eps M (1 + |x|/r)) / r^k``, and each order takes
the radius where that estimate is smallest (numdifftools' ``Taylor`` uses
the same integral with its own choice of radius).

Examples
--------
>>> import numpy as np
>>> coefficients = taylor(np.exp, 0.0, 4)
>>> (coefficients * [1, 1, 2, 6, 24]).round(12)
array([1., 1., 1., 1., 1.])
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, overload

import numpy as np

from .._util.result import Result
from .._util.status import Status
from ..parallel._pool import parallel_map
from ._engine.validate import check_vectorized

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray


__all__ = ["TaylorResult", "taylor"]

CONVERGED = Status.CONVERGED
UNRELIABLE = Status.UNRELIABLE
_MESSAGES = {
    CONVERGED: "converged: f is a power series on the chosen circle to within the error",
    UNRELIABLE: (
        "the error estimate is not reliable: on no circle tried is f a convergent power "
        "series to 10 digits (is f analytic at x? a pole or branch cut close by?)"
    ),
}
_LADDER_BOTTOM = -40  # the smallest radius, 2**(-40/2) ~ 1e-6 times the scale
_RELIABLE = 1e-10  # a circle is trusted where the unexplained part of f is below this share


class TaylorResult(Result):
    """Result of :func:`taylor` with ``full_output=True``.

    Attributes
    ----------
    value : ndarray
        ``a_k = f^(k)(x) / k!``, shape ``(n + 1,) + x.shape``.
    error : ndarray
        Estimated absolute error of each coefficient.
    radius : ndarray
        The radius of the circle each coefficient was taken from.
    nfev : int
        Evaluations of f.
    success : ndarray of bool
        True where the error estimate is reliable.
    status : ndarray of int
        0 (converged) or -1 (unreliable), per coefficient.
    message : str
        The statuses that occur, in words.
    """


@overload
def taylor(
    f: Callable[[Any], Any],
    x: ArrayLike,
    n: int,
    *,
    full_output: Literal[False] = ...,
    vectorized: bool | int = ...,
    workers: Any = ...,
) -> NDArray[np.inexact[Any]]: ...


@overload
def taylor(
    f: Callable[[Any], Any],
    x: ArrayLike,
    n: int,
    *,
    full_output: Literal[True],
    vectorized: bool | int = ...,
    workers: Any = ...,
) -> TaylorResult: ...


@overload
def taylor(
    f: Callable[[Any], Any],
    x: ArrayLike,
    n: int,
    *,
    full_output: bool,
    vectorized: bool | int = ...,
    workers: Any = ...,
) -> NDArray[np.inexact[Any]] | TaylorResult: ...


def taylor(
    f: Callable[[Any], Any],
    x: ArrayLike,
    n: int,
    *,
    full_output: bool = False,
    vectorized: bool | int = False,
    workers: Any = None,
) -> NDArray[np.inexact[Any]] | TaylorResult:
    """The Taylor coefficients ``f^(k)(x) / k!`` for ``k = 0..n`` of an analytic f.

    Parameters
    ----------
    f : callable
        An analytic function that accepts complex input and returns complex
        output (``np.exp``, not ``math.exp``); elementwise over arrays with
        ``vectorized=True``.
    x : float, complex or array_like
        Where to expand; every element gets its own expansion. Never modified.
    n : int
        The highest order, ``n >= 0``.
    full_output : bool, default False
        Return a :class:`TaylorResult` instead of the coefficients.
    vectorized : bool or int, default False
        The promise that f is elementwise over an array of complex points (at
        most ``k`` points per call for ``vectorized=k``): all the points of an
        element's circles then go to f in a few calls.
    workers : int, Executor, map-like or dask Client, optional
        Spread the evaluations over workers (one task per circle), as for
        :func:`slopes.derivative`.

    Returns
    -------
    ndarray or TaylorResult
        Shape ``(n + 1,) + x.shape``: ``a_k`` along the first axis. Real when
        ``x`` is real and f is real there.

    Raises
    ------
    TypeError
        ``f`` is not callable, cannot take complex input, or drops the
        imaginary part.
    ValueError
        ``n`` not a non-negative integer, ``x`` not finite, or ``f`` not
        finite on any circle around ``x``.

    Notes
    -----
    See the module docstring for the method. Each element costs
    ``N`` evaluations on each of about 50 circles, with
    ``N = max(128, 4 (n + 1))`` rounded up to a power of two: some 6,000
    evaluations for ``n <= 31``, cheap for a vectorized f. Accurate to about
    ``1e-12`` relative to the coefficients' natural scale up to ``n = 20``
    for functions analytic in a disc of radius ``~|x|`` or ``1``
    (tested: exp, sin, log1p, ``1/(1 - x)`` at 0.5, against ``k!`` closed
    forms). ``error`` does not cover a function that is analytic but
    computed inaccurately in the complex plane.

    Examples
    --------
    >>> import numpy as np
    >>> taylor(lambda z: 1 / (1 - z), 0.5, 3).round(10)  # 2**(k+1)
    array([ 2.,  4.,  8., 16.])
    >>> res = taylor(np.log1p, 0.0, 20, full_output=True)
    >>> k = np.arange(1, 21)
    >>> bool(np.all(np.abs(res.value[1:] - (-1.0) ** (k + 1) / k) < 1e-10)), bool(res.success.all())
    (True, True)
    >>> taylor(np.sin, [0.0, np.pi / 2], 2).round(12) + 0.0  # + 0.0: no signed zeros
    array([[ 0. ,  1. ],
           [ 1. ,  0. ],
           [ 0. , -0.5]])
    """
    vectorized = check_vectorized(vectorized)
    if not callable(f):
        raise TypeError(f"`f` must be callable, got {type(f).__name__}")
    order = _order_iv(n)
    centres = np.asarray(x)
    if centres.dtype == object or not np.issubdtype(centres.dtype, np.number):
        raise TypeError(f"`x` must be numbers, got {centres.dtype}")
    if not np.all(np.isfinite(centres)):
        raise ValueError("`x` must be finite; it holds nan or inf")
    points_per_circle = max(128, 1 << math.ceil(math.log2(4 * (order + 1))))
    expansions = [
        _expand(f, complex(centre), order, points_per_circle, vectorized, workers)
        for centre in centres.ravel()
    ]
    shape = (order + 1, *centres.shape)

    def gather(field: str) -> np.ndarray:
        return np.stack([getattr(one, field) for one in expansions], axis=-1).reshape(shape)

    value = gather("value")
    nfev = sum(one.nfev for one in expansions)
    if not np.iscomplexobj(centres):
        nfev += centres.size
        if _real_on_real_axis(f, centres, vectorized):
            value = value.real.copy()
    if not full_output:
        return value
    success = gather("reliable") & np.isfinite(value)
    status = np.where(success, CONVERGED, UNRELIABLE)
    codes = sorted(set(status.ravel().tolist()), reverse=True)
    return TaylorResult(
        value=value,
        error=gather("error"),
        radius=gather("radius"),
        nfev=nfev,
        success=success,
        status=status,
        message="; ".join(_MESSAGES[code] for code in codes),
    )


class _Expansion(NamedTuple):
    """One centre's coefficients, their errors and radii, and the evaluations spent."""

    value: np.ndarray
    error: np.ndarray
    radius: np.ndarray
    reliable: np.ndarray
    nfev: int


def _real_on_real_axis(
    f: Callable[[Any], Any], centres: np.ndarray, vectorized: bool | int
) -> bool:
    """True when f returns real numbers at the (real) centres: its coefficients are real."""
    flat = centres.astype(float).ravel()
    if vectorized is False:
        values = [np.asarray(f(point)) for point in flat]
    else:
        values = [np.asarray(f(flat))]
    return not any(np.iscomplexobj(value) for value in values)


def _order_iv(n: Any) -> int:
    if isinstance(n, bool):
        raise ValueError(f"`n` must be a non-negative integer, got {n!r}")
    try:
        order = operator.index(n)
    except TypeError:
        raise ValueError(f"`n` must be a non-negative integer, got {n!r}") from None
    if order < 0:
        raise ValueError(f"`n` must be a non-negative integer, got {order}")
    return order


def _ladder(centre: complex, order: int) -> np.ndarray:
    scale = max(abs(centre), 1.0)
    top = math.ceil(2 * math.log2(max(16.0, 2.0 * order + 2.0)))
    return scale * 2.0 ** (np.arange(_LADDER_BOTTOM, top + 1) / 2)


def _evaluate(f: Callable[[Any], Any], z: np.ndarray, vectorized: bool | int, workers: Any) -> Any:
    """f on every row of ``z`` (one circle per row), as a complex array of z's shape."""

    def circle(points: np.ndarray) -> np.ndarray:
        if vectorized is False:
            return np.array([f(point) for point in points])
        if vectorized is True:
            return np.asarray(f(points))
        return np.concatenate(
            [np.ravel(f(points[i : i + vectorized])) for i in range(0, points.size, vectorized)]
        )

    return parallel_map(circle, list(z), workers=workers)


def _probe(f: Callable[[Any], Any], z: complex, vectorized: bool | int) -> None:
    """One call of f at a complex point, turning a refusal into an error naming ``f``."""
    try:
        value = f(np.array([z])) if vectorized is not False else f(complex(z))
    except TypeError as error:
        raise TypeError(
            "`f` must accept complex input (taylor evaluates f on a circle in the complex "
            f"plane; use np.exp, not math.exp): f({z}) raised TypeError: {error}"
        ) from None
    if np.ndim(value) > (1 if vectorized is not False else 0) or np.size(value) != 1:
        raise ValueError(
            f"`f` must return one number per point, got shape {np.shape(value)} at {z}"
        )


def _expand(
    f: Callable[[Any], Any],
    centre: complex,
    order: int,
    points_per_circle: int,
    vectorized: bool | int,
    workers: Any,
) -> _Expansion:
    """Coefficients, errors and radii for one centre: the best circle for each order."""
    radii = _ladder(centre, order)
    unit = np.exp(2j * np.pi * np.arange(points_per_circle) / points_per_circle)
    _probe(f, centre + radii[len(radii) // 2] * unit[1], vectorized)
    nfev = 1
    z = centre + radii[:, None] * unit[None, :]
    with np.errstate(all="ignore"):
        rows = _evaluate(f, z, vectorized, workers)
    values = np.empty(z.shape, dtype=complex)
    for i, row in enumerate(rows):
        row = np.asarray(row)
        if row.size != points_per_circle:
            raise ValueError(
                f"`f` must return one number per point, got {row.size} numbers for "
                f"{points_per_circle} points"
            )
        finite_values = row[np.isfinite(row)]
        if not np.iscomplexobj(row) and np.unique(finite_values).size > 1:
            raise TypeError(
                "`f` drops the imaginary part: it returned real numbers at complex points "
                f"(around {centre + radii[i]}); taylor needs an f analytic in the complex plane"
            )
        values[i] = row.ravel()
    nfev += values.size
    eps = np.finfo(float).eps
    finite = np.all(np.isfinite(values), axis=1)
    with np.errstate(all="ignore"):
        c = np.fft.fft(np.where(finite[:, None], values, 0.0), axis=1) / points_per_circle
        size = np.max(np.abs(values), axis=1)
        tail = np.max(np.abs(c[:, (3 * points_per_circle) // 4 :]), axis=1)
        unexplained = tail + 8 * eps * size * (1 + abs(centre) / radii)
        k = np.arange(order + 1)
        powers = radii[:, None] ** k[None, :]
        coefficients = c[:, : order + 1] / powers
        errors = unexplained[:, None] / powers
    if not np.any(finite):
        raise ValueError(
            f"`f` is not finite on any circle around x = {centre}: is f analytic there?"
        )
    # a circle on which f is not a power series to 10 digits (it encloses a pole, crosses a
    # branch cut, or f is not analytic) says nothing: its small-looking errors are not used
    trusted = finite & (unexplained <= _RELIABLE * size)
    usable = trusted if np.any(trusted) else finite
    errors = np.where(usable[:, None] & np.isfinite(errors), errors, np.inf)
    best = np.argmin(errors, axis=0)
    columns = np.arange(order + 1)
    reliable = trusted[best]
    error = errors[best, columns]
    # where no circle is trusted, the error is at least the Cauchy bound max|f| / r^k
    error = np.where(reliable, error, np.maximum(error, size[best] / powers[best, columns]))
    return _Expansion(coefficients[best, columns], error, radii[best], reliable, nfev)
