"""The code of :mod:`slopes.differentiate`, which re-exports its public names. Derivatives,
gradients, Jacobians and Hessians by finite differences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, overload

import numpy as np

from ._check import check_grad
from ._engine.core import (
    DERIVATIVE_LEVELS,
    DiffResult,
    Settings,
    along_coordinates,
    elementwise,
    success_of,
    summarise,
    warn_nonfinite,
)
from ._engine.first_trial import FirstTrial, first_trial
from ._engine.stencils import stencil_order_error
from ._engine.steps import domain_room
from ._engine.validate import (
    _derivative_iv,
    _gradient_iv,
    _jacobian_iv,
    _prepare_step,
    check_fixed_in_domain,
    check_vectorized,
    prepare_domain,
    prepare_tolerances,
    with_args,
)
from ._hessian import hessian

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from .._util.pytree import ArrayInput, Container, Tree

__all__ = ["DiffResult", "check_grad", "derivative", "gradient", "hessian", "jacobian"]


@overload
def derivative(
    f: Callable[..., Any],
    x: float | np.generic,
    *,
    n: int = ...,
    method: str = ...,
    order: int = ...,
    step: ArrayLike | None = ...,
    full_output: Literal[False] = ...,
    vectorized: bool | int = ...,
    workers: Any = ...,
    progress: bool | str = ...,
    max_step: ArrayLike | None = ...,
    args: tuple = ...,
    domain: tuple[ArrayLike, ArrayLike] | None = ...,
    tolerances: dict[str, float] | None = ...,
    maxiter: int | None = ...,
) -> np.inexact[Any]: ...


@overload
def derivative(
    f: Callable[..., Any],
    x: ArrayLike,
    *,
    n: int = ...,
    method: str = ...,
    order: int = ...,
    step: ArrayLike | None = ...,
    full_output: Literal[False] = ...,
    vectorized: bool | int = ...,
    workers: Any = ...,
    progress: bool | str = ...,
    max_step: ArrayLike | None = ...,
    args: tuple = ...,
    domain: tuple[ArrayLike, ArrayLike] | None = ...,
    tolerances: dict[str, float] | None = ...,
    maxiter: int | None = ...,
) -> NDArray[np.inexact[Any]]: ...


@overload
def derivative(
    f: Callable[..., Any],
    x: ArrayLike,
    *,
    n: int = ...,
    method: str = ...,
    order: int = ...,
    step: ArrayLike | None = ...,
    full_output: Literal[True],
    vectorized: bool | int = ...,
    workers: Any = ...,
    progress: bool | str = ...,
    max_step: ArrayLike | None = ...,
    args: tuple = ...,
    domain: tuple[ArrayLike, ArrayLike] | None = ...,
    tolerances: dict[str, float] | None = ...,
    maxiter: int | None = ...,
) -> DiffResult: ...


@overload
def derivative(
    f: Callable[..., Any],
    x: ArrayLike,
    *,
    n: int = ...,
    method: str = ...,
    order: int = ...,
    step: ArrayLike | None = ...,
    full_output: bool,
    vectorized: bool | int = ...,
    workers: Any = ...,
    progress: bool | str = ...,
    max_step: ArrayLike | None = ...,
    args: tuple = ...,
    domain: tuple[ArrayLike, ArrayLike] | None = ...,
    tolerances: dict[str, float] | None = ...,
    maxiter: int | None = ...,
) -> NDArray[np.inexact[Any]] | np.inexact[Any] | DiffResult: ...


def derivative(
    f: Callable[..., Any],
    x: ArrayLike,
    *,
    n: int = 1,
    method: str = "central",
    order: int = 2,
    step: ArrayLike | None = None,
    full_output: bool = False,
    vectorized: bool | int = False,
    workers: Any = None,
    progress: bool | str = False,
    max_step: ArrayLike | None = None,
    args: tuple = (),
    domain: tuple[ArrayLike, ArrayLike] | None = None,
    tolerances: dict[str, float] | None = None,
    maxiter: int | None = None,
) -> NDArray[np.inexact[Any]] | np.inexact[Any] | DiffResult:
    """The ``n``-th derivative of a scalar function at every element of ``x``.

    Parameters
    ----------
    f : callable
        ``f(t) -> number`` for a scalar ``t``; with ``vectorized=True``,
        ``f(array) -> array`` elementwise. A complex-valued f is differentiated
        in its real and imaginary parts at once (methods central, forward and
        backward): the value is complex and ``error`` bounds the modulus of its
        error, ``hypot(error_re, error_im)``. The first call of f that returns
        complex values tells; the engine restarts on the values it has (points
        evaluated in earlier blocks or on workers are evaluated again and
        counted in ``nfev``).
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
    step : float, array_like or str, optional
        A fixed step: exactly one stencil, no refinement, no error estimate.
        None (default) chooses and refines the step automatically. A step
        rule by name (:mod:`slopes.differentiate._engine.gradient_steps`): ``"textbook"`` is the
        chapter's ``1e-4``, ``"cube-root"`` is
        ``eps**(1/3) * max(1, |x|)``, ``"adaptive"`` is None.
    full_output : bool, default False
        Return a :class:`~slopes.differentiate._engine.core.DiffResult` instead of the value.
    vectorized : bool or int, default False
        f accepts an array of points and returns one value per point. The
        points go to f in chunks of at most ``2**14`` numbers (128 KiB of
        float64: f's temporaries stay in cache). An int ``k >= 2`` instead
        sends up to ``k`` points per call: worth it when each call of f has a
        fixed cost of its own (a shared forward pass, a round trip).
        ``vectorized=1`` (one point per call, although ``True == 1``) is
        deprecated; NumPy booleans act as Python's.
    workers : int, Executor, map-like or dask Client, optional
        Spread the evaluations (see :func:`slopes.parallel._pool.parallel_map`).
    progress : bool or "always", default False
        Show a progress bar over the evaluations.
    max_step : float or array_like, optional
        With ``step=None``: f is never evaluated farther than this from ``x``
        (per element, to rounding). Default ``0.5 max(|x|, 1)`` (for ``gradient`` and
        ``jacobian``, ``|x_j|`` is at least the rms of x): a black box defined
        around x is not probed far outside it, and a direction in which f is
        flat is not chased to ever larger steps. Where the step model asks for
        more, the search stops at the bound.
    args : tuple, default ()
        Extra arguments: f is called as ``f(x, *args)``, as scipy's functions do.
    domain : (lo, hi), optional
        f is never evaluated outside ``[lo, hi]``; each bound is a number
        (``-inf``/``inf`` for an open side) or an array broadcasting to x's
        shape. Each side caps the step of the stencils that reach it; where the
        central stencil's step would be capped below 1/16 of its usual first
        step (``0.015 max(|x|, 1)``), the forward stencil (toward the side with
        more room) or the backward one is used instead, with status 0. A fixed
        ``step`` whose stencil leaves the domain is refused.
    tolerances : dict, optional
        ``{"atol": a, "rtol": r}`` (scipy's names; a missing key is 0): an
        element's refinement stops as soon as its estimate is reliable and its
        error estimate is at most ``a + r |value|``, and ``success`` then means
        exactly that (the engine's own bar, about 5e-7 relative, is replaced).
        The default keeps the engine's own stopping rule.
    maxiter : int, optional
        The most trials (stencil families) per element; default 6. A success
        at a step above 1 gets one confirming trial more.

    Returns
    -------
    ndarray or DiffResult
        The derivative, with ``x``'s shape (a numpy scalar for a scalar
        ``x``). With ``full_output=True`` a :class:`DiffResult` with the same
        ``value``, and ``error``, ``step``, ``status``, ``success`` and
        ``nfev_per_element`` (the points at which f was evaluated for each
        element) per element, ``nfev`` (their total, the points at which f was
        evaluated in all: the meaning ``nfev`` has in every slopes result) and
        ``message``; the status codes are :class:`slopes.Status`'s, listed in
        the module docstring. Before this release ``nfev`` was the per-element
        array; for a scalar ``x`` the two are the same number.

    Raises
    ------
    TypeError
        f is not callable, or drops the imaginary part with ``method="complex"``.
    ValueError
        ``method="complex"`` with an f that is complex-valued at real points.
    ValueError
        Unknown method, impossible order, step not positive and finite, x not
        finite, or f returning more than one number per point.

    Notes
    -----
    The central difference has the Taylor expansion

    .. math::

        \\frac{f(x+h) - f(x-h)}{2h} = f'(x) + \\frac{h^2}{6} f'''(x) + O(h^4),

    so combining the differences at ``h, 2h, 3h, 4.3h`` cancels the error terms
    one by one (Richardson extrapolation: orders 2, 4, 6 and 8 from eight
    evaluations, from ``order`` up for a larger ``order``) and the differences
    between the orders estimate the error that remains. With ``step=None``
    the step starts at ``0.015 |x|`` (``x = 0``: 0.015; float64, first
    derivative) and moves to balance truncation against rounding; see
    :mod:`slopes.differentiate._engine.richardson`. Where f is not finite on one side the
    forward or backward family takes over (status ``ONE_SIDED``).
    ``method="complex"`` without a step uses ``h = eps**2 |x|``, where
    ``Im f(x + ih) / h`` has no cancellation: one evaluation, error
    ``4 eps |f'(x)|``. The rounding part of the
    error estimate assumes f's values are accurate to a few units in the last
    place of ``|f|``; a function that loses more to cancellation inside (a sum
    of large terms that nearly cancel) can have errors above the estimate.
    The truncation part extrapolates the measured decay of the Taylor
    coefficients; where one nearly vanishes by accident (two terms of f''''' that
    cancel) the decay looks faster than it is and the estimate can fall short
    by a small factor.
    Central stencils see only the odd part ``f(x+t) - f(x-t)``. At a pole or
    jump it grows as the step shrinks and the trials disagree (``1/x`` at 0
    is no success); at a kink, or where f is even about x, the answer is the
    symmetric derivative, as a success: 0 for ``abs`` and ``1/x**2`` at 0.

    Examples
    --------
    >>> derivative(lambda x: 0.01 * x**2 + 0.1 * x, 5.0, step=1e-4)  # the textbook
    np.float64(0.1999999999990898)
    >>> res = derivative(np.log, 1e20, full_output=True)
    >>> float(res.value), bool(res.success), int(res.nfev)
    (1e-20, True, 16)
    >>> d2 = derivative(np.sin, [0.5, 1.0], n=2, vectorized=True)
    >>> np.abs(d2 + np.sin([0.5, 1.0])).max() < 1e-10
    np.True_
    >>> res = derivative(np.sqrt, [1.0, -1.0], full_output=True)  # sqrt is nan below 0
    >>> res.status, res.success
    (array([ 0, -2]), array([ True, False]))
    >>> float(derivative(np.exp, 1.0, method="complex"))
    2.718281828459045
    >>> res = derivative(np.sqrt, 0.0, domain=(0, np.inf), full_output=True)  # forward at 0
    >>> bool(res.success)
    False
    >>> round(float(derivative(np.log, 1e-3, domain=(0, np.inf))), 8)
    1000.0
    >>> d = derivative(lambda t: np.exp(1j * t), 0.0)  # a complex-valued f: i e^(i t)
    >>> d.dtype, bool(abs(d - 1j) < 1e-12)
    (dtype('complex128'), True)
    >>> res = derivative(np.exp, 7.0, tolerances={"rtol": 1e-6}, full_output=True)
    >>> bool(res.success), bool(res.error <= 1e-6 * res.value), int(res.nfev)
    (True, True, 8)
    """
    f = with_args(f, args)
    vectorized = check_vectorized(vectorized)
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
        and max_step is None
        and domain is None
        and tolerances is None
        and maxiter is None
    ):
        # the common scalar call: the engine's first trial in plain floats; where
        # it does not settle the derivative, the engine runs on an f that
        # remembers those values (see slopes.differentiate._engine.first_trial)
        first = first_trial(f, float(x), n=n, order=order, levels=DERIVATIVE_LEVELS)
        if isinstance(first, FirstTrial):
            value = np.float64(first.value)
            if not full_output:
                return value
            return DiffResult(
                value=value,
                error=np.float64(first.error),
                nfev=np.int64(first.nfev),
                nfev_per_element=np.int64(first.nfev),
                step=np.float64(first.step),
                success=np.True_,
                status=np.int64(first.status),
                message=summarise(np.array(first.status)),
            )
        f = first
    prepared = _derivative_iv(f, x, n, method, order, step, vectorized, full_output)
    options = _Options(max_step, domain, tolerances, maxiter)
    settings = _settings(prepared, x, method, order, vectorized, workers, progress, options, n=n)
    out = elementwise(f, prepared, settings, n=n)
    shape = prepared.shape
    value = out.value.reshape(shape)
    if not full_output:
        warn_nonfinite(value, "derivative")
        return value[()]
    success = success_of(out.value, out.status)
    nfev_per_element = np.asarray(out.nfev).reshape(shape)
    return DiffResult(
        value=value[()],
        error=out.error.reshape(shape)[()],
        nfev=np.int64(nfev_per_element.sum()),
        nfev_per_element=nfev_per_element[()],
        step=np.asarray(out.step).reshape(shape)[()],
        success=success.reshape(shape)[()],
        status=out.status.reshape(shape)[()],
        message=summarise(out.status),
    )


class _Options(NamedTuple):
    """The engine's control options as the caller gave them (validated by :func:`_settings`)."""

    max_step: Any
    domain: Any
    tolerances: Any
    maxiter: Any


def _settings(
    prepared: Any,
    x: Any,
    method: str,
    order: int,
    vectorized: bool | int,
    workers: Any,
    progress: Any,
    options: _Options,
    n: int = 1,
) -> Settings:
    """Validate ``max_step``, ``domain``, ``tolerances`` and ``maxiter`` into :class:`Settings`."""
    reach = _prepare_step(options.max_step, x, prepared.flat, name="max_step")
    bounds = prepare_domain(options.domain, prepared)
    room = None
    if bounds is not None:
        check_fixed_in_domain(prepared, bounds, method, n, order)
        room = domain_room(prepared.flat, *bounds)
        if not (np.maximum(room[0], room[1]) > 0).all():
            i = int(np.flatnonzero(~(np.maximum(room[0], room[1]) > 0))[0])
            raise ValueError(
                f"`domain` [{float(bounds[0][i])!r}, {float(bounds[1][i])!r}] is too narrow "
                f"around `x` = {float(prepared.flat[i])!r} (flat index {i}) to take a step "
                "inside it"
            )
    tolerance, maxiter = prepare_tolerances(options.tolerances, options.maxiter)
    return Settings(
        method,
        order,
        vectorized,
        workers,
        progress,
        reach,
        room=room,
        tolerance=tolerance,
        maxiter=maxiter,
    )


def _by_coordinates(
    f: Any, prepared: Any, settings: Settings, full_output: bool, scalar: bool
) -> Any:
    """gradient (``scalar``) or jacobian: the engine along coordinates, shaped for the caller.

    The flat (n, k) engine output becomes x's structure (gradient) or, per
    leaf of x, f's shape + the leaf's shape (jacobian).
    """
    out = along_coordinates(f, prepared, settings, scalar=scalar, allow_complex=True)
    out_shape = out.out_shape

    def arrange(flat: np.ndarray) -> Any:
        if scalar:
            return prepared.unravel(flat[:, 0] if flat.ndim == 2 else flat)
        # (n, k) -> per-leaf (k..., leaf shape...): the jacobian's layout. The k rows
        # of flat.T are a stack of x-shaped vectors, unflattened as the engine
        # unflattens a stack of points (TreeSpec.batch): leaves (k, *leaf shape)
        from .._util.pytree import tree_map

        tree = prepared.spec.batch(np.ascontiguousarray(flat.T))
        return tree_map(lambda leaf: leaf.reshape(out_shape + leaf.shape[1:]), tree)

    value = arrange(out.value)
    if not full_output:
        warn_nonfinite(value, "gradient" if scalar else "Jacobian", stacklevel=4)
        return value
    status = out.status
    success = success_of(out.value, status)
    step = np.asarray(out.step)
    return DiffResult(
        value=value,
        error=arrange(np.asarray(out.error, dtype=float)),
        nfev=int(out.nfev),
        step=prepared.unravel(step),
        success=prepared.unravel(success),
        status=prepared.unravel(status),
        message=summarise(status),
    )


@overload
def gradient(
    f: Callable[..., Any],
    x: ArrayInput,
    *,
    method: str = ...,
    order: int = ...,
    step: ArrayLike | Container | None = ...,
    full_output: Literal[False] = ...,
    vectorized: bool | int = ...,
    workers: Any = ...,
    progress: bool | str = ...,
    max_step: ArrayLike | Container | None = ...,
    args: tuple = ...,
    domain: tuple[ArrayLike | Container, ArrayLike | Container] | None = ...,
    tolerances: dict[str, float] | None = ...,
    maxiter: int | None = ...,
) -> NDArray[np.inexact[Any]]: ...


@overload
def gradient(
    f: Callable[..., Any],
    x: Tree,
    *,
    method: str = ...,
    order: int = ...,
    step: ArrayLike | Container | None = ...,
    full_output: Literal[False] = ...,
    vectorized: bool | int = ...,
    workers: Any = ...,
    progress: bool | str = ...,
    max_step: ArrayLike | Container | None = ...,
    args: tuple = ...,
    domain: tuple[ArrayLike | Container, ArrayLike | Container] | None = ...,
    tolerances: dict[str, float] | None = ...,
    maxiter: int | None = ...,
) -> Tree: ...


@overload
def gradient(
    f: Callable[..., Any],
    x: ArrayInput | Container,
    *,
    method: str = ...,
    order: int = ...,
    step: ArrayLike | Container | None = ...,
    full_output: Literal[True],
    vectorized: bool | int = ...,
    workers: Any = ...,
    progress: bool | str = ...,
    max_step: ArrayLike | Container | None = ...,
    args: tuple = ...,
    domain: tuple[ArrayLike | Container, ArrayLike | Container] | None = ...,
    tolerances: dict[str, float] | None = ...,
    maxiter: int | None = ...,
) -> DiffResult: ...


@overload
def gradient(
    f: Callable[..., Any],
    x: ArrayInput | Container,
    *,
    method: str = ...,
    order: int = ...,
    step: ArrayLike | Container | None = ...,
    full_output: bool,
    vectorized: bool | int = ...,
    workers: Any = ...,
    progress: bool | str = ...,
    max_step: ArrayLike | Container | None = ...,
    args: tuple = ...,
    domain: tuple[ArrayLike | Container, ArrayLike | Container] | None = ...,
    tolerances: dict[str, float] | None = ...,
    maxiter: int | None = ...,
) -> NDArray[np.inexact[Any]] | Container | DiffResult: ...


def gradient(
    f: Callable[..., Any],
    x: ArrayInput | Container,
    *,
    method: str = "central",
    order: int = 2,
    step: ArrayLike | Container | None = None,
    full_output: bool = False,
    vectorized: bool | int = False,
    workers: Any = None,
    progress: bool | str = False,
    max_step: ArrayLike | Container | None = None,
    args: tuple = (),
    domain: tuple[ArrayLike | Container, ArrayLike | Container] | None = None,
    tolerances: dict[str, float] | None = None,
    maxiter: int | None = None,
) -> NDArray[np.inexact[Any]] | Container | DiffResult:
    """The gradient of a scalar function of an array or pytree.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``; with ``vectorized=True``, f takes a stack of
        points (leading batch axis on every leaf) and returns one value each.
    x : array_like or pytree
        Where to differentiate (dict/list/tuple of arrays allowed).
    method, order, step, full_output, vectorized, workers, progress, max_step, args
        As for :func:`derivative`; ``step`` and ``max_step`` may also be an
        array (or pytree) with one value per entry of x.
    domain, tolerances, maxiter
        As for :func:`derivative`, per coordinate (``domain`` bounds may be
        pytrees like x); a gradient with any of them skips the four-point pass.

    Returns
    -------
    ndarray, pytree or DiffResult
        The gradient, in x's structure and shape. With ``full_output=True`` a
        :class:`DiffResult` whose ``value``, ``error``, ``step``, ``status``
        and ``success`` are in x's structure, and ``nfev`` is the total
        number of evaluations of f.

    Raises
    ------
    TypeError, ValueError
        As for :func:`derivative`; also when f returns a non-scalar, or a
        ``step`` array whose size is not x's.

    Notes
    -----
    Coordinate ``j`` is the derivative of ``t -> f(x + t e_j)``; ``f(x)``
    is evaluated once for all coordinates. With ``step=None`` each
    coordinate gets the adaptive family of :func:`derivative` up to sixth
    order (``+-h, +-2h, +-3h``: six evaluations per trial), its first step
    ``0.015 max(|x_j|, rms(x))`` (float64): coordinates share a scale, so one
    near 0 is not probed at a needlessly small step.

    For 256 coordinates or more (central, ``order=2``) a cheaper pass comes
    first (:mod:`slopes.differentiate._engine.quick`): four points ``+-h, +-2h`` give the
    fourth-order difference ``(8 o_1 - o_2) / (12 h)``, with
    ``o_k = f(x + kh e_j) - f(x - kh e_j)``, and an error estimate from the
    Taylor coefficients those points measure. It runs on a sample of
    coordinates, then on all when it settles most of the sample; only
    coordinates whose estimate is not good enough (a slope or curvature
    near 0, a step far from the best) go on to the adaptive family. For
    smooth f that is about 4 evaluations per coordinate. With
    ``vectorized=True`` the stencil points go through f in chunks of at most
    ``2**14`` numbers (``k`` points with ``vectorized=k``), so memory stays
    bounded for any n.

    Examples
    --------
    >>> gradient(lambda x: x[0]**2 + x[1]**2, np.array([3.0, 4.0]), step=1e-4)
    array([6., 8.])
    >>> g = gradient(lambda p: np.sum(p["w"] ** 2) + p["b"], {"w": np.ones(2), "b": 0.0})
    >>> g["w"], float(g["b"])
    (array([2., 2.]), 1.0)
    >>> res = gradient(lambda x: np.sum(x**2), np.array([3.0, 4.0]), full_output=True)
    >>> res.status, int(res.nfev), bool(np.all(res.error < 1e-12))
    (array([0, 0]), 12, True)
    """
    f = with_args(f, args)
    vectorized = check_vectorized(vectorized)
    prepared = _gradient_iv(f, x, method, order, step, vectorized, full_output)
    options = _Options(max_step, domain, tolerances, maxiter)
    settings = _settings(prepared, x, method, order, vectorized, workers, progress, options)
    return _by_coordinates(f, prepared, settings, full_output, scalar=True)


@overload
def jacobian(
    f: Callable[..., Any],
    x: ArrayInput,
    *,
    method: str = ...,
    order: int = ...,
    step: ArrayLike | Container | None = ...,
    full_output: Literal[False] = ...,
    vectorized: bool | int = ...,
    workers: Any = ...,
    progress: bool | str = ...,
    max_step: ArrayLike | Container | None = ...,
    args: tuple = ...,
    domain: tuple[ArrayLike | Container, ArrayLike | Container] | None = ...,
    tolerances: dict[str, float] | None = ...,
    maxiter: int | None = ...,
) -> NDArray[np.inexact[Any]]: ...


@overload
def jacobian(
    f: Callable[..., Any],
    x: Tree,
    *,
    method: str = ...,
    order: int = ...,
    step: ArrayLike | Container | None = ...,
    full_output: Literal[False] = ...,
    vectorized: bool | int = ...,
    workers: Any = ...,
    progress: bool | str = ...,
    max_step: ArrayLike | Container | None = ...,
    args: tuple = ...,
    domain: tuple[ArrayLike | Container, ArrayLike | Container] | None = ...,
    tolerances: dict[str, float] | None = ...,
    maxiter: int | None = ...,
) -> Tree: ...


@overload
def jacobian(
    f: Callable[..., Any],
    x: ArrayInput | Container,
    *,
    method: str = ...,
    order: int = ...,
    step: ArrayLike | Container | None = ...,
    full_output: Literal[True],
    vectorized: bool | int = ...,
    workers: Any = ...,
    progress: bool | str = ...,
    max_step: ArrayLike | Container | None = ...,
    args: tuple = ...,
    domain: tuple[ArrayLike | Container, ArrayLike | Container] | None = ...,
    tolerances: dict[str, float] | None = ...,
    maxiter: int | None = ...,
) -> DiffResult: ...


@overload
def jacobian(
    f: Callable[..., Any],
    x: ArrayInput | Container,
    *,
    method: str = ...,
    order: int = ...,
    step: ArrayLike | Container | None = ...,
    full_output: bool,
    vectorized: bool | int = ...,
    workers: Any = ...,
    progress: bool | str = ...,
    max_step: ArrayLike | Container | None = ...,
    args: tuple = ...,
    domain: tuple[ArrayLike | Container, ArrayLike | Container] | None = ...,
    tolerances: dict[str, float] | None = ...,
    maxiter: int | None = ...,
) -> NDArray[np.inexact[Any]] | Container | DiffResult: ...


def jacobian(
    f: Callable[..., Any],
    x: ArrayInput | Container,
    *,
    method: str = "central",
    order: int = 2,
    step: ArrayLike | Container | None = None,
    full_output: bool = False,
    vectorized: bool | int = False,
    workers: Any = None,
    progress: bool | str = False,
    max_step: ArrayLike | Container | None = None,
    args: tuple = (),
    domain: tuple[ArrayLike | Container, ArrayLike | Container] | None = None,
    tolerances: dict[str, float] | None = None,
    maxiter: int | None = None,
) -> NDArray[np.inexact[Any]] | Container | DiffResult:
    """The Jacobian of an array-valued function: shape ``f(x).shape + x.shape``.

    Parameters
    ----------
    f : callable
        ``f(x) -> array``; with ``vectorized=True`` it returns shape
        ``(batch,) + f(x).shape`` for a stack of points.
    x : array_like or pytree
        For a pytree the result is a pytree of the same structure whose leaf
        for ``x_leaf`` has shape ``f(x).shape + x_leaf.shape``.
    method, order, step, full_output, vectorized, workers, progress, max_step, args
        As for :func:`gradient`.
    domain, tolerances, maxiter
        As for :func:`gradient`.

    Returns
    -------
    ndarray, pytree or DiffResult
        ``J[i..., j...] = d f(x)[i...] / d x[j...]``, never squeezed. With
        ``full_output=True`` a :class:`DiffResult`: ``value`` and ``error``
        in that layout, ``step``, ``status`` and ``success`` one per
        coordinate of x (in x's structure), ``nfev`` the total.

    Raises
    ------
    TypeError, ValueError
        As for :func:`gradient`; also when f returns numbers of different
        shapes at different points.

    Notes
    -----
    One evaluation of f at x gives the output shape (and the centre point
    of every stencil); then column ``j`` is the derivative of
    ``t -> f(x + t e_j)`` for all outputs at once, by the adaptive family of
    :func:`gradient` (orders 2, 4, 6). A coordinate's step and status cover
    all its outputs: it is accepted when the worst of them is.

    Examples
    --------
    >>> jacobian(lambda x: np.array([x[0] * x[1], x[0] + 3 * x[1]]), [2.0, 5.0])
    array([[5., 2.],
           [1., 3.]])
    >>> jacobian(lambda x: np.sum(x) ** 2, np.ones(3)).shape
    (3,)
    >>> res = jacobian(lambda x: np.array([x[0] * x[1], x[0] + 3 * x[1]]), [2.0, 5.0],
    ...                full_output=True)
    >>> res.status, int(res.nfev)
    (array([0, 0]), 13)
    """
    f = with_args(f, args)
    vectorized = check_vectorized(vectorized)
    prepared = _jacobian_iv(f, x, method, order, step, vectorized, full_output)
    options = _Options(max_step, domain, tolerances, maxiter)
    settings = _settings(prepared, x, method, order, vectorized, workers, progress, options)
    return _by_coordinates(f, prepared, settings, full_output, scalar=False)


def line_jacobian(
    f: Callable[[Any], Any], t: Any, *, position: float, vectorized: bool | int, workers: Any
) -> Any:
    """:func:`jacobian` of ``f(t)``, a function along a line through x (``jvp``), with
    the line's points at ``position`` for the engine's noise model (its parameter is
    at ``t = 0``, but f rounds the points ``x + t w`` it is given, as it rounds x)."""
    prepared = _jacobian_iv(f, t, "central", 2, None, vectorized, True)
    options = _Options(None, None, None, None)
    settings = _settings(prepared, t, "central", 2, vectorized, workers, False, options)
    settings = replace(settings, position=np.full(prepared.flat.size, float(position)))
    return _by_coordinates(f, prepared, settings, True, scalar=False)
