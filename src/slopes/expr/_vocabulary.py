"""The vocabulary of the expression language: functions, constants and operators.

Kept apart from :mod:`slopes.expr` so that the whitelist can be read in one place.
Every function here accepts complex input, so that the complex-step method works
on compiled expressions.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

#: Longest accepted expression, in characters.
MAX_LENGTH = 2000
#: Most AST nodes in one expression.
MAX_NODES = 1000
#: Deepest nesting of AST nodes (a sum of 300 terms nests 300 deep).
MAX_DEPTH = 400
#: Most coordinates an expression may use (``x0`` ... ``x999``).
MAX_VARIABLES = 1000


class ExpressionError(ValueError):
    """An expression that is not in the language, with the column of the problem.

    It is a :class:`ValueError`; its message shows the expression with a caret
    under the column.

    Parameters
    ----------
    reason : str
        What is wrong, in one line.
    expression : str
        The text that was refused.
    column : int
        1-based column of the offending part of ``expression`` (clipped to
        the text).

    Attributes
    ----------
    reason : str
        What is wrong, in one line.
    column : int
        1-based column of the offending part of ``expression``.
    expression : str
        The text that was refused.

    Examples
    --------
    >>> from slopes.expr import ExpressionError, compile_expression
    >>> try:
    ...     compile_expression("2 * x.real")
    ... except ExpressionError as error:
    ...     print(error.column, error.reason)
    ...     print(error.oneline())
    6 attribute access (`.`) is not allowed
    attribute access (`.`) is not allowed (column 6 of '2 * x.real')
    """

    def __init__(self, reason: str, expression: str, column: int) -> None:
        self.reason = reason
        self.expression = expression
        self.column = max(1, min(int(column), len(expression) + 1))
        super().__init__(self._message())

    def _message(self) -> str:
        text, caret = _window(self.expression, self.column - 1)
        return f"{self.reason} (column {self.column})\n    {text}\n    {caret}^"

    def oneline(self) -> str:
        """The reason and the column, on one line (for the command line)."""
        return f"{self.reason} (column {self.column} of {self.expression[:60]!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.expression, self.column))


# users meet it as slopes.expr.ExpressionError (tracebacks, docs, pickling)
ExpressionError.__module__ = "slopes.expr"


def _window(text: str, index: int, width: int = 70) -> tuple[str, str]:
    """A slice of a long expression around ``index``, and the caret padding."""
    start = max(0, min(index - width // 2, len(text) - width))
    # blanks for characters that would break the line or the caret's alignment
    shown = "".join(c if " " <= c <= "~" else " " for c in text[start : start + width])
    return shown, " " * (index - start)


# -----------------------------------------------------------------------


def _real_abs(z: Any) -> Any:
    # |z| for real input; for complex input the analytic continuation of |x|
    # (z or -z by the sign of the real part), so that the complex-step
    # derivative of abs(x) is sign(x) instead of 0.
    if np.iscomplexobj(z):
        return np.where(np.real(z) < 0, -z, z)
    return np.abs(z)


def _pick(take_first: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def choose(a: Any, b: Any) -> Any:
        # compare real parts so that complex-step input keeps its imaginary part
        return np.where(take_first(np.real(a), np.real(b)), a, b)

    return choose


def _sigmoid(z: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-z))


#: name -> (NumPy implementation, number of arguments). All accept complex input.
FUNCTIONS: dict[str, tuple[Callable[..., Any], int]] = {
    "sin": (np.sin, 1),
    "cos": (np.cos, 1),
    "tan": (np.tan, 1),
    "arcsin": (np.arcsin, 1),
    "arccos": (np.arccos, 1),
    "arctan": (np.arctan, 1),
    "asin": (np.arcsin, 1),
    "acos": (np.arccos, 1),
    "atan": (np.arctan, 1),
    "sinh": (np.sinh, 1),
    "cosh": (np.cosh, 1),
    "tanh": (np.tanh, 1),
    "arcsinh": (np.arcsinh, 1),
    "arccosh": (np.arccosh, 1),
    "arctanh": (np.arctanh, 1),
    "asinh": (np.arcsinh, 1),
    "acosh": (np.arccosh, 1),
    "atanh": (np.arctanh, 1),
    "exp": (np.exp, 1),
    "exp2": (np.exp2, 1),
    "expm1": (np.expm1, 1),
    "log": (np.log, 1),
    "ln": (np.log, 1),
    "log2": (np.log2, 1),
    "log10": (np.log10, 1),
    "log1p": (np.log1p, 1),
    "sqrt": (np.sqrt, 1),
    "square": (np.square, 1),
    "abs": (_real_abs, 1),
    "sigmoid": (_sigmoid, 1),
    "maximum": (_pick(np.greater_equal), 2),
    "minimum": (_pick(np.less_equal), 2),
    "max": (_pick(np.greater_equal), 2),
    "min": (_pick(np.less_equal), 2),
}

#: The named constants.
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "tau": math.tau}

BINARY: dict[type, tuple[Callable[[Any, Any], Any], str]] = {
    ast.Add: (np.add, "+"),
    ast.Sub: (np.subtract, "-"),
    ast.Mult: (np.multiply, "*"),
    ast.Div: (np.true_divide, "/"),
    ast.Pow: (np.power, "**"),
}
UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: np.negative, ast.UAdd: np.positive}

# operators outside the language, with a hint where a learner is likely to want something else
REFUSED_OPERATORS: dict[type, tuple[str, str]] = {
    ast.BitXor: ("^", "`^` is not allowed; write ** for powers"),
    ast.Mod: ("%", "`%` is not allowed"),
    ast.FloorDiv: ("//", "`//` is not allowed; write / for division"),
    ast.MatMult: ("@", "`@` is not allowed"),
    ast.LShift: ("<<", "`<<` is not allowed"),
    ast.RShift: (">>", "`>>` is not allowed"),
    ast.BitAnd: ("&", "`&` is not allowed"),
    ast.BitOr: ("|", "`|` is not allowed"),
}

REFUSED_NODES: dict[type, str] = {
    ast.Attribute: "attribute access (`.`) is not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.IfExp: "conditional expressions (`if`/`else`) are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "`and`/`or` are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "generator expressions are not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples are not allowed",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.NamedExpr: "assignment expressions (`:=`) are not allowed",
    ast.Starred: "starred arguments (`*`) are not allowed",
    ast.Slice: "slices are not allowed; index x with one whole number, like x[0]",
    ast.Await: "`await` is not allowed",
    ast.Yield: "`yield` is not allowed",
    ast.YieldFrom: "`yield` is not allowed",
}

VARIABLE = re.compile(r"x(0|[1-9][0-9]*)")
NAMES_HINT = "use x or x0, x1, ..., the constants pi, e, tau, or a function such as sin(x)"


class Op(NamedTuple):
    kind: str  # "const", "var", "unary", "binary", "call"
    arg: Any  # the value, the variable index, or the NumPy function
    nargs: int = 0
