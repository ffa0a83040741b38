"""Data loaders: the bundled digits, and MNIST IDX files real and broken."""

from __future__ import annotations

import csv
import gzip
import hashlib
import math
import os
import struct
import subprocess
import sys
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import slopes.datasets
from slopes.datasets import MNISTError, MNISTNotFoundError, load_digits, load_mnist, one_hot
from slopes.datasets._idx import IDXFormatError, read_idx

# a folder with the original MNIST IDX files, for the tests that read them (skipped without)
MNIST = Path(os.environ.get("SLOPES_MNIST_DIR", "/nonexistent"))
needs_mnist = pytest.mark.skipif(
    not (MNIST / "t10k-images-idx3-ubyte.gz").exists(),
    reason="no MNIST files in SLOPES_MNIST_DIR",
)
T10K_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def idx_bytes(array: np.ndarray, magic_type: int = 0x08) -> bytes:
    """An IDX file written by hand: 0, 0, type code, ndim, big-endian dims, data."""
    header = bytes([0, 0, magic_type, array.ndim]) + b"".join(
        struct.pack(">I", d) for d in array.shape
    )
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_mnist(folder: Path, kind: str, images: np.ndarray, labels: np.ndarray, gz=True):
    suffix = ".gz" if gz else ""
    for stem, array in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
        data = idx_bytes(array.astype(np.uint8))
        path = folder / f"{kind}-{stem}{suffix}"
        path.write_bytes(gzip.compress(data) if gz else data)


@pytest.fixture
def tiny(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 4, 3)).astype(np.uint8)
    labels = np.array([0, 9, 3, 3, 1, 7], dtype=np.uint8)
    write_mnist(tmp_path, "t10k", images, labels)
    write_mnist(tmp_path, "train", images[::-1], labels[::-1], gz=False)
    return tmp_path, images, labels


# -- the bundled digits -------------------------------------------------------------------


DATA = Path(slopes.datasets.__file__).resolve().parent / "data"
DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
# images per digit 0..9 in the UCI optical-recognition test set (optdigits.tes)
DIGITS_CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def digits_by_csv() -> tuple[np.ndarray, np.ndarray]:
    """The bundled file read independently of slopes: gzip, csv, int."""
    with gzip.open(DATA / "digits.csv.gz", "rt", encoding="ascii") as text:
        rows = [[int(value) for value in row] for row in csv.reader(text)]
    table = np.array(rows)
    return table[:, :-1], table[:, -1]


def test_digits_file_is_the_uci_data_with_its_licence():
    assert hashlib.sha256((DATA / "digits.csv.gz").read_bytes()).hexdigest() == DIGITS_SHA256
    pixels, labels = digits_by_csv()
    assert pixels.shape == (1797, 64) and pixels.min() == 0 and pixels.max() == 16
    assert np.bincount(labels).tolist() == DIGITS_CLASS_COUNTS
    notice = (DATA / "DIGITS-LICENSE.txt").read_text(encoding="utf-8")
    for needed in ("CC BY 4.0", "creativecommons.org/licenses/by/4.0", "10.24432/C50P49"):
        assert needed in notice
    assert "Alpaydin" in notice and DIGITS_SHA256 in notice


def test_digits_shapes_range_and_split():
    (X, y), (X_test, y_test) = load_digits(test_size=0.2, seed=0)
    assert X.shape == (1437, 64) and X_test.shape == (360, 64)
    assert X.dtype == np.float64 and X.min() == 0.0 and X.max() == 1.0
    assert y.dtype.kind == "i" and set(np.unique(y)) == set(range(10))
    # 8x8 digits have pixel values 0..16: scaled by 1/16 exactly
    np.testing.assert_array_equal(np.unique(X * 16), np.arange(17))
    # stratified: every class's share of the test set is 0.2 of its images, to within one
    test_counts = np.bincount(y_test, minlength=10)
    assert np.all(np.abs(test_counts - 360 * np.array(DIGITS_CLASS_COUNTS) / 1797) < 1)
    # shuffled: neither part comes sorted by class
    assert np.any(np.diff(y) < 0) and np.any(np.diff(y_test) < 0)


def assert_a_stratified_partition(test_size: float, seed: int) -> None:
    """Train and test are the whole file, split into ceil(test_size * n) and the rest,
    each class within one image of its exact share, every class on both sides."""
    (X, y), (X_test, y_test) = load_digits(test_size=test_size, seed=seed)
    pixels, labels = digits_by_csv()
    n_test = math.ceil(test_size * 1797)
    assert len(X_test) == len(y_test) == n_test and len(X) == len(y) == 1797 - n_test
    counts = np.bincount(labels)
    test_counts = np.bincount(y_test, minlength=10)
    assert np.all(np.abs(test_counts - n_test * counts / 1797) < 1)
    assert np.all(test_counts >= 1) and np.all(counts - test_counts >= 1)
    # a partition of the file: the same rows, labels attached, as a multiset
    split_rows = np.column_stack([np.vstack([X, X_test]) * 16, np.concatenate([y, y_test])])
    file_rows = np.column_stack([pixels, labels])
    np.testing.assert_array_equal(np.unique(split_rows, axis=0), np.unique(file_rows, axis=0))
    assert len(split_rows) == len(file_rows)


@settings(max_examples=15, deadline=None)
@given(
    test_size=st.floats(min_value=10 / 1797, max_value=1 - 10 / 1797),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_digits_every_allowed_split_is_a_stratified_partition(test_size, seed):
    assert_a_stratified_partition(test_size, seed)


@pytest.mark.parametrize("test_size", [10 / 1797, 0.0056, 0.5, 0.9944, 1 - 10 / 1797])
def test_digits_split_at_the_edges_keeps_every_class_on_both_sides(test_size):
    assert_a_stratified_partition(test_size, seed=7)


def test_digits_seeded_and_one_hot():
    (X1, y1), (X1_test, _) = load_digits(seed=3)
    (X2, y2), (X2_test, _) = load_digits(seed=np.int64(3))
    (X3, _), _ = load_digits(seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(X1_test, X2_test)
    assert not np.array_equal(X1, X3)
    (_, Y), (_, Y_test) = load_digits(seed=3, one_hot=True)
    assert Y.shape == (1437, 10) and Y_test.shape == (360, 10)
    np.testing.assert_array_equal(Y.argmax(axis=1), y1)
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)


def test_digits_the_same_split_in_a_fresh_process():
    # no hidden state (a global random stream, hash order, the cache): a new interpreter
    # with another PYTHONHASHSEED draws the same split from the same seed
    code = (
        "import hashlib, slopes.datasets as d; (X, y), (T, t) = d.load_digits(seed=5);"
        "print(hashlib.sha256(X.tobytes() + y.tobytes() + T.tobytes() + t.tobytes()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    (X, y), (T, t) = load_digits(seed=5)
    here = hashlib.sha256(X.tobytes() + y.tobytes() + T.tobytes() + t.tobytes()).hexdigest()
    assert out.stdout.strip() == here


def test_digits_arrays_are_the_callers_own():
    (X, y), _ = load_digits(seed=0)
    X[:] = -1.0
    y[:] = 99
    (X_again, y_again), _ = load_digits(seed=0)
    assert X_again.min() == 0.0 and y_again.max() == 9
    assert X.flags.writeable and y.flags.writeable


@pytest.mark.parametrize("bad", [-1, 1.5, "0", None, True])
def test_digits_rejects_bad_seed(bad):
    with pytest.raises(ValueError, match="`seed` must be a non-negative integer"):
        load_digits(seed=bad)


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, "0.2", True])
def test_digits_rejects_bad_test_size(bad):
    with pytest.raises(ValueError, match="`test_size`"):
        load_digits(test_size=bad)


def test_one_hot_checks_labels():
    np.testing.assert_array_equal(one_hot([1, 0], 2), [[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match=r"`labels` must lie in 0\.\.2"):
        one_hot([0, 3], 3)
    with pytest.raises(ValueError, match="integer"):
        one_hot([0.5], 3)


# -- the real MNIST files ---------------------------------------------------------------


@needs_mnist
def test_real_t10k():
    X, y = load_mnist(MNIST, kind="t10k")
    assert X.shape == (10000, 784) and X.dtype == np.float32
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == T10K_LABEL_COUNTS
    assert y[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # the well-known first test digits
    raw, y_hot = load_mnist(MNIST, kind="t10k", normalize=False, flatten=False, one_hot=True)
    assert raw.shape == (10000, 1, 28, 28) and raw.dtype == np.uint8
    np.testing.assert_array_equal(raw.reshape(10000, -1) / np.float32(255), X)
    np.testing.assert_array_equal(y_hot.argmax(axis=1), y)


@needs_mnist
def test_real_train_labels_read_and_missing_images_named():
    labels = read_idx(MNIST / "train-labels-idx1-ubyte.gz", magic=2049)
    assert labels.shape == (60000,) and labels.max() == 9
    for kind in (None, "train"):
        with pytest.raises(
            MNISTNotFoundError, match=r"train-images-idx3-ubyte\.gz not found"
        ) as err:
            load_mnist(MNIST, kind=kind)
        assert "yann.lecun.com" in str(err.value)
        assert isinstance(err.value, FileNotFoundError)


# -- small files written here -------------------------------------------------------------


def test_tiny_files_gzip_and_raw(tiny):
    folder, images, labels = tiny
    (X, y), (X_test, y_test) = load_mnist(folder, normalize=False)
    np.testing.assert_array_equal(X_test, images.reshape(6, 12))
    np.testing.assert_array_equal(y_test, labels)
    np.testing.assert_array_equal(X, images[::-1].reshape(6, 12))  # the raw (not gzip) copies
    np.testing.assert_array_equal(y, labels[::-1])
    X_norm, _ = load_mnist(folder, kind="t10k", flatten=False)
    assert X_norm.shape == (6, 1, 4, 3)
    np.testing.assert_allclose(X_norm[:, 0], images / 255.0, rtol=1e-6)


def test_read_idx_other_types(tmp_path):
    array = np.array([[1.5, -2.0], [3.25, 1e300]])
    (tmp_path / "doubles").write_bytes(idx_bytes(array, magic_type=0x0E))
    np.testing.assert_array_equal(read_idx(tmp_path / "doubles"), array)
    ints = np.array([-5, 70000, 2], dtype=np.int32)
    (tmp_path / "ints").write_bytes(idx_bytes(ints, magic_type=0x0C))
    np.testing.assert_array_equal(read_idx(tmp_path / "ints"), ints)


def corrupt(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_bad_magic_is_named(tiny):
    folder, _, labels = tiny
    # a labels file where the images file should be: magic 2049, not 2051
    corrupt(folder, "t10k-images-idx3-ubyte.gz", gzip.compress(idx_bytes(labels)))
    with pytest.raises(MNISTError, match=r"t10k-images-idx3-ubyte\.gz: magic number 2049.*2051"):
        load_mnist(folder, kind="t10k")
    corrupt(folder, "t10k-images-idx3-ubyte.gz", gzip.compress(b"\x50\x4b\x03\x04" + bytes(20)))
    with pytest.raises(MNISTError, match="not an IDX magic number"):
        load_mnist(folder, kind="t10k")


def test_truncated_data_is_named(tiny):
    folder, images, _ = tiny
    data = idx_bytes(images)[:-5]
    corrupt(folder, "t10k-images-idx3-ubyte.gz", gzip.compress(data))
    with pytest.raises(MNISTError, match=r"images-idx3-ubyte\.gz: truncated.*\(6, 4, 3\)") as err:
        load_mnist(folder, kind="t10k")
    assert "fresh copy" in str(err.value)
    corrupt(folder, "t10k-images-idx3-ubyte.gz", bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(MNISTError, match="truncated header"):
        load_mnist(folder, kind="t10k")


def test_truncated_gzip_is_named(tiny):
    folder, images, _ = tiny
    packed = gzip.compress(idx_bytes(images))
    corrupt(folder, "t10k-images-idx3-ubyte.gz", packed[: len(packed) // 2])
    with pytest.raises(MNISTError, match="gzip data is truncated or corrupt"):
        load_mnist(folder, kind="t10k")


def test_wrong_count_is_named(tiny):
    folder, _, labels = tiny
    # the header says 4 labels, 6 follow
    data = bytes([0, 0, 8, 1]) + struct.pack(">I", 4) + labels.tobytes()
    corrupt(folder, "t10k-labels-idx1-ubyte.gz", gzip.compress(data))
    with pytest.raises(MNISTError, match="2 unexpected bytes"):
        load_mnist(folder, kind="t10k")


def test_length_mismatch_and_bad_labels(tiny):
    folder, _, labels = tiny
    corrupt(folder, "t10k-labels-idx1-ubyte.gz", gzip.compress(idx_bytes(labels[:5])))
    with pytest.raises(MNISTError, match=r"holds 6 images but .* holds 5 labels"):
        load_mnist(folder, kind="t10k")
    corrupt(folder, "t10k-labels-idx1-ubyte.gz", gzip.compress(idx_bytes(labels + 3)))
    with pytest.raises(MNISTError, match="label 12 at index 1 is not a digit"):
        load_mnist(folder, kind="t10k")


def test_missing_folder_and_bad_kind(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"t10k-images-idx3-ubyte\.gz not found"):
        load_mnist(tmp_path / "nowhere", kind="t10k")
    with pytest.raises(ValueError, match="`kind`"):
        load_mnist(tmp_path, kind="test")
    empty = corrupt(tmp_path, "empty", b"")
    with pytest.raises(IDXFormatError, match="only 0 bytes"):
        read_idx(empty)


@pytest.mark.parametrize("test_size", [0.001, 0.004, 0.997, 0.9999])
def test_load_digits_too_small_a_part_names_test_size(test_size):
    # a part smaller than the number of classes cannot hold every class: the message says
    # which argument to change, and to what
    with pytest.raises(ValueError, match=r"`test_size` .* between 0\.0056 and 0\.9944"):
        load_digits(test_size=test_size)


def test_load_digits_smallest_allowed_test_part_has_every_class():
    (_, _), (_, y_test) = load_digits(test_size=0.0056)
    assert sorted(set(y_test.tolist())) == list(range(10))


@pytest.mark.parametrize("test_size", [10 / 1797, 0.1, 0.2, 0.25, 1 / 3, 0.5, 0.9])
def test_digits_split_sizes_and_class_shares_match_scikit_learns(test_size):
    # slopes used scikit-learn's train_test_split(stratify=y) before it shipped the data:
    # the same sizes, and every class's test count within one of scikit-learn's
    model_selection = pytest.importorskip("sklearn.model_selection")
    pixels, labels = digits_by_csv()
    _, _, _, sk_test = model_selection.train_test_split(
        pixels, labels, test_size=test_size, random_state=0, stratify=labels
    )
    (_, y), (_, y_test) = load_digits(test_size=test_size, seed=0)
    assert len(y_test) == len(sk_test) and len(y) == 1797 - len(sk_test)
    ours, theirs = np.bincount(y_test, minlength=10), np.bincount(sk_test, minlength=10)
    assert np.all(np.abs(ours - theirs) <= 1), (ours, theirs)


# -- hostile files: bounded memory, named errors ----------------------------------------


def gzip_of_zeros_after(header: bytes, n_bytes: int) -> bytes:
    """A gzip stream: ``header`` then ``n_bytes`` zero bytes, compressed piece by piece."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    out = [packer.compress(header)]
    piece = bytes(1 << 20)
    for _ in range(n_bytes >> 20):
        out.append(packer.compress(piece))
    return b"".join(out) + packer.flush()


def test_gzip_bomb_is_refused_after_the_announced_size(tiny):
    # before: the whole stream was decompressed first (a 1 MB .gz peaked at 2.1 GB)
    folder, _, _ = tiny
    header = bytes([0, 0, 8, 3]) + struct.pack(">III", 100, 28, 28)  # 78 kB announced
    bomb = gzip_of_zeros_after(header, 64 << 20)  # 64 MB of zeros follow
    assert len(bomb) < 1 << 20
    corrupt(folder, "t10k-images-idx3-ubyte.gz", bomb)
    tracemalloc.start()
    try:
        with pytest.raises(MNISTError, match=r"images-idx3-ubyte\.gz: at least 1048576 unexpected"):
            load_mnist(folder, kind="t10k")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20  # the announced 78 kB and a 1 MB read ahead, not 64 MB


def test_huge_raw_file_is_refused_before_reading(tiny):
    # before: a 5 GB raw file with a valid header was read entirely
    folder, images, _ = tiny
    path = folder / "train-images-idx3-ubyte"
    with open(path, "wb") as handle:
        handle.write(idx_bytes(images))
        handle.truncate(5 << 30)  # sparse: 5 GB long, no disk used
    tracemalloc.start()
    try:
        with pytest.raises(MNISTError, match=r"train-images-idx3-ubyte: 5368709032 unexpected"):
            load_mnist(folder, kind="train")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


@pytest.mark.parametrize("gz", [True, False])
def test_zero_images_and_wrapping_dimensions_name_the_file(tmp_path, gz):
    # before: numpy reshape errors without the file name
    write_mnist(tmp_path, "t10k", np.zeros((0, 28, 28)), np.zeros(0), gz=gz)
    name = "t10k-images-idx3-ubyte" + (r"\.gz" if gz else "")
    with pytest.raises(MNISTError, match=rf"{name} holds no pixels"):
        load_mnist(tmp_path, kind="t10k")
    # 2**32 - 1 in every dimension: the product wraps in 64-bit integers
    wrapping = bytes([0, 0, 8, 3]) + struct.pack(">III", *[2**32 - 1] * 3) + bytes(16)
    path = tmp_path / ("t10k-images-idx3-ubyte" + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(wrapping) if gz else wrapping)
    with pytest.raises(MNISTError, match=rf"{name}: truncated.*\(4294967295, 4294967295"):
        load_mnist(tmp_path, kind="t10k")
