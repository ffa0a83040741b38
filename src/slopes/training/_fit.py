"""The code of :mod:`slopes.training`, which re-exports its public names. Minibatch training: the
chapter's stochastic gradient descent as a reusable loop.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .._util.callback import call_callback
from .._util.progress import progress_bar
from .._util.pytree import flatten, ravel
from .._util.result import Result
from .._util.status import Status
from ..differentiate._engine.gradient_steps import GradientStep
from ..differentiate._engine.validate import check_vectorized
from ..optim import Optimizer
from . import _checkpoint as _checkpoint
from ._gradient import NumericalGradient
from ._input import Metric, fit_iv, gradient_rule

if TYPE_CHECKING:
    from .._util.pytree import ArrayInput, Container

__all__ = ["FitResult", "FitStep", "TrainingHistory", "fit"]


class TrainingHistory(Result):
    """What a :func:`fit` run recorded: ``loss`` for every iteration (the minibatch
    loss before its update); ``epoch`` and ``nit`` (iterations done) at every
    epoch's end; ``train_<name>`` and ``test_<name>`` for each metric, one value
    per epoch.

    ``nit`` was called ``step`` before; ``history["step"]`` and ``history.step``
    still answer for one release, with a DeprecationWarning (``step`` is the
    finite-difference step everywhere else).
    """

    _renamed = MappingProxyType({"step": "nit"})


class FitStep(Result):
    """What a :func:`fit` callback receives after every iteration: ``nit`` (the
    iterations done, resumed runs included), ``epoch`` (epochs completed),
    ``loss`` (the minibatch loss before this iteration's update) and ``params``
    (after it; do not modify them).

    ``nit`` was called ``step`` before: ``info.step`` still answers for one
    release, with a DeprecationWarning.
    """

    _renamed = MappingProxyType({"step": "nit"})


class FitResult(Result):
    """Result of :func:`fit`.

    Attributes
    ----------
    params : pytree
        The trained parameters (the last finite ones if the run diverged).
    history : TrainingHistory
        ``loss``: the minibatch loss of every iteration (before its update);
        ``epoch`` and ``nit``: epoch number and iterations done at every epoch's end;
        ``train_<name>`` and ``test_<name>`` for each metric: one value per epoch.
    status : Status
        ``Status.COMPLETED`` (every epoch ran), ``DIVERGED`` or ``STOPPED`` (by a
        callback); see :class:`slopes.Status`. Prints as its word.
    success : bool
        ``status.success``: True exactly when every epoch ran with a finite loss
        (a run a callback stopped is no success, as in :func:`slopes.minimize`).
    message : str
    nit : int
        Iterations (optimiser updates, one per minibatch) in all, resumed runs included.
    nfev : int
        Number of points (parameter sets) at which ``loss`` was evaluated in this
        call: the first check, every iteration's minibatch loss, each point of a
        numerical gradient, and the ``"loss"`` metric at every epoch's end (the
        same meaning as every slopes result's ``nfev``).
    elapsed : float
        Seconds this call took.
    checkpoint : str or None
        The checkpoint file, if any.
    """

    def __repr__(self) -> str:
        last = {
            k: float(v[-1]) for k, v in self.history.items() if k.startswith("test_") and len(v)
        }
        extra = "".join(f", {k}={v:.4g}" for k, v in last.items())
        return (
            f"FitResult(status=Status.{self.status.name}, nit={self.nit}, nfev={self.nfev}{extra})"
        )


def _all_finite(tree: Any) -> bool:
    return all(np.all(np.isfinite(leaf)) for leaf in flatten(tree)[0] if leaf is not None)


def fit(
    loss: Callable[[Any, np.ndarray, np.ndarray], float | np.ndarray],  # an array: vectorized
    params: ArrayInput | Container,
    X: Any,  # array_like: Any since fit re-binds the name to the checked array
    y: Any,
    *,
    optimizer: Any,
    batch_size: int = 100,
    epochs: int = 1,
    grad: Callable[[Any, np.ndarray, np.ndarray], Any] | None = None,
    gradient_step: GradientStep = "textbook",
    seed: int = 0,
    eval_data: tuple[Any, Any] | None = None,
    metrics: Any = None,
    progress: bool | str = False,
    callbacks: Callable[[FitStep], bool | None]
    | list[Callable[[FitStep], bool | None]]
    | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: int = 100,
    workers: Any = None,
    vectorized: bool | int = False,
    step: float | None = None,
) -> FitResult:
    """Train ``params`` by minibatch gradient descent on ``(X, y)``.

    Parameters
    ----------
    loss : callable
        ``loss(params, X_batch, y_batch) -> float``, e.g. ``model.loss``.
    params : pytree
        Initial parameters (a dict of arrays for the models); never modified.
    X, y : array_like
        Training data, one sample per row (labels: integers or one-hot rows).
    optimizer : slopes.optim.Optimizer
        E.g. ``slopes.optim.sgd(lr=0.1)``.
    batch_size : int
        Samples per step. Each epoch shuffles the data and visits every
        sample once, in ``ceil(n / batch_size)`` minibatches.
    epochs : int
        Passes over the data (in all, when resuming from a checkpoint).
    grad : callable, optional
        ``grad(params, X_batch, y_batch) -> pytree``, e.g. ``model.grad``.
        Without it the gradient is numerical: :func:`slopes.gradient` with
        the step rule ``gradient_step``.
    gradient_step : {"textbook", "cube-root", "adaptive"} or float
        The numerical gradient's step rule (unused with ``grad``). Default
        ``"textbook"``: central differences with the chapter's fixed
        :math:`h = 10^{-4}`, 2 loss evaluations per parameter; ``"cube-root"``:
        :math:`h_i = \\epsilon^{1/3} \\max(1, |\\theta_i|)`; ``"adaptive"``:
        gradient's own refined step (6 to 12 evaluations per parameter); a
        number: that fixed step.
    seed : int
        Seed of the shuffling; the same seed gives the same run.
    eval_data : (X_test, y_test), optional
        Data the metrics are also computed on at the end of every epoch.
    metrics : dict, list or None
        ``{name: fn(params, X, y)}``, or a list of names and callables. Names
        ``"loss"`` (the loss) and ``"accuracy"`` (when ``loss`` is a model's
        method, the model's accuracy) are understood. None: both of those
        that apply.
    progress : bool or "always", default False
        A progress bar with the loss and accuracy (quiet when stderr is not a
        terminal unless "always"). Off by default, as in every slopes function
        (it was on before).
    callbacks : callable or list of callables, optional
        Each called after every iteration with a :class:`FitStep` (``nit``,
        ``epoch``, ``loss``, ``params``); one returning True (or raising
        StopIteration) stops the run with status ``Status.STOPPED``, after all
        of them have run -- the contract :func:`slopes.minimize`'s callback shares.
    checkpoint : str or path-like, optional
        A ``.npz`` file (or a folder for ``fit-checkpoint.npz``) saved every
        ``checkpoint_every`` steps and at the end. If it exists, training
        resumes from it and the result is bit-identical to an uninterrupted run.
    checkpoint_every : int
        Steps between checkpoints.
    workers : int, Executor, map-like or dask Client, optional
        Passed to :func:`slopes.gradient` for the numerical gradient.
    vectorized : bool or int
        Passed to :func:`slopes.gradient` for the numerical gradient.
        ``vectorized=True`` promises that ``loss`` accepts a stack of
        parameter sets (every leaf with a leading axis of length k) and
        returns k losses, as the models in :mod:`slopes.models` do. A loss
        has a fixed cost per call (its forward pass), so ``True`` stacks up
        to 64 parameter sets per call (fewer where 64 would exceed ``2**22``
        numbers); an int ``k >= 2`` sets that number.
    step : float, optional
        Deprecated alias of ``gradient_step`` (a number), kept for one
        release with a DeprecationWarning: in fit a step is also an optimiser
        step (``nit``, the callbacks' ``step``).

    Returns
    -------
    FitResult
        ``params``, ``history``, ``status``, ``success``, ``message``, ``nit``,
        ``nfev``, ``elapsed``, ``checkpoint``.

    Raises
    ------
    ValueError, TypeError
        For data of different lengths, NaN in the data, labels the model
        does not have, a batch size outside 1..n, parameters that do not fit
        the model, or a checkpoint from another run.

    Notes
    -----
    One step on the minibatch :math:`B`:
    :math:`\\theta \\leftarrow \\theta + \\mathrm{update}(\\nabla_\\theta L_B(\\theta))`.
    A non-finite loss, gradient or parameter stops the run with status
    ``Status.DIVERGED``; the result then holds the last finite parameters.

    Examples
    --------
    A straight line :math:`y = 3x - 1` by least squares, with the numerical
    gradient (4 batches of 10 points, 30 epochs):

    >>> import numpy as np
    >>> import slopes
    >>> X = np.linspace(-1, 1, 40).reshape(-1, 1)
    >>> y = 3 * X[:, 0] - 1
    >>> def loss(params, X, y):
    ...     return np.mean((X @ params["w"] + params["b"] - y) ** 2)
    >>> res = fit(loss, {"w": np.zeros(1), "b": 0.0}, X, y, optimizer=slopes.optim.sgd(lr=0.5),
    ...           batch_size=10, epochs=30, progress=False)
    >>> print(res.status, res.nit)
    completed 120
    >>> print(np.round(res.params["w"], 6), round(float(res.params["b"]), 6))
    [3.] -1.0
    """
    X, y, test, metric_fns, callbacks = fit_iv(
        loss,
        X,
        y,
        optimizer=optimizer,
        batch_size=batch_size,
        epochs=epochs,
        grad=grad,
        seed=seed,
        eval_data=eval_data,
        metrics=metrics,
        callbacks=callbacks,
        checkpoint_every=checkpoint_every,
    )
    callback_list: list[Callable[[FitStep], Any]] = list(callbacks)
    rule = gradient_rule(gradient_step, step)
    vectorized = check_vectorized(vectorized)
    start_value = loss(params, X[:batch_size], y[:batch_size])  # also checks params fit the model
    if np.ndim(start_value) != 0:
        raise ValueError(f"`loss` must return a scalar, got shape {np.shape(start_value)}")
    flat, unravel = ravel(params)
    if not np.all(np.isfinite(flat)):  # else the first step "diverges" and blames the lr
        raise ValueError(
            f"`params` must be finite: {int(np.sum(~np.isfinite(flat)))} of its {flat.size} "
            "values are NaN or inf"
        )
    params = unravel(flat)  # a private copy, floats, same structure
    run = _checkpoint.TrainingState(
        params, optimizer.init(params), seed, list(metric_fns), test is not None
    )
    n_batches = -(-len(X) // batch_size)
    fingerprint = {
        "seed": seed,
        "batch_size": batch_size,
        "n_samples": len(X),
        "optimizer": _checkpoint.describe_optimizer(optimizer),
        "params": repr(flatten(params)[1]),
        "shapes": [list(np.shape(p)) for p in flatten(params)[0]],
        "metrics": list(run.history),
    }
    path = None if checkpoint is None else _checkpoint.checkpoint_path(checkpoint)
    resumed_from = None
    if path is not None and os.path.exists(path):
        run.restore(path, fingerprint, len(X), n_batches, epochs)
        resumed_from = run.step
    numerical = (
        None if grad is not None else NumericalGradient(loss, params, rule, workers, vectorized)
    )
    gradient_fn = grad if grad is not None else cast(NumericalGradient, numerical)
    nfev, started = 1, time.perf_counter()  # 1: the check of `loss` above
    postfix: dict[str, str] = {}
    total = epochs * n_batches
    if run.status in ("completed", "stopped"):
        run.status = "running"
    with progress_bar(total=total, desc="fit", progress=progress) as bar:
        bar.update(min(run.step, total))
        while run.status == "running" and run.epoch < epochs:
            if run.perm is None:
                run.perm = run.rng.permutation(len(X))
            batch = run.perm[run.batch * batch_size : (run.batch + 1) * batch_size]
            Xb, yb = X[batch], y[batch]
            value = float(loss(run.params, Xb, yb))
            nfev += 1
            grads = gradient_fn(run.params, Xb, yb) if np.isfinite(value) else None
            new_params = None
            if grads is not None and _all_finite(grads):
                updates, new_state = optimizer.update(grads, run.opt_state, run.params)
                new_params = _apply_updates(run.params, updates)
            if new_params is None or not _all_finite(new_params):
                what = "loss" if not np.isfinite(value) else "gradient or update"
                run.status = "diverged"
                lr = optimizer.learning_rate if isinstance(optimizer, Optimizer) else None
                advice = (
                    f"lr={lr / 10:g}" if isinstance(lr, (int, float)) else "one 10 times smaller"
                )
                run.message = (
                    f"the {what} became non-finite at step {run.step + 1} (epoch "
                    f"{run.epoch + 1}); the learning rate is probably too large: try {advice}"
                )
                break
            run.params, run.opt_state = new_params, new_state
            run.history["loss"].append(value)
            run.step += 1
            run.batch += 1
            bar.update(1)
            postfix["loss"] = f"{value:.4f}"
            if run.batch == n_batches:
                shown, loss_calls = _end_epoch(run, metric_fns, X, y, test, loss)
                postfix.update(shown)
                nfev += loss_calls
            bar.set_postfix(postfix, refresh=False)
            if path is not None and run.step % checkpoint_every == 0:
                run.save(path, fingerprint)
            # callbacks run after the step is saved, so a callback sees a checkpointed state
            info = FitStep(nit=run.step, epoch=run.epoch, loss=value, params=run.params)
            # every callback runs, then any one of them may stop the run
            asked = [call_callback(one, info, old_truthy_stops=False) for one in callback_list]
            if any(asked):
                run.status = "stopped"
                run.message = f"stopped by a callback after step {run.step}"
                if path is not None:
                    run.save(path, fingerprint)
    if run.status == "running":
        run.status = "completed"
        epochs_done = f"{run.epoch} epoch" + ("" if run.epoch == 1 else "s")
        run.message = f"completed {epochs_done} ({run.step} steps)"
        if path is not None:
            run.save(path, fingerprint)
    if resumed_from is not None:
        run.message += f"; resumed from {path} at step {resumed_from}"
    if numerical is not None:
        nfev += numerical.nfev
    # the run's record keeps the checkpoint file's key "step"; the result says "nit"
    history = TrainingHistory(
        {
            ("nit" if k == "step" else k): np.asarray(
                v, dtype=int if k in ("epoch", "step") else float
            )
            for k, v in run.history.items()
        }
    )
    status = Status[run.status.upper()]  # the run's (and its checkpoint's) word, as a member
    return FitResult(
        params=run.params,
        history=history,
        status=status,
        success=status.success,
        message=run.message,
        nit=run.step,
        nfev=nfev,
        elapsed=time.perf_counter() - started,
        checkpoint=path,
    )


def _apply_updates(params: Any, updates: Any) -> Any:
    from ..optim import apply_updates

    return apply_updates(params, updates)


def _end_epoch(
    run: _checkpoint.TrainingState,
    metric_fns: dict[str, Metric],
    X: np.ndarray,
    y: Any,
    test: tuple[np.ndarray, Any] | None,
    loss: Callable[..., Any],
) -> tuple[dict[str, str], int]:
    """Close an epoch: record the metrics; return the accuracies for the progress bar
    and how many times the metrics evaluated ``loss`` itself (they count in ``nfev``)."""
    run.epoch += 1
    run.batch = 0
    run.perm = None
    run.history["epoch"].append(run.epoch)
    run.history["step"].append(run.step)
    shown, loss_calls = {}, 0
    for part, data in (("train", (X, y)), ("test", test)):
        if data is None:
            continue
        for name, metric in metric_fns.items():
            value = float(metric(run.params, *data))
            loss_calls += metric is loss
            run.history[f"{part}_{name}"].append(value)
            if name != "loss":
                shown[f"{part}_{name}"[:9]] = f"{value:.4f}"  # train_acc..., test_accu...
    return shown, loss_calls
