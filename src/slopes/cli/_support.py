"""Helpers of the command line: reading points and functions, writing numbers and JSON.

Nothing here imports more than NumPy and the expression language, so that
``slopes --help`` starts fast.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import functions
from ..expr import Expression, ExpressionError, compile_expression


class CLIError(Exception):
    """Bad input found by the command line: one line for stderr and an exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


# --- reading ---------------------------------------------------------------------------


def parse_numbers(text: str, option: str) -> list[float]:
    """``"3,4"`` -> ``[3.0, 4.0]``; blanks around commas are fine."""
    parts = [part.strip() for part in text.replace(";", ",").split(",")]
    values = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise CLIError(
                f"`{option}` must be numbers separated by commas, like 3,4; got {text!r}"
            ) from None
        if not math.isfinite(value):
            raise CLIError(f"`{option}` must be finite numbers, got {text!r}")
        values.append(value)
    return values


class _OnFirstCoordinate:
    """A function of one variable seen as a function of points with one coordinate."""

    def __init__(self, f: Callable[[Any], Any]) -> None:
        self.f = f

    def __call__(self, point: Any) -> Any:
        return self.f(np.asarray(point)[..., 0])

    def __repr__(self) -> str:
        return repr(self.f)


class _AsOneCoordinate:
    """A function of points with one coordinate seen as an elementwise function."""

    def __init__(self, f: Callable[[Any], Any]) -> None:
        self.f = f

    def __call__(self, t: Any) -> Any:
        return self.f(np.asarray(t)[..., None])

    def __repr__(self) -> str:
        return repr(self.f)


@dataclass(frozen=True)
class Objective:
    """A function named or typed on the command line, ready for the library.

    ``scalar`` is elementwise (for ``diff``; None for functions of several
    variables); ``vector`` takes points with coordinates on the last axis;
    ``grad`` is the analytic gradient of ``vector`` when known.
    """

    label: str
    vector: Callable[[Any], Any]
    scalar: Callable[[Any], Any] | None
    grad: Callable[[Any], Any] | None
    n_coords: int | None  # None: any number >= min_coords
    min_coords: int
    source: functions.TestFunction | Expression

    @property
    def header(self) -> str:
        """``f(x) = formula``, with the name of a named function."""
        if isinstance(self.source, Expression):
            return f"f(x) = {self.source.text}"
        return f"f(x) = {self.source.expression}  ({self.label})"

    def point(self, values: Sequence[float], option: str) -> np.ndarray:
        """Check the coordinate count of a point given as ``option``."""
        count = len(values)
        if self.n_coords is not None and count != self.n_coords:
            names = ", ".join(f"x{i}" for i in range(min(self.n_coords, 4)))
            names += ", ..." if self.n_coords > 4 else ""
            plural = "s" if self.n_coords != 1 else ""
            raise CLIError(
                f"`{option}` needs {self.n_coords} coordinate{plural} for {self.label!r} "
                f"({names}), got {count}"
            )
        if count < self.min_coords:
            raise CLIError(
                f"`{option}` needs at least {self.min_coords} coordinates for "
                f"{self.label!r}, got {count}"
            )
        return np.array(values, dtype=float)


def _from_test_function(function: functions.TestFunction) -> Objective:
    if function.dim == 1:
        return Objective(
            function.name,
            _OnFirstCoordinate(function),
            function,
            _OnFirstCoordinate(lambda t: function.grad(t)[..., None]),  # shape (..., 1)
            1,
            1,
            function,
        )
    return Objective(
        function.name, function, None, function.grad, function.dim, function.min_dim, function
    )


# an expression read from standard input longer than this is refused unread
MAX_STDIN_CHARS = 100_000


def read_function_text(text: str) -> str:
    """FUNCTION as typed, or, for ``-``, the expression on standard input (bounded)."""
    if text != "-":
        return text
    data = sys.stdin.read(MAX_STDIN_CHARS + 1)
    if len(data) > MAX_STDIN_CHARS:
        raise CLIError(f"FUNCTION `-`: standard input holds more than {MAX_STDIN_CHARS} characters")
    data = data.strip()
    if not data:
        raise CLIError("FUNCTION `-` reads an expression from standard input, which was empty")
    return data


def resolve_function(text: str) -> Objective:
    """An Objective from a named test function or an expression; CLIError otherwise.

    ``-`` reads the name or expression from standard input.
    """
    text = read_function_text(text)
    name = text.strip().lower().replace("-", "_")
    if name in functions.names():
        return _from_test_function(functions.get(name))
    try:
        expression = compile_expression(text)
    except ExpressionError as error:
        # ASCII only: "x\u00a0" is a bad character, not an unknown function "x"
        bare_word = text.isascii() and text.strip().replace("-", "_").replace("_", "a").isalnum()
        if bare_word and not text.strip()[0].isdigit():
            # a single unknown word is more likely a misspelt function name
            close = difflib.get_close_matches(name, functions.names(), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise CLIError(
                f"unknown function {text.strip()!r}{hint} (`slopes functions` lists them; "
                "or type an expression in x, like 'x**2')"
            ) from None
        raise CLIError(f"bad expression: {error.oneline()}") from None
    if expression.elementwise:
        return Objective(
            expression.text, _OnFirstCoordinate(expression), expression, None, 1, 1, expression
        )
    scalar = _AsOneCoordinate(expression) if expression.n_vars == 1 else None
    return Objective(expression.text, expression, scalar, None, expression.n_vars, 1, expression)


def check_output_file(path: str, option: str, suffixes: tuple[str, ...]) -> str:
    """Refuse early a figure path whose folder is missing or not writable."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CLIError(f"`{option}`: folder {folder!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise CLIError(f"`{option}`: cannot write to folder {folder!r}")
    if not path.lower().endswith(suffixes):
        raise CLIError(f"`{option}` must end in {' or '.join(suffixes)}, got {path!r}")
    return path


def check_output_folder(path: str, option: str) -> str:
    """Create an output folder if needed; refuse one that cannot be written."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        raise CLIError(f"`{option}`: cannot create folder {path!r}: {error.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise CLIError(f"`{option}`: cannot write to folder {path!r}")
    return path


# --- writing ---------------------------------------------------------------------------


def number(value: Any) -> str:
    """A float with full precision (shortest round-trip repr); whole numbers lose ".0"."""
    value = complex(value) if np.iscomplexobj(value) else float(value)
    if isinstance(value, complex):
        return repr(value)
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def point_text(values: Any) -> str:
    """``(3, 4)`` for a point; ``5`` for a single number."""
    flat = np.ravel(values)
    if flat.size == 1:
        return number(flat[0])
    return "(" + ", ".join(number(v) for v in flat) + ")"


def vector_text(values: Any) -> str:
    return "[" + ", ".join(number(v) for v in np.ravel(values)) + "]"


def table(rows: Sequence[Sequence[str]], gap: str = "  ") -> str:
    """Left-aligned columns."""
    columns = max(len(row) for row in rows)
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(columns)]
    lines = []
    for row in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append(gap.join(cells).rstrip())
    return "\n".join(lines)


def matrix_text(matrix: Any, indent: str = "  ") -> str:
    """Rows of a matrix with right-aligned columns at full precision."""
    cells = [[number(v) for v in row] for row in np.atleast_2d(matrix)]
    width = max(len(c) for row in cells for c in row)
    return "\n".join(indent + "  ".join(c.rjust(width) for c in row) for row in cells)


def jsonable(value: Any) -> Any:
    """Plain JSON types; non-finite floats become null (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (complex, np.complexfloating)):
        return {"real": jsonable(value.real), "imag": jsonable(value.imag)}
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return repr(value)


def dump_json(payload: dict[str, Any]) -> str:
    return json.dumps(jsonable(payload), indent=2, allow_nan=False)
