"""Calling f on one block of stencil points, and naming the point when f raises.

This is the part of :mod:`evaluate` that runs on workers: a block of
points (an ndarray) goes in, f's raw outputs come out, and everything here
pickles (:class:`TreeSpec` rebuilds x's structure, and f's error travels as
a :class:`slopes.parallel._errors.PointError` naming the point). Choosing
blocks, checking outputs and counting evaluations stay with
:class:`evaluate.Evaluator`.

When f raises, the error is raised again in the caller naming the point
(``f raised ValueError at x=[...]: ...``), chained from the original, by
:func:`slopes.parallel._errors.raise_at`, whether f ran here or on a worker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._util.pytree import TreeDef, unflatten
from ...parallel._errors import PointError, raise_at

__all__ = [
    "BadOutput",
    "PointError",
    "TreeSpec",
    "evaluate_block",
    "evaluate_block_safe",
    "raise_at",
]


class BadOutput(ValueError):
    """A function that slopes puts around the user's (hessian's ``grad``) found its output unusable.

    Its message is for the user as it stands (``"`grad` must return one
    number per entry of x (3), got 1"``): evaluation passes it through
    unchanged, here and from workers, instead of wrapping it as f's failure
    at a point (:class:`PointError`).
    """


@dataclass(frozen=True)
class TreeSpec:
    """Enough of a pytree's structure to rebuild it from a flat vector (picklable)."""

    treedef: TreeDef | None  # None: x was a bare array
    shapes: tuple[tuple[int, ...], ...]

    def single(self, vector: np.ndarray) -> Any:
        if self.treedef is None:
            return vector.reshape(self.shapes[0])
        return unflatten(self.treedef, self._split(vector, ()))

    def batch(self, matrix: np.ndarray) -> Any:
        if self.treedef is None:
            return matrix.reshape((matrix.shape[0], *self.shapes[0]))
        return unflatten(self.treedef, self._split(matrix, (matrix.shape[0],)))

    def _split(self, array: np.ndarray, lead: tuple[int, ...]) -> list[np.ndarray]:
        # called once per point for a one-point f: math.prod, not np.prod (~4 us a leaf)
        pieces, start = [], 0
        for shape in self.shapes:
            size = math.prod(shape)
            piece = array[..., start : start + size].reshape(lead + shape)
            pieces.append(piece[()] if piece.ndim == 0 else piece)
            start += size
        return pieces


def _describe(point: Any) -> str:
    with np.printoptions(threshold=6, edgeitems=2, precision=6):
        if isinstance(point, np.ndarray) and point.ndim == 0:
            point = point[()]
        return repr(point) if not isinstance(point, np.ndarray) else np.array2string(point)


def evaluate_block(f: Any, spec: TreeSpec | None, vectorized: bool, block: np.ndarray) -> Any:
    """Evaluate f on one block of points (runs on a worker; must stay picklable).

    ``block`` has shape ``(b,)`` (scalar points, ``spec`` None) or ``(b, size)``.
    Returns f's raw output on the stack (vectorized) or a list of raw outputs.
    """
    # probing near the edge of f's domain is expected: f's warnings are noise here
    with np.errstate(all="ignore"):
        return _evaluate_block(f, spec, vectorized, block)


def _evaluate_block(f: Any, spec: TreeSpec | None, vectorized: bool, block: np.ndarray) -> Any:
    if vectorized:
        arg = block if spec is None else spec.batch(block)
        try:
            return np.asarray(f(arg))
        except BadOutput:
            raise
        except Exception as exc:
            where = f"a stack of {block.shape[0]} points from x={_describe(_point(spec, block[0]))}"
            raise PointError(where, exc) from exc
    outputs = []
    for row in block:
        arg = _point(spec, row)
        try:
            outputs.append(f(arg))
        except BadOutput:
            raise
        except Exception as exc:
            raise PointError(f"x={_describe(arg)}", exc) from exc
    return outputs


def _point(spec: TreeSpec | None, row: np.ndarray) -> Any:
    if spec is None:
        return row  # a numpy scalar: works with math functions and numpy alike
    if spec.treedef is None and len(spec.shapes[0]) == 1:
        return row  # already x's shape
    return spec.single(row)


def evaluate_block_safe(f: Any, spec: TreeSpec | None, vectorized: bool, block: np.ndarray) -> Any:
    """:func:`evaluate_block` in this process, re-raising f's errors with the point."""
    try:
        return evaluate_block(f, spec, vectorized, block)
    except PointError as error:
        raise_at(error)
