"""The commands ``slopes jvp`` and ``slopes taylor``: what the peers compute, on the command line.

``add_commands`` registers their arguments with the parser of :mod:`slopes.cli`;
each command reads its parsed arguments, calls the library and returns
``(payload, text)``: the dict printed by ``--json`` and the lines for people.

Examples
--------
>>> from slopes.cli import main
>>> main(["jvp", "x0**2 + x1**2", "--at", "3,4", "--dir", "1,1"])  # doctest: +ELLIPSIS
f(x) = x0**2 + x1**2
f(3, 4)     = 25
direction v = (1, 1)
J v         = 1... (error ~ ...)
0
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import numpy as np

from ._support import CLIError, number, parse_numbers, point_text, resolve_function, table

__all__ = ["add_commands", "jvp", "taylor"]

Output = tuple[dict[str, Any], str]


def add_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Register ``jvp`` and ``taylor`` through the cli's ``command(name, help)`` factory."""
    sub = command("jvp", "directional derivative J(x) v, at a cost independent of x's size")
    sub.add_argument("function", metavar="FUNCTION", help="expression or function name")
    sub.add_argument("--at", required=True, metavar="X", help="point, like 3,4")
    sub.add_argument("--dir", required=True, metavar="V", help="direction, like 1,-1")

    sub = command("taylor", "Taylor coefficients f^(k)(x)/k! of an analytic function")
    sub.add_argument("function", metavar="FUNCTION", help="expression in x, like 'exp(x)'")
    sub.add_argument("--at", required=True, metavar="X", help="the centre, one number")
    sub.add_argument("--order", type=int, default=6, help="highest order n (default 6)")


def jvp(args: argparse.Namespace) -> Output:
    import slopes

    objective = resolve_function(args.function)
    x = objective.point(parse_numbers(args.at, "--at"), "--at")
    v = parse_numbers(args.dir, "--dir")
    if len(v) != x.size:
        raise CLIError(f"`--dir` needs {x.size} numbers, like `--at`; got {len(v)}")
    direction = np.array(v, dtype=float)
    # the objective takes points with coordinates on the last axis: stacks work as they are
    res = slopes.jvp(objective.vector, x, direction, full_output=True, vectorized=True)
    fx = float(objective.vector(x))
    if not (np.isfinite(fx) and np.all(np.isfinite(res.value))):
        raise CLIError(f"f or its derivative is not finite at x = {point_text(x)}", code=1)
    payload = {
        "command": "jvp",
        "function": objective.label,
        "x": x,
        "v": direction,
        "f": fx,
        "jvp": res.value,
        "error": res.error,
        "nfev": res.nfev,
        "success": bool(res.success),
        "message": res.message,
    }
    value = number(res.value)
    if np.isfinite(res.error) and res.error > 0:
        value += f" (error ~ {float(res.error):.1e})"
    rows = [
        [f"f{point_text(x) if x.size > 1 else '(' + point_text(x) + ')'}", "=", number(fx)],
        ["direction v", "=", point_text(direction)],
        ["J v", "=", value],
    ]
    return payload, f"{objective.header}\n" + table(rows, gap=" ")


def taylor(args: argparse.Namespace) -> Output:
    import slopes

    objective = resolve_function(args.function)
    if objective.scalar is None:
        raise CLIError(
            f"`taylor` needs a function of one variable; {objective.label!r} has "
            f"{objective.n_coords or 'several'}"
        )
    if args.order < 0:
        raise CLIError(f"`--order` must be a non-negative integer, got {args.order}")
    at = parse_numbers(args.at, "--at")
    if len(at) != 1:
        raise CLIError(f"`--at` must be one number for `taylor`, got {len(at)}")
    x = at[0]
    res = slopes.taylor(objective.scalar, x, args.order, full_output=True, vectorized=True)
    if not np.all(np.isfinite(res.value)):
        raise CLIError(f"the coefficients are not finite at x = {number(x)}", code=1)
    payload = {
        "command": "taylor",
        "function": objective.label,
        "x": x,
        "order": args.order,
        "coefficients": res.value,
        "error": res.error,
        "radius": res.radius,
        "nfev": res.nfev,
        "success": bool(np.all(res.success)),
        "message": res.message,
    }
    rows = [["k", "f^(k)(x)/k!", "error"]]
    for k, (value, error) in enumerate(zip(res.value, res.error)):
        rows.append([str(k), number(value), f"{float(error):.1e}"])
    text = f"{objective.header}\nTaylor coefficients at x = {number(x)}:\n" + table(rows)
    return payload, text
