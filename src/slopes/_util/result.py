"""A result object: a dict with attribute access and a readable repr.

Every slopes function that returns more than a bare array (``full_output=True``
of the differentiation functions, ``check_grad``, ``minimize``, ``fit``)
returns a subclass of :class:`Result`, as scipy does with its rich results.
In Jupyter a result shows as a compact table of its values, errors and status
(``_repr_html_``, drawn by :mod:`slopes._util.display`).

Examples
--------
>>> res = Result(x=1.5, status="converged", nit=3)
>>> res.x, res["nit"]
(1.5, 3)
>>> res
Result(x=1.5, status='converged', nit=3)
>>> Result(value=np.float64(0.25), ok=np.True_)
Result(value=0.25, ok=True)
>>> res._repr_html_().startswith('<div class="slopes-result">')
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .display import result_html

__all__ = ["Result"]


class Result(dict):
    """A dict whose keys are also attributes; subclasses only add docs and helpers."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self))

    def __repr__(self) -> str:
        with np.printoptions(threshold=8, edgeitems=2, precision=8):
            body = ", ".join(f"{key}={_show(value)}" for key, value in self.items())
        return f"{type(self).__name__}({body})"

    def _repr_html_(self) -> str:
        """The result as a compact HTML table: how Jupyter shows it."""
        return result_html(self)

    # dicts pickle fine, but attribute access must survive a round trip too
    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))


def _show(value: Any) -> str:
    """repr of a value, with NumPy scalars shown as plain numbers (``1.5``, not
    ``np.float64(1.5)``)."""
    if isinstance(value, np.generic):
        return repr(value.item())
    return repr(value)
