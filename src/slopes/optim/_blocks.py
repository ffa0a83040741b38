"""Building blocks of :mod:`slopes.optim`: types, validation, leafwise pieces.

Private: everything public here is re-exported by :mod:`slopes.optim`. Every
function returns new arrays; nothing is updated in place, because NumPy arrays
(unlike JAX's) are mutable and a caller may still hold the old ones.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, overload

import numpy as np

from .._util.pytree import tree_map

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .._util.pytree import Container, Tree

LearningRate = float | Callable[[int], float]


class Optimizer(NamedTuple):
    """An optimiser: ``init(params) -> state`` and ``update(grads, state, params)``.

    ``update`` returns ``(updates, new_state)``; apply the updates with
    :func:`apply_updates`. Any pair of functions with these signatures is an
    optimiser that :func:`slopes.minimize` and :func:`slopes.fit` accept.

    Parameters
    ----------
    init : callable
        ``init(params) -> state``: the optimiser's state before the first step.
    update : callable
        ``update(grads, state, params=None) -> (updates, new_state)``: one step.
        It returns new arrays and leaves ``grads``, ``state`` and ``params`` as
        they were.

    Examples
    --------
    A hand-made plain gradient step with rate 0.5, stateless:

    >>> step = Optimizer(init=lambda params: None,
    ...                  update=lambda grads, state, params=None: (-0.5 * grads, state))
    >>> x = np.array([2.0, -4.0])
    >>> updates, state = step.update(2 * x, step.init(x), x)
    >>> apply_updates(x, updates)   # x - 0.5 * 2x: the minimum of |x|^2
    array([0., 0.])
    """

    init: Callable[[Any], Any]
    update: Callable[..., tuple[Any, Any]]


class _Described(Optimizer):
    """An :class:`Optimizer` that remembers its name and hyperparameters for printing."""

    name: str
    hyperparams: dict[str, Any]

    def __repr__(self) -> str:
        hyperparams = getattr(self, "hyperparams", {})
        args = ", ".join(f"{key}={value!r}" for key, value in hyperparams.items())
        return f"{getattr(self, 'name', 'Optimizer')}({args})"


def _describe(name: str, init: Callable, update: Callable, **hyperparams: Any) -> Optimizer:
    optimizer = _Described(init, update)
    optimizer.name = name
    optimizer.hyperparams = hyperparams
    return optimizer


# ``_new(SGDState, (count, buffer))`` builds a state without the Python-level
# ``NamedTuple.__new__`` frame: half the cost, in code that runs once per step
_new = tuple.__new__


class SGDState(NamedTuple):
    """State of :func:`sgd`: updates made so far and the momentum buffer (or None).

    Parameters
    ----------
    count : int
        Updates made so far (0 after ``init``).
    momentum : array or pytree or None
        The momentum buffer :math:`b_t`, like the parameters; None when
        ``momentum=0``.

    Examples
    --------
    >>> from slopes.optim import sgd
    >>> opt = sgd(lr=0.1, momentum=0.9)
    >>> _, state = opt.update(np.array([2.0]), opt.init(np.zeros(1)))
    >>> state
    SGDState(count=1, momentum=array([2.]))
    """

    count: int  # type: ignore[assignment]  # shadows tuple.count: optax's name, kept
    momentum: Any


class AdagradState(NamedTuple):
    """State of :func:`adagrad`: updates made so far and the sum of squared gradients.

    Parameters
    ----------
    count : int
        Updates made so far (0 after ``init``).
    sum : array or pytree
        The running sum of squared gradients :math:`s_t`, like the parameters.

    Examples
    --------
    >>> from slopes.optim import adagrad
    >>> opt = adagrad(lr=0.1)
    >>> _, state = opt.update(np.array([3.0]), opt.init(np.zeros(1)))
    >>> state
    AdagradState(count=1, sum=array([9.]))
    """

    count: int  # type: ignore[assignment]  # shadows tuple.count: optax's name, kept
    sum: Any


class RMSpropState(NamedTuple):
    """State of :func:`rmsprop`: the running averages (None where unused).

    Parameters
    ----------
    count : int
        Updates made so far (0 after ``init``).
    square_avg : array or pytree
        The moving average of squared gradients :math:`v_t`.
    grad_avg : array or pytree or None
        The moving average of gradients (``centered=True`` only).
    momentum : array or pytree or None
        The momentum buffer :math:`b_t` (``momentum > 0`` only).

    Examples
    --------
    >>> from slopes.optim import rmsprop
    >>> opt = rmsprop(lr=0.01, alpha=0.5)
    >>> _, state = opt.update(np.array([2.0]), opt.init(np.zeros(1)))
    >>> state.count, state.square_avg   # 0.5 * 0 + 0.5 * 2**2
    (1, array([2.]))
    >>> state.grad_avg is None and state.momentum is None   # centered=False, momentum=0
    True
    """

    count: int  # type: ignore[assignment]  # shadows tuple.count: optax's name, kept
    square_avg: Any
    grad_avg: Any
    momentum: Any


class AdamState(NamedTuple):
    """State of :func:`adam` and :func:`adamw`: the two moments and, for AMSGrad, max(v).

    Parameters
    ----------
    count : int
        Updates made so far (0 after ``init``).
    exp_avg : array or pytree
        The first moment :math:`m_t`, before bias correction.
    exp_avg_sq : array or pytree
        The second moment :math:`v_t`, before bias correction.
    max_exp_avg_sq : array or pytree or None
        The running maximum of :math:`v_t` (``amsgrad=True`` only).

    Examples
    --------
    >>> from slopes.optim import adam
    >>> opt = adam(betas=(0.5, 0.75))
    >>> _, state = opt.update(np.array([2.0]), opt.init(np.zeros(1)))
    >>> state.count, state.exp_avg, state.exp_avg_sq   # m = 0.5 * 2, v = 0.25 * 2**2
    (1, array([1.]), array([1.]))
    >>> state.max_exp_avg_sq is None   # AMSGrad only
    True
    """

    count: int  # type: ignore[assignment]  # shadows tuple.count: optax's name, kept
    exp_avg: Any
    exp_avg_sq: Any
    max_exp_avg_sq: Any


# ---------------------------------------------------------------------------
# validation: one place, every message names the argument
# ---------------------------------------------------------------------------


def _real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"`{name}` must be finite, got {value}")
    return value


def _at_least(name: str, value: Any, low: float = 0.0) -> float:
    value = _real(name, value)
    if value < low:
        raise ValueError(f"`{name}` must be >= {low}, got {value}")
    return value


def _unit_interval(name: str, value: Any) -> float:
    value = _real(name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"`{name}` must be in [0, 1), got {value}")
    return value


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be True or False, got {value!r}")
    return bool(value)


def _learning_rate(lr: Any) -> LearningRate:
    if callable(lr):
        return lr
    value = _real("lr", lr)
    if value <= 0:
        raise ValueError(f"`lr` must be positive, got {value}")
    return value


def _lr_at(lr: LearningRate, count: int) -> float:
    """The learning rate of update number ``count + 1``."""
    if not callable(lr):
        return lr
    value = lr(count)
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`lr` schedule returned {value!r} at step {count}, not a number") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"`lr` schedule returned {value} at step {count}; it must be >= 0")
    return value


def _check_grads(grads: Any, like: Any) -> None:
    """Raise unless ``grads`` has the shapes of ``like`` (params, or a state buffer).

    NumPy would broadcast a gradient of the wrong shape against the parameters
    or the optimiser's buffers without a word, and the updates would come out
    silently wrong (a (3,) gradient for (3, 1) parameters gives (3, 3) updates).
    """
    if like is None:
        return
    if type(grads) is np.ndarray and type(like) is np.ndarray:  # the common case, fast
        if grads.shape != like.shape:
            raise ValueError(
                f"`grads` has shape {grads.shape} but the parameters have shape {like.shape}"
            )
        return

    def same(g: Any, p: Any) -> None:
        if np.shape(g) != np.shape(p):
            raise ValueError(
                f"`grads` has a leaf of shape {np.shape(g)} where the parameters have "
                f"shape {np.shape(p)}"
            )

    tree_map(same, grads, like)


# ---------------------------------------------------------------------------
# building blocks, leaf by leaf; each returns new arrays
# ---------------------------------------------------------------------------


def _map(fn: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """:func:`tree_map`, with a shortcut for the common case of plain arrays.

    Optimisers run once per step of a loop, so the pytree walk is skipped
    when there is nothing to walk (one or two bare ndarrays).
    """
    if type(tree) is np.ndarray and (not rest or (len(rest) == 1 and type(rest[0]) is np.ndarray)):
        return fn(tree, *rest)
    return tree_map(fn, tree, *rest)


def _zeros_like(tree: Any) -> Any:
    def zeros(leaf: Any) -> np.ndarray:
        leaf = np.asarray(leaf)
        dtype = leaf.dtype if np.issubdtype(leaf.dtype, np.floating) else np.float64
        return np.zeros(leaf.shape, dtype=dtype)

    return _map(zeros, tree)


def _full_like(tree: Any, value: float) -> Any:
    return _map(lambda leaf: leaf + value, _zeros_like(tree))


def _with_weight_decay(grads: Any, params: Any, weight_decay: float) -> Any:
    """``g + λ θ``: L2 regularisation folded into the gradient (SGD, Adagrad, RMSprop, Adam)."""
    if weight_decay == 0:
        return grads
    if params is None:
        raise ValueError("`params` must be passed to `update` when `weight_decay` is not 0")
    return _map(lambda g, p: g + weight_decay * p, grads, params)


def _ema(average: Any, new: Any, decay: float) -> Any:
    """Exponential moving average ``decay * average + (1 - decay) * new``."""
    return _map(lambda a, n: decay * a + (1 - decay) * n, average, new)


def _ema_square(average: Any, new: Any, decay: float) -> Any:
    """``decay * average + (1 - decay) * new²``."""
    return _map(lambda a, n: decay * a + (1 - decay) * (n * n), average, new)


def _scale(tree: Any, factor: float) -> Any:
    if type(tree) is np.ndarray:
        return factor * tree
    return _map(lambda leaf: factor * leaf, tree)


@overload
def apply_updates(params: NDArray[Any], updates: Any) -> NDArray[np.floating[Any]]: ...


@overload
def apply_updates(params: Tree, updates: Any) -> Tree: ...


def apply_updates(params: Any, updates: Any) -> NDArray[np.floating[Any]] | Container:
    """Return ``params + updates`` leaf by leaf, as new arrays.

    Floating-point parameters keep their dtype (float32 stays float32);
    integer parameters become float64.

    Parameters
    ----------
    params : array or pytree
        The parameters (arrays, or nested dicts, lists and tuples of arrays).
        They are not modified.
    updates : array or pytree
        The updates an optimiser's ``update`` returned, shaped like ``params``.

    Returns
    -------
    array or pytree
        ``params + updates``, new arrays with the structure of ``params``.

    Raises
    ------
    ValueError
        Where a leaf of ``updates`` has another shape than the matching leaf
        of ``params`` (NumPy would broadcast it silently).

    Examples
    --------
    >>> apply_updates({"w": np.ones(2)}, {"w": np.array([0.5, -1.0])})
    {'w': array([1.5, 0. ])}
    """

    if (
        type(params) is np.ndarray and type(updates) is np.ndarray and updates.shape == params.shape
    ):  # the common case, fast
        result = params + updates
        if result.dtype is params.dtype:
            return result
    return _map(_add, params, updates)


def _add(param: Any, update: Any) -> np.ndarray:
    """One leaf of :func:`apply_updates`: floating parameters keep their dtype."""
    param = np.asarray(param)
    if np.shape(update) != param.shape:  # NumPy would broadcast a mismatch without a word
        raise ValueError(
            f"`updates` has a leaf of shape {np.shape(update)} where `params` has shape "
            f"{param.shape}"
        )
    result = np.asarray(param + update)
    if result.dtype != param.dtype and param.dtype.kind == "f":
        result = result.astype(param.dtype)
    return result
