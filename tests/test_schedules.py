"""Learning-rate schedules: closed forms, validation, use inside an optimiser."""

from __future__ import annotations

import math

import numpy as np
import pytest

from slopes import optim


def test_constant():
    schedule = optim.constant(0.3)
    assert [schedule(t) for t in (0, 1, 10**6)] == [0.3, 0.3, 0.3]
    assert repr(schedule) == "constant(lr=0.3)"


def test_step_decay_is_torch_steplr():
    schedule = optim.step_decay(0.1, step_size=3, gamma=0.5)
    expected = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]
    assert [schedule(t) for t in range(7)] == expected


def test_exponential_decay():
    schedule = optim.exponential_decay(2.0, gamma=0.9)
    for t in range(5):
        assert schedule(t) == pytest.approx(2.0 * 0.9**t, rel=1e-15)


def test_cosine_decay_endpoints_midpoint_and_hold():
    schedule = optim.cosine_decay(1.0, total_steps=10, min_lr=0.1)
    assert schedule(0) == 1.0
    assert schedule(5) == pytest.approx(0.55, rel=1e-15)  # halfway: the mean of the two ends
    assert schedule(10) == pytest.approx(0.1, rel=1e-15)
    assert schedule(50) == pytest.approx(0.1, rel=1e-15)
    # strictly decreasing on the way down
    values = [schedule(t) for t in range(11)]
    assert np.all(np.diff(values) < 0)
    assert schedule(3) == pytest.approx(0.1 + 0.45 * (1 + math.cos(0.3 * math.pi)), rel=1e-15)


def test_schedules_drive_an_optimiser_step_by_step():
    # sgd with a step-decay schedule on constant gradient 1: updates are -lr(t)
    schedule = optim.step_decay(1.0, step_size=2, gamma=0.1)
    opt = optim.sgd(lr=schedule)
    x = np.zeros(1)
    state = opt.init(x)
    got = []
    for _ in range(5):
        updates, state = opt.update(np.ones(1), state, x)
        got.append(float(updates[0]))
    np.testing.assert_allclose(got, [-1.0, -1.0, -0.1, -0.1, -0.01], rtol=1e-15)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: optim.constant(0), ValueError, "`lr` must be positive and finite, got 0"),
        (lambda: optim.constant(float("nan")), ValueError, "`lr` must be positive and finite"),
        (lambda: optim.constant("a"), TypeError, "`lr` must be a real number"),
        (lambda: optim.step_decay(0.1, step_size=0), ValueError, "`step_size` must be a positive"),
        (lambda: optim.step_decay(0.1, 2.5), ValueError, "`step_size` must be a positive integer"),
        (lambda: optim.step_decay(0.1, 2, gamma=2), ValueError, r"`gamma` must be in \(0, 1\]"),
        (lambda: optim.exponential_decay(0.1, gamma=0), ValueError, "`gamma` must be positive"),
        (lambda: optim.cosine_decay(0.1, total_steps=-1), ValueError, "`total_steps` must be"),
        (lambda: optim.cosine_decay(0.1, 10, min_lr=0.2), ValueError, r"`min_lr` must be in \[0"),
        (lambda: optim.constant(0.1)(-1), ValueError, "`step` must be a non-negative integer"),
    ],
)
def test_bad_arguments_are_named(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_reprs_name_their_arguments():
    assert repr(optim.cosine_decay(1.0, 5)) == "cosine_decay(lr=1.0, total_steps=5, min_lr=0.0)"
    assert repr(optim.exponential_decay(1.0, 0.5)) == "exponential_decay(lr=1.0, gamma=0.5)"
    assert repr(optim.sgd(lr=optim.constant(0.1))).startswith("sgd(lr=constant(lr=0.1)")
