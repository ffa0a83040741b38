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
import math
import os
import zlib
from typing import Any, BinaryIO

import numpy as np

__all__ = ["IDXFormatError", "read_idx"]

# IDX type code -> big-endian numpy dtype
_IDX_DTYPES: dict[int, np.dtype[Any]] = {
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


_CHUNK = 1 << 20  # bytes decompressed per read: memory stays at the size the header announces


def _open(path: str) -> BinaryIO | gzip.GzipFile:
    """The file's byte stream: decompressed on the fly when it is gzip (by its magic bytes)."""
    handle = open(path, "rb")  # noqa: SIM115 - returned, closed by the caller
    if handle.read(2) != _GZIP_MAGIC:
        handle.seek(0)
        return handle
    handle.seek(0)
    return gzip.GzipFile(fileobj=handle, mode="rb")


def _read_exactly(path: str, stream: BinaryIO | gzip.GzipFile, count: int, what: str) -> bytes:
    """``count`` bytes of ``stream`` (or an error naming the file), read in bounded pieces."""
    pieces, got = [], 0
    try:
        while got < count:
            piece = stream.read(min(_CHUNK, count - got))
            if not piece:
                break
            pieces.append(piece)
            got += len(piece)
    except (EOFError, OSError, zlib.error) as exc:
        # gzip raises EOFError on a truncated stream, BadGzipFile (an OSError)
        # or zlib.error on a damaged one
        raise IDXFormatError(
            f"{path}: the gzip data is truncated or corrupt ({exc}); download the file again"
        ) from None
    if got < count:
        raise IDXFormatError(
            f"{path}: truncated {what}: need {count} bytes, only {got} bytes follow"
        )
    return b"".join(pieces)


def read_idx(path: str | os.PathLike[str], *, magic: int | None = None) -> np.ndarray:
    """Read one IDX file (raw or gzip-compressed) into an array.

    The header is read first and checked against the file: a raw file must
    be exactly as long as its header announces (compared before any data is
    read), and a gzip file is decompressed as a stream that stops one byte
    past the announced size, so a damaged or hostile file never costs more
    memory than the data its header describes.

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
    with _open(path) as stream:
        head = _read_exactly(path, stream, 4, "header")
        found = int.from_bytes(head, "big")
        if head[0] != 0 or head[1] != 0 or head[2] not in _IDX_DTYPES:
            raise IDXFormatError(f"{path}: magic number {found:#010x} is not an IDX magic number")
        if magic is not None and found != magic:
            raise IDXFormatError(
                f"{path}: magic number {found} ({found:#010x}), expected {magic} ({magic:#010x}); "
                "is this the right file?"
            )
        dtype = _IDX_DTYPES[head[2]]
        ndim = head[3]
        dims = _read_exactly(path, stream, 4 * ndim, "header")
        shape = tuple(int.from_bytes(dims[4 * i : 4 * i + 4], "big") for i in range(ndim))
        expected = math.prod(shape) * dtype.itemsize  # Python ints: no wrap-around
        header_size = 4 + 4 * ndim
        if not isinstance(stream, gzip.GzipFile):
            payload = os.fstat(stream.fileno()).st_size - header_size
            _check_length(path, payload, expected, shape)
        data = _read_exactly(path, stream, expected, f"data (shape {shape})")
        try:
            extra = len(stream.read(_CHUNK))  # bounded: a bomb stops here
        except (EOFError, OSError, zlib.error) as exc:
            raise IDXFormatError(
                f"{path}: the gzip data is corrupt after the data ({exc}); download it again"
            ) from None
        if extra:
            _check_length(path, expected + extra, expected, shape, more=extra == _CHUNK)
    array = np.frombuffer(data, dtype=dtype)
    return array.reshape(shape).astype(dtype.newbyteorder("="))


def _check_length(
    path: str, payload: int, expected: int, shape: tuple[int, ...], more: bool = False
) -> None:
    if payload < expected:
        raise IDXFormatError(
            f"{path}: truncated: the header announces shape {shape} ({expected} bytes of data) "
            f"but only {payload} bytes follow"
        )
    if payload > expected:
        raise IDXFormatError(
            f"{path}: {'at least ' if more else ''}{payload - expected} unexpected bytes "
            f"after the {expected} bytes of data "
            f"for shape {shape}; the count in the header is wrong or the file is damaged"
        )
