"""The commands of ``slopes``: each reads its parsed arguments and calls the library.

Every command returns ``(payload, text)``: the dict printed by ``--json`` and the
lines printed for people. The library is imported inside the commands, so
that ``slopes --help`` does not pay for it.
"""

from __future__ import annotations

import argparse
import io
import math
import sys
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ._support import (
    CLIError,
    Objective,
    check_output_file,
    check_output_folder,
    matrix_text,
    number,
    parse_numbers,
    point_text,
    resolve_function,
    table,
    vector_text,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Output = tuple[dict[str, Any], str]


def _unpack(res: Any) -> tuple[Any, Any, Any]:
    """(value, error estimate, evaluations) from a full_output result or a bare array."""
    if isinstance(res, dict):
        return res.get("value"), res.get("error"), res.get("nfev")
    return res, None, None


def _reliability(res: Any) -> dict[str, Any]:
    """``success`` and ``message`` of a full_output result, for the payload.

    A value whose error estimate the engine does not trust (``sqrt`` at 0, a
    noisy f) must not be printed like a good one: :func:`slopes.cli.main`
    adds a warning and exits with 1 when ``success`` is False.
    """
    if not isinstance(res, dict) or "success" not in res:
        return {}
    return {"success": bool(np.all(res["success"])), "message": str(res.get("message", ""))}


def _require_finite(value: Any, what: str, where: str, f_values: Any = None) -> None:
    """Refuse a non-finite answer, saying whether f overflowed or is undefined there.

    ``f_values`` is f at the point(s), when known: an infinite f is an
    overflow (``exp(x)`` at 1000), a NaN f is a point outside f's domain.
    """
    if np.all(np.isfinite(value)):
        return
    if f_values is not None:
        with np.errstate(all="ignore"):
            f_values = np.asarray(f_values, dtype=float)
        if np.any(np.isinf(f_values)) and what == "f":
            raise CLIError(f"f overflowed at {where}: f = inf, beyond about 1.8e308", code=1)
        if np.any(np.isinf(f_values)):
            raise CLIError(
                f"f overflowed at {where} (f = inf, beyond the largest float, about 1.8e308), "
                f"so {what} cannot be computed there",
                code=1,
            )
        if np.any(np.isnan(f_values)):
            raise CLIError(f"f is not defined at {where}, so neither is {what}", code=1)
    if np.any(np.isinf(value)):
        raise CLIError(f"{what} overflowed at {where} (it is beyond about 1.8e308)", code=1)
    raise CLIError(f"{what} is not finite at {where}: is f defined around there?", code=1)


def _f_at(function: Any, x: Any) -> Any:
    """f at x for a message, or None when f cannot even be evaluated there."""
    try:
        with np.errstate(all="ignore"):
            return function(x)
    except Exception:
        return None


def _differentiation_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {"method": args.method, "order": args.order}
    if args.step is not None:
        if not (args.step > 0 and math.isfinite(args.step)):
            raise CLIError(f"`--step` must be a positive number, got {args.step}")
        options["step"] = args.step
    return options


def _prime(n: int) -> str:
    return "'" * n if n <= 3 else f"^({n})"


def diff(args: argparse.Namespace) -> Output:
    import slopes

    objective = resolve_function(args.function)
    if objective.scalar is None:
        raise CLIError(
            f"`diff` needs a function of one variable; {objective.label!r} has "
            f"{objective.n_coords or 'several'} (use `slopes grad`)"
        )
    if args.n < 1:
        raise CLIError(f"`--n` must be a positive integer, got {args.n}")
    points = parse_numbers(args.at, "--at")
    x = np.array(points) if len(points) > 1 else np.array(points[0])
    res = slopes.derivative(
        objective.scalar, x, n=args.n, full_output=True, **_differentiation_options(args)
    )
    value, error, nfev = _unpack(res)
    where = f"x = {point_text(x)}"
    _require_finite(value, "the derivative", where, _f_at(objective.scalar, x))
    mark = _prime(args.n)
    payload = {
        "command": "diff",
        "function": objective.label,
        "n": args.n,
        "method": args.method,
        "order": args.order,
        "step": args.step,
        "x": x,
        "value": value,
        "error": error,
        "nfev": nfev,
        **_reliability(res),
    }
    values, errors = np.ravel(value), None if error is None else np.ravel(error)
    trusted = np.broadcast_to(np.asarray(res.get("success", True)), values.shape)
    rows = []
    for i, xi in enumerate(np.ravel(x)):
        if not trusted[i]:
            # a pole, a kink or noise: the estimate stays in --json, people get the verdict
            rows.append(
                [
                    f"f{mark}({number(xi)})",
                    "=",
                    "?",
                    "(no reliable derivative here; --json has the estimate)",
                ]
            )
            continue
        row = [f"f{mark}({number(xi)})", "=", number(values[i])]
        if errors is not None and np.isfinite(errors[i]):
            row.append(f"(error ~ {float(errors[i]):.1e})")
        rows.append(row)
    text = f"{objective.header}\n" + table(rows, gap=" ")
    return payload, text


def _vector_point(objective: Objective, args: argparse.Namespace) -> np.ndarray:
    return objective.point(parse_numbers(args.at, "--at"), "--at")


def grad(args: argparse.Namespace) -> Output:
    import slopes

    objective = resolve_function(args.function)
    x = _vector_point(objective, args)
    res = slopes.gradient(objective.vector, x, full_output=True, **_differentiation_options(args))
    value, error, nfev = _unpack(res)
    where = f"x = {point_text(x)}" if x.size <= 8 else f"the given point ({x.size} coordinates)"
    with np.errstate(all="ignore"):
        fx = float(objective.vector(x))
    _require_finite(fx, "f", where, fx)
    _require_finite(value, "the gradient", where, fx)
    payload = {
        "command": "grad",
        "function": objective.label,
        "method": args.method,
        "x": x,
        "f": fx,
        "gradient": value,
        "error": error,
        "nfev": nfev,
        **_reliability(res),
    }
    if objective.grad is not None:
        payload["analytic_gradient"] = objective.grad(x)
    # f(point) is as long as the point: it gets its own line, so that the table's
    # padding follows the short labels (df/dx9999) and the output stays O(n), not O(n^2)
    names = ["x"] if getattr(objective.source, "elementwise", False) else None
    rows = [
        [f"df/d{names[0] if names else f'x{i}'}", "=", number(v)]
        for i, v in enumerate(np.ravel(value))
    ]
    rows.append(["|grad f|", "=", number(_norm(np.ravel(value)))])
    f_row = [f"f({point_text(x).strip('()')})", "=", number(fx)]
    if len(f_row[0]) <= 24:  # a short point aligns with the rest
        return payload, f"{objective.header}\n" + table([f_row, *rows], gap=" ")
    return payload, f"{objective.header}\n{' '.join(f_row)}\n" + table(rows, gap=" ")


def _norm(vector: np.ndarray) -> float:
    from ..descent._diagnose import norm

    return norm(np.asarray(vector, dtype=float))


def hess(args: argparse.Namespace) -> Output:
    import slopes

    objective = resolve_function(args.function)
    x = _vector_point(objective, args)
    options = _differentiation_options(args)
    res = slopes.hessian(objective.vector, x, full_output=True, **options)
    value, error, nfev = _unpack(res)
    value = np.asarray(value).reshape(x.size, x.size)
    _require_finite(value, "the Hessian", f"x = {point_text(x)}", _f_at(objective.vector, x))
    eigenvalues = np.linalg.eigvalsh((value + value.T) / 2)
    payload = {
        "command": "hess",
        "function": objective.label,
        "method": args.method,
        "x": x,
        "hessian": value,
        "eigenvalues": eigenvalues,
        "error": error,
        "nfev": nfev,
        **_reliability(res),
    }
    text = (
        f"{objective.header}\nHessian at x = {point_text(x)}:\n{matrix_text(value)}\n"
        f"eigenvalues: {vector_text(eigenvalues)}"
    )
    return payload, text


def make_optimizer(name: str, lr: float, momentum: float) -> Any:
    from .. import optim

    if name == "sgd":
        return optim.sgd(lr=lr)
    if name in ("momentum", "nesterov"):
        return optim.sgd(lr=lr, momentum=momentum, nesterov=name == "nesterov")
    return getattr(optim, name)(lr=lr)


def _check_positive(value: float, option: str) -> None:
    if not (value > 0 and math.isfinite(value)):
        raise CLIError(f"`{option}` must be a positive number, got {value}")


def minimize(args: argparse.Namespace) -> Output:
    import slopes

    objective = resolve_function(args.function)
    x0 = objective.point(parse_numbers(args.start, "--from"), "--from")
    _check_positive(args.lr, "--lr")
    if args.steps < 0:
        raise CLIError(f"`--steps` must be a whole number >= 0, got {args.steps}")
    if not 0 <= args.momentum < 1:
        raise CLIError(f"`--momentum` must be in [0, 1), got {args.momentum}")
    for option, path, suffixes in (
        ("--plot", args.plot, (".png", ".pdf", ".svg")),
        ("--animate", args.animate, (".gif",)),
    ):
        if path is not None:
            check_output_file(path, option, suffixes)
            if x0.size != 2:
                raise CLIError(f"`{option}` draws functions of 2 variables, got {x0.size}")
    optimizer = make_optimizer(args.optimizer, args.lr, args.momentum)
    options: dict[str, Any] = {"steps": args.steps, "progress": True}
    if args.tol is not None:
        options["tol"] = args.tol
    if objective.grad is not None and not args.numerical:
        options["grad"] = objective.grad
    res = slopes.minimize(objective.vector, x0, optimizer=optimizer, **options)
    history = res.history
    payload = {
        "command": "minimize",
        "function": objective.label,
        "optimizer": args.optimizer,
        "lr": args.lr,
        "from": x0,
        "gradient": "analytic" if "grad" in options else "numerical",
        "status": str(res.status),  # the word: JSON would write the enum's int
        "message": res.message,
        "x": res.x,
        "fun": res.fun,
        "nit": res.nit,
        "nfev": res.nfev,
        "history": {"x": history.x, "f": history.f, "grad_norm": history.grad_norm},
    }
    if hasattr(objective.source, "minima_at"):  # a named test function
        payload["known_minimum"] = objective.source.minima_at(x0.size)[0].f
    rows = [
        ["function", objective.header.removeprefix("f(x) = ")],
        ["optimizer", f"{args.optimizer} (lr={number(args.lr)}), from {point_text(x0)}"],
        ["status", str(res.status)],
        ["message", str(res.message)],
        ["x", vector_text(res.x)],
        ["f(x)", number(res.fun) if np.isfinite(res.fun) else str(res.fun)],
        ["steps", str(res.nit)],
        ["f evals", str(res.nfev)],
    ]
    if "known_minimum" in payload:
        rows.append(["known min", number(payload["known_minimum"])])
    figures = _minimize_figures(args, res, objective)
    rows += [["wrote", path] for path in figures]
    payload["figures"] = figures
    return payload, table(rows)


def _minimize_figures(args: argparse.Namespace, res: Any, objective: Objective) -> list[str]:
    if args.plot is None and args.animate is None:
        return []
    from .. import plot

    _quiet_backend()
    import matplotlib.pyplot as plt

    written = []
    if args.plot is not None:
        title = f"{objective.label[:60]}: {args.optimizer}, lr={number(args.lr)}"
        ax = plot.trajectory(res, f=objective.vector, labels=[args.optimizer], title=title)
        figure = cast("Figure", ax.figure)  # the Axes of a whole figure, not of a SubFigure
        figure.savefig(args.plot, dpi=120, bbox_inches="tight")
        plt.close(figure)
        written.append(args.plot)
    if args.animate is not None:
        figure = plot.animate(res, args.animate, f=objective.vector)
        plt.close(figure)
        written.append(args.animate)
    return written


def _quiet_backend() -> None:
    # a command line never opens windows: draw off-screen unless the user chose a backend
    import os

    if "MPLBACKEND" not in os.environ:
        import matplotlib

        matplotlib.use("Agg")


def functions_list(args: argparse.Namespace) -> Output:
    from .. import functions

    rows = [["name", "dim", "minimum", "at", "f"]]
    entries = []
    for name in functions.names():
        function = functions.get(name)
        dim = str(function.dim) if function.dim is not None else f">={function.min_dim}"
        best = function.minima
        where = point_text(best[0].x) + (f" and {len(best) - 1} more" if len(best) > 1 else "")
        rows.append([name, dim, number(function.minimum), where, function.expression])
        entries.append(
            {
                "name": name,
                "dim": function.dim,
                "min_dim": function.min_dim,
                "expression": function.expression,
                "minimum": function.minimum,
                "minimizers": [m.x for m in best],
                "domain": function.domain,
            }
        )
    return {"command": "functions", "functions": entries}, table(rows)


def tour(args: argparse.Namespace) -> Output:
    from .. import tour as tour_module

    out = check_output_folder(args.out, "--out")
    stream: Any = io.StringIO() if args.json else sys.stdout
    res = tour_module.run(out, lang=args.lang, quick=args.quick, stream=stream)
    payload = {"command": "tour", "out": out, "lang": args.lang, "quick": args.quick}
    payload["result"] = dict(res) if isinstance(res, dict) else res
    if args.json:
        payload["text"] = stream.getvalue()
    return payload, ""
