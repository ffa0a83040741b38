"""Directional products against forming the full gradient or Hessian.

Rows (f = sum(x**2 + sin x) + 0.5 (sum x)^2 / n: separable plus one dense
rank-one term, so the Hessian is full and known in closed form):

- ``jvp(f, x, v)`` against ``gradient(f, x) @ v``;
- ``hvp(f, x, v, grad=g)`` against ``hessian(f, x, grad=g) @ v``;
- ``hvp(f, x, v)`` (from f alone) against ``hessian(f, x) @ v``.

Each row gives evaluations of f (or of g), seconds, the time ratio
full / directional measured in the same run (the machine is shared: ratios are
the stable figure, seconds are noisy), and the largest error against the closed
form. At n = 10,000 a full Hessian is 800 MB and, from f alone, 2e8
evaluations: those rows run at the smaller n given by ``--hessian-n`` and
``--hessian-f-n`` and say so; the directional rows always run at ``--n``.

Run::

    python benchmarks/bench_directional.py                  # n = 10,000, ~1 min
    python benchmarks/bench_directional.py --n 1000 --hessian-n 300 --hessian-f-n 60
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import slopes


class Problem:
    """f, its gradient (one point or a stack), and the closed forms."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.x = np.linspace(-2.0, 2.0, n)
        self.v = np.cos(np.arange(n) * 0.7)
        self.evaluations = 0

    def f(self, x: np.ndarray) -> float:
        self.evaluations += 1
        return float(np.sum(x**2 + np.sin(x)) + 0.5 * np.sum(x) ** 2 / self.n)

    def f_stack(self, xs: np.ndarray) -> np.ndarray:
        xs = np.asarray(xs)
        self.evaluations += xs.shape[0]
        return np.sum(xs**2 + np.sin(xs), axis=1) + 0.5 * np.sum(xs, axis=1) ** 2 / self.n

    def grad(self, x: np.ndarray) -> np.ndarray:
        self.evaluations += 1
        return 2 * x + np.cos(x) + np.sum(x) / self.n

    def grad_stack(self, xs: np.ndarray) -> np.ndarray:
        xs = np.asarray(xs)
        self.evaluations += xs.shape[0]
        return 2 * xs + np.cos(xs) + np.sum(xs, axis=1, keepdims=True) / self.n

    def exact_grad(self) -> np.ndarray:
        return 2 * self.x + np.cos(self.x) + np.sum(self.x) / self.n

    def exact_hvp(self) -> np.ndarray:
        return (2 - np.sin(self.x)) * self.v + np.sum(self.v) / self.n


def timed(problem: Problem, call: Callable[[], Any]) -> tuple[Any, int, float]:
    """The call's result, evaluations and seconds (after a warm-up of slopes on a tiny f)."""
    slopes.jvp(np.sin, 0.5, 1.0)
    problem.evaluations = 0
    start = time.perf_counter()
    out = call()
    return out, problem.evaluations, time.perf_counter() - start


def row(name: str, n: int, evals: int, seconds: float, error: float, within: str = "") -> list[str]:
    return [name, f"{n:,}", f"{evals:,}", f"{seconds:.3f}", f"{error:.1e}", within]


def within(res: Any, exact: Any) -> str:
    """'yes' when every true error is within the reported estimate, and the status."""
    inside = bool(np.all(np.abs(np.asarray(res.value) - exact) <= np.asarray(res.error)))
    return f"{'yes' if inside else 'no'}, success={bool(res.success)}"


def jvp_rows(n: int) -> list[list[str]]:
    p = Problem(n)
    exact = float(p.exact_grad() @ p.v)
    res, e1, t1 = timed(
        p, lambda: slopes.jvp(p.f_stack, p.x, p.v, vectorized=True, full_output=True)
    )
    full, e2, t2 = timed(p, lambda: slopes.gradient(p.f_stack, p.x, vectorized=True) @ p.v)
    return [
        row("jvp(f, x, v)", n, e1, t1, abs(res.value - exact) / abs(exact), within(res, exact)),
        [
            *row("gradient(f, x) @ v", n, e2, t2, abs(full - exact) / abs(exact)),
            f"{t2 / t1:.0f}x, {e2 / e1:.0f}x evals",
        ],
    ]


def hvp_grad_rows(n: int, hessian_n: int) -> list[list[str]]:
    p = Problem(n)
    res, e1, t1 = timed(
        p,
        lambda: slopes.hvp(p.f, p.x, p.v, grad=p.grad_stack, vectorized=True, full_output=True),
    )
    exact = p.exact_hvp()
    rows = [row("hvp(f, x, v, grad=g)", n, e1, t1, rel_error(res.value, exact), within(res, exact))]
    q = Problem(hessian_n)
    small, e3, t3 = timed(q, lambda: slopes.hvp(q.f, q.x, q.v, grad=q.grad_stack, vectorized=True))
    full, e2, t2 = timed(
        q, lambda: slopes.hessian(q.f, q.x, grad=q.grad_stack, vectorized=True) @ q.v
    )
    rows.append(row("hvp(f, x, v, grad=g)", hessian_n, e3, t3, rel_error(small, q.exact_hvp())))
    rows.append(
        [
            *row("hessian(f, x, grad=g) @ v", hessian_n, e2, t2, rel_error(full, q.exact_hvp())),
            f"{t2 / t3:.0f}x, {e2 / e3:.0f}x evals",
        ]
    )
    return rows


def hvp_f_rows(n: int, hessian_f_n: int) -> list[list[str]]:
    p = Problem(n)
    res, e1, t1 = timed(
        p, lambda: slopes.hvp(p.f_stack, p.x, p.v, vectorized=True, full_output=True)
    )
    exact = p.exact_hvp()
    rows = [row("hvp(f, x, v)", n, e1, t1, rel_error(res.value, exact), within(res, exact))]
    q = Problem(hessian_f_n)
    small, e3, t3 = timed(q, lambda: slopes.hvp(q.f_stack, q.x, q.v, vectorized=True))
    full, e2, t2 = timed(q, lambda: slopes.hessian(q.f_stack, q.x, vectorized=True) @ q.v)
    rows.append(row("hvp(f, x, v)", hessian_f_n, e3, t3, rel_error(small, q.exact_hvp())))
    rows.append(
        [
            *row("hessian(f, x) @ v", hessian_f_n, e2, t2, rel_error(full, q.exact_hvp())),
            f"{t2 / t3:.1f}x, {e2 / e3:.1f}x evals",
        ]
    )
    return rows


def rel_error(value: np.ndarray, exact: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(value) - exact)) / np.max(np.abs(exact)))


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--hessian-n", type=int, default=2_000)
    parser.add_argument("--hessian-f-n", type=int, default=300)
    args = parser.parse_args(argv)
    header = [
        "computation",
        "n",
        "evaluations",
        "seconds",
        "max rel. error",
        "error within estimate",
        "full / directional",
    ]
    rows = [
        *jvp_rows(args.n),
        *hvp_grad_rows(args.n, args.hessian_n),
        *hvp_f_rows(args.n, args.hessian_f_n),
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r + [""] * (len(header) - len(r))) + " |" for r in rows]
    table = "\n".join(lines)
    print(table)
    return table


if __name__ == "__main__":
    main()
