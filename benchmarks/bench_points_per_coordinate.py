"""Why the n = 10,000 gradient sits at ~2x the textbook loop: points per coordinate.

Two measurements behind finding 2 of ``benchmarks/NOTES.md``:

1. **Cost per point.** At n = 10,000 the cost is all in f. One evaluation of
   f = sum(x**2 + sin x) costs the same whether the textbook loop mutates x in
   place or f receives a stack of one point; a stack of several points costs
   *more* per point in this process (f's temporaries pass glibc's mmap
   threshold). So time / loop ~ (points per coordinate) / 2: the loop makes 2,
   slopes' four-point pass 4.
2. **Three points instead of four.** The values at ``x + t h e_i`` for
   ``t = -2, -1, 1, 2`` (and the shared ``f(x)``) are evaluated once; from them
   both the fourth-order pass (all four) and a third-order stencil on
   ``{-h, 0, h, 2h}`` (three of them) are formed, each with the quick pass's
   kind of error model (measured Taylor coefficients, the next one guessed
   from their decay, plus rounding). The script prints true errors, estimates,
   how many coordinates a rule "keep 3 points where the 4th would not
   improve the estimate by more than F" would settle with 3 points, and the
   3-point stencil's error at a step 8x smaller (closer to its own best).

Run::

    .venv/bin/python benchmarks/bench_points_per_coordinate.py   # about 10 s
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _cases

from slopes.differentiate._engine.quick import QUICK_FACTOR
from slopes.differentiate._engine.steps import initial_step
from slopes.differentiate._engine.table import NOISE_FACTOR, RATIO_SAFETY

EPS = float(np.finfo(float).eps)


def cost_per_point(n: int = 10_000, points: int = 1_200) -> None:
    """µs per evaluation: the loop's in-place point against stacks of b points."""
    x = _cases.gradient_point(n)
    f_one, f_stack = _cases.sum_sq_sin, _cases.sum_sq_sin_leading

    def loop() -> float:
        work = x.copy()
        start = time.perf_counter()
        for i in range(points):
            work[i] += 1e-4
            f_one(work)
            work[i] -= 1e-4
        return (time.perf_counter() - start) / points * 1e6

    def stacked(b: int) -> float:
        stack = np.tile(x, (b, 1))
        calls = points // b
        start = time.perf_counter()
        for _ in range(calls):
            f_stack(stack)
        return (time.perf_counter() - start) / (calls * b) * 1e6

    rows = [("textbook loop (x mutated in place)", loop)]
    rows += [(f"stack of {b} point{'s' * (b > 1)}", lambda b=b: stacked(b)) for b in (1, 2, 8)]
    print(f"cost of one evaluation of f at n = {n:,} (best of 3):")
    for name, run in rows:
        print(f"  {name:36s} {min(run() for _ in range(3)):6.1f} µs per point")


def three_or_four(n: int) -> None:
    """Errors and estimates of the 3- and 4-point passes from the same evaluations."""
    x = _cases.gradient_point(n)
    exact = _cases.sum_sq_sin_grad(x)
    f = _cases.sum_sq_sin_leading
    typical = float(np.sqrt(np.mean(x**2)))
    h = initial_step(x, QUICK_FACTOR, floor=typical)

    def along(t: float) -> np.ndarray:
        out = np.empty(n)
        work = x[None, :].copy()
        for i in range(n):
            work[0, i] = x[i] + t * h[i]
            out[i] = f(work)[0]
            work[0, i] = x[i]
        return out

    f0 = float(f(x[None, :])[0])
    fm2, fm1, fp1, fp2 = (along(t) for t in (-2.0, -1.0, 1.0, 2.0))
    level = NOISE_FACTOR * EPS * np.max(np.abs([fm2, fm1, fp1, fp2, np.full(n, f0)]), axis=0)
    with np.errstate(all="ignore"):
        # four points: C_k = c_k h^k up to O(h^5), value C_1 / h, error ~ 4 c_5 h^4
        o1, o2 = fp1 - fm1, fp2 - fm2
        e1, e2 = fp1 + fm1 - 2 * f0, fp2 + fm2 - 2 * f0
        c1, c2 = (8 * o1 - o2) / 12, (16 * e1 - e2) / 24
        c3, c4 = (o2 - 2 * o1) / 12, (e2 - 4 * e1) / 24
        q4 = np.max([np.abs(c3 / c1), (c3 / c2) ** 2, np.abs(c4 / c2), (c4 / c3) ** 2], axis=0)
        c5 = RATIO_SAFETY * np.maximum(q4 * np.abs(c3), np.sqrt(q4) * np.abs(c4))
        value4, estimate4 = c1 / h, (4 * c5 + 1.5 * level) / h
        # three points {-h, h, 2h} and f(x): a cubic, value C_1 / h, error ~ 2 c_4 h^3
        b2 = e1 / 2
        b3 = (fp2 - f0 - 2 * e1 - o1) / 6
        b1 = o1 / 2 - b3
        q3 = np.max([np.abs(b3 / b1), (b3 / b2) ** 2], axis=0)
        b4 = RATIO_SAFETY * np.maximum(q3 * np.abs(b2), np.sqrt(q3) * np.abs(b3))
        value3, estimate3 = b1 / h, (2 * b4 + 2 * level) / h
    err4, err3 = np.abs(value4 - exact), np.abs(value3 - exact)
    print(f"n = {n:,}, step {np.median(h):.1e}, rounding level of f {np.median(level):.1e}:")
    for name, err, est in (("4 points", err4, estimate4), ("3 points", err3, estimate3)):
        print(
            f"  {name}: max error {err.max():.1e} (median {np.median(err):.1e}), estimate "
            f"median {np.median(est):.1e}, error > estimate at {int(np.sum(err > est))} coordinates"
        )
    # the 3-point stencil at a step 8x smaller (its truncation falls 512x, rounding grows 8x)
    small = h / 8
    g = {t: along(t / 8) for t in (-1.0, 1.0, 2.0)}
    value3s = (-2 * g[-1.0] - 3 * f0 + 6 * g[1.0] - g[2.0]) / (6 * small)
    print(f"  3 points at step / 8: max error {np.max(np.abs(value3s - exact)):.1e}")
    for factor in (2.0, 5.0):
        keep = estimate3 <= factor * estimate4
        err = np.where(keep, err3, err4)
        print(
            f"  3 points where estimate3 <= {factor:g} x estimate4: {keep.mean():.0%} of "
            f"coordinates, {4 - keep.mean():.2f} points per coordinate, max error {err.max():.1e}"
        )


def main() -> None:
    cost_per_point()
    for n in (1_000, 10_000):
        three_or_four(n)


if __name__ == "__main__":
    main()
