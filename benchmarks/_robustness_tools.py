"""Running one robustness case through slopes, numdifftools or scipy, and judging it.

The verdicts follow issue 11's definitions:

- ``dishonest_elements(outcome, case)``: the elements that report success but whose
  true error exceeds ``HONESTY_FACTOR`` times their reported error plus ``ULP_SLACK``
  (4 ulps) of the case's scale, or ``CLAIM_RTOL`` relative. The slack is rounding:
  a closed form computed in floating point is a few ulps off, and an error estimate
  of exactly 0 cannot cover a value one ulp away. This is slopes' contract, asserted
  by the tests on every case.
- ``silent_wrong(outcome, case)``: the benchmark's count; an element claimed as a
  success with a true error more than ``SILENT_FACTOR`` times its reported error
  (plus the same 4 ulps of scale), or more than ``CLAIM_RTOL`` relative.

"Relative" is normwise: against the largest |exact| of the case (elementwise relative
error explodes at zeros of a Jacobian); where the truth is identically zero, against 1
(an absolute 1e-6), or against the case's ``magnitude`` (the size of f's derivatives
near x) where that is larger: cos'' at pi/2 is 6e-17, not a scale.

numdifftools reports no success flag: its result is counted as *claimed* where its
error estimate is finite and at most ``CLAIM_RTOL`` times the case's scale, elementwise
(what a user reading ``error_estimate`` would take as "this is right to 6 digits").
scipy's own ``success`` flag is used as is.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from _robustness_cases import Case

HONESTY_FACTOR = 2.0
ULP_SLACK = 4 * np.finfo(float).eps
SILENT_FACTOR = 10.0
CLAIM_RTOL = 1e-6


@dataclass(frozen=True)
class Outcome:
    """What one tool said about one case (value, error and success have the truth's shape)."""

    tool: str
    value: np.ndarray
    error: np.ndarray
    success: np.ndarray
    nfev: int
    note: str = ""


class Counted:
    """f with a count of points: a call on m stacked points counts m."""

    def __init__(self, f: Any, point_size: int):
        self.f = f
        self.point_size = max(1, point_size)
        self.points = 0

    def __call__(self, x: Any, *args: Any) -> Any:
        self.points += max(1, np.size(x) // self.point_size)
        return self.f(x, *args)


def scale(case: Case) -> float:
    biggest = float(np.max(np.abs(np.asarray(case.exact, dtype=float)), initial=case.magnitude))
    return biggest if biggest > 0 else 1.0


def true_error(outcome: Outcome, case: Case) -> np.ndarray:
    exact = np.asarray(case.exact, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.abs(outcome.value - exact)


def dishonest_elements(outcome: Outcome, case: Case) -> np.ndarray:
    """Mask of the elements that claim success but break the contract."""
    err = true_error(outcome, case)
    allowed = HONESTY_FACTOR * outcome.error + ULP_SLACK * scale(case)
    with np.errstate(invalid="ignore"):
        bad = ~(err <= allowed) | ~(err <= CLAIM_RTOL * scale(case))
    return outcome.success & bad


def silent_wrong(outcome: Outcome, case: Case) -> bool:
    return bool(np.any(silent_wrong_elements(outcome, case)))


def beyond_estimate(outcome: Outcome, case: Case) -> np.ndarray:
    """Claimed elements whose true error exceeds 10x the reported error (+ 4 ulps of scale)."""
    err = true_error(outcome, case)
    with np.errstate(invalid="ignore"):
        bad = ~(err <= SILENT_FACTOR * outcome.error + ULP_SLACK * scale(case))
    return outcome.success & bad


def silent_wrong_elements(outcome: Outcome, case: Case) -> np.ndarray:
    err = true_error(outcome, case)
    allowed = SILENT_FACTOR * outcome.error + ULP_SLACK * scale(case)
    with np.errstate(invalid="ignore"):
        bad = ~(err <= allowed) | ~(err <= CLAIM_RTOL * scale(case))
    return outcome.success & bad


# --------------------------------------------------------------------------- slopes


def run_slopes(case: Case, f: Any = None) -> Outcome:
    """slopes on the case with ``full_output=True``; ``f`` replaces case.f (a counter)."""
    import slopes

    f = case.f if f is None else f
    kwargs = {"method": case.method, "order": case.order, "full_output": True}
    if case.kind == "derivative":
        res = slopes.derivative(f, case.x, n=case.n, **kwargs)
    else:
        res = getattr(slopes, case.kind)(f, case.x, **kwargs)
    return slopes_outcome(res, case)


def slopes_outcome(res: Any, case: Case) -> Outcome:
    shape = np.shape(case.exact)
    value = np.asarray(res.value, dtype=float)
    error = np.asarray(res.error, dtype=float)
    if value.shape != shape:
        raise AssertionError(f"slopes returned shape {value.shape}, the truth has {shape}")
    # success is per element (derivative, Hessian) or per coordinate of x (gradient,
    # Jacobian): x's shape is the trailing part of the value's shape
    success = np.broadcast_to(np.asarray(res.success, dtype=bool), shape)
    nfev = int(np.max(np.asarray(res.nfev))) if case.kind == "derivative" else int(res.nfev)
    return Outcome("slopes", value, np.broadcast_to(error, shape), success, nfev)


# --------------------------------------------------------------------------- peers


def run_numdifftools(case: Case, f: Any) -> Outcome:
    import numdifftools as nd

    if case.kind == "derivative":
        res = nd.Derivative(f, n=case.n, method=case.method, order=case.order, full_output=True)(
            case.x
        )
    else:
        cls = {"gradient": nd.Gradient, "jacobian": nd.Jacobian, "hessian": nd.Hessian}[case.kind]
        res = cls(f, method=case.method, order=case.order, full_output=True)(case.x)
    res_value, info = res.estimate, res
    shape = np.shape(case.exact)
    value = _fit_shape(np.asarray(res_value, dtype=float), shape)
    error = _fit_shape(np.asarray(info.error_estimate, dtype=float), shape)
    with np.errstate(invalid="ignore"):
        claimed = np.isfinite(value) & np.isfinite(error) & (error <= CLAIM_RTOL * scale(case))
    return Outcome("numdifftools", value, error, claimed, 0)


def _fit_shape(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """numdifftools squeezes and orders some results its own way; same size: reshape."""
    if array.shape == shape:
        return array
    if array.size == int(np.prod(shape)):
        return array.reshape(shape)
    if array.size == 1:
        return np.broadcast_to(array.reshape(()), shape)
    raise ValueError(f"shape {array.shape} does not fit the truth's {shape}")


SCIPY_DIRECTION = {"central": 0, "forward": 1, "backward": -1}


def scipy_applies(case: Case) -> str | None:
    """Why scipy.differentiate cannot run the case, or None."""
    if case.method not in SCIPY_DIRECTION:
        return "no complex step"
    if case.kind == "derivative" and case.n != 1:
        return "first derivatives only"
    if case.kind == "hessian" and case.method != "central":
        return "hessian: central only here"
    return None


def run_scipy(case: Case, f: Any) -> Outcome:
    from scipy.differentiate import derivative, hessian, jacobian

    direction = SCIPY_DIRECTION[case.method]
    order = 8  # scipy's default: slopes' `order` is where its table starts, not where it ends
    x = np.asarray(case.x, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if case.kind == "derivative":
            res = derivative(f, x, order=order, step_direction=direction)
            value, error, success = res.df, res.error, res.success
        elif case.kind == "hessian":
            res = hessian(f, x.ravel() if x.ndim else x, order=order)
            value, error, success = res.ddf, res.error, res.success
        else:
            res = jacobian(
                _flat_input(f, x.shape),
                x.ravel() if x.ndim else x[None],
                order=order,
                step_direction=direction,
            )
            value, error, success = res.df, res.error, res.success
    shape = np.shape(case.exact)
    return Outcome(
        "scipy",
        _fit_shape(np.asarray(value, dtype=float), shape),
        _fit_shape(np.asarray(error, dtype=float), shape),
        _fit_shape(np.asarray(success, dtype=bool), shape),
        0,
    )


def _flat_input(f: Any, shape: tuple[int, ...]) -> Any:
    """f of x with ``shape``, called by scipy with (size, *batch): reshape in, flatten out."""

    def g(flat):
        batch = flat.shape[1:]
        out = np.asarray(f(flat.reshape(*(shape or (1,)), *batch) if shape else flat[0]))
        return out.reshape(-1, *batch) if out.ndim > len(batch) else out

    return g
