"""Transforms chained into an optimiser: :func:`chain`, on arrays and pytrees alike.

Private: use :func:`slopes.optim.chain`. A chain runs its transforms' rules in
order on each leaf: on a plain array directly (one leaf, no walk: the common
case of a descent loop), on a pytree leaf by leaf through
:func:`slopes._util.pytree.tree_map`; the rule is the same function either way.

Examples
--------
>>> import numpy as np
>>> from slopes.optim import scale_by_learning_rate, trace
>>> opt = chain(trace(momentum=0.9), scale_by_learning_rate(0.1))
>>> opt.transforms[0]
trace(momentum=0.9, dampening=0.0, nesterov=False)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

import numpy as np

from .._util.pytree import flatten, tree_map, unflatten
from ._blocks import (
    ChainState,
    LearningRate,
    Optimizer,
    Transform,
    _check_grads,
    _new,
)
from ._transforms import scale_by_learning_rate

__all__ = ["chain"]


def chain(*transforms: Transform) -> Optimizer:
    r"""An optimiser that applies ``transforms`` in order to the gradient.

    Each transform turns the updates it receives into new ones (the first
    receives the gradient), leaf by leaf, on a plain array or a pytree alike;
    the last one's output is the update :func:`apply_updates` adds to the
    parameters. The state is a :class:`ChainState`: the step count and every
    transform's buffers.

    Parameters
    ----------
    *transforms : Transform
        The rules, e.g. :func:`add_decayed_weights`, :func:`trace`,
        :func:`scale_by_rms`, :func:`scale_by_adam`, and, last, usually
        :func:`scale_by_learning_rate`.

    Returns
    -------
    Optimizer
        ``init(params) -> ChainState`` and
        ``update(grads, state, params=None) -> (updates, new_state)``, with
        ``transforms`` and, where the chain has one
        :func:`scale_by_learning_rate`, its ``learning_rate``.

    Raises
    ------
    TypeError
        When an argument is not a :class:`Transform`, or there is none.

    Examples
    --------
    Adam with the decoupled decay of AdamW, built by hand:

    >>> import numpy as np
    >>> from slopes.optim import adamw, add_decayed_weights, scale_by_adam
    >>> from slopes.optim import scale_by_learning_rate
    >>> mine = chain(scale_by_adam(), add_decayed_weights(0.5), scale_by_learning_rate(0.1))
    >>> mine.transforms[1]
    add_decayed_weights(weight_decay=0.5)
    >>> x, g = np.array([2.0]), np.array([1.0])
    >>> updates, state = mine.update(g, mine.init(x), x)
    >>> updates   # -0.1 * (1 + 0.5 * 2), up to eps
    array([-0.2])
    >>> torch_like = adamw(lr=0.1, weight_decay=0.5)
    >>> torch_like.update(g, torch_like.init(x), x)[0]
    array([-0.2])

    The same rules on a pytree (a dict of arrays):

    >>> opt = chain(scale_by_learning_rate(0.5))
    >>> params = {"w": np.array([1.0, 2.0]), "b": np.array(3.0)}
    >>> updates, state = opt.update({"w": np.array([2.0, 4.0]), "b": np.array(6.0)},
    ...                             opt.init(params), params)
    >>> updates
    {'w': array([-1., -2.]), 'b': np.float64(-3.0)}
    """
    for index, transform in enumerate(transforms):
        if not isinstance(transform, Transform):
            raise TypeError(
                f"`transforms[{index}]` must be a Transform such as "
                f"slopes.optim.trace(momentum=0.9), got {type(transform).__name__}"
            )
    if not transforms:
        raise TypeError("`chain` needs at least one transform, e.g. scale_by_learning_rate(0.1)")
    rates = [t.lr for t in transforms if isinstance(t, scale_by_learning_rate)]
    return _build(
        transforms,
        state=None,
        name="chain",
        hyperparams={"transforms": tuple(transforms)},
        learning_rate=rates[0] if len(rates) == 1 else None,
    )


def _build(
    transforms: Sequence[Transform],
    *,
    state: type | None,
    name: str,
    hyperparams: Mapping[str, Any],
    learning_rate: LearningRate | None,
) -> Optimizer:
    """The optimiser running ``transforms``; its state is ``state(count, *named buffers)``.

    ``state`` is a NamedTuple whose fields after ``count`` name the slots of
    the transforms (fields no transform uses hold None: ``SGDState.momentum``
    without momentum); None keeps the buffers in a :class:`ChainState`.
    """
    transforms = tuple(transforms)
    slots = tuple(slot for t in transforms for slot in t.slots)
    n_slots = len(slots)
    steps, start = [], 0  # each rule, and the bounds of its buffers among the chain's
    for t in transforms:
        steps.append((t.rule, start, start + len(t.slots)))
        start += len(t.slots)
    init_fns = tuple(t.init_leaf for t in transforms if t.slots)
    users = [t for t in transforms if t.uses_params]

    # prefix: the state is (count, *buffers, None, ...), which update packs inline
    prefix = False
    tail: tuple[None, ...] = ()  # the fields no transform uses
    kind: type = ChainState if state is None else state
    if state is None:

        def pack(count: int, buffers: Sequence[Any]) -> Any:
            return _new(ChainState, (count, tuple(buffers)))

        def unpack(opt_state: Any) -> Sequence[Any]:
            return opt_state[1]

    else:
        fields = state._fields[1:]  # type: ignore[attr-defined]
        if not set(slots) <= set(fields) or len(set(slots)) < n_slots:
            raise ValueError(f"{state.__name__} has no single field for the slots {slots}")
        tail = (None,) * (len(fields) - n_slots)
        prefix = slots == fields[:n_slots]
        # otherwise unpack picks each slot's field, and pack each field's buffer or
        # the None put after them
        take_slots = itemgetter(*(1 + fields.index(slot) for slot in slots), 0)
        take_fields = itemgetter(
            *(slots.index(name) if name in slots else n_slots for name in fields), -1
        )

        def pack(count: int, buffers: Sequence[Any]) -> Any:
            if prefix:
                return _new(kind, (count, *buffers, *tail))
            return _new(kind, (count, *take_fields([*buffers, None])[:-1]))

        def unpack(opt_state: Any) -> Sequence[Any]:
            if prefix:
                return opt_state[1 : 1 + n_slots]
            return take_slots(opt_state)[:-1] if slots else ()

    def run(count: int, update: Any, param: Any, buffers: Sequence[Any]) -> tuple[Any, list[Any]]:
        """Every rule in turn on one leaf (or a whole array): the update, the new buffers."""
        new: list[Any] = []
        for rule, lo, hi in steps:
            if hi == lo:
                update = rule(count, update, param)[0]
            elif hi == lo + 1:  # one buffer: a plain call, no argument tuple (it is faster)
                update, kept = rule(count, update, param, buffers[lo])
                new.append(kept)
            else:
                result = rule(count, update, param, *buffers[lo:hi])
                update = result[0]
                new += result[1:]
        return update, new

    def init(params: Any) -> Any:
        if not init_fns:
            return pack(0, ())
        if type(params) is np.ndarray:
            return pack(0, [buffer for fn in init_fns for buffer in fn(params)])
        per_leaf: list[list[Any]] = []
        tree_map(lambda leaf: per_leaf.append([b for fn in init_fns for b in fn(leaf)]), params)
        treedef = flatten(params)[1]
        return pack(0, [unflatten(treedef, [leaf[j] for leaf in per_leaf]) for j in range(n_slots)])

    def update(grads: Any, opt_state: Any, params: Any = None) -> tuple[Any, Any]:
        count = opt_state[0]
        buffers = opt_state[1 : 1 + n_slots] if prefix else unpack(opt_state)
        if params is None:
            if users:
                raise ValueError(
                    f"`params` must be passed to `update`: {', '.join(map(repr, users))} reads them"
                )
            like = buffers[0] if buffers else grads  # the shapes to check grads against
        else:
            like = params
        param = params if users else None
        if type(grads) is np.ndarray and type(like) is np.ndarray:  # the common case, fast
            if grads.shape != like.shape:
                _check_grads(grads, like)  # raises, naming both shapes
            for buffer in buffers:
                if type(buffer) is not np.ndarray:
                    break
            else:
                if param is None or type(param) is np.ndarray:  # one array: one leaf, no walk
                    updates, new = run(count, grads, param, buffers)
                    if prefix:  # pack(), inlined: this runs once per step of a descent loop
                        return updates, _new(kind, (count + 1, *new, *tail))
                    return updates, pack(count + 1, new)
        # a pytree: every rule on each leaf, in one walk that also checks the shapes
        kept: list[list[Any]] = []

        def leaf(g: Any, reference: Any, p: Any, *leaf_buffers: Any) -> Any:
            if np.shape(g) != np.shape(reference):  # NumPy would broadcast it silently
                raise ValueError(
                    f"`grads` has a leaf of shape {np.shape(g)} where the parameters have "
                    f"shape {np.shape(reference)}"
                )
            updated, new = run(count, g, p if users else None, leaf_buffers)
            kept.append(new)
            return updated

        updates = tree_map(leaf, grads, like, like if param is None else param, *buffers)
        if not n_slots:
            return updates, pack(count + 1, ())
        treedef = flatten(grads)[1]
        return updates, pack(
            count + 1, [unflatten(treedef, [new[j] for new in kept]) for j in range(n_slots)]
        )

    return Optimizer(
        init,
        update,
        name=name,
        hyperparams=dict(hyperparams),
        transforms=transforms,
        learning_rate=learning_rate,
    )
