"""Parallel failure modes on every backend: f raises, aborts, exits or hangs; Ctrl-C; SIGKILL.

Each case must end in a result or a clear error within its time limit, leave the
calling process alive (f never runs in it when ``workers=`` is given) and leave
no worker process behind where slopes owns the workers.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import slopes
from slopes.parallel._backends import _pid_alive
from slopes.parallel._pool import WorkerError, Workers, WorkerTimeout, parallel_map

CALLER_PID = os.getpid()
SRC = os.path.dirname(os.path.dirname(os.path.abspath(slopes.__file__)))  # the slopes tested


def tasks(n=6):
    return [np.full((1, 2), float(i)) for i in range(n)]


def misbehave(kind, caller_pid, block):
    """f: fine at points below 3; at 3 it raises, aborts, exits or hangs (never in the caller)."""
    if os.getpid() == caller_pid:
        raise AssertionError("f ran in the calling process")
    if block[0, 0] != 3:
        return float(block.sum())
    if kind == "raise":
        raise ValueError(f"bad point {block[0].tolist()}")
    if kind == "exit":
        sys.exit(3)
    if kind == "abort":
        os.abort()
    time.sleep(1.5)  # "hang": three times the timeout given below
    return float(block.sum())


EXPECTED = {
    "raise": (ValueError, r"bad point \[3.0, 3.0\]"),
    "exit": (
        WorkerError,
        r"f called sys.exit\(3\) in a worker process at the points \[\[3. 3.\]\]",
    ),
    # which points are named depends on what had started when time ran out (a busy machine)
    "hang": (WorkerTimeout, r"did not finish within the timeout \(0.5 s\) .*the points \[\["),
}


def worker_pid(block):
    return os.getpid()


def run_case(kind, workers, started=None):
    """Run f of this ``kind`` on ``workers``; ``started`` collects the worker pids
    seen before a "hang" (the processes that the timeout must end, for a pool)."""
    f = functools.partial(misbehave, kind, CALLER_PID)
    spec = workers
    if kind == "hang":
        # started: the timeout is f's alone
        pids = parallel_map(worker_pid, tasks(4), workers=workers)
        if started is not None:
            started.extend(pids)
        spec = Workers(workers, timeout=0.5)
    return parallel_map(f, tasks(), workers=spec)


@pytest.mark.parametrize("kind", ["raise", "exit", "hang"])
def test_loky(kind):
    error, match = EXPECTED[kind]
    started = []
    with pytest.raises(error, match=match):
        run_case(kind, 2, started)
    if kind == "hang":  # the pool that ran the hung f was killed, not left running it
        assert started and wait_gone(started) == []
    assert parallel_map(abs, [-1.0, 2.0], workers=2) == [1.0, 2.0]  # a fresh pool works


@pytest.mark.slow  # three pools die and restart: seconds on a small machine
def test_loky_abort_is_a_worker_error_not_a_dead_caller():
    with pytest.warns(RuntimeWarning, match="died"), pytest.raises(WorkerError, match="died 3"):
        run_case("abort", 2)


@pytest.mark.parametrize("kind", ["raise", "exit", "hang", "abort"])
def test_process_pool_executor(kind):
    executor = cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"))
    try:
        if kind == "abort":
            with pytest.warns(RuntimeWarning), pytest.raises(WorkerError, match="cannot take"):
                run_case(kind, executor)
        else:
            error, match = EXPECTED[kind]
            with pytest.raises(error, match=match):
                run_case(kind, executor)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)  # the 1.5 s "hang" ends by itself


@pytest.mark.parametrize("kind", ["raise", "exit", "hang", "abort"])
def test_multiprocessing_pool_map(kind):
    pool = multiprocessing.get_context("fork").Pool(2)
    try:
        if kind == "abort":  # Pool.map alone would wait for the lost task forever
            with pytest.raises(WorkerError, match=r"\(pid \d+\) .* died while running the points"):
                run_case(kind, pool.map)
        else:
            error, match = EXPECTED[kind]
            with pytest.raises(error, match=match):
                run_case(kind, pool.map)
    finally:
        pool.terminate()
        pool.join()


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.mark.slow  # a cluster takes seconds to start and stop
@pytest.mark.parametrize("kind", ["raise", "exit", "hang"])
def test_dask_local_cluster(kind, client):
    error, match = EXPECTED[kind]
    with pytest.raises(error, match=match):
        run_case(kind, client)
    assert parallel_map(abs, [-1.0, 2.0], workers=client) == [1.0, 2.0]  # still usable


def test_timeout_is_validated():
    with pytest.raises(ValueError, match=r"`timeout` must be a positive number"):
        Workers(2, timeout=-1.0)
    with pytest.raises(ValueError, match=r"`timeout` must be a positive number"):
        Workers(2, timeout=float("nan"))
    with pytest.raises(ValueError, match=r"`workers` must be a positive integer"):
        Workers(0, timeout=1.0)
    with pytest.raises(ValueError, match=r"`timeout` needs workers that run f outside"):
        Workers(1, timeout=1.0)


# -- the caller interrupted or killed: no worker left behind ------------------------------

SCRIPT = textwrap.dedent(
    """
    import functools, os, sys, time
    import numpy as np
    from slopes.parallel._pool import parallel_map

    def f(folder, block):
        open(os.path.join(folder, str(os.getpid())), "w").close()
        time.sleep(60)

    parallel_map(functools.partial(f, sys.argv[1]), [np.ones((1, 1))] * 4, workers=2)
    """
)


def start_and_wait_for_workers(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        start_new_session=True,  # its own process group, as a terminal's foreground job
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(600):  # the pool starts within seconds; 60 s at most on a busy machine
        if len(os.listdir(tmp_path)) >= 2 or process.poll() is not None:
            break
        time.sleep(0.1)
    pids = [int(name) for name in os.listdir(tmp_path)]
    assert len(pids) >= 2, process.communicate(timeout=10)
    return process, pids


def wait_gone(pids, seconds=20.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end and any(_pid_alive(pid) for pid in pids):
        time.sleep(0.1)
    return [pid for pid in pids if _pid_alive(pid)]


@pytest.mark.parametrize("to", ["caller", "group"])
def test_ctrl_c_ends_the_run_and_leaves_no_worker(tmp_path, to):
    # "group": what a terminal's Ctrl-C does, SIGINT to the caller and its workers alike
    process, pids = start_and_wait_for_workers(tmp_path)
    if to == "group":
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=30)  # before: never exited
    finally:
        process.kill()
    assert "KeyboardInterrupt" in err
    assert wait_gone(pids) == []


def test_killed_caller_leaves_no_worker(tmp_path):
    process, pids = start_and_wait_for_workers(tmp_path)
    process.kill()  # SIGKILL: no handler runs in the caller
    process.wait(timeout=30)
    assert wait_gone(pids) == []  # before: two orphans, sleeping on
