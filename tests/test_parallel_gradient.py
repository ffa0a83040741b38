"""workers= end to end: gradient, jacobian, hessian, derivative, check_grad on workers.

The results must equal the serial ones bit for bit; f's errors must name the point;
a worker process killed mid-gradient must not change the answer.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
import threading
import time

import numpy as np
import pytest

import slopes
from slopes.parallel._pool import parallel_map


def list_map(fn, items):
    return list(map(fn, items))


def stencil_block(block):
    return np.array([np.sin(row).sum() / 3.0 + np.exp(-row @ row) for row in block])


CUBIC = lambda x: np.sum(np.sin(x) * x**2) + x[0] * x[-1] ** 3  # noqa: E731
X5 = np.linspace(-1.0, 1.2, 5)


def vector_f(x):
    return np.array([np.sum(x**2), np.prod(np.cos(x)), x[0] - 2 * x[1]])


def same_bits(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("workers", [2, list_map, map, "threads"])
def test_derivatives_with_workers_equal_serial_bit_for_bit(workers, force_dispatch):
    def run(workers):
        return [
            slopes.gradient(CUBIC, X5, workers=workers),
            slopes.gradient(CUBIC, X5, step=1e-4, workers=workers),
            slopes.jacobian(vector_f, X5, workers=workers),
            slopes.hessian(CUBIC, X5[:3], workers=workers),
            slopes.derivative(np.sin, X5, workers=workers),
        ]

    serial = run(None)
    if workers == "threads":
        with cf.ThreadPoolExecutor(2) as executor:
            spread = run(executor)
    else:
        spread = run(workers)
    assert all(same_bits(a, b) for a, b in zip(spread, serial))
    # and the serial result is right: d/dx of sin(x) x^2 + x0 x4^3, closed form
    exact = np.sin(X5) * 2 * X5 + np.cos(X5) * X5**2
    exact[0] += X5[-1] ** 3
    exact[-1] += 3 * X5[0] * X5[-1] ** 2
    np.testing.assert_allclose(serial[0], exact, rtol=1e-9, atol=1e-11)


def test_closure_over_a_pytree_on_processes(force_dispatch):
    weights = {"w": np.array([1.0, -2.0, 0.5]), "b": np.array(0.3)}
    data = np.random.default_rng(0).normal(size=(20, 3))

    def loss(params):  # a closure over data, as a training loss would be
        return float(np.mean((data @ params["w"] + params["b"]) ** 2))

    serial = slopes.gradient(loss, weights)
    spread = slopes.gradient(loss, weights, workers=2)
    assert set(spread) == {"w", "b"}
    assert same_bits(spread["w"], serial["w"]) and same_bits(spread["b"], serial["b"])


def test_slow_f_goes_out_without_forcing_and_stays_exact(record_dispatches):
    dispatched = record_dispatches()

    def slow(x):
        time.sleep(0.005)
        return float(np.sum(x**3))

    x = np.linspace(0.5, 2.0, 12)
    serial = slopes.gradient(slow, x, step=1e-4)
    assert same_bits(slopes.gradient(slow, x, step=1e-4, workers=2), serial)
    assert dispatched  # 24 points of 5 ms: worth sending out
    np.testing.assert_allclose(serial, 3 * x**2, rtol=1e-7)


def test_error_in_f_on_a_worker_names_the_point(force_dispatch):
    def picky(x):
        if x[2] > 0.25:
            raise ValueError("negative pressure")
        return float(np.sum(x))

    with pytest.raises(ValueError, match=r"negative pressure") as info:
        slopes.gradient(picky, np.array([0.0, 0.1, 0.25, 0.3]), step=1e-3, workers=2)
    assert "x=" in str(info.value) and "0.251" in str(info.value)
    # chained from f's own error, whose cause shows the worker's traceback through f
    original = info.value.__cause__
    assert type(original) is ValueError and str(original) == "negative pressure"
    assert "in picky" in str(original.__cause__)


def test_check_grad_with_workers(force_dispatch):
    grad = lambda x: np.sin(x) * 2 * x + np.cos(x) * x**2  # noqa: E731
    f = lambda x: float(np.sum(np.sin(x) * x**2))  # noqa: E731
    spread = slopes.check_grad(f, grad, X5, workers=2)
    serial = slopes.check_grad(f, grad, X5)
    assert spread.passed and serial.passed
    assert same_bits(spread.numerical, serial.numerical)
    assert not slopes.check_grad(f, lambda x: grad(x) + 1e-3, X5, workers=2).passed


def test_progress_counts_every_stencil_point(bars, force_dispatch):
    slopes.gradient(CUBIC, X5, step=1e-4, workers=2, progress=True)
    assert bars and bars[-1].total == 2 * X5.size and bars[-1].n == bars[-1].total


def cos_sum(x):
    return float(np.sum(np.cos(x) * x))


def slow_cos_sum(x):
    time.sleep(0.05)
    return cos_sum(x)


@pytest.mark.slow
def test_killed_loky_worker_during_a_gradient(force_dispatch):
    x = np.linspace(-1.0, 1.0, 24)
    serial = slopes.gradient(cos_sum, x, step=1e-4)  # same arithmetic, no sleep
    slopes.gradient(cos_sum, x[:8], step=1e-4, workers=2)  # the pool is up and warm
    # one of its processes (the pool is reused) is the victim
    victim = parallel_map(lambda block: os.getpid(), [x[:1]] * 4, workers=2)[0]
    killer = threading.Timer(0.3, os.kill, (victim, signal.SIGKILL))
    killer.start()
    with pytest.warns(RuntimeWarning, match="died"):
        spread = slopes.gradient(slow_cos_sum, x, step=1e-4, workers=2)
    killer.join()
    assert same_bits(spread, serial)
