r"""Optimisers as pairs of pure functions, with PyTorch's update rules.

Each optimiser is an :class:`Optimizer`, a named pair ``(init, update)`` in
the style of optax::

    opt = slopes.optim.adam(lr=0.1)
    state = opt.init(params)
    updates, state = opt.update(grads, state, params)
    params = slopes.optim.apply_updates(params, updates)   # params + updates

``params`` and ``grads`` are arrays or pytrees (dicts, lists, tuples of
arrays); ``updates`` is the signed step, in the same structure. ``state`` is a
small NamedTuple holding the step count and the optimiser's buffers. Nothing is
modified in place: ``update`` returns new arrays and a new state, so an old
state (or the caller's arrays) can be kept and reused.

The update rules are exactly the algorithms PyTorch documents for
``torch.optim.SGD``, ``Adagrad``, ``RMSprop``, ``Adam`` and ``AdamW``, with the
same defaults, so the same gradients give the same trajectory to rounding. In
the formulas, :math:`t = 1, 2, \ldots` counts updates, :math:`\gamma_t` is
the learning rate (``lr(t - 1)`` when ``lr`` is a schedule, see
:mod:`slopes.optim._schedules`), and :math:`\theta` the parameters.

Examples
--------
>>> import numpy as np
>>> opt = sgd(lr=0.1)
>>> opt
sgd(lr=0.1, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0)
>>> x = np.array([-3.0, 4.0])
>>> state = opt.init(x)
>>> updates, state = opt.update(2 * x, state, x)   # gradient of x0**2 + x1**2
>>> apply_updates(x, updates)
array([-2.4,  3.2])
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

# Adagrad, RMSprop, Adam and AdamW live in a private module (file length); they are this API
from ._adaptive import adagrad, adam, adamw, rmsprop
from ._blocks import (
    AdagradState,
    AdamState,
    LearningRate,
    Optimizer,
    RMSpropState,
    SGDState,
    _at_least,
    _check_grads,
    _describe,
    _flag,
    _learning_rate,
    _lr_at,
    _map,
    _new,
    _scale,
    _unit_interval,
    _with_weight_decay,
    _zeros_like,
    apply_updates,
)
from ._schedules import Schedule, constant, cosine_decay, exponential_decay, step_decay

__all__ = [
    "AdagradState",
    "AdamState",
    "Optimizer",
    "RMSpropState",
    "SGDState",
    "Schedule",
    "adagrad",
    "adam",
    "adamw",
    "apply_updates",
    "constant",
    "cosine_decay",
    "exponential_decay",
    "rmsprop",
    "sgd",
    "step_decay",
]

# ---------------------------------------------------------------------------
# the optimisers
# ---------------------------------------------------------------------------


def sgd(
    lr: LearningRate = 1e-3,
    momentum: float = 0.0,
    dampening: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
) -> Optimizer:
    r"""Stochastic gradient descent with optional momentum, as ``torch.optim.SGD``.

    Parameters
    ----------
    lr : float or callable
        Learning rate :math:`\gamma`, or a schedule ``step -> lr``.
    momentum : float
        Momentum factor :math:`\mu` in [0, 1).
    dampening : float
        Dampening :math:`\tau` for momentum, in [0, 1).
    nesterov : bool
        Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
    weight_decay : float
        L2 penalty :math:`\lambda` added to the gradient.

    Returns
    -------
    Optimizer
        The pair ``init(params) -> SGDState`` and
        ``update(grads, state, params=None) -> (updates, new_state)``.

    Raises
    ------
    ValueError, TypeError
        For an argument out of range, naming it.

    Notes
    -----
    For :math:`t = 1, 2, \ldots`, with :math:`g_t = \nabla f(\theta_{t-1})`:

    .. math::
        g_t &\leftarrow g_t + \lambda \theta_{t-1} \\
        b_t &\leftarrow g_t \text{ if } t = 1
              \text{ else } \mu b_{t-1} + (1 - \tau) g_t \\
        d_t &\leftarrow g_t + \mu b_t \text{ (Nesterov) or } b_t
              \text{ (if } \mu \ne 0\text{, else } g_t) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma_t d_t

    Examples
    --------
    >>> opt = sgd(lr=0.1, momentum=0.9)
    >>> x = np.array([1.0]); state = opt.init(x)
    >>> for _ in range(2):
    ...     updates, state = opt.update(2 * x, state, x)
    ...     x = apply_updates(x, updates)
    >>> x   # 1 - 0.2 = 0.8, then b = 0.9*2 + 1.6 = 3.4, 0.8 - 0.34
    array([0.46])
    """
    lr = _learning_rate(lr)
    momentum = _unit_interval("momentum", momentum)
    dampening = _unit_interval("dampening", dampening)
    nesterov = _flag("nesterov", nesterov)
    weight_decay = _at_least("weight_decay", weight_decay)
    if nesterov and (momentum == 0 or dampening != 0):
        raise ValueError("`nesterov` needs `momentum` > 0 and `dampening` == 0")
    scheduled = callable(lr)

    def init(params: Any) -> SGDState:
        return SGDState(0, _zeros_like(params) if momentum else None)

    def update(grads: Any, state: SGDState, params: Any = None) -> tuple[Any, SGDState]:
        _check_grads(grads, state.momentum if params is None else params)
        count = state.count
        step_lr = _lr_at(lr, count) if scheduled else cast(float, lr)
        if (
            type(grads) is np.ndarray
            and (not weight_decay or type(params) is np.ndarray)
            and (not momentum or count == 0 or type(state.momentum) is np.ndarray)
        ):
            # plain arrays, the common case: the formulas below without the leafwise walk
            g = grads + weight_decay * params if weight_decay else grads
            buffer = None
            if momentum:
                if count == 0:
                    buffer = np.array(g, dtype=float)
                else:
                    # (1 - 0) * g is g exactly: skip a multiplication when undamped
                    damped = g if dampening == 0 else (1 - dampening) * g
                    buffer = momentum * state.momentum + damped
                g = g + momentum * buffer if nesterov else buffer
            return -step_lr * g, _new(SGDState, (count + 1, buffer))
        g = _with_weight_decay(grads, params, weight_decay) if weight_decay else grads
        buffer = None
        if momentum:
            if state.count == 0:
                buffer = _map(lambda gi: np.array(gi, dtype=float), g)
            else:
                buffer = _map(lambda b, gi: momentum * b + (1 - dampening) * gi, state.momentum, g)
            g = _map(lambda gi, b: gi + momentum * b, g, buffer) if nesterov else buffer
        return _scale(g, -step_lr), SGDState(state.count + 1, buffer)

    if not (momentum or weight_decay or scheduled):
        # plain gradient descent: slopes.minimize may apply x - lr * g itself (bit for bit
        # this update plus apply_updates), skipping the per-step calls
        update._descent_lr = lr  # type: ignore[attr-defined]

    return _describe(
        "sgd",
        init,
        update,
        lr=lr,
        momentum=momentum,
        dampening=dampening,
        nesterov=nesterov,
        weight_decay=weight_decay,
    )
