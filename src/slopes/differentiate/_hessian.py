"""The Hessian: from a given gradient (a Jacobian), or from function values (pairs).

With ``grad`` the Hessian is the Jacobian of ``grad``, symmetrised: the
composition of the engine's entry points (docs/architecture.md), and the
cheapest and most accurate route.

From function values alone, composing ``jacobian(gradient)`` would evaluate
every mixed point twice (once for ``(i, j)``, once for ``(j, i)``). Instead:

- the diagonal ``d2f/dx_i2`` is :func:`slopes.derivative`'s adaptive engine
  with ``n = 2`` along each coordinate (orders 2, 4, 6 on ``0, +-h .. +-3h``),
  run ``careful``: its steps are reused by every pair, so it takes a few more
  trials to get nearer the best step, and where the higher orders agree to
  rounding (a polynomial such as Rosenbrock's, on which orders 4 and 6 are
  exact) the step grows until rounding, ``~ eps |f| / h^2``, is small;
- each pair ``i < j`` uses the product of the first-derivative family in
  both directions, points ``x + a h_i e_i + b h_j e_j`` with
  ``a, b in +-1, +-2, +-3`` and weights ``w_l(a) w_l(b)``: the same nested
  orders 2, 4, 6, hence the same kind of error estimate, with ``h_i`` the
  step the diagonal found for coordinate ``i``. The 16 inner points (orders
  2 and 4) come first; only pairs whose two orders disagree beyond rounding
  get the 20 outer points. A pair whose differences do not shrink is tried
  once more at a quarter step.

For Rosenbrock at ``n = 50`` that is about 21,000 evaluations (numdifftools:
75,001; ``scipy.differentiate.hessian``: 742,500), at a max abs error near
1e-11 (|H| ~ 1e3, |f| ~ 3e3; at the first steps, ~1e-2, rounding alone is
~4e-8).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast, overload

import numpy as np

from .._util.pytree import ravel
from ._engine.core import (
    GRADIENT_LEVELS,
    DiffResult,
    Settings,
    along_coordinates,
    success_of,
    summarise,
    warn_nonfinite,
)
from ._engine.evaluate import BadOutput, Evaluator, NotScalar, TreeSpec
from ._engine.richardson import CONVERGED, FIXED_STEP, UNRELIABLE, Estimates
from ._engine.stencils import family, stencil
from ._engine.steps import exact_step
from ._engine.table import error_table
from ._engine.validate import Prepared, _hessian_iv, check_vectorized

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from .._util.pytree import ArrayInput, Container

__all__ = ["HESSIAN_MARGIN", "hessian"]

# The reported error of a Hessian from function values is the engine's estimate
# times this margin. Its rounding part takes f's values as accurate to 2 eps |f|;
# a Hessian entry combines 6 to 36 values, and f's values often carry the
# rounding of terms larger than f itself (x0**2 x1 + exp(x0 x1) + sin(x2) x1 at
# (0.3, -0.8, 1.1): terms of 0.8 cancel to |f| = 0.002, and the true error of
# the first diagonal entry was 1.26 times the plain estimate on an AMD EPYC)
HESSIAN_MARGIN = 4.0


def _product(offsets: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2-D product stencil: offsets (P*P, 2) and weights (L, P*P)."""
    a, b = np.meshgrid(offsets, offsets, indexing="ij")
    grid = np.stack([a.ravel(), b.ravel()], axis=1)
    table = np.einsum("lp,lq->lpq", weights, weights).reshape(weights.shape[0], -1)
    keep = np.any(table != 0, axis=0)
    return grid[keep], table[:, keep]


def _pair_values(
    evaluator: Evaluator, steps: np.ndarray, pairs: np.ndarray, grid: np.ndarray
) -> np.ndarray:
    """f at x + a h_i e_i + b h_j e_j for every pair and grid point: (pairs, points, 1)."""
    count, points = pairs.shape[0], grid.shape[0]
    hi, hj = steps[pairs[:, 0]], steps[pairs[:, 1]]
    lines = np.repeat(pairs, points, axis=0)
    offsets = np.stack(
        [(hi[:, None] * grid[None, :, 0]).ravel(), (hj[:, None] * grid[None, :, 1]).ravel()],
        axis=1,
    ).astype(steps.dtype)
    return evaluator(lines, offsets).reshape(count, points, 1)


class _Pairs(NamedTuple):
    """Mixed second derivatives, one per pair (i, j)."""

    value: np.ndarray
    error: np.ndarray
    status: np.ndarray


def _pairs(
    evaluator: Evaluator,
    steps: np.ndarray,
    pairs: np.ndarray,
    grid: np.ndarray,
    weights: np.ndarray,
    orders: tuple | None,
    eps: float,
) -> _Pairs:
    """Mixed second derivatives for every pair (i, j) from the product stencil.

    The inner points (levels 0 and 1: orders 2 and 4) come first; a pair whose
    two orders agree to within rounding is done (its error bound is their
    difference, a measured bound), which is every pair of a quartic such as
    Rosenbrock's. Only the other pairs get the outer ring for the third order.
    """
    count = pairs.shape[0]
    hi, hj = steps[pairs[:, 0]], steps[pairs[:, 1]]
    if orders is None:  # one fixed stencil
        values = _pair_values(evaluator, steps, pairs, grid)
        value = np.einsum("p,ap->a", weights[-1], values[:, :, 0]) / (hi * hj)
        return _Pairs(value, np.full(count, np.nan), np.full(count, FIXED_STEP))
    mean_step = np.sqrt(hi * hj)  # the product stencil is a 2nd derivative in this step
    inner = np.any(weights[:2] != 0, axis=0)
    values = np.full((count, grid.shape[0], 1), np.nan)
    values[:, inner] = _pair_values(evaluator, steps, pairs, grid[inner])
    first = error_table(values[:, inner], weights[:2][:, inner], orders[:2], mean_step, 2, eps)
    finite = np.isfinite(values[:, inner]).all(axis=(1, 2))
    done = ~first.any_resolved[:, 0] & finite
    out = _Pairs(first.best[:, 0], first.error[:, 0], np.where(done, CONVERGED, UNRELIABLE))
    rest = np.flatnonzero(~done)
    if rest.size:
        values[np.ix_(rest, ~inner)] = _pair_values(evaluator, steps, pairs[rest], grid[~inner])
        full = error_table(values[rest], weights, orders, mean_step[rest], 2, eps)
        ok = full.asymptotic[:, 0] & np.isfinite(values[rest]).all(axis=(1, 2))
        out.value[rest] = full.best[:, 0]
        out.error[rest] = full.error[:, 0]
        out.status[rest] = np.where(ok, CONVERGED, UNRELIABLE)
    return out


def _from_values(f: Any, prepared: Prepared, settings: Settings) -> Estimates:
    """The diagonal by the second-derivative engine, then every pair i < j once."""
    flat = prepared.flat
    size = flat.size
    eps = float(np.finfo(flat.dtype).eps)
    method, order = settings.method, settings.order
    # careful: the pairs reuse these steps, so a few more trials here pay n times over
    diagonal = along_coordinates(f, prepared, settings, scalar=True, n=2, careful=True)
    steps = np.asarray(diagonal.step, dtype=flat.dtype).reshape(size)
    evaluator = settings.evaluator(f, prepared, "coordinate")
    if prepared.step is not None:
        offsets, weights = stencil(method, 1, order)
        grid, table = _product(offsets, weights[None])
        orders = None
    else:
        offsets, weights, orders = family(method, 1, order, GRADIENT_LEVELS)
        grid, table = _product(offsets, weights)
    i, j = np.triu_indices(size, k=1)
    pairs = np.stack([i, j], axis=1)
    mixed = _pairs(evaluator, steps, pairs, grid, table, orders, eps)
    retry = np.flatnonzero(mixed.status == UNRELIABLE)
    if retry.size and orders is not None:
        smaller = exact_step(flat, steps / 4)
        again = _pairs(evaluator, smaller, pairs[retry], grid, table, orders, eps)
        better = again.error < mixed.error[retry]
        for name in ("value", "error", "status"):
            getattr(mixed, name)[retry[better]] = getattr(again, name)[better]
    value = np.zeros((size, size))
    error = np.zeros((size, size))
    status = np.zeros((size, size), dtype=np.int64)
    value[i, j] = value[j, i] = mixed.value
    error[i, j] = error[j, i] = mixed.error
    status[i, j] = status[j, i] = mixed.status
    diag = np.arange(size)
    value[diag, diag] = diagonal.value[:, 0]
    error[diag, diag] = diagonal.error[:, 0]
    status[diag, diag] = diagonal.status
    return Estimates(
        value=value.astype(np.result_type(flat.dtype, np.float32)),
        error=error,
        step=steps,
        status=status,
        nfev=diagonal.nfev + evaluator.nfev,
    )


class _Component:
    """One output ``f(x)[index]`` of a vector-valued f, as a scalar function (picklable).

    ``shared`` (serial evaluation only) remembers f's whole output at every
    point, so that the outputs' Hessians, which start from the same steps,
    evaluate f once per point between them; it counts the real calls.
    """

    def __init__(
        self, f: Any, index: tuple[int, ...], vectorized: bool, shared: Any = None
    ) -> None:
        self.f, self.index, self.vectorized, self.shared = f, index, vectorized, shared

    def __call__(self, x: Any) -> Any:
        if self.vectorized:
            # named first: mypy reads `[(slice(None), *index)]` as 3.11's star in a subscript
            batch_and_output: tuple[slice | int, ...] = (slice(None), *self.index)
            return np.asarray(self.f(x))[batch_and_output]
        value = self.shared(x) if self.shared is not None else self.f(x)
        return np.asarray(value)[self.index]


class _Shared:
    """f with a memory of its values, keyed by the point's bytes; ``calls`` counts f's calls."""

    values: dict[bytes, Any]

    def __init__(self, f: Any) -> None:
        self.f, self.values, self.calls = f, {}, 0

    def __call__(self, x: Any) -> Any:
        key = ravel(x)[0].tobytes()
        if key not in self.values:
            self.values[key] = self.f(x)
            self.calls += 1
        return self.values[key]


def _vector_from_values(f: Any, prepared: Prepared, settings: Settings, found: int) -> Estimates:
    """The Hessian of every output of a vector-valued f (``found`` evaluations told so).

    f(x) gives the output shape; each output ``f(x)[i]`` then gets the scalar
    Hessian of :func:`_from_values` (its own steps, its own error estimates).
    Evaluated in this process one point at a time, f is called once per point
    for all outputs (:class:`_Shared`); with ``workers`` or ``vectorized`` each
    output evaluates f on its own.
    """
    probe = settings.evaluator(f, prepared, "coordinate", out_shape=None)
    out_shape = probe.first_output().shape
    serial = settings.workers is None and not settings.vectorized
    shared = _Shared(f) if serial else None
    parts = [
        _from_values(_Component(f, index, bool(settings.vectorized), shared), prepared, settings)
        for index in np.ndindex(out_shape)
    ]
    calls = shared.calls if shared is not None else sum(int(p.nfev) for p in parts)
    return Estimates(
        value=np.stack([p.value for p in parts]),
        error=np.stack([p.error for p in parts]),
        step=np.stack([np.asarray(p.step) for p in parts]),
        status=np.stack([p.status for p in parts]),
        nfev=found + probe.nfev + calls,
        out_shape=out_shape,
    )


class _FlatGradient:
    """A user's gradient function seen as flat vector -> flat vector (picklable)."""

    def __init__(self, grad: Any, spec: TreeSpec | None, vectorized: bool | int) -> None:
        self.grad, self.spec, self.vectorized = grad, spec, vectorized

    def __call__(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points)
        if self.vectorized:
            tree = self.spec.batch(points) if self.spec else points
            out = self.grad(tree)
            if not isinstance(out, (dict, list, tuple)):
                flat = np.asarray(out).reshape(points.shape[0], -1)
            else:
                from .._util.pytree import flatten

                parts, _ = flatten(out)
                flat = np.concatenate(
                    [np.asarray(p).reshape(points.shape[0], -1) for p in parts], axis=1
                )
            return self._sized(flat, points.shape[-1])
        tree = self.spec.single(points) if self.spec else points
        return self._sized(ravel(self.grad(tree))[0], points.size)

    @staticmethod
    def _sized(flat: np.ndarray, size: int) -> np.ndarray:
        if flat.shape[-1] != size:
            raise BadOutput(
                f"`grad` must return one number per entry of x ({size}), got {flat.shape[-1]}"
            )
        return flat


@overload
def hessian(
    f: Callable[[Any], Any],
    x: ArrayInput | Container,
    *,
    grad: Callable[[Any], Any] | None = ...,
    method: str = ...,
    order: int = ...,
    step: ArrayLike | Container | None = ...,
    full_output: Literal[False] = ...,
    vectorized: bool | int = ...,
    workers: Any = ...,
    progress: bool | str = ...,
) -> NDArray[np.inexact[Any]]: ...


@overload
def hessian(
    f: Callable[[Any], Any],
    x: ArrayInput | Container,
    *,
    grad: Callable[[Any], Any] | None = ...,
    method: str = ...,
    order: int = ...,
    step: ArrayLike | Container | None = ...,
    full_output: Literal[True],
    vectorized: bool | int = ...,
    workers: Any = ...,
    progress: bool | str = ...,
) -> DiffResult: ...


@overload
def hessian(
    f: Callable[[Any], Any],
    x: ArrayInput | Container,
    *,
    grad: Callable[[Any], Any] | None = ...,
    method: str = ...,
    order: int = ...,
    step: ArrayLike | Container | None = ...,
    full_output: bool,
    vectorized: bool | int = ...,
    workers: Any = ...,
    progress: bool | str = ...,
) -> NDArray[np.inexact[Any]] | DiffResult: ...


def hessian(
    f: Callable[[Any], Any],
    x: ArrayInput | Container,
    *,
    grad: Callable[[Any], Any] | None = None,
    method: str = "central",
    order: int = 2,
    step: ArrayLike | Container | None = None,
    full_output: bool = False,
    vectorized: bool | int = False,
    workers: Any = None,
    progress: bool | str = False,
) -> NDArray[np.inexact[Any]] | DiffResult:
    """The Hessian: shape ``x.shape + x.shape`` (``f(x).shape + x.shape + x.shape``
    for a vector-valued f), symmetric.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar`` (ignored for the derivatives when ``grad`` is given),
        or ``f(x) -> array``: then every output gets its own Hessian, with its
        own steps and error estimates. Evaluated in this process, one point at a
        time, f is called once per point for all outputs; with ``workers`` or
        ``vectorized`` once per point and output.
    x : array_like or pytree
        Where to differentiate. For a pytree the Hessian is over the
        flattened vector (leaves in order), shape ``(size, size)``.
    grad : callable, optional
        The gradient of f (same structure as x). Then the Hessian is the
        symmetrised Jacobian of ``grad``: more accurate and cheaper.
    method, order, step, full_output, vectorized, workers, progress
        As for :func:`slopes.jacobian`; ``step`` fixes both the inner and
        outer steps.

    Returns
    -------
    ndarray or DiffResult
        ``H[i..., j...] = d2 f / dx[i...] dx[j...]`` (``H[k..., i..., j...]``
        for output ``k`` of a vector-valued f). With
        ``full_output=True`` a :class:`~slopes.differentiate._engine.core.DiffResult`:
        ``value``, ``error``, ``status`` and ``success`` per entry of H,
        ``step`` one per coordinate of x (in x's structure; for a
        vector-valued f an array ``f(x).shape + x.shape`` of each output's
        steps), ``nfev`` the total number of calls of f (of ``grad`` when it
        is given).

    Raises
    ------
    TypeError
        f or ``grad`` is not callable, or f returns something other than
        numbers.
    ValueError
        ``method="complex"`` (first derivatives only), an impossible order,
        a step not positive and finite, or x not finite.

    Notes
    -----
    With ``grad``: ``H = (J + J^T) / 2`` with ``J`` the Jacobian of ``grad``
    (:func:`slopes.jacobian`'s engine); the reported error adds
    ``|J - J^T| / 2``, and an entry's status is the worse of its row's and
    column's. Without ``grad``, the reported error is the engine's estimate
    times ``HESSIAN_MARGIN`` (4: see there), and the diagonal comes from the adaptive
    second-derivative engine along each coordinate (orders 2, 4, 6 on
    ``0, +-h_i .. +-3 h_i``), and each pair ``i < j`` once from the product
    of the first-derivative family in both directions, at the steps the
    diagonal found:

    .. math::

        \\frac{\\partial^2 f}{\\partial x_i \\partial x_j} \\approx
        \\frac{1}{h_i h_j} \\sum_{a, b} w_a w_b\\, f(x + a h_i e_i + b h_j e_j),

    with ``a, b`` in ``+-1 .. +-3``. The inner points (orders 2 and 4) come
    first; only pairs where those two disagree beyond rounding get the outer
    ones, and a pair whose differences do not shrink is tried again at a
    quarter step. The result is symmetric by construction. With ``step=h``
    both the diagonal and the pairs are one stencil of ``method`` and
    ``order`` at that step (status ``FIXED_STEP``).

    Examples
    --------
    >>> H = hessian(lambda x: x[0] ** 2 * x[1] + x[1] ** 3, np.array([1.0, 2.0]))
    >>> np.round(H, 8)
    array([[ 4.,  2.],
           [ 2., 12.]])
    >>> H = hessian(lambda x: np.sum(x**3), np.ones(3), grad=lambda x: 3 * x**2)
    >>> np.allclose(H, np.diag([6.0, 6.0, 6.0]), atol=1e-12), H.shape
    (True, (3, 3))
    >>> res = hessian(lambda x: x[0] ** 2 * x[1] + x[1] ** 3, np.array([1.0, 2.0]), step=1e-3,
    ...               full_output=True)
    >>> np.round(res.value, 6), int(res.nfev), res.message
    (array([[ 4.,  2.],
           [ 2., 12.]]), 9, 'one stencil with the given step: no error estimate')
    >>> H = hessian(lambda x: np.array([x[0] * x[1], x[1] ** 2]), np.array([1.0, 2.0]))
    >>> H.shape, np.round(H, 8).tolist()
    ((2, 2, 2), [[[0.0, 1.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 2.0]]])
    """
    vectorized = check_vectorized(vectorized)
    prepared = _hessian_iv(f, x, grad, method, order, step, vectorized, full_output)
    flat = prepared.flat
    size = flat.size
    settings = Settings(method, order, vectorized, workers, progress)
    out_shape: tuple[int, ...] = ()
    if grad is None:
        try:
            out = _from_values(f, prepared, settings)
        except NotScalar as found:  # a vector-valued f: one Hessian per output
            out = _vector_from_values(f, prepared, settings, found.points)
            out_shape = cast("tuple[int, ...]", out.out_shape)  # set for a vector f
        value, error, status = out.value, HESSIAN_MARGIN * out.error, out.status
    else:
        inner = _FlatGradient(grad, prepared.spec, vectorized)
        outer = Prepared(flat, None, None, None, prepared.step, flat.dtype)
        out = along_coordinates(inner, outer, settings, scalar=False)
        jac = out.value.reshape(size, size).T  # J[i, j] = d grad_i / d x_j
        value = (jac + jac.T) / 2
        err = np.asarray(out.error, dtype=float).reshape(size, size).T
        # the asymmetry of J is a measured part of the error
        error = np.maximum(err, err.T) + np.abs(jac - jac.T) / 2
        status = np.broadcast_to(out.status[None, :], (size, size))
        status = np.minimum(status, status.T)
    per_x = prepared.shape if prepared.shape is not None else (size,)
    shape = out_shape + per_x + per_x
    if not full_output:
        warn_nonfinite(value, "Hessian")
        return value.reshape(shape)
    if out_shape:  # each output's steps, in its own row
        step = np.asarray(out.step).reshape(out_shape + per_x)
    else:
        step = prepared.unravel(np.asarray(out.step))
    return DiffResult(
        value=value.reshape(shape),
        error=error.reshape(shape),
        nfev=int(out.nfev),
        step=step,
        success=success_of(value, status).reshape(shape),
        status=status.reshape(shape),
        message=summarise(status),
    )
