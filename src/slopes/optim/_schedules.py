"""Learning-rate schedules: callables ``step -> lr``.

Every optimiser in :mod:`slopes.optim` accepts a number or a schedule as its
``lr``. A schedule is called with the number of updates already made (0 for the
first update, as in optax), so ``schedule(0)`` is the learning rate of the
first step. The closed forms are those of PyTorch's ``StepLR``,
``ExponentialLR`` and ``CosineAnnealingLR`` (the latter held at its minimum
once ``total_steps`` have passed, instead of rising again).

This module is re-exported by :mod:`slopes.optim`; use it from there.

Examples
--------
>>> schedule = step_decay(0.1, step_size=10, gamma=0.5)
>>> schedule
step_decay(lr=0.1, step_size=10, gamma=0.5)
>>> [schedule(step) for step in (0, 9, 10, 25)]
[0.1, 0.1, 0.05, 0.025]
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Schedule",
    "constant",
    "cosine_decay",
    "exponential_decay",
    "step_decay",
]


def _check_positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"`{name}` must be positive and finite, got {value}")
    return value


def _check_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer, got {value!r}")
    return int(value)


def _check_step(step: Any) -> int:
    if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
        raise ValueError(f"`step` must be a non-negative integer, got {step!r}")
    return int(step)


class Schedule:
    """Base class: a learning rate as a function of the step count.

    A subclass defines ``__call__(step) -> lr``, with ``step`` the number of
    updates already made (0 for the first). Any callable ``int -> float``
    works as ``lr`` too; subclassing gives the validation and a readable repr.

    Examples
    --------
    >>> isinstance(cosine_decay(0.1, total_steps=100), Schedule)
    True
    >>> class halving(Schedule):
    ...     def __call__(self, step):
    ...         return 0.1 / 2**step
    >>> [halving()(step) for step in range(3)]
    [0.1, 0.05, 0.025]
    """

    def __call__(self, step: int) -> float:  # pragma: no cover - overridden
        raise NotImplementedError


@dataclass(frozen=True, repr=False)
class constant(Schedule):
    """The same learning rate at every step: ``lr(t) = lr``.

    Parameters
    ----------
    lr : float
        The learning rate, positive and finite.

    Examples
    --------
    >>> constant(0.1)(1000)
    0.1
    """

    lr: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", _check_positive("lr", self.lr))

    def __call__(self, step: int) -> float:
        _check_step(step)
        return self.lr

    def __repr__(self) -> str:
        return f"constant(lr={self.lr!r})"


@dataclass(frozen=True, repr=False)
class step_decay(Schedule):
    r"""Multiply the rate by ``gamma`` every ``step_size`` steps (PyTorch's ``StepLR``).

    Parameters
    ----------
    lr : float
        The rate of the first step, positive and finite.
    step_size : int
        Steps between two decays, a positive integer.
    gamma : float
        Factor in (0, 1] applied at each decay.

    Notes
    -----
    .. math:: \mathrm{lr}(t) = \mathrm{lr} \cdot \gamma^{\lfloor t / s \rfloor}

    Examples
    --------
    >>> step_decay(1.0, step_size=2, gamma=0.1)(5)
    0.010000000000000002
    """

    lr: float
    step_size: int
    gamma: float = 0.1

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", _check_positive("lr", self.lr))
        object.__setattr__(self, "step_size", _check_count("step_size", self.step_size))
        gamma = _check_positive("gamma", self.gamma)
        if gamma > 1:
            raise ValueError(f"`gamma` must be in (0, 1], got {gamma}")
        object.__setattr__(self, "gamma", gamma)

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma ** (_check_step(step) // self.step_size)

    def __repr__(self) -> str:
        return f"step_decay(lr={self.lr!r}, step_size={self.step_size!r}, gamma={self.gamma!r})"


@dataclass(frozen=True, repr=False)
class exponential_decay(Schedule):
    r"""Multiply the rate by ``gamma`` every step (PyTorch's ``ExponentialLR``).

    Parameters
    ----------
    lr : float
        The rate of the first step, positive and finite.
    gamma : float
        Factor in (0, 1] applied at every step.

    Notes
    -----
    .. math:: \mathrm{lr}(t) = \mathrm{lr} \cdot \gamma^{t}

    Examples
    --------
    >>> exponential_decay(0.5, gamma=0.5)(3)
    0.0625
    """

    lr: float
    gamma: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", _check_positive("lr", self.lr))
        gamma = _check_positive("gamma", self.gamma)
        if gamma > 1:
            raise ValueError(f"`gamma` must be in (0, 1], got {gamma}")
        object.__setattr__(self, "gamma", gamma)

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma ** _check_step(step)

    def __repr__(self) -> str:
        return f"exponential_decay(lr={self.lr!r}, gamma={self.gamma!r})"


@dataclass(frozen=True, repr=False)
class cosine_decay(Schedule):
    r"""Half a cosine from ``lr`` down to ``min_lr`` over ``total_steps`` steps.

    The closed form of PyTorch's ``CosineAnnealingLR``; after ``total_steps``
    the rate stays at ``min_lr``.

    Parameters
    ----------
    lr : float
        The rate of the first step, positive and finite.
    total_steps : int
        Steps :math:`T` from ``lr`` down to ``min_lr``, a positive integer.
    min_lr : float
        The final rate, in [0, ``lr``].

    Notes
    -----
    .. math::
        \mathrm{lr}(t) = \mathrm{lr}_{\min} + \tfrac12 (\mathrm{lr} - \mathrm{lr}_{\min})
        \left(1 + \cos\frac{\pi \min(t, T)}{T}\right)

    Examples
    --------
    >>> schedule = cosine_decay(1.0, total_steps=4)
    >>> [round(schedule(t), 12) for t in range(6)]
    [1.0, 0.853553390593, 0.5, 0.146446609407, 0.0, 0.0]
    """

    lr: float
    total_steps: int
    min_lr: float = 0.0

    def __post_init__(self) -> None:
        lr = _check_positive("lr", self.lr)
        object.__setattr__(self, "lr", lr)
        object.__setattr__(self, "total_steps", _check_count("total_steps", self.total_steps))
        min_lr = self.min_lr
        if isinstance(min_lr, bool) or not isinstance(min_lr, numbers.Real):
            raise TypeError(f"`min_lr` must be a real number, got {type(min_lr).__name__}")
        if not (0 <= float(min_lr) <= lr):
            raise ValueError(f"`min_lr` must be in [0, lr={lr}], got {min_lr}")
        object.__setattr__(self, "min_lr", float(min_lr))

    def __call__(self, step: int) -> float:
        fraction = min(_check_step(step), self.total_steps) / self.total_steps
        return self.min_lr + 0.5 * (self.lr - self.min_lr) * (1 + math.cos(math.pi * fraction))

    def __repr__(self) -> str:
        return (
            f"cosine_decay(lr={self.lr!r}, total_steps={self.total_steps!r}, "
            f"min_lr={self.min_lr!r})"
        )
