"""How the benchmark measures: evaluation counts, wall time, peak memory.

- ``Counted`` wraps f and counts calls and *points*: a call on a stack of m points
  (either batch convention) counts m points, so a vectorized f and a one-point f are
  charged the same for the same work.
- ``measure`` times a call with ``time.perf_counter``: one warm-up call (its result is
  the one whose error and evaluation count are reported; it also fills any caches), a
  calibration call, then the median of repeated calls; calls much shorter than the
  timer's comfort zone are looped and divided. A call slower than ``single_run_s`` is
  run exactly once.
- ``peak_memory`` runs the call once more under ``tracemalloc``, which sees numpy's array
  allocations, and reports the peak above the level at the start of the call.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class Counted:
    """f with a count of calls and of points evaluated.

    ``point_size`` is the number of scalars in one point: 1 for an elementwise scalar
    function (every element of the input is one point), n for f: R^n -> R.
    """

    def __init__(self, f: Callable, point_size: int = 1):
        self.f = f
        self.point_size = point_size
        self.calls = 0
        self.points = 0

    def __call__(self, x, *args, **kwargs):
        self.calls += 1
        self.points += max(1, np.size(x) // self.point_size)
        return self.f(x, *args, **kwargs)

    def reset(self) -> None:
        self.calls = 0
        self.points = 0


@dataclass
class Timing:
    seconds: float  # median over repeats of the time of one call
    repeats: int
    loops: int  # calls per repeat (short calls are looped and divided)
    all_seconds: list[float] = field(default_factory=list)


def _now() -> float:
    return time.perf_counter()


def measure(
    call: Callable[[], Any],
    *,
    repeats: int = 5,
    min_repeat_s: float = 0.02,
    single_run_s: float = 2.0,
    budget_s: float = 3.0,
) -> tuple[Any, Timing]:
    """Return (result of the first call, Timing of the following calls)."""
    gc.collect()
    start = _now()
    result = call()
    first = _now() - start
    if first >= single_run_s:
        return result, Timing(first, 1, 1, [first])
    # the first call may include one-time costs (lazy imports, caches): calibrate the
    # loop count on a second call, else µs calls end up timed one at a time, cold
    start = _now()
    call()
    second = _now() - start
    loops = max(1, int(min_repeat_s / max(min(first, second), 1e-7)))
    # keep the whole measurement inside the budget (at least 3 repeats when short)
    repeats = max(1, min(repeats, int(budget_s / max(first * loops, 1e-9))))
    samples = []
    for _ in range(repeats):
        gc.collect()
        start = _now()
        for _ in range(loops):
            call()
        samples.append((_now() - start) / loops)
    return result, Timing(statistics.median(samples), repeats, loops, samples)


def peak_memory(call: Callable[[], Any]) -> float:
    """Peak bytes allocated during one call, above the level when it started."""
    gc.collect()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    baseline, _ = tracemalloc.get_traced_memory()
    try:
        call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return float(peak - baseline)


def max_abs_error(value, exact) -> float:
    value = np.asarray(value, dtype=complex if np.iscomplexobj(value) else float)
    diff = np.abs(value - np.asarray(exact))
    if not np.all(np.isfinite(diff)):
        return float("nan")
    return float(np.max(diff)) if diff.size else 0.0


def relative_error(value, exact) -> float:
    """Normwise: max |value - exact| / max |exact| (elementwise would blow up at zeros)."""
    scale = float(np.max(np.abs(exact))) if np.size(exact) else 0.0
    error = max_abs_error(value, exact)
    return error / scale if scale > 0 else error


class Elapsed(float):
    """Seconds a call measured itself (the floor times only f, not building its input)."""


def paired(calls: dict[str, Callable[[], Any]], rounds: int) -> dict[str, list[float]]:
    """Time several calls in interleaved rounds (A B C, A B C, ...).

    On a shared, loaded machine the speed drifts over seconds; ratios of calls timed
    side by side within each round are far steadier than ratios of separate medians.
    A call may return an ``Elapsed``: its own measured seconds.
    """
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            gc.collect()
            start = _now()
            out = call()
            elapsed = _now() - start
            times[name].append(float(out) if isinstance(out, Elapsed) else elapsed)
    return times


def median_ratio(a: list[float], b: list[float]) -> float:
    """Median over rounds of a[i] / b[i]."""
    return statistics.median(x / y for x, y in zip(a, b))
