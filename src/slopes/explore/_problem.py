"""Turn the ``function`` of a request into something to differentiate and descend.

A request names a test function of :mod:`slopes.functions` (``rosenbrock``) or
types an expression of :mod:`slopes.expr` (``x0**2/20 + x1**2``). Either way the
explorer gets a :class:`Problem`: the function on points, its analytic gradient
when known, how many coordinates a point has, and a window to draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import functions
from ..expr import Expression, ExpressionError, compile_expression

__all__ = ["ApiError", "Problem", "resolve"]

# a typed expression has no natural window: this one shows the chapter's bowls well
_DEFAULT_WINDOW = ((-5.0, 5.0), (-5.0, 5.0))
_DEFAULT_LINE = (-5.0, 5.0)


class ApiError(ValueError):
    """Bad input to the explorer's JSON API: answered with HTTP 400 and ``{"error": message}``.

    The message names the query parameter and what is wrong with it.

    Examples
    --------
    >>> import json, threading, urllib.error, urllib.request
    >>> from slopes.explore import make_server
    >>> server = make_server(port=0)
    >>> threading.Thread(target=server.serve_forever, daemon=True).start()
    >>> try:
    ...     urllib.request.urlopen(server.url + "api/minimize?function=sphere&start=1,2&lr=-1")
    ... except urllib.error.HTTPError as answer:
    ...     print(answer.code, json.load(answer)["error"])
    400 `lr` must be at least 1e-12, got -1
    >>> server.shutdown(); server.server_close()
    """


@dataclass(frozen=True)
class Problem:
    """A function of a request, ready for the library.

    Attributes
    ----------
    label : str
        The name of a test function, or the expression as typed.
    formula : str
        The formula in the expression language.
    f : callable
        ``f(points)`` with coordinates on the last axis (any leading axes), or
        elementwise when ``n_coords == 1`` and ``elementwise`` is True.
    grad : callable or None
        The analytic gradient of ``f`` when known.
    n_coords : int or None
        Coordinates of a point; None when any number ``>= min_coords`` works.
    min_coords : int
        Fewest coordinates of a point.
    elementwise : bool
        True for a function of one variable ``x`` applied to every element.
    window : tuple of (float, float)
        A window to draw: two ranges for functions of points, one for ``x``.
    minima : tuple of tuple of float
        Known minimisers in two dimensions (empty when unknown).
    """

    label: str
    formula: str
    f: Callable[[Any], Any]
    grad: Callable[[Any], Any] | None
    n_coords: int | None
    min_coords: int
    elementwise: bool
    window: tuple[tuple[float, float], ...]
    minima: tuple[tuple[float, ...], ...]

    def accepts(self, count: int) -> bool:
        """Whether a point with ``count`` coordinates suits the function."""
        if self.n_coords is not None:
            return count == self.n_coords
        return count >= self.min_coords

    @property
    def plane(self) -> bool:
        """Whether the function can be drawn over the plane (points of 2 coordinates)."""
        return not self.elementwise and self.accepts(2)


def _from_test_function(function: functions.TestFunction) -> Problem:
    if function.dim == 1:
        return Problem(
            function.name,
            function.expression,
            function,
            function.grad,
            1,
            1,
            True,
            function.domain,
            tuple((float(m.x),) for m in function.minima),
        )
    in_plane = function.dim == 2 or (function.dim is None and function.min_dim <= 2)
    minima = function.minima_at(2) if in_plane else ()
    return Problem(
        function.name,
        function.expression,
        function,
        function.grad,
        function.dim,
        function.min_dim,
        False,
        function.domain,
        tuple(tuple(float(v) for v in m.x) for m in minima),
    )


def _from_expression(expression: Expression) -> Problem:
    elementwise = expression.elementwise
    return Problem(
        expression.text,
        expression.text,
        expression,
        None,
        1 if elementwise else expression.n_vars,
        1,
        elementwise,
        (_DEFAULT_LINE,) if elementwise else _DEFAULT_WINDOW,
        (),
    )


def resolve(text: str) -> Problem:
    """The :class:`Problem` for a function name or an expression.

    Parameters
    ----------
    text : str
        A name from :func:`slopes.functions.names` or an expression.

    Returns
    -------
    Problem

    Raises
    ------
    ApiError
        For an empty text or an expression outside the language, with the
        expression language's own message.

    Examples
    --------
    >>> resolve("chapter6").formula
    'x0**2/20 + x1**2'
    >>> resolve("x0**2 + 3*x1").n_coords
    2
    >>> resolve("x0 + import")
    Traceback (most recent call last):
        ...
    slopes.explore._problem.ApiError: `function`: invalid syntax (column 6 of 'x0 + import')
    """
    if not text.strip():
        raise ApiError("`function` is empty: give a name like rosenbrock or an expression")
    name = text.strip().lower().replace("-", "_")
    if name in functions.names():
        return _from_test_function(functions.get(name))
    try:
        expression = compile_expression(text)
    except ExpressionError as error:
        raise ApiError(f"`function`: {error.oneline()}") from None
    return _from_expression(expression)
