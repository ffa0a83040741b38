"""Tampered checkpoints (hypothesis) and a kill-and-resume loop.

Whatever a checkpoint file holds, resuming from it ends in a finished run or a
:class:`CheckpointError`, never another exception, and never reads more than
the run can need.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import slopes
from slopes.training import _checkpoint as _checkpoint

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _train_script

# SLOPES_FUZZ_EXAMPLES raises the count for a longer attack run (the suite keeps it small)
FUZZ = settings(
    max_examples=int(os.environ.get("SLOPES_FUZZ_EXAMPLES", "25")),
    deadline=None,
    # the suite sees the same examples on every run; SLOPES_FUZZ_RANDOM=1 explores anew
    derandomize="SLOPES_FUZZ_RANDOM" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def small_run(checkpoint, **changed):
    net, X, y = _train_script.problem()
    options = dict(
        optimizer=slopes.optim.adam(lr=0.01),
        grad=net.grad,
        batch_size=30,
        epochs=2,
        seed=7,
        checkpoint=checkpoint,
        checkpoint_every=1000,
        progress=False,
    )
    return slopes.fit(net.loss, net.params, X, y, **{**options, **changed})


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The bytes of a run stopped mid-epoch, and its meta and arrays."""
    path = tmp_path_factory.mktemp("base") / "run.npz"
    small_run(path, callbacks=lambda info: info.step == 5)
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    return path.read_bytes(), meta, arrays


def resume_or_refuse(path):
    try:
        result = small_run(path)
    except _checkpoint.CheckpointError as error:
        assert str(path) in str(error)
        return None
    # accepted: then it is a whole, consistent run (finite but huge forged parameters
    # are a valid checkpoint, from which the run may diverge, and say so)
    assert result.status in ("completed", "stopped", "diverged")
    assert len(result.history.loss) == result.nit <= 20
    assert all(np.all(np.isfinite(v)) for v in result.params.values())
    return result


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@FUZZ
@given(data=st.data())
def test_tampered_metadata(tmp_path, base, data):
    _, meta, arrays = base
    meta = json.loads(json.dumps(meta))
    field = data.draw(st.sampled_from(sorted(meta)))
    meta[field] = data.draw(json_values)
    path = tmp_path / "meta.npz"
    with open(path, "wb") as stream:
        np.savez(stream, __meta__=np.array(json.dumps(meta)), **arrays)
    resume_or_refuse(path)


dtypes = st.sampled_from(["<f8", "<f4", "<c16", "|i1", "<i8", "<u4", "|b1", "<U3", ">f8"])


@FUZZ
@given(data=st.data())
def test_tampered_arrays(tmp_path, base, data):
    _, meta, arrays = base
    arrays = dict(arrays)
    name = data.draw(st.sampled_from(sorted(arrays)))
    how = data.draw(st.sampled_from(["dtype", "shape", "values", "drop", "rename"]))
    value = arrays[name]
    if how == "dtype":
        arrays[name] = value.astype(data.draw(dtypes))
    elif how == "shape":
        arrays[name] = np.resize(value, data.draw(st.lists(st.integers(0, 400), max_size=2)))
    elif how == "values" and value.size:
        flat = value.astype(float).ravel()
        index = data.draw(st.integers(0, flat.size - 1))
        flat[index] = data.draw(st.floats() | st.sampled_from([-1.0, 1e300, 2.0**63]))
        arrays[name] = flat.reshape(value.shape).astype(value.dtype)
    elif how == "drop":
        del arrays[name]
    else:
        arrays[name + "x"] = arrays.pop(name)
    path = tmp_path / "arrays.npz"
    with open(path, "wb") as stream:
        np.savez(stream, __meta__=np.array(json.dumps(meta)), **arrays)
    resume_or_refuse(path)


@FUZZ
@given(data=st.data())
def test_damaged_bytes(tmp_path, base, data):
    raw = bytearray(base[0])
    how = data.draw(st.sampled_from(["flip", "truncate", "garbage"]))
    if how == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    elif how == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        raw = bytearray(data.draw(st.binary(max_size=300)))
    path = tmp_path / "bytes.npz"
    path.write_bytes(bytes(raw))
    resume_or_refuse(path)


def test_a_zip_version_zipfile_cannot_read_is_a_checkpoint_error(tmp_path, base):
    # found by test_damaged_bytes: one flipped byte made the central directory ask for
    # zip version 10.9, and zipfile's NotImplementedError escaped the loader
    raw = bytearray(base[0])
    central = raw.find(b"PK\x01\x02")
    assert central > 0
    raw[central + 6] = 109  # "version needed to extract": 10.9
    path = tmp_path / "version.npz"
    path.write_bytes(bytes(raw))
    with pytest.raises(_checkpoint.CheckpointError, match="not a slopes checkpoint"):
        small_run(path)


def test_kill_and_resume_loop(tmp_path):
    """SIGKILL a checkpointing run at random moments, resume each time: the end is exact."""
    path = tmp_path / "killed.npz"
    script = Path(_train_script.__file__)
    rng = np.random.default_rng(0)
    kills = 0
    for _ in range(int(os.environ.get("SLOPES_FUZZ_KILLS", "3"))):
        process = subprocess.Popen(
            [sys.executable, str(script), str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            wanted, deadline = int(rng.integers(1, 9)), time.monotonic() + 60
            for count, _line in enumerate(process.stdout, 1):
                if count >= wanted or time.monotonic() > deadline:
                    break
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.wait(timeout=30)
            process.stdout.close()
        kills += process.returncode == -signal.SIGKILL
    assert kills >= 1
    print(f"{kills} SIGKILLs during training, then resumed")  # shown with -s
    resumed = _train_script.train(path)
    assert not list(tmp_path.glob(".killed.npz.*.tmp"))  # a kill mid-save leaves none for long
    uninterrupted = _train_script.train()
    for name in uninterrupted.params:
        assert np.array_equal(resumed.params[name], uninterrupted.params[name])
    assert np.array_equal(resumed.history.loss, uninterrupted.history.loss)
