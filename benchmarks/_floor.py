"""The floor: f alone on all of slopes' stencil points, stacked, built outside the timer.

No library evaluating f at those points can be faster. The points are built like a
coordinate stencil (x + t e_j) chunk by chunk, outside the timed region; only f is timed.
"""

from __future__ import annotations

import statistics
import time

import _cases
import numpy as np
from _markdown import fmt_time

FLOOR_WHOLE_STACK_MAX = 2**25  # scalars: up to 256 MB the stacked points are one f call
FLOOR_CHUNK = 2**22  # scalars per chunk (32 MB) where a memory-bounded evaluator must chunk


def stack_time(x, points: int, rows_per_chunk: int) -> float:
    """Seconds f spends on `points` stencil-like points, `rows_per_chunk` per call."""
    f = _cases.sum_sq_sin_leading
    n = x.size
    h = 1e-3 * np.maximum(1.0, np.abs(x))
    elapsed, done = 0.0, 0
    while done < points:
        m = min(rows_per_chunk, points - done)
        index = done + np.arange(m)
        stack = np.repeat(x[None, :], m, axis=0)  # built outside the timed region
        coordinate = index % n
        stack[np.arange(m), coordinate] += np.where(index // n % 2, -1, 1) * h[coordinate]
        start = time.perf_counter()
        f(stack)
        elapsed += time.perf_counter() - start
        done += m
        del stack
    return elapsed


def floor_row(n: int, points: int, repeats: int, quick: bool) -> dict:
    """f on all of slopes' stencil points stacked: no library can be faster.

    One call on the whole stack where it fits in FLOOR_WHOLE_STACK_MAX scalars, and
    memory-bounded chunks of several sizes: the floor is the fastest of these (chunks
    that fit in cache beat one huge call, see NOTES.md), the others go to the JSON.
    """
    x = _cases.gradient_point(n)
    if quick:
        chunk_sizes = [2**16, 2**18]
    elif n >= 10_000:
        chunk_sizes = [2**16, 2**18, 2**20]
    else:
        chunk_sizes = [2**14, 2**16, 2**18, 2**20, FLOOR_CHUNK]
    rows_options = {max(1, min(points, size // n)) for size in chunk_sizes}
    if points * n <= FLOOR_WHOLE_STACK_MAX:
        rows_options.add(points)
    by_rows = {}
    for rows in sorted(rows_options):
        by_rows[rows] = statistics.median(stack_time(x, points, rows) for _ in range(repeats))
    best = min(by_rows, key=by_rows.get)
    whole = by_rows.get(points)
    return {
        "tool": "floor: f on the stacked points",
        "calling": "vectorized",
        "points": points,
        "calls": -(-points // best),
        "time_s": by_rows[best],
        "repeats": repeats,
        "points_per_call": best,
        "by_points_per_call": {str(k): v for k, v in by_rows.items()},
        "note": f"fastest of {len(by_rows)} chunking(s): {best} points per f call"
        + (f"; whole stack in one call {fmt_time(whole)}" if whole else ""),
    }
