"""Numerically stable building blocks of the models: sigmoid, softmax, cross-entropy.

Every function works on stacks: a leading batch axis of parameter sets
(``(k, n, classes)`` logits) broadcasts through untouched, which is what lets
a model evaluate many perturbed parameter sets in one NumPy call.
:func:`split_stack` and :func:`column_change_losses` go further for the
stacks a finite-difference stencil makes (points that differ from a centre
in one element each): shared work is done once, per-point work is O(n).

Examples
--------
>>> import numpy as np
>>> softmax(np.array([1000.0, 1000.0]))       # the naive formula gives nan here
array([0.5, 0.5])
>>> float(cross_entropy(np.array([[1000.0, 0.0]]), np.array([1])))
1000.0
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "column_change_losses",
    "cross_entropy",
    "log_softmax",
    "rank_one_change_losses",
    "sigmoid",
    "softmax",
    "split_stack",
]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-x)), without overflow.

    Notes
    -----
    Computed as :math:`(1 + \\tanh(x/2)) / 2`, which is the same function but
    never evaluates ``exp`` of a large number, so ``sigmoid(-1000)`` is 0 with
    no overflow warning.

    Examples
    --------
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log(softmax(logits)) over the last axis, stable for any finite logits.

    Notes
    -----
    :math:`\\log \\mathrm{softmax}(a)_i = a_i - m - \\log \\sum_j e^{a_j - m}`
    with :math:`m = \\max_j a_j`: every exponent is at most 0, so nothing
    overflows, and the largest term of the sum is 1, so the log never sees 0.
    """
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Class probabilities over the last axis (the max-shifted, stable form)."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def cross_entropy(logits: np.ndarray, targets: np.ndarray, overwrite: bool = False) -> np.ndarray:
    """Mean cross-entropy of softmax(logits) against the targets.

    Parameters
    ----------
    logits : ndarray, shape (..., n, classes)
        Leading axes (a stack of parameter sets) are kept.
    targets : ndarray
        Integer class indices of shape ``(n,)``, or target distributions
        (one-hot rows) of shape ``(n, classes)``.
    overwrite : bool
        Allow ``logits`` to be overwritten (saves two copies of a big stack).

    Returns
    -------
    ndarray, shape (...)
        :math:`-\\frac{1}{n} \\sum_i \\log \\mathrm{softmax}(a_i)_{t_i}`, from the
        logits directly (never ``log`` of a probability that underflowed to 0,
        which is why the chapter needs its ``+ 1e-7``).
    """
    if targets.ndim == 1:
        # log-sum-exp minus the target's logit, without forming every log-probability
        top = logits.max(axis=-1)
        picked = logits[..., np.arange(targets.shape[0]), targets]
        # overwrite: a big stack of logits is shifted and exponentiated in place
        shifted = np.subtract(logits, top[..., None], out=logits if overwrite else None)
        np.exp(shifted, out=shifted)
        log_sum = np.log(shifted.sum(axis=-1)) + top
        return (log_sum - picked).mean(axis=-1)
    return -(targets * log_softmax(logits)).sum(axis=-1).mean(axis=-1)


def split_stack(
    arrays: dict[str, np.ndarray], k: int
) -> tuple[dict[str, np.ndarray], dict[str, tuple[np.ndarray, ...]], np.ndarray]:
    """Describe a stack of k parameter sets as one reference set plus small changes.

    A numerical gradient evaluates points that differ from one centre in one
    coordinate each. Seen that way, a stack is cheap to evaluate: the
    reference once, then for every point only what its one change touches.

    Parameters
    ----------
    arrays : dict of ndarray
        Every array with a leading axis of length k.

    Returns
    -------
    reference : dict of ndarray
        One parameter set: per coordinate, the value most of the stack shares.
    changes : dict of (rows, flat_indices, deltas)
        For the points that differ from ``reference`` in exactly one
        coordinate: which point, which element (of the raveled array) and by
        how much.
    dense_rows : ndarray of int
        Points that differ in more than one coordinate (evaluate them whole).

    Examples
    --------
    >>> stack = {"w": np.array([[1.0, 2.5], [1.5, 2.0], [1.0, 2.0], [1.0, 2.0], [0.0, 9.0]])}
    >>> reference, changes, dense = split_stack(stack, 5)
    >>> reference["w"], changes["w"], dense
    (array([1., 2.]), (array([1, 0]), array([0, 1]), array([0.5, 0.5])), array([4]))
    """
    reference: dict[str, np.ndarray] = {}
    flat: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    count = np.zeros(k, dtype=np.intp)
    for name, array in arrays.items():
        rows = array.reshape(k, -1)
        centre = rows[0].copy()
        # few: about one per point (flatnonzero: np.nonzero of a 2-D mask is ~10x slower)
        which, index = np.divmod(np.flatnonzero(rows != centre), rows.shape[1])
        if which.size > k // 2:
            # where the first point is the odd one out, most others agree on another value
            odd = np.flatnonzero(np.bincount(index, minlength=rows.shape[1]) > k // 2)
            if odd.size:
                centre[odd] = np.sort(rows[:, odd], axis=0)[k // 2]  # the majority's value
                keep = ~np.isin(index, odd)
                odd_which, odd_index = np.divmod(
                    np.flatnonzero(rows[:, odd] != centre[odd]), odd.size
                )
                which = np.concatenate([which[keep], odd_which])
                index = np.concatenate([index[keep], odd[odd_index]])
        reference[name] = centre.reshape(array.shape[1:])
        flat[name] = (rows, which, index)
        count += np.bincount(which, minlength=k)
    single = count == 1
    changes: dict[str, tuple[np.ndarray, ...]] = {}
    for name, (rows, which, index) in flat.items():
        keep = single[which]
        which, index = which[keep], index[keep]
        changes[name] = (which, index, rows[which, index] - reference[name].ravel()[index])
    return reference, changes, np.flatnonzero(count > 1)


def column_change_losses(
    base: np.ndarray, targets: np.ndarray, columns: np.ndarray, moves: np.ndarray
) -> np.ndarray:
    """Cross-entropy of m points whose logits are ``base`` with one column moved.

    Point j has logits ``base`` (n, classes) except column ``columns[j]``,
    moved by ``moves[j]`` (n,): what a change of one output weight does.

    Notes
    -----
    With :math:`p = \\mathrm{softmax}(a)` of the base logits, moving column c
    by :math:`\\delta` changes each sample's log-sum-exp to
    :math:`\\mathrm{lse}(a) + \\log(1 + p_c (e^{\\delta} - 1))`, computed with
    ``log1p`` and ``expm1`` so that tiny moves (a finite-difference step)
    keep full relative accuracy; this costs O(n) per point instead of
    O(n * classes). Moves larger than 1 in size are computed directly.

    Examples
    --------
    >>> base = np.array([[0.0, 1.0], [2.0, 0.0]])
    >>> targets, moves = np.array([1, 0]), np.array([[0.5, -0.25]])
    >>> moved = base.copy(); moved[:, 1] += moves[0]
    >>> bool(np.isclose(column_change_losses(base, targets, np.array([1]), moves)[0],
    ...                 cross_entropy(moved, targets), rtol=1e-15))
    True
    """
    n = base.shape[0]
    if targets.ndim == 1:
        picked = base[np.arange(n), targets]
        share = (targets[None, :] == columns[:, None]).astype(base.dtype)
    else:
        picked = (targets * base).sum(axis=-1)
        share = targets[:, columns].T
    losses = np.empty(len(columns), dtype=np.result_type(base, moves))
    small = np.abs(moves).max(axis=1, initial=0.0) <= 1.0
    if small.any():
        top = base.max(axis=-1)
        exps = np.exp(base - top[:, None])
        total = exps.sum(axis=-1)
        probs = exps / total[:, None]
        col, move = columns[small], moves[small]
        log_sum = np.log(total) + top + np.log1p(probs[:, col].T * np.expm1(move))
        losses[small] = (log_sum - picked - share[small] * move).mean(axis=1)
    large = np.flatnonzero(~small)
    if large.size:
        logits = np.broadcast_to(base, (large.size, *base.shape)).copy()
        logits[np.arange(large.size), :, columns[large]] += moves[large]
        losses[large] = cross_entropy(logits, targets)
    return losses


def rank_one_change_losses(
    base: np.ndarray, targets: np.ndarray, amounts: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Cross-entropy of m points whose logits are ``base + outer(amounts[j], weights[j])``.

    What a change of one hidden unit does: sample i's logits move by
    ``amounts[j, i] * weights[j]`` (the unit's change times its outgoing weights).

    Notes
    -----
    :math:`\\sum_c e^{a_c + u w_c - m} = \\sum_c e^{a_c - m} e^{u w_c}`: the base's
    exponentials are computed once, so each point costs one ``exp`` per logit
    and no maximum. That is safe while :math:`|u w_c| \\le` 300 (``|u| <= 1``
    for a sigmoid unit); larger moves take the general route.

    Examples
    --------
    >>> base, targets = np.array([[0.0, 1.0], [2.0, 0.0]]), np.array([1, 0])
    >>> amounts, weights = np.array([[0.5, -0.25]]), np.array([[2.0, -1.0]])
    >>> moved = base + np.outer(amounts[0], weights[0])
    >>> bool(np.isclose(rank_one_change_losses(base, targets, amounts, weights)[0],
    ...                 cross_entropy(moved, targets), rtol=1e-15))
    True
    """
    change = amounts[:, :, None] * weights[:, None, :]  # (m, n, classes)
    bound = np.abs(amounts).max(initial=0.0) * np.abs(weights).max(initial=0.0)
    if targets.ndim != 1 or not bound <= 300.0:
        change += base
        return cross_entropy(change, targets, overwrite=True)
    n = base.shape[0]
    top = base.max(axis=-1)
    base_exps = np.exp(base - top[:, None])
    picked = base[np.arange(n), targets] + change[:, np.arange(n), targets]
    np.exp(change, out=change)
    change *= base_exps
    return (np.log(change.sum(axis=-1)) + top - picked).mean(axis=-1)
