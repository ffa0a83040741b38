"""The code of :mod:`slopes.models`, which re-exports its public names. Small classifiers for
minibatch training: softmax regression and the chapter's two-layer net.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._checks import Inputs, Params, positive_int
from ._nn import (
    column_change_losses,
    cross_entropy,
    rank_one_change_losses,
    sigmoid,
    softmax,
    split_stack,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["SoftmaxRegression", "TwoLayerNet"]


def _matmul(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """``X @ W`` for one weight matrix, or for a stack ``W`` of shape (k, d, h).

    For a stack, the k matrices are laid side by side into one (d, k*h)
    matrix, so the product is a single large matrix multiplication (fast
    BLAS) instead of k small ones; the result has shape (k, n, h).
    """
    if W.ndim == 2:
        return X @ W
    k, d, h = W.shape
    wide = W.transpose(1, 0, 2).reshape(d, k * h)
    return (X @ wide).reshape(X.shape[0], k, h).transpose(1, 0, 2)


class _Classifier:
    """Shared prediction, accuracy and stacked losses of the softmax classifiers.

    What the methods are given is checked by the model's :class:`~slopes.models._checks.Inputs`,
    made from its shapes once its initial parameters exist.
    """

    n_features: int
    n_classes: int
    _initial: Params
    _inputs: Inputs

    def _initialise(self, initial: Params) -> None:
        self._initial = initial
        shapes = {name: array.shape for name, array in initial.items()}
        self._inputs = Inputs(self, self.n_features, self.n_classes, shapes)

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of every parameter array, by name."""
        return dict(self._inputs.shapes)

    def check_data(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Validate a whole dataset once (shapes, label range, no NaN or inf)."""
        return self._inputs.data(X, y)

    @property
    def params(self) -> Params:
        """The initial parameters, a fresh copy on every access."""
        return {name: array.copy() for name, array in self._initial.items()}

    # -- the model ------------------------------------------------------------------
    def _logits(self, arrays: Params, X: np.ndarray) -> np.ndarray:
        """Logits (n, classes), or (k, n, classes) for stacked arrays, computed in full."""
        raise NotImplementedError

    def _changed_losses(
        self, reference: Params, X: np.ndarray, y: np.ndarray, changes: dict[str, Any], k: int
    ) -> np.ndarray:
        """Losses (k,) of the reference with each point's single-element change applied."""
        raise NotImplementedError

    def _stack_losses(self, arrays: Params, X: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
        """Losses of k stacked parameter sets, reusing what they share.

        The points of a finite-difference stencil differ from one centre in one
        element each: the forward pass is done once for the shared reference,
        and each point adds only the effect of its one change -- one column of
        the logits (an output weight: O(n) work) or one hidden unit (O(n *
        classes)) -- instead of a whole forward pass. Points that differ in
        several elements are evaluated in full.
        """
        reference, changes, dense_rows = split_stack(arrays, k)
        losses = self._changed_losses(reference, X, y, changes, k)
        if dense_rows.size:
            dense = {name: array[dense_rows] for name, array in arrays.items()}
            losses[dense_rows] = cross_entropy(self._logits(dense, X), y)
        return losses

    def loss(self, params: Params, X: Any, y: Any) -> float | NDArray[np.float64]:
        """Mean cross-entropy of the model's softmax output on ``(X, y)``.

        Parameters
        ----------
        params : dict of arrays
            One parameter set, or a stack of k sets (a leading axis of
            length k on every array).
        X : ndarray, shape (n, n_features)
        y : ndarray
            Integer labels of shape (n,) or one-hot rows of shape (n, n_classes).

        Returns
        -------
        float, or ndarray of shape (k,) for a stack of parameter sets.
        """
        arrays, stack = self._inputs.params(params)
        X = self._inputs.features(X)
        y = self._inputs.labels(y, X.shape[0])
        if stack is None:
            return float(cross_entropy(self._logits(arrays, X), y))
        return self._stack_losses(arrays, X, y, stack)

    def predict_proba(self, params: Params, X: Any) -> np.ndarray:
        """Class probabilities, shape (n, n_classes)."""
        arrays, stack = self._inputs.params(params)
        if stack is not None:
            raise ValueError("`predict_proba` takes one parameter set, not a stack")
        return softmax(self._logits(arrays, self._inputs.features(X)))

    def predict(self, params: Params, X: Any) -> np.ndarray:
        """The most probable class of every row of ``X``, shape (n,)."""
        return np.argmax(self.predict_proba(params, X), axis=1)

    def accuracy(self, params: Params, X: Any, y: Any) -> float:
        """Fraction of rows of ``X`` whose predicted class is the label."""
        X = self._inputs.features(X)
        y = self._inputs.labels(y, X.shape[0])
        labels = y if y.ndim == 1 else np.argmax(y, axis=1)
        return float(np.mean(self.predict(params, X) == labels))

    def _output_delta(self, logits: np.ndarray, y: np.ndarray) -> np.ndarray:
        # d(mean cross-entropy)/d(logits) = (softmax - targets) / n
        delta = softmax(logits)
        if y.ndim == 1:
            delta[np.arange(len(y)), y] -= 1.0
        else:
            delta -= y
        return delta / len(y)


class SoftmaxRegression(_Classifier):
    """Multinomial logistic regression: ``softmax(X @ W + b)``, cross-entropy loss.

    Parameters
    ----------
    n_features, n_classes : int
        Inputs per sample (64 for the digits) and classes (10).
    seed : int
        Seed of the small random initial weights (``0.01 * N(0, 1)``); biases start at 0.

    Notes
    -----
    With logits :math:`A = XW + b` and probabilities :math:`P = \\mathrm{softmax}(A)`,
    the loss is :math:`L = -\\frac1n \\sum_i \\log P_{i, y_i}` and its gradient
    :math:`\\partial L / \\partial W = X^T (P - T) / n`,
    :math:`\\partial L / \\partial b = \\sum_i (P - T)_i / n` with T the one-hot targets.
    The loss is convex in (W, b).

    Examples
    --------
    >>> model = SoftmaxRegression(n_features=3, n_classes=4)
    >>> g = model.grad(model.params, np.zeros((2, 3)), np.array([0, 3]))
    >>> g["b"]
    array([-0.25,  0.25,  0.25, -0.25])
    """

    def __init__(self, n_features: int, n_classes: int, seed: int = 0) -> None:
        self.n_features = positive_int(n_features, "n_features")
        self.n_classes = positive_int(n_classes, "n_classes", low=2)  # one class: loss is 0
        self.seed = seed
        rng = np.random.default_rng(seed)
        self._initialise(
            {
                "W": 0.01 * rng.standard_normal((self.n_features, self.n_classes)),
                "b": np.zeros(self.n_classes),
            }
        )

    def __repr__(self) -> str:
        return (
            f"SoftmaxRegression(n_features={self.n_features}, n_classes={self.n_classes}, "
            f"seed={self.seed})"
        )

    def _logits(self, arrays: Params, X: np.ndarray) -> np.ndarray:
        b = arrays["b"]
        return _matmul(X, arrays["W"]) + (b if b.ndim == 1 else b[:, None, :])

    def _changed_losses(
        self, reference: Params, X: np.ndarray, y: np.ndarray, changes: dict[str, Any], k: int
    ) -> np.ndarray:
        base = self._logits(reference, X)
        losses = np.full(k, cross_entropy(base, y))
        rows, index, delta = changes["W"]
        feature, column = np.divmod(index, self.n_classes)
        bias_rows, bias_column, bias_delta = changes["b"]
        # W[p, c] moves logit c by delta * X[:, p]; b[c] moves it by delta
        moves = np.concatenate(
            [delta[:, None] * X[:, feature].T, np.repeat(bias_delta[:, None], len(X), axis=1)]
        )
        rows = np.concatenate([rows, bias_rows])
        losses[rows] = column_change_losses(base, y, np.concatenate([column, bias_column]), moves)
        return losses

    def grad(self, params: Params, X: Any, y: Any) -> Params:
        """Gradient of :meth:`loss` with respect to ``W`` and ``b``."""
        arrays, X, y = self._inputs.single(params, X, y)
        delta = self._output_delta(self._logits(arrays, X), y)
        return {"W": X.T @ delta, "b": delta.sum(axis=0)}


class TwoLayerNet(_Classifier):
    """The chapter's network: affine, sigmoid, affine, softmax with cross-entropy.

    Parameters
    ----------
    input_size, hidden_size, output_size : int
        Inputs per sample, hidden units (the chapter's 50) and classes.
    weight_init_std : float
        Scale of the initial weights, ``weight_init_std * N(0, 1)``; biases start at 0.
    seed : int
        Seed of the initial weights.

    Notes
    -----
    Forward: :math:`Z = \\sigma(X W_1 + b_1)`, :math:`P = \\mathrm{softmax}(Z W_2 + b_2)`.
    Backpropagation with :math:`\\Delta_2 = (P - T)/n` and
    :math:`\\Delta_1 = (\\Delta_2 W_2^T) \\odot Z \\odot (1 - Z)`:
    :math:`\\nabla W_2 = Z^T \\Delta_2`, :math:`\\nabla b_2 = \\sum_i \\Delta_{2,i}`,
    :math:`\\nabla W_1 = X^T \\Delta_1`, :math:`\\nabla b_1 = \\sum_i \\Delta_{1,i}`.

    Examples
    --------
    >>> net = TwoLayerNet(784, 50, 10)
    >>> {k: v.shape for k, v in net.params.items()}
    {'W1': (784, 50), 'b1': (50,), 'W2': (50, 10), 'b2': (10,)}
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        weight_init_std: float = 0.01,
        seed: int = 0,
    ) -> None:
        self.n_features = positive_int(input_size, "input_size")
        self.hidden_size = positive_int(hidden_size, "hidden_size")
        self.n_classes = positive_int(output_size, "output_size", low=2)
        if not np.isfinite(weight_init_std) or weight_init_std < 0:
            raise ValueError(
                f"`weight_init_std` must be a finite number >= 0, got {weight_init_std!r}"
            )
        self.weight_init_std = weight_init_std
        self.seed = seed
        rng = np.random.default_rng(seed)
        std = float(weight_init_std)
        self._initialise(
            {
                "W1": std * rng.standard_normal((self.n_features, self.hidden_size)),
                "b1": np.zeros(self.hidden_size),
                "W2": std * rng.standard_normal((self.hidden_size, self.n_classes)),
                "b2": np.zeros(self.n_classes),
            }
        )

    def __repr__(self) -> str:
        return (
            f"TwoLayerNet(input_size={self.n_features}, hidden_size={self.hidden_size}, "
            f"output_size={self.n_classes}, weight_init_std={self.weight_init_std}, "
            f"seed={self.seed})"
        )

    def _hidden(self, arrays: Params, X: np.ndarray) -> np.ndarray:
        b1 = arrays["b1"]
        return sigmoid(_matmul(X, arrays["W1"]) + (b1 if b1.ndim == 1 else b1[:, None, :]))

    def _logits(self, arrays: Params, X: np.ndarray) -> np.ndarray:
        hidden = self._hidden(arrays, X)
        b2 = arrays["b2"]
        return hidden @ arrays["W2"] + (b2 if b2.ndim == 1 else b2[:, None, :])

    def _changed_losses(
        self, reference: Params, X: np.ndarray, y: np.ndarray, changes: dict[str, Any], k: int
    ) -> np.ndarray:
        W2 = reference["W2"]
        pre = X @ reference["W1"] + reference["b1"]
        hidden = sigmoid(pre)
        base = hidden @ W2 + reference["b2"]
        losses = np.full(k, cross_entropy(base, y))
        for name in ("W1", "b1"):
            # W1[p, q] or b1[q] moves hidden unit q only: recompute that one column,
            # then every logit moves by the unit's change times its row of W2
            rows, index, delta = changes[name]
            if not rows.size:
                continue
            feature, unit = np.divmod(index, self.hidden_size) if name == "W1" else (None, index)
            moved = delta if feature is None else X[:, feature] * delta
            unit_change = sigmoid(pre[:, unit] + moved) - hidden[:, unit]  # (n, m)
            losses[rows] = rank_one_change_losses(base, y, unit_change.T, W2[unit])
        # W2[q, c] moves logit c by delta * hidden[:, q]; b2[c] moves it by delta
        rows, index, delta = changes["W2"]
        unit, column = np.divmod(index, self.n_classes)
        bias_rows, bias_column, bias_delta = changes["b2"]
        moves = np.concatenate(
            [delta[:, None] * hidden[:, unit].T, np.repeat(bias_delta[:, None], len(X), axis=1)]
        )
        rows = np.concatenate([rows, bias_rows])
        losses[rows] = column_change_losses(base, y, np.concatenate([column, bias_column]), moves)
        return losses

    def grad(self, params: Params, X: Any, y: Any) -> Params:
        """Gradient of :meth:`loss` by backpropagation, a dict like ``params``."""
        arrays, X, y = self._inputs.single(params, X, y)
        hidden = self._hidden(arrays, X)
        delta2 = self._output_delta(hidden @ arrays["W2"] + arrays["b2"], y)
        delta1 = (delta2 @ arrays["W2"].T) * hidden * (1.0 - hidden)
        return {
            "W1": X.T @ delta1,
            "b1": delta1.sum(axis=0),
            "W2": hidden.T @ delta2,
            "b2": delta2.sum(axis=0),
        }
