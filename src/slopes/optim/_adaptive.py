r"""The adaptive optimisers of :mod:`slopes.optim`: Adagrad, RMSprop, Adam, AdamW.

Private: use them from :mod:`slopes.optim`, which re-exports them and
documents the conventions (PyTorch's update rules and defaults, ``lr`` as a
number or a schedule, nothing modified in place). Each ``update`` has a
shortcut for plain arrays that computes the same formulas without the
leafwise walk (it runs once per step of a descent loop); pytrees go leaf by
leaf.

Examples
--------
>>> import numpy as np
>>> opt = adam(lr=0.3)
>>> updates, state = opt.update(np.array([-0.7, 4.0]), opt.init(np.zeros(2)))
>>> updates
array([ 0.3, -0.3])
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from ._blocks import (
    AdagradState,
    AdamState,
    LearningRate,
    Optimizer,
    RMSpropState,
    _at_least,
    _check_grads,
    _describe,
    _ema,
    _ema_square,
    _flag,
    _full_like,
    _learning_rate,
    _lr_at,
    _map,
    _new,
    _scale,
    _unit_interval,
    _with_weight_decay,
    _zeros_like,
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
    scheduled = callable(lr)

    def init(params: Any) -> AdagradState:
        return AdagradState(0, _full_like(params, initial_accumulator_value))

    def update(grads: Any, state: AdagradState, params: Any = None) -> tuple[Any, AdagradState]:
        _check_grads(grads, state.sum if params is None else params)
        count = state.count
        step_lr = (_lr_at(lr, count) if scheduled else cast(float, lr)) / (1 + count * lr_decay)
        if (
            type(grads) is np.ndarray
            and type(state.sum) is np.ndarray
            and (not weight_decay or type(params) is np.ndarray)
        ):  # plain arrays: the same formulas without the leafwise walk
            g = grads + weight_decay * params if weight_decay else grads
            total = state.sum + g * g
            updates = -step_lr * g / (np.sqrt(total) + eps)
            return updates, _new(AdagradState, (count + 1, total))
        g = _with_weight_decay(grads, params, weight_decay)
        total = _map(lambda s, gi: s + gi * gi, state.sum, g)
        updates = _map(lambda gi, s: -step_lr * gi / (np.sqrt(s) + eps), g, total)
        return updates, AdagradState(state.count + 1, total)

    return _describe(
        "adagrad",
        init,
        update,
        lr=lr,
        lr_decay=lr_decay,
        weight_decay=weight_decay,
        eps=eps,
        initial_accumulator_value=initial_accumulator_value,
    )


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
    scheduled = callable(lr)

    def init(params: Any) -> RMSpropState:
        return RMSpropState(
            0,
            _zeros_like(params),
            _zeros_like(params) if centered else None,
            _zeros_like(params) if momentum else None,
        )

    def update(grads: Any, state: RMSpropState, params: Any = None) -> tuple[Any, RMSpropState]:
        _check_grads(grads, state.square_avg if params is None else params)
        count = state.count
        step_lr = _lr_at(lr, count) if scheduled else cast(float, lr)
        if (
            type(grads) is np.ndarray
            and type(state.square_avg) is np.ndarray
            and (not centered or type(state.grad_avg) is np.ndarray)
            and (not momentum or type(state.momentum) is np.ndarray)
            and (not weight_decay or type(params) is np.ndarray)
        ):  # plain arrays: the same formulas without the leafwise walk
            g = grads + weight_decay * params if weight_decay else grads
            square_avg = alpha * state.square_avg + (1 - alpha) * (g * g)
            grad_avg = None
            variance = square_avg
            if centered:
                grad_avg = alpha * state.grad_avg + (1 - alpha) * g
                variance = square_avg - grad_avg * grad_avg
            direction = g / (np.sqrt(variance) + eps)
            buffer = None
            if momentum:
                buffer = direction = momentum * state.momentum + direction
            new_state = _new(RMSpropState, (count + 1, square_avg, grad_avg, buffer))
            return -step_lr * direction, new_state
        g = _with_weight_decay(grads, params, weight_decay)
        square_avg = _ema_square(state.square_avg, g, alpha)
        grad_avg = None
        if centered:
            grad_avg = _ema(state.grad_avg, g, alpha)
            variance = _map(lambda v, a: v - a * a, square_avg, grad_avg)
        else:
            variance = square_avg
        direction = _map(lambda gi, v: gi / (np.sqrt(v) + eps), g, variance)
        buffer = None
        if momentum:
            buffer = _map(lambda b, d: momentum * b + d, state.momentum, direction)
            direction = buffer
        new_state = RMSpropState(state.count + 1, square_avg, grad_avg, buffer)
        return _scale(direction, -step_lr), new_state

    return _describe(
        "rmsprop",
        init,
        update,
        lr=lr,
        alpha=alpha,
        eps=eps,
        weight_decay=weight_decay,
        momentum=momentum,
        centered=centered,
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
    scheduled = callable(lr)

    def init(params: Any) -> AdamState:
        return AdamState(
            0, _zeros_like(params), _zeros_like(params), _zeros_like(params) if amsgrad else None
        )

    def update(grads: Any, state: AdamState, params: Any = None) -> tuple[Any, AdamState]:
        _check_grads(grads, state.exp_avg if params is None else params)
        step_lr = _lr_at(lr, state.count) if scheduled else lr
        t = state.count + 1
        if (
            type(grads) is np.ndarray
            and type(state.exp_avg) is np.ndarray
            and type(state.exp_avg_sq) is np.ndarray
            and (not amsgrad or type(state.max_exp_avg_sq) is np.ndarray)
            and (not weight_decay or type(params) is np.ndarray)
        ):  # plain arrays: the same formulas without the leafwise walk
            g = grads + weight_decay * params if weight_decay and not decoupled else grads
            exp_avg = beta1 * state.exp_avg + (1 - beta1) * g
            exp_avg_sq = beta2 * state.exp_avg_sq + (1 - beta2) * (g * g)
            max_exp_avg_sq = np.maximum(state.max_exp_avg_sq, exp_avg_sq) if amsgrad else None
            second = cast(np.ndarray, max_exp_avg_sq) if amsgrad else exp_avg_sq
            updates = (
                -step_lr * (exp_avg / (1 - beta1**t)) / (np.sqrt(second / (1 - beta2**t)) + eps)
            )
            if decoupled and weight_decay:
                updates = updates - step_lr * weight_decay * params
            return updates, _new(AdamState, (t, exp_avg, exp_avg_sq, max_exp_avg_sq))
        g = grads if decoupled else _with_weight_decay(grads, params, weight_decay)
        exp_avg = _ema(state.exp_avg, g, beta1)
        exp_avg_sq = _ema_square(state.exp_avg_sq, g, beta2)
        max_exp_avg_sq = None
        second = exp_avg_sq
        if amsgrad:
            # PyTorch keeps the running maximum of the raw v_t and bias-corrects it afterwards
            max_exp_avg_sq = _map(np.maximum, state.max_exp_avg_sq, exp_avg_sq)
            second = max_exp_avg_sq
        correction1 = 1 - beta1**t
        correction2 = 1 - beta2**t
        updates = _map(
            lambda m, v: -step_lr * (m / correction1) / (np.sqrt(v / correction2) + eps),
            exp_avg,
            second,
        )
        if decoupled and weight_decay:
            if params is None:
                raise ValueError("`params` must be passed to `update` when `weight_decay` is not 0")
            updates = _map(lambda u, p: u - step_lr * weight_decay * p, updates, params)
        return updates, AdamState(t, exp_avg, exp_avg_sq, max_exp_avg_sq)

    return _describe(
        name,
        init,
        update,
        lr=lr,
        betas=(beta1, beta2),
        eps=eps,
        weight_decay=weight_decay,
        amsgrad=amsgrad,
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
    >>> opt = adamw(lr=0.1, weight_decay=0.5)
    >>> x = np.array([2.0])
    >>> updates, state = opt.update(np.array([1.0]), opt.init(x), x)
    >>> updates   # -0.1 * 0.5 * 2 - 0.1 * 1
    array([-0.2])
    """
    return _adam("adamw", lr, betas, eps, weight_decay, amsgrad, decoupled=True)
