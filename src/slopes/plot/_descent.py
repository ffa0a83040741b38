"""Pictures of descent: paths over contours and the learning-rate comparison.

Public through :mod:`slopes.plot` as :func:`trajectory` and :func:`learning_rates`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, overload

import numpy as np

from ._common import (
    as_window,
    batch_caller,
    clip_path,
    extract_path,
    field,
    fit_figure,
    new_axes,
    path_window,
    status_word,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "STATUS_WORDS",
    "LearningRates",
    "draw_contours",
    "draw_values",
    "known_minima",
    "learning_rates",
    "mark_minima",
    "marker_handles",
    "outcome",
    "square_up",
    "trajectory",
]

CONTOUR_CMAP = "Greys"  # pale, so coloured paths stand out; white near the minimum
# minimize's status codes in words, for titles a learner reads
STATUS_WORDS = {
    "converged": "converged",
    "max_steps": "out of steps",
    "diverged": "diverged",
    "stalled": "stalled",
    "stopped": "stopped by the callback",
}


class LearningRates(NamedTuple):
    """What ``learning_rates(..., full_output=True)`` returns.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure, one panel per learning rate (and the f-per-step panel).
    results : list of MinimizeResult
        The :func:`slopes.minimize` runs behind the panels, in ``lrs``'s order.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, results = learning_rates(lambda x: x[0] ** 2 + x[1] ** 2, [-3.0, 4.0],
    ...                               lrs=(0.1,), full_output=True)
    >>> print(results[0].status, len(fig.axes))
    converged 2
    >>> plt.close(fig)
    """

    figure: Any
    results: list[Any]


def draw_contours(
    ax: Any,
    f: Callable,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    levels: Any = None,  # None, how many (an int) or the levels themselves (numbers)
    *,
    filled: bool = True,
    resolution: int | None = None,
) -> Any:
    """Contours of f(x0, x1) over the window; returns the contour set (None if f is flat).

    When f's values over the window are mostly small next to its largest ones
    (a bowl seen from far away, Rosenbrock's valley), the levels are spaced
    geometrically above the minimum, so the region near the minimum is not one
    flat colour.
    """
    batch = batch_caller(f, dim=2)
    n = resolution or (160 if batch.vectorized else 60)
    grid_x, grid_y = np.meshgrid(np.linspace(*xlim, n), np.linspace(*ylim, n))
    values = batch(np.column_stack([grid_x.ravel(), grid_y.ravel()])).reshape(grid_x.shape)
    finite = values[np.isfinite(values)]
    if finite.size == 0 or finite.min() == finite.max():
        return None
    values = np.ma.masked_invalid(values)
    if levels is None:
        low, high = float(finite.min()), float(finite.max())
        if high - low > 20 * (float(np.median(finite)) - low):
            levels = low + np.concatenate([[0.0], np.geomspace(1e-4, 1.0, 21) * (high - low)])
        else:
            levels = np.linspace(low, high, 22)
    if not filled:
        return ax.contour(
            grid_x, grid_y, values, levels=levels, colors="0.7", linewidths=0.7, zorder=1
        )
    from matplotlib.colors import BoundaryNorm

    levels = np.unique(np.asarray(levels, dtype=float)) if np.ndim(levels) else levels
    # one colour step per band, however unevenly the levels are spaced
    norm = BoundaryNorm(levels, 256) if np.ndim(levels) and len(levels) > 1 else None
    contour_set = ax.contourf(
        grid_x, grid_y, values, levels=levels, cmap=CONTOUR_CMAP, norm=norm, alpha=0.55, zorder=0
    )
    ax.contour(
        grid_x,
        grid_y,
        values,
        levels=contour_set.levels,
        colors="white",
        linewidths=0.4,
        alpha=0.6,
        zorder=1,
    )
    return contour_set


def known_minima(f: Any) -> np.ndarray:
    """The minimisers of a :mod:`slopes.functions` function, shape (m, 2); (0, 2) if unknown."""
    try:
        return np.array([np.asarray(m.x, dtype=float) for m in f.minima]).reshape(-1, 2)
    except Exception:  # f is a plain callable, or its minima are not 2-D points
        return np.empty((0, 2))


def mark_minima(ax: Any, f: Any, xlim: Sequence[float], ylim: Sequence[float]) -> bool:
    """Mark the known minimisers of a :mod:`slopes.functions` function (black crosses).

    Returns whether any was drawn (for the legend).
    """
    points = known_minima(f)
    if not len(points):
        return False
    inside = (
        (xlim[0] <= points[:, 0])
        & (points[:, 0] <= xlim[1])
        & (ylim[0] <= points[:, 1])
        & (points[:, 1] <= ylim[1])
    )
    if inside.any():
        ax.plot(*points[inside].T, "x", color="black", markersize=9, mew=2, zorder=6)
    return bool(inside.any())


def marker_handles(minimum: bool) -> list[Any]:
    """Legend entries that show the markers themselves: start, last iterate, minimum."""
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], linestyle="none", marker="o", markersize=8, markerfacecolor="white",
               markeredgewidth=1.8, color="0.35", label="start"),
        Line2D([], [], linestyle="none", marker="*", markersize=13, markeredgecolor="black",
               markeredgewidth=0.6, color="0.6", label="last iterate"),
    ]  # fmt: skip
    if minimum:
        handles.append(
            Line2D([], [], linestyle="none", marker="x", markersize=9, mew=2, color="black",
                   label="minimum")
        )  # fmt: skip
    return handles


def square_up(ax: Any, xlim: Sequence[float], ylim: Sequence[float]) -> None:
    """Equal scales on both axes (right angles look right) unless the window is too thin."""
    ratio = (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
    if 0.25 <= ratio <= 4.0:
        ax.set_aspect("equal", adjustable="box")


def _as_runs(res: Any) -> list[Any]:
    if isinstance(res, (list, tuple)) and res and not np.isscalar(res[0]):
        # a list of results, or a list of raw paths; a bare (k, 2) list is one path
        first = res[0]
        if field(first, "history") is not None or np.ndim(first) == 2:
            return list(res)
    return [res]


def trajectory(
    res: Any,
    f: Callable | None = None,
    *,
    labels: Sequence[str] | None = None,
    ax: Axes | None = None,
    levels: int | Sequence[float] | None = None,
    xlim: Sequence[float] | None = None,
    ylim: Sequence[float] | None = None,
    legend: bool = True,
    title: str | None = None,
    colors: Sequence[str] | None = None,
) -> Axes:
    """Draw one or several descent paths over filled contours of f.

    Parameters
    ----------
    res : minimize result, array of shape (k, 2), or a list of them
        Each path is ``res.history.x`` (every iterate, x0 included) or the
        array itself. Points need 2 coordinates.
    f : callable, optional
        The function descended, drawn as filled contours (vectorized f is
        detected and called once for the whole grid).
    labels : sequence of str, optional
        One legend label per path (e.g. the optimisers' names); by default a
        result's ``label`` field, or ``"descent"`` / ``"run i"``. A path whose
        status is ``"diverged"`` gets ``" (diverged)"`` appended.
    ax : matplotlib Axes, optional
        Draw into this Axes instead of a new figure. A new figure is sized to
        the window's shape, so equal scales leave no empty bands; set the
        title with ``title=`` (a title added afterwards takes its room from
        the picture).
    levels : int or sequence of float, optional
        Contour levels for matplotlib; by default 22 levels, spaced
        geometrically above the minimum when f is steep far from it.
    xlim, ylim : (float, float), optional
        The window. By default it is fitted to the starting points and every
        path that did not run away, with a margin; a diverged path is drawn
        leaving the window, and is cut (finite, at most 50 window widths
        out) so that values like 1e300 never reach the renderer. When every
        path diverged, the window also holds each one's first step, and the
        known minimum nearest the start (for a :mod:`slopes.functions`
        function), so the picture shows where the run should have gone and
        that it went the other way.
    legend : bool
        Draw the legend (one entry per path).
    title : str, optional
        Title of the Axes.
    colors : sequence of str, optional
        One matplotlib colour per path; by default ``"C0"``, ``"C1"``, ...

    Returns
    -------
    matplotlib.axes.Axes
        Three lines per path, in order: the path (with a dot per iterate), the
        start (hollow circle) and the end (star); the legend shows one entry
        per path, then the start, last-iterate and (when drawn) minimum
        markers themselves. With several paths the end stars shrink from the
        first path to the last, so that stars ending at the same point stay
        visible as concentric rings. The end is the *last*
        iterate, ``res.history.x[-1]``, where the run stopped; it can differ
        from ``res.x``, which :func:`slopes.minimize` sets to the best iterate
        (lowest f). Where a run barely moved, the start circle is drawn
        unfilled on top of the star, so that both stay visible.

    Raises
    ------
    ValueError
        If a path does not have 2 coordinates, ``labels`` has the wrong
        length, or a window is malformed.
    TypeError
        If ``res`` is neither a result with a history nor an array of points.

    Examples
    --------
    >>> import numpy as np, matplotlib.pyplot as plt
    >>> path = 0.8 ** np.arange(21)[:, None] * np.array([-3.0, 4.0])  # lr=0.1 on x0²+x1²
    >>> ax = trajectory(path, f=lambda x: x[0] ** 2 + x[1] ** 2, labels=["lr=0.1"])
    >>> len(ax.lines), [text.get_text() for text in ax.get_legend().get_texts()]
    (3, ['lr=0.1', 'start', 'last iterate'])
    >>> plt.close(ax.figure)
    """
    runs = _as_runs(res)
    if labels is not None:
        labels = [str(label) for label in labels]
        if len(labels) != len(runs):
            raise ValueError(f"`labels` has {len(labels)} entries for {len(runs)} paths")
    if colors is not None and len(colors) != len(runs):
        raise ValueError(f"`colors` has {len(colors)} entries for {len(runs)} paths")
    paths = [extract_path(run, "res") for run in runs]
    statuses = [status_word(run) for run in runs]
    include = None
    if statuses and all(status == "diverged" for status in statuses):
        minima = known_minima(f)
        if len(minima):  # the nearest minimum to the (first) start
            include = minima[np.argmin(np.linalg.norm(minima - paths[0][0], axis=1))]
    auto_x, auto_y = path_window(paths, statuses, include=include)
    xlim = as_window(xlim, "xlim") if xlim is not None else auto_x
    ylim = as_window(ylim, "ylim") if ylim is not None else auto_y

    outside = len(runs) > 1  # several paths: the legend goes beside the picture, not on it
    if ax is None:
        ratio = (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
        ratio = ratio if 0.25 <= ratio <= 4.0 else 0.8  # as square_up will draw it
        # a first guess at the box's shape plus room for ticks, labels, title and an outside
        # legend; fit_figure trims what equal scales leave empty, once everything is drawn
        box = min(4.6, 6.3 / ratio)
        width = box + 1.0 + (2.4 if outside and legend else 0.0)
        height = max(box * ratio + 1.0, 3.0 if outside and legend else 2.2)
        ax = new_axes(None, figsize=(width, height))
        own_figure = True
    else:
        own_figure = False
    if f is not None:
        draw_contours(ax, f, xlim, ylim, levels)
    window = np.array([xlim[1] - xlim[0], ylim[1] - ylim[0]])
    for index, (run, path, status) in enumerate(zip(runs, paths, statuses)):
        label = (
            labels[index]
            if labels
            else field(run, "label") or ("descent" if len(runs) == 1 else f"run {index + 1}")
        )
        if status == "diverged":
            label = f"{label} (diverged)"
        color = colors[index] if colors is not None else f"C{index % 10}"
        drawn = clip_path(path, xlim, ylim)
        # a run that barely moved: its end star would hide the start circle
        still = np.all(np.abs(drawn[-1] - drawn[0]) <= 0.03 * window)
        ax.plot(
            drawn[:, 0],
            drawn[:, 1],
            "-",
            marker=".",
            markersize=4,
            linewidth=1.6,
            color=color,
            label=label,
            zorder=3,
        )
        ax.plot(
            *drawn[0],
            "o",
            markersize=15 if still else 8,
            markerfacecolor="none" if still else "white",
            markeredgewidth=1.8,
            color=color,
            zorder=6 if still else 4,  # above the star when they coincide
        )
        # the end is where the run stopped, unless it left the picture (diverged);
        # several runs often end at one point: each star is smaller than the one below
        ax.plot(
            *drawn[-1],
            "*",
            markersize=13 + 4 * (len(runs) - 1 - index),
            markeredgecolor="black",
            markeredgewidth=0.6,
            color=color,
            zorder=5 + index / 100,
        )
    minimum = mark_minima(ax, f, xlim, ylim)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    square_up(ax, xlim, ylim)
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    if title:
        ax.set_title(title)
    if legend:
        placement: dict[str, Any] = (
            {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0)} if outside else {}
        )
        handles, _ = ax.get_legend_handles_labels()
        ax.legend(
            handles=[*handles, *marker_handles(minimum)],
            fontsize="small",
            framealpha=0.85,
            **placement,
        )
    if own_figure:
        fit_figure(ax.figure)
    return ax


def _optimizer_for(optimizer: Any, lr: float) -> Any:
    if optimizer is None:
        return None
    if isinstance(optimizer, str):
        from .. import optim

        factory = getattr(optim, optimizer, None)
        if not callable(factory) or optimizer.startswith("_"):
            raise ValueError(f"`optimizer` {optimizer!r} is not an optimiser in slopes.optim")
        return factory(lr=lr)
    if callable(optimizer):
        return optimizer(lr=lr)
    raise TypeError(
        "`optimizer` must be None, a name in slopes.optim (e.g. 'adam') or a factory "
        f"called as optimizer(lr=...), got {type(optimizer).__name__}"
    )


@overload
def learning_rates(
    f: Callable,
    x0: Sequence[float],
    lrs: Sequence[float] = ...,
    *,
    steps: int = ...,
    optimizer: Any = ...,
    grad: Callable | None = ...,
    values: bool = ...,
    full_output: Literal[False] = ...,
) -> Figure: ...
@overload
def learning_rates(
    f: Callable,
    x0: Sequence[float],
    lrs: Sequence[float] = ...,
    *,
    steps: int = ...,
    optimizer: Any = ...,
    grad: Callable | None = ...,
    values: bool = ...,
    full_output: Literal[True],
) -> LearningRates: ...
@overload
def learning_rates(
    f: Callable,
    x0: Sequence[float],
    lrs: Sequence[float] = ...,
    *,
    steps: int = ...,
    optimizer: Any = ...,
    grad: Callable | None = ...,
    values: bool = ...,
    full_output: bool,
) -> Figure | LearningRates: ...
def learning_rates(
    f: Callable,
    x0: Sequence[float],
    lrs: Sequence[float] = (1e-10, 0.1, 10.0),
    *,
    steps: int = 100,
    optimizer: Any = None,
    grad: Callable | None = None,
    values: bool = True,
    full_output: bool = False,
) -> Figure | LearningRates:
    """Run :func:`slopes.minimize` once per learning rate and draw the runs side by side.

    The chapter's lesson in one figure: too small a learning rate barely
    moves (``stalled``), a good one walks to the minimum, too large a one
    overshoots and flies off (``diverged``). All panels share one window, so
    the distances travelled compare at a glance.

    Parameters
    ----------
    f : callable
        The function to descend (2 coordinates).
    x0 : sequence of 2 floats
        The common starting point, e.g. the chapter's (-3, 4).
    lrs : sequence of float
        The learning rates, one panel each; default the chapter's 1e-10,
        0.1 and 10.
    steps : int
        Steps of each run (the chapter's 100).
    optimizer : None, str or callable
        None: plain gradient descent with ``lr``. A name in
        :mod:`slopes.optim` (``"adam"``) or a factory called as
        ``optimizer(lr=lr)``.
    grad : callable, optional
        Analytic gradient, passed on to minimize.
    values : bool
        Add a last panel with f at every step of every run on a log scale:
        a run that diverges is seen to climb, one that stalls to stay flat.
    full_output : bool, default False
        Return the runs with the figure, as a :class:`LearningRates` pair
        ``(figure, results)``.

    Returns
    -------
    matplotlib.figure.Figure or LearningRates
        One Axes per learning rate, titled ``"lr = <lr>"`` and, below, what
        happened in words (``"diverged at step 3: f grew from 25 to
        1.2e+09"``), then the f-per-step panel when ``values``. With
        ``full_output=True``, ``(figure, results)``: the figure and the
        :func:`slopes.minimize` results, one per learning rate in ``lrs``'s
        order. (``fig.slopes_results``, where earlier releases kept them, still
        answers for one release, with a DeprecationWarning.)

    Raises
    ------
    ValueError
        If ``lrs`` is empty or ``optimizer`` names no optimiser; minimize's
        own errors (a non-positive ``lr``...) pass through.

    Examples
    --------
    The chapter's three rates on :math:`x_0^2 + x_1^2` from (-3, 4):

    >>> import matplotlib.pyplot as plt
    >>> fig = learning_rates(lambda x: x[0] ** 2 + x[1] ** 2, [-3.0, 4.0])
    >>> for ax in fig.axes[:3]:
    ...     print(" / ".join(ax.get_title().splitlines()[:2]))
    lr = 1e-10 / stalled: in 100 steps
    lr = 0.1 / converged in 100 steps,
    lr = 10 / diverged at step 3:
    >>> fig.axes[3].get_title()
    'f at each step'
    >>> plt.close(fig)
    >>> fig, results = learning_rates(lambda x: x[0] ** 2 + x[1] ** 2, [-3.0, 4.0],
    ...                               full_output=True)
    >>> [str(res.status) for res in results]
    ['stalled', 'converged', 'diverged']
    >>> plt.close(fig)
    """
    from ..descent import minimize

    lrs = [float(lr) for lr in np.atleast_1d(np.asarray(lrs, dtype=float))]
    if not lrs:
        raise ValueError("`lrs` must hold at least one learning rate")
    results = []
    for lr in lrs:
        opt = _optimizer_for(optimizer, lr)
        if opt is None:
            results.append(minimize(f, x0, lr=lr, steps=steps, grad=grad))
        else:
            results.append(minimize(f, x0, optimizer=opt, steps=steps, grad=grad))
    paths = [extract_path(result) for result in results]
    xlim, ylim = path_window(paths, [status_word(result) for result in results])

    import matplotlib.pyplot as plt

    from ._runs_figure import RunsFigure

    ratio = (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
    panel_width = float(np.clip(3.4 / (ratio if 0.25 <= ratio <= 4.0 else 0.8) + 0.9, 2.8, 5.0))
    panels = len(lrs) + (1 if values else 0)
    fig, axes = plt.subplots(
        1,
        panels,
        figsize=(panel_width * panels, 4.6),
        layout="constrained",
        squeeze=False,
        FigureClass=RunsFigure,
    )
    for index, (ax, lr, result) in enumerate(zip(axes[0], lrs, results)):
        # each run keeps its colour in its panel and in the f-per-step panel
        trajectory(
            result,
            f,
            ax=ax,
            xlim=xlim,
            ylim=ylim,
            legend=False,
            labels=[f"lr={lr:g}"],
            colors=[f"C{index % 10}"],
        )
        ax.set_title(f"lr = {lr:g}\n{outcome(result)}", fontsize="medium")
    if values:
        draw_values(axes[0][-1], results, [f"lr = {lr:g}" for lr in lrs])
    fig.suptitle(f"Gradient descent from {tuple(float(v) for v in x0)}, {steps} steps")
    if isinstance(fig, RunsFigure):  # always: for the deprecated fig.slopes_results
        fig.runs = results
    return LearningRates(fig, results) if full_output else fig


def outcome(result: Any) -> str:
    """What a run did, in words for a title (two lines).

    For example ``"diverged at step 3:"`` over ``"f grew from 25 to 1.2e+09"``.
    """
    status = status_word(result) or ""
    f_hist = np.asarray(field(field(result, "history"), "f"), dtype=float)
    nit = field(result, "nit")
    if status == "diverged":
        if len(f_hist) > 1 and np.isfinite(f_hist[-1]):
            return f"diverged at step {nit}:\nf grew from {f_hist[0]:.3g} to {f_hist[-1]:.2g}"
        return f"diverged at step {nit}:\nvalues overflowed"
    if status == "stalled":
        return f"stalled: in {nit} steps\nf moved by only {f_hist[0] - np.min(f_hist):.2g}"
    words = STATUS_WORDS.get(status, str(status))
    return f"{words} in {nit} steps,\nf = {field(result, 'fun'):.3g}"


def draw_values(ax: Any, results: Sequence[Any], labels: Sequence[str]) -> None:
    """f at every step of every run, on a log scale; a diverged run ends in a cross."""
    for index, (result, label) in enumerate(zip(results, labels)):
        f_hist = np.asarray(field(field(result, "history"), "f"), dtype=float)
        shown = np.where(np.isfinite(f_hist) & (f_hist > 0), f_hist, np.nan)
        steps = np.arange(len(f_hist))
        ax.plot(steps, shown, "-", marker=".", markersize=3, color=f"C{index}", label=label)
        if status_word(result) == "diverged" and np.isfinite(shown[-1]):
            ax.plot(steps[-1], shown[-1], "x", color="black", markersize=9, mew=2, zorder=5)
    ax.set_yscale("log")
    ax.set(xlabel="step", ylabel="f (log scale)", title="f at each step")
    ax.grid(alpha=0.3, which="major")
    ax.legend(fontsize="small")
