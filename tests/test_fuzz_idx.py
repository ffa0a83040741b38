"""Hypothesis over the IDX reader: any bytes give a well-formed array or an IDXFormatError.

Memory stays bounded by what the header announces plus a read-ahead, whatever
the file holds (checked with tracemalloc).
"""

from __future__ import annotations

import gzip
import os
import struct
import tracemalloc

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slopes.datasets._idx import IDXFormatError, read_idx

FUZZ = settings(
    max_examples=int(os.environ.get("SLOPES_FUZZ_EXAMPLES", "60")),
    deadline=None,
    # the suite sees the same examples on every run; SLOPES_FUZZ_RANDOM=1 explores anew
    derandomize="SLOPES_FUZZ_RANDOM" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
TYPE_CODES = [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E]


@st.composite
def idx_files(draw):
    """A valid IDX file, then maybe damaged: header fields, length, a bit flip, gzip."""
    code = draw(st.sampled_from(TYPE_CODES))
    shape = draw(st.lists(st.integers(0, 5), min_size=0, max_size=3))
    itemsize = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}[code]
    data = draw(st.binary(min_size=0, max_size=int(np.prod(shape)) * itemsize))
    data = data.ljust(int(np.prod(shape)) * itemsize, b"\0")
    header = bytes([0, 0, code, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape)
    raw = bytearray(header + data)
    damage = draw(st.sampled_from(["none", "dims", "truncate", "append", "flip", "random"]))
    if damage == "dims" and shape:
        i = draw(st.integers(0, len(shape) - 1))
        raw[4 + 4 * i : 8 + 4 * i] = struct.pack(">I", draw(st.integers(0, 2**32 - 1)))
    elif damage == "truncate":
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif damage == "append":
        raw += draw(st.binary(min_size=1, max_size=20))
    elif damage == "flip" and raw:
        raw[draw(st.integers(0, len(raw) - 1))] ^= draw(st.integers(1, 255))
    elif damage == "random":
        raw = bytearray(draw(st.binary(max_size=64)))
    packed = bytes(raw)
    if draw(st.booleans()):
        packed = gzip.compress(packed)
        if draw(st.booleans()) and len(packed) > 2:  # damage the compressed stream too
            cut = draw(st.integers(2, len(packed)))
            packed = packed[:cut]
    return packed


@FUZZ
@given(content=idx_files())
def test_any_file_reads_or_is_refused_by_name(tmp_path, content):
    path = tmp_path / "fuzz-idx"
    path.write_bytes(content)
    tracemalloc.start()
    try:
        array = read_idx(path)
    except IDXFormatError as error:
        assert str(path) in str(error)
        array = None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < (4 << 20)  # a header may announce 2**96 bytes: nothing near is allocated
    if array is not None:
        raw = gzip.decompress(content) if content[:2] == b"\x1f\x8b" else content
        ndim = raw[3]
        shape = tuple(struct.unpack(">I", raw[4 + 4 * i : 8 + 4 * i])[0] for i in range(ndim))
        assert array.shape == shape
        assert len(raw) == 4 + 4 * ndim + array.nbytes  # exactly the announced data
        assert array.dtype.isnative
