"""How f is called: one point at a time, in vectorized chunks, or on workers.

The differentiation engine asks for f at sets of *stencil points*. A point
is described by a line ``j`` and an offset ``t`` along it:

- ``"elementwise"`` (``derivative``): the point is the scalar ``x[j] + t``;
- ``"coordinate"`` (``gradient``, ``jacobian``): the point is the vector
  ``x + t e_j``; it is built only for one chunk at a time, so that an
  ``n = 10,000`` gradient never holds all ``n * points`` vectors at once.

With ``vectorized=True`` f receives a stack of points (leading batch axis;
for a pytree ``x``, every leaf gets the leading batch axis) and returns one
value per point; chunks hold at most ``CHUNK_ELEMENTS`` numbers, or ``k``
points with ``vectorized=k``. Otherwise f
is called once per point. When ``workers`` is given (or a progress bar is
wanted) the blocks go through :func:`slopes.parallel._pool.parallel_map`: a task
is one block of points (an ndarray) and the function applied is a picklable
:func:`functools.partial` of :func:`evaluate_block`, so chunking, and hence
every result, is the same with and without workers.

Calling f on one block, and the errors that name the point where f raised,
live in :mod:`evaluate_block` (the part that runs on workers).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .evaluate_block import (
    BadOutput,
    PointError,
    TreeSpec,
    _evaluate_block,
    evaluate_block,
    evaluate_block_safe,
    raise_at,
)

__all__ = [
    "BLOCK_ELEMENTS",
    "CHUNK_ELEMENTS",
    "BadOutput",
    "Evaluator",
    "PointError",
    "TreeSpec",
    "evaluate_block",
    "evaluate_block_safe",
    "points_per_call",
    "raise_at",
]

# numbers per vectorized chunk: 2**14 float64 = 128 KiB. An elementwise f makes
# temporaries as large as the stack; at this size they stay in cache (and under
# glibc's default mmap threshold). f = sum(x**2 + sin x), time / the textbook
# loop's in a fresh process: n = 1,000 1.27 (2**16: 1.89), n = 10,000 2.38
# (2**16: 3.03). An f with a fixed cost per call wants more points per call:
# vectorized=k (benchmarks/NOTES.md, finding 1)
CHUNK_ELEMENTS = 2**14
# numbers per block of points for a one-point f (f sees one row at a time, so only
# the Python overhead per block and the block's own memory count): n = 10,000
# one-point f, time / loop: 2.09 with 2**16, 2.25 with 2**14
BLOCK_ELEMENTS = 2**16
# most points per task for a non-vectorized f on workers; fewer when there are
# few points, so that every worker gets some (16 points on 8 workers: 1 each)
POINTS_PER_TASK = 8
TASKS_PER_GROUP = 32  # points are grouped only when there are this many tasks' worth
# numbers handed to parallel_map at once (64 MiB of float64)
WAVE_ELEMENTS = 2**23


def points_per_call(vectorized: bool | int) -> int | None:
    """``k`` for ``vectorized=k`` (an int, not a bool); None for True or False.

    Examples
    --------
    >>> points_per_call(True), points_per_call(False), points_per_call(64)
    (None, None, 64)
    """
    if isinstance(vectorized, (bool, np.bool_)) or not vectorized:
        return None
    return int(vectorized)


class Replay(NamedTuple):
    """f's raw output at the points ``(lines[k], offsets[k])`` of one whole call."""

    lines: np.ndarray
    offsets: np.ndarray
    raw: Any

    def answers(self, lines: np.ndarray, offsets: np.ndarray) -> bool:
        """Does it hold exactly the points asked for?"""
        return (
            self.lines.shape == lines.shape
            and np.array_equal(self.lines, lines)
            and np.array_equal(self.offsets, offsets)
        )


class ComplexValues(TypeError):
    """f returned complex values to an evaluator that expected real ones.

    ``points`` is how many points were evaluated in the call that found them,
    and ``lines`` their lines (None where unknown): a rerun that splits real and
    imaginary parts (``split_complex``) counts them in its evaluations. Where
    that call was evaluated whole in one block, ``raw`` is f's output for the
    block, and ``replay`` (set by :class:`Evaluator`) adds the call's points to
    it: the rerun, whose first call asks for the same points, takes them from
    there instead (:meth:`Evaluator.replay`).
    """

    def __init__(
        self,
        message: str,
        points: int = 1,
        lines: np.ndarray | None = None,
        raw: Any = None,
        replay: Replay | None = None,
    ) -> None:
        super().__init__(message)
        self.points = points
        self.lines = lines
        self.raw = raw
        self.replay = replay


class NotScalar(ValueError):
    """f returned an array where one number per point was expected.

    ``points``: how many points were evaluated in the call that found it (as
    for :class:`ComplexValues`), for a caller that goes on with a vector-valued f.
    """

    def __init__(self, message: str, points: int = 1) -> None:
        super().__init__(message)
        self.points = points


class Evaluator:
    """Counts and performs evaluations of f for the engine.

    ``out_shape`` is the shape of one value (``()`` for scalar functions);
    ``what`` names the function's role in shape errors. With ``split_complex``
    f may return complex values, and every value comes back as ``(real,
    imag)`` along a new last axis: the engine differentiates both parts.
    """

    def __init__(
        self,
        f: Any,
        *,
        x_flat: np.ndarray,
        spec: TreeSpec | None,
        kind: str,
        vectorized: bool | int,
        workers: Any = None,
        progress: Any = False,
        out_shape: tuple[int, ...] | None = (),
        complex_step: bool = False,
        split_complex: bool = False,
    ) -> None:
        self.f = f
        self.x = x_flat
        self.spec = spec
        self.kind = kind
        self.vectorized = bool(vectorized)
        self.per_call = points_per_call(vectorized)
        self.workers = workers
        self.progress = progress
        self.out_shape = out_shape
        self.complex_step = complex_step
        self.split_complex = split_complex
        self.nfev = 0
        self._base_value: np.ndarray | None = None
        self._replay: Replay | None = None  # see replay()
        self._stack: np.ndarray | None = None  # reused rows of x (see _in_place)
        self._reuse = True

    # ----------------------------------------------------------------- points
    def _points(self, lines: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        if self.kind == "elementwise":
            return self.x[lines] + offsets
        dtype = np.result_type(self.x, offsets)
        block = np.empty((lines.shape[0], self.x.size), dtype=dtype)
        block[...] = self.x
        rows = np.arange(lines.shape[0])
        if lines.ndim == 1:
            # x_j + t is rounded exactly as the textbook's `x[idx] = tmp + h` is
            block[rows, lines] = self.x[lines] + offsets
        else:  # several coordinates moved at once (Hessian pairs): one column each
            for column in range(lines.shape[1]):
                moved = lines[:, column]
                block[rows, moved] = block[rows, moved] + offsets[:, column]
        return block

    def _in_place(self, lines: np.ndarray, offsets: np.ndarray, per_task: int) -> list:
        """Vectorized coordinate points in one reused stack that f sees read-only.

        Copying x into every row of every chunk cost a fifth of an n = 10,000
        gradient (pyinstrument): the rows are filled with x once, each chunk
        writes its moved entries and puts x back after f returns. An f that
        writes into its input turns this off (fresh copies, as before).

        Writing into a read-only array raises ``ValueError`` (numpy's only
        signal; its message is no contract). So a ``ValueError`` from f here
        is put to the test: the same points go to f again as a fresh, writeable
        copy, and so do all later points (:meth:`_fresh_after_write`). If f
        succeeds there, the read-only input was the cause; if not, the error
        is f's own and is raised, naming the point.
        """
        count = lines.shape[0]
        dtype = np.result_type(self.x, offsets)
        stack = self._stack
        if stack is None or stack.dtype != dtype or stack.shape[0] < min(per_task, count):
            stack = self._stack = np.empty((min(per_task, count), self.x.size), dtype=dtype)
            stack[...] = self.x
        columns = lines if lines.ndim == 2 else lines[:, None]
        moves = offsets if offsets.ndim == 2 else offsets[:, None]
        all_rows = np.arange(min(per_task, count))
        view = stack.view()
        view.flags.writeable = False
        pieces: list[np.ndarray] = []
        failed_at = None  # the first point of a chunk where f raised ValueError
        # one errstate for all chunks (evaluate_block enters one per chunk, which
        # cost a few us each at one point per chunk)
        with np.errstate(all="ignore"):
            for start in range(0, count, per_task):
                stop = min(start + per_task, count)
                rows, chunk = all_rows[: stop - start], columns[start:stop].T
                block = stack[: stop - start]
                single = chunk.size == 1  # one point, one coordinate (large n)
                if single:  # plain indexing: fancy indexing costs a few us per chunk
                    j = int(chunk[0, 0])
                    block[0, j] = block[0, j] + moves[start, 0]  # rounded as in _points
                else:
                    for moved, move in zip(chunk, moves[start:stop].T):
                        block[rows, moved] = block[rows, moved] + move
                try:
                    raw = _evaluate_block(self.f, self.spec, True, view[: stop - start])
                    values = _checked(self._check, raw, stop - start, stop)
                    if np.may_share_memory(values, stack):  # f returned a view of its input
                        values = values.copy()
                except PointError as error:
                    if not isinstance(error.original, ValueError):
                        raise_at(error)
                    failed_at = start  # did f try to write into its input? (see below)
                    break
                finally:
                    if single:
                        block[0, j] = self.x[j]
                    else:
                        for moved in chunk:
                            block[rows, moved] = self.x[moved]
                pieces.append(values)
        if failed_at is None:
            return pieces
        first = min(per_task, count - failed_at)
        rest = self._fresh_after_write(lines[failed_at:], offsets[failed_at:], first)
        return [*pieces, *rest]

    def _fresh_after_write(self, lines: np.ndarray, offsets: np.ndarray, first: int) -> list:
        """The points from a chunk where f raised ValueError on the read-only stack, on
        fresh writeable copies: the first ``first`` points (that chunk) decide.

        They are already counted in ``nfev`` (by the caller), and counted once.
        """
        self.nfev -= lines.shape[0]  # counted again by the calls below
        self._reuse, self._stack = False, None  # fresh copies from now on
        pieces = [self._call(lines[:first], offsets[:first])]  # f's own error: raised here
        if first < lines.shape[0]:
            pieces.append(self._call(lines[first:], offsets[first:]))
        return pieces

    def _row_size(self) -> int:
        return 1 if self.kind == "elementwise" else max(1, self.x.size)

    # --------------------------------------------------------------- checking
    def _check(self, raw: Any, count: int) -> np.ndarray:
        """Turn f's output(s) for ``count`` points into an array (count,) + out_shape
        (and a last axis of 2 with ``split_complex``)."""
        values = self._check_values(raw, count)
        return _split(values) if self.split_complex else values

    def _check_values(self, raw: Any, count: int) -> np.ndarray:
        if self.vectorized:
            values: Any = np.asarray(raw)  # then f's values in the forms checked below
            if values.dtype == np.float64 and values.shape == (count,) and self.out_shape == ():
                return values  # the common case, without the general checks
            expected = None if self.out_shape is None else (count, *self.out_shape)
            if expected is not None and values.shape != expected:
                if values.size == count and self.out_shape == ():
                    values = values.reshape(count)
                else:
                    error = NotScalar if self.out_shape == () else ValueError
                    raise error(
                        f"with `vectorized=True`, `f` must return shape {expected} for a stack "
                        f"of {count} points, got shape {values.shape}"
                    )
            return self._check_dtype(values)
        if self.out_shape == () and not self.complex_step:
            try:  # the common case, one float per point, without per-point numpy calls
                values = np.array(raw)
            except (TypeError, ValueError):
                values = None
            # anything else (ints, complex, objects) goes through the checks below
            if values is not None and values.shape == (count,) and values.dtype.kind == "f":
                return values.astype(float, copy=False)
        values = [np.asarray(v) for v in raw]
        if self.out_shape == ():
            for value in values:
                if value.size != 1:
                    raise NotScalar(
                        f"`f` must return a scalar, got an array of shape {value.shape}"
                    )
            stacked = np.array([v.reshape(()) for v in values])
        else:
            for value in values:
                if value.shape != self.out_shape:
                    raise ValueError(
                        f"`f` returned shape {value.shape} at one point and {self.out_shape} "
                        "at another"
                    )
            # out_shape is known here (None only until first_output sets it)
            stacked = np.stack(values) if values else np.zeros((0, *self.out_shape))  # type: ignore[misc]
        return self._check_dtype(stacked)

    def _check_dtype(self, values: np.ndarray, real_input: bool = False) -> np.ndarray:
        if self.complex_step and not real_input:
            if not np.iscomplexobj(values):
                raise TypeError(
                    "`f` dropped the imaginary part of its complex input (it returned "
                    f"{values.dtype}): the complex-step method needs f to accept and return "
                    "complex numbers (avoid abs, np.real, float() and math functions)"
                )
            return values
        if values.dtype == object or not (
            np.issubdtype(values.dtype, np.number) or values.dtype == np.bool_
        ):
            raise TypeError(f"`f` must return numbers, got {values.dtype}")
        if np.iscomplexobj(values):
            if self.split_complex:
                return values
            raise ComplexValues("`f` returned complex values; use a real-valued f")
        if not np.issubdtype(values.dtype, np.floating):
            values = values.astype(np.float64)
        return values

    # ------------------------------------------------------------- evaluating
    def base_value(self) -> np.ndarray:
        """f at x itself, for coordinate lines (evaluated once and remembered)."""
        if self._base_value is None:
            zero_line = np.zeros(1, dtype=np.intp)
            self._base_value = self(zero_line, np.zeros(1, self.x.dtype))[0]
        return self._base_value

    def at_x(self, lines: np.ndarray) -> np.ndarray:
        """f at the unmoved points of ``lines``, as f returns them: (p,) + out_shape.

        For the complex step, which must see f's values at the real x (real, or
        complex with a zero imaginary part) beside those at ``x + ih``.
        """
        count = lines.shape[0]
        block = self._points(lines, np.zeros(count, self.x.dtype))
        raw = evaluate_block_safe(self.f, self.spec, self.vectorized, block)
        self.nfev += count
        values = np.asarray(raw) if self.vectorized else np.array([np.asarray(v) for v in raw])
        if values.dtype == object or not np.issubdtype(values.dtype, np.number):
            raise TypeError(f"`f` must return numbers, got {values.dtype}")
        return values.reshape((count, -1))

    def first_output(self) -> np.ndarray:
        """Evaluate f(x) to learn its output shape (coordinate kind, jacobian)."""
        if self.vectorized:
            # a fresh copy: f may write into its argument, and x is the evaluator's own
            raw = evaluate_block_safe(self.f, self.spec, True, self.x[None, :].copy())
            value = np.asarray(raw)
            if value.ndim == 0 or value.shape[0] != 1:
                raise ValueError(
                    "with `vectorized=True`, `f` must return one value per point along a "
                    f"leading axis; for a stack of 1 point it returned shape {value.shape}"
                )
            value = value[0]
        else:
            block = self.x[None, :].copy()
            value = np.asarray(evaluate_block_safe(self.f, self.spec, False, block)[0])
        self.nfev += 1
        self.out_shape = value.shape
        # f(x) at the real x: with the complex step f may return real numbers here
        real = value.real if np.iscomplexobj(value) and self.complex_step else value
        checked = self._check_dtype(real[None], real_input=True)
        self._base_value = (_split(checked) if self.split_complex else checked)[0]
        return self._base_value

    def __call__(self, lines: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """f at the points (lines[k], offsets[k]); returns (p,) + out_shape."""
        replay, self._replay = self._replay, None
        if replay is not None and replay.answers(lines, offsets):
            self.nfev += lines.shape[0]  # evaluated once, in the call that found complex values
            return self._check(replay.raw, lines.shape[0])
        try:
            return self._call(lines, offsets)
        except ComplexValues as found:
            # the points evaluated up to the block that returned them (found.points)
            done = found.points
            whole = found.raw is not None and done == lines.shape[0]
            replay = Replay(lines.copy(), offsets.copy(), found.raw) if whole else None
            raise ComplexValues(str(found), done, lines[:done], replay=replay) from None

    def replay(self, found: ComplexValues) -> bool:
        """Answer the first call from the points ``found`` holds, if it holds them
        all; True when it does (then those evaluations are not wasted)."""
        if found.replay is None or found.lines is None:
            return False
        self._replay = found.replay
        return True

    def _call(self, lines: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        count = lines.shape[0]
        self.nfev += count
        row_size = self._row_size()
        use_map = self.workers is not None or bool(self.progress)
        if self.per_call is not None:
            per_task = self.per_call
        elif self.vectorized:
            per_task = max(1, CHUNK_ELEMENTS // row_size)
        elif use_map:
            per_task = max(1, min(POINTS_PER_TASK, count // TASKS_PER_GROUP))
        else:  # in this process: blocks only bound the memory of the points
            per_task = max(1, min(1024, BLOCK_ELEMENTS // row_size))
        starts: Sequence[int] = range(0, count, per_task)
        if not use_map and self.vectorized and self.kind == "coordinate" and self._reuse:
            pieces = self._in_place(lines, offsets, per_task)
        elif not use_map:
            pieces = []
            for start in starts:
                stop = min(start + per_task, count)
                block = self._points(lines[start:stop], offsets[start:stop])
                raw = evaluate_block_safe(self.f, self.spec, self.vectorized, block)
                pieces.append(_checked(self._check, raw, stop - start, stop))
        else:
            from ...parallel._pool import parallel_map

            func = functools.partial(evaluate_block, self.f, self.spec, self.vectorized)
            # parallel_map takes a list of tasks; hand them over in waves of bounded
            # memory so that the points of a large gradient never exist all at once
            per_wave = max(1, WAVE_ELEMENTS // (per_task * row_size))
            starts = list(starts)
            pieces = []
            for wave in range(0, len(starts), per_wave):
                tasks = [
                    self._points(lines[s : s + per_task], offsets[s : s + per_task])
                    for s in starts[wave : wave + per_wave]
                ]
                # f's errors come back from parallel_map naming the point
                raws = parallel_map(func, tasks, workers=self.workers, progress=self.progress)
                done = min(count, (wave + per_wave) * per_task)  # this wave's points were evaluated
                pieces.extend(
                    _checked(self._check, raw, len(task), done) for raw, task in zip(raws, tasks)
                )
        if not pieces:
            shape = (0,) if self.out_shape is None else (0, *self.out_shape)
            return np.zeros(shape)
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)


def _split(values: np.ndarray) -> np.ndarray:
    """Values as ``(real, imag)`` along a new last axis (float64)."""
    values = np.asarray(values)
    return np.stack([values.real, values.imag], axis=-1).astype(
        np.result_type(values.real.dtype, np.float32), copy=False
    )


def _checked(check: Any, raw: Any, count: int, evaluated: int) -> np.ndarray:
    """``check(raw, count)``; complex values found say that ``evaluated`` points were."""
    try:
        return check(raw, count)
    except ComplexValues as found:
        # a call evaluated whole in this one block can be replayed (see ComplexValues)
        whole = raw if evaluated == count else None
        raise ComplexValues(str(found), points=evaluated, raw=whole) from None
    except NotScalar as found:
        raise NotScalar(str(found), points=evaluated) from None
