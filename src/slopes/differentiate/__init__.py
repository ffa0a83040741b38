"""Derivatives, gradients, Jacobians and Hessians by finite differences.

Every function takes a black-box f and a point x, and either one fixed step
(``step=h``: exactly one stencil, the textbook's central difference by
default) or none (``step=None``: an automatic step, refined by Richardson
extrapolation until an error estimate stops improving). ``gradient`` and
``jacobian`` run the same engine as ``derivative`` along every coordinate
(a gradient of 256 or more coordinates first tries a four-point pass,
:mod:`slopes.differentiate._engine.quick`), and ``hessian(f, x, grad=g)`` is the
symmetrised Jacobian of ``g``; from function values alone, ``hessian`` takes
the diagonal from the second-derivative engine and every pair of
coordinates once from a product stencil (:mod:`slopes.differentiate._hessian`).

The engine lives in private modules: stencils in :mod:`slopes.differentiate._engine.stencils`,
step rules in :mod:`slopes.differentiate._engine.steps` (and the named rules of a
fixed step, ``step="textbook"`` or ``"cube-root"``, in
:mod:`slopes.differentiate._engine.gradient_steps`), the adaptive algorithm in
:mod:`slopes.differentiate._engine.richardson` with the error analysis of one table in
:mod:`slopes.differentiate._engine.table` (and the first trial for one scalar in
plain floats, :mod:`slopes.differentiate._engine.first_trial`), the entry points
shared by all functions in :mod:`slopes.differentiate._engine.core`, the calling of
f in :mod:`slopes.differentiate._engine.evaluate` and
:mod:`slopes.differentiate._engine.evaluate_block`, validation in
:mod:`slopes.differentiate._engine.validate` and ``check_grad`` in
:mod:`slopes.differentiate._check`.

Status codes (``full_output=True``, per element or coordinate):

- ``DiffResult.CONVERGED`` (0): the error estimate is reliable;
- ``ONE_SIDED`` (1): f is not finite on one side, a one-sided stencil was
  used and confirmed at a second, smaller step;
- ``FIXED_STEP`` (2): ``step=h`` was given, one stencil, no error estimate
  (``error`` is nan; ``success`` is True where the value is finite);
- ``UNRELIABLE`` (-1): the orders never agreed, or a trial at a smaller
  step disagreed beyond both error estimates (noisy f, a jump or pole
  at x, or an unconfirmed one-sided result); ``success`` is False;
- ``NONFINITE`` (-2): f is not finite at x or on both sides of it;
- ``IMPRECISE`` (-3): the error estimate is reliable but above ``tolerances``
  where given, else above about 1e-6 of the value's scale
  (``max(|value|, max|f| / max(|x|, 1)**n)``): a high derivative, a
  one-sided stencil or a noisy f; ``success`` is False, and ``value`` and
  ``error`` are still the engine's best.

Examples
--------
>>> import numpy as np
>>> import slopes
>>> round(float(slopes.derivative(np.exp, 1.0)), 12)
2.718281828459
>>> slopes.gradient(lambda x: np.sum(x**2), np.array([3.0, 4.0]))
array([6., 8.])
"""

import importlib as _importlib
import typing as _typing

from ._api import DiffResult, check_grad, derivative, gradient, hessian, jacobian

# loaded on first use, so that `slopes.derivative` costs what it did before they lived here
# (taylor brings the parallel layer with it)
_LAZY = {
    "hvp": "._directional",
    "jvp": "._directional",
    "hessdiag": "._hessdiag",
    "propagate": "._propagate",
    "taylor": "._taylor",
}

__all__ = [
    "DiffResult",
    "check_grad",
    "derivative",
    "gradient",
    "hessdiag",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "propagate",
    "taylor",
]


def __getattr__(name: str) -> _typing.Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'slopes.differentiate' has no attribute {name!r}")
    value = getattr(_importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


if _typing.TYPE_CHECKING:  # pragma: no cover - for static type checkers and IDEs only
    from ._directional import hvp, jvp
    from ._hessdiag import hessdiag
    from ._propagate import propagate
    from ._taylor import taylor
