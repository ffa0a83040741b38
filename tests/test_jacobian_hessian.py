"""slopes.jacobian and slopes.hessian: shapes, closed forms, symmetry, estimates, cost."""

from __future__ import annotations

import numpy as np
import pytest

from slopes.differentiate import DiffResult, hessian, jacobian


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2, axis=0)


def rosen_vectorized(X):
    return np.sum(100.0 * (X[:, 1:] - X[:, :-1] ** 2) ** 2 + (1 - X[:, :-1]) ** 2, axis=1)


def rosen_grad(x):
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return g


def rosen_hess(x):
    """Rosenbrock's Hessian by hand (tridiagonal)."""
    n = x.size
    H = np.zeros((n, n))
    i = np.arange(n - 1)
    H[i, i + 1] = H[i + 1, i] = -400 * x[:-1]
    diag = np.zeros(n)
    diag[:-1] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    diag[1:] += 200
    H[np.arange(n), np.arange(n)] = diag
    return H


def test_jacobian_closed_form_polar_to_cartesian():
    r, t = 2.0, 0.6
    J = jacobian(lambda p: np.array([p[0] * np.cos(p[1]), p[0] * np.sin(p[1])]), [r, t])
    expected = [[np.cos(t), -r * np.sin(t)], [np.sin(t), r * np.cos(t)]]
    np.testing.assert_allclose(J, expected, atol=1e-12)


@pytest.mark.parametrize(
    ("f", "x", "shape"),
    [
        (lambda x: np.outer(x, x), np.ones(3), (3, 3, 3)),
        (lambda x: np.sum(x), np.ones(4), (4,)),
        (lambda x: np.array([np.sum(x)]), np.ones(4), (1, 4)),  # never squeezed
        (lambda x: x.ravel()[:4] * 2, np.ones((2, 3)), (4, 2, 3)),
    ],
)
def test_jacobian_shape_is_output_then_input(f, x, shape):
    J = jacobian(f, x)
    assert J.shape == shape


def test_jacobian_of_a_pytree_input():
    def f(p):
        return np.array([np.sum(p["a"]), p["b"] ** 2, np.sum(p["a"] * p["b"])])

    J = jacobian(f, {"a": np.ones((2, 3)), "b": 2.0})
    assert J["a"].shape == (3, 2, 3) and J["b"].shape == (3,)
    np.testing.assert_allclose(J["a"][0], np.ones((2, 3)), atol=1e-10)
    np.testing.assert_allclose(J["a"][2], 2 * np.ones((2, 3)), atol=1e-10)
    np.testing.assert_allclose(J["b"], [0.0, 4.0, 6.0], atol=1e-9)


def test_jacobian_vectorized_and_full_output():
    x = np.array([0.2, 0.9, -0.4])

    def f(X):  # (batch, 3) -> (batch, 2)
        return np.stack([np.sum(np.sin(X), axis=-1), np.prod(X, axis=-1)], axis=-1)

    res = jacobian(f, x, vectorized=True, full_output=True)
    expected = np.array([np.cos(x), [x[1] * x[2], x[0] * x[2], x[0] * x[1]]])
    assert res.value.shape == (2, 3) and res.error.shape == (2, 3)
    np.testing.assert_allclose(res.value, expected, atol=1e-12)
    assert (np.abs(res.value - expected) <= res.error + 1e-15).all()
    assert res.success.all()


def test_hessian_closed_form_and_symmetry():
    def f(v):
        return v[0] ** 2 * v[1] + np.exp(v[0] * v[1]) + np.sin(v[2]) * v[1]

    x = np.array([0.3, -0.8, 1.1])
    a, b, c = x
    e = np.exp(a * b)
    expected = np.array(
        [
            [2 * b + b * b * e, 2 * a + e + a * b * e, 0.0],
            [2 * a + e + a * b * e, a * a * e, np.cos(c)],
            [0.0, np.cos(c), -np.sin(c) * b],
        ]
    )
    res = hessian(f, x, full_output=True)
    np.testing.assert_array_equal(res.value, res.value.T)
    np.testing.assert_allclose(res.value, expected, atol=1e-9)
    assert (np.abs(res.value - expected) <= res.error).all()
    assert res.success.all()


def test_rosenbrock_hessian_accuracy_and_cost():
    x = np.random.default_rng(0).uniform(-2, 2, 50)
    exact = rosen_hess(x)
    res = hessian(rosen_vectorized, x, vectorized=True, full_output=True)
    assert np.max(np.abs(res.value - exact)) <= 1e-8 * np.max(np.abs(exact))
    assert res.success.all()
    # numdifftools uses 75,001 evaluations here and scipy.differentiate 742,500
    assert res.nfev <= 25_000


def test_rosenbrock_hessian_from_values_to_1e_8_absolute():
    # the benchmark issue's case (benchmarks/_cases.hessian_point): |H| up to ~1e3,
    # |f| ~ 3e3, so a second difference at a step of 1e-2 rounds to ~4e-8; the
    # diagonal's steps must grow where the higher orders are exact (a quartic)
    for n in (20, 50):
        x = np.random.default_rng(1000 + n).uniform(-1.0, 1.0, n)
        res = hessian(rosen, x, full_output=True)
        err = np.abs(res.value - rosen_hess(x))
        assert err.max() <= 1e-8
        assert (err <= res.error).all()
        assert res.success.all()
    # numdifftools: 75,001 evaluations, scipy.differentiate.hessian: 742,500
    assert res.nfev <= 25_000


def test_hessian_of_non_polynomials_is_accurate_and_honest():
    x = np.random.default_rng(3).uniform(-1.0, 1.0, 8)
    i = np.arange(7)

    def f(v):  # exp-sine terms plus products of neighbours
        return np.sum(np.exp(0.3 * v) * np.sin(v)) + np.sum(v[:-1] * v[1:])

    e = np.exp(0.3 * x)
    expected = np.diag(e * ((0.09 - 1) * np.sin(x) + 0.6 * np.cos(x)))
    expected[i, i + 1] = expected[i + 1, i] = 1.0

    def g(v):  # f = sum exp(v_i v_{i+1} / 2) + sum cos(2 v): every pair term curved
        return np.sum(np.exp(0.5 * v[:-1] * v[1:])) + np.sum(np.cos(2 * v))

    a, b = x[:-1], x[1:]
    w = np.exp(0.5 * a * b)
    coupled = np.diag(-4 * np.cos(2 * x))
    coupled[i, i] += 0.25 * b * b * w
    coupled[i + 1, i + 1] += 0.25 * a * a * w
    coupled[i, i + 1] = coupled[i + 1, i] = 0.5 * w + 0.25 * a * b * w
    for func, exact, tol in ((f, expected, 1e-10), (g, coupled, 1e-9)):
        res = hessian(func, x, full_output=True)
        err = np.abs(res.value - exact)
        assert err.max() <= tol
        assert (err <= res.error).all()
        assert res.success.all()


def test_bound_guess_lets_the_step_model_grow_past_a_geometric_guess():
    from slopes.differentiate._engine.stencils import family
    from slopes.differentiate._engine.table import error_table

    # g(t) = 1e3 + 500 t^2 + 100 t^4 along one line: orders 4 and 6 of the second
    # derivative are exact, so |D_1 - D_2| is rounding and d_0 = 200 h^2: the
    # geometric guess from d_0 alone (c6 h^6 ~ d_0^3 / |D|^2) is far too large
    offsets, weights, orders = family("central", 2, 2, 3)
    h = np.array([0.05])
    t = offsets * h[0]
    values = (1e3 + 500 * t**2 + 100 * t**4)[None, :, None]
    plain = error_table(values, weights, orders, h, 2, 2.0**-52)
    bounded = error_table(values, weights, orders, h, 2, 2.0**-52, bound_guess=True)
    assert plain.any_resolved.all() and not plain.top_resolved.any()
    # the reported (measured) error is the same; only the step model differs
    np.testing.assert_array_equal(bounded.error, plain.error)
    assert 0 < bounded.truncation[0, 0] < plain.truncation[0, 0] / 10


def test_hessian_from_a_gradient():
    x = np.random.default_rng(2).uniform(-1, 1, 6)
    res = hessian(rosen, x, grad=rosen_grad, full_output=True)
    np.testing.assert_allclose(res.value, rosen_hess(x), atol=1e-8)
    np.testing.assert_array_equal(res.value, res.value.T)
    assert res.nfev <= 2 * (6 * x.size + 1)  # one pass of 6 per coordinate, a few redone


def test_hessian_shapes_for_matrices_and_pytrees():
    W = np.arange(4.0).reshape(2, 2)
    H = hessian(lambda w: np.sum(w**3), W)
    assert H.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(H.reshape(4, 4), np.diag(6 * W.ravel()), atol=1e-8)
    H = hessian(lambda p: np.sum(p["a"] ** 2) * p["b"], {"a": np.ones(2), "b": 3.0})
    assert H.shape == (3, 3)
    np.testing.assert_allclose(H, [[6, 0, 2], [0, 6, 2], [2, 2, 0]], atol=1e-8)


def test_fixed_step_hessian_and_one_sided_method():
    f = lambda v: v[0] ** 2 * v[1] ** 2  # noqa: E731
    x = np.array([1.0, 2.0])
    expected = [[8.0, 8.0], [8.0, 2.0]]
    res = hessian(f, x, step=1e-3, full_output=True)
    np.testing.assert_allclose(res.value, expected, rtol=1e-5)
    assert (res.status == DiffResult.FIXED_STEP).all()
    np.testing.assert_allclose(hessian(f, x, method="forward"), expected, rtol=1e-7)


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_jacobian_entries_independent_of_an_input_are_exact_zeros(method):
    # issue 11 item 7: -1.6e-15 (central), -1.5e-14 (forward) instead of 0
    def f(v):
        return np.array([v[0] ** 2, np.sin(v[1])])

    res = jacobian(f, np.array([1.0, 2.0]), method=method, full_output=True)
    assert res.value[0, 1] == 0.0 and res.value[1, 0] == 0.0
    assert abs(res.value[0, 0] - 2.0) <= res.error[0, 0]
    assert abs(res.value[1, 1] - np.cos(2.0)) <= res.error[1, 1]


def test_jacobian_is_right_when_f_writes_into_its_argument():
    # issue 12 item 10: [4, 6, 8] instead of [2, 4, 6] with success, because the
    # first call passed f a view of the evaluator's own copy of x
    def f(v):
        out = v**2
        v[0] = 50.0  # a careless f
        return out

    x = np.array([1.0, 2.0, 3.0])
    res = jacobian(f, x, full_output=True)
    np.testing.assert_allclose(np.diag(res.value), [2.0, 4.0, 6.0], rtol=1e-12)
    assert res.success.all()
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])

    def doubling(v):
        v *= 2
        return v**2 / 4

    np.testing.assert_allclose(np.diag(jacobian(doubling, x)), [2.0, 4.0, 6.0], rtol=1e-12)
