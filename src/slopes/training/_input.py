"""Input checks for :func:`slopes.fit` (private).

Validation lives here in one place (:func:`fit_iv`), and every message names
the argument it is about, in backquotes -- with the caller's names, also when
the words come from the model's own ``check_data``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from .._util.warnings import SlopesDeprecationWarning
from ..differentiate._engine.gradient_steps import GradientStep, check_gradient_step

Metric = Callable[[Any, np.ndarray, np.ndarray], float]


def is_int(value: Any) -> bool:
    """True for Python and NumPy integers, False for bools (which are ints to Python)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_data(X: Any, y: Any, owner: Any, names: tuple[str, str]) -> tuple[np.ndarray, Any]:
    """``(X, y)`` as arrays of equal length, numeric and finite; checked by the model too."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"`{names[0]}` and `{names[1]}` must be arrays with one row per sample")
    if len(X) != len(y):
        raise ValueError(
            f"`{names[0]}` has {len(X)} samples but `{names[1]}` has {len(y)}; they must match"
        )
    for array, name in zip((X, y), names):
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
            raise TypeError(f"`{name}` must be numeric, got dtype {array.dtype}")
        if np.issubdtype(array.dtype, np.inexact) and not np.all(np.isfinite(array)):
            row = int(np.argmax(~np.isfinite(array.reshape(len(array), -1)).all(axis=1)))
            raise ValueError(f"`{name}` contains NaN or inf (first in sample {row})")
    if owner is not None and hasattr(owner, "check_data"):
        try:
            owner.check_data(X, y)
        except (ValueError, TypeError) as exc:  # the model's words, with the caller's names
            message = str(exc).replace("`X`", f"`{names[0]}`").replace("`y`", f"`{names[1]}`")
            raise type(exc)(message) from None
    return X, y


def resolve_metrics(metrics: Any, loss: Callable, owner: Any) -> dict[str, Metric]:
    """``metrics`` as ``{name: fn(params, X, y)}``; a name like "accuracy" is a model method."""

    def by_name(name: str) -> Metric:
        if name == "loss":
            return loss
        method = getattr(owner, name, None)
        if owner is None or not callable(method):
            raise ValueError(
                f"`metrics` names {name!r}, but `loss` is not a method of a model that has "
                f"one; pass a callable instead, e.g. metrics={{{name!r}: fn}} with "
                "fn(params, X, y) -> float"
            )
        return method

    if metrics is None:
        default = ["loss"] + (["accuracy"] if callable(getattr(owner, "accuracy", None)) else [])
        return {name: by_name(name) for name in default}
    if isinstance(metrics, dict):
        items = list(metrics.items())
    elif isinstance(metrics, (list, tuple)):
        items = [
            (m if isinstance(m, str) else getattr(m, "__name__", f"metric{i}"), m)
            for i, m in enumerate(metrics)
        ]
    else:
        raise TypeError(f"`metrics` must be a dict, a list or None, got {type(metrics).__name__}")
    resolved: dict[str, Metric] = {}
    for name, metric in items:
        if isinstance(metric, str):
            metric = by_name(metric)
        if not callable(metric):
            raise TypeError(f"`metrics[{name!r}]` must be callable(params, X, y), got {metric!r}")
        resolved[str(name)] = metric
    return resolved


def _options_iv(
    batch_size: Any,
    epochs: Any,
    checkpoint_every: Any,
    n: int,
    optimizer: Any,
    grad: Any,
    callbacks: Any,
) -> list[Callable[..., Any]]:
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
        raise TypeError(
            "`optimizer` must have init and update, e.g. slopes.optim.sgd(lr=0.1); "
            f"got {optimizer!r}"
        )
    if not is_int(batch_size) or not 1 <= batch_size <= n:
        raise ValueError(
            f"`batch_size` must be an integer in 1..{n} (the data size), got {batch_size!r}"
        )
    if not is_int(epochs) or epochs < 1:
        raise ValueError(f"`epochs` must be a positive integer, got {epochs!r}")
    if not is_int(checkpoint_every) or checkpoint_every < 1:
        raise ValueError(f"`checkpoint_every` must be a positive integer, got {checkpoint_every!r}")
    if grad is not None and not callable(grad):
        raise TypeError(f"`grad` must be callable(params, X, y) or None, got {grad!r}")
    callbacks = [] if callbacks is None else callbacks
    callbacks = [callbacks] if callable(callbacks) else list(callbacks)
    for callback in callbacks:
        if not callable(callback):
            raise TypeError(f"`callbacks` must be callables, got {callback!r}")
    return callbacks


def fit_iv(
    loss: Any,
    X: Any,
    y: Any,
    *,
    optimizer: Any,
    batch_size: Any,
    epochs: Any,
    grad: Any,
    seed: Any,
    eval_data: Any,
    metrics: Any,
    callbacks: Any,
    checkpoint_every: Any,
) -> tuple[np.ndarray, Any, tuple[np.ndarray, Any] | None, dict[str, Metric], list[Callable]]:
    """Check every option of :func:`slopes.fit` that can be checked without calling ``loss``.

    Returns
    -------
    X, y : the training data as arrays
    test : ``(X_test, y_test)`` as arrays, or None
    metric_fns : ``{name: fn(params, X, y)}``
    callbacks : a list of callables
    """
    owner = getattr(loss, "__self__", None)  # the model, when `loss` is its method
    if not callable(loss):
        raise TypeError(f"`loss` must be callable(params, X, y), got {loss!r}")
    X, y = check_data(X, y, owner, ("X", "y"))
    callbacks = _options_iv(
        batch_size, epochs, checkpoint_every, len(X), optimizer, grad, callbacks
    )
    if eval_data is not None and (not isinstance(eval_data, (tuple, list)) or len(eval_data) != 2):
        raise TypeError(
            f"`eval_data` must be a pair (X_test, y_test), got {type(eval_data).__name__}"
            + (f" of length {len(eval_data)}" if isinstance(eval_data, (tuple, list)) else "")
        )
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"`seed` must be a non-negative integer, got {seed!r}")
    if seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer, got {seed}")
    pair = cast("tuple[Any, Any] | None", eval_data)  # checked above: None or two items
    test = None if pair is None else check_data(*pair, owner, ("X_test", "y_test"))
    metric_fns = resolve_metrics(metrics, loss, owner)
    return X, y, test, metric_fns, callbacks


def gradient_rule(gradient_step: Any, step: Any) -> GradientStep:
    """The numerical gradient's step rule from ``gradient_step``, or from the deprecated
    ``step`` (a fixed step: a name that also meant a count of optimiser steps)."""
    if step is None:
        return check_gradient_step(gradient_step)
    warnings.warn(
        "fit's `step` is deprecated (a step is also an optimiser step in fit); "
        f"pass gradient_step={step!r} instead",
        SlopesDeprecationWarning,
        stacklevel=3,
    )
    if gradient_step != "textbook":
        raise ValueError("`step` and `gradient_step` were both given: pass only gradient_step")
    return check_gradient_step(step, name="step")
