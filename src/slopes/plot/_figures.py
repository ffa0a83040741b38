"""The code of :mod:`slopes.plot`, which re-exports its public names. Pictures of derivatives,
gradients and descent, drawn with matplotlib.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._animate import animate
from ._common import as_window, batch_caller, new_axes
from ._descent import LearningRates, draw_contours, learning_rates, square_up, trajectory
from ._training import training

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "LearningRates",
    "animate",
    "function",
    "gradient_field",
    "learning_rates",
    "training",
    "trajectory",
]


def function(
    f: Callable,
    xlim: Sequence[float] | None = None,
    tangent_at: Sequence[float] = (5.0, 10.0),
    *,
    ax: Axes | None = None,
    num: int = 200,
    label: str = "f(x)",
) -> Axes:
    """Draw y = f(x) with its tangent lines at chosen points.

    Parameters
    ----------
    f : callable
        A function of one number. It may accept an array (then it is called
        once for the whole curve), but does not have to.
    xlim : (float, float), optional
        The interval of x to draw. Default: the function's ``domain`` for a
        :mod:`slopes.functions` function, else ``(0, 20)``, the chapter's.
    tangent_at : sequence of float
        Where to draw tangent lines; the slope comes from
        :func:`slopes.derivative`. May be empty.
    ax : matplotlib Axes, optional
        Draw into this Axes instead of a new figure.
    num : int
        Number of points on the curve.
    label : str
        Legend label of the curve.

    Returns
    -------
    matplotlib.axes.Axes
        One line for the curve, then one per tangent, and the touching points
        as one scatter collection.

    Raises
    ------
    ValueError
        If ``xlim`` is not two finite numbers in increasing order, or a
        tangent point is not finite.

    Notes
    -----
    The tangent at :math:`a` is the line :math:`y = f(a) + f'(a)(x - a)`: the
    straight line that the curve looks like near :math:`a`, and the picture of
    what the derivative means.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = function(lambda x: x**2, xlim=(-2, 2), tangent_at=[1.0])
    >>> len(ax.lines), [float(v) for v in ax.get_xlim()]
    (2, [-2.0, 2.0])
    >>> plt.close(ax.figure)
    """
    from ..differentiate import derivative

    if not callable(f):
        raise TypeError(f"`f` must be callable, got {type(f).__name__}")
    if xlim is None:
        xlim = _domain(f, 0, (0.0, 20.0))
    low, high = as_window(xlim, "xlim")
    points = np.asarray(tangent_at, dtype=float).ravel()
    if not np.all(np.isfinite(points)):
        raise ValueError(f"`tangent_at` must hold finite numbers, got {tangent_at!r}")
    xs = np.linspace(low, high, int(num))
    ys = batch_caller(f, dim=1)(xs[:, None])
    finite = ys[np.isfinite(ys)]
    if not finite.size:  # an empty picture would say nothing about why
        raise ValueError(f"`f` is not finite anywhere on xlim=({low:g}, {high:g})")

    tangents = []
    for a in points:
        fa = float(np.asarray(f(float(a)), dtype=float))
        slope = float(np.asarray(derivative(f, float(a)), dtype=float))
        if not (np.isfinite(fa) and np.isfinite(slope)):  # a NaN line would draw nothing
            raise ValueError(
                f"`tangent_at` holds {a:g}, where f or its slope is not finite "
                f"(f = {fa:g}, slope = {slope:g})"
            )
        tangents.append((a, fa, slope))

    ax = new_axes(ax)
    ax.plot(xs, ys, color="C0", linewidth=2.0, label=label)
    touch_y = []
    for index, (a, fa, slope) in enumerate(tangents):
        touch_y.append(fa)
        ax.plot(
            xs,
            fa + slope * (xs - a),
            "--",
            color=f"C{(index + 1) % 10}",
            linewidth=1.4,
            label=f"tangent at x={a:g}, slope {slope:.4g}",
        )
    if len(points):
        ax.scatter(points, touch_y, color="black", zorder=5, s=25)
    # the curve sets the height; tangents may leave the picture, the curve never does
    pad = 0.08 * max(finite.max() - finite.min(), 1e-12 + 1e-3 * abs(finite.max()))
    ax.set_ylim(finite.min() - pad, finite.max() + pad)
    ax.set_xlim(low, high)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return ax


def _domain(f: Any, axis: int, default: tuple[float, float]) -> tuple[float, float]:
    """The plotting window a :mod:`slopes.functions` function suggests for one axis."""
    try:
        low, high = (float(v) for v in f.domain[axis])
    except (AttributeError, IndexError, TypeError, ValueError):
        return default
    return low, high


def _grid_gradients(
    f: Callable, grad: Callable | None, points: np.ndarray, step: float
) -> np.ndarray:
    """-grad f at each point: the given gradient, or central differences batched over f."""
    if grad is not None:
        return np.array([np.asarray(grad(p.copy()), dtype=float).reshape(2) for p in points])
    batch = batch_caller(f, dim=2)
    result = np.empty_like(points)
    for axis in range(2):
        # relative step: 1e-4 (the textbook's h) near the origin, scaled up far from it
        h = step * np.maximum(1.0, np.abs(points[:, axis]))
        shift = np.zeros_like(points)
        shift[:, axis] = h
        result[:, axis] = (batch(points + shift) - batch(points - shift)) / (2 * h)
    return result


def gradient_field(
    f: Callable,
    xlim: Sequence[float] | None = None,
    ylim: Sequence[float] | None = None,
    *,
    n: int = 17,
    ax: Axes | None = None,
    grad: Callable | None = None,
    contours: bool = True,
    normalize: bool = False,
    step: float = 1e-4,
) -> Axes:
    """Draw the arrows of -grad f on an n-by-n grid: the way downhill everywhere.

    Parameters
    ----------
    f : callable
        A function of a point ``x`` with 2 coordinates, returning a number. A
        vectorized f (accepting a ``(m, 2)`` stack, or ``x[0], x[1]`` as
        arrays) is detected and called once per stencil shift for the whole
        grid; any other f is called point by point.
    xlim, ylim : (float, float), optional
        The window. Default: the function's ``domain`` for a
        :mod:`slopes.functions` function, else the chapter's [-2, 2] x [-2, 2].
    n : int
        Arrows per side (default 17: a step of 0.25 on the default window, 0 included).
    ax : matplotlib Axes, optional
        Draw into this Axes instead of a new figure.
    grad : callable, optional
        The gradient of f, ``grad(x) -> array of 2``; by default it is the
        central difference with step ``step * max(1, |x_i|)``.
    contours : bool
        Also draw faint contour lines of f, to show that the arrows cross them
        at right angles.
    normalize : bool
        Draw every arrow with the same length (the direction only); useful
        when the steepness varies by orders of magnitude over the window.
    step : float
        Base step of the numerical gradient (the chapter's h = 1e-4).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes; the arrows are its ``quiver`` collection (``ax.collections``)
        holding ``n * n`` arrows.

    Raises
    ------
    ValueError
        If ``n < 2``, ``step`` is not positive, or a window is malformed.

    Notes
    -----
    The gradient :math:`\\nabla f = (\\partial f/\\partial x_0, \\partial f/\\partial x_1)`
    points where f rises fastest, so each arrow :math:`-\\nabla f` points where
    it falls fastest; arrows are longer where the surface is steeper.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = gradient_field(lambda x: x[0] ** 2 + x[1] ** 2, n=5)
    >>> quiver = ax.collections[-1]
    >>> len(quiver.U), float(quiver.U[0]), float(quiver.V[0])    # arrow at (-2, -2)
    (25, 4.0, 4.0)
    >>> plt.close(ax.figure)
    """
    xlim = as_window(_domain(f, 0, (-2.0, 2.0)) if xlim is None else xlim, "xlim")
    ylim = as_window(_domain(f, 1, (-2.0, 2.0)) if ylim is None else ylim, "ylim")
    if int(n) != n or n < 2:
        raise ValueError(f"`n` must be an integer of at least 2, got {n!r}")
    if not (np.isfinite(step) and step > 0):
        raise ValueError(f"`step` must be positive, got {step!r}")
    grid_x, grid_y = np.meshgrid(np.linspace(*xlim, int(n)), np.linspace(*ylim, int(n)))
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    downhill = -_grid_gradients(f, grad, points, step)
    if normalize:
        with np.errstate(invalid="ignore", divide="ignore"):
            norms = np.linalg.norm(downhill, axis=1, keepdims=True)
            downhill = np.where(norms > 0, downhill / norms, 0.0)

    ax = new_axes(ax, figsize=(5.5, 5.0))
    if contours:
        draw_contours(ax, f, xlim, ylim, filled=False)  # faint: the arrows are the subject
    ax.quiver(
        grid_x,
        grid_y,
        np.ma.masked_invalid(downhill[:, 0].reshape(grid_x.shape)),
        np.ma.masked_invalid(downhill[:, 1].reshape(grid_x.shape)),
        angles="xy",
        color="#444444",
        zorder=3,
    )
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    square_up(ax, xlim, ylim)
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.grid(alpha=0.3)
    return ax
