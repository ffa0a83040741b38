"""Data loaders: the bundled digits, and MNIST IDX files real and broken."""

from __future__ import annotations

import gzip
import struct
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest

from slopes._idx import IDXFormatError, read_idx
from slopes.datasets import MNISTError, MNISTNotFoundError, load_digits, load_mnist, one_hot

MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"
needs_mnist = pytest.mark.skipif(
    not (MNIST / "t10k-images-idx3-ubyte.gz").exists(),
    reason="no MNIST files at ../shared/data/mnist",
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


def test_digits_shapes_range_and_split():
    (X, y), (X_test, y_test) = load_digits(test_size=0.2, seed=0)
    assert X.shape == (1437, 64) and X_test.shape == (360, 64)
    assert X.min() == 0.0 and X.max() == 1.0
    assert y.dtype.kind == "i" and set(np.unique(y)) == set(range(10))
    # 8x8 digits have pixel values 0..16: scaled by 1/16 exactly
    np.testing.assert_array_equal(np.unique(X * 16), np.arange(17))
    # stratified: every class's share of the test set is 0.2 of its images, to rounding
    counts, test_counts = np.bincount(y, minlength=10), np.bincount(y_test, minlength=10)
    assert np.all(np.abs(test_counts - 0.2 * (counts + test_counts)) <= 1)


def test_digits_seeded_and_one_hot():
    (X1, y1), _ = load_digits(seed=3)
    (X2, y2), _ = load_digits(seed=3)
    (X3, _), _ = load_digits(seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    (_, Y), (_, Y_test) = load_digits(seed=3, one_hot=True)
    assert Y.shape == (1437, 10) and Y_test.shape == (360, 10)
    np.testing.assert_array_equal(Y.argmax(axis=1), y1)
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, "0.2"])
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
    # sklearn's own message ("The test_size = 2 should be greater or equal to the number
    # of classes = 10") does not say which argument to change, nor to what
    with pytest.raises(ValueError, match=r"`test_size` .* between 0\.0056 and 0\.9944"):
        load_digits(test_size=test_size)


def test_load_digits_smallest_allowed_test_part_has_every_class():
    (_, _), (_, y_test) = load_digits(test_size=0.0056)
    assert sorted(set(y_test.tolist())) == list(range(10))


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
