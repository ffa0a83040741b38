"""Read IDX files, the format the MNIST database is distributed in.

An IDX file is a 4-byte magic number -- two zero bytes, a type code and
the number of dimensions -- then one big-endian ``uint32`` per dimension,
then the data in row-major order, big-endian. MNIST ships them
gzip-compressed; this reader accepts both (it looks at the gzip magic
bytes, not at the file name).

Every way a file can be wrong -- missing, truncated, not gzip after all,
a bad magic number, too much or too little data -- raises an error that
names the file and the problem, never a bare NumPy or gzip traceback.

Examples
--------
>>> import tempfile, os, numpy as np
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "tiny-labels-idx1-ubyte")
>>> with open(path, "wb") as handle:
...     _ = handle.write(bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 0, 9]))
>>> read_idx(path)
array([7, 0, 9], dtype=uint8)
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

__all__ = ["IDXFormatError", "read_idx"]

# IDX type code -> big-endian numpy dtype
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXFormatError(ValueError):
    """A file is not a valid IDX file (corrupt, truncated or of the wrong kind)."""


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as handle:
        raw = handle.read()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        # gzip raises EOFError on a truncated stream, BadGzipFile (an OSError)
        # or zlib.error on a damaged one
        raise IDXFormatError(
            f"{path}: the gzip data is truncated or corrupt ({exc}); download the file again"
        ) from None


def read_idx(path: str | os.PathLike[str], *, magic: int | None = None) -> np.ndarray:
    """Read one IDX file (raw or gzip-compressed) into an array.

    Parameters
    ----------
    path : str or path-like
        The file.
    magic : int, optional
        The magic number the file must have, e.g. ``2051`` for MNIST images
        (unsigned bytes, 3 dimensions) and ``2049`` for labels.

    Returns
    -------
    ndarray
        The data, of the shape given in the header, in native byte order.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    IDXFormatError
        If the file is not valid IDX: bad magic number, unknown type code,
        or a data section shorter or longer than the header announces.
    """
    path = os.fspath(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise IDXFormatError(f"{path}: only {len(data)} bytes, too short for an IDX header")
    found = int.from_bytes(data[:4], "big")
    if data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise IDXFormatError(f"{path}: magic number {found:#010x} is not an IDX magic number")
    if magic is not None and found != magic:
        raise IDXFormatError(
            f"{path}: magic number {found} ({found:#010x}), expected {magic} ({magic:#010x}); "
            "is this the right file?"
        )
    dtype = _IDX_DTYPES[data[2]]
    ndim = data[3]
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise IDXFormatError(f"{path}: truncated header ({len(data)} bytes, need {header_size})")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    payload = len(data) - header_size
    if payload < expected:
        raise IDXFormatError(
            f"{path}: truncated: the header announces shape {shape} ({expected} bytes of data) "
            f"but only {payload} bytes follow"
        )
    if payload > expected:
        raise IDXFormatError(
            f"{path}: {payload - expected} unexpected bytes after the {expected} bytes of data "
            f"for shape {shape}; the count in the header is wrong or the file is damaged"
        )
    array = np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize, offset=header_size)
    return array.reshape(shape).astype(dtype.newbyteorder("="))
