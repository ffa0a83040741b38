"""Stopping tests and plain-language diagnoses for :func:`slopes.minimize`.

Private helpers of :mod:`slopes.descent`. The tests look only at numbers the
descent loop already has (f and the gradient norm at each iterate), so they
cost no function evaluations.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# f must rise on this many consecutive steps before a run counts as running away
RUNAWAY_STEPS = 3
# ... and end this many times its starting scale above where it started
RUNAWAY_FACTOR = 1e3
# a run has stalled when it gained less than this fraction of what the gradient offered
STALL_FRACTION = 1e-4
# f-change convergence also needs the gradient this much smaller than at the start,
# so that a learning rate too small to move f is never mistaken for convergence
FTOL_GRADIENT_DROP = 1e-3
# a run that used all its steps and ends with the gradient this much below its start
# (and f lower than at x0) has converged: the chapter's lr = 0.1 run ends at 2e-10
NEAR_STATIONARY = 1e-6
# f this much closer to 0 than at x0: many orders of magnitude gained, never "take more steps"
F_ORDERS_GAINED = 1e-6


def norm(vector: np.ndarray) -> float:
    """Euclidean norm that neither overflows nor underflows: 1e160 stays 1e160.

    Short vectors go to :func:`math.hypot`, which scales internally; longer
    ones take ``sqrt(v . v)``, redone on ``v / max|v|`` only when the sum of
    squares leaves the float range (inf, or 0 for a nonzero vector).

    >>> norm(np.array([3e160, 4e160]))
    5e+160
    >>> norm(np.array([3e-170, 4e-170]))
    5e-170
    >>> norm(np.full(100, 1e160))
    1e+161
    """
    if vector.size <= 64:  # hypot scales internally, and is quickest for short vectors
        return math.hypot(*vector.tolist())
    with np.errstate(over="ignore", under="ignore"):
        squared = float(vector.dot(vector))
    if 0.0 < squared < math.inf:
        return math.sqrt(squared)
    largest = float(np.max(np.abs(vector))) if vector.size else 0.0
    if largest == 0.0 or not math.isfinite(largest):
        return largest if largest == 0.0 else math.sqrt(squared)  # zero, or inf/nan inside
    scaled = vector / largest
    return largest * math.sqrt(float(scaled.dot(scaled)))


def converged_at_budget(f0: float, f_last: float, grad_norm0: float, grad_norm: float) -> bool:
    """All steps used, f lower and the gradient a millionth of its start: converged."""
    return f_last < f0 and grad_norm <= NEAR_STATIONARY * grad_norm0


def runaway(rises: int, f_now: float, f0: float) -> bool:
    """True after RUNAWAY_STEPS consecutive rises of f that took it far above f(x0)."""
    return rises >= RUNAWAY_STEPS and f_now - f0 > RUNAWAY_FACTOR * max(abs(f0), 1.0)


def f_converged(
    f_prev: float, f_now: float, grad_norm: float, grad_norm0: float, ftol: float
) -> bool:
    """Relative change in f under ``ftol``, with the gradient well below its start."""
    if ftol <= 0:
        return False
    small_change = abs(f_prev - f_now) <= ftol * abs(f_now)
    return small_change and grad_norm <= FTOL_GRADIENT_DROP * grad_norm0


def stalled(f0: float, f_best: float, grad_norm0: float, x0_norm: float) -> bool:
    """True when f fell by a negligible fraction of what the first gradient offered.

    Moving a distance comparable to the size of x0 (at least 1) along the
    first gradient would lower f by about ``|g0| * max(|x0|, 1)`` to first
    order; a run that gained less than STALL_FRACTION of that had a learning
    rate far too small.
    """
    possible = grad_norm0 * max(x0_norm, 1.0)
    if not (possible > 0 and math.isfinite(possible)):
        return False
    return (f0 - f_best) < STALL_FRACTION * possible


def secant_curvature(dx_norm: float, dg_norm: float) -> float | None:
    """``|Δg| / |Δx|``: the curvature seen along a step, or None when unmeasurable."""
    if not (dx_norm > 0 and math.isfinite(dx_norm) and math.isfinite(dg_norm)):
        return None
    curvature = dg_norm / dx_norm
    return curvature if curvature > 0 and math.isfinite(curvature) else None


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def _lr_text(lr: Any) -> str:
    return f"lr={lr:g}" if isinstance(lr, (int, float)) else "its learning rate"


def advised_lr(status: str, info: dict[str, Any]) -> tuple[float, str] | None:
    """The learning rate to try after a diverged or stalled run, and its text.

    The measured suggestion (1/L, see :func:`suggest_lr`) where there is one;
    otherwise a tenth (diverged) or a thousand times (stalled) a constant
    learning rate; None when neither is known.

    >>> advised_lr("diverged", {"suggested_lr": 0.5})
    (0.5, '0.5')
    >>> advised_lr("stalled", {"lr": 1e-10})
    (1e-07, '1e-07')
    """
    if status not in ("diverged", "stalled"):
        return None
    suggestion = info.get("suggested_lr")
    if suggestion is not None:
        return suggestion, f"{suggestion:.2g}"
    lr = info.get("lr")
    if not isinstance(lr, (int, float)):
        return None
    value = lr / 10 if status == "diverged" else lr * 1000
    return value, f"{value:g}"


def message(status: str, info: dict[str, Any]) -> str:
    """One plain sentence (or two) saying what happened and what to try."""
    nit, lr = info["nit"], info.get("lr")
    if status == "converged":
        if info["reason"] == "budget":
            return (
                f"Converged after {nit} steps: the gradient norm fell from "
                f"{_fmt(info['grad_norm0'])} to {_fmt(info['grad_norm'])} and f from "
                f"{_fmt(info['f0'])} to {_fmt(info['f'])}."
            )
        if info["reason"] == "grad":
            return (
                f"Converged after {nit} steps: the gradient norm {_fmt(info['grad_norm'])} "
                f"is at most tol={info['tol']:g}."
            )
        return (
            f"Converged after {nit} steps: f changed by less than ftol={info['ftol']:g} "
            f"(relative) in the last step, with the gradient norm down to "
            f"{_fmt(info['grad_norm'])} from {_fmt(info['grad_norm0'])}."
        )
    if status == "stopped":
        return f"Stopped by the callback after {nit} steps."
    advised = advised_lr(status, info)
    if status == "diverged":
        if advised is not None:
            advice = f"try lr={advised[1]}"
        else:
            advice = "try a learning rate about ten times smaller"
        if info["reason"] == "nonfinite" and nit == 0:
            # no step was taken: the start point is to blame, not the learning rate
            return (
                f"Diverged at step 0: {info['what']} became {info['value']} at x0 itself, "
                "before any step, so no learning rate can help; start where f and its "
                "gradient are finite."
            )
        if info["reason"] == "nonfinite":
            what = f"{info['what']} became {info['value']}"
            if info["what"] == "x":  # the step itself overflowed
                what += " (the step overflowed)"
        else:
            what = f"f grew from {_fmt(info['f0'])} to {_fmt(info['f'])}"
        return (
            f"Diverged at step {nit}: {what}, so the learning rate "
            f"({_lr_text(lr)}) is too large; {advice}. The answer is the best finite "
            f"iterate seen (step {info['best']})."
        )
    if status == "stalled":
        if advised is not None:
            advice = f"try lr={advised[1]}"
        else:
            advice = "try a learning rate 100 to 1000 times larger"
        return (
            f"Stalled: after {nit} steps f moved by only {_fmt(info['decrease'])}, a negligible "
            f"part of what the gradient (norm {_fmt(info['grad_norm0'])}) allows, so the "
            f"learning rate ({_lr_text(lr)}) is far too small; {advice}."
        )
    # max_steps
    text = (
        f"Reached the maximum of {nit} steps without converging: the gradient norm is "
        f"{_fmt(info['grad_norm'])} (from {_fmt(info['grad_norm0'])}) and f is "
        f"{_fmt(info['f'])} (from {_fmt(info['f0'])})"
    )
    if info["f"] > info["f0"]:
        return text + "; f went up, so try a smaller learning rate."
    if abs(info["f"]) <= F_ORDERS_GAINED * abs(info["f0"]):
        # f gained many orders of magnitude: more steps are not the advice to give
        return (
            text + f"; f is near 0, likely its minimum: raise tol (now {info['tol']:g}) "
            "to call such a run converged."
        )
    return text + "; try more steps or a larger learning rate."


def suggest_lr(
    status: str,
    lr: float,
    path: np.ndarray,
    first_step: tuple[np.ndarray, np.ndarray] | None,
    g0: np.ndarray | None,
    g_last: np.ndarray,
) -> float | None:
    """1/L from the curvature L seen along the path, for plain gradient descent."""
    if status == "diverged" and first_step is not None:
        dx, dg = first_step
    elif status == "stalled" and g0 is not None and len(path) > 1:
        dx, dg = path[-1] - path[0], g_last - g0
    else:
        return None
    curvature = secant_curvature(float(np.linalg.norm(dx)), float(np.linalg.norm(dg)))
    if curvature is None:
        return None
    suggestion = 1.0 / curvature
    if status == "diverged":  # 1/L when the path saw a curvature that explains the blow-up
        return suggestion if suggestion < lr else lr / 10
    return suggestion if suggestion > lr else None
