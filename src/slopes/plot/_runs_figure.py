"""The figure :func:`slopes.plot.learning_rates` draws on, with its deprecated
``slopes_results`` attribute.

Before ``learning_rates(..., full_output=True)`` returned the runs beside the
figure, they were reachable only as ``fig.slopes_results``. That attribute
still answers for one release, with a DeprecationWarning: a
:class:`matplotlib.figure.Figure` subclass (matplotlib's own ``FigureClass``
hook) whose property warns. This module imports matplotlib, so it is imported
only when a figure is drawn.
"""

from __future__ import annotations

import warnings
from typing import Any

from matplotlib.figure import Figure

from .._util.warnings import SlopesDeprecationWarning

__all__ = ["RunsFigure"]


class RunsFigure(Figure):
    """A Figure that also holds the :func:`slopes.minimize` runs behind its panels."""

    runs: list[Any] | None = None

    @property
    def slopes_results(self) -> list[Any] | None:
        """The runs behind the panels (deprecated: use ``full_output=True``)."""
        warnings.warn(
            "fig.slopes_results is deprecated and goes in the next release: call "
            "slopes.plot.learning_rates(..., full_output=True), which returns "
            "(figure, results)",
            SlopesDeprecationWarning,
            stacklevel=2,
        )
        return self.runs
