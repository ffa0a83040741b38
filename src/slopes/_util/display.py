"""How a result looks: a compact summary as plain text and as HTML for Jupyter.

Every slopes result (``full_output=True`` of the differentiation functions,
``check_grad``, ``minimize``, ``fit``) is a mapping of named fields. This
module renders any such mapping the same way: a header with the result's type
and its verdict (status, success, message), then one row per field with a
short summary of its value -- numbers to 6 significant digits, arrays by a few
values with their shape and dtype, boolean arrays by how many are True, nested
results and pytrees by their fields' shapes. Nothing is computed from the
values beyond counting, and nothing is modified.

The result classes hook in with one line each::

    def _repr_html_(self) -> str:
        return result_html(self)

Examples
--------
>>> import numpy as np
>>> res = {"value": np.array([2.0, 4.0]), "error": np.array([1e-13, 3e-13]),
...        "nfev": 16, "success": np.array([True, True]),
...        "message": "converged: the error estimate is reliable"}
>>> print(result_text(res, name="DiffResult"))
DiffResult: converged: the error estimate is reliable
  value    [2., 4.]  (2,) float64
  error    [1.e-13, 3.e-13]  (2,) float64
  nfev     16
  success  2 of 2 True  (2,) bool
>>> result_html(res, name="DiffResult").startswith('<div class="slopes-result">')
True
"""

from __future__ import annotations

import html
import reprlib
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Row", "Verdict", "result_html", "result_text", "rows", "summarize", "verdict"]

# statuses that say the run did what was asked, and those that say it failed; others
# ("max_steps", "stalled", "stopped") are neither, and are shown without a colour
_GOOD_STATUSES = frozenset({"converged", "completed", "passed"})
_BAD_STATUSES = frozenset({"diverged", "failed", "error"})
_VERDICT_FIELDS = ("message",)  # shown in the header, not as a row
_PRINT_OPTIONS: dict[str, Any] = {
    "threshold": 6,
    "edgeitems": 2,
    "precision": 6,
    "floatmode": "maxprec",
    "separator": ", ",
    "max_line_width": 10**6,  # one line: the row's width is the reader's to wrap
}
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 100


class Verdict(NamedTuple):
    """What a result says about itself: ``ok`` (True, False, or None when it does not
    say), its ``status`` word and its ``message``, each None when absent."""

    ok: bool | None
    status: str | None
    message: str | None


class Row(NamedTuple):
    """One field of a result: its name, a short summary of its value, and the value's
    kind (shape and dtype of an array; empty for numbers, strings and flags)."""

    field: str
    summary: str
    kind: str


def verdict(result: Mapping[str, Any]) -> Verdict:
    """The result's verdict from its ``passed``, ``success``, ``status`` and ``message``.

    ``ok`` is ``passed`` or ``success`` (all of them, for an array of flags) when the
    result has one, else judged from a ``status`` word; None when it says nothing.

    Examples
    --------
    >>> verdict({"status": "diverged", "message": "try lr=0.05"})
    Verdict(ok=False, status='diverged', message='try lr=0.05')
    >>> verdict({"success": [True, False]}).ok
    False
    >>> verdict({"passed": False})
    Verdict(ok=False, status='failed', message=None)
    """
    status = result.get("status")
    status = status if isinstance(status, str) else None
    if status is None and isinstance(result.get("passed"), (bool, np.bool_)):
        status = "passed" if result["passed"] else "failed"
    message = result.get("message")
    message = str(message) if message is not None else None
    ok: bool | None = None
    for flag in ("passed", "success"):
        if flag in result and result[flag] is not None:
            ok = bool(np.all(np.asarray(result[flag], dtype=bool)))
            break
    else:
        if status in _GOOD_STATUSES:
            ok = True
        elif status in _BAD_STATUSES:
            ok = False
    return Verdict(ok, status, message)


def summarize(value: Any) -> Row:
    """A short summary of one value, as a :class:`Row` without its field name.

    Examples
    --------
    >>> summarize(np.arange(10.0)).summary
    '[0., 1., ..., 8., 9.]'
    >>> summarize(np.float64(0.1) + 0.2).summary
    '0.3'
    >>> summarize({"W": np.zeros((64, 50)), "b": np.zeros(50)}).summary
    'W: (64, 50), b: (50,)'
    >>> from types import MappingProxyType as record
    >>> summarize(record({"x": np.zeros((3, 2)), "f": [5.0, 1.25, 0.3125]})).summary
    'x: (3, 2), f: (3,) last 0.3125'
    """
    if value is None or isinstance(value, (bool, np.bool_)):
        return Row("", str(value if value is None else bool(value)), "")
    if isinstance(value, str):
        return Row("", value, "")
    if isinstance(value, (int, float, complex, np.number)):
        return Row("", _number(value), "")
    if isinstance(value, Mapping):
        # a plain dict is a pytree (parameters); another mapping is a record such as a
        # run's history, whose 1-D arrays are series: their last value is the news
        series = type(value) is not dict
        parts = [f"{key}: {_shape_of(item, series)}" for key, item in value.items()]
        return Row("", ", ".join(parts), "")
    if isinstance(value, np.ndarray) or _is_numeric_sequence(value):
        array = np.asarray(value)
        kind = f"{array.shape} {array.dtype}"
        if array.dtype == bool:
            return Row("", f"{int(np.count_nonzero(array))} of {array.size} True", kind)
        return Row("", np.array2string(array, **_PRINT_OPTIONS).replace("\n", ""), kind)
    if type(value) in (list, tuple) and not _is_numeric_tuple(value):
        return Row("", f"{type(value).__name__} of {len(value)}", "")
    return Row("", _SHORT.repr(value), "")  # an index tuple, a named tuple, an object


def rows(result: Mapping[str, Any]) -> list[Row]:
    """One :class:`Row` per field of ``result``, in its order, the message left out
    (the header shows it)."""
    return [
        Row(str(field), *summarize(value)[1:])
        for field, value in result.items()
        if field not in _VERDICT_FIELDS
    ]


def result_text(result: Mapping[str, Any], *, name: str | None = None) -> str:
    """A result as aligned plain text: a header line, then a line per field.

    Parameters
    ----------
    result : mapping
        Any slopes result (or any mapping of named values).
    name : str, optional
        The title; default the result's type name.

    Returns
    -------
    str
        ``"<name>: <message or status>"``, then ``"  field  summary  kind"`` lines.

    Examples
    --------
    >>> print(result_text({"status": "max_steps", "nit": 100, "fun": 1 / 3}, name="Run"))
    Run: max_steps
      status  max_steps
      nit     100
      fun     0.333333
    """
    title = name or type(result).__name__
    said = verdict(result)
    header = said.message or said.status
    lines = [f"{title}: {header}" if header else title]
    table = rows(result)
    width = max((len(row.field) for row in table), default=0)
    for row in table:
        line = f"  {row.field:<{width}}  {row.summary}"
        lines.append(f"{line}  {row.kind}" if row.kind else line)
    return "\n".join(lines)


def result_html(result: Mapping[str, Any], *, name: str | None = None) -> str:
    """A result as a compact HTML table, for Jupyter's ``_repr_html_``.

    The header names the result and its status, coloured green when the result
    says it succeeded and red when it failed; the message follows; then one row
    per field. Every text is HTML-escaped.

    Parameters
    ----------
    result : mapping
        Any slopes result (or any mapping of named values).
    name : str, optional
        The title; default the result's type name.

    Returns
    -------
    str
        One ``<div class="slopes-result">`` element.

    Examples
    --------
    >>> page = result_html({"status": "diverged", "message": "f grew: try lr < 0.5"})
    >>> "color:#b00020" in page and "lr &lt; 0.5" in page
    True
    """
    title = html.escape(name or type(result).__name__)
    said = verdict(result)
    colour = {True: "#1b7f3b", False: "#b00020", None: "inherit"}[said.ok]
    badge = said.status or {True: "success", False: "failure", None: ""}[said.ok]
    head = f"<b>{title}</b>"
    if badge:
        head += f' <span style="color:{colour};font-weight:bold">{html.escape(badge)}</span>'
    if said.message:
        head += f"<br><span>{html.escape(said.message)}</span>"
    cells = "".join(
        f'<tr><th style="text-align:left;padding-right:1em">{html.escape(row.field)}</th>'
        f'<td style="text-align:left"><code>{html.escape(row.summary)}</code></td>'
        f'<td style="text-align:left;color:#666">{html.escape(row.kind)}</td></tr>'
        for row in rows(result)
    )
    return (
        '<div class="slopes-result">'
        f'<div style="margin-bottom:0.3em">{head}</div>'
        f'<table style="border-collapse:collapse;font-size:90%">{cells}</table>'
        "</div>"
    )


def _number(value: Any) -> str:
    if isinstance(value, (complex, np.complexfloating)):
        return f"{complex(value):.6g}"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return str(int(value))


def _shape_of(value: Any, series: bool) -> str:
    """The shape of an array-like (and, for ``series``, the last value of a 1-D one: a
    history's latest loss or accuracy), the length of a list of non-numbers, or a number."""
    if isinstance(value, np.ndarray) or _is_numeric_sequence(value):
        array = np.asarray(value)
        if series and array.ndim == 1 and array.size and array.dtype.kind in "fiu":
            return f"{array.shape} last {_number(array[-1])}"
        return str(array.shape)
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of {len(value)}"
    if isinstance(value, Mapping):
        return f"{len(value)} fields"
    return summarize(value).summary


def _is_numeric_sequence(value: Any) -> bool:
    """A list of plain numbers (a history kept as a list); tuples are indices, shown as
    they are."""
    return (
        isinstance(value, list)
        and len(value) > 0
        and all(isinstance(item, (int, float, np.number, np.bool_)) for item in value)
    )


def _is_numeric_tuple(value: Any) -> bool:
    return isinstance(value, tuple) and all(isinstance(item, (int, np.integer)) for item in value)
