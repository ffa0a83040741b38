"""The code of :mod:`slopes.datasets`, which re-exports its public names. Datasets for minibatch
training: the bundled digits, and MNIST from local files.
"""

from __future__ import annotations

import functools
import gzip
import importlib.resources
import math
import os
from typing import TYPE_CHECKING, Literal, overload

import numpy as np

from ._idx import IDXFormatError, read_idx

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["MNISTError", "MNISTNotFoundError", "load_digits", "load_mnist", "one_hot"]

MNIST_SOURCES = (
    "https://yann.lecun.com/exdb/mnist/ (or a mirror such as "
    "https://ossci-datasets.s3.amazonaws.com/mnist/)"
)
_IMAGES_MAGIC = 2051  # unsigned bytes, 3 dimensions
_LABELS_MAGIC = 2049  # unsigned bytes, 1 dimension
_MNIST_STEMS = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("t10k", "images"): "t10k-images-idx3-ubyte",
    ("t10k", "labels"): "t10k-labels-idx1-ubyte",
}


class MNISTError(ValueError):
    """An MNIST file is corrupt, truncated, or does not match its partner file.

    Raised by :func:`load_mnist`; it is a :class:`ValueError`, and its message
    names the file and where to get a fresh copy.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
    ...         with open(os.path.join(folder, name), "wb") as file:
    ...             _ = file.write(b"not an IDX file")
    ...     try:
    ...         load_mnist(folder, kind="t10k")
    ...     except MNISTError as error:
    ...         print(str(error).replace(folder, "FOLDER"))  # doctest: +ELLIPSIS
    FOLDER/t10k-images-idx3-ubyte: magic number 0x6e6f7420 is not an IDX magic number. ...
    """


class MNISTNotFoundError(FileNotFoundError):
    """An MNIST file is missing from the folder given to :func:`load_mnist`.

    It is a :class:`FileNotFoundError`; its message names the missing file and
    where the MNIST files can be obtained.

    Examples
    --------
    >>> try:
    ...     load_mnist("no/such/folder")
    ... except FileNotFoundError as error:
    ...     print(type(error).__name__, str(error)[:52])
    MNISTNotFoundError MNIST file no/such/folder/train-images-idx3-ubyte.gz
    """


def one_hot(labels: ArrayLike, n_classes: int) -> np.ndarray:
    """Integer class labels as one-hot rows (float64).

    Parameters
    ----------
    labels : array_like of int
        One-dimensional class labels, each in ``0 .. n_classes - 1``.
    n_classes : int
        The number of classes: the length of each row.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(labels), n_classes)``: row i is 1 at column ``labels[i]``
        and 0 elsewhere.

    Raises
    ------
    ValueError
        For labels that are not a 1-D integer array or lie outside the classes.

    Examples
    --------
    >>> one_hot([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"`labels` must be a 1-D integer array, got {labels.dtype} {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"`labels` must lie in 0..{n_classes - 1}, found {labels.min()}..{labels.max()}"
        )
    return np.eye(n_classes)[labels]


def load_digits(
    test_size: float = 0.2, seed: int = 0, one_hot: bool = False
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The bundled 8x8 handwritten digits, scaled to [0, 1], split stratified.

    The UCI optical-recognition digits (1,797 images by 13 writers, CC BY 4.0;
    licence and citation in ``slopes/datasets/data/DIGITS-LICENSE.txt``), read from
    the copy inside the package: no network, no extra dependency.

    Parameters
    ----------
    test_size : float
        Fraction of the 1,797 images held out for testing, in (0, 1); the
        test part has ``ceil(test_size * 1797)`` images.
    seed : int
        Seed of the shuffled split (a non-negative integer); the same seed
        gives the same split (with the same NumPy release).
    one_hot : bool
        Return labels as one-hot rows of length 10 instead of integers.

    Returns
    -------
    (X_train, y_train), (X_test, y_test)
        ``X`` of shape ``(n, 64)``, float64 in [0, 1] (pixel intensities
        0..16 divided by 16); ``y`` of shape ``(n,)``, integers 0..9, or
        ``(n, 10)`` with ``one_hot=True``. Each class keeps its share of
        the data on both sides of the split (to within one image), and
        the rows of each part come in shuffled order.

    Raises
    ------
    ValueError
        If ``test_size`` is not a fraction in (0, 1), leaves fewer than 10
        images (one per class) on either side, or ``seed`` is not a
        non-negative integer.

    Notes
    -----
    The split is stratified by largest remainders: class ``c`` with
    ``n_c`` of the ``n`` images sends ``floor(n_test * n_c / n)`` of them
    to the test part, and the classes with the largest remainders one more
    each, until the test part holds exactly ``n_test``. Which images go is
    drawn with ``numpy.random.default_rng(seed)``.

    Examples
    --------
    >>> (X, y), (X_test, y_test) = load_digits(test_size=0.5, seed=1, one_hot=True)
    >>> X.shape, y.shape, y.sum(axis=1).min()
    ((898, 64), (898, 10), np.float64(1.0))
    """
    if (
        isinstance(test_size, bool)
        or not isinstance(test_size, (int, float))
        or not 0 < test_size < 1
    ):
        raise ValueError(f"`test_size` must be a fraction in (0, 1), got {test_size!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer, got {seed!r}")
    pixels, labels = _digits_table()
    X = pixels / 16.0  # a new float64 array: the cached table stays untouched
    y = labels.astype(np.intp)
    # a stratified split puts every class in both parts: each needs at least 10 samples
    n_test, n_classes = math.ceil(test_size * len(y)), 10
    if min(n_test, len(y) - n_test) < n_classes:
        low, high = n_classes / len(y), 1 - n_classes / len(y)
        raise ValueError(
            f"`test_size` {test_size!r} leaves {n_test} of {len(y)} digits for testing; a "
            f"stratified split needs at least {n_classes} samples in each part, so use a "
            f"test_size between {low:.4f} and {high:.4f}"
        )
    train, test = _stratified_split(y, n_test, np.random.default_rng(int(seed)))
    X_train, X_test, y_train, y_test = X[train], X[test], y[train], y[test]
    if one_hot:
        y_train, y_test = _one_hot(y_train, 10), _one_hot(y_test, 10)
    return (X_train, y_train), (X_test, y_test)


@functools.lru_cache(maxsize=1)
def _digits_table() -> tuple[np.ndarray, np.ndarray]:
    """The bundled digits file as read-only ``(pixels (1797, 64), labels (1797,))`` uint8."""
    source = importlib.resources.files("slopes.datasets") / "data" / "digits.csv.gz"
    with source.open("rb") as packed, gzip.open(packed, "rt", encoding="ascii") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.uint8, ndmin=2)
    table.setflags(write=False)
    return table[:, :-1], table[:, -1]


def _stratified_split(
    labels: np.ndarray, n_test: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices ``(train, test)``: ``n_test`` rows to test, each class in proportion.

    Largest remainders, in integers: class c with n_c of n rows gets
    floor(n_test * n_c / n) test rows, and the classes with the largest
    remainders (n_test * n_c mod n; ties to the lower class) one more each,
    so every class is within one row of its exact share and the total is
    exactly n_test. The rows of each class are drawn at random, and both
    parts shuffled, so that neither comes sorted by class.
    """
    classes, codes = np.unique(labels, return_inverse=True)
    counts = np.bincount(codes, minlength=len(classes))
    per_class, remainder = np.divmod(n_test * counts, len(labels))
    leftover = n_test - int(per_class.sum())
    per_class[np.argsort(-remainder, kind="stable")[:leftover]] += 1
    train, test = [], []
    for code, n_class_test in enumerate(per_class):
        members = rng.permutation(np.flatnonzero(codes == code))
        test.append(members[:n_class_test])
        train.append(members[n_class_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


_one_hot = one_hot  # load_digits and load_mnist shadow the name with their argument


def _find_file(folder: str, kind: str, part: str) -> str:
    stem = _MNIST_STEMS[(kind, part)]
    # the official names, plus the "train-images.idx3-ubyte" spelling of some mirrors
    dotted = stem.replace("-idx", ".idx")
    for name in (stem + ".gz", stem, dotted + ".gz", dotted):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            return candidate
    raise MNISTNotFoundError(
        f"MNIST file {os.path.join(folder, stem + '.gz')} not found (nor {stem}); "
        f"`path` must be a folder holding the MNIST files, which can be obtained from "
        f"{MNIST_SOURCES}"
    )


def _read_part(path: str, magic: int) -> np.ndarray:
    try:
        return read_idx(path, magic=magic)
    except IDXFormatError as exc:
        raise MNISTError(f"{exc}. Replace it with a fresh copy from {MNIST_SOURCES}") from None


def _load_part(
    folder: str, kind: str, normalize: bool, flatten: bool, one_hot: bool
) -> tuple[np.ndarray, np.ndarray]:
    images_path = _find_file(folder, kind, "images")
    labels_path = _find_file(folder, kind, "labels")
    images = _read_part(images_path, _IMAGES_MAGIC)
    if images.size == 0:
        raise MNISTError(
            f"{images_path} holds no pixels (its header says shape {images.shape}); "
            f"replace it with a fresh copy from {MNIST_SOURCES}"
        )
    labels = _read_part(labels_path, _LABELS_MAGIC)
    if len(images) != len(labels):
        raise MNISTError(
            f"{images_path} holds {len(images)} images but {labels_path} holds "
            f"{len(labels)} labels; one of them is damaged or they come from different sets"
        )
    if labels.size and labels.max() > 9:
        bad = int(np.argmax(labels > 9))
        raise MNISTError(f"{labels_path}: label {labels[bad]} at index {bad} is not a digit 0-9")
    X = images.astype(np.float32) / 255.0 if normalize else images
    X = X.reshape(len(X), -1) if flatten else X.reshape(len(X), 1, *images.shape[1:])
    y = _one_hot(labels.astype(np.intp), 10) if one_hot else labels.astype(np.intp)
    return X, y


@overload
def load_mnist(
    path: str | os.PathLike[str],
    kind: None = None,
    normalize: bool = True,
    flatten: bool = True,
    one_hot: bool = False,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]: ...


@overload
def load_mnist(
    path: str | os.PathLike[str],
    kind: Literal["train", "t10k"],
    normalize: bool = True,
    flatten: bool = True,
    one_hot: bool = False,
) -> tuple[np.ndarray, np.ndarray]: ...


def load_mnist(
    path: str | os.PathLike[str],
    kind: Literal["train", "t10k"] | None = None,
    normalize: bool = True,
    flatten: bool = True,
    one_hot: bool = False,
) -> (
    tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
    | tuple[np.ndarray, np.ndarray]
):
    """Read the MNIST handwritten digits from a folder of IDX files.

    Parameters
    ----------
    path : str or path-like
        A folder holding ``train-images-idx3-ubyte.gz``,
        ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz`` and
        ``t10k-labels-idx1-ubyte.gz`` (gzip-compressed or not).
    kind : {None, "train", "t10k"}
        ``None`` loads both parts; ``"train"`` or ``"t10k"`` only one (then
        only its two files need to exist).
    normalize : bool
        Pixels as float32 in [0, 1] (divided by 255); otherwise uint8 0..255.
    flatten : bool
        Images as rows of 784 values; otherwise as ``(n, 1, 28, 28)``, the
        chapter's layout for convolutional networks.
    one_hot : bool
        Labels as one-hot rows of length 10 instead of integers.

    Returns
    -------
    (X_train, y_train), (X_test, y_test)
        When ``kind`` is None, like the chapter's ``load_mnist``.
    X, y
        When ``kind`` names one part.

    Raises
    ------
    MNISTNotFoundError
        (a ``FileNotFoundError``) naming the missing file and where to get it.
    MNISTError
        (a ``ValueError``) for a corrupt or truncated file, a wrong magic
        number, or images and labels of different lengths.

    Notes
    -----
    The headers are checked against the data: image files must have magic
    number 2051 (unsigned bytes, 3 dimensions), label files 2049, and
    exactly as many bytes of data as the header's dimensions announce.

    Examples
    --------
    >>> load_mnist("no/such/folder", kind="t10k")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    slopes.datasets.MNISTNotFoundError: MNIST file no/such/folder/t10k-images-idx3-ubyte.gz ...
    """
    if kind not in (None, "train", "t10k"):
        raise ValueError(f'`kind` must be None, "train" or "t10k", got {kind!r}')
    folder = os.fspath(path)
    if kind is not None:
        return _load_part(folder, kind, normalize, flatten, one_hot)
    # check that all four files are there before reading 50 MB of them
    for part_kind in ("train", "t10k"):
        for part in ("images", "labels"):
            _find_file(folder, part_kind, part)
    train = _load_part(folder, "train", normalize, flatten, one_hot)
    test = _load_part(folder, "t10k", normalize, flatten, one_hot)
    return train, test
