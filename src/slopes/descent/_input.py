"""Input checks and gradient evaluation for :func:`slopes.minimize` (private).

Validation lives here in one place (``minimize_iv``), and every message names
the argument it is about, in backquotes.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Callable
from typing import Any, NoReturn

import numpy as np

from .._util.pytree import flatten, is_leaf, ravel
from ..differentiate._engine.evaluate_block import describe_point
from ..differentiate._engine.gradient_steps import GradientStep, check_gradient_step
from ..differentiate._numerical_gradient import numerical_gradient
from ..optim import Optimizer, sgd
from ..parallel._errors import PointError, raise_at

# ---------------------------------------------------------------------------
# input validation, in one place
# ---------------------------------------------------------------------------


def real_number(name: str, value: Any, *, positive: bool = False) -> float:
    """``value`` as a finite float that is >= 0 (> 0 with ``positive``), or a named error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"`{name}` must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"`{name}` must be positive, got {value}")
    if value < 0:
        raise ValueError(f"`{name}` must be >= 0, got {value}")
    return value


def minimize_iv(
    f: Any,
    x0: Any,
    optimizer: Any,
    lr: Any,
    steps: Any,
    grad: Any,
    tol: Any,
    ftol: Any,
    callback: Any,
    gradient_step: Any = "cube-root",
) -> tuple[Optimizer, int, float, float, GradientStep]:
    """Check every option of :func:`slopes.minimize`; return the optimiser and clean values."""
    if not callable(f):
        raise TypeError(f"`f` must be callable, got {type(f).__name__}")
    if grad is not None and not callable(grad):
        raise TypeError(f"`grad` must be callable or None, got {type(grad).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError(f"`callback` must be callable or None, got {type(callback).__name__}")
    if optimizer is not None and lr is not None:
        raise ValueError(
            "`lr` and `optimizer` were both given: the optimiser carries its own learning "
            "rate (e.g. optimizer=slopes.optim.adam(lr=0.01)); pass one or the other"
        )
    if optimizer is None and not callable(lr):
        real_number("lr", lr, positive=True)
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"`steps` must be a non-negative integer, got {steps!r}")
    tol = real_number("tol", tol)
    ftol = real_number("ftol", ftol)
    gradient_step = check_gradient_step(gradient_step)
    if optimizer is None:
        optimizer = sgd(lr=lr)
    elif callable(getattr(optimizer, "init", None)) and callable(
        getattr(optimizer, "update", None)
    ):
        pass  # an Optimizer, or any object with init and update (optax style)
    elif (
        isinstance(optimizer, tuple)
        and len(optimizer) == 2
        and callable(optimizer[0])
        and callable(optimizer[1])
    ):
        optimizer = Optimizer(*optimizer)
    else:
        raise TypeError(
            "`optimizer` must be an (init, update) pair such as slopes.optim.sgd(lr=0.1), "
            f"got {type(optimizer).__name__}"
        )
    return optimizer, int(steps), tol, ftol, gradient_step


def start_point(x0: Any) -> tuple[Any, np.ndarray, Callable[[np.ndarray], Any], bool]:
    """x0 as float arrays (a copy), its flat vector, the unravel map and whether it is a leaf."""
    if isinstance(x0, (list, tuple)) and all(np.ndim(leaf) == 0 for leaf in flatten(x0)[0]):
        # a (nested) list of numbers is a vector or matrix, not a pytree of scalars
        with contextlib.suppress(ValueError):  # ValueError: ragged, keep it a pytree
            x0 = np.asarray(x0)
    try:
        flat, unravel = ravel(x0)
    except (TypeError, ValueError) as error:
        raise TypeError(f"`x0` must be a number, an array or a pytree of arrays: {error}") from None
    if np.issubdtype(flat.dtype, np.complexfloating):
        raise TypeError("`x0` must be real, got complex values")
    if flat.size == 0:
        raise ValueError("`x0` is empty: there is nothing to minimize over")
    if not np.all(np.isfinite(flat)):
        bad = int(np.flatnonzero(~np.isfinite(flat))[0])
        raise ValueError(f"`x0` must be finite, got {flat[bad]} at flat index {bad}")
    leaf = is_leaf(x0)
    x = flat.reshape(np.shape(x0)) if leaf else unravel(flat)
    return x, flat, unravel, leaf


def reraise_at(name: str, error: Exception, x: Any) -> NoReturn:
    """Raise ``error`` again naming the point where ``name`` (f or grad) failed
    (the one re-raise rule of slopes, :func:`slopes.parallel._errors.raise_at`).

    The message reads ``f raised ValueError at x=[-3. 4.]: <original message>``,
    as the differentiation functions word it; the new exception has the
    original's type where that type can be built from one message (a plain
    RuntimeError otherwise), and is chained from the original, whose
    traceback shows where in f it happened.
    """
    raise_at(PointError(f"x={describe_point(x)}", error, function=name))


def scalar_value(value: Any) -> float:
    """f's value as a float, or an error that says what f returned instead."""
    if np.ndim(value) != 0:
        raise ValueError(
            f"`f` must return a scalar, got an array of shape {np.shape(value)} "
            "(minimize needs one number per point: reduce it, e.g. with np.sum)"
        )
    if np.iscomplexobj(value):  # float() would drop the imaginary part with only a warning
        raise TypeError(f"`f` must return a real number, got the complex number {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`f` must return a real number, got {value!r}") from None


# ---------------------------------------------------------------------------
# gradients
# ---------------------------------------------------------------------------


def flat_numerical_gradient(
    f: Callable[[Any], Any],
    flat: np.ndarray,
    unravel: Callable,
    shape: tuple | None,
    rule: GradientStep,
    workers: Any,
) -> tuple[np.ndarray, int]:
    """The numerical gradient at the flat iterate ``flat`` (x's ``shape``, or a pytree
    through ``unravel`` when ``shape`` is None), flat, with its evaluations of f.

    One path for every caller: :func:`slopes.differentiate._numerical_gradient.numerical_gradient`
    under the step rule ``rule`` (minimize's default ``"cube-root"``).
    """
    if shape is not None:
        target, point = f, flat.reshape(shape)
    else:
        target, point = (lambda v: f(unravel(v))), flat
    value, nfev = numerical_gradient(target, point, rule, workers=workers)
    return np.asarray(value, dtype=float).reshape(-1), nfev


def flat_gradient(g: Any, size: int) -> np.ndarray:
    """The analytic gradient as a flat float vector, checked against the size of x."""
    flat_g = np.asarray(g, dtype=float).reshape(-1) if is_leaf(g) else ravel(g)[0]
    if flat_g.size != size:
        raise ValueError(f"`grad` returned {flat_g.size} values, but x has {size}")
    return flat_g
