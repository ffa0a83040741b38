"""A training run for the checkpoint tests, to be killed part-way and resumed.

``python tests/_train_script.py CHECKPOINT [--slow]`` trains with a checkpoint
saved after every step and prints each finished step; the test kills it with
SIGKILL, resumes the same run in-process and compares with an uninterrupted one.
"""

from __future__ import annotations

import sys
import time

import numpy as np

import slopes
from slopes.models import TwoLayerNet
from slopes.training import fit

EPOCHS = 8


def problem():
    rng = np.random.default_rng(42)
    X = rng.standard_normal((300, 8))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    return TwoLayerNet(8, 6, 3, weight_init_std=0.5, seed=3), X, y


def train(checkpoint=None, callbacks=None, epochs=EPOCHS, checkpoint_every=1):
    net, X, y = problem()
    return fit(
        net.loss,
        net.params,
        X,
        y,
        optimizer=slopes.optim.adam(lr=0.01),
        grad=net.grad,
        batch_size=10,
        epochs=epochs,
        seed=7,
        eval_data=(X[:50], y[:50]),
        checkpoint=checkpoint,
        checkpoint_every=checkpoint_every,
        progress=False,
        callbacks=callbacks,
    )


def _report(info):
    print(info.nit, flush=True)
    time.sleep(0.01)  # slow enough for the test to kill it part-way


if __name__ == "__main__":
    train(sys.argv[1], callbacks=_report)
