"""Datasets for minibatch training: the bundled digits, and MNIST from local files.

Both loaders return the textbook chapter's shape of data: a pair of
``(X_train, y_train), (X_test, y_test)`` tuples, one image per row, labels
as integer class indices (or one-hot rows with ``one_hot=True``).

- :func:`load_digits` is the 8x8 handwritten digits shipped inside slopes
  (the UCI optical-recognition digits, 1,797 images, CC BY 4.0; no network
  needed): the default dataset everywhere.
- :func:`load_mnist` reads the original MNIST IDX files (gzip-compressed or
  not) from a folder of your own copy, checking every header.

Examples
--------
>>> from slopes.datasets import load_digits
>>> (X_train, y_train), (X_test, y_test) = load_digits(test_size=0.2, seed=0)
>>> X_train.shape, X_test.shape, float(X_train.max())
((1437, 64), (360, 64), 1.0)
"""

from ._load import (
    MNIST_SOURCES,  # noqa: F401 (public, not in __all__)
    MNISTError,
    MNISTNotFoundError,
    load_digits,
    load_mnist,
    one_hot,
)

__all__ = ["MNISTError", "MNISTNotFoundError", "load_digits", "load_mnist", "one_hot"]

# errors users catch keep the name they are shown under in tracebacks: slopes.datasets.<name>
MNISTError.__module__ = MNISTNotFoundError.__module__ = __name__
