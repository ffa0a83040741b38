"""Result objects and their one vocabulary of statuses.

Every slopes function that returns more than a bare array (``full_output=True``
of the differentiation functions, ``check_grad``, ``minimize``, ``fit``)
returns a subclass of :class:`Result`, as scipy does with its rich results.
In Jupyter a result shows as a compact table of its values, errors and status
(``_repr_html_``, drawn by :mod:`slopes._util.display`).

Every result says how it ended in the same words: a
:class:`~slopes._util.status.Status` (an ``IntEnum``, public as ``slopes.Status``)
shared by the differentiation functions (per element, as an array of its
integer codes), ``minimize`` and ``fit`` (one member); and ``success`` is
True exactly where the status is one of the non-negative codes (and, for a
fixed step, where the value is finite).
A field renamed in a release keeps answering to its old name for one more
release, with a DeprecationWarning (:attr:`Result._renamed`).

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

import warnings
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from .display import result_html
from .warnings import SlopesDeprecationWarning

__all__ = ["Result"]

_ABSENT = object()  # a marker: "no such key", where None is a value


class Result(dict):
    """A dict whose keys are also attributes; subclasses only add docs and helpers.

    A subclass lists the fields it renamed in ``_renamed`` (old name -> new
    name): reading an old name gives the new field's value with a
    DeprecationWarning, for one release.
    """

    _renamed: ClassVar[Mapping[str, str]] = {}

    # each way in reads an old name itself, so that the warning names the caller's
    # line: _old_name, then the method, then the caller (stacklevel 3)

    def __getattr__(self, name: str) -> Any:
        value = dict.get(self, name, _ABSENT)  # dict.get never calls __missing__
        if value is not _ABSENT:
            return value
        if self._is_old_name(name):
            return self._old_name(name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __missing__(self, key: Any) -> Any:
        if self._is_old_name(key):
            return self._old_name(key)
        raise KeyError(key)

    def get(self, key: Any, default: Any = None) -> Any:
        """``self[key]`` (renamed fields included), or ``default`` when absent."""
        value = dict.get(self, key, _ABSENT)
        if value is not _ABSENT:
            return value
        return self._old_name(key) if self._is_old_name(key) else default

    def _is_old_name(self, key: Any) -> bool:
        return isinstance(key, str) and key in self._renamed and self._renamed[key] in self

    def _old_name(self, name: str) -> Any:
        new = self._renamed[name]
        warnings.warn(
            f"the field {name!r} of {type(self).__name__} is renamed {new!r}; the old "
            "name stops working in the next release",
            SlopesDeprecationWarning,
            stacklevel=3,
        )
        return dict.__getitem__(self, new)

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
