"""Issue 6 targets: minibatch training on digits and MNIST, and the numerical-gradient step.

Usage (from the repository root)::

    python benchmarks/bench_training.py [--quick] [--mnist DIR]
                                        [--threads 1] [--json out.json]

Measures, in one run on one machine:

1. one numerical-gradient step of ``TwoLayerNet(64, 50, 10)`` on a batch of 100
   digits: the chapter's coordinate loop (one loss call per perturbed
   parameter, restoring the array each time) against ``slopes.gradient`` with
   ``step=1e-4`` -- point by point, ``vectorized=True`` (the models
   evaluate a stack of parameter sets at once; gradient's default chunks of
   2**14 numbers are 4 sets here) and ``vectorized=64`` (64 sets per call, what
   ``fit(vectorized=True)`` uses: the model's forward pass is paid once per
   call); the ratio is the chapter's
   time over slopes' time (> 1: slopes is faster), and the gradients are
   compared with backpropagation;
2. digits, ``SoftmaxRegression``, numerical gradients, sgd: test accuracy >= 0.95;
3. digits, ``TwoLayerNet(64, 50, 10)``, analytic gradients: test accuracy >= 0.97;
4. MNIST (the first 8,000 t10k images to train, the last 2,000 to test),
   784-50-10, batch 100, sgd lr 0.1, analytic gradients: test accuracy >= 0.90.

``--threads`` caps the BLAS threads (threadpoolctl, in the bench extra)
for every measurement alike: on a small shared machine,
multi-threaded BLAS on 100x50 matrices spends its time waiting for cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np

import slopes
from slopes.models import SoftmaxRegression, TwoLayerNet

ROOT = Path(__file__).resolve().parents[1]


def chapter_numerical_gradient(f, x):
    """The chapter's loop over one array: perturb, call f, restore, element by element."""
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
        it.iternext()
    return grad


def chapter_step(net, params, Xb, yb):
    """The chapter's ``TwoLayerNet.numerical_gradient``: every parameter array in turn."""
    params = {k: v.copy() for k, v in params.items()}
    calls = [0]

    def loss_W(_):
        calls[0] += 1
        return net.loss(params, Xb, yb)

    return {k: chapter_numerical_gradient(loss_W, params[k]) for k in params}, calls[0]


def interleaved_best(functions, repeats):
    """Best-of-``repeats`` time of each function, run in turns so load changes hit all alike."""
    best = [float("inf")] * len(functions)
    outs = [None] * len(functions)
    for _ in range(repeats):
        for i, fn in enumerate(functions):
            start = time.perf_counter()
            outs[i] = fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best, outs


def max_error(a, b):
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)


def bench_step(digits, repeats):
    (X, y), _ = digits
    net = TwoLayerNet(64, 50, 10)
    rng = np.random.default_rng(0)
    # a point part-way through training, not the near-zero initial weights
    params = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in net.params.items()}
    batch = rng.choice(len(X), 100, replace=False)
    Xb, yb = X[batch], y[batch]
    size = sum(v.size for v in params.values())

    def loss(p):
        return net.loss(p, Xb, yb)

    analytic = net.grad(params, Xb, yb)
    runs = [lambda: chapter_step(net, params, Xb, yb)] + [
        lambda v=vectorized: slopes.gradient(
            loss, params, step=1e-4, vectorized=v, full_output=True
        )
        for vectorized in (False, True, 64)
    ]
    (chapter_s, *slopes_s), (chapter_out, *slopes_out) = interleaved_best(runs, repeats)
    rows = [("chapter loop", chapter_s, chapter_out[1], 2 * size, chapter_out[0])]
    for name, seconds, out, calls in zip(
        ("slopes, point by point", "slopes, vectorized", "slopes, vectorized=64"),
        slopes_s,
        slopes_out,
        (2 * size, _count_calls(loss, params, True), _count_calls(loss, params, 64)),
    ):
        rows.append((name, seconds, calls, int(out.nfev), out.value))
    print(f"\n1. one numerical-gradient step, TwoLayerNet(64, 50, 10), batch 100 ({size} params)")
    print(
        f"   {'method':<24} {'time (ms)':>10} {'f calls':>8} {'points':>7} "
        f"{'vs chapter':>10} {'max |g - backprop|':>19}"
    )
    result = {}
    for name, seconds, calls, points, grads in rows:
        ratio = chapter_s / seconds
        err = max_error(grads, analytic)
        print(
            f"   {name:<24} {1e3 * seconds:>10.1f} {calls:>8} {points:>7} {ratio:>9.2f}x "
            f"{err:>19.2e}"
        )
        result[name] = {
            "seconds": seconds,
            "f_calls": calls,
            "points": points,
            "speedup_vs_chapter": ratio,
            "max_error_vs_backprop": err,
        }
    return result


def _count_calls(loss, params, vectorized):
    calls = [0]

    def counted(p):
        calls[0] += 1
        return loss(p)

    slopes.gradient(counted, params, step=1e-4, vectorized=vectorized)
    return calls[0]


def train(
    name, model, data, target, *, optimizer, epochs, batch_size, numerical=False, vectorized=False
):
    (X, y), (X_test, y_test) = data
    start = time.perf_counter()
    res = slopes.fit(
        model.loss,
        model.params,
        X,
        y,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=batch_size,
        grad=None if numerical else model.grad,
        vectorized=vectorized,
        eval_data=(X_test, y_test),
        progress=False,
    )
    seconds = time.perf_counter() - start
    accuracy = float(res.history.test_accuracy[-1])
    verdict = "PASS" if accuracy >= target else "FAIL"
    print(
        f"   {name:<58} {accuracy:>6.4f} >= {target:<4} {verdict:<4} {seconds:>8.2f} s "
        f"{res.nit:>6} steps {res.nfev:>10} loss evals"
    )
    return {
        "test_accuracy": accuracy,
        "target": target,
        "passed": accuracy >= target,
        "seconds": seconds,
        "steps": res.nit,
        "nfev": res.nfev,
        "status": res.status,
    }


def same_path(digits, epochs):
    """Numerical and backprop training of TwoLayerNet follow the same path (no target)."""
    (X, y), (X_test, y_test) = digits
    net = TwoLayerNet(64, 50, 10)
    common = dict(
        optimizer=slopes.optim.adam(lr=0.01),
        epochs=epochs,
        batch_size=50,
        eval_data=(X_test, y_test),
        progress=False,
    )
    start = time.perf_counter()
    numerical = slopes.fit(net.loss, net.params, X, y, vectorized=True, **common)
    seconds = time.perf_counter() - start
    analytic = slopes.fit(net.loss, net.params, X, y, grad=net.grad, **common)
    gap = max_error(numerical.params, analytic.params)
    accuracy = float(numerical.history.test_accuracy[-1])
    name = f"digits, TwoLayerNet(64, 50, 10), numerical (vectorized), {epochs} ep"
    print(
        f"   {name:<58} {accuracy:>6.4f}   (no target) {seconds:>8.2f} s "
        f"{numerical.nit:>6} steps {numerical.nfev:>10} loss evals; "
        f"max |params - backprop run's| = {gap:.1e}"
    )
    return {
        "test_accuracy": accuracy,
        "seconds": seconds,
        "steps": numerical.nit,
        "nfev": numerical.nfev,
        "max_param_gap_vs_backprop": gap,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repeat of the step timing")
    parser.add_argument(
        "--mnist",
        default=os.environ.get("SLOPES_MNIST_DIR"),
        help="folder with the original MNIST IDX files (default: $SLOPES_MNIST_DIR)",
    )
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (0: leave as is)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    limit = nullcontext()
    if args.threads:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(args.threads)
    results = {"threads": args.threads or "default", "cpus": os.cpu_count()}
    with limit:
        digits = slopes.datasets.load_digits(seed=0)
        results["step"] = bench_step(digits, 1 if args.quick else 5)
        print("\n2-4. training runs" + " " * 42 + "test acc   target       time")
        results["digits_softmax_numerical"] = train(
            "digits, SoftmaxRegression, numerical (vectorized), sgd 1.0",
            SoftmaxRegression(64, 10),
            digits,
            0.95,
            optimizer=slopes.optim.sgd(lr=1.0),
            epochs=20,
            batch_size=100,
            numerical=True,
            vectorized=True,
        )
        results["digits_two_layer_analytic"] = train(
            "digits, TwoLayerNet(64, 50, 10), backprop, adam 0.01",
            TwoLayerNet(64, 50, 10),
            digits,
            0.97,
            optimizer=slopes.optim.adam(lr=0.01),
            epochs=40,
            batch_size=50,
        )
        results["digits_two_layer_numerical"] = same_path(digits, 1 if args.quick else 3)
        try:
            if args.mnist is None:
                raise FileNotFoundError("no --mnist folder (nor SLOPES_MNIST_DIR)")
            X, y = slopes.datasets.load_mnist(args.mnist, kind="t10k")
        except FileNotFoundError as exc:
            print(f"   MNIST skipped: {exc}")
        else:
            mnist = (X[:8000], y[:8000]), (X[8000:], y[8000:])
            results["mnist_chapter_setup"] = train(
                "MNIST 8000/2000, TwoLayerNet(784, 50, 10), backprop, sgd 0.1",
                TwoLayerNet(784, 50, 10),
                mnist,
                0.90,
                optimizer=slopes.optim.sgd(lr=0.1),
                epochs=20,
                batch_size=100,
            )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    failed = [k for k, v in results.items() if isinstance(v, dict) and v.get("passed") is False]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
