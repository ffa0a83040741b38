"""The picture of a training run: loss per step, accuracy per epoch.

Public through :mod:`slopes.plot` as :func:`training`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ._common import field

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["training", "training_series"]

# names a fit history may use for the loss of every step, in order of preference
STEP_LOSS_NAMES = ("loss", "step_loss", "losses", "train_loss_step", "batch_loss")
EPOCH_METRIC = re.compile(r"^(train|test|val|valid|eval)[_ ]?(acc|accuracy)$")


def _mapping(history: Any) -> dict[str, Any]:
    if isinstance(history, dict):
        return dict(history)
    return {name: value for name, value in vars(history).items() if not name.startswith("_")}


def training_series(history: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The step losses and the per-epoch accuracy curves found in a fit history.

    Returns ``(loss, metrics)``: a 1-D array with the loss of every step, and
    ``{"train accuracy": ..., "test accuracy": ...}`` (whichever exist), each
    holding one value per epoch. Nested per-epoch groups (``history.epoch``,
    ``history.metrics``) are searched too.
    """
    entries = _mapping(history)
    loss = next((entries[name] for name in STEP_LOSS_NAMES if entries.get(name) is not None), None)
    if loss is None:
        raise ValueError(
            "`fit_result.history` has no loss per step (looked for "
            + ", ".join(STEP_LOSS_NAMES)
            + f"); it has {sorted(entries)}"
        )
    groups = [entries] + [
        _mapping(entries[key])
        for key in ("epoch", "epochs", "metrics", "per_epoch")
        if isinstance(entries.get(key), dict)
    ]
    metrics: dict[str, np.ndarray] = {}
    for group in groups:
        for name, values in group.items():
            match = EPOCH_METRIC.match(str(name))
            if match and values is not None and len(np.atleast_1d(values)):
                part = {"val": "validation", "valid": "validation", "eval": "test"}.get(
                    match.group(1), match.group(1)
                )
                metrics.setdefault(f"{part} accuracy", np.asarray(values, dtype=float).ravel())
    return np.asarray(loss, dtype=float).ravel(), metrics


def training(fit_result: Any, ax: tuple[Axes, Axes] | None = None) -> Figure:
    """Draw the loss of every step and the train/test accuracy of every epoch.

    Parameters
    ----------
    fit_result : result of :func:`slopes.fit`, or its ``history``
        The history must hold the loss per step (``history.loss``) and may
        hold ``train_accuracy`` / ``test_accuracy`` per epoch (``acc`` works too).
    ax : pair of matplotlib Axes, optional
        ``(loss_ax, accuracy_ax)`` to draw into; by default a new figure with
        two panels side by side.

    Returns
    -------
    matplotlib.figure.Figure
        Left panel: one line of the loss per step (log scale when it falls by
        more than a factor 100). Right panel: one line per accuracy curve,
        against the epoch number, with y from 0 to 1.

    Raises
    ------
    ValueError
        If the history has no loss per step, or ``ax`` is not a pair of Axes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> history = {"loss": [2.3, 1.1, 0.6, 0.4], "train_acc": [0.7, 0.9], "test_acc": [0.6, 0.85]}
    >>> fig = training({"history": history})
    >>> loss_ax, accuracy_ax = fig.axes
    >>> len(loss_ax.lines), [line.get_label() for line in accuracy_ax.lines]
    (1, ['train accuracy', 'test accuracy'])
    >>> plt.close(fig)
    """
    history = field(fit_result, "history")
    history = fit_result if history is None else history
    loss, metrics = training_series(history)
    if ax is None:
        import matplotlib.pyplot as plt

        fig, (loss_ax, metric_ax) = plt.subplots(1, 2, figsize=(10.0, 4.0), layout="constrained")
    else:
        try:
            loss_ax, metric_ax = ax
        except (TypeError, ValueError):
            raise ValueError("`ax` must be a pair of Axes (loss_ax, accuracy_ax)") from None
        fig = cast("Figure", loss_ax.figure)  # (a SubFigure's Axes give the SubFigure)

    steps = np.arange(1, len(loss) + 1)
    loss_ax.plot(steps, loss, color="C0", linewidth=1.0, label="minibatch loss")
    finite = loss[np.isfinite(loss) & (loss > 0)]
    if finite.size and finite.max() > 100 * finite.min():
        loss_ax.set_yscale("log")
    loss_ax.set(xlabel="step", ylabel="loss", title="Loss per step")
    loss_ax.grid(alpha=0.3)

    for index, (name, values) in enumerate(metrics.items()):
        epochs = np.arange(1, len(values) + 1)
        metric_ax.plot(epochs, values, marker="o", color=f"C{index + 1}", label=name)
    metric_ax.set(xlabel="epoch", ylabel="accuracy", title="Accuracy per epoch", ylim=(0.0, 1.02))
    if metrics:
        longest = max(len(values) for values in metrics.values())
        metric_ax.set_xlim(0.5, longest + 0.5)
        metric_ax.legend(loc="lower right")
    from matplotlib.ticker import MaxNLocator

    metric_ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    metric_ax.grid(alpha=0.3)
    return fig
