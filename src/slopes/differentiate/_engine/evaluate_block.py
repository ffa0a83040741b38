"""Calling f on one block of stencil points, and naming the point when f raises.

This is the part of :mod:`evaluate` that runs on workers: a block of
points (an ndarray) goes in, f's raw outputs come out, and everything here
pickles (:class:`TreeSpec` rebuilds x's structure, :class:`PointError`
carries f's error across processes). Choosing blocks, checking outputs and
counting evaluations stay with :class:`evaluate.Evaluator`.

When f raises, the error is raised again in the caller naming the point
(``f raised ValueError at x=[...]: ...``), chained from the original.
"""

from __future__ import annotations

import math
import pickle
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._util.pytree import TreeDef, unflatten

__all__ = ["PointError", "TreeSpec", "evaluate_block", "evaluate_block_safe", "raise_at"]


class PointError(Exception):
    """f raised at a point; carries a description of the point and the original error.

    It crosses processes (``workers=``) by pickling, with the original's type
    name and message as strings: an original that cannot be pickled or rebuilt
    (it holds a lock) arrives as None, and the point is still named.
    """

    def __init__(
        self,
        where: str,
        original: BaseException | None,
        type_name: str | None = None,
        message: str | None = None,
    ) -> None:
        type_name = type(original).__name__ if type_name is None else type_name
        message = str(original) if message is None else message
        super().__init__(where, type_name, message)
        self.where = where
        self.original = original
        self.type_name = type_name
        self.message = message

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        original = self.original
        try:  # keep the original only where it survives the round trip
            pickle.loads(pickle.dumps(original))
        except Exception:
            original = None
        return (PointError, (self.where, original, self.type_name, self.message))


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
        except Exception as exc:
            where = f"a stack of {block.shape[0]} points from x={_describe(_point(spec, block[0]))}"
            raise PointError(where, exc) from exc
    outputs = []
    for row in block:
        arg = _point(spec, row)
        try:
            outputs.append(f(arg))
        except Exception as exc:
            raise PointError(f"x={_describe(arg)}", exc) from exc
    return outputs


def _point(spec: TreeSpec | None, row: np.ndarray) -> Any:
    if spec is None:
        return row  # a numpy scalar: works with math functions and numpy alike
    if spec.treedef is None and len(spec.shapes[0]) == 1:
        return row  # already x's shape
    return spec.single(row)


def raise_at(error: PointError) -> None:
    """Raise f's error again, naming the point, chained from the original."""
    original = error.original
    message = f"f raised {error.type_name} at {error.where}: {error.message}"
    if original is None:  # lost on the way back from a worker: its type name stays
        raise RuntimeError(message) from error.__cause__
    try:
        new = type(original)(message)
    except Exception:  # exotic constructors: fall back to a plain RuntimeError
        new = RuntimeError(message)
    raise new from original


def evaluate_block_safe(f: Any, spec: TreeSpec | None, vectorized: bool, block: np.ndarray) -> Any:
    """:func:`evaluate_block` in this process, re-raising f's errors with the point."""
    try:
        return evaluate_block(f, spec, vectorized, block)
    except PointError as error:
        raise_at(error)
