"""workers=client: a real dask LocalCluster of two worker processes."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

from slopes.parallel import _pool as _parallel
from slopes.parallel._pool import parallel_map

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


def stencil_block(block, scale=1.0):
    return np.array([scale * np.sin(row).sum() / 3.0 + np.exp(-row @ row) for row in block])


def blocks(n_tasks, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(int(rng.integers(1, 4)), 3)) for _ in range(n_tasks)]


def test_client_is_recognised_and_sized(client):
    backend = _parallel.resolve_workers(client)
    assert type(backend).__name__ == "DaskBackend"
    assert backend.n_workers == 2


def test_closure_on_cluster_matches_serial_bit_for_bit(client, force_dispatch):
    shift = np.array([1.0, -2.0, 0.5])
    tasks = blocks(9)
    got = parallel_map(lambda b: stencil_block(b + shift, 3.0), tasks, workers=client)
    expected = [stencil_block(task + shift, 3.0) for task in tasks]
    assert [a.tobytes() for a in got] == [b.tobytes() for b in expected]
    # and the work really ran on the cluster, not here
    pids = parallel_map(lambda b: os.getpid(), tasks, workers=client)
    assert set(pids[1:]) <= set(client.run(os.getpid).values())


def test_large_closure_reaches_every_worker(client, force_dispatch, monkeypatch):
    # 480 kB of captured data: sent in full with the first chunks only; a worker
    # that gets just the key asks for the bytes, and the result is still exact
    monkeypatch.setattr(_parallel, "_chunk_size", lambda backend, task_s, n_left: 1)
    table = np.random.default_rng(3).normal(size=60_000)
    tasks = blocks(10, seed=8)
    got = parallel_map(lambda b: b @ table[:3] + table[-1], tasks, workers=client)
    assert [a.tobytes() for a in got] == [(t @ table[:3] + table[-1]).tobytes() for t in tasks]


def test_exception_on_cluster_is_reraised_with_the_point(client, force_dispatch):
    def f(block):
        if block[0, 0] > 2:
            raise FloatingPointError(f"f blew up at {block[0].tolist()}")
        return block.sum()

    tasks = [np.full((1, 2), float(i)) for i in range(6)]
    with pytest.raises(FloatingPointError, match=r"f blew up at \[3.0, 3.0\]"):
        parallel_map(f, tasks, workers=client)


def vector_f(x):
    return np.array([np.sum(x**2), np.prod(np.cos(x)), x[0] - 2 * x[1]])


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_derivatives_on_cluster_equal_serial_bit_for_bit(client, force_dispatch):
    import slopes

    f = lambda x: np.sum(np.sin(x) * x**2) + x[0] * x[-1] ** 3  # noqa: E731
    x = np.linspace(-1.0, 1.2, 5)

    def run(workers):
        return [
            slopes.gradient(f, x, workers=workers),
            slopes.jacobian(vector_f, x, step=1e-5, workers=workers),
            slopes.hessian(f, x[:3], workers=workers),
        ]

    assert all(same_bits(a, b) for a, b in zip(run(client), run(None)))


def test_error_on_cluster_names_the_point(client, force_dispatch):
    import slopes

    def picky(x):
        if x[1] > 1.0:
            raise ArithmeticError("out of range")
        return float(np.sum(x))

    with pytest.raises(ArithmeticError, match=r"out of range") as info:
        slopes.gradient(picky, np.array([0.5, 1.0, 0.0]), step=1e-3, workers=client)
    assert "x=" in str(info.value) and "1.001" in str(info.value)


def cos_sum(x):
    return float(np.sum(np.cos(x) * x))


def slow_cos_sum(x):
    time.sleep(0.05)
    return cos_sum(x)


@pytest.mark.slow
def test_killed_dask_worker_during_a_gradient_loses_nothing(client, force_dispatch):
    # 48 points of 50 ms: both worker processes are busy when one is killed;
    # dask reschedules its task (the nanny restarts the process) and the
    # gradient is still whole and exact.
    import slopes

    x = np.linspace(-1.0, 1.0, 24)
    serial = slopes.gradient(cos_sum, x, step=1e-4)  # same arithmetic, no sleep
    victim = next(iter(client.run(os.getpid).values()))
    killer = threading.Timer(0.3, os.kill, (victim, signal.SIGKILL))
    killer.start()
    spread = slopes.gradient(slow_cos_sum, x, step=1e-4, workers=client)
    killer.join()
    assert victim not in client.run(os.getpid).values()  # it really died
    assert same_bits(spread, serial)


def exit_once(marker, here, block):
    """Kill the first worker process that runs a block (never the test's own,
    which runs the probing first block); then behave."""
    if os.getpid() != here and not os.path.exists(marker):
        with open(marker, "w"):
            pass
        os._exit(1)
    return stencil_block(block)


@pytest.mark.slow
def test_chunk_dask_gives_up_on_is_run_again(tmp_path, force_dispatch):
    # with allowed-failures = 0 the scheduler does not reschedule a task whose
    # worker died: it raises KilledWorker to the client, and slopes must re-run
    # that chunk itself (on the restarted worker) rather than lose it
    import functools

    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(
            n_workers=1, processes=True, threads_per_worker=1, dashboard_address=":0"
        )
        with cluster, distributed.Client(cluster) as strict:
            tasks = blocks(4, seed=5)
            f = functools.partial(exit_once, str(tmp_path / "died"), os.getpid())
            with pytest.warns(RuntimeWarning, match="died"):
                got = parallel_map(f, tasks, workers=strict)
    assert (tmp_path / "died").exists()  # a worker really exited
    expected = [stencil_block(task) for task in tasks]
    assert [a.tobytes() for a in got] == [b.tobytes() for b in expected]
