"""The code of :mod:`slopes.expr`, which re-exports its public names. The safe expression language
of the command line.
"""

from __future__ import annotations

import ast
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ._compile import Compiler, check_size, check_text, run_program
from ._vocabulary import (
    ExpressionError,
    Op,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = ["Expression", "compile_expression"]


class Expression:
    """A compiled expression: a vectorized NumPy function of ``x``.

    Build one with :func:`compile_expression`; the constructor takes the
    compiler's output.

    Parameters
    ----------
    text : str
        The expression as typed.
    program : tuple of Op
        The checked stack program that evaluates it (built by the compiler).
    variables : tuple of str
        The variables it uses (see below).
    n_vars : int
        Number of coordinates a point needs (see below).

    Attributes
    ----------
    text : str
        The expression as typed.
    variables : tuple of str
        The variables it uses: ``('x',)``, or coordinates like ``('x0', 'x2')``,
        or ``()`` for a constant.
    n_vars : int
        Number of coordinates a point needs: 1 for ``x`` (and for a constant),
        ``max index + 1`` for ``x0, x1, ...``.
    elementwise : bool
        True when the expression uses ``x`` (or no variable): it is then
        applied to every element of its input, like a NumPy ufunc. False when
        it uses coordinates: the input's last axis holds them.

    Examples
    --------
    >>> f = compile_expression("x0 * exp(x1)")
    >>> f, f.variables, f.n_vars, f.elementwise
    (Expression('x0 * exp(x1)'), ('x0', 'x1'), 2, False)
    >>> f([[2.0, 0.0], [1.0, 1.0]])   # one point per row
    array([2.        , 2.71828183])
    >>> compile_expression("x**2").elementwise
    True
    """

    def __init__(
        self, text: str, program: tuple[Op, ...], variables: tuple[str, ...], n_vars: int
    ) -> None:
        self.text = text
        self._program = program
        self.variables = variables
        self.n_vars = n_vars
        self.elementwise = not variables or variables == ("x",)

    def __call__(self, x: ArrayLike) -> np.inexact[Any] | NDArray[np.inexact[Any]]:
        """Evaluate at ``x``.

        Parameters
        ----------
        x : float, complex or array_like
            Elementwise expressions accept any shape and return that shape.
            Coordinate expressions need ``x.shape[-1] == n_vars`` (a scalar is
            accepted when ``n_vars == 1``) and return ``x.shape[:-1]``.

        Returns
        -------
        numpy scalar or ndarray
            Real for real input, complex for complex input.
        """
        point = np.asarray(x)
        if point.dtype.kind not in "biufc":
            raise TypeError(f"`x` must be numeric, got dtype {point.dtype}")
        if point.dtype.kind != "c":
            point = point.astype(float)
        if self.elementwise:
            inputs: list[Any] = [point]
            shape = point.shape
        else:
            if point.ndim == 0 and self.n_vars == 1:
                point = point[None]
            if point.ndim == 0 or point.shape[-1] != self.n_vars:
                names = ", ".join(f"x{i}" for i in range(min(self.n_vars, 4)))
                more = ", ..." if self.n_vars > 4 else ""
                raise ValueError(
                    f"`x` must have {self.n_vars} coordinate(s) ({names}{more}) on its last "
                    f"axis, got shape {point.shape}"
                )
            inputs = [point[..., i] for i in range(self.n_vars)]
            shape = point.shape[:-1]
        result = run_program(self._program, inputs)
        result = np.asarray(result)
        if result.shape != shape or result.dtype != point.dtype:
            # a constant, or a variable-free part: give it the input's shape and kind
            result = result + np.zeros(shape, dtype=point.dtype)
        return result[()]

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuild from the text, so compiled expressions can travel to worker processes
        return (compile_expression, (self.text,))


def _syntax_error(error: SyntaxError, text: str, shift: int) -> ExpressionError:
    message = (error.msg or "invalid syntax").split(" (")[0]
    message = "invalid syntax" + ("" if message == "invalid syntax" else f": {message}")
    if "decimal literal" in message:
        message += "; put * between a number and a name, like 2*x"
    if not error.offset:  # the parser ran out of input
        return ExpressionError("the expression ends too early", text, len(text.rstrip()) + 1)
    return ExpressionError(message, text, error.offset + shift)


def compile_expression(text: str) -> Expression:
    """Parse, check and compile an expression into a vectorized NumPy function.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"0.01*x**2 + 0.1*x"`` or ``"sin(x0) * x[1]"``.

    Returns
    -------
    Expression
        Callable on scalars, arrays and complex input (see :class:`Expression`).

    Raises
    ------
    ExpressionError
        When the text is not in the language, is too large, or has a constant part
        that is not a finite number. The message points at the column.

    Examples
    --------
    >>> f = compile_expression("abs(x) + sqrt(x**2 + 1)")
    >>> f([-1.0, 0.0, 3.0])
    array([2.41421356, 1.        , 6.16227766])
    >>> complex(compile_expression("x**3")(2 + 1e-20j)).imag / 1e-20   # complex step
    12.0
    >>> compile_expression("x.real")
    Traceback (most recent call last):
        ...
    slopes.expr.ExpressionError: attribute access (`.`) is not allowed (column 2)
        x.real
         ^
    """
    check_text(text)
    # ast refuses leading blanks ("unexpected indent"): parse without them, shift columns
    source = text.lstrip()
    shift = len(text) - len(source)
    try:
        with warnings.catch_warnings():
            # e.g. "1if x else 2" warns before it is refused; the refusal is enough
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise _syntax_error(error, text, shift) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("the expression is nested too deeply", text, 1) from None
    check_size(tree, text, shift)
    compiler = Compiler(text, shift)
    compiler.emit(tree.body)
    if compiler.bare_x is not None:
        variables: tuple[str, ...] = ("x",)
        n_vars = 1
    elif compiler.indices:
        n_vars = max(compiler.indices) + 1
        variables = tuple(f"x{i}" for i in sorted(compiler.indices))
    else:
        variables, n_vars = (), 1
    return Expression(text, tuple(compiler.program), variables, n_vars)
