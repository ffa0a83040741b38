"""Shared helpers of the plot functions: axes, calling f on grids, windows.

Only :mod:`slopes.plot` and its private modules import this, and
matplotlib itself is imported inside the functions that draw, so that
``import slopes`` never pays for the plotting stack.

Examples
--------
>>> import numpy as np
>>> batch = batch_caller(lambda x: x[0] ** 2 + x[1] ** 2, dim=2)
>>> batch.vectorized                 # f(x) takes x[0], x[1] as arrays of coordinates
'columns'
>>> batch(np.array([[3.0, 4.0], [0.0, 2.0]]))
array([25.,  4.])
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "BatchCaller",
    "as_window",
    "batch_caller",
    "clip_path",
    "extract_path",
    "field",
    "fit_figure",
    "new_axes",
    "path_window",
]

# A diverged path may hold values like 1e300; drawing those makes Agg's
# rasteriser overflow, so points are cut at this many window widths away.
FAR_FACTOR = 50.0


def field(obj: Any, name: str, default: Any = None) -> Any:
    """``obj.name`` or ``obj[name]``: results are Result dicts, plain dicts or objects."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def status_word(obj: Any) -> str | None:
    """A run's status as its word: a :class:`slopes.Status` prints as one, and a
    plain dict (a result saved as JSON) holds the word itself; None without one.

    >>> from slopes._util.status import Status
    >>> status_word({"status": Status.DIVERGED}), status_word({"status": "stalled"})
    ('diverged', 'stalled')
    """
    status = field(obj, "status")
    return None if status is None else str(status)


def new_axes(ax: Any, figsize: tuple[float, float] = (6.0, 4.5)) -> Axes:
    """The caller's Axes, or the Axes of a new pyplot figure (shown inline in notebooks)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def fit_figure(fig: Any, pad: float = 0.08) -> None:
    """Shrink a figure to what is drawn in it (equal scales leave bands empty otherwise).

    The layout is computed without rendering; the figure then loses the empty
    width or height, and the constrained layout fills the rest again. A title
    set later takes its room from the picture: pass ``title=`` instead.
    """
    fig.draw_without_rendering()
    drawn = fig.get_tightbbox()  # inches
    width, height = fig.get_size_inches()
    fig.set_size_inches(min(width, drawn.width + 2 * pad), min(height, drawn.height + 2 * pad))


def as_window(value: Any, name: str) -> tuple[float, float]:
    """Validate a ``(low, high)`` pair of finite numbers with low < high."""
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a pair (low, high) of numbers, got {value!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"`{name}` must be finite with low < high, got {value!r}")
    return low, high


def _scalar(value: Any) -> float:
    array = np.asarray(value, dtype=float)
    if array.size != 1:
        raise ValueError(f"`f` must return one number per point, got shape {array.shape}")
    return float(array.reshape(()))


class BatchCaller:
    """Evaluate f at many points, shape ``(m, dim)`` -> ``(m,)``, as cheaply as f allows.

    ``vectorized`` says which calling convention f accepted: ``"rows"``
    (f takes the ``(m, dim)`` stack), ``"columns"`` (f takes ``(dim, m)``,
    as ``lambda x: x[0]**2 + x[1]**2`` does), or ``False`` (one call per point).
    """

    def __init__(self, f: Callable, dim: int, convention: str | bool) -> None:
        self.f, self.dim, self.vectorized = f, dim, convention

    def __call__(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=float).reshape(-1, self.dim)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if self.vectorized == "rows":
                out = self.f(points)
            elif self.vectorized == "columns":
                out = self.f(points.T if self.dim > 1 else points[:, 0])
            else:
                arg = (lambda p: p) if self.dim > 1 else (lambda p: p[0])
                out = [_scalar(self.f(arg(p))) for p in points]
        return np.asarray(out, dtype=float).reshape(len(points))

    def __repr__(self) -> str:
        return f"BatchCaller(dim={self.dim}, vectorized={self.vectorized!r})"


def batch_caller(f: Callable, dim: int) -> BatchCaller:
    """Find out whether f is vectorized, and how, by checking a few probe points.

    A vectorized answer is only trusted when it agrees with one-point-at-a-time
    calls on the probes: ``np.sum(x**2)`` accepts a stack too, but answers
    with one number for all of it.
    """
    rng = np.random.default_rng(0)
    probe = rng.uniform(0.3, 1.7, size=(5, dim))  # 5 rows: never mistaken for dim
    one_by_one = BatchCaller(f, dim, False)
    expected = one_by_one(probe)
    for convention in ("rows", "columns"):
        candidate = BatchCaller(f, dim, convention)
        try:
            got = candidate(probe)
        except Exception:  # any failure just means "not vectorized this way"
            continue
        if np.allclose(got, expected, rtol=1e-10, atol=1e-12, equal_nan=True):
            return candidate
    return one_by_one


def extract_path(res: Any, name: str = "res") -> np.ndarray:
    """The iterates of a minimize result (``res.history.x``) or a raw ``(k, 2)`` path."""
    history = field(res, "history")
    points = field(history, "x") if history is not None else res
    try:
        path = np.asarray(points, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"`{name}` must be a minimize result (with .history.x) or an array of points, "
            f"got {type(res).__name__}"
        ) from None
    if path.ndim != 2 or path.shape[1] != 2 or len(path) == 0:
        raise ValueError(
            f"`{name}` must hold points with 2 coordinates (shape (k, 2)), got shape {path.shape}"
        )
    return path


def _finite_prefix(path: np.ndarray) -> np.ndarray:
    bad = ~np.all(np.isfinite(path), axis=1)
    return path[: int(np.argmax(bad))] if bad.any() else path


def path_window(
    paths: Sequence[np.ndarray],
    statuses: Sequence[Any] = (),
    margin: float = 0.12,
    include: Any = None,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """An (xlim, ylim) window around descent paths that a diverged path cannot blow up.

    The window is fitted to the starting points, the points in ``include``
    (e.g. the function's minimum) and the *tame* paths (not reported
    diverged, finite, and not escaping to absurd sizes). Paths that run away
    contribute only the points that stay within a few widths of that window,
    so one run with ``lr=10`` does not shrink the others to dots. When every
    path runs away, each one's first move is fitted too: the picture then
    shows the run leaving, not only the start.
    """
    statuses = list(statuses) + [None] * (len(paths) - len(statuses))
    starts = np.array([p[0] for p in paths if np.all(np.isfinite(p[0]))]).reshape(-1, 2)
    tame, wild = [starts], []
    if include is not None:
        extra = np.asarray(include, dtype=float).reshape(-1, 2)
        tame.append(extra[np.all(np.isfinite(extra), axis=1)])
    for path, status in zip(paths, statuses):
        finite = _finite_prefix(path)
        size = np.abs(finite).max() if len(finite) else np.inf
        reference = 1.0 + (np.abs(finite[0]).max() if len(finite) else 0.0)
        if status != "diverged" and len(finite) == len(path) and size < 1e6 * reference:
            tame.append(path)
        else:
            wild.append(finite)
    if len(tame) - (include is not None) == 1:  # only the starts: every path ran away
        # (a first move to 1e300 would still shrink the start to a dot: those are left out)
        tame.extend(
            path[1:2]
            for path in wild
            if len(path) > 1 and np.abs(path[1] - path[0]).max() < 1e3 * (1 + np.abs(path[0]).max())
        )
    points = np.vstack(tame)
    if len(points) == 0:
        return (-1.0, 1.0), (-1.0, 1.0)
    low, high = points.min(axis=0), points.max(axis=0)
    span = high - low
    # a path that never moved (a stalled run) still deserves a readable window:
    # as wide as the start is far from the origin, or 1
    # (and no side narrower than the rounding of its coordinates, or low == high)
    if span.max() == 0:
        floor = max(np.abs(points).max(), 1.0)
    else:
        floor = max(0.25 * span.max(), 1e-9 * np.abs(points).max())
    span = np.maximum(span, floor)
    center = (low + high) / 2
    for path in wild:
        for point in path[1:]:
            if np.any(np.abs(point - center) > 1.5 * span):
                break
            low, high = np.minimum(low, point), np.maximum(high, point)
    center, span = (low + high) / 2, np.maximum(high - low, floor)
    half = span / 2 * (1 + 2 * margin)
    return (center[0] - half[0], center[0] + half[0]), (center[1] - half[1], center[1] + half[1])


def clip_path(path: np.ndarray, xlim: Sequence[float], ylim: Sequence[float]) -> np.ndarray:
    """The part of a path that is safe to draw: finite, and cut where it leaves far behind.

    The first point beyond ``FAR_FACTOR`` window widths is moved back onto
    that far box along its segment, so the line still leaves the picture
    in the right direction.
    """
    path = _finite_prefix(path)
    width = np.array([xlim[1] - xlim[0], ylim[1] - ylim[0]])
    center = np.array([sum(xlim) / 2, sum(ylim) / 2])
    limit = FAR_FACTOR * width
    outside = np.any(np.abs(path - center) > limit, axis=1)
    if not outside.any():
        return path
    cut = int(np.argmax(outside))
    if cut == 0:
        return np.clip(path[:1], center - limit, center + limit)
    inside, beyond = path[cut - 1], path[cut]
    step = beyond - inside
    with np.errstate(divide="ignore", invalid="ignore"):
        t_edges = np.where(step != 0, (np.sign(step) * limit + center - inside) / step, np.inf)
    t = float(np.clip(np.min(t_edges), 0.0, 1.0))
    return np.vstack([path[:cut], inside + t * step])
