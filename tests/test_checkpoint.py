"""Checkpoints: atomic saves, exact resumption, a run killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import slopes
from slopes.optim import AdamState, SGDState
from slopes.training import _checkpoint as _checkpoint

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _train_script


def assert_same_run(a, b):
    assert a.keys() and a.params.keys() == b.params.keys()
    for name in a.params:
        assert np.array_equal(a.params[name], b.params[name]), name
    assert a.history.keys() == b.history.keys()
    for name in a.history:
        assert np.array_equal(a.history[name], b.history[name]), name
    assert a.nit == b.nit


@pytest.fixture(scope="module")
def uninterrupted():
    return _train_script.train()


def test_optimizer_states_round_trip(tmp_path):
    params = {"w": np.arange(3.0), "b": np.array(0.5)}
    for opt in (
        slopes.optim.sgd(lr=0.1),
        slopes.optim.sgd(lr=0.1, momentum=0.9),
        slopes.optim.adam(lr=0.1),
    ):
        state = opt.init(params)
        for _ in range(2):
            _, state = opt.update({"w": np.ones(3), "b": np.array(2.0)}, state, params)
        path = str(tmp_path / "state.npz")
        _checkpoint.save(path, {"note": "x"}, _checkpoint.pack_tree("s", state))
        meta, arrays = _checkpoint.load(path)
        back = _checkpoint.unpack_tree(opt.init(params), "s", arrays)
        assert type(back) is type(state) and isinstance(back, (SGDState, AdamState))
        assert meta["note"] == "x"
        for got, want in zip(
            slopes._util.pytree.flatten(back)[0], slopes._util.pytree.flatten(state)[0]
        ):
            assert (got is None and want is None) or np.array_equal(got, want)
            assert isinstance(got, int) == isinstance(want, int)  # the step count stays an int
    assert [p.name for p in tmp_path.iterdir()] == ["state.npz"]  # no temporary files left


def test_stopped_run_resumes_bit_identical(tmp_path, uninterrupted):
    path = tmp_path / "run.npz"
    stopped = _train_script.train(path, callbacks=lambda info: info.step == 37, checkpoint_every=10)
    assert stopped.status == "stopped" and stopped.nit == 37
    resumed = _train_script.train(path, checkpoint_every=10)
    assert resumed.status == "completed" and "resumed from" in resumed.message
    assert_same_run(resumed, uninterrupted)
    # a finished run: calling again gives the same result without training
    again = _train_script.train(path)
    assert_same_run(again, uninterrupted)
    assert again.nfev == 1  # the check of `loss` only: no training step
    # and more epochs continue it, exactly like a longer run from scratch
    longer = _train_script.train(path, epochs=_train_script.EPOCHS + 1)
    assert_same_run(longer, _train_script.train(epochs=_train_script.EPOCHS + 1))


def test_folder_checkpoint_and_another_run_refused(tmp_path):
    net, X, y = _train_script.problem()
    sgd = slopes.optim.sgd(lr=0.1)
    folder = tmp_path / "ckpt"

    def run(**changed):
        """The first run's fit call, with the options in `changed` replaced."""
        options = dict(optimizer=sgd, grad=net.grad, batch_size=30, checkpoint=folder)
        return slopes.fit(net.loss, net.params, X, y, progress=False, **{**options, **changed})

    run()
    assert (folder / "fit-checkpoint.npz").exists()
    with pytest.raises(ValueError, match="belongs to another run: its batch_size is 30"):
        run(batch_size=20)
    with pytest.raises(ValueError, match="its optimizer is 'sgd"):
        run(optimizer=slopes.optim.sgd(lr=0.2))
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 not really a zip file")
    with pytest.raises(ValueError, match=r"cannot read checkpoint .*broken\.npz.*delete it"):
        run(checkpoint=broken)


def test_sigkill_part_way_then_resume_is_bit_identical(tmp_path, uninterrupted):
    path = tmp_path / "killed.npz"
    script = Path(_train_script.__file__)
    process = subprocess.Popen(
        [sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        for line in process.stdout:  # the steps as they finish, each one checkpointed
            if int(line) >= 40 or time.monotonic() > deadline:
                break
        os.kill(process.pid, signal.SIGKILL)  # mid-step, possibly mid-write
    finally:
        process.wait(timeout=30)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    meta, _ = _checkpoint.load(str(path))
    total = uninterrupted.nit
    assert 40 <= meta["step"] < total, "the run was not killed part-way"
    resumed = _train_script.train(path)
    assert f"at step {meta['step']}" in resumed.message
    assert_same_run(resumed, uninterrupted)


# -- forged, damaged and oversized checkpoints (issue: items 5-8) --------------------------


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


def read_raw(path):
    """A checkpoint's meta (a dict) and arrays, read the plain way (for tampering)."""
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    return json.loads(str(arrays.pop("__meta__"))), arrays


def write_raw(path, meta, arrays, compressed=False):
    save = np.savez_compressed if compressed else np.savez
    with open(path, "wb") as stream:
        save(stream, __meta__=np.array(json.dumps(meta)), **arrays)


@pytest.fixture
def stopped_checkpoint(tmp_path):
    """A run stopped mid-epoch at step 5 (a permutation is in flight)."""
    path = tmp_path / "run.npz"
    small_run(path, callbacks=lambda info: info.step == 5)
    return path


def test_callable_learning_rate_resumes(tmp_path):
    # before: the fingerprint held repr(optimizer), with the lambda's memory address
    path = tmp_path / "lr.npz"

    def schedule_run(**changed):
        return small_run(path, optimizer=slopes.optim.sgd(lr=lambda t: 0.1 / (1 + t)), **changed)

    schedule_run(callbacks=lambda info: info.step == 5)
    resumed = schedule_run()  # a new lambda object, at another address
    assert resumed.status == "completed" and "resumed from" in resumed.message
    assert resumed.nit == 2 * 10
    # a different schedule is another run
    with pytest.raises(_checkpoint.CheckpointError, match="its optimizer is 'sgd"):
        small_run(path, optimizer=slopes.optim.sgd(lr=lambda t: 0.2 / (1 + t)))


def test_fingerprint_of_a_callable_lr_is_the_same_in_another_process(tmp_path):
    code = (
        "import slopes, slopes.training._checkpoint as c; "
        "print(c.describe_optimizer(slopes.optim.adam(lr=lambda t: 0.5 ** t)))"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert runs[0].stdout == runs[1].stdout and "0x" not in runs[0].stdout
    assert "[1.0, 0.5, 0.25, 0.125, " in runs[0].stdout  # sampled values of the schedule


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("step", -1, r"`step` is -1"),
        ("step", 5.0, r"`step` must be of type int"),
        ("step", True, r"`step` must be of type int"),
        ("batch", 4, r"`step` 5 disagrees with `epoch` 0 and `batch` 4"),
        ("epoch", 10**9, r"`epoch` 1000000000 / `batch` 5 are outside"),
        ("status", "hacked", r"`status` is 'hacked'"),
        ("message", ["x"], r"`message` must be of type str"),
        ("rng", {"bit_generator": "MT19937"}, r"`rng` is not a valid generator state"),
        ("rng", {"bit_generator": "PCG64", "state": 3}, r"`rng` is not a valid generator"),
        ("fingerprint", "x", r"`fingerprint` must be of type dict"),
    ],
)
def test_forged_fields_are_refused_by_name(stopped_checkpoint, field, value, match):
    meta, arrays = read_raw(stopped_checkpoint)
    meta[field] = value
    write_raw(stopped_checkpoint, meta, arrays)
    with pytest.raises(_checkpoint.CheckpointError, match=match):
        small_run(stopped_checkpoint)


@pytest.mark.parametrize(
    ("entry", "forge", "match"),
    [
        ("perm", np.zeros_like, r"`perm` is not a permutation of the 300 samples"),
        ("perm", lambda p: p[:-1], r"entry `perm` has shape \(299,\), expected \(300,\)"),
        ("perm", lambda p: p.astype(float), r"entry `perm` has dtype float64"),
        ("params/0", lambda a: a.astype(complex), r"entry `params/0` has dtype complex128"),
        ("params/0", lambda a: a.astype(np.int8), r"entry `params/0` has dtype int8"),
        ("params/0", lambda a: a * np.nan, r"entry `params/0` holds NaN or inf"),
        ("opt_state/0", lambda a: np.array(-3), r"entry `opt_state/0` holds a negative count"),
        ("history/loss", lambda a: a[:-1], r"`history/loss` has 4 values, expected 5"),
        ("history/loss", lambda a: np.full_like(a, np.inf), r"`history/loss` holds NaN or inf"),
        ("history/loss", lambda a: a.reshape(1, -1), r"expected a list of at most 20 values"),
        ("params/0", lambda a: np.array(["x"]), r"entry `params/0` has dtype <U1"),
    ],
)
def test_forged_arrays_are_refused_by_name(stopped_checkpoint, entry, forge, match):
    meta, arrays = read_raw(stopped_checkpoint)
    arrays[entry] = forge(arrays[entry])
    write_raw(stopped_checkpoint, meta, arrays)
    with pytest.raises(_checkpoint.CheckpointError, match=match):
        small_run(stopped_checkpoint)


def test_missing_and_unexpected_entries_are_refused(stopped_checkpoint):
    meta, arrays = read_raw(stopped_checkpoint)
    write_raw(stopped_checkpoint, meta, {k: v for k, v in arrays.items() if k != "params/1"})
    with pytest.raises(_checkpoint.CheckpointError, match=r"no entry `params/1`"):
        small_run(stopped_checkpoint)
    write_raw(stopped_checkpoint, meta, {**arrays, "extra": np.zeros(3)})
    with pytest.raises(_checkpoint.CheckpointError, match=r"unexpected entry `extra`"):
        small_run(stopped_checkpoint)


def test_inflating_history_is_refused_before_it_is_read(stopped_checkpoint):
    # before: a 0.28 MB file whose loss history inflates to 0.25 GB was accepted
    meta, arrays = read_raw(stopped_checkpoint)
    arrays["history/loss"] = np.zeros(31_250_000)  # 0.25 GB of zeros, compressed to ~0.25 MB
    write_raw(stopped_checkpoint, meta, arrays, compressed=True)
    assert stopped_checkpoint.stat().st_size < 2_000_000
    with pytest.raises(_checkpoint.CheckpointError, match=r"`history/loss` declares 250000128"):
        small_run(stopped_checkpoint)


def npy_header(shape, dtype="<f8"):
    header = repr({"descr": dtype, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header


def test_a_header_claiming_a_billion_floats_is_refused(stopped_checkpoint):
    # before: a tiny entry whose header claims 10**9 floats ended in a bare MemoryError
    meta, arrays = read_raw(stopped_checkpoint)
    write_raw(stopped_checkpoint, meta, {k: v for k, v in arrays.items() if k != "history/loss"})
    with zipfile.ZipFile(stopped_checkpoint, "a") as archive:
        archive.writestr("history/loss.npy", npy_header((10**9,)) + b"\0" * 16)
    with pytest.raises(_checkpoint.CheckpointError, match=r"`history/loss` has shape"):
        small_run(stopped_checkpoint)


def test_garbage_is_not_reported_as_pickled_data(tmp_path):
    path = tmp_path / "garbage.npz"
    path.write_bytes(os.urandom(200))
    with pytest.raises(_checkpoint.CheckpointError, match=r"not an \.npz archive") as caught:
        small_run(path)
    assert "pickle" not in str(caught.value)


def test_stale_temporary_files_are_removed_before_training(tmp_path):
    # before: each SIGKILL during a save left a .tmp file that stayed forever
    stale = tmp_path / ".run.npz.k2j3h4.tmp"
    stale.write_bytes(b"half a checkpoint")
    other = tmp_path / ".other.npz.abc.tmp"  # another run's: not ours to remove
    other.write_bytes(b"x")
    small_run(tmp_path / "run.npz")
    assert not stale.exists() and other.exists()


def test_an_uncreatable_checkpoint_folder_is_refused_before_the_first_step(tmp_path):
    # before: found only at the first save, after the work was done
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    steps = []
    with pytest.raises(ValueError, match=r"`checkpoint` folder .*a-file/sub cannot be created"):
        small_run(blocker / "sub", callbacks=lambda info: steps.append(info.step))
    assert steps == []
