"""Building blocks of :mod:`slopes.optim`: its types, validation and ``apply_updates``.

The types: :class:`Optimizer` (the ``(init, update)`` pair and what it
declares), :class:`Transform` (the base of the rules), and the optimisers'
states. Private: everything public here is re-exported by :mod:`slopes.optim`.
Every function returns new arrays; nothing is updated in place, because NumPy
arrays (unlike JAX's) are mutable and a caller may still hold the old ones.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, overload

import numpy as np

from .._util.pytree import tree_map

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .._util.pytree import Container, Tree

LearningRate = float | Callable[[int], float]


@dataclass(frozen=True, eq=False)
class Optimizer:
    """An optimiser: ``init(params) -> state`` and ``update(grads, state, params)``.

    ``update`` returns ``(updates, new_state)``; apply the updates with
    :func:`apply_updates`. Any pair of functions with these signatures is an
    optimiser that :func:`slopes.minimize` and :func:`slopes.fit` accept, and
    it unpacks as one: ``init, update = optimizer``.

    The optimisers of :mod:`slopes.optim` are built by :func:`chain` from
    transforms and fill the other fields, which say what the optimiser is
    without looking inside its functions: its name and hyperparameters (the
    repr, and a checkpoint's fingerprint), its transforms and its learning
    rate (what :func:`slopes.minimize` reads to recognise plain gradient
    descent and to advise another rate).

    Parameters
    ----------
    init : callable
        ``init(params) -> state``: the optimiser's state before the first step.
    update : callable
        ``update(grads, state, params=None) -> (updates, new_state)``: one step.
        It returns new arrays and leaves ``grads``, ``state`` and ``params`` as
        they were.
    name : str, optional
        The name the repr shows with ``hyperparams``, e.g. ``"adam"``; None
        for a hand-made pair.
    hyperparams : mapping, optional
        The arguments that made the optimiser, by name.
    transforms : tuple of Transform, optional
        The rules chained into ``update``, in order (empty for a hand-made pair).
    learning_rate : float or callable, optional
        The learning rate (a number or a schedule ``step -> lr``), where the
        optimiser has one.

    Examples
    --------
    A hand-made plain gradient step with rate 0.5, stateless:

    >>> step = Optimizer(init=lambda params: None,
    ...                  update=lambda grads, state, params=None: (-0.5 * grads, state))
    >>> x = np.array([2.0, -4.0])
    >>> updates, state = step.update(2 * x, step.init(x), x)
    >>> apply_updates(x, updates)   # x - 0.5 * 2x: the minimum of |x|^2
    array([0., 0.])
    >>> init, update = step   # a pair
    >>> step.plain_descent     # nothing declared: minimize calls its update
    False
    """

    init: Callable[[Any], Any]
    update: Callable[..., tuple[Any, Any]]
    name: str | None = None
    hyperparams: Mapping[str, Any] = field(default_factory=dict)
    transforms: tuple[Transform, ...] = ()
    learning_rate: LearningRate | None = None

    def __iter__(self) -> Iterator[Callable[..., Any]]:
        """``init, update = optimizer``: the pair, as optax's optimisers unpack."""
        return iter((self.init, self.update))

    @property
    def plain_descent(self) -> bool:
        """True when every update is ``-lr(t) * grads``: gradient descent, nothing more.

        That is, the optimiser is a lone :func:`scale_by_learning_rate` (``sgd``
        without momentum or weight decay, or such a :func:`chain`); its state
        then holds nothing but the step count.
        """
        from ._transforms import scale_by_learning_rate  # it builds on this module

        return len(self.transforms) == 1 and isinstance(self.transforms[0], scale_by_learning_rate)

    def __repr__(self) -> str:
        if self.name is None:
            return f"Optimizer(init={self.init!r}, update={self.update!r})"
        args = ", ".join(f"{key}={value!r}" for key, value in self.hyperparams.items())
        return f"{self.name}({args})"


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


class ChainState(NamedTuple):
    """State of an optimiser made by :func:`chain`: the step count and the buffers.

    The optimisers of :mod:`slopes.optim` name their buffers (:class:`SGDState`,
    :class:`AdamState`, ...); a chain of the user's own keeps them in order,
    one per slot of its transforms.

    Parameters
    ----------
    count : int
        Updates made so far (0 after ``init``).
    buffers : tuple
        The transforms' buffers (arrays or pytrees like the parameters), in
        the order of the transforms and of their ``slots``.

    Examples
    --------
    >>> from slopes.optim import chain, scale_by_learning_rate, trace
    >>> opt = chain(trace(momentum=0.9), scale_by_learning_rate(0.1))
    >>> _, state = opt.update(np.array([2.0]), opt.init(np.zeros(1)))
    >>> state
    ChainState(count=1, buffers=(array([2.]),))
    """

    count: int  # type: ignore[assignment]  # shadows tuple.count: optax's name, kept
    buffers: tuple[Any, ...]


class Transform:
    r"""One rule of an optimiser, written once for one leaf: the base of the transforms.

    A transform turns incoming updates (at the head of a chain, the gradient)
    into new updates, and may keep buffers shaped like the parameters (a
    momentum trace, a running average). :func:`chain` runs transforms in
    order, on a plain array or on every leaf of a pytree alike, and builds an
    :class:`Optimizer` from them. A subclass is a frozen dataclass whose fields
    are its hyperparameters (so its repr, and a checkpoint's fingerprint, name
    them), and defines:

    - ``slots``: the names of the buffers it keeps (a property where they
      depend on the hyperparameters), empty for none;
    - ``uses_params``: True when the rule reads the parameters;
    - ``init_leaf(param)``: the buffers for one leaf, one per slot;
    - ``rule(count, update, param, *buffers) -> (update, *buffers)``: the
      rule on one leaf, given the number of updates already made (for a
      scheduled rate, bias corrections) and the parameters (None unless
      ``uses_params``), returning new arrays (never writing into its inputs).

    Examples
    --------
    A transform of one's own, clipping each coordinate to [-1, 1], chained
    before the learning rate:

    >>> from dataclasses import dataclass
    >>> from slopes.optim import chain, scale_by_learning_rate
    >>> @dataclass(frozen=True)
    ... class clip(Transform):
    ...     def rule(self, count, update, param):
    ...         return (np.clip(update, -1.0, 1.0),)
    >>> opt = chain(clip(), scale_by_learning_rate(0.5))
    >>> updates, _ = opt.update(np.array([4.0, -0.2]), opt.init(np.zeros(2)))
    >>> updates
    array([-0.5,  0.1])
    """

    slots: ClassVar[tuple[str, ...]] = ()
    uses_params: ClassVar[bool] = False

    def init_leaf(self, param: np.ndarray) -> tuple[Any, ...]:
        """The buffers for one leaf of the parameters, one per slot (none here)."""
        return ()

    def rule(self, count: int, update: Any, param: Any, *buffers: Any) -> tuple[Any, ...]:
        """The rule on one leaf: ``(new_update, *new_buffers)``."""
        raise NotImplementedError(f"{type(self).__name__} must define `rule`")


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
# leaf helpers; each returns new arrays
# ---------------------------------------------------------------------------


def _zeros_like(tree: Any) -> Any:
    """New float zeros shaped like each leaf (floating leaves keep their dtype)."""

    def zeros(leaf: Any) -> np.ndarray:
        leaf = np.asarray(leaf)
        dtype = leaf.dtype if np.issubdtype(leaf.dtype, np.floating) else np.float64
        return np.zeros(leaf.shape, dtype=dtype)

    return zeros(tree) if type(tree) is np.ndarray else tree_map(zeros, tree)


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
    return tree_map(_add, params, updates)


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
