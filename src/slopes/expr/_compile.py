"""Checking and compiling the expression language (see :mod:`slopes.expr`).

The checks run in order, each before anything more expensive: the characters and
length of the text, Python's parser, the size and depth of the tree (walked
without recursion), then one recursive pass that refuses every node outside the
whitelist and emits a stack program, folding constant parts as it goes.
"""

from __future__ import annotations

import ast
import difflib
import math
import re
import unicodedata
from typing import Any

import numpy as np

from ._vocabulary import (
    BINARY,
    CONSTANTS,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    MAX_VARIABLES,
    NAMES_HINT,
    REFUSED_NODES,
    REFUSED_OPERATORS,
    UNARY,
    VARIABLE,
    ExpressionError,
    Op,
)


def run_program(program: tuple[Op, ...] | list[Op], inputs: list[Any]) -> Any:
    """Run a compiled stack program on the variables' values; return its one result."""
    stack: list[Any] = []
    # overflow and invalid values become inf/nan, which callers check
    with np.errstate(all="ignore"):
        for op in program:
            if op.kind == "const":
                stack.append(op.arg)
            elif op.kind == "var":
                stack.append(inputs[op.arg])
            elif op.kind == "unary":
                stack.append(op.arg(stack.pop()))
            else:
                args = stack[len(stack) - op.nargs :]
                del stack[len(stack) - op.nargs :]
                stack.append(op.arg(*args))
    (result,) = stack
    return result


class Compiler:
    def __init__(self, text: str, shift: int) -> None:
        self.text = text
        self.source = text[shift:]  # what ast parsed: the text without leading blanks
        self.shift = shift
        self.program: list[Op] = []
        self.indices: set[int] = set()
        self.bare_x: ast.AST | None = None
        self.indexed: ast.AST | None = None

    def fail(self, reason: str, node: ast.AST | int) -> ExpressionError:
        column = node if isinstance(node, int) else getattr(node, "col_offset", 0) + 1
        return ExpressionError(reason, self.text, column + self.shift)

    def operator_column(self, node: ast.BinOp, symbol: str) -> int:
        between = self.source[node.left.end_col_offset : node.right.col_offset]
        found = between.find(symbol)
        # end_col_offset is `int | None` in typeshed; a parsed node always has it
        return node.left.end_col_offset + found + 1 if found >= 0 else node.col_offset + 1  # type: ignore[operator]

    def emit(self, node: ast.AST) -> bool:
        """Compile ``node``; return True when it is a constant folded onto the program."""
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        reason = REFUSED_NODES.get(type(node), f"`{type(node).__name__}` is not allowed")
        if isinstance(node, ast.Attribute) and node.end_col_offset is not None:
            raise self.fail(reason, node.end_col_offset - len(node.attr))  # at the dot
        raise self.fail(reason, node)

    def constant(self, node: ast.Constant) -> bool:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.fail(f"`{value!r}` is not allowed; only numbers are", node)
        if isinstance(value, complex):
            raise self.fail("complex literals are not allowed (complex input is fine)", node)
        if isinstance(value, (str, bytes)):
            raise self.fail("strings are not allowed", node)
        if not isinstance(value, (int, float)):  # pragma: no cover - no other literals exist
            raise self.fail("only numbers are allowed", node)
        try:
            number = float(value)
        except OverflowError:
            raise self.fail("number too large", node) from None
        if not math.isfinite(number):
            raise self.fail("number too large", node)
        self.program.append(Op("const", number))
        return True

    def name(self, node: ast.Name) -> bool:
        identifier = node.id
        if identifier in CONSTANTS:
            self.program.append(Op("const", CONSTANTS[identifier]))
            return True
        if identifier == "x":
            self.bare_x = self.bare_x or node
            self.check_mixing(node)
            self.program.append(Op("var", 0))
            return False
        match = VARIABLE.fullmatch(identifier)
        if match:
            return self.coordinate(int(match.group(1)), node)
        if identifier in FUNCTIONS:
            raise self.fail(f"`{identifier}` is a function; call it, like {identifier}(x)", node)
        if re.fullmatch(r"x0[0-9]+", identifier):
            raise self.fail(f"`{identifier}`: write coordinates without leading zeros", node)
        raise self.fail(f"`{identifier}` is not an allowed name; {NAMES_HINT}", node)

    @staticmethod
    def suggest(word: str, choices: list[str]) -> str:
        close = difflib.get_close_matches(word, choices, n=1)
        return f"; did you mean `{close[0]}`?" if close else ""

    def coordinate(self, index: int, node: ast.AST) -> bool:
        if index >= MAX_VARIABLES:
            raise self.fail(f"at most {MAX_VARIABLES} coordinates (x0 ... x999) are allowed", node)
        self.indexed = self.indexed or node
        self.check_mixing(node)
        self.indices.add(index)
        self.program.append(Op("var", index))
        return False

    def check_mixing(self, node: ast.AST) -> None:
        if self.bare_x is not None and self.indexed is not None:
            raise self.fail("use either x or x0, x1, ... (or x[0], x[1], ...), not both", node)

    def subscript(self, node: ast.Subscript) -> bool:
        index = node.slice
        if not (isinstance(node.value, ast.Name) and node.value.id == "x"):
            raise self.fail("only x can be indexed, like x[0]", node)
        if isinstance(index, ast.Slice):
            raise self.fail(REFUSED_NODES[ast.Slice], node)
        if not (
            isinstance(index, ast.Constant)
            and isinstance(index.value, int)
            and not isinstance(index.value, bool)
        ):
            raise self.fail("the index of x must be a whole number >= 0, like x[0]", index)
        return self.coordinate(index.value, node)

    def binary(self, node: ast.BinOp) -> bool:
        if type(node.op) in REFUSED_OPERATORS:
            symbol, reason = REFUSED_OPERATORS[type(node.op)]
            raise self.fail(reason, self.operator_column(node, symbol))
        function, symbol = BINARY[type(node.op)]
        start = len(self.program)
        constant = self.emit(node.left) & self.emit(node.right)
        return self.finish(node, Op("binary", function, 2), start, constant)

    def unary(self, node: ast.UnaryOp) -> bool:
        if type(node.op) not in UNARY:
            symbol = "not" if isinstance(node.op, ast.Not) else "~"
            raise self.fail(f"`{symbol}` is not allowed", node)
        start = len(self.program)
        constant = self.emit(node.operand)
        return self.finish(node, Op("unary", UNARY[type(node.op)]), start, constant)

    def call(self, node: ast.Call) -> bool:
        if not isinstance(node.func, ast.Name):
            self.emit(node.func)  # refuses a lambda or an attribute where it is
            raise self.fail("only named functions can be called, like sin(x)", node)
        name = node.func.id
        if name not in FUNCTIONS:
            hint = self.suggest(name, sorted(FUNCTIONS))
            if not hint:
                hint = "; allowed: " + ", ".join(sorted(FUNCTIONS))
            raise self.fail(f"`{name}` is not an allowed function{hint}", node)
        if node.keywords:
            raise self.fail("keyword arguments are not allowed", node.keywords[0])
        function, nargs = FUNCTIONS[name]
        if len(node.args) != nargs:
            plural = "s" if nargs > 1 else ""
            raise self.fail(f"`{name}` takes {nargs} argument{plural}, got {len(node.args)}", node)
        start = len(self.program)
        constant = True
        for argument in node.args:
            constant = self.emit(argument) & constant
        return self.finish(node, Op("call", function, nargs), start, constant)

    def finish(self, node: ast.AST, op: Op, start: int, constant: bool) -> bool:
        self.program.append(op)
        if not constant:
            return False
        # fold the constant part now, in floating point: 9**9**9 becomes inf and is
        # refused here, before any evaluation, instead of building a huge integer
        value = float(np.real(run_program(self.program[start:], [])))
        if math.isnan(value):
            raise self.fail("this constant part is undefined (nan), like 0/0 or log(-1)", node)
        if math.isinf(value):
            raise self.fail(
                "this constant part is infinite (an overflow, like 9**9**9, or a division by zero)",
                node,
            )
        del self.program[start:]
        self.program.append(Op("const", value))
        return True


def check_text(text: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"`text` must be a str, got {type(text).__name__}")
    if not text.strip():
        raise ExpressionError("the expression is empty", text, 1)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is too long ({len(text)} characters, at most {MAX_LENGTH})",
            text,
            MAX_LENGTH + 1,
        )
    for index, char in enumerate(text):
        # ASCII only: keeps columns exact (ast counts bytes) and rules out look-alike letters
        if not (" " <= char <= "~"):
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            advice = "; type a plain space" if char.isspace() else ""
            raise ExpressionError(
                f"character {char!r} ({name}) is not allowed: expressions are plain ASCII{advice}",
                text,
                index + 1,
            )
        if char in "#\\":
            raise ExpressionError(f"character {char!r} is not allowed", text, index + 1)


def check_size(tree: ast.AST, text: str, shift: int) -> None:
    # iterative walk: the size limits must hold before any recursive pass runs
    count = 0
    pending: list[tuple[ast.AST, int]] = [(tree, 0)]
    while pending:
        node, depth = pending.pop()
        count += isinstance(node, ast.expr)  # operators and contexts are not counted
        if count > MAX_NODES:
            raise ExpressionError(
                f"the expression is too large (over {MAX_NODES} numbers, names and operations)",
                text,
                1,
            )
        if depth > MAX_DEPTH:
            column = getattr(node, "col_offset", 0) + 1 + shift
            raise ExpressionError(
                f"the expression is nested too deeply (more than {MAX_DEPTH} levels)",
                text,
                column,
            )
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
