"""The differentiation issue's target table: slopes.derivative against the references.

For each case: the value, relative error against the closed form, function
evaluations and status of ``slopes.derivative`` at default settings, and the
same for ``numdifftools.Derivative`` and ``scipy.differentiate.derivative``
(both at their defaults), measured in the same run.

Target: relative error <= 1e-12 on every case with a median of at most 11
evaluations.

Run: ``python benchmarks/bench_derivative_targets.py`` (needs the ``bench``
extra: numdifftools, scipy). With ``--speed`` it also prints the engine's
speed figures of the benchmark issue (scalar call overhead, the n = 1,000
vectorized gradient against its floor and scipy, the n = 10,000 vectorized
gradient against the textbook loop, and its peak memory, the n = 50
Rosenbrock Hessian against numdifftools), each as a ratio measured in the
same run (the n = 10,000 case in interleaved rounds);
the full comparison suite is ``benchmarks/run.py``.
"""

from __future__ import annotations

import math
import sys
import time
import timeit
import warnings

import _cases
import numpy as np
from _measure import Counted
from _references import textbook_gradient

import slopes

# the case table, its exact first derivatives from the closed forms in _cases.py
CASES = [(case.name, case.f, case.x, case.exact(1)) for case in _cases.SCALAR_CASES]


def run_slopes(f, x):
    counted = Counted(f)  # counts points: every element of x is one evaluation
    res = slopes.derivative(counted, x, full_output=True)
    status = "success" if res.success else f"status {int(res.status)}"
    return float(res.value), counted.points, status


def run_numdifftools(f, x):
    import numdifftools as nd

    counted = Counted(f)
    value = float(nd.Derivative(counted)(x))
    return value, counted.points, "-"


def run_scipy(f, x):
    from scipy.differentiate import derivative

    counted = Counted(f)
    res = derivative(counted, x)
    status = "success" if res.success else f"status {int(res.status)}"
    return float(res.df), counted.points, status


def main() -> None:
    tools = [("slopes", run_slopes), ("numdifftools", run_numdifftools), ("scipy", run_scipy)]
    rows, nfevs = [], {name: [] for name, _ in tools}
    worst = {name: 0.0 for name, _ in tools}
    for case, f, x, exact in CASES:
        for name, runner in tools:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                try:
                    value, nfev, status = runner(f, x)
                except Exception as exc:  # a reference failing is a result too
                    value, nfev, status = math.nan, 0, f"raised {type(exc).__name__}"
            rel = abs(value - exact) / abs(exact) if math.isfinite(value) else math.inf
            worst[name] = max(worst[name], rel)
            nfevs[name].append(nfev)
            rows.append((case, name, value, rel, nfev, status))
    print(f"{'case':24} {'tool':13} {'value':>24} {'rel error':>10} {'nfev':>5}  status")
    for case, name, value, rel, nfev, status in rows:
        print(f"{case:24} {name:13} {value:24.16e} {rel:10.1e} {nfev:5d}  {status}")
    print()
    for name, _ in tools:
        median = np.median(nfevs[name])
        print(f"{name:13} median nfev {median:5.1f}   worst rel error {worst[name]:.1e}")
    ok = worst["slopes"] <= 1e-12 and np.median(nfevs["slopes"]) <= 11
    print(f"\ntarget (rel error <= 1e-12, median nfev <= 11): {'MET' if ok else 'NOT MET'}")


def _best(func, number=1, repeat=5):
    return min(timeit.repeat(func, number=number, repeat=repeat)) / number


def speed() -> None:
    import numdifftools as nd
    from scipy.differentiate import derivative as scipy_derivative
    from scipy.differentiate import jacobian as scipy_jacobian

    ours = _best(lambda: slopes.derivative(np.exp, 1.0), number=200)
    theirs_nd = _best(lambda: nd.Derivative(np.exp)(1.0), number=20)
    theirs_sp = _best(lambda: scipy_derivative(np.exp, 1.0), number=20)
    print(
        f"\nscalar derivative(np.exp, 1.0): slopes {ours * 1e6:.0f} us, numdifftools "
        f"{theirs_nd * 1e6:.0f} us, scipy {theirs_sp * 1e6:.0f} us (target <= 100 us)"
    )

    n = 1000
    x = np.random.default_rng(0).standard_normal(n)
    exact = _cases.sum_sq_sin_grad(x)
    f = _cases.sum_sq_sin_leading  # (batch, n) -> (batch,)
    f_scipy = _cases.sum_sq_sin_trailing  # scipy's convention: (n, ...) -> (...)

    res = slopes.gradient(f, x, vectorized=True, full_output=True)
    points = np.repeat(x[None], res.nfev, axis=0)

    def floor(chunk):  # f once on all of slopes' stencil points, stacked
        for start in range(0, res.nfev, chunk):
            f(points[start : start + chunk])

    t_ours = _best(lambda: slopes.gradient(f, x, vectorized=True))
    res_error = np.max(np.abs(res.value - exact))
    # the floor is the fastest of several chunkings (chunks that fit in cache win)
    t_floor = min(_best(lambda c=c: floor(c)) for c in (2**14 // n, 2**16 // n, 2**18 // n))
    t_scipy = _best(lambda: scipy_jacobian(f_scipy, x), repeat=3)
    err_scipy = np.max(np.abs(scipy_jacobian(f_scipy, x).df - exact))
    print(
        f"gradient n=1000 vectorized: slopes {t_ours:.4f} s at {res_error:.1e}"
        f" ({res.nfev} evaluations); floor {t_floor:.4f} s -> x{t_ours / t_floor:.2f} (target"
        f" <= 1.5); scipy {t_scipy:.4f} s at {err_scipy:.1e} -> x{t_ours / t_scipy:.2f} (target"
        " <= 0.33)"
    )

    gradient_10000()

    n = 50
    x = np.random.default_rng(0).uniform(-2, 2, n)

    rosen = _cases.rosenbrock
    count = Counted(rosen, point_size=n)  # calls: f is called on one point at a time
    t_ours = _best(lambda: slopes.hessian(rosen, x), repeat=3)
    H = slopes.hessian(count, x)
    nfev = count.calls
    count_nd = Counted(rosen, point_size=n)
    t_nd = _best(lambda: nd.Hessian(rosen)(x), repeat=1)
    H_nd = nd.Hessian(count_nd)(x)
    scale = np.max(np.abs(H_nd))
    print(
        f"Rosenbrock Hessian n=50 (f values, not vectorized): slopes {t_ours:.3f} s, {nfev} "
        f"evaluations; numdifftools {t_nd:.3f} s, {count_nd.calls} evaluations -> numdifftools"
        f" / slopes = x{t_nd / t_ours:.1f} (target >= 3); |slopes - numdifftools| / max|H| = "
        f"{np.max(np.abs(H - H_nd)) / scale:.1e}"
    )


def gradient_10000(rounds: int = 3) -> None:
    """n = 10,000, f vectorized, against the textbook loop, in interleaved rounds."""
    import tracemalloc

    n = 10_000
    x = _cases.gradient_point(n)  # the point of benchmarks/run.py
    exact = _cases.sum_sq_sin_grad(x)
    f = _cases.sum_sq_sin_leading  # (batch, n) -> (batch,)
    f_one = _cases.sum_sq_sin  # one point, as the textbook calls it

    settings = {
        "default": {},
        "step=1e-2, order=4": {"step": 1e-2, "order": 4},
        "step=1e-4 (the textbook stencil)": {"step": 1e-4},
    }
    times = {name: [] for name in ("textbook", *settings)}
    results = {}
    for _ in range(rounds):
        start = time.perf_counter()
        book = textbook_gradient(f_one, x)
        times["textbook"].append(time.perf_counter() - start)
        for name, kwargs in settings.items():
            start = time.perf_counter()
            results[name] = slopes.gradient(f, x, vectorized=True, full_output=True, **kwargs)
            times[name].append(time.perf_counter() - start)
    tracemalloc.start()
    slopes.gradient(f, x, vectorized=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    t_book = float(np.median(times["textbook"]))
    print(
        f"gradient n=10000 vectorized ({rounds} interleaved rounds, medians): textbook loop "
        f"{t_book:.2f} s at {np.max(np.abs(book - exact)):.1e}"
    )
    for name in settings:
        res, t = results[name], float(np.median(times[name]))
        ratios = [a / b for a, b in zip(times[name], times["textbook"])]
        print(
            f"  slopes {name}: {t:.2f} s at {np.max(np.abs(res.value - exact)):.1e} "
            f"(estimate {np.max(res.error):.1e}, {res.nfev / n:.2f} evaluations per "
            f"coordinate) -> x{t / t_book:.2f} of the textbook (per round "
            f"{', '.join(f'{r:.2f}' for r in ratios)}; target <= 2.25)"
        )
    print(f"  peak traced memory of the default: {peak / 2**20:.1f} MiB (target < 500 MB)")


if __name__ == "__main__":
    main()
    if "--speed" in sys.argv[1:]:
        speed()
