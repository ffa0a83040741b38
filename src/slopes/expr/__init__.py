"""The safe expression language of the command line.

``slopes diff "0.01*x**2 + 0.1*x" --at 5`` needs to turn text typed by a user
into a function, without ever running that text as Python. This module parses
the text with :mod:`ast`, checks every node of the tree against a short
whitelist, and compiles what passes into a small stack program of NumPy
operations. The user's string is never given to ``eval`` or ``exec``.

The language
------------
- numbers (``3``, ``2.5``, ``1e-4``; integers are evaluated as floats, so
  ``**`` never builds Python big integers), and the constants ``pi``, ``e``
  and ``tau``;
- the variable ``x`` (a function of one variable, applied elementwise), or
  the coordinates ``x0, x1, ...`` (also written ``x[0], x[1], ...``) of a
  point whose coordinates lie on the last axis of the input;
- ``+ - * / **``, unary ``-`` and ``+``, parentheses;
- calls of the functions in :data:`FUNCTIONS` (``sin``, ``exp``, ``log``,
  ``sqrt``, ``abs``, ``tanh``, ...) with the right number of arguments.

Anything else (attributes, other names, lambdas, comprehensions, strings,
comparisons, keyword arguments, ...) raises :class:`ExpressionError`, whose
message names the problem and points at its column. Inputs that could hang
or exhaust memory are refused before anything is evaluated: the text length,
the number of nodes and the nesting depth are bounded, and every constant
part of the expression (``9**9**9``) is folded at compile time in floating
point and must come out finite.

Examples
--------
>>> f = compile_expression("0.01*x**2 + 0.1*x")
>>> f
Expression('0.01*x**2 + 0.1*x')
>>> float(f(5.0))
0.75
>>> g = compile_expression("x0**2 + x1**2")
>>> g.variables, g.n_vars
(('x0', 'x1'), 2)
>>> g([[3.0, 4.0], [1.0, 2.0]])
array([25.,  5.])
>>> compile_expression("__import__('os').system('ls')")
Traceback (most recent call last):
    ...
slopes.expr.ExpressionError: attribute access (`.`) is not allowed (column 17)
    __import__('os').system('ls')
                    ^
"""

from ._language import Expression, compile_expression
from ._vocabulary import (
    CONSTANTS,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    MAX_VARIABLES,
    ExpressionError,
)

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "MAX_VARIABLES",
    "Expression",
    "ExpressionError",
    "compile_expression",
]
