r"""The transforms of :mod:`slopes.optim`: each optimiser rule, written once for one leaf.

Private: use them from :mod:`slopes.optim`, which re-exports them. Each is a
frozen dataclass of its hyperparameters (validated, each message naming the
argument) whose ``rule`` maps one leaf of the incoming updates (and of the
buffers it keeps) to new arrays; :func:`slopes.optim.chain` runs them in
order on a plain array or on every leaf of a pytree, and PyTorch's optimisers
are such chains:

====================  ===============================================================
``sgd``               [add_decayed_weights], [trace], scale_by_learning_rate
``adagrad``           [add_decayed_weights], scale_by_adagrad, scale_by_learning_rate
``rmsprop``           [add_decayed_weights], scale_by_rms, [trace], scale_by_learning_rate
``adam``              [add_decayed_weights], scale_by_adam, scale_by_learning_rate
``adamw``             scale_by_adam, [add_decayed_weights], scale_by_learning_rate
====================  ===============================================================

(brackets: only when the option is used). Weight decay is one rule: added to
the gradient before the adaptive scaling it is PyTorch's L2 ``weight_decay``,
added after it the decoupled decay of AdamW.

Examples
--------
>>> import numpy as np
>>> t = trace(momentum=0.9)
>>> t
trace(momentum=0.9, dampening=0.0, nesterov=False)
>>> t.rule(1, np.array([1.0]), None, np.array([2.0]))   # update 2: 0.9 * 2 + 1
(array([2.8]), array([2.8]))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._blocks import (
    LearningRate,
    Transform,
    _at_least,
    _flag,
    _learning_rate,
    _lr_at,
    _unit_interval,
    _zeros_like,
)

__all__ = [
    "add_decayed_weights",
    "scale_by_adagrad",
    "scale_by_adam",
    "scale_by_learning_rate",
    "scale_by_rms",
    "trace",
]


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)  # a frozen dataclass stores its checked values


@dataclass(frozen=True)
class scale_by_learning_rate(Transform):
    r"""Multiply the updates by minus the learning rate: the step downhill.

    Parameters
    ----------
    lr : float or callable
        The learning rate :math:`\gamma`, positive, or a schedule
        ``step -> lr`` called with the number of updates already made.

    Notes
    -----
    :math:`u \leftarrow -\gamma_t u`. Alone in a :func:`chain` it is plain
    gradient descent, which :func:`slopes.minimize` recognises (the
    optimiser's ``plain_descent``) and applies itself.

    Examples
    --------
    >>> from slopes.optim import chain
    >>> opt = chain(scale_by_learning_rate(0.1))
    >>> updates, state = opt.update(np.array([2.0, -4.0]), opt.init(np.zeros(2)))
    >>> updates
    array([-0.2,  0.4])
    >>> updates, _ = opt.update({"w": np.array([1.0])}, opt.init({"w": np.zeros(1)}))
    >>> updates
    {'w': array([-0.1])}
    """

    lr: LearningRate

    def __post_init__(self) -> None:
        _set(self, "lr", _learning_rate(self.lr))

    def rule(self, count: int, update: Any, param: Any) -> tuple[Any]:
        lr = self.lr
        return (-(_lr_at(lr, count) if callable(lr) else lr) * update,)


@dataclass(frozen=True)
class add_decayed_weights(Transform):
    r"""Add ``weight_decay`` times the parameters to the updates: weight decay, once.

    Parameters
    ----------
    weight_decay : float
        The decay :math:`\lambda \ge 0`.

    Notes
    -----
    :math:`u \leftarrow u + \lambda \theta`. First in a chain, it adds the
    L2 penalty's gradient (PyTorch's ``weight_decay`` in SGD, Adagrad,
    RMSprop and Adam); after an adaptive scaling and before
    :func:`scale_by_learning_rate`, it is AdamW's decoupled decay
    :math:`\theta \leftarrow \theta - \gamma \lambda \theta`. ``update``
    then needs the parameters.

    Examples
    --------
    >>> from slopes.optim import chain
    >>> opt = chain(add_decayed_weights(0.5), scale_by_learning_rate(0.1))
    >>> x = np.array([2.0])
    >>> updates, _ = opt.update(np.array([1.0]), opt.init(x), x)
    >>> updates   # -0.1 * (1 + 0.5 * 2)
    array([-0.2])
    """

    weight_decay: float

    uses_params = True

    def __post_init__(self) -> None:
        _set(self, "weight_decay", _at_least("weight_decay", self.weight_decay))

    def rule(self, count: int, update: Any, param: Any) -> tuple[Any]:
        return (update + self.weight_decay * param,)


@dataclass(frozen=True)
class trace(Transform):
    r"""Momentum: a running trace of the updates, heavy ball or Nesterov (PyTorch's SGD).

    Parameters
    ----------
    momentum : float
        The momentum factor :math:`\mu` in [0, 1).
    dampening : float
        The dampening :math:`\tau` in [0, 1) of each new update.
    nesterov : bool
        Nesterov's momentum (needs ``momentum > 0`` and ``dampening == 0``).

    Notes
    -----
    With :math:`t = 1, 2, \ldots` counting updates and buffer :math:`b`:

    .. math::
        b_t &\leftarrow u_t \text{ if } t = 1
              \text{ else } \mu b_{t-1} + (1 - \tau) u_t \\
        u_t &\leftarrow u_t + \mu b_t \text{ (Nesterov) or } b_t

    Its buffer is the slot ``momentum``.

    Examples
    --------
    >>> from slopes.optim import chain, scale_by_learning_rate
    >>> opt = chain(trace(momentum=0.5), scale_by_learning_rate(1.0))
    >>> state = opt.init(np.zeros(1))
    >>> for g in (2.0, 2.0):
    ...     updates, state = opt.update(np.array([g]), state)
    >>> updates   # b = 2, then 0.5 * 2 + 2
    array([-3.])
    """

    momentum: float
    dampening: float = 0.0
    nesterov: bool = False

    slots = ("momentum",)

    def __post_init__(self) -> None:
        _set(self, "momentum", _unit_interval("momentum", self.momentum))
        _set(self, "dampening", _unit_interval("dampening", self.dampening))
        _set(self, "nesterov", _flag("nesterov", self.nesterov))
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError("`nesterov` needs `momentum` > 0 and `dampening` == 0")

    def init_leaf(self, param: np.ndarray) -> tuple[np.ndarray]:
        return (_zeros_like(param),)

    def rule(self, count: int, update: Any, param: Any, buffer: Any) -> tuple[Any, Any]:
        if count == 0:  # PyTorch starts the buffer at the first update itself
            buffer = np.array(update, dtype=float)
        elif self.dampening == 0:  # (1 - 0) * u is u exactly: one multiplication fewer
            buffer = self.momentum * buffer + update
        else:
            buffer = self.momentum * buffer + (1 - self.dampening) * update
        return (update + self.momentum * buffer if self.nesterov else buffer), buffer


@dataclass(frozen=True)
class scale_by_adagrad(Transform):
    r"""Divide by the root of the sum of squared updates (Adagrad's scaling).

    Parameters
    ----------
    eps : float
        Added to the denominator, after the square root.
    initial_accumulator_value : float
        The sum's starting value :math:`s_0 \ge 0`.

    Notes
    -----
    :math:`s_t \leftarrow s_{t-1} + u_t^2, \quad u_t \leftarrow u_t /
    (\sqrt{s_t} + \epsilon)`. Its buffer is the slot ``sum``.

    Examples
    --------
    >>> from slopes.optim import chain
    >>> opt = chain(scale_by_adagrad())
    >>> updates, state = opt.update(np.array([3.0, -4.0]), opt.init(np.zeros(2)))
    >>> updates, state.buffers   # u / |u| at the first step, up to eps
    (array([ 1., -1.]), (array([ 9., 16.]),))
    """

    eps: float = 1e-10
    initial_accumulator_value: float = 0.0

    slots = ("sum",)

    def __post_init__(self) -> None:
        _set(self, "eps", _at_least("eps", self.eps))
        value = _at_least("initial_accumulator_value", self.initial_accumulator_value)
        _set(self, "initial_accumulator_value", value)

    def init_leaf(self, param: np.ndarray) -> tuple[np.ndarray]:
        return (_zeros_like(param) + self.initial_accumulator_value,)

    def rule(self, count: int, update: Any, param: Any, total: Any) -> tuple[Any, Any]:
        total = total + update * update
        return update / (np.sqrt(total) + self.eps), total


@dataclass(frozen=True)
class scale_by_rms(Transform):
    r"""Divide by the root of a moving average of squared updates (RMSprop's scaling).

    Parameters
    ----------
    alpha : float
        The smoothing constant :math:`\alpha` in [0, 1).
    eps : float
        Added to the denominator, after the square root.
    centered : bool
        Divide by an estimate of the variance instead of the raw second moment.

    Notes
    -----
    .. math::
        v_t &\leftarrow \alpha v_{t-1} + (1 - \alpha) u_t^2,
              \quad \tilde v_t \leftarrow v_t \\
        \text{centered: } \bar u_t &\leftarrow \alpha \bar u_{t-1}
              + (1 - \alpha) u_t, \quad \tilde v_t \leftarrow v_t - \bar u_t^2 \\
        u_t &\leftarrow u_t / (\sqrt{\tilde v_t} + \epsilon)

    Its buffers are the slots ``square_avg`` and, centered, ``grad_avg``.

    Examples
    --------
    >>> from slopes.optim import chain
    >>> opt = chain(scale_by_rms(alpha=0.75, eps=0.0))
    >>> updates, state = opt.update(np.array([3.0]), opt.init(np.zeros(1)))
    >>> updates, state.buffers   # 3 / sqrt(0.25 * 9)
    (array([2.]), (array([2.25]),))
    """

    alpha: float = 0.99
    eps: float = 1e-8
    centered: bool = False

    def __post_init__(self) -> None:
        _set(self, "alpha", _unit_interval("alpha", self.alpha))
        _set(self, "eps", _at_least("eps", self.eps))
        _set(self, "centered", _flag("centered", self.centered))

    @property
    def slots(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("square_avg", "grad_avg") if self.centered else ("square_avg",)

    def init_leaf(self, param: np.ndarray) -> tuple[np.ndarray, ...]:
        return (_zeros_like(param), _zeros_like(param)) if self.centered else (_zeros_like(param),)

    def rule(self, count: int, update: Any, param: Any, *buffers: Any) -> tuple[Any, ...]:
        alpha = self.alpha
        square_avg = alpha * buffers[0] + (1 - alpha) * (update * update)
        if not self.centered:
            return update / (np.sqrt(square_avg) + self.eps), square_avg
        grad_avg = alpha * buffers[1] + (1 - alpha) * update
        variance = square_avg - grad_avg * grad_avg
        return update / (np.sqrt(variance) + self.eps), square_avg, grad_avg


@dataclass(frozen=True)
class scale_by_adam(Transform):
    r"""Adam's scaling: the bias-corrected first moment over the root of the second.

    Parameters
    ----------
    b1 : float
        Decay :math:`\beta_1` in [0, 1) of the first moment's average.
    b2 : float
        Decay :math:`\beta_2` in [0, 1) of the second moment's average.
    eps : float
        Added to the denominator, after the square root.
    amsgrad : bool
        Use the running maximum of the second moment (AMSGrad).

    Notes
    -----
    .. math::
        m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) u_t, \quad
        v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) u_t^2 \\
        \text{AMSGrad: } v_t^{\max} &\leftarrow \max(v_{t-1}^{\max}, v_t),
              \text{ used below in place of } v_t \\
        u_t &\leftarrow \frac{m_t / (1 - \beta_1^t)}{\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}

    Its buffers are the slots ``exp_avg``, ``exp_avg_sq`` and, with AMSGrad,
    ``max_exp_avg_sq`` (the maximum of the raw :math:`v_t`, bias-corrected
    afterwards, as PyTorch keeps it).

    Examples
    --------
    >>> from slopes.optim import chain
    >>> opt = chain(scale_by_adam(b1=0.5, b2=0.75, eps=0.0))
    >>> updates, state = opt.update(np.array([-2.0]), opt.init(np.zeros(1)))
    >>> updates, state.buffers   # the sign of u at the first step; m = -1, v = 1
    (array([-1.]), (array([-1.]), array([1.])))
    """

    b1: float = 0.9
    b2: float = 0.999
    eps: float = 1e-8
    amsgrad: bool = False

    def __post_init__(self) -> None:
        _set(self, "b1", _unit_interval("b1", self.b1))
        _set(self, "b2", _unit_interval("b2", self.b2))
        _set(self, "eps", _at_least("eps", self.eps))
        _set(self, "amsgrad", _flag("amsgrad", self.amsgrad))

    @property
    def slots(self) -> tuple[str, ...]:  # type: ignore[override]
        if self.amsgrad:
            return ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
        return ("exp_avg", "exp_avg_sq")

    def init_leaf(self, param: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(_zeros_like(param) for _ in self.slots)

    def rule(self, count: int, update: Any, param: Any, *buffers: Any) -> tuple[Any, ...]:
        b1, b2 = self.b1, self.b2
        exp_avg = b1 * buffers[0] + (1 - b1) * update
        exp_avg_sq = b2 * buffers[1] + (1 - b2) * (update * update)
        second = exp_avg_sq
        if self.amsgrad:
            second = np.maximum(buffers[2], exp_avg_sq)
        t = count + 1  # bias corrections 1 - beta**t
        direction = (exp_avg / (1 - b1**t)) / (np.sqrt(second / (1 - b2**t)) + self.eps)
        if self.amsgrad:
            return direction, exp_avg, exp_avg_sq, second
        return direction, exp_avg, exp_avg_sq
