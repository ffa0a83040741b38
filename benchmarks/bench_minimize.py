"""minimize's per-step overhead and its function-evaluation count.

Targets (issue 3), each measured against a reference in the same process:

- analytic gradient, 2-D problem (f = x0² + x1², g = 2x, plain gradient descent):
  the time per step of ``slopes.minimize`` is at most 3x that of a bare NumPy loop
  doing the same updates. Two references are printed:

  * ``bare``: ``x = x - lr * g(x)`` and nothing else;
  * ``same work``: the chapter's loop with what minimize must also do per
    iterate: evaluate f (for history.f and the stopping tests), keep a copy of
    x (history.x), and update.

  The default optimiser (plain gradient descent) updates ``x - lr * g`` directly;
  any other optimiser goes through ``update`` and ``apply_updates``. The second
  table times that generic path for each optimiser, ``sgd`` included.

- numerical gradient: nfev per step is exactly the central stencil's 2n points
  plus the one evaluation of f at the iterate that the stopping tests need,
  and no point is evaluated twice (checked by recording every point f sees).

Every timing is the best of several repeats (the machine is shared and noisy);
minimize's trajectory is checked to equal the reference loop's bit for bit.

Run::

    .venv/bin/python benchmarks/bench_minimize.py            # a few seconds
    .venv/bin/python benchmarks/bench_minimize.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from slopes import optim
from slopes.descent import minimize


def f(x: np.ndarray) -> float:
    return x[0] ** 2 + x[1] ** 2


def grad(x: np.ndarray) -> np.ndarray:
    return 2 * x


def time_minimize(steps: int, lr: float) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    res = minimize(f, np.array([-3.0, 4.0]), lr=lr, steps=steps, grad=grad, tol=0.0, ftol=0.0)
    elapsed = time.perf_counter() - start
    assert res.nit == steps, res.message
    return elapsed, res.history.x


def time_bare(steps: int, lr: float) -> tuple[float, np.ndarray]:
    x = np.array([-3.0, 4.0])
    start = time.perf_counter()
    for _ in range(steps):
        x = x - lr * grad(x)
    return time.perf_counter() - start, x


def time_same_work(steps: int, lr: float) -> tuple[float, np.ndarray]:
    x = np.array([-3.0, 4.0])
    history, values = [], []
    start = time.perf_counter()
    for _ in range(steps):
        values.append(f(x))
        history.append(x.copy())
        x = x - lr * grad(x)
    values.append(f(x))
    history.append(x.copy())
    return time.perf_counter() - start, np.array(history)


def overhead(steps: int, repeats: int) -> dict[str, float]:
    lr = 1e-5  # small, so that nothing converges or diverges: every run takes all the steps
    best = {"minimize": np.inf, "bare": np.inf, "same work": np.inf}
    for _ in range(repeats):
        t_min, path = time_minimize(steps, lr)
        t_bare, last = time_bare(steps, lr)
        t_same, same_path = time_same_work(steps, lr)
        best["minimize"] = min(best["minimize"], t_min / steps)
        best["bare"] = min(best["bare"], t_bare / steps)
        best["same work"] = min(best["same work"], t_same / steps)
    # the same updates: minimize's path is the reference loop's, bit for bit
    np.testing.assert_array_equal(path, same_path)
    np.testing.assert_array_equal(path[-1], last)
    return best


def evaluation_counts(steps: int) -> list[tuple[int, int, int, int, bool]]:
    rows = []
    for n in (1, 2, 10, 50):
        points: list[bytes] = []

        def counted(x: np.ndarray, points: list[bytes] = points) -> float:
            points.append(x.tobytes())
            return float(np.sum((x - 1.0) ** 2))

        res = minimize(counted, np.zeros(n), lr=0.01, steps=steps, tol=0.0, ftol=0.0)
        per_step = res.nfev / (res.nit + 1)
        assert res.nfev == len(points)
        rows.append((n, res.nfev, res.nit, per_step, len(set(points)) == len(points)))
    return rows


def optimiser_overhead(steps: int, repeats: int) -> dict[str, float]:
    """Per-step time of minimize with each optimiser (same 2-D problem, analytic gradient)."""
    out = {}
    makers = {
        "sgd": lambda: optim.sgd(lr=1e-5),
        "momentum": lambda: optim.sgd(lr=1e-5, momentum=0.9),
        "adagrad": lambda: optim.adagrad(lr=1e-5),
        "rmsprop": lambda: optim.rmsprop(lr=1e-5),
        "adam": lambda: optim.adam(lr=1e-5),
    }
    for name, make in makers.items():
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            minimize(f, np.array([-3.0, 4.0]), optimizer=make(), steps=steps, grad=grad, tol=0.0)
            best = min(best, (time.perf_counter() - start) / steps)
        out[name] = best
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    args = parser.parse_args()
    # many short repeats, interleaved: the best of them dodges a busy, shared machine
    steps, repeats = (2000, 3) if args.quick else (4000, 25)

    best = overhead(steps, repeats)
    print(f"Per-step time, analytic gradient, 2-D, {steps} steps, best of {repeats}:")
    for name, seconds in best.items():
        print(f"  {name:10s} {seconds * 1e6:7.2f} us/step")
    for reference in ("bare", "same work"):
        ratio = best["minimize"] / best[reference]
        verdict = "PASS" if ratio <= 3 else "FAIL"
        print(f"  minimize / {reference:9s} = {ratio:5.2f}x   (target <= 3x: {verdict})")

    print("\nGeneric path, optimizer= given (us/step, and ratio to the bare loop):")
    for name, seconds in optimiser_overhead(steps // 4, repeats).items():
        print(f"  {name:9s} {seconds * 1e6:7.2f}   {seconds / best['bare']:5.2f}x")

    print("\nNumerical gradient: function evaluations (central stencil, fixed step):")
    print("     n    nfev   nit  nfev/iterate  expected 2n+1  no repeats")
    for n, nfev, nit, per_step, unique in evaluation_counts(10 if args.quick else 50):
        ok = "PASS" if per_step == 2 * n + 1 and unique else "FAIL"
        print(f"  {n:4d} {nfev:7d} {nit:5d} {per_step:13.1f} {2 * n + 1:14d}  {unique!s:5s} {ok}")


if __name__ == "__main__":
    main()
