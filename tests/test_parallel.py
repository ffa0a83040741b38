"""parallel_map and workers=: same results as serial, errors, progress, dead workers."""

from __future__ import annotations

import concurrent.futures as cf
import functools
import multiprocessing
import os
import signal
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slopes._util.warnings import SlopesWarning
from slopes.parallel import _pool as _parallel
from slopes.parallel._backends import (
    _THREAD_VARIABLES,
    Backend,
    LokyBackend,
    cpu_count,
    is_dask_client,
    worker_thread_env,
)
from slopes.parallel._errors import PointError, RemoteTraceback, raise_at
from slopes.parallel._pool import WorkerError, Workers, parallel_map, resolve_workers

CALLER_PID = os.getpid()


def abandon_pool() -> None:
    """Stop the reusable local pool, so the next call starts one afresh."""
    LokyBackend(2).abandon()


def stencil_block(block: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """A stand-in for the evaluation layer's func: f at every row of a block of points."""
    return np.array([scale * np.sin(row).sum() / 3.0 + np.exp(-row @ row) for row in block])


def blocks(n_tasks: int, n_vars: int = 4, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(int(rng.integers(1, 4)), n_vars)) for _ in range(n_tasks)]


def assert_bit_identical(got: list, expected: list) -> None:
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes()


# -- validation -------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, -2, np.int64(-3)])
def test_nonpositive_worker_count_is_refused(bad):
    with pytest.raises(ValueError, match=r"`workers` must be a positive integer or -1 \(all"):
        parallel_map(abs, [1], workers=bad)


@pytest.mark.parametrize("bad", [True, 2.0, "4", object(), [1, 2]])
def test_wrong_worker_type_is_refused(bad):
    with pytest.raises(TypeError, match="`workers` must be None, a positive integer"):
        parallel_map(abs, [1], workers=bad)


def test_resolve_workers_kinds():
    assert resolve_workers(None) is None
    assert resolve_workers(1) is None  # one process: just serial
    assert type(resolve_workers(np.int32(3))).__name__ == "LokyBackend"
    assert resolve_workers(3).n_workers == 3
    with cf.ThreadPoolExecutor(2) as executor:
        # an Executor does not say its size: Workers(size=) does, else the CPUs
        assert resolve_workers(executor).n_workers == cpu_count()
        assert resolve_workers(Workers(executor, size=2)).n_workers == 2
    assert resolve_workers(map) is None  # the builtin map: serial
    mapper = resolve_workers(lambda fn, xs: list(map(fn, xs)))
    assert type(mapper).__name__ == "MapBackend" and mapper.n_workers == cpu_count()
    assert resolve_workers(Workers(list_map, size=5)).n_workers == 5


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "2"])
def test_size_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match=r"`size` must be a positive integer or None"):
        Workers(list_map, size=bad)


@pytest.mark.parametrize("workers", [2, None, map])
def test_size_is_refused_where_the_workers_say_it(workers):
    with pytest.raises(ValueError, match=r"`size` is for an Executor or a map-like `workers`"):
        Workers(workers, size=2)


def test_local_pool_runs_its_size_in_processes(force_dispatch):
    # observed, not read from loky: the distinct processes that ran f; each of the
    # 3 workers holds its task until all 3 have started, so all must take part
    def hold_until_three(folder, block):
        open(os.path.join(folder, str(os.getpid())), "w").close()
        end = time.monotonic() + 60
        while len(os.listdir(folder)) < 3 and time.monotonic() < end:
            time.sleep(0.01)
        return os.getpid()

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        f = functools.partial(hold_until_three, folder)
        pids = parallel_map(f, [np.zeros((1, 1))] * 3, workers=3)
    assert len(set(pids)) == 3 and CALLER_PID not in pids


# -- same results as serial ---------------------------------------------------------------


def list_map(fn, items):
    return list(map(fn, items))


@pytest.mark.parametrize("workers", [None, 1, 2, map, list_map, "threads", "processes"])
def test_results_bit_identical_and_in_order(workers, force_dispatch):
    tasks = blocks(9)
    expected = [stencil_block(task) for task in tasks]
    if workers == "threads":
        with cf.ThreadPoolExecutor(3) as executor:
            got = parallel_map(stencil_block, tasks, workers=executor)
    elif workers == "processes":
        with cf.ProcessPoolExecutor(2) as executor:  # plain pickle: cloudpickle payload helps
            got = parallel_map(lambda block: stencil_block(block), tasks, workers=executor)
    else:
        got = parallel_map(stencil_block, tasks, workers=workers)
    assert_bit_identical(got, expected)


def test_lambda_and_closure_travel_to_processes(force_dispatch):
    offset = np.array([0.5, -1.0, 2.0, 0.0])

    def closure(block):
        return stencil_block(block + offset, scale=2.0)

    tasks = blocks(6, seed=1)
    expected = [closure(task) for task in tasks]
    assert_bit_identical(parallel_map(closure, tasks, workers=2), expected)
    assert_bit_identical(parallel_map(lambda b: closure(b), tasks, workers=2), expected)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert_bit_identical(parallel_map(closure, tasks, workers=pool.map), expected)


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 5), min_size=0, max_size=12),
    n_workers=st.integers(1, 4),
)
def test_any_grouping_gives_the_serial_list(sizes, n_workers):
    rng = np.random.default_rng(len(sizes))
    tasks = [rng.normal(size=(size, 3)) for size in sizes]
    expected = [stencil_block(task) for task in tasks]
    with cf.ThreadPoolExecutor(n_workers) as executor:
        got = parallel_map(stencil_block, tasks, workers=executor)
    assert_bit_identical(got, expected)


def test_every_task_runs_on_the_workers_never_in_the_caller():
    # crash isolation: with workers=, f never runs in the calling process, however
    # cheap (before, a probe task and all cheap work ran here)
    pids = parallel_map(lambda block: os.getpid(), blocks(50), workers=2)
    assert CALLER_PID not in pids and len(set(pids)) >= 1
    with cf.ProcessPoolExecutor(2) as executor:
        pids = parallel_map(lambda block: os.getpid(), blocks(5), workers=executor)
    assert CALLER_PID not in pids


def test_minus_one_workers_means_one_process_per_cpu():
    backend = resolve_workers(-1)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if cpus == 1:
        assert backend is None
    else:
        assert type(backend).__name__ == "LokyBackend" and backend.n_workers == cpus
    with pytest.raises(ValueError, match=r"`workers` must be a positive integer or -1"):
        resolve_workers(-2)


class _Stub(Backend):
    def __init__(self, n_workers, per_chunk_s):
        self.n_workers = n_workers
        self.per_chunk_s = per_chunk_s


def test_chunk_size_rule():
    # expensive tasks: one per chunk; cheap ones: one chunk per worker
    assert _parallel._chunk_size(_Stub(4, 0.001), task_s=0.05, n_left=100) == 1
    assert _parallel._chunk_size(_Stub(4, 0.001), task_s=1e-6, n_left=100) == 25
    # in between: each chunk holds ~10x the per-chunk overhead of work
    assert _parallel._chunk_size(_Stub(4, 0.001), task_s=0.001, n_left=100) == 10
    # unknown cost: four chunks per worker, so the first ready workers start at once
    assert _parallel._chunk_size(_Stub(8, 0.001), task_s=None, n_left=32) == 1
    assert _parallel._chunk_size(_Stub(4, 0.001), task_s=None, n_left=100) == 7


class RecordingExecutor(cf.ThreadPoolExecutor):
    """Notes, for every chunk submitted, whether it carried f's bytes in full."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.carried_bytes = []

    def submit(self, fn, *args, **kwargs):
        self.carried_bytes.append(args[0] is not None)
        return super().submit(fn, *args, **kwargs)


def big_closure(seed):
    table = np.random.default_rng(seed).normal(size=60_000)  # 480 kB: a "large" payload

    def f(block):
        return np.array([row @ table[: row.size] + table[-1] for row in block])

    return f


def test_large_closure_is_sent_about_once_per_worker(force_dispatch, monkeypatch):
    monkeypatch.setattr(_parallel, "_chunk_size", lambda backend, task_s, n_left: 1)
    f = big_closure(1)
    tasks = blocks(20, seed=6)
    with RecordingExecutor(2) as executor:
        got = parallel_map(f, tasks, workers=Workers(executor, size=2))
    assert_bit_identical(got, [f(task) for task in tasks])
    n_chunks = len(executor.carried_bytes)
    assert n_chunks >= 10 and sum(executor.carried_bytes) <= 3  # not once per chunk


@pytest.mark.parametrize("workers", [2, "pool.map"])
def test_large_closure_on_processes_is_exact(workers, force_dispatch, monkeypatch):
    monkeypatch.setattr(_parallel, "_chunk_size", lambda backend, task_s, n_left: 1)
    f = big_closure(2)
    tasks = blocks(12, seed=7)
    if workers == "pool.map":  # plain pickle, and processes that first see only the key
        with multiprocessing.get_context("fork").Pool(2) as pool:
            got = parallel_map(f, tasks, workers=pool.map)
    else:
        got = parallel_map(f, tasks, workers=workers)
    assert_bit_identical(got, [f(task) for task in tasks])


# -- errors -----------------------------------------------------------------------------


def fail_on_large(block):
    if block[0, 0] >= 5:
        raise ValueError(f"f failed at x = {block[0].tolist()}")
    return block.sum()


@pytest.mark.parametrize("workers", [2, list_map, "threads"])
def test_exception_in_f_reraised_for_the_earliest_task(workers, force_dispatch):
    tasks = [np.full((1, 2), float(i)) for i in range(10)]
    tasks[3], tasks[7] = tasks[7], tasks[3]  # failing tasks at 3 (value 7) and 5, 6, 8, 9
    with pytest.raises(ValueError, match=r"f failed at x = \[7.0, 7.0\]"):
        if workers == "threads":
            with cf.ThreadPoolExecutor(2) as executor:
                parallel_map(fail_on_large, tasks, workers=executor)
        else:
            parallel_map(fail_on_large, tasks, workers=workers)


class TwoArgError(Exception):
    def __init__(self, where, why):
        super().__init__(f"{why} at {where}")


def raise_two_arg(block):
    raise TwoArgError(block[0].tolist(), "cannot rebuild me")


def test_unpicklable_exception_keeps_type_name_and_message(force_dispatch):
    tasks = [np.ones((1, 2)), np.full((1, 2), 2.0)]
    with pytest.raises(RuntimeError, match=r"TwoArgError: cannot rebuild me at \[1.0, 1.0\]"):
        parallel_map(raise_two_arg, tasks, workers=2)
    with pytest.raises(RuntimeError, match=r"TwoArgError: cannot rebuild me at \[2.0, 2.0\]"):
        parallel_map(lambda b: b if b[0, 0] < 2 else raise_two_arg(b), tasks, workers=2)


def test_the_worker_traceback_is_shown_as_the_cause(force_dispatch):
    tasks = [np.full((1, 2), float(i)) for i in range(6)]
    with pytest.raises(ValueError, match=r"f failed at x = \[5.0, 5.0\]") as info:
        parallel_map(fail_on_large, tasks, workers=2)
    cause = info.value.__cause__
    assert isinstance(cause, RemoteTraceback)
    assert "in fail_on_large" in str(cause) and "ValueError: f failed" in str(cause)


def raise_at_the_point(block):
    if block[0, 0] >= 1:
        raise PointError(f"x={block[0].tolist()}", ZeroDivisionError("pole"))
    return block.sum()


@pytest.mark.parametrize("workers", [None, 2, list_map, "threads"])
def test_a_point_error_comes_back_as_fs_type_naming_the_point_on_every_path(workers):
    # PointError is how a func names the point where f failed: the caller gets f's
    # type and the same words whether it ran here, in threads or in processes
    tasks = [np.full((1, 2), float(i)) for i in range(4)]
    expected = r"^f raised ZeroDivisionError at x=\[1.0, 1.0\]: pole$"
    with pytest.raises(ZeroDivisionError, match=expected) as info:
        if workers == "threads":
            with cf.ThreadPoolExecutor(2) as executor:
                parallel_map(raise_at_the_point, tasks, workers=executor)
        else:
            parallel_map(raise_at_the_point, tasks, workers=workers)
    assert type(info.value.__cause__) is ZeroDivisionError  # chained from f's own
    assert str(info.value.__cause__) == "pole"


def test_a_point_error_round_trip_keeps_what_can_travel():
    import pickle

    class LocalError(Exception):  # plain pickle cannot find it by name; cloudpickle copies it
        pass

    try:
        raise LocalError("no")
    except LocalError as exc:
        error = PointError("x=1.0", exc, function="grad")
    back = pickle.loads(pickle.dumps(error))
    assert (back.where, back.type_name, back.message, back.function) == (
        "x=1.0",
        "LocalError",
        "no",
        "grad",
    )
    assert type(back.original).__name__ == "LocalError" and str(back.original) == "no"
    assert "in test_a_point_error_round_trip" in back.remote_traceback  # where f raised
    with pytest.raises(Exception, match=r"^grad raised LocalError at x=1.0: no$") as info:
        raise_at(back)
    assert isinstance(info.value.__cause__.__cause__, RemoteTraceback)


def test_worker_errors_are_public_and_one_family():
    import slopes

    assert slopes.WorkerError is WorkerError and issubclass(WorkerError, RuntimeError)
    assert issubclass(slopes.WorkerTimeout, WorkerError)
    assert issubclass(slopes.WorkerTimeout, TimeoutError)
    assert "catch" in WorkerError.__doc__.lower()  # says when users catch it


def test_only_a_real_dask_client_is_one():
    lookalike = type("Client", (), {"__module__": "distributed.client"})()
    assert not is_dask_client(lookalike)  # named like one, but not dask's class


def test_earliest_failure_wins_even_when_it_comes_last(force_dispatch):
    def f(block):
        if block[0, 0] == 0:
            time.sleep(0.1)  # still running when the later failures arrive
            raise KeyError("first point")
        raise IndexError("later point")

    with pytest.raises(KeyError, match="first point"):
        parallel_map(f, [np.full((1, 1), float(i)) for i in range(5)], workers=2)


def test_map_that_drops_results_is_refused(force_dispatch):
    def lossy_map(fn, items):
        return list(map(fn, items))[:-1]

    with pytest.raises(WorkerError, match="refusing to build a partial result"):
        parallel_map(stencil_block, blocks(5), workers=lossy_map)


# -- progress ---------------------------------------------------------------------------


def test_progress_counts_points(bars):
    tasks = blocks(7, seed=3)
    with cf.ThreadPoolExecutor(2) as executor:
        parallel_map(stencil_block, tasks, workers=executor, progress=True)
    n_points = sum(len(task) for task in tasks)
    assert bars[-1].total == n_points and bars[-1].n == n_points


# -- dead workers -----------------------------------------------------------------------


def sleepy(block, seconds=0.1):
    time.sleep(seconds)
    return stencil_block(block)


def test_killed_loky_worker_is_replaced_and_result_is_whole(force_dispatch):
    # the pool is up, and one of its processes (the pool is reused) is the victim
    victim = parallel_map(lambda block: os.getpid(), blocks(4), workers=2)[0]
    killer = threading.Timer(0.25, os.kill, (victim, signal.SIGKILL))
    tasks = blocks(12, seed=4)
    killer.start()
    with pytest.warns(SlopesWarning, match="died; re-running"):
        got = parallel_map(sleepy, tasks, workers=2)
    killer.join()
    assert_bit_identical(got, [stencil_block(task) for task in tasks])


def die_unless_in(caller_pid, block):
    if os.getpid() != caller_pid:
        os.kill(os.getpid(), signal.SIGKILL)
    return block


# the caller's pid travels as data: a worker that re-imports this module sees its own pid
die_in_worker = functools.partial(die_unless_in, CALLER_PID)


@pytest.mark.slow
def test_worker_that_always_dies_gives_a_clear_error(force_dispatch):
    with pytest.warns(RuntimeWarning), pytest.raises(WorkerError, match="died 3 times"):
        parallel_map(die_in_worker, blocks(3), workers=2)


def test_broken_user_executor_gives_a_clear_error(force_dispatch):
    with (
        cf.ProcessPoolExecutor(2) as executor,
        pytest.warns(RuntimeWarning),
        pytest.raises(WorkerError, match="cannot take work"),
    ):
        parallel_map(die_in_worker, blocks(3), workers=executor)


def test_importing_parallel_loads_no_dask_and_starts_no_pool():
    import subprocess
    import sys

    code = (
        "import sys, slopes.parallel._pool; "
        "print(sorted(m for m in ('dask', 'distributed', 'loky') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- start-up of local workers ----------------------------------------------------------


def _thread_caps(block: np.ndarray) -> tuple:
    return tuple(os.environ.get(name) for name in _THREAD_VARIABLES)


def test_local_workers_get_native_thread_pools_sized_to_their_share(monkeypatch):
    # k workers each with a CPU-wide BLAS pool would oversubscribe the machine, and
    # OpenBLAS starts its whole pool at import, in every worker, before the first task
    for name in _THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    abandon_pool()  # a pool started under another environment would be reused
    before = dict(os.environ)
    caps = parallel_map(_thread_caps, blocks(4), workers=3)
    share = str(max(1, cpu_count() // 3))
    assert caps == [(share,) * len(_THREAD_VARIABLES)] * 4
    assert dict(os.environ) == before  # the caller's environment is left alone
    abandon_pool()


def test_a_thread_count_the_caller_set_reaches_the_workers(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert "OMP_NUM_THREADS" not in worker_thread_env(2)
    assert worker_thread_env(64, environ={}) == dict.fromkeys(_THREAD_VARIABLES, "1")
    abandon_pool()
    caps = parallel_map(_thread_caps, blocks(2), workers=2)
    assert {cap[_THREAD_VARIABLES.index("OMP_NUM_THREADS")] for cap in caps} == {"3"}
    abandon_pool()


def test_worker_side_module_imports_only_what_a_worker_needs():
    # every worker imports this module before its first task: each import here is
    # paid once per process while the first parallel call waits (hashlib: ~10 ms)
    import subprocess
    import sys

    code = (
        "import sys, slopes.parallel._remote; print(sorted(m for m in ('hashlib', 'numpy', "
        "'slopes.parallel._pool', 'slopes.differentiate._engine.evaluate', "
        "'slopes.differentiate') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
