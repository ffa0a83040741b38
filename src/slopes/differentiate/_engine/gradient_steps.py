r"""The named step rules of a numerical gradient, in one place.

``gradient``, ``minimize`` and ``fit`` differentiate through the same engine
(:func:`slopes.gradient`); what differs is only how the step is chosen. Each
rule has a name, usable wherever a step is taken (``gradient(step=...)``,
``minimize(gradient_step=...)``, ``fit(gradient_step=...)``):

- ``"adaptive"``: no fixed step: the engine chooses and refines it
  (Richardson extrapolation, an error estimate per coordinate); the default
  of :func:`slopes.gradient` (``step=None``). About 6 to 12 evaluations of f
  per coordinate.
- ``"textbook"``: :math:`h = 10^{-4}` for every coordinate, one central
  difference: the chapter's rule and its printed numbers, the default of
  :func:`slopes.fit`. 2 evaluations per coordinate.
- ``"cube-root"``: :math:`h_i = \epsilon^{1/3} \max(1, |x_i|)`, one central
  difference, with :math:`\epsilon` the machine epsilon of x's precision: the
  default of :func:`slopes.minimize`. 2 evaluations per coordinate.
- a positive number: that fixed step for every coordinate.

Why the cube root: a central difference has truncation error
:math:`h^2 |f'''| / 6` and rounding error about :math:`\epsilon |f| / h`; the
sum is smallest near :math:`h \sim \epsilon^{1/3}` times the scale of x
(about 6e-6 for float64, 5e-3 for float32), where about two thirds of the
digits survive. The textbook's 1e-4 is that rule's order of magnitude for
float64 at :math:`|x| \le 1`, but fixed: it is below the resolution of x
for :math:`|x| \gtrsim 10^{10}` and far too small for float32.

Examples
--------
>>> import numpy as np
>>> step_sizes("textbook", np.array([1.0, 300.0]))
array([0.0001, 0.0001])
>>> step_sizes("cube-root", np.array([0.5, 300.0]))
array([6.05545445e-06, 1.81663634e-03])
>>> step_sizes("adaptive", np.array([1.0])) is None
True
>>> check_gradient_step("cube root")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: `gradient_step` must be a positive number or a step rule ('adaptive', ...
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

__all__ = [
    "STEP_RULES",
    "TEXTBOOK_STEP",
    "GradientStep",
    "check_gradient_step",
    "step_sizes",
]

#: A step rule by name, or a fixed step.
GradientStep = Literal["adaptive", "textbook", "cube-root"] | float

#: The chapter's step, ``h = 1e-4`` (its ``numerical_diff`` and ``numerical_gradient``).
TEXTBOOK_STEP = 1e-4


def adaptive(flat: np.ndarray) -> None:
    """No fixed step: the engine chooses and refines one per coordinate (``step=None``)."""
    return None


def textbook(flat: np.ndarray) -> np.ndarray:
    """The chapter's ``h = 1e-4`` for every coordinate, in x's precision."""
    return np.full(flat.shape, TEXTBOOK_STEP, dtype=_float_dtype(flat))


def cube_root(flat: np.ndarray) -> np.ndarray:
    r""":math:`h_i = \epsilon^{1/3} \max(1, |x_i|)`, :math:`\epsilon` of x's precision.

    Balances a central difference's truncation (:math:`h^2`) against rounding
    (:math:`\epsilon / h`): float32 needs a much larger step than float64.
    """
    dtype = _float_dtype(flat)
    factor = float(np.finfo(dtype).eps) ** (1 / 3)
    return factor * np.maximum(1.0, np.abs(flat.astype(dtype, copy=False)))


RULE_NAMES: tuple[Literal["adaptive", "textbook", "cube-root"], ...] = (
    "adaptive",
    "textbook",
    "cube-root",
)

#: The rules by name (see the module docstring); each maps x's flat vector to
#: one step per coordinate, or None for the adaptive engine.
STEP_RULES: dict[str, Callable[[np.ndarray], np.ndarray | None]] = {
    "adaptive": adaptive,
    "textbook": textbook,
    "cube-root": cube_root,
}


def _float_dtype(flat: np.ndarray) -> np.dtype:
    return flat.dtype if np.issubdtype(flat.dtype, np.floating) else np.dtype(np.float64)


def check_gradient_step(value: Any, name: str = "gradient_step") -> GradientStep:
    """``value`` as a rule name or a positive finite float; a clear error naming ``name``."""
    if isinstance(value, str):
        for rule in RULE_NAMES:
            if value == rule:
                return rule
    elif isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        number = float(value)
        if math.isfinite(number) and number > 0:
            return number
    names = ", ".join(repr(rule) for rule in STEP_RULES)
    raise ValueError(f"`{name}` must be a positive number or a step rule ({names}), got {value!r}")


def step_sizes(rule: str | float, flat: np.ndarray) -> np.ndarray | None:
    """The step per coordinate of ``flat`` under ``rule`` (a name or a number); None: adaptive."""
    if isinstance(rule, str):
        return STEP_RULES[rule](flat)
    return np.full(flat.shape, float(rule), dtype=_float_dtype(flat))
