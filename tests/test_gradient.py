"""slopes.gradient: textbook numbers, pytrees, vectorized chunks, workers, accuracy."""

from __future__ import annotations

import functools
import pickle
import threading
from collections import namedtuple

import numpy as np
import pytest

import slopes.differentiate._engine.evaluate as evaluate_module
import slopes.parallel._pool
from slopes._util.pytree import flatten, tree_map
from slopes.differentiate import DiffResult, gradient


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


def sum_sq_sin(X):
    return np.sum(X**2, axis=-1) + np.sum(np.sin(X), axis=-1)


def test_textbook_partials_bit_for_bit():
    g = gradient(function_2, np.array([3.0, 4.0]), step=1e-4)
    assert g[0] == 6.00000000000378
    assert g[1] == 7.999999999999119
    np.testing.assert_allclose(gradient(function_2, [0.0, 2.0], step=1e-4), [0, 4], atol=1e-9)
    np.testing.assert_allclose(gradient(function_2, [3.0, 0.0], step=1e-4), [6, 0], atol=1e-9)


def test_integer_input_gives_the_right_gradient():
    # the chapter's code gives [25000, 35000] here (integer arithmetic on x + h)
    x = np.array([3, 4])
    np.testing.assert_allclose(gradient(function_2, x), [6.0, 8.0], rtol=1e-12)
    assert x.tolist() == [3, 4]


def test_adaptive_gradient_accuracy_and_error_estimate():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(200)
    res = gradient(sum_sq_sin, x, vectorized=True, full_output=True)
    exact = 2 * x + np.cos(x)
    assert res.success.all()
    assert np.max(np.abs(res.value - exact)) <= 1e-10
    assert (np.abs(res.value - exact) <= res.error).all()
    assert res.nfev <= 6 * x.size * 1.2  # one pass, few coordinates re-done
    np.testing.assert_array_equal(res.status, DiffResult.CONVERGED)


def test_two_dimensional_parameters_keep_their_shape():
    W = np.arange(6.0).reshape(2, 3)
    g = gradient(lambda w: np.sum(w**2), W)
    assert g.shape == (2, 3)
    np.testing.assert_allclose(g, 2 * W, atol=1e-10)


Params = namedtuple("Params", ["w", "b"])


@pytest.mark.parametrize(
    "tree",
    [
        {"W1": np.ones((2, 2)), "b1": np.zeros(2), "s": 0.5},
        [np.arange(3.0), (np.ones(2), 2.0)],
        Params(w=np.array([1.0, -2.0]), b=3.0),
    ],
)
def test_pytrees_come_back_in_the_same_structure(tree):
    def loss(p):
        leaves = p.values() if isinstance(p, dict) else p
        total = 0.0
        stack = list(leaves)
        while stack:
            leaf = stack.pop()
            if isinstance(leaf, (list, tuple)):
                stack.extend(leaf)
            else:
                total = total + np.sum(np.asarray(leaf) ** 3)
        return total

    g = gradient(loss, tree)
    assert type(g) is type(tree)
    expected = tree_map(lambda leaf: 3 * np.asarray(leaf, float) ** 2, tree)
    for got, want in zip(flatten(g)[0], flatten(expected)[0]):
        assert np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, atol=1e-9)


def test_vectorized_pytree_gets_leaves_with_a_batch_axis():
    shapes = []

    def loss(p):
        shapes.append((p["w"].shape, np.shape(p["b"])))
        return np.sum(p["w"] ** 2, axis=(-2, -1)) + 3 * p["b"]

    g = gradient(loss, {"w": np.ones((2, 2)), "b": 0.0}, vectorized=True)
    np.testing.assert_allclose(g["w"], 2 * np.ones((2, 2)), atol=1e-10)
    assert float(g["b"]) == pytest.approx(3.0, abs=1e-10)
    batch = shapes[0][0][0]
    assert shapes[0] == ((batch, 2, 2), (batch,))


def test_vectorized_chunks_bound_the_memory():
    n = 2000
    rows = []

    def f(X):
        rows.append(X.shape)
        return sum_sq_sin(X)

    x = np.linspace(-1, 1, n)
    g = gradient(f, x, vectorized=True)
    np.testing.assert_allclose(g, 2 * x + np.cos(x), atol=1e-9)
    largest = max(shape[0] * shape[1] for shape in rows)
    assert largest <= evaluate_module.CHUNK_ELEMENTS  # never n x n (4e6) at once
    assert largest < n * n / 10


def test_step_per_coordinate():
    x = np.array([1.0, 100.0])
    g = gradient(lambda v: v[0] ** 2 + v[1] ** 3, x, step=np.array([1e-4, 1e-2]))
    np.testing.assert_allclose(g, [2.0, 30000.0 + 1e-4], rtol=1e-7)


def test_float32_gradient():
    x = np.array([0.5, -1.5], dtype=np.float32)
    res = gradient(lambda v: np.sum(np.sin(v)), x, full_output=True)
    assert res.value.dtype == np.float32
    np.testing.assert_allclose(res.value, np.cos(x.astype(float)), rtol=1e-4)


def test_forward_backward_and_complex_gradients():
    x = np.array([0.3, -0.7])
    exact = np.cos(x)
    for method in ("forward", "backward"):
        np.testing.assert_allclose(
            gradient(lambda v: np.sum(np.sin(v)), x, method=method), exact, atol=1e-9
        )
    g = gradient(lambda v: np.sum(np.sin(v)), x, method="complex")
    np.testing.assert_allclose(g, exact, rtol=1e-15)


def _recording_map(calls):
    serial_map = slopes.parallel._pool.parallel_map

    def parallel_map(func, tasks, workers=None, progress=False):
        calls.append((func, list(tasks), workers))
        return serial_map(func, calls[-1][1])  # here, raising f's errors as parallel_map does

    return parallel_map


def test_workers_route_through_parallel_map_with_picklable_blocks(monkeypatch):
    calls = []
    monkeypatch.setattr(slopes.parallel._pool, "parallel_map", _recording_map(calls))
    x = np.linspace(-1, 1, 30)
    serial = gradient(sum_sq_sin, x, vectorized=True)
    spread = gradient(sum_sq_sin, x, vectorized=True, workers=3)
    np.testing.assert_array_equal(serial, spread)  # identical chunks, identical bits
    assert calls and all(w == 3 for _, _, w in calls)
    func, tasks, _ = calls[0]
    assert isinstance(func, functools.partial)
    pickle.dumps(func)  # a top-level f travels
    assert all(isinstance(t, np.ndarray) and t.ndim == 2 for t in tasks)
    # non-vectorized: small blocks of points, same numbers as the serial loop
    calls.clear()
    assert (gradient(sum_sq_sin, x, workers=2) == gradient(sum_sq_sin, x)).all()
    assert max(len(t) for t in calls[0][1]) <= evaluate_module.POINTS_PER_TASK


def test_errors_on_workers_name_the_point(monkeypatch):
    monkeypatch.setattr(slopes.parallel._pool, "parallel_map", _recording_map([]))

    def f(v):
        if v[0] > 1.0:
            raise ValueError("too far")
        return float(np.sum(v))

    with pytest.raises(ValueError, match=r"f raised ValueError at x=\[1\.0\d* .*too far") as info:
        gradient(f, np.array([1.0, 2.0]), step=1e-3, workers=2)
    assert isinstance(info.value.__cause__, ValueError)


def test_real_workers_give_the_same_gradient():
    x = np.linspace(-1, 1, 12)
    expected = gradient(sum_sq_sin, x, vectorized=True)
    np.testing.assert_array_equal(gradient(sum_sq_sin, x, vectorized=True, workers=map), expected)


class LockedError(Exception):
    """An exception that cannot be pickled: it holds a lock."""

    def __init__(self, message):
        super().__init__(message)
        self.lock = threading.Lock()


class TwoArgsError(Exception):
    """Pickles, but cannot be rebuilt from its args."""

    def __init__(self, what, why):
        super().__init__(f"{what}: {why}")


def fails_beyond_one(kind, v):
    if v[0] > 1.0:
        raise {"locked": LockedError("too far"), "two": TwoArgsError("x0", "too far")}.get(
            kind, ValueError("too far")
        )
    return float(np.sum(v))


def test_point_error_pickles_whatever_the_original():
    error = evaluate_module.PointError("x=1.0", LockedError("too far"))
    back = pickle.loads(pickle.dumps(error))
    assert isinstance(back, evaluate_module.PointError)
    assert (back.where, back.original, back.type_name, back.message) == (
        "x=1.0",
        None,
        "LockedError",
        "too far",
    )
    kept = pickle.loads(pickle.dumps(evaluate_module.PointError("x=2.0", ValueError("no"))))
    assert isinstance(kept.original, ValueError) and str(kept.original) == "no"


@pytest.mark.parametrize(
    ("kind", "raised", "name"),
    [
        ("locked", RuntimeError, "LockedError"),
        ("two", RuntimeError, "TwoArgsError"),
        ("plain", ValueError, "ValueError"),
    ],
)
def test_errors_from_worker_processes_name_the_point(monkeypatch, kind, raised, name):
    # every task goes to a real process
    f = functools.partial(fails_beyond_one, kind)
    with pytest.raises(raised, match=rf"f raised {name} at x=\[1\.001 .*too far"):
        gradient(f, np.array([1.0, 2.0]), step=1e-3, workers=2)


def test_few_points_on_workers_are_spread_one_per_task(monkeypatch):
    calls = []
    monkeypatch.setattr(slopes.parallel._pool, "parallel_map", _recording_map(calls))
    x = np.linspace(-1, 1, 8)
    assert (
        gradient(sum_sq_sin, x, step=1e-4, workers=8) == gradient(sum_sq_sin, x, step=1e-4)
    ).all()
    assert [len(t) for t in calls[0][1]] == [1] * 16  # 16 points, 8 workers: one point a task


def test_quick_pass_settles_smooth_gradients_with_four_points():
    # the benchmark case: f vectorized, n = 1,000 on [-1, 1]
    x = np.random.default_rng(1000).uniform(-1.0, 1.0, 1000)
    res = gradient(sum_sq_sin, x, vectorized=True, full_output=True)
    error = np.abs(res.value - (2 * x + np.cos(x)))
    assert res.success.all()
    assert error.max() <= 1e-10
    assert (error <= res.error).all()
    # +-h, +-2h per coordinate and f(x) once; a few coordinates go on further
    assert 4 * x.size + 1 <= res.nfev <= 4.2 * x.size


def test_quick_pass_leaves_unknown_coordinates_to_the_adaptive_engine():
    # sin at 0: no curvature, so the decay of the Taylor coefficients is unknown;
    # the sample of 32 coordinates fails, the rest go straight to the engine
    n = 300
    res = gradient(lambda X: np.sum(np.sin(X), axis=-1), np.zeros(n), vectorized=True,
                   full_output=True)  # fmt: skip
    assert res.nfev > 6 * n
    assert (res.nfev - 1 - 4 * 32) % 6 == 0  # f(x), the sample, then 6-point trials
    assert res.success.all()
    assert np.all(np.abs(res.value - 1.0) <= res.error)
    assert np.abs(res.value - 1.0).max() <= 1e-12


def test_small_gradients_skip_the_quick_pass():
    # below QUICK_MIN_LINES coordinates trying it costs more than it saves
    res = gradient(lambda X: np.sum(np.exp(X), axis=-1), np.linspace(-2, 2, 100),
                   vectorized=True, full_output=True)  # fmt: skip
    assert res.nfev % 6 == 0  # the sixth-order family only: 6 points per trial
    assert np.all(np.abs(res.value - np.exp(np.linspace(-2, 2, 100))) <= res.error)


def test_quick_pass_error_covers_a_fast_component_behind_a_small_slope():
    # t**2 + 1e-6 sin(100 t) at 0: c1 = 1e-4, but c5 = 83 (the fast term)
    def f(X):
        return X[..., 0] ** 2 + 1e-6 * np.sin(100 * X[..., 0]) + np.sum(X[..., 1:] ** 2, axis=-1)

    x = np.full(300, 0.5)
    x[0] = 0.0
    res = gradient(f, x, vectorized=True, full_output=True)
    exact = 2 * x
    exact[0] = 1e-4
    assert res.nfev < 5 * x.size  # the quick pass ran
    assert res.success.all()
    assert np.all(np.abs(res.value - exact) <= res.error)


@pytest.mark.parametrize("chunk", [8, 2**14])  # one point per call at n = 40, or all
def test_vectorized_f_that_writes_into_its_input_still_works(monkeypatch, chunk):
    # the points reach f read-only (one reused stack); an f that writes into them
    # gets fresh copies instead, with the same numbers
    monkeypatch.setattr(evaluate_module, "CHUNK_ELEMENTS", chunk)

    def in_place(X):
        X *= 1.0
        return sum_sq_sin(X)

    x = np.linspace(-1, 1, 40)
    before = x.copy()
    got = gradient(in_place, x, vectorized=True, full_output=True)
    expected = gradient(sum_sq_sin, x, full_output=True)
    np.testing.assert_array_equal(got.value, expected.value)
    assert got.nfev == expected.nfev  # the chunk done again is counted once
    np.testing.assert_array_equal(x, before)


def test_vectorized_f_returning_a_view_of_its_input():
    # f's output is copied before the stack is reset for the next chunk
    g = gradient(lambda X: X[..., 2], np.arange(4.0), vectorized=True)
    np.testing.assert_allclose(g, [0.0, 0.0, 1.0, 0.0], atol=1e-12)
    jac = slopes.differentiate.jacobian(lambda X: X[..., :2], np.arange(3.0), vectorized=True)
    np.testing.assert_allclose(jac, np.eye(2, 3), atol=1e-12)


def test_gradient_error_estimate_bounds_the_true_error_in_the_quick_pass():
    a, b, c, x = (
        np.tile(v, 64) for v in ([3.0, 1, 1, 1], [0.5, 1, 1, 1], [1.0, 0, 0, 0], [-2.0, -2, -2, -2])
    )

    def f(X):
        return np.sum(a * np.sin(b * X) + np.exp(c * X), axis=-1)

    exact = a * b * np.cos(b * x) + c * np.exp(c * x)
    res = gradient(f, x, vectorized=True, full_output=True)
    ok = res.success
    assert ok.any()
    assert np.all(np.abs(res.value - exact)[ok] <= res.error[ok])


def test_coordinates_homogeneous_about_x_succeed_honestly():
    # x0**7 and x1**9 at 0: the three-level tables never shrink within a step,
    # but follow a power law across steps (see test_derivative); before, both
    # coordinates ran to the smallest step and came back UNRELIABLE
    def f(v):
        return v[0] ** 7 + v[1] ** 9 + np.sin(v[2])

    res = gradient(f, np.zeros(3), full_output=True)
    exact = np.array([0.0, 0.0, 1.0])
    assert res.success.all() and (res.status == DiffResult.CONVERGED).all()
    assert np.all(np.abs(res.value - exact) <= res.error)
    assert np.all(res.error < 1e-14)


@pytest.mark.parametrize("chunk", [4, 64, 2**14])
def test_vectorized_chunking_does_not_change_any_number(monkeypatch, chunk):
    # chunk=4 at n=300: one point per f call (the large-n path, plain indexing);
    # the Hessian moves two coordinates per point (the fancy-indexing path)
    monkeypatch.setattr(evaluate_module, "CHUNK_ELEMENTS", chunk)
    x = np.linspace(-1, 1, 300)
    sizes = []

    def f(X):
        sizes.append(X.shape[0])
        return sum_sq_sin(X)

    got = gradient(f, x, vectorized=True, full_output=True)
    one_by_one = gradient(sum_sq_sin, x, full_output=True)
    np.testing.assert_array_equal(got.value, one_by_one.value)
    np.testing.assert_array_equal(got.error, one_by_one.error)
    assert got.nfev == one_by_one.nfev
    assert max(sizes) == max(1, min(chunk // x.size, got.nfev))
    small = x[:6]
    h_vec = slopes.differentiate.hessian(sum_sq_sin, small, vectorized=True)
    np.testing.assert_array_equal(h_vec, slopes.differentiate.hessian(sum_sq_sin, small))


@pytest.mark.parametrize("k", [1, 3, 50])
def test_vectorized_int_is_the_most_points_per_call(k):
    sizes = []

    def f(X):
        sizes.append(X.shape[0])
        return sum_sq_sin(X)

    x = np.linspace(-1, 1, 20)
    got = gradient(f, x, vectorized=k, full_output=True)
    default = gradient(sum_sq_sin, x, vectorized=True, full_output=True)
    np.testing.assert_array_equal(got.value, default.value)
    assert got.nfev == default.nfev
    assert max(sizes) == min(k, max(sizes[1:]))  # the first call is f(x) alone
    assert max(sizes) <= k
    d = slopes.differentiate.derivative(
        lambda t: (sizes.append(t.shape[0]), np.sin(t))[1], np.linspace(0, 1, 7), vectorized=k
    )
    np.testing.assert_allclose(d, np.cos(np.linspace(0, 1, 7)), rtol=1e-12)
    assert max(sizes) <= max(k, 1)


def test_a_flat_coordinate_is_recognised_in_one_trial_near_x():
    # issue 11 item 6: the coordinate x[1] of x[0]**2 was chased to 4.5e8 away in
    # 48 evaluations; flat at the first step now: 0 exactly, 6 evaluations
    points = []

    def f(v):
        points.append(np.array(v))
        return v[0] ** 2

    res = gradient(f, np.array([1.0, 1.0]), full_output=True)
    assert res.value[1] == 0.0 and res.value[0] == pytest.approx(2.0, rel=1e-12)
    assert res.success.all() and res.nfev == 12  # 6 per coordinate (f(x) is not needed)
    assert max(np.max(np.abs(p - 1.0)) for p in points) <= 0.5
    const = gradient(lambda v: 3.0, np.array([1.0, 1.0]), full_output=True)
    assert (const.value == 0.0).all() and const.success.all()
