"""What a classifier is given, checked: its sizes, parameters, features and labels.

Validation lives here in one place: :func:`positive_int` for the sizes a
model is built with, and :class:`Inputs` for what its methods are given --
the parameter dict (one set, or a stack of k sets), the features and the
labels. A classifier holds one :class:`Inputs`, made from its shapes. Every
message names the argument it is about, in backquotes.

Examples
--------
>>> import numpy as np
>>> inputs = Inputs("a 3-feature model", 3, 2, {"W": (3, 2), "b": (2,)})
>>> arrays, stack = inputs.params({"W": np.zeros((5, 3, 2)), "b": np.zeros((5, 2))})
>>> stack
5
>>> inputs.features(np.zeros((4, 2)))
Traceback (most recent call last):
...
ValueError: `X` must have shape (n, 3) for a 3-feature model, got (4, 2)
"""

from __future__ import annotations

from typing import Any

import numpy as np

Params = dict[str, np.ndarray]


def positive_int(value: Any, name: str, low: int = 1) -> int:
    """``value`` as an int if it is an integer >= ``low`` (not a bool), else a named error."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        what = "a positive integer" if low == 1 else f"an integer >= {low}"
        raise ValueError(f"`{name}` must be {what}, got {value!r}")
    return int(value)


class Inputs:
    """A classifier's parameters and data, checked against its shapes and classes.

    ``owner`` names the model in messages (the model itself: its repr is used).
    """

    def __init__(
        self, owner: Any, n_features: int, n_classes: int, shapes: dict[str, tuple[int, ...]]
    ) -> None:
        self.owner = owner
        self.n_features = n_features
        self.n_classes = n_classes
        self.shapes = dict(shapes)

    def _name(self) -> str:
        return self.owner if isinstance(self.owner, str) else repr(self.owner)

    def params(self, params: Any) -> tuple[Params, int | None]:
        """Arrays of ``params`` and the stack size k (None for one parameter set)."""
        if not isinstance(params, dict):
            raise TypeError(
                f"`params` must be a dict of arrays with keys {sorted(self.shapes)}, "
                f"got {type(params).__name__}"
            )
        missing = sorted(set(self.shapes) - set(params))
        extra = sorted(set(params) - set(self.shapes))
        if missing or extra:
            raise ValueError(
                f"`params` do not match {self._name()}: "
                + (f"missing {missing}" if missing else "")
                + ("; " if missing and extra else "")
                + (f"unexpected {extra}" if extra else "")
            )
        arrays: Params = {}
        stack: set[int | None] = set()
        for name, expected in self.shapes.items():
            array = np.asarray(params[name])
            if array.shape == expected:
                stack.add(None)
            elif array.ndim == len(expected) + 1 and array.shape[1:] == expected:
                stack.add(array.shape[0])
            else:
                raise ValueError(
                    f"`params['{name}']` has shape {array.shape}, but {self._name()} needs "
                    f"{expected} (or a stack of shape (k, {', '.join(map(str, expected))}))"
                )
            arrays[name] = array
        if len(stack) > 1:
            raise ValueError(
                f"`params` mix single and stacked arrays (stack sizes {sorted(map(str, stack))})"
            )
        return arrays, stack.pop()

    def features(self, X: Any, name: str = "X") -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(
                f"`{name}` must have shape (n, {self.n_features}) for {self._name()}, got {X.shape}"
            )
        if not np.issubdtype(X.dtype, np.number):
            raise TypeError(f"`{name}` must be numeric, got dtype {X.dtype}")
        if len(X) == 0:  # a mean over no samples would come out as NaN
            raise ValueError(f"`{name}` holds no samples (shape {X.shape})")
        return X

    def labels(self, y: Any, n: int, name: str = "y") -> np.ndarray:
        """Integer labels, or float target rows; checked against the classes."""
        y = np.asarray(y)
        if y.shape[:1] != (n,):
            raise ValueError(f"`{name}` has {y.shape[:1] or 'no'} rows but `X` has {n}")
        if y.ndim == 2:
            if y.shape[1] != self.n_classes:
                raise ValueError(
                    f"one-hot `{name}` must have {self.n_classes} columns, got {y.shape[1]}"
                )
            return y
        if y.ndim != 1:
            raise ValueError(f"`{name}` must be labels (n,) or one-hot rows (n, k), got {y.shape}")
        if not np.issubdtype(y.dtype, np.integer):
            if not np.issubdtype(y.dtype, np.floating) or not np.all(y == np.round(y)):
                raise ValueError(f"`{name}` must hold integer class labels, got dtype {y.dtype}")
            y = y.astype(np.intp)
        if n and (y.min() < 0 or y.max() >= self.n_classes):
            bad = y[(y < 0) | (y >= self.n_classes)][0]
            raise ValueError(
                f"`{name}` holds label {bad}, outside the classes 0..{self.n_classes - 1} "
                f"of {self._name()}"
            )
        return y

    def data(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Validate a whole dataset once (shapes, label range, no NaN or inf)."""
        X = self.features(X)
        y = self.labels(y, X.shape[0])
        if not np.all(np.isfinite(X)):
            row = int(np.argmax(~np.isfinite(X).all(axis=1)))
            raise ValueError(f"`X` contains NaN or inf (first in row {row})")
        return X, y

    def single(self, params: Params, X: Any, y: Any) -> tuple[Params, Any, Any]:
        """One parameter set (not a stack) and its data, checked for ``grad``."""
        arrays, stack = self.params(params)
        if stack is not None:
            raise ValueError("`grad` takes one parameter set, not a stack")
        X = self.features(X)
        return arrays, X, self.labels(y, X.shape[0])
