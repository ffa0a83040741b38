"""Input validation for the differentiation functions: one ``_xxx_iv`` per public function.

Each raises ``ValueError`` or ``TypeError`` naming the offending argument in
backquotes, so that bad input never turns into a silent wrong number.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._util.pytree import flatten, ravel
from ..._util.warnings import SlopesDeprecationWarning
from .evaluate import TreeSpec
from .gradient_steps import STEP_RULES, step_sizes
from .stencils import stencil_order_error

__all__ = [
    "Prepared",
    "_check_grad_iv",
    "_derivative_iv",
    "_gradient_iv",
    "_hessian_iv",
    "_jacobian_iv",
    "prepare_domain",
    "prepare_tolerances",
    "with_args",
]


@dataclass
class Prepared:
    """Validated inputs: x as a fresh flat float vector, its structure and the step."""

    flat: np.ndarray
    unravel: Any
    spec: TreeSpec | None
    shape: tuple[int, ...] | None  # x's shape when x is a bare array, else None
    step: np.ndarray | None
    dtype: np.dtype


class _WithArgs:
    """``f(x, *args)`` as a function of x alone (picklable, for workers)."""

    def __init__(self, f: Any, args: tuple) -> None:
        self.f, self.args = f, args

    def __call__(self, x: Any) -> Any:
        return self.f(x, *self.args)


def with_args(f: Any, args: Any) -> Any:
    """f itself when ``args`` is empty, else f with ``args`` bound after x.

    Examples
    --------
    >>> with_args(lambda x, a: a * x, (3.0,))(2.0)
    6.0
    """
    if not isinstance(args, tuple):
        raise TypeError(f"`args` must be a tuple, got {type(args).__name__}")
    if not args:
        return f
    _check_callable(f)
    return _WithArgs(f, args)


def _check_callable(f: Any, name: str = "f") -> None:
    if not callable(f):
        raise TypeError(f"`{name}` must be callable, got {type(f).__name__}")


def _check_flags(vectorized: Any, full_output: Any) -> None:
    check_vectorized(vectorized, stacklevel=None)  # taken in by the public function
    if not isinstance(full_output, (bool, np.bool_)):
        raise TypeError(f"`full_output` must be True or False, got {full_output!r}")


def check_vectorized(vectorized: Any, stacklevel: int | None = 3) -> bool | int:
    """``vectorized`` as a plain ``bool`` or a plain ``int >= 2``; a clear error otherwise.

    - ``False`` / ``True`` (NumPy booleans too): f takes one point, or a stack
      of points in chunks the engine chooses (``2**14`` numbers);
    - an int ``k >= 2``: f takes a stack of up to ``k`` points per call.

    ``True == 1`` in Python, but ``vectorized=1`` used to send one point per
    call and ``True`` thousands: the int 1 keeps its old meaning for one
    release with a DeprecationWarning (write ``vectorized=True``, or
    ``vectorized=k`` with ``k >= 2``). Every caller uses the value returned,
    so ``np.True_`` and ``True`` behave alike. ``stacklevel=None`` checks
    without warning (a value a public function has already taken in).

    Examples
    --------
    >>> check_vectorized(np.True_), check_vectorized(np.int64(64))
    (True, 64)
    >>> check_vectorized(2.5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: `vectorized` must be True, False or the most points per call of f ...
    """
    if isinstance(vectorized, (bool, np.bool_)):
        return bool(vectorized)
    if not isinstance(vectorized, (int, np.integer)):
        raise TypeError(
            "`vectorized` must be True, False or the most points per call of f (an int >= 2), "
            f"got {vectorized!r}"
        )
    if vectorized < 1:
        raise ValueError(
            f"`vectorized` as a number of points per call must be >= 2, got {vectorized}"
        )
    if vectorized == 1 and stacklevel is not None:
        warnings.warn(
            "`vectorized=1` (one point per call) is deprecated: it reads as True but "
            "behaves differently; pass vectorized=True (the engine chooses the chunks) "
            "or vectorized=k with k >= 2",
            SlopesDeprecationWarning,
            stacklevel=stacklevel,
        )
    return int(vectorized)


def as_array_if_plain(x: Any) -> Any:
    """A (nested) list or tuple of plain numbers is an array, as numpy reads it.

    One rule for every entry point (the engine, jvp, hessdiag, taylor, propagate).
    """
    if not isinstance(x, (list, tuple)) or hasattr(x, "_fields"):
        return x
    leaves, _ = flatten(x)
    if not leaves or any(isinstance(leaf, np.ndarray) or np.ndim(leaf) for leaf in leaves):
        return x
    try:
        array = np.asarray(x)
    except ValueError:  # ragged: a genuine pytree
        return x
    return array if array.dtype != object else x


def _prepare_x(x: Any) -> tuple[np.ndarray, Any, TreeSpec | None, tuple[int, ...] | None]:
    x = as_array_if_plain(x)
    leaves, treedef = flatten(x)
    try:
        flat, unravel = ravel(x)
    except TypeError as exc:
        raise TypeError(f"`x` must be numbers, an array or a pytree of arrays: {exc}") from None
    if np.iscomplexobj(flat):
        raise TypeError("`x` must be real")
    if not np.isfinite(flat).all():
        bad = int(np.flatnonzero(~np.isfinite(flat))[0])
        raise ValueError(f"`x` must be finite, got {flat[bad]} at flat index {bad}")
    if treedef.kind == "leaf":
        shape = np.shape(leaves[0])
        return flat, unravel, TreeSpec(None, (shape,)), shape
    spec = TreeSpec(treedef, tuple(np.shape(leaf) for leaf in leaves))
    return flat, unravel, spec, None


def _prepare_step(step: Any, x: Any, flat: np.ndarray, name: str = "step") -> np.ndarray | None:
    if step is None:
        return None
    try:
        _leaves, treedef = flatten(step)
        if treedef.kind == "leaf":
            array = np.asarray(step)
            if array.dtype == object or not np.issubdtype(array.dtype, np.number):
                raise TypeError
            array = array.astype(
                flat.dtype
                if np.issubdtype(array.dtype, np.floating) and flat.dtype == np.float32
                else np.float64
            )
        else:
            array, _ = ravel(step)
    except (TypeError, ValueError):
        rules = ", or a step rule (" + ", ".join(map(repr, STEP_RULES)) + ")"
        raise TypeError(
            f"`{name}` must be a positive number or array{rules if name == 'step' else ''}, "
            f"got {step!r}"
        ) from None
    if np.iscomplexobj(array):
        raise TypeError(f"`{name}` must be real, got {step!r}")
    if not (np.isfinite(array).all() and (array > 0).all()):
        raise ValueError(f"`{name}` must be positive and finite, got {step!r}")
    if array.ndim == 0 or array.size == 1:
        return np.full(flat.size, array.reshape(-1)[0] if array.size else 0, dtype=array.dtype)
    if array.size != flat.size:
        raise ValueError(
            f"`{name}` must be a number or have x's shape, got {array.size} values for "
            f"{flat.size} entries of `x`"
        )
    return array.reshape(-1).astype(flat.dtype if flat.dtype == np.float32 else array.dtype)


def _check_method(method: Any, n: int, order: Any) -> None:
    if not isinstance(method, str):
        raise TypeError(f"`method` must be a string, got {method!r}")
    problem = stencil_order_error(method, n, order)
    if problem:
        raise ValueError(problem)


# a fixed step must move x by itself to within this fraction (x + h rounds to a
# representable number; a step that loses more is below the resolution of x)
STEP_RESOLUTION = 0.01


def check_resolution(flat: np.ndarray, steps: np.ndarray, name: str = "step") -> None:
    """Refuse a fixed step below the resolution of x: ``x + h == x``, or ``x + h``
    rounded by more than ``STEP_RESOLUTION`` of ``h`` (the difference would be all
    rounding, and the derivative 0 or noise).

    Examples
    --------
    >>> check_resolution(np.array([1e10]), np.array([1e-7]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `step` 1e-07 is below the resolution of `x` = 10000000000.0 (flat ...
    """
    with np.errstate(all="ignore"):
        moved = (flat + steps) - flat
        lost = np.abs(moved - steps) > STEP_RESOLUTION * steps
    if lost.any():
        i = int(np.flatnonzero(lost)[0])
        least = float(np.spacing(np.abs(flat[i]))) / STEP_RESOLUTION
        where = f"`x` = {float(flat[i])!r} (flat index {i})"
        raise ValueError(
            f"`{name}` {steps[i]:.3g} is below the resolution of {where}: x + {name} rounds "
            f"to x + {float(moved[i])!r}; take a step of at least {least:.1e} there"
        )


def _common(
    f: Any,
    x: Any,
    method: str,
    n: int,
    order: int,
    step: Any,
    vectorized: bool | int,
    full_output: bool,
) -> Prepared:
    _check_callable(f)
    _check_flags(vectorized, full_output)
    _check_method(method, n, order)
    flat, unravel, spec, shape = _prepare_x(x)
    if isinstance(step, str) and step in STEP_RULES:  # a named rule: its steps at this x
        step = step_sizes(step, flat)
    steps = _prepare_step(step, x, flat)
    if steps is not None and method != "complex":  # x + ih needs no resolution of x
        check_resolution(flat, steps)
    return Prepared(flat, unravel, spec, shape, steps, flat.dtype)


def _derivative_iv(
    f: Any,
    x: Any,
    n: int,
    method: str,
    order: int,
    step: Any,
    vectorized: bool | int,
    full_output: bool,
) -> Prepared:
    prepared = _common(f, x, method, n, order, step, vectorized, full_output)
    if prepared.shape is None:
        raise TypeError(
            "`x` must be a number or an array for `derivative`; use `gradient` "
            "or `jacobian` for a pytree"
        )
    return prepared


def _gradient_iv(
    f: Any, x: Any, method: str, order: int, step: Any, vectorized: bool | int, full_output: bool
) -> Prepared:
    return _common(f, x, method, 1, order, step, vectorized, full_output)


def _jacobian_iv(
    f: Any, x: Any, method: str, order: int, step: Any, vectorized: bool | int, full_output: bool
) -> Prepared:
    return _common(f, x, method, 1, order, step, vectorized, full_output)


def _hessian_iv(
    f: Any,
    x: Any,
    grad: Any,
    method: str,
    order: int,
    step: Any,
    vectorized: bool | int,
    full_output: bool,
) -> Prepared:
    if grad is not None:
        _check_callable(grad, "grad")
    if method == "complex":
        raise ValueError(
            "`method` 'complex' gives first derivatives only; a Hessian needs "
            "'central', 'forward' or 'backward'"
        )
    return _common(f, x, method, 1, order, step, vectorized, full_output)


def _check_grad_iv(f: Any, grad: Any, x: Any, rtol: Any, atol: Any) -> Prepared:
    _check_callable(f)
    _check_callable(grad, "grad")
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise TypeError(f"`{name}` must be a number, got {value!r}")
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"`{name}` must be non-negative and finite, got {value!r}")
    flat, unravel, spec, shape = _prepare_x(x)
    return Prepared(flat, unravel, spec, shape, None, flat.dtype)


def _bound(value: Any, x: Any, flat: np.ndarray, shape: tuple[int, ...] | None) -> np.ndarray:
    """One side of ``domain`` as a float vector per flat entry of x."""
    _leaves, treedef = flatten(value)
    if treedef.kind == "leaf":
        array = np.asarray(value)
        if array.dtype == object or not (
            np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
        ):
            raise TypeError
        array = array.astype(float)
        if array.ndim == 0:
            return np.full(flat.size, float(array))
        if shape is not None:
            try:
                return np.broadcast_to(array, shape).reshape(-1)
            except ValueError:
                raise ValueError(
                    f"`domain` bounds of shape {array.shape} do not broadcast to "
                    f"`x`'s shape {shape}"
                ) from None
        if array.size == flat.size:
            return array.reshape(-1)
        raise ValueError(
            f"`domain` bounds must be numbers or have one value per entry of `x` "
            f"({flat.size}), got {array.size}"
        )
    array, _ = ravel(value)
    if array.size != flat.size:
        raise ValueError(
            f"`domain` bounds must have one value per entry of `x` ({flat.size}), got {array.size}"
        )
    return np.asarray(array, dtype=float)


def prepare_domain(domain: Any, prepared: Prepared) -> tuple[np.ndarray, np.ndarray] | None:
    """``domain=(lo, hi)`` as two float vectors per flat entry of x, checked.

    Each bound is a number (``-inf``/``inf`` for an open side), an array that
    broadcasts to x's shape, or a pytree like x; ``lo < hi`` everywhere and
    ``lo <= x <= hi``.

    Examples
    --------
    >>> p = _common(abs, np.array([0.5, 2.0]), "central", 1, 2, None, False, False)
    >>> lo, hi = prepare_domain((0, [1.0, np.inf]), p)
    >>> lo.tolist(), hi.tolist()
    ([0.0, 0.0], [1.0, inf])
    >>> prepare_domain((1, 0), p)
    Traceback (most recent call last):
    ...
    ValueError: `domain` must have lo < hi, got lo = 1.0 >= hi = 0.0 at flat index 0
    """
    if domain is None:
        return None
    if not isinstance(domain, (tuple, list)) or len(domain) != 2:
        raise TypeError(f"`domain` must be a pair (lo, hi), got {domain!r}")
    flat, shape = prepared.flat, prepared.shape
    try:
        lo, hi = (_bound(side, None, flat, shape) for side in domain)
    except TypeError:
        raise TypeError(f"`domain` bounds must be real numbers or arrays, got {domain!r}") from None
    if np.isnan(lo).any() or np.isnan(hi).any():
        raise ValueError(f"`domain` bounds must not be nan, got {domain!r}")
    wrong = np.flatnonzero(~(lo < hi))
    if wrong.size:
        i = int(wrong[0])
        raise ValueError(
            f"`domain` must have lo < hi, got lo = {float(lo[i])!r} >= hi = {float(hi[i])!r} "
            f"at flat index {i}"
        )
    outside = np.flatnonzero((flat < lo) | (flat > hi))
    if outside.size:
        i = int(outside[0])
        raise ValueError(
            f"`x` = {float(flat[i])!r} (flat index {i}) is outside `domain` [{lo[i]!r}, {hi[i]!r}]"
        )
    return lo, hi


def check_fixed_in_domain(
    prepared: Prepared, bounds: tuple[np.ndarray, np.ndarray], method: str, n: int, order: int
) -> None:
    """A fixed ``step`` whose stencil reaches outside ``domain`` is refused (with the
    complex step, x + ih keeps its real part x: always inside)."""
    if method == "complex" or prepared.step is None:
        return
    from .stencils import stencil

    offsets, _ = stencil(method, n, order)
    lo, hi = bounds
    flat, step = prepared.flat, prepared.step.astype(float)
    with np.errstate(all="ignore"):
        low = flat + float(offsets.min()) * step
        high = flat + float(offsets.max()) * step
    bad = np.flatnonzero((low < lo) | (high > hi))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"`step` {step[i]:.3g} takes the {method} stencil to "
            f"[{float(low[i])!r}, {float(high[i])!r}], outside `domain` "
            f"[{float(lo[i])!r}, {float(hi[i])!r}] at flat index {i}: take a smaller "
            "step, or step=None (the engine then stays inside by itself)"
        )


# the engine's default number of trials per line (richardson.adaptive)
DEFAULT_MAXITER = 6


def prepare_tolerances(tolerances: Any, maxiter: Any) -> tuple[Any, int]:
    """``tolerances={"atol": a, "rtol": r}`` and ``maxiter`` as the engine takes them.

    Returns a :class:`steps.Tolerance` (None when ``tolerances`` is
    None) and the most trials per line. A missing key is 0.

    Examples
    --------
    >>> prepare_tolerances({"rtol": 1e-6}, None)
    (Tolerance(atol=0.0, rtol=1e-06, pairs=False), 6)
    >>> prepare_tolerances({"tol": 1e-6}, None)
    Traceback (most recent call last):
    ...
    ValueError: `tolerances` takes the keys 'atol' and 'rtol', got 'tol'
    """
    from .steps import Tolerance

    if maxiter is None:
        maxiter = DEFAULT_MAXITER
    elif isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)):
        raise TypeError(f"`maxiter` must be an int >= 1, got {maxiter!r}")
    elif maxiter < 1:
        raise ValueError(f"`maxiter` must be >= 1, got {maxiter}")
    if tolerances is None:
        return None, int(maxiter)
    if not isinstance(tolerances, dict):
        raise TypeError(
            f"`tolerances` must be a dict with 'atol' and/or 'rtol', got {tolerances!r}"
        )
    unknown = sorted(set(tolerances) - {"atol", "rtol"}, key=str)
    if unknown:
        raise ValueError(
            "`tolerances` takes the keys 'atol' and 'rtol', got "
            + ", ".join(repr(key) for key in unknown)
        )
    values: dict[str, Any] = {}  # Any: mypy would match **values to Tolerance's bool too
    for key in ("atol", "rtol"):
        value = tolerances.get(key, 0.0)
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"`tolerances['{key}']` must be a number, got {value!r}")
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"`tolerances['{key}']` must be >= 0 and finite, got {value!r}")
        values[key] = float(value)
    return Tolerance(**values), int(maxiter)
