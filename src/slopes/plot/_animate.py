"""A descent as an animated GIF.

Public through :mod:`slopes.plot` as :func:`animate`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._common import clip_path, extract_path, field, fit_figure, path_window, status_word
from ._descent import draw_contours, square_up

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["animate"]


def animate(
    res: Any,
    path: str | os.PathLike,
    f: Callable | None = None,
    *,
    fps: float = 5.0,
    max_frames: int = 150,
    dpi: int = 100,
) -> Figure:
    """Write a descent as an animated GIF, one frame per iterate.

    Parameters
    ----------
    res : minimize result or array of shape (k, 2)
        The path, as for :func:`trajectory`; ``res.history.f`` (when present)
        is shown in each frame's title.
    path : str or path-like
        Where to write; must end in ``.gif`` and its folder must exist.
    f : callable, optional
        Drawn as filled contours behind the path.
    fps : float
        Frames per second.
    max_frames : int
        Long runs are thinned to at most this many frames (first and last kept).
    dpi : int
        Resolution of the frames: 100 gives frames about 500 pixels wide, shaped
        like the window (equal scales) with narrow margins.

    Returns
    -------
    matplotlib.figure.Figure
        The figure as of the last frame (not registered with pyplot).

    Raises
    ------
    ValueError
        If ``fps`` is not positive, ``max_frames < 1`` or ``path`` is not a .gif.
    FileNotFoundError
        If the folder of ``path`` does not exist.

    Notes
    -----
    Written with matplotlib's ``PillowWriter``; Pillow merges consecutive
    frames that are pixel-identical, which never happens here because every
    title names its step.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> from PIL import Image
    >>> path = 0.8 ** np.arange(6)[:, None] * np.array([-3.0, 4.0])
    >>> gif = os.path.join(tempfile.mkdtemp(), "descent.gif")
    >>> _ = animate(path, gif)
    >>> Image.open(gif).n_frames
    6
    """
    if not np.isfinite(fps) or fps <= 0:
        raise ValueError(f"`fps` must be positive, got {fps!r}")
    if int(max_frames) < 1:
        raise ValueError(f"`max_frames` must be at least 1, got {max_frames!r}")
    target = Path(path)
    if target.suffix.lower() != ".gif":
        raise ValueError(f"`path` must end in .gif, got {str(path)!r}")
    if not target.parent.is_dir():
        raise FileNotFoundError(
            f"cannot write {str(path)!r}: folder {str(target.parent)!r} does not exist"
        )
    points = extract_path(res)
    values = field(field(res, "history"), "f")
    xlim, ylim = path_window([points], [status_word(res)])
    drawn = clip_path(points, xlim, ylim)
    frames = np.unique(np.linspace(0, len(drawn) - 1, min(len(drawn), int(max_frames))).round())

    from matplotlib.animation import PillowWriter
    from matplotlib.figure import Figure

    # the figure takes the window's shape (equal scales), so no white bands frame it
    ratio = (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
    ratio = ratio if 0.25 <= ratio <= 4.0 else 0.8
    fig = Figure(figsize=(5.0, float(np.clip(4.2 * ratio + 0.9, 2.6, 6.5))), layout="constrained")
    ax = fig.add_subplot()
    if f is not None:
        draw_contours(ax, f, xlim, ylim)
    ax.plot(*drawn[0], "o", markersize=8, markerfacecolor="white", color="C3", zorder=4)
    (line,) = ax.plot([], [], "-", marker=".", color="C3", linewidth=1.6, zorder=3)
    (head,) = ax.plot([], [], "*", markersize=13, markeredgecolor="black", color="C3", zorder=5)
    ax.set(xlim=xlim, ylim=ylim, xlabel="x0", ylabel="x1")
    square_up(ax, xlim, ylim)
    ax.set_title(f"step {len(drawn) - 1}   f = -0.0000e+00")  # the widest title: room for it
    fit_figure(fig)  # trim what equal scales leave empty
    # matplotlib's stub says int; Pillow's frame duration is 1000 / fps, so any float works
    writer = PillowWriter(fps=fps)  # type: ignore[arg-type]
    with writer.saving(fig, str(target), dpi=dpi):
        for k in frames.astype(int):
            line.set_data(drawn[: k + 1, 0], drawn[: k + 1, 1])
            head.set_data([drawn[k, 0]], [drawn[k, 1]])
            text = f"step {k}"
            if values is not None and k < len(values):
                text += f"   f = {float(values[k]):.4g}"
            ax.set_title(text)
            writer.grab_frame()
    return fig
