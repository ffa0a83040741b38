"""The code of :mod:`slopes.descent`, which re-exports its public names. Gradient descent that
explains itself: :func:`minimize`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np

from .._util.callback import call_callback
from .._util.progress import NullBar, progress_bar
from .._util.pytree import ravel
from .._util.result import Result
from .._util.status import Status
from ..differentiate._engine.gradient_steps import GradientStep
from ..optim import Optimizer, apply_updates
from . import _diagnose as _diagnose
from ._input import (
    flat_gradient,
    flat_numerical_gradient,
    minimize_iv,
    reraise_at,
    scalar_value,
    start_point,
)

if TYPE_CHECKING:
    from .._util.pytree import ArrayInput, Container

__all__ = ["History", "MinimizeResult", "StepState", "minimize"]

_FLOAT64 = np.dtype(np.float64)
# the history buffer starts with room for this many numbers (at least 2 iterates)
_FIRST_ROWS_ITEMS = 2**16


class StepState(NamedTuple):
    """What a callback sees at each iterate: ``callback(nit, state)``, ``nit`` the
    number of updates made so far (0 at x0).

    ``x`` is the current iterate (do not modify it), ``f`` its value, ``grad``
    the gradient there, ``grad_norm`` its Euclidean norm and ``opt_state`` the
    optimiser's state.
    """

    x: Any
    f: float
    grad: Any
    grad_norm: float
    opt_state: Any


class History(Result):
    """Every iterate of a run: ``x`` (x0 first), ``f`` and ``grad_norm`` at each.

    For array ``x0``, ``x`` is one array of shape ``(nit + 1, *x0.shape)``, so
    ``history.x[:, 0]`` and ``history.x[:, 1]`` are the path of a 2-D run; for
    a pytree ``x0`` it is a list of pytrees.
    """

    def __repr__(self) -> str:
        return f"History({len(self['f'])} iterates: x, f, grad_norm)"


class MinimizeResult(Result):
    """The result of :func:`minimize`.

    Attributes
    ----------
    x : array or pytree
        The best finite iterate (lowest f), never NaN.
    fun : float
        f at ``x``.
    grad : array or pytree
        The gradient at ``x``.
    nit : int
        Number of iterations: the updates made (``history`` holds ``nit + 1``
        iterates, x0 included).
    nfev : int
        Number of points at which f was evaluated in all, numerical-gradient
        evaluations included (the same meaning as every slopes result's ``nfev``).
    ngev : int
        Number of calls of the analytic gradient (0 without one).
    status : Status
        ``Status.CONVERGED``, ``MAX_STEPS``, ``DIVERGED``, ``STALLED`` or
        ``STOPPED`` (see :class:`slopes.Status`); prints as its word.
    success : bool
        ``status.success``: True exactly when the run converged.
    message : str
        What happened, and what to try.
    history : History
        ``history.x``, ``history.f``, ``history.grad_norm``: every iterate, x0 included.
    optimizer : Optimizer
        The optimiser used (its repr names it, e.g. for a plot legend).
    suggested_lr : float or None
        For a ``DIVERGED`` or ``STALLED`` run of plain gradient descent, the
        learning rate ``1/L`` measured along the path that ``message`` suggests
        (see ``slopes.descent._diagnose.advised_lr`` for the rule); None otherwise.
    """

    def __repr__(self) -> str:
        with np.printoptions(precision=8, threshold=8, edgeitems=2):
            return (
                f"MinimizeResult(status=Status.{self['status'].name}, x={self['x']!r}, "
                f"fun={self['fun']!r}, nit={self['nit']}, nfev={self['nfev']},\n"
                f"    message={self['message']!r})"
            )


# ---------------------------------------------------------------------------
# the descent loop
# ---------------------------------------------------------------------------


def minimize(
    f: Callable[[Any], Any],
    x0: ArrayInput | Container,
    *,
    optimizer: Optimizer | None = None,
    lr: float | Callable[[int], float] | None = None,
    steps: int = 100,
    grad: Callable[[Any], Any] | None = None,
    gradient_step: GradientStep = "cube-root",
    tol: float = 1e-9,
    ftol: float = 1e-12,
    callback: Callable[[int, StepState], bool | None] | None = None,
    workers: Any = None,
    progress: bool | str = False,
) -> MinimizeResult:
    r"""Minimise ``f`` from ``x0`` by gradient descent (or any optimiser), with diagnoses.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``, with ``x`` shaped like ``x0``.
    x0 : float, array_like or pytree
        Starting point; copied, never modified. Integers are promoted to float.
    optimizer : Optimizer, optional
        An ``(init, update)`` pair from :mod:`slopes.optim`; default plain
        gradient descent ``slopes.optim.sgd(lr=lr)``.
    lr : float or callable, optional
        Learning rate of the default optimiser; default 0.01. Refused together
        with ``optimizer``, which carries its own learning rate.
    steps : int
        Most updates to make.
    grad : callable, optional
        Analytic gradient ``grad(x)`` in x's structure. Without it the gradient
        is numerical, :func:`slopes.gradient` with the step rule ``gradient_step``.
    gradient_step : {"cube-root", "textbook", "adaptive"} or float
        The numerical gradient's step rule (unused with ``grad``). Default
        ``"cube-root"``: one central difference per coordinate with step
        :math:`h_i = \epsilon^{1/3} \max(1, |x_i|)` (2n evaluations);
        ``"textbook"``: the chapter's :math:`h = 10^{-4}`; ``"adaptive"``:
        gradient's own refined step with an error estimate (6 to 12
        evaluations per coordinate); a number: that fixed step.
    tol : float
        Converged when the gradient norm is at most ``tol``.
    ftol : float
        Also converged when f changes by at most ``ftol * |f|`` in one step while
        the gradient norm is below 1e-3 times its starting value (so a learning
        rate too small to move f is reported as ``stalled``, not converged).
        ``tol=0, ftol=0`` always runs all the steps.
    callback : callable, optional
        ``callback(nit, state)`` at every iterate, ``nit`` the updates made so
        far (0 at x0) and ``state`` a :class:`StepState`; returning True (or
        raising StopIteration) stops the run with status ``Status.STOPPED``
        (the contract :func:`slopes.fit`'s callbacks share; any other truthy
        return still stops it for one release, with a DeprecationWarning).
    workers : int, Executor, map-like or dask Client, optional
        Spread the numerical gradient's evaluations (see :func:`slopes.gradient`).
    progress : bool or "always", default False
        Show a progress bar (only on a terminal unless "always"); off by
        default, as in every slopes function.

    Returns
    -------
    MinimizeResult
        ``x`` (best finite iterate), ``fun``, ``grad``, ``nit``, ``nfev``,
        ``ngev``, ``status``, ``success``, ``message``, ``history``, ``optimizer``.

    Raises
    ------
    TypeError, ValueError
        For bad input, naming the argument: ``lr`` not positive and finite,
        ``steps`` negative, ``x0`` not finite, ``f`` not returning a real
        scalar, ``optimizer`` not an (init, update) pair, ...
    Exception
        When ``f`` or ``grad`` raises, the error is raised again naming the
        point (``f raised ZeroDivisionError at x=[0. 1.]: ...``), with the
        original's type where possible and chained from it.

    Notes
    -----
    At each iterate :math:`x_k` (x0 included) the loop evaluates
    :math:`f(x_k)` once and the gradient :math:`g_k` (2n more evaluations
    when numerical with a fixed step), records them, runs the stopping tests,
    and then applies the optimiser's update. So ``nfev = (nit + 1) * (2n + 1)``
    with the default numerical gradient, and no point is evaluated twice
    (the adaptive rule adds what the engine reports). The statuses:

    - ``converged``: :math:`\|g_k\| \le` tol, or the f-change test above;
      or all steps taken with f below f(x0) and the gradient norm below
      :math:`10^{-6} \|g_0\|` (the chapter's lr = 0.1 run, f from 25 to 1e-18);
    - ``diverged``: x, f or the gradient not finite, or f rising on 3
      consecutive steps to more than :math:`f(x_0) + 1000 \max(|f(x_0)|, 1)`;
      the run stops there;
    - ``stalled``: all steps taken but f fell by less than
      :math:`10^{-4} \|g_0\| \max(\|x_0\|, 1)`, a negligible part of what the
      first gradient offered;
    - ``max_steps``: all steps taken otherwise; ``stopped``: the callback asked.

    For plain gradient descent, the suggested learning rate is
    :math:`1/L` with :math:`L = \|\Delta g\| / \|\Delta x\|` the curvature seen
    along the path.

    Examples
    --------
    >>> res = minimize(lambda x: x[0]**2 + x[1]**2, [-3.0, 4.0], lr=1e-10)
    >>> print(res.status)
    stalled
    >>> print(res.message)  # doctest: +ELLIPSIS
    Stalled: after 100 steps f moved by only 1e-06, ... far too small; try lr=0.5.

    The chapter's step ``h = 1e-4`` instead of the cube-root rule: 2 more
    evaluations per coordinate and iterate, as with the default

    >>> res = minimize(lambda x: x[0]**2 + x[1]**2, [-3.0, 4.0], lr=0.1, steps=10,
    ...                gradient_step="textbook")
    >>> res.nit, res.nfev
    (10, 55)
    """
    default_optimizer = optimizer is None
    if default_optimizer and lr is None:
        lr = 0.01
    optimizer, steps, tol, ftol, gradient_step = minimize_iv(
        f, x0, optimizer, lr, steps, grad, tol, ftol, callback, gradient_step
    )
    x, flat0, unravel, leaf = start_point(x0)
    shape = np.shape(x) if leaf else ()
    size = flat0.size
    opt_state = optimizer.init(x)
    update = optimizer.update

    # history.x in flat form, one row per iterate (x0 first), in a buffer that doubles
    # when full: memory follows the steps actually taken, not the `steps` budget
    path = np.empty((min(steps + 1, max(2, _FIRST_ROWS_ITEMS // size)), size), flat0.dtype)
    rows = len(path)
    hist_f: list[float] = []
    hist_g: list[float] = []
    append_f, append_g = hist_f.append, hist_g.append
    best_k, best_f, best_g = 0, math.inf, None  # the lowest finite f so far, and its gradient
    flat = flat0
    prev_f = math.inf  # f at the previous iterate (none before x0: nothing can exceed inf)
    grad_norm0 = f_gate = math.nan
    g0_flat: np.ndarray | None = None
    first_step: tuple[np.ndarray, np.ndarray] | None = None
    extra_nfev = rises = 0  # extra_nfev: the numerical gradient's evaluations
    status, info = Status.MAX_STEPS, {}
    k = 0
    one_d = leaf and len(shape) == 1
    # plain gradient descent with a constant rate on a float64 array (the default
    # optimiser, or any that declares itself so) skips the optimiser machinery:
    # x - lr * g is bit for bit what its update and apply_updates give
    declared = optimizer if isinstance(optimizer, Optimizer) else None
    lr_value = declared.learning_rate if declared is not None else None
    plain_step = (
        declared is not None
        and declared.plain_descent
        and isinstance(lr_value, float)
        and leaf
        and flat0.dtype == _FLOAT64
    )
    with progress_bar(total=steps, desc="minimize", progress=progress) as bar:
        show_bar = not isinstance(bar, NullBar)
        while True:
            # a step that overflowed (lr=1e308) leaves x itself non-finite: nothing to
            # evaluate there (the dot product is the cheap test, exact when it is finite)
            x_bad = k > 0 and not (math.isfinite(flat.dot(flat)) or np.isfinite(flat).all())
            if x_bad:
                fx, g_flat = math.nan, np.full(size, math.nan)
                g = g_flat.reshape(shape) if leaf else unravel(g_flat)
            else:
                # f and grad get copies: one that writes into its argument must not move x
                try:
                    fx = f(x.copy() if leaf else unravel(flat))
                except Exception as error:  # name the point: "f raised ... at x=[...]"
                    reraise_at("f", error, x)
                # np.float64 is a float: the common case skips the shape check
                fx = float(fx) if isinstance(fx, float) else scalar_value(fx)
            if x_bad:
                pass
            elif grad is None:
                g_flat, used = flat_numerical_gradient(
                    f, flat, unravel, shape if leaf else None, gradient_step, workers
                )
                extra_nfev += used
                g = g_flat.reshape(shape) if leaf else unravel(g_flat)
            else:
                try:
                    g = grad(x.copy() if leaf else unravel(flat))
                except Exception as error:
                    reraise_at("grad", error, x)
                if leaf and type(g) is np.ndarray and g.shape == shape and g.dtype is _FLOAT64:
                    g_flat = g if one_d else g.reshape(-1)
                else:
                    g_flat = flat_gradient(g, size)
                    if leaf:
                        g = g_flat.reshape(shape)
            grad_norm = _diagnose.norm(g_flat)
            rises = rises + 1 if fx > prev_f else 0
            if k == rows:  # the history buffer is full: double it
                path = np.concatenate([path, np.empty_like(path)])
                rows = len(path)
            path[k] = flat  # a copy, made after f and grad: they might write into x
            append_f(fx)
            append_g(grad_norm)
            finite = math.isfinite(fx) and math.isfinite(grad_norm)
            if finite and fx < best_f:
                best_k, best_f, best_g = k, fx, g_flat.copy()  # a copy: grad may reuse it
            if k == 0:
                grad_norm0, g0_flat = grad_norm, g_flat.copy()
                f_gate = _diagnose.FTOL_GRADIENT_DROP * grad_norm0
            elif k == 1:
                first_step = (flat - flat0, g_flat - g0_flat)
            if callback is None:
                stop = False
            else:
                if plain_step:  # no buffers: the state its update would have made
                    opt_state = opt_state._replace(count=k)
                stop = call_callback(
                    callback, k, StepState(x, fx, g, grad_norm, opt_state), old_truthy_stops=True
                )

            if not finite:
                if x_bad:
                    what, value = "x", float(flat[~np.isfinite(flat)][0])
                elif not math.isfinite(fx):
                    what, value = "f", fx
                else:
                    what, value = "the gradient", grad_norm
                status, info = Status.DIVERGED, dict(reason="nonfinite", what=what, value=value)
            elif stop:
                status = Status.STOPPED
            elif grad_norm <= tol:
                status, info = Status.CONVERGED, dict(reason="grad")
            elif (
                grad_norm <= f_gate  # a cheap first filter, part of the f-change test
                and k > 0
                and _diagnose.f_converged(prev_f, fx, grad_norm, grad_norm0, ftol)
            ):
                status, info = Status.CONVERGED, dict(reason="f")
            elif rises >= _diagnose.RUNAWAY_STEPS and _diagnose.runaway(rises, fx, hist_f[0]):
                status, info = Status.DIVERGED, dict(reason="runaway")
            elif k < steps:
                if plain_step:
                    x = x - lr_value * g
                else:
                    updates, opt_state = update(g, opt_state, x)
                    # apply_updates' own shortcut for plain arrays, without the call
                    if type(updates) is np.ndarray and type(x) is np.ndarray:
                        new_x = x + updates
                        x = new_x if new_x.dtype is x.dtype else apply_updates(x, updates)
                    else:
                        x = apply_updates(x, updates)
                flat = (x if one_d else x.reshape(-1)) if leaf else ravel(x)[0]
                prev_f = fx
                k += 1
                if show_bar:
                    bar.update(1)
                continue
            break

    nit = k
    nfev = nit + 1 + extra_nfev
    ngev = 0 if grad is None else nit + 1
    # trim the buffer (a copy, so that no spare rows stay alive behind the history)
    path = path[: nit + 1].copy() if rows > nit + 1 else path
    f_hist, g_hist = np.array(hist_f), np.array(hist_g)
    if best_g is None:  # not even x0 had a finite f and gradient
        best_g = np.full(size, np.nan)
    lr_used = lr if default_optimizer else lr_value
    # the 1/L advice holds for plain gradient descent: the default, or one that says it is
    plain_descent = default_optimizer or (declared is not None and declared.plain_descent)
    info.update(
        nit=nit,
        lr=lr_used,
        tol=tol,
        ftol=ftol,
        best=best_k,
        grad_norm=g_hist[-1],
        grad_norm0=grad_norm0,
        f=f_hist[-1],
        f0=f_hist[0],
    )
    if status is Status.MAX_STEPS and _diagnose.converged_at_budget(
        f_hist[0], f_hist[-1], grad_norm0, g_hist[-1]
    ):
        status, info["reason"] = Status.CONVERGED, "budget"
    if (
        status is Status.MAX_STEPS
        and nit > 0
        and f_hist[-1] <= f_hist[0]  # a run that went up has another problem
        and _diagnose.stalled(f_hist[0], best_f, grad_norm0, float(np.linalg.norm(flat0)))
    ):
        status = Status.STALLED
        info["decrease"] = f_hist[0] - best_f
    if plain_descent and status in (Status.DIVERGED, Status.STALLED) and not callable(lr_used):
        info["suggested_lr"] = _diagnose.suggest_lr(
            status, cast(float, lr_used), path, first_step, g0_flat, g_flat
        )
    best_x = path[best_k].copy()  # res.x must not alias the history
    return MinimizeResult(
        x=best_x.reshape(shape)[()] if leaf else unravel(best_x),
        fun=float(best_f) if math.isfinite(best_f) else float(f_hist[0]),
        grad=best_g.reshape(shape) if leaf else unravel(best_g),
        nit=nit,
        nfev=nfev,
        ngev=ngev,
        status=status,
        success=status.success,
        message=_diagnose.message(status, info),
        history=History(
            x=path.reshape((nit + 1, *shape)) if leaf else [unravel(v) for v in path],
            f=f_hist,
            grad_norm=g_hist,
        ),
        optimizer=optimizer,
        suggested_lr=info.get("suggested_lr"),
    )
