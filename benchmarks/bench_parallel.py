"""workers= against serial: a slow f spread over processes and a Dask cluster, a cheap f kept fast.

Targets (issue 4), each a ratio against the serial run measured in the same process:

- f sleeps 50 ms per call, 32 variables, central gradient: ``workers=8`` >= 6x faster,
  and its first call, which starts the pool of 8 processes inside it, >= 1.5x faster;
  a Dask ``LocalCluster`` of 4 workers x 2 threads >= 5x faster;
- a cheap f (microseconds), n = 100: shown without a target. It used to be
  ``workers=2`` no more than 3x slower, met by running cheap work in the calling
  process; since f must never run there when ``workers=`` is given (an f that
  aborts or calls ``sys.exit`` must not end the caller), a call now pays a few
  round trips to the pool (about 1 ms per chunk, four chunks per worker).

The first call starts the pool's processes inside it: each imports Python,
loky and numpy before its first task (0.2 to 0.3 s of CPU per process, measured
with ``resource.getrusage`` inside the workers), and 8 processes started at once
share the CPUs, so on a 2-core machine no worker is ready before about a second,
and several seconds when other programs load the machine. The first-call row is
therefore measured in a fresh interpreter per run (``--one first``), alternating
with fresh serial runs (``--one serial``), ``--first-runs`` times each; the table
gives the medians and prints every run, because the figure depends on how much
CPU is free while the pool starts.

A sleeping f parallelises beyond the cores of a small machine, so the slow-f figures
measure the overhead of the machinery, not the CPU count. Pools are started (and
timed) once before the timed runs: a user's second gradient reuses the same pool.
Every parallel result is checked to be bit-identical to the serial one. The medium f
(1 ms a call) shows the grouping at work between the two extremes.

Run::

    .venv/bin/python benchmarks/bench_parallel.py            # full (about two minutes)
    .venv/bin/python benchmarks/bench_parallel.py --only-first --first-runs 9
    .venv/bin/python benchmarks/bench_parallel.py --quick    # smoke run, a few seconds
    .venv/bin/python benchmarks/bench_parallel.py --no-dask
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import functools
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import slopes
from slopes.parallel import _pool as _parallel


def sleepy_quadratic(x: np.ndarray, seconds: float) -> float:
    time.sleep(seconds)
    return float(np.sum((x - 0.5) ** 2))


def cheap_quadratic(x: np.ndarray) -> float:
    return float(x @ x)


def engine_is_wired() -> bool:
    """Does slopes.gradient(..., workers=...) reach parallel_map yet?"""
    original, seen = _parallel.parallel_map, []

    def spy(*args: Any, **kwargs: Any) -> list:
        seen.append(1)
        return original(*args, **kwargs)

    _parallel.parallel_map = spy
    try:
        slopes.gradient(cheap_quadratic, np.ones(3), step=1e-4, workers=map)
    except TypeError:
        return False
    finally:
        _parallel.parallel_map = original
    return bool(seen)


def stencil_gradient(f: Callable, x: np.ndarray, step: float, workers: Any) -> np.ndarray:
    """Stand-in for the engine: central differences, blocks of 8 stencil points per task."""
    n = x.size
    points = np.repeat(x[None, :], 2 * n, axis=0)
    points[np.arange(n), np.arange(n)] += step
    points[n + np.arange(n), np.arange(n)] -= step
    tasks = [points[i : i + 8] for i in range(0, 2 * n, 8)]
    values = np.concatenate(
        [np.asarray(v) for v in _parallel.parallel_map(functools.partial(_rows, f), tasks, workers)]
    )
    return (values[:n] - values[n:]) / (2 * step)


def _rows(f: Callable, block: np.ndarray) -> list:
    return [f(row) for row in block]


def start_pool(k: int) -> float:
    """Start (or resize to) the reusable pool of k processes, as a first gradient would."""
    from slopes.parallel._backends import LokyBackend
    from slopes.parallel._remote import Payload, run_chunk

    start = time.perf_counter()
    executor = LokyBackend(k)._executor()
    # k tasks that each hold a worker for a while: every process must be up and have
    # imported numpy before this returns (a resize serves the first tasks early)
    data, key = Payload(lambda seconds: time.sleep(seconds) or np.sum(np.ones(2))).args(True)
    list(executor.map(run_chunk, [data] * k, [key] * k, [[0.3]] * k))
    return time.perf_counter() - start


def one_run(kind: str, n: int, sleep_s: float) -> float:
    """Seconds of one gradient in this (fresh) process: serial, or the first on 8 workers."""
    f = functools.partial(sleepy_quadratic, seconds=sleep_s)
    x = np.linspace(-1.0, 1.0, n)
    workers = None if kind == "serial" else 8
    start = time.perf_counter()
    slopes.gradient(f, x, step=1e-4, workers=workers)
    return time.perf_counter() - start


def first_call_runs(runs: int, n: int, sleep_s: float) -> tuple[list[float], list[float]]:
    """``runs`` fresh interpreters each for the serial gradient and the first call on 8 workers.

    The two kinds alternate, so that a change in the machine's load falls on both.
    """
    seconds: dict[str, list[float]] = {"serial": [], "first": []}
    for _ in range(runs):
        for kind in ("serial", "first"):
            command = [sys.executable, __file__, "--one", kind, "--n", str(n)]
            command += ["--sleep", str(sleep_s)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            seconds[kind].append(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])
    return seconds["serial"], seconds["first"]


def timed(call: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    seconds, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


class Table:
    """Rows of (case, workers, seconds, ratio to that case's serial run, target, identical)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, float, str, str, str]] = []
        self.serial: dict[str, tuple[float, Any]] = {}

    def serial_row(self, case: str, call: Callable[[], Any], repeats: int) -> None:
        self.serial[case] = timed(call, repeats)
        self.rows.append((case, "serial", self.serial[case][0], "1", "-", "-"))

    def row(
        self, case: str, name: str, call: Callable[[], Any], repeats: int, target: str = "-"
    ) -> None:
        base_s, reference = self.serial[case]
        seconds, result = timed(call, repeats)
        same = "yes" if np.asarray(result).tobytes() == np.asarray(reference).tobytes() else "NO"
        self.timed_row(case, name, base_s, seconds, target, same)

    def timed_row(
        self, case: str, name: str, base_s: float, seconds: float, target: str, same: str
    ) -> None:
        if base_s >= seconds:
            ratio = f"{base_s / seconds:.2f}x faster"
        else:
            ratio = f"{seconds / base_s:.2f}x slower"
        self.rows.append((case, name, seconds, ratio, target, same))

    def print(self) -> None:
        print(f"\n{'case':<27} {'workers':<27} {'seconds':>9}  {'ratio':<13} {'target':<13} same")
        for case, name, seconds, ratio, target, same in self.rows:
            print(f"{case:<27} {name:<27} {seconds:>9.4f}  {ratio:<13} {target:<13} {same}")


def print_runs(serial_runs: list[float], first_runs: list[float]) -> None:
    """Every fresh-process run, in the order run, with each pair's ratio."""
    print("\nfirst call, each fresh-process pair (serial s, first call s, ratio):")
    for serial_s, first_s in zip(serial_runs, first_runs):
        print(f"  {serial_s:7.3f} {first_s:7.3f}  {serial_s / first_s:5.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask cluster rows")
    parser.add_argument(
        "--first-runs", type=int, default=5, help="fresh processes per kind for the first call"
    )
    parser.add_argument("--only-first", action="store_true", help="only the first-call rows")
    parser.add_argument("--one", choices=["serial", "first"], help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=32, help=argparse.SUPPRESS)
    parser.add_argument("--sleep", type=float, default=0.05, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.first_runs < 1:
        parser.error(f"--first-runs must be at least 1, got {args.first_runs}")
    if args.one:  # a child of first_call_runs: one measurement in this fresh process
        print(json.dumps({"seconds": one_run(args.one, args.n, args.sleep)}))
        return 0
    n_slow, sleep_s = (8, 0.01) if args.quick else (32, 0.05)
    first_runs = 1 if args.quick else args.first_runs
    case = f"slow f ({sleep_s * 1e3:.0f} ms), n={n_slow}"
    serial_runs, first_runs_s = first_call_runs(first_runs, n_slow, sleep_s)
    cold_8 = statistics.median(first_runs_s)
    first_table = Table()
    first_table.rows.append(
        (case, "serial, fresh process", statistics.median(serial_runs), "1", "-", "-")
    )
    first_table.timed_row(
        case,
        f"workers=8, first call x{first_runs}",
        statistics.median(serial_runs),
        cold_8,
        ">= 1.5x faster",
        "-",
    )
    if args.only_first:
        first_table.print()
        print_runs(serial_runs, first_runs_s)
        return 0
    wired = engine_is_wired()
    if wired:
        how = "slopes.gradient(f, x, step=1e-4, workers=...)"

        def gradient(f, x, workers):
            return slopes.gradient(f, x, step=1e-4, workers=workers)
    else:
        how = "parallel_map over 8-point central-difference blocks (engine not wired yet)"

        def gradient(f, x, workers):
            return stencil_gradient(f, x, 1e-4, workers)

    print(f"path: {how}")
    table = Table()

    # -- slow f: the targets ----------------------------------------------------------
    slow = functools.partial(sleepy_quadratic, seconds=sleep_s)
    x = np.linspace(-1.0, 1.0, n_slow)
    table.serial_row(case, lambda: gradient(slow, x, None), 1)
    table.rows.extend(first_table.rows)  # measured above, in fresh processes
    start_pool(8)  # the warm rows reuse a started pool, as a user's second gradient does
    table.row(case, "workers=8 (loky)", lambda: gradient(slow, x, 8), 3, ">= 6x faster")
    with cf.ThreadPoolExecutor(8) as executor:
        table.row(case, "ThreadPoolExecutor(8)", lambda: gradient(slow, x, executor), 3)
    cold_dask = None
    if not args.no_dask:
        from distributed import Client, LocalCluster

        start = time.perf_counter()
        cluster = LocalCluster(
            n_workers=4, threads_per_worker=2, processes=True, dashboard_address=None
        )
        client = Client(cluster)
        gradient(slow, x, client)
        cold_dask = time.perf_counter() - start
        table.row(
            case, "dask LocalCluster 4x2", lambda: gradient(slow, x, client), 3, ">= 5x faster"
        )
        client.close()
        cluster.close()

    # -- cheap f: workers must not hurt --------------------------------------------------
    x = np.linspace(-1.0, 1.0, 100)
    repeats = 20 if args.quick else 200
    case = "cheap f (x @ x), n=100"
    table.serial_row(case, lambda: gradient(cheap_quadratic, x, None), repeats)
    start_pool(2)
    table.row(case, "workers=2 (loky)", lambda: gradient(cheap_quadratic, x, 2), repeats)
    # a brand-new f on every call: pickled afresh each time
    table.row(
        case,
        "workers=2, new f each call",
        lambda: gradient(lambda v: cheap_quadratic(v), x, 2),
        repeats,
    )
    table.row(case, "workers=8 (loky)", lambda: gradient(cheap_quadratic, x, 8), repeats)
    if wired:
        case = "cheap f, step=None, n=100"
        table.serial_row(case, lambda: slopes.gradient(cheap_quadratic, x), repeats // 4)
        table.row(
            case,
            "workers=2 (loky)",
            lambda: slopes.gradient(cheap_quadratic, x, workers=2),
            repeats // 4,
        )

    # -- in between: 1 ms per call, where the grouping matters --------------------------
    medium = functools.partial(sleepy_quadratic, seconds=0.001)
    x = np.linspace(-1.0, 1.0, 16 if args.quick else 100)
    case = f"medium f (1 ms), n={x.size}"
    table.serial_row(case, lambda: gradient(medium, x, None), 1)
    start_pool(2)  # one reusable pool: each size is started before its rows
    table.row(case, "workers=2 (loky)", lambda: gradient(medium, x, 2), 3)
    start_pool(8)
    table.row(case, "workers=8 (loky)", lambda: gradient(medium, x, 8), 3)

    table.print()
    print_runs(serial_runs, first_runs_s)
    print(f"\nfirst call, pool start-up included: workers=8 {cold_8:.2f} s", end="")
    print("" if cold_dask is None else f"; dask cluster start + first call {cold_dask:.2f} s")
    return 0 if all(row[-1] != "NO" for row in table.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
