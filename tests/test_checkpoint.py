"""Checkpoints: atomic saves, exact resumption, a run killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import slopes
from slopes import _checkpoint
from slopes.optim import AdamState, SGDState

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
        for got, want in zip(slopes._pytree.flatten(back)[0], slopes._pytree.flatten(state)[0]):
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
