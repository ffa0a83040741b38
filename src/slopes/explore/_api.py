"""The explorer's JSON API: one function per endpoint, from a query string to a payload.

Each endpoint takes the query string of a ``GET`` request and returns a
JSON-ready dict, or raises :class:`~slopes.explore._problem.ApiError` for bad
input (the server answers it with HTTP 400 and ``{"error": message}``). All the
numbers come from slopes itself: :func:`slopes.minimize` and
:mod:`slopes.optim` for descents, :func:`slopes.derivative` for the derivative
lesson, :mod:`slopes.functions` and :mod:`slopes.expr` for the functions.
JSON has no NaN or infinity: a non-finite number is sent as ``null``.

Examples
--------
>>> payload = minimize_payload("function=function_2&start=-3,4&lr=10&steps=100")
>>> payload["status"], payload["path"][0], payload["values"][0]
('diverged', [-3.0, 4.0], 25.0)
>>> minimize_payload("function=x0.real&start=1,2")  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
slopes.explore._problem.ApiError: `function`: attribute access (`.`) is not allowed ...
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import functions, optim
from .._util.status import Status
from ..descent import minimize
from ..differentiate import derivative
from ._limits import LR_RANGE, MAX_GRID, MAX_STEPS, STEP_RANGE, TIME_LIMIT_S
from ._problem import ApiError, Problem, resolve
from ._query import Query, parse_query

__all__ = [
    "ENDPOINTS",
    "OPTIMIZERS",
    "derivative_payload",
    "functions_payload",
    "grid_payload",
    "minimize_payload",
]

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
"""The optimisers the explorer offers, by the names of ``slopes minimize --optimizer``."""

# the error-against-h sweep of the derivative lesson: 10**-16 .. 10**0, 8 points a decade
_SWEEP_STEPS = 10.0 ** np.linspace(-16.0, 0.0, 129)
_CURVE_POINTS = 241


def _chapter_difference(g: Any, x: np.ndarray, h: Any, method: str) -> np.ndarray:
    """The chapter's forward ``(f(x+h) - f(x)) / h`` or central ``(f(x+h) - f(x-h)) / 2h``."""
    if method == "forward":
        return (np.asarray(g(x + h)) - np.asarray(g(x))) / h
    return (np.asarray(g(x + h)) - np.asarray(g(x - h))) / (2 * h)


def _finite(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def _finite_list(values: Any) -> list[Any]:
    """Nested lists of floats, with ``None`` where a value is NaN or infinite."""
    array = np.asarray(values, dtype=float)
    if np.isfinite(array).all():
        return array.tolist()
    # None fills an object array (JSON's null); numpy's stubs expect numbers there
    return np.where(np.isfinite(array), array, None).tolist()  # type: ignore[call-overload]


# --- functions ------------------------------------------------------------------------


def functions_payload(query_text: str = "") -> dict[str, Any]:
    """``GET /api/functions``: the named test functions and the page's limits.

    Examples
    --------
    >>> payload = functions_payload()
    >>> [f["name"] for f in payload["functions"]][:3]
    ['function_1', 'function_2', 'chapter6']
    >>> payload["limits"]["steps"]
    10000
    """
    parse_query(query_text, allowed=())
    described = []
    for name in functions.names():
        problem = resolve(name)
        described.append(
            {
                "name": name,
                "formula": problem.formula,
                "plane": problem.plane,
                "line": problem.elementwise,
                "window": [list(axis) for axis in problem.window],
                "minima": [list(point) for point in problem.minima],
            }
        )
    return {
        "functions": described,
        "optimizers": list(OPTIMIZERS),
        "limits": {"steps": MAX_STEPS, "grid": MAX_GRID, "lr": list(LR_RANGE)},
    }


# --- minimize -------------------------------------------------------------------------

_MINIMIZE_PARAMETERS = (
    "function",
    "start",
    "lr",
    "optimizer",
    "steps",
    "momentum",
    "alpha",
    "beta1",
    "beta2",
)


def _optimizer(query: Query, lr: float) -> tuple[str, optim.Optimizer, dict[str, float]]:
    name = query.choice("optimizer", OPTIMIZERS, "sgd")
    below_one: dict[str, Any] = {"low": 0.0, "high": 0.999999}  # Any: not Query.number's bool
    if name in ("momentum", "nesterov"):
        momentum = query.number("momentum", 0.9, **below_one)
        if momentum == 0.0:
            raise ApiError(f"`momentum` must be greater than 0 for {name}, got 0")
        opt = optim.sgd(lr=lr, momentum=momentum, nesterov=name == "nesterov")
        return name, opt, {"momentum": momentum}
    if name == "rmsprop":
        alpha = query.number("alpha", 0.99, **below_one)
        return name, optim.rmsprop(lr=lr, alpha=alpha), {"alpha": alpha}
    if name == "adam":
        beta1 = query.number("beta1", 0.9, **below_one)
        beta2 = query.number("beta2", 0.999, **below_one)
        return name, optim.adam(lr=lr, betas=(beta1, beta2)), {"beta1": beta1, "beta2": beta2}
    if name == "adagrad":
        return name, optim.adagrad(lr=lr), {}
    return name, optim.sgd(lr=lr), {}


class _OnFirstCoordinate:
    """A function of one variable seen as a function of one-coordinate points."""

    def __init__(self, f: Callable[[Any], Any]) -> None:
        self.f = f

    def __call__(self, point: Any) -> Any:
        return self.f(np.asarray(point)[..., 0])


class _GradientOnFirstCoordinate:
    """The derivative of a function of one variable as the gradient on one-coordinate points."""

    def __init__(self, derivative: Callable[[Any], Any]) -> None:
        self.derivative = derivative

    def __call__(self, point: Any) -> np.ndarray:
        return np.atleast_1d(self.derivative(np.asarray(point)[0]))


class _Deadline:
    """A callback for :func:`slopes.minimize` that stops the run after the time limit."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.reached = False

    def __call__(self, step: int, state: Any) -> bool:
        self.reached = time.monotonic() > self.end
        return self.reached


def minimize_payload(query_text: str) -> dict[str, Any]:
    """``GET /api/minimize``: a descent by :func:`slopes.minimize`, with its diagnosis.

    Parameters (of the query string)
    --------------------------------
    function : a test function's name or an expression in ``x0, x1, ...``
    start : the start point, comma-separated (``-3,4``)
    lr : learning rate in [1e-12, 1000] (default 0.1)
    optimizer : sgd, momentum, nesterov, adagrad, rmsprop or adam (default sgd)
    steps : 0 to 10000 (default 100)
    momentum, alpha, beta1, beta2 : the optimiser's hyperparameters, in [0, 1)

    Returns
    -------
    dict
        ``status`` and ``message`` (minimize's diagnosis), ``path`` (every
        iterate, the start first), ``values`` (f at each), ``grad_norms``,
        ``x`` and ``fun`` (the best finite iterate), ``nit``, ``nfev``,
        ``suggested_lr`` (or null) and the request's settings.
    """
    query = parse_query(query_text, _MINIMIZE_PARAMETERS)
    problem = resolve(query.text("function"))
    start = query.point("start")
    if not problem.accepts(len(start)):
        wanted = problem.n_coords if problem.n_coords is not None else problem.min_coords
        raise ApiError(
            f"`start` needs {wanted} coordinate(s) for {problem.label[:60]!r}, got {len(start)}"
        )
    lr = query.number("lr", 0.1, *LR_RANGE)
    steps = query.integer("steps", 100, 0, MAX_STEPS)
    name, opt, hyper = _optimizer(query, lr)
    f = _OnFirstCoordinate(problem.f) if problem.elementwise else problem.f
    grad = problem.grad
    if grad is not None and problem.elementwise:
        grad = _GradientOnFirstCoordinate(grad)
    deadline = _Deadline(TIME_LIMIT_S)
    with np.errstate(all="ignore"):  # a run-away descent overflows: minimize reports it
        try:
            res = minimize(
                f, np.array(start), optimizer=opt, steps=steps, grad=grad, callback=deadline
            )
        except (ValueError, TypeError, ArithmeticError) as error:
            raise ApiError(f"`function`: {' '.join(str(error).split())}") from None
    message = res.message
    if res.status is Status.STOPPED and deadline.reached:
        message = (
            f"Stopped after {res.nit} steps: the explorer computes for at most "
            f"{TIME_LIMIT_S:g} s per request; ask for fewer steps."
        )
    history = res.history
    return {
        "function": problem.label,
        "formula": problem.formula,
        "optimizer": name,
        "lr": lr,
        "steps": steps,
        "hyperparameters": hyper,
        "gradient": "numerical" if grad is None else "analytic",
        "status": str(res.status),  # the word: JSON would write the enum's int
        "message": message,
        "path": _finite_list(np.reshape(history.x, (len(history.f), -1))),
        "values": _finite_list(history.f),
        "grad_norms": _finite_list(history.grad_norm),
        "x": _finite_list(np.ravel(res.x)),
        "fun": _finite(res.fun),
        "nit": int(res.nit),
        "nfev": int(res.nfev),
        "suggested_lr": None if res.suggested_lr is None else _finite(res.suggested_lr),
    }


# --- grid -----------------------------------------------------------------------------

_GRID_PARAMETERS = ("function", "xmin", "xmax", "ymin", "ymax", "nx", "ny")


def _window(
    query: Query, low_name: str, high_name: str, default: tuple[float, float]
) -> tuple[float, float]:
    low = query.number(low_name, default[0], -1e6, 1e6)
    high = query.number(high_name, default[1], -1e6, 1e6)
    if not high > low:
        raise ApiError(f"`{high_name}` must be greater than `{low_name}`, got {high:g} <= {low:g}")
    return low, high


def grid_payload(query_text: str) -> dict[str, Any]:
    """``GET /api/grid``: a function of two variables on a grid, for contour maps.

    Parameters (of the query string)
    --------------------------------
    function : a test function's name or an expression in ``x0, x1``
    xmin, xmax, ymin, ymax : the window (default: the function's own)
    nx, ny : grid points along each axis, 2 to 400 (default 100)

    Returns
    -------
    dict
        ``x`` (nx values), ``y`` (ny values), ``z`` (ny rows of nx values,
        null where f is not finite), ``zmin``, ``zmax`` and the known
        ``minima``.

    Examples
    --------
    >>> grid = grid_payload("function=function_2&xmin=-1&xmax=1&ymin=0&ymax=2&nx=3&ny=2")
    >>> grid["x"], grid["y"], grid["z"]
    ([-1.0, 0.0, 1.0], [0.0, 2.0], [[1.0, 0.0, 1.0], [5.0, 4.0, 5.0]])
    """
    query = parse_query(query_text, _GRID_PARAMETERS)
    problem = resolve(query.text("function"))
    if not problem.plane:
        raise ApiError(
            f"`function` must be a function of two variables x0, x1 for a contour map; "
            f"{problem.label[:60]!r} is not"
        )
    xmin, xmax = _window(query, "xmin", "xmax", problem.window[0])
    ymin, ymax = _window(query, "ymin", "ymax", problem.window[1])
    nx = query.integer("nx", 100, 2, MAX_GRID)
    ny = query.integer("ny", 100, 2, MAX_GRID)
    xs = np.linspace(xmin, xmax, nx)
    ys = np.linspace(ymin, ymax, ny)
    points = np.stack(np.meshgrid(xs, ys), axis=-1)  # (ny, nx, 2)
    with np.errstate(all="ignore"):
        z = np.asarray(problem.f(points), dtype=float)
    finite = z[np.isfinite(z)]
    return {
        "function": problem.label,
        "formula": problem.formula,
        "x": xs.tolist(),
        "y": ys.tolist(),
        "z": _finite_list(z),
        "zmin": float(finite.min()) if finite.size else None,
        "zmax": float(finite.max()) if finite.size else None,
        "minima": [list(point) for point in problem.minima],
    }


# --- the derivative lesson -------------------------------------------------------------

_DERIVATIVE_PARAMETERS = ("function", "x", "h", "xmin", "xmax")


def _on_a_line(problem: Problem) -> Callable[[Any], Any]:
    if problem.elementwise:
        return problem.f
    if problem.accepts(1):
        return lambda t: problem.f(np.asarray(t)[..., None])
    raise ApiError(
        f"`function` must be a function of one variable x for the derivative lesson; "
        f"{problem.label[:60]!r} takes points of {problem.n_coords or problem.min_coords} "
        "coordinates"
    )


def derivative_payload(query_text: str) -> dict[str, Any]:
    """``GET /api/derivative``: the chapter-4 lesson on finite differences.

    Parameters (of the query string)
    --------------------------------
    function : a function of one variable (``function_1``, ``sin(x)``, ...)
    x : where to differentiate
    h : the step of the forward difference (f(x+h) - f(x))/h and the central
        difference (f(x+h) - f(x-h))/2h, in [1e-16, 1]
        (default 1e-4, the chapter's)
    xmin, xmax : the window of the curve (default: the function's own)

    Returns
    -------
    dict
        ``fx``; ``forward`` and ``central``: ``{value, error}`` at ``h``;
        ``automatic``: slopes' own result ``{value, error_estimate, nfev,
        step, success}``; ``reference``: ``{value, kind}`` (the analytic
        derivative when known, else the automatic result); ``sweep``: the
        errors of both differences for ``h`` from 1e-16 to 1; ``curve``: f
        over the window.

    Examples
    --------
    >>> lesson = derivative_payload("function=function_1&x=5&h=1e-4")
    >>> lesson["central"]["value"]        # the chapter's printed number
    0.1999999999990898
    >>> lesson["reference"]
    {'value': 0.2, 'kind': 'analytic'}
    """
    query = parse_query(query_text, _DERIVATIVE_PARAMETERS)
    problem = resolve(query.text("function", "function_1"))
    g = _on_a_line(problem)
    x = query.number("x", 5.0, -1e6, 1e6)
    h = query.number("h", 1e-4, *STEP_RANGE)
    window = problem.window[0]
    lo, hi = _window(query, "xmin", "xmax", window)
    with np.errstate(all="ignore"):
        fx = float(np.asarray(g(np.array(x))))
        if not math.isfinite(fx):
            raise ApiError(f"`x`: f is not finite at x = {x:g}; pick another point")
        try:
            auto = derivative(g, x, full_output=True, vectorized=True)
        except (ValueError, ArithmeticError) as error:
            raise ApiError(f"`function`: {' '.join(str(error).split())}") from None
        reference: dict[str, Any]  # "value": a float, or None where not finite
        if problem.elementwise and problem.grad is not None:
            reference = {"value": float(problem.grad(np.array(x))), "kind": "analytic"}
        else:
            reference = {"value": _finite(auto.value), "kind": "automatic"}
        at = np.array([x])
        here = {}
        sweep: dict[str, Any] = {"h": _SWEEP_STEPS.tolist()}
        points = np.full(_SWEEP_STEPS.size, x)
        for method in ("forward", "central"):
            # the chapter's differences, written as the chapter writes them: the lesson
            # shows what they do at any h, rounding to 0 where x + h == x included
            # (slopes.derivative refuses such a step rather than return that 0)
            value = float(_chapter_difference(g, at, h, method)[0])
            swept = _chapter_difference(g, points, _SWEEP_STEPS, method)
            ref = reference["value"] if reference["value"] is not None else math.nan
            here[method] = {"value": _finite(value), "error": _finite(abs(value - ref))}
            sweep[method] = _finite_list(np.abs(swept - ref))
        xs = np.linspace(lo, hi, _CURVE_POINTS)
        ys = np.asarray(g(xs), dtype=float)
    return {
        "function": problem.label,
        "formula": problem.formula,
        "x": x,
        "h": h,
        "fx": fx,
        "forward": here["forward"],
        "central": here["central"],
        "automatic": {
            "value": _finite(auto.value),
            "error_estimate": _finite(auto.error),
            "nfev": int(auto.nfev),
            "step": _finite(auto.step),
            "success": bool(auto.success),
            "message": str(auto.message),
        },
        "reference": reference,
        "sweep": sweep,
        "curve": {"x": xs.tolist(), "y": _finite_list(ys)},
    }


ENDPOINTS: dict[str, Callable[[str], dict[str, Any]]] = {
    "/api/functions": functions_payload,
    "/api/minimize": minimize_payload,
    "/api/grid": grid_payload,
    "/api/derivative": derivative_payload,
}
"""Path -> endpoint: each takes the query string and returns the JSON payload."""
