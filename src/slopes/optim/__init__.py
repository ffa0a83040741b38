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
same defaults, so the same gradients give the same trajectory to rounding.
Each is a :func:`chain` of small transforms, each rule written once for one
leaf and run alike on arrays and pytrees: :func:`add_decayed_weights` (weight
decay, coupled or decoupled by its place in the chain), :func:`trace`
(momentum, heavy ball or Nesterov), :func:`scale_by_adagrad`,
:func:`scale_by_rms`, :func:`scale_by_adam` and :func:`scale_by_learning_rate`;
chain them into optimisers of your own. In
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

# Adagrad, RMSprop, Adam and AdamW live in a private module (file length); they are this API
from ._adaptive import adagrad, adam, adamw, rmsprop
from ._blocks import (
    AdagradState,
    AdamState,
    ChainState,
    LearningRate,
    Optimizer,
    RMSpropState,
    SGDState,
    Transform,
    _at_least,
    _flag,
    _learning_rate,
    _unit_interval,
    apply_updates,
)
from ._chain import _build, chain
from ._schedules import Schedule, constant, cosine_decay, exponential_decay, step_decay
from ._transforms import (
    add_decayed_weights,
    scale_by_adagrad,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_rms,
    trace,
)

__all__ = [
    "AdagradState",
    "AdamState",
    "ChainState",
    "Optimizer",
    "RMSpropState",
    "SGDState",
    "Schedule",
    "Transform",
    "adagrad",
    "adam",
    "adamw",
    "add_decayed_weights",
    "apply_updates",
    "chain",
    "constant",
    "cosine_decay",
    "exponential_decay",
    "rmsprop",
    "scale_by_adagrad",
    "scale_by_adam",
    "scale_by_learning_rate",
    "scale_by_rms",
    "sgd",
    "step_decay",
    "trace",
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
        ``update(grads, state, params=None) -> (updates, new_state)``: the
        chain of :func:`add_decayed_weights` (with ``weight_decay``),
        :func:`trace` (with ``momentum``) and :func:`scale_by_learning_rate`.

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
    >>> import numpy as np
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
    transforms: list[Transform] = []
    if weight_decay:
        transforms.append(add_decayed_weights(weight_decay))
    if momentum:
        transforms.append(trace(momentum, dampening, nesterov))
    transforms.append(scale_by_learning_rate(lr))
    return _build(
        transforms,
        state=SGDState,
        name="sgd",
        hyperparams=dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            nesterov=nesterov,
            weight_decay=weight_decay,
        ),
        learning_rate=lr,
    )
