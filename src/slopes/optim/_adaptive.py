r"""The adaptive optimisers of :mod:`slopes.optim`: Adagrad, RMSprop, Adam, AdamW.

Private: use them from :mod:`slopes.optim`, which re-exports them and
documents the conventions (PyTorch's update rules and defaults, ``lr`` as a
number or a schedule, nothing modified in place). Each is a chain of the
transforms of :mod:`slopes.optim._transforms`, which hold the formulas.

Examples
--------
>>> import numpy as np
>>> opt = adam(lr=0.3)
>>> updates, state = opt.update(np.array([-0.7, 4.0]), opt.init(np.zeros(2)))
>>> updates
array([ 0.3, -0.3])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._blocks import (
    AdagradState,
    AdamState,
    LearningRate,
    Optimizer,
    RMSpropState,
    Transform,
    _at_least,
    _flag,
    _learning_rate,
    _lr_at,
    _unit_interval,
)
from ._chain import _build
from ._transforms import (
    add_decayed_weights,
    scale_by_adagrad,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_rms,
    trace,
)

__all__ = ["adagrad", "adam", "adamw", "rmsprop"]


def adagrad(
    lr: LearningRate = 1e-2,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    eps: float = 1e-10,
    initial_accumulator_value: float = 0.0,
) -> Optimizer:
    r"""Adagrad, as ``torch.optim.Adagrad``.

    Parameters
    ----------
    lr : float or callable
        Learning rate :math:`\gamma`, or a schedule ``step -> lr``.
    lr_decay : float
        Decay :math:`\eta \ge 0` of the rate with the step count.
    weight_decay : float
        L2 penalty :math:`\lambda \ge 0` added to the gradient.
    eps : float
        Added to the denominator for numerical stability.
    initial_accumulator_value : float
        Starting value :math:`s_0 \ge 0` of the sum of squared gradients.

    Returns
    -------
    Optimizer
        The pair ``init(params) -> AdagradState`` and
        ``update(grads, state, params=None) -> (updates, new_state)``.

    Raises
    ------
    ValueError, TypeError
        For an argument out of range, naming it.

    Notes
    -----
    With :math:`\eta` = ``lr_decay`` and :math:`s_0` = ``initial_accumulator_value``:

    .. math::
        \tilde\gamma_t &\leftarrow \gamma_t / (1 + (t - 1) \eta) \\
        g_t &\leftarrow g_t + \lambda \theta_{t-1} \\
        s_t &\leftarrow s_{t-1} + g_t^2 \\
        \theta_t &\leftarrow \theta_{t-1} - \tilde\gamma_t \, g_t / (\sqrt{s_t} + \epsilon)

    Examples
    --------
    >>> import numpy as np
    >>> opt = adagrad(lr=1.5)
    >>> x = np.array([-7.0, 2.0]); state = opt.init(x)
    >>> updates, state = opt.update(np.array([-0.7, 4.0]), state, x)
    >>> updates   # each coordinate moves by about lr at the first step
    array([ 1.5, -1.5])
    """
    lr = _learning_rate(lr)
    lr_decay = _at_least("lr_decay", lr_decay)
    weight_decay = _at_least("weight_decay", weight_decay)
    eps = _at_least("eps", eps)
    initial_accumulator_value = _at_least("initial_accumulator_value", initial_accumulator_value)
    transforms: list[Transform] = [add_decayed_weights(weight_decay)] if weight_decay else []
    transforms.append(scale_by_adagrad(eps, initial_accumulator_value))
    transforms.append(scale_by_learning_rate(_InverseTime(lr, lr_decay) if lr_decay else lr))
    return _build(
        transforms,
        state=AdagradState,
        name="adagrad",
        hyperparams=dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            eps=eps,
            initial_accumulator_value=initial_accumulator_value,
        ),
        learning_rate=lr,
    )


@dataclass(frozen=True)
class _InverseTime:
    """Adagrad's decaying rate: ``lr(t) / (1 + t * lr_decay)`` after ``t`` updates."""

    lr: LearningRate
    lr_decay: float

    def __call__(self, step: int) -> float:
        return _lr_at(self.lr, step) / (1 + step * self.lr_decay)


def rmsprop(
    lr: LearningRate = 1e-2,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
) -> Optimizer:
    r"""RMSprop, as ``torch.optim.RMSprop`` (eps added *after* the square root).

    Parameters
    ----------
    lr : float or callable
        Learning rate :math:`\gamma`, or a schedule ``step -> lr``.
    alpha : float
        Smoothing constant :math:`\alpha` in [0, 1) of the squared-gradient average.
    eps : float
        Added to the denominator for numerical stability.
    weight_decay : float
        L2 penalty :math:`\lambda \ge 0` added to the gradient.
    momentum : float
        Momentum factor :math:`\mu` in [0, 1); 0 for none.
    centered : bool
        Divide by an estimate of the gradient's variance instead of its raw
        second moment.

    Returns
    -------
    Optimizer
        The pair ``init(params) -> RMSpropState`` and
        ``update(grads, state, params=None) -> (updates, new_state)``.

    Raises
    ------
    ValueError, TypeError
        For an argument out of range, naming it.

    Notes
    -----
    .. math::
        g_t &\leftarrow g_t + \lambda \theta_{t-1} \\
        v_t &\leftarrow \alpha v_{t-1} + (1 - \alpha) g_t^2,
              \quad \tilde v_t \leftarrow v_t \\
        \text{centered: } \bar g_t &\leftarrow \alpha \bar g_{t-1} + (1 - \alpha) g_t,
              \quad \tilde v_t \leftarrow v_t - \bar g_t^2 \\
        \text{momentum } \mu > 0\text{: } b_t &\leftarrow \mu b_{t-1}
              + g_t / (\sqrt{\tilde v_t} + \epsilon), \quad
              \theta_t \leftarrow \theta_{t-1} - \gamma_t b_t \\
        \text{otherwise: } \theta_t &\leftarrow \theta_{t-1}
              - \gamma_t g_t / (\sqrt{\tilde v_t} + \epsilon)

    Examples
    --------
    >>> import numpy as np
    >>> opt = rmsprop(lr=0.01)
    >>> updates, _ = opt.update(np.array([3.0]), opt.init(np.zeros(1)))
    >>> updates   # -0.01 * 3 / sqrt(0.01 * 9) = -0.1
    array([-0.1])
    """
    lr = _learning_rate(lr)
    alpha = _unit_interval("alpha", alpha)
    eps = _at_least("eps", eps)
    weight_decay = _at_least("weight_decay", weight_decay)
    momentum = _unit_interval("momentum", momentum)
    centered = _flag("centered", centered)
    transforms: list[Transform] = [add_decayed_weights(weight_decay)] if weight_decay else []
    transforms.append(scale_by_rms(alpha, eps, centered))
    if momentum:
        transforms.append(trace(momentum))
    transforms.append(scale_by_learning_rate(lr))
    return _build(
        transforms,
        state=RMSpropState,
        name="rmsprop",
        hyperparams=dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
        ),
        learning_rate=lr,
    )


def _adam(
    name: str,
    lr: Any,
    betas: Any,
    eps: Any,
    weight_decay: Any,
    amsgrad: Any,
    decoupled: bool,
) -> Optimizer:
    """Adam and AdamW share everything but where the weight decay goes."""
    lr = _learning_rate(lr)
    try:
        beta1, beta2 = betas
    except (TypeError, ValueError):
        raise ValueError(f"`betas` must be a pair (beta1, beta2), got {betas!r}") from None
    beta1 = _unit_interval("betas[0]", beta1)
    beta2 = _unit_interval("betas[1]", beta2)
    eps = _at_least("eps", eps)
    weight_decay = _at_least("weight_decay", weight_decay)
    amsgrad = _flag("amsgrad", amsgrad)
    adam_scaling = scale_by_adam(beta1, beta2, eps, amsgrad)
    # one weight-decay rule: on the gradient (Adam's L2), or on the step (AdamW's decoupled)
    if not weight_decay:
        transforms: list[Transform] = [adam_scaling]
    elif decoupled:
        transforms = [adam_scaling, add_decayed_weights(weight_decay)]
    else:
        transforms = [add_decayed_weights(weight_decay), adam_scaling]
    transforms.append(scale_by_learning_rate(lr))
    return _build(
        transforms,
        state=AdamState,
        name=name,
        hyperparams=dict(
            lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad
        ),
        learning_rate=lr,
    )


def adam(
    lr: LearningRate = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
) -> Optimizer:
    r"""Adam, as ``torch.optim.Adam`` (weight decay as an L2 term in the gradient).

    Parameters
    ----------
    lr : float or callable
        Learning rate :math:`\gamma`, or a schedule ``step -> lr``.
    betas : tuple of float
        :math:`(\beta_1, \beta_2)`, each in [0, 1): decay rates of the first
        and second moment averages.
    eps : float
        Added to the denominator for numerical stability.
    weight_decay : float
        L2 penalty :math:`\lambda \ge 0` added to the gradient.
    amsgrad : bool
        Use the running maximum of the second moment (AMSGrad).

    Returns
    -------
    Optimizer
        The pair ``init(params) -> AdamState`` and
        ``update(grads, state, params=None) -> (updates, new_state)``.

    Raises
    ------
    ValueError, TypeError
        For an argument out of range, naming it.

    Notes
    -----
    .. math::
        g_t &\leftarrow g_t + \lambda \theta_{t-1} \\
        m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \text{AMSGrad: } v_t^{\max} &\leftarrow \max(v_{t-1}^{\max}, v_t),
              \text{ used below in place of } v_t \\
        \hat m_t &\leftarrow m_t / (1 - \beta_1^t), \quad
        \hat v_t \leftarrow v_t / (1 - \beta_2^t) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma_t \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    Examples
    --------
    >>> import numpy as np
    >>> opt = adam(lr=0.3)
    >>> updates, state = opt.update(np.array([-0.7, 4.0]), opt.init(np.zeros(2)))
    >>> updates   # the first step is lr * sign(g), up to eps
    array([ 0.3, -0.3])
    """
    return _adam("adam", lr, betas, eps, weight_decay, amsgrad, decoupled=False)


def adamw(
    lr: LearningRate = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 1e-2,
    amsgrad: bool = False,
) -> Optimizer:
    r"""AdamW, as ``torch.optim.AdamW``: Adam with decoupled weight decay.

    Parameters
    ----------
    lr : float or callable
        Learning rate :math:`\gamma`, or a schedule ``step -> lr``.
    betas : tuple of float
        :math:`(\beta_1, \beta_2)`, each in [0, 1): decay rates of the first
        and second moment averages.
    eps : float
        Added to the denominator for numerical stability.
    weight_decay : float
        Decoupled decay :math:`\lambda \ge 0`: the parameters shrink by
        :math:`\gamma_t \lambda \theta_{t-1}` at each step.
    amsgrad : bool
        Use the running maximum of the second moment (AMSGrad).

    Returns
    -------
    Optimizer
        The pair ``init(params) -> AdamState`` and
        ``update(grads, state, params=None) -> (updates, new_state)``.

    Raises
    ------
    ValueError, TypeError
        For an argument out of range, naming it.

    Notes
    -----
    The parameters shrink first, then take the Adam step of :func:`adam`
    computed from the raw gradient (no L2 term):

    .. math::
        \theta_t \leftarrow \theta_{t-1} - \gamma_t \lambda \theta_{t-1}
              - \gamma_t \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    Examples
    --------
    >>> import numpy as np
    >>> opt = adamw(lr=0.1, weight_decay=0.5)
    >>> x = np.array([2.0])
    >>> updates, state = opt.update(np.array([1.0]), opt.init(x), x)
    >>> updates   # -0.1 * 0.5 * 2 - 0.1 * 1
    array([-0.2])
    """
    return _adam("adamw", lr, betas, eps, weight_decay, amsgrad, decoupled=True)
