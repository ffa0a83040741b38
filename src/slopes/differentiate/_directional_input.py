"""Input checks and flat views shared by jvp, hvp and hessdiag.

These functions differentiate along a line ``t -> x + t w`` through a point
``x`` that may be a number, an array or a pytree. Everything here works on the
raveled point (one flat float vector) and turns flat vectors, or stacks of
them, back into the caller's structure when ``f`` is called.

Examples
--------
>>> import numpy as np
>>> point = flat_point({"w": np.ones(2), "b": 3.0}, "x")
>>> point.flat
array([1., 1., 3.])
>>> point.tree(point.flat * 2)["b"]
array(6.)
>>> point.stack(np.zeros((4, 3)))["w"].shape
(4, 2)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._util.pytree import flatten, ravel, tree_map
from .._util.warnings import SlopesWarning
from ._engine.evaluate_block import TreeSpec
from ._engine.validate import as_array_if_plain

__all__ = [
    "FlatPoint",
    "as_array_if_plain",
    "check_callable",
    "coordinate_scale",
    "direction_factor",
    "flat_direction",
    "flat_point",
    "scalar_value_at",
    "value_at",
    "warn_if_not_finite",
]


@dataclass(frozen=True)
class FlatPoint:
    """A point raveled into one float vector, and the way back.

    ``tree(vector)`` rebuilds one point in the caller's structure; ``stack(matrix)``
    rebuilds a stack of points (rows of ``matrix``) with a leading batch axis on
    every leaf, which is what a ``vectorized`` f receives.
    """

    flat: np.ndarray
    unravel: Callable[[np.ndarray], Any]
    spec: TreeSpec

    @property
    def size(self) -> int:
        return int(self.flat.size)

    @property
    def eps(self) -> float:
        return float(np.finfo(self.flat.dtype).eps)

    def tree(self, vector: np.ndarray) -> Any:
        return self.unravel(vector)

    def stack(self, matrix: np.ndarray) -> Any:
        # the engine's own way from a stack of flat points to a vectorized f's argument
        return self.spec.batch(matrix)


def check_callable(f: Any, name: str) -> None:
    if not callable(f):
        raise TypeError(f"`{name}` must be callable, got {type(f).__name__}")


def flat_point(x: Any, name: str) -> FlatPoint:
    """Ravel ``x`` (number, array or pytree) into a fresh float vector; check it is finite."""
    x = as_array_if_plain(x)
    try:
        flat, unravel = ravel(x)
    except TypeError as error:
        raise TypeError(
            f"`{name}` must be numbers, an array or a pytree of arrays: {error}"
        ) from None
    if np.iscomplexobj(flat):
        raise TypeError(f"`{name}` must be real, got complex numbers")
    if flat.size == 0:
        raise ValueError(f"`{name}` is empty")
    if not np.all(np.isfinite(flat)):
        raise ValueError(f"`{name}` must be finite; it holds nan or inf")
    leaves, treedef = flatten(x)
    shapes = tuple(np.shape(leaf) for leaf in leaves)
    return FlatPoint(flat, unravel, TreeSpec(None if treedef.kind == "leaf" else treedef, shapes))


def flat_direction(v: Any, point: FlatPoint, x: Any, name: str = "v") -> np.ndarray:
    """``v`` raveled in the order of ``x``'s leaves; it must have ``x``'s structure and shapes."""

    def leaf(x_leaf: Any, v_leaf: Any) -> np.ndarray:
        x_arr, v_arr = np.asarray(x_leaf), np.asarray(v_leaf)
        if v_arr.shape != x_arr.shape:
            raise ValueError(f"`{name}` must have the shape of `x`: {v_arr.shape} != {x_arr.shape}")
        return v_arr

    x, v = as_array_if_plain(x), as_array_if_plain(v)
    try:
        aligned = tree_map(leaf, x, v)
    except ValueError as error:
        message = str(error)
        if message.startswith(f"`{name}`"):
            raise
        raise ValueError(f"`{name}` must have the structure of `x`: {message}") from None
    try:
        flat, _ = ravel(aligned)
    except TypeError:
        raise TypeError(f"`{name}` must be numbers, like `x`") from None
    if np.iscomplexobj(flat):
        raise TypeError(f"`{name}` must be real, got complex numbers")
    if not np.all(np.isfinite(flat)):
        raise ValueError(f"`{name}` must be finite; it holds nan or inf")
    return flat.astype(point.flat.dtype)


def coordinate_scale(flat: np.ndarray) -> np.ndarray:
    """The length scale of each coordinate: ``max(|x_j|, min(rms(x), 1))``, 1 where it is 0.

    A coordinate near 0 borrows the scale of the others (as the engine's
    gradient does), but never more than 1: a step shared by all coordinates
    (hessdiag's, a direction's) must not be huge for a small coordinate
    just because another one is large. Nor is a scale below ``sqrt(tiny)``
    (1.5e-154 in float64) used: the products of such steps would underflow.
    """
    values = np.abs(flat.astype(float))
    rms = float(np.sqrt(np.mean(values**2)))
    scale = np.maximum(values, min(rms, 1.0))
    floor = float(np.sqrt(np.finfo(flat.dtype).tiny))
    return np.where(scale > 0, np.maximum(scale, floor), 1.0)


def direction_factor(flat: np.ndarray, direction: np.ndarray) -> float:
    """``max_j |v_j| / scale_j``: ``v`` divided by it moves no coordinate by more than its scale.

    ``x + t v / factor`` then moves the coordinate that moves most, relative to
    its own scale, by ``t`` of its scale: exactly as the engine's gradient moves
    a single coordinate. (The Euclidean length would not do: a unit vector
    spread over n coordinates moves each by ``1/sqrt(n)`` of the step, so at
    large n every coordinate would be probed at a step far below its best.)
    """
    return float(np.max(np.abs(direction) / coordinate_scale(flat)))


def value_at(f: Callable[[Any], Any], point: FlatPoint, vectorized: bool | int) -> np.ndarray:
    """f at the point itself (a stack of one point for a vectorized f).

    numpy's floating-point warnings are silenced, as the engine does: a non-finite
    value is reported through the result (and a SlopesWarning), once.
    """
    with np.errstate(all="ignore"):
        if vectorized is False:
            return np.asarray(f(point.tree(point.flat)))
        values = np.asarray(f(point.stack(point.flat[None, :])))
    return values[0] if values.ndim else values


def scalar_value_at(f: Callable[[Any], Any], point: FlatPoint, vectorized: bool | int) -> float:
    """f at the point, checked to be one number (a scalar function)."""
    value = value_at(f, point, vectorized)
    if value.size != 1:
        raise ValueError(f"`f` must return one number (a scalar function), got shape {value.shape}")
    return float(np.real(value.ravel()[0]))


def warn_if_not_finite(value: Any, what: str) -> None:
    """A bare result (no status to read) that holds nan or inf comes with a SlopesWarning."""
    leaves, _ = flatten(value)
    bad = sum(int(np.count_nonzero(~np.isfinite(np.asarray(leaf, dtype=float)))) for leaf in leaves)
    if bad:
        total = sum(int(np.size(leaf)) for leaf in leaves)
        warnings.warn(
            f"the {what} is not finite at {bad} of {total} entries: `f` is not finite at x "
            "or nearby (full_output=True gives the status)",
            SlopesWarning,
            stacklevel=3,
        )
