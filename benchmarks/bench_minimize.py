"""minimize's per-step overhead and its function-evaluation count.

Targets (issue 3), each measured against references in the same process:

- analytic gradient, 2-D problem (f = x0² + x1², g = 2x from (-3, 4)): for every
  optimiser, the time per step of ``slopes.minimize`` is at most 3x that of a
  bare NumPy loop doing *the same updates*, i.e. that optimiser's own update
  rule written out by hand (momentum buffer, Adagrad's accumulator, RMSprop's
  running average, Adam's two moments with bias correction). Two references
  are printed for each:

  * ``bare``: the update loop and nothing else, e.g. for Adam
    ``m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g; x = x - lr*m̂/(sqrt(v̂)+eps)``;
  * ``same work``: the same loop plus what minimize must also do per iterate
    to fill its history: evaluate f (history.f, stopping tests) and keep a
    copy of x (history.x).

  The first row (``default``) is ``minimize(..., lr=...)`` without an
  ``optimizer``, i.e. plain gradient descent; the others pass ``optimizer=``.
  Plain descent (the default, and ``sgd`` without momentum, weight decay or
  schedule) is applied by minimize itself as ``x - lr * g``; ``pair`` is the same
  update as a user's own ``(init, update)`` pair, so it shows the generic path
  (one ``update`` and one ``apply_updates`` per step) that the other optimisers take.
  Each bare loop must reproduce minimize's trajectory bit for bit (asserted),
  so the loops really do the same updates.

- numerical gradient: nfev per step is exactly the central stencil's 2n points
  plus the one evaluation of f at the iterate that the stopping tests need,
  and no point is evaluated twice (checked by recording every point f sees).

Every timing is the best of several interleaved repeats (the machine is shared
and noisy).

Run::

    .venv/bin/python benchmarks/bench_minimize.py            # a few seconds
    .venv/bin/python benchmarks/bench_minimize.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from slopes import optim
from slopes.descent import minimize

X0 = (-3.0, 4.0)
# small learning rates, so that nothing converges or diverges: every run takes all the steps
LR = 1e-5
MOMENTUM, ALPHA, BETAS, EPS_ADAGRAD, EPS = 0.9, 0.99, (0.9, 0.999), 1e-10, 1e-8


def f(x: np.ndarray) -> float:
    return x[0] ** 2 + x[1] ** 2


def grad(x: np.ndarray) -> np.ndarray:
    return 2 * x


# ---------------------------------------------------------------------------
# the bare loops: each optimiser's update rule (PyTorch's), written out in NumPy.
# `record(x)` is called at every iterate (x0 included); the "bare" timing passes
# None and skips it, the "same work" timing evaluates f and copies x there.
# ---------------------------------------------------------------------------


def loop_sgd(steps: int, record: Callable | None) -> np.ndarray:
    x = np.array(X0)
    for _ in range(steps):
        if record is not None:
            record(x)
        x = x - LR * grad(x)
    if record is not None:
        record(x)
    return x


def loop_momentum(steps: int, record: Callable | None) -> np.ndarray:
    x = np.array(X0)
    b = np.zeros(2)
    for _ in range(steps):
        if record is not None:
            record(x)
        b = MOMENTUM * b + grad(x)
        x = x - LR * b
    if record is not None:
        record(x)
    return x


def loop_adagrad(steps: int, record: Callable | None) -> np.ndarray:
    x = np.array(X0)
    s = np.zeros(2)
    for _ in range(steps):
        if record is not None:
            record(x)
        g = grad(x)
        s = s + g * g
        x = x - LR * g / (np.sqrt(s) + EPS_ADAGRAD)
    if record is not None:
        record(x)
    return x


def loop_rmsprop(steps: int, record: Callable | None) -> np.ndarray:
    x = np.array(X0)
    v = np.zeros(2)
    for _ in range(steps):
        if record is not None:
            record(x)
        g = grad(x)
        v = ALPHA * v + (1 - ALPHA) * (g * g)
        x = x - LR * (g / (np.sqrt(v) + EPS))
    if record is not None:
        record(x)
    return x


def loop_adam(steps: int, record: Callable | None) -> np.ndarray:
    x = np.array(X0)
    m, v = np.zeros(2), np.zeros(2)
    beta1, beta2 = BETAS
    for t in range(1, steps + 1):
        if record is not None:
            record(x)
        g = grad(x)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * (g * g)
        x = x - LR * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + EPS)
    if record is not None:
        record(x)
    return x


def custom_sgd(lr: float) -> tuple[Callable, Callable]:
    """Plain gradient descent as a user would write an optax-style (init, update) pair.

    minimize knows nothing about it, so it measures the generic path: one call of
    ``update`` and of ``apply_updates`` per step, around the same update as sgd's.
    """

    def init(params: np.ndarray) -> int:
        return 0

    def update(grads: np.ndarray, count: int, params: np.ndarray | None = None) -> tuple:
        return -lr * grads, count + 1

    return init, update


# name: (optimizer for minimize, or None for the default path; its bare loop)
CASES: dict[str, tuple[Callable[[], optim.Optimizer] | None, Callable]] = {
    "default": (None, loop_sgd),
    "sgd": (lambda: optim.sgd(lr=LR), loop_sgd),
    "pair": (lambda: custom_sgd(LR), loop_sgd),
    "momentum": (lambda: optim.sgd(lr=LR, momentum=MOMENTUM), loop_momentum),
    "adagrad": (lambda: optim.adagrad(lr=LR, eps=EPS_ADAGRAD), loop_adagrad),
    "rmsprop": (lambda: optim.rmsprop(lr=LR, alpha=ALPHA, eps=EPS), loop_rmsprop),
    "adam": (lambda: optim.adam(lr=LR, betas=BETAS, eps=EPS), loop_adam),
}


def run_minimize(make: Callable | None, steps: int) -> tuple[float, object]:
    options = {"lr": LR} if make is None else {"optimizer": make()}
    start = time.perf_counter()
    res = minimize(f, np.array(X0), steps=steps, grad=grad, tol=0.0, ftol=0.0, **options)
    elapsed = time.perf_counter() - start
    assert res.nit == steps, res.message
    return elapsed, res


def run_bare(loop: Callable, steps: int) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    x = loop(steps, None)
    return time.perf_counter() - start, x


def run_same_work(loop: Callable, steps: int) -> tuple[float, np.ndarray, np.ndarray]:
    history: list[np.ndarray] = []
    values: list[float] = []

    def record(x: np.ndarray) -> None:
        values.append(f(x))
        history.append(x.copy())

    start = time.perf_counter()
    loop(steps, record)
    elapsed = time.perf_counter() - start
    return elapsed, np.array(history), np.array(values)


def overhead(steps: int, repeats: int) -> dict[str, dict[str, float]]:
    """Best per-step seconds of minimize, bare and same-work loops, for every case."""
    best = {name: dict.fromkeys(("minimize", "bare", "same work"), np.inf) for name in CASES}
    for _ in range(repeats):  # interleaved, so that a busy moment hits every case alike
        for name, (make, loop) in CASES.items():
            t_min, res = run_minimize(make, steps)
            t_bare, last = run_bare(loop, steps)
            t_same, path, values = run_same_work(loop, steps)
            # the same updates: minimize's path is the hand-written loop's, bit for bit
            np.testing.assert_array_equal(res.history.x, path, err_msg=name)
            np.testing.assert_array_equal(res.history.f, values, err_msg=name)
            np.testing.assert_array_equal(res.history.x[-1], last, err_msg=name)
            row = best[name]
            row["minimize"] = min(row["minimize"], t_min / steps)
            row["bare"] = min(row["bare"], t_bare / steps)
            row["same work"] = min(row["same work"], t_same / steps)
    return best


def evaluation_counts(steps: int) -> list[tuple[int, int, int, float, bool]]:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    args = parser.parse_args()
    # many short repeats, interleaved: the best of them dodges a busy, shared machine
    steps, repeats = (500, 2) if args.quick else (2000, 15)

    best = overhead(steps, repeats)
    print(
        f"Per-step time (us), analytic gradient, 2-D, {steps} steps, best of {repeats};\n"
        "each optimiser against a bare NumPy loop doing the same updates (target <= 3x):"
    )
    print("  optimizer   minimize    bare  same work   vs bare  vs same work")
    failed = []
    for name, row in best.items():
        ratio_bare = row["minimize"] / row["bare"]
        ratio_same = row["minimize"] / row["same work"]
        if ratio_bare > 3:
            failed.append(name)
        print(
            f"  {name:9s} {row['minimize'] * 1e6:9.2f} {row['bare'] * 1e6:7.2f} "
            f"{row['same work'] * 1e6:10.2f} {ratio_bare:8.2f}x {ratio_same:12.2f}x"
        )
    verdict = "PASS" if not failed else f"FAIL ({', '.join(failed)} over 3x the bare loop)"
    print(f"  every optimiser <= 3x its bare loop: {verdict}")

    print("\nNumerical gradient: function evaluations (central stencil, fixed step):")
    print("     n    nfev   nit  nfev/iterate  expected 2n+1  no repeats")
    for n, nfev, nit, per_step, unique in evaluation_counts(10 if args.quick else 50):
        ok = "PASS" if per_step == 2 * n + 1 and unique else "FAIL"
        print(f"  {n:4d} {nfev:7d} {nit:5d} {per_step:13.1f} {2 * n + 1:14d}  {unique!s:5s} {ok}")


if __name__ == "__main__":
    main()
