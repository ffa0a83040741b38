"""jvp, hvp and hessdiag: closed forms, cost, pytrees, options, bad input, peers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import slopes

RNG = np.random.default_rng(20261203)


# --- a vector function and a scalar one with closed-form derivatives -------------------


def vector_f(x):
    return np.array([np.sin(x[0]) * x[1], np.exp(x[0] + 2 * x[1]), x[0] ** 3 + x[2]])


def vector_jacobian(x):
    return np.array(
        [
            [np.cos(x[0]) * x[1], np.sin(x[0]), 0.0],
            [np.exp(x[0] + 2 * x[1]), 2 * np.exp(x[0] + 2 * x[1]), 0.0],
            [3 * x[0] ** 2, 0.0, 1.0],
        ]
    )


A = RNG.normal(size=(5, 5))
A = A + A.T


def scalar_f(x):
    """0.5 x^T A x + sum(exp(x) / (1 + j)): Hessian A + diag(exp(x) / (1 + j))."""
    return 0.5 * x @ A @ x + np.sum(np.exp(x) / np.arange(1, x.size + 1))


def scalar_grad(x):
    return A @ x + np.exp(x) / np.arange(1, x.size + 1)


def scalar_hessian(x):
    return A + np.diag(np.exp(x) / np.arange(1, x.size + 1))


X5 = RNG.normal(size=5)
V5 = RNG.normal(size=5)


def assert_within_estimate(value, reference, error):
    """The true error is within the reported error, above a floor of 1e-13 relative.

    The floor covers the rounding of the closed-form reference (a few units in the
    last place of its terms) and estimates at that level, which are a guess
    about rounding in f rather than a measured truncation.
    """
    value, reference, error = map(np.asarray, (value, reference, error))
    slack = 1e-13 * (1 + np.abs(reference))
    assert np.all(np.abs(value - reference) <= error + slack), (value - reference, error)


# --- jvp ------------------------------------------------------------------------------


def test_jvp_matches_the_closed_form_jacobian_times_v():
    x, v = np.array([0.4, -0.3, 1.2]), np.array([1.0, -2.0, 0.5])
    res = slopes.jvp(vector_f, x, v, full_output=True)
    reference = vector_jacobian(x) @ v
    np.testing.assert_allclose(res.value, reference, rtol=1e-10)
    assert_within_estimate(res.value, reference, res.error)
    assert res.success and res.status == 0
    assert res.value.shape == (3,)


def test_jvp_cost_does_not_depend_on_the_dimension():
    def f(x):
        return np.sum(np.sin(x) * np.linspace(1, 2, x.size))

    counts = []
    for n in (3, 300, 3000):
        x = np.linspace(-1, 1, n)
        v = np.cos(np.arange(n))
        res = slopes.jvp(f, x, v, full_output=True)
        reference = np.sum(np.cos(x) * np.linspace(1, 2, n) * v)
        assert abs(res.value - reference) <= res.error + 1e-12 * abs(reference)
        counts.append(res.nfev)
    assert max(counts) <= 13  # one line of the engine, at n = 3 as at n = 3000


def test_jvp_is_linear_in_v_whatever_its_length():
    x = np.array([0.4, -0.3, 1.2])
    v = np.array([1.0, -2.0, 0.5])
    small = slopes.jvp(vector_f, x, 1e-8 * v, full_output=True)
    large = slopes.jvp(vector_f, x, 1e8 * v, full_output=True)
    reference = vector_jacobian(x) @ v
    np.testing.assert_allclose(small.value * 1e8, reference, rtol=1e-10)
    np.testing.assert_allclose(large.value * 1e-8, reference, rtol=1e-10)
    # the direction is rescaled: the same points of f, so the same number of them
    assert small.nfev == large.nfev
    assert small.step == pytest.approx(1e16 * large.step, rel=1e-12)


def test_jvp_along_a_coordinate_is_that_column_of_the_jacobian():
    x = np.array([0.4, -0.3, 1.2])
    for j in range(3):
        e = np.zeros(3)
        e[j] = 1.0
        np.testing.assert_allclose(
            slopes.jvp(vector_f, x, e), vector_jacobian(x)[:, j], rtol=1e-10, atol=1e-13
        )


def test_jvp_of_a_zero_direction_is_zero_after_one_evaluation():
    res = slopes.jvp(vector_f, [0.4, -0.3, 1.2], np.zeros(3), full_output=True)
    np.testing.assert_array_equal(res.value, np.zeros(3))
    assert res.nfev == 1 and res.success


def test_jvp_on_a_pytree():
    x = {"w": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": 0.5}
    v = {"b": -1.0, "w": np.array([[0.5, 0.0], [1.0, 2.0]])}  # key order does not matter

    def f(p):
        return np.sum(p["w"] ** 2) * p["b"] + np.sin(p["b"])

    reference = 2 * np.sum(x["w"] * v["w"]) * x["b"] + (np.sum(x["w"] ** 2) + np.cos(0.5)) * -1.0
    assert float(slopes.jvp(f, x, v)) == pytest.approx(reference, rel=1e-10)


def test_jvp_vectorized_sends_stacks_and_gives_the_same_value():
    shapes = []

    def f(points):
        points = np.asarray(points)
        shapes.append(points.shape)
        return np.stack([np.sin(points[:, 0]) * points[:, 1], points[:, 0] * points[:, 2]], axis=1)

    x, v = np.array([0.4, -0.3, 1.2]), np.array([1.0, -2.0, 0.5])
    value = slopes.jvp(f, x, v, vectorized=True)
    plain = slopes.jvp(lambda p: f(p[None])[0], x, v)
    np.testing.assert_allclose(value, plain, rtol=1e-13)
    assert all(len(shape) == 2 and shape[1] == 3 for shape in shapes)
    assert max(shape[0] for shape in shapes) > 1


def test_jvp_with_a_map_like_worker_gives_the_same_value():
    x, v = np.array([0.4, -0.3, 1.2]), np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(
        slopes.jvp(vector_f, x, v, workers=map), slopes.jvp(vector_f, x, v), rtol=1e-14
    )


def test_jvp_never_modifies_its_inputs():
    x, v = np.array([0.4, -0.3, 1.2]), np.array([1.0, -2.0, 0.5])
    x0, v0 = x.copy(), v.copy()

    def f(y):
        out = vector_f(y)
        y += 1.0  # an f that writes into its input must not reach the caller's array
        return out

    slopes.jvp(f, x, v)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(v, v0)


@pytest.mark.parametrize(
    ("f", "x", "v", "error", "match"),
    [
        (3.0, [1.0], [1.0], TypeError, "`f` must be callable"),
        (np.sin, [1.0, np.nan], [1.0, 1.0], ValueError, "`x` must be finite"),
        (np.sin, [1.0, 2.0], [1.0, np.inf], ValueError, "`v` must be finite"),
        (np.sin, [1.0, 2.0], [1.0, 2.0, 3.0], ValueError, "`v` must have the shape of `x`"),
        (np.sin, {"a": 1.0}, {"b": 1.0}, ValueError, "`v` must have the structure of `x`"),
        (np.sin, [1.0, 2.0], ["a", "b"], TypeError, "`v` must be numbers"),
        (np.sin, [1.0, 2.0], [1j, 2.0], TypeError, "`v` must be real"),
    ],
)
def test_jvp_bad_input_names_the_argument(f, x, v, error, match):
    with pytest.raises(error, match=match):
        slopes.jvp(f, x, v)


def test_jvp_against_numdifftools_directionaldiff():
    nd = pytest.importorskip("numdifftools")

    def f(x):
        return np.sum(np.sin(x) * x[::-1]) + np.exp(x[0])

    x, v = RNG.normal(size=6), RNG.normal(size=6)
    ours = slopes.jvp(f, x, v / np.linalg.norm(v))
    theirs = nd.directionaldiff(f, x, v)  # numdifftools differentiates along the unit vector
    assert float(ours) == pytest.approx(float(theirs), rel=1e-8)


def test_jvp_against_scipy_jacobian_times_v():
    differentiate = pytest.importorskip("scipy.differentiate")

    def f_columns(x):  # scipy passes points along the trailing axes
        return np.stack([np.sin(x[0]) * x[1], np.exp(x[0] + 2 * x[1]), x[0] ** 3 + x[2]])

    x, v = np.array([0.4, -0.3, 1.2]), np.array([1.0, -2.0, 0.5])
    theirs = differentiate.jacobian(f_columns, x).df @ v
    np.testing.assert_allclose(slopes.jvp(vector_f, x, v), theirs, rtol=1e-9)


# --- hvp --------------------------------------------------------------------------------


def test_hvp_from_a_gradient_matches_the_closed_form():
    res = slopes.hvp(scalar_f, X5, V5, grad=scalar_grad, full_output=True)
    reference = scalar_hessian(X5) @ V5
    np.testing.assert_allclose(res.value, reference, rtol=1e-9, atol=1e-12)
    assert_within_estimate(res.value, reference, res.error)
    assert res.success and res.nfev <= 13  # calls of grad, whatever n


def test_hvp_from_f_alone_matches_the_closed_form():
    res = slopes.hvp(scalar_f, X5, V5, full_output=True)
    reference = scalar_hessian(X5) @ V5
    np.testing.assert_allclose(res.value, reference, rtol=1e-7, atol=1e-9)
    assert_within_estimate(res.value, reference, res.error)
    assert res.success and res.status == 0


def test_hvp_from_a_noisy_f_is_not_a_success():
    rng = np.random.default_rng(7)

    def noisy(x):
        return np.sum(x**2) + 1e-6 * rng.standard_normal()

    res = slopes.hvp(noisy, X5, V5, full_output=True)
    assert not res.success and res.status == -1 and "not reliable" in res.message


def test_hvp_from_f_costs_evaluations_linear_in_n():
    def f(x):
        return np.sum(np.cos(x) * np.linspace(1.0, 2.0, x.size)) + np.sum(x) ** 2

    for n in (10, 40):
        x = np.linspace(-1.0, 1.0, n)
        v = np.sin(np.arange(n) + 1.0)
        res = slopes.hvp(f, x, v, full_output=True)
        reference = -np.cos(x) * np.linspace(1.0, 2.0, n) * v + 2 * np.sum(v)
        np.testing.assert_allclose(res.value, reference, rtol=1e-7, atol=1e-8)
        # 8 points along v, at each two fourth-order gradients of 4n points, and f(x)
        assert res.nfev == 8 * 2 * 4 * n + 1
        assert res.success


def test_hvp_on_a_pytree_with_a_pytree_gradient():
    x = {"a": np.array([1.0, 2.0]), "b": 0.5}
    v = {"a": np.array([0.0, 1.0]), "b": 2.0}

    def f(p):
        return np.sum(p["a"] ** 3) * p["b"]

    def grad(p):
        return {"a": 3 * p["a"] ** 2 * p["b"], "b": np.sum(p["a"] ** 3)}

    # H = [[6 a0 b, 0, 3 a0^2], [0, 6 a1 b, 3 a1^2], [3 a0^2, 3 a1^2, 0]]
    expected = {"a": np.array([0.0 + 3.0 * 2.0, 6 * 2.0 * 0.5 + 12.0 * 2.0]), "b": 12.0}
    for g in (grad, None):
        out = slopes.hvp(f, x, v, grad=g)
        np.testing.assert_allclose(out["a"], expected["a"], rtol=1e-8)
        assert float(out["b"]) == pytest.approx(expected["b"], rel=1e-8)


def test_hvp_vectorized_gradient_gives_the_same_value():
    shapes = []

    def grad_stack(points):
        shapes.append(np.shape(points))
        return points @ A + np.exp(points) / np.arange(1, 6)

    value = slopes.hvp(scalar_f, X5, V5, grad=grad_stack, vectorized=True)
    np.testing.assert_allclose(value, scalar_hessian(X5) @ V5, rtol=1e-9, atol=1e-12)
    assert all(len(shape) == 2 for shape in shapes)


def test_hvp_from_a_vectorized_f():
    def f_stack(points):
        return 0.5 * np.einsum("bi,ij,bj->b", points, A, points) + np.sum(
            np.exp(points) / np.arange(1, 6), axis=1
        )

    value = slopes.hvp(f_stack, X5, V5, vectorized=True)
    np.testing.assert_allclose(value, scalar_hessian(X5) @ V5, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"grad": "no"}, TypeError, "`grad` must be callable"),
        ({"grad": lambda x: np.ones(3)}, ValueError, "`grad` must return x's structure"),
    ],
)
def test_hvp_bad_gradient_names_it(kwargs, error, match):
    with pytest.raises(error, match=match):
        slopes.hvp(scalar_f, X5, V5, **kwargs)


def test_hvp_of_a_vector_function_is_refused_naming_f():
    with pytest.raises(ValueError, match="`f` must return one number"):
        slopes.hvp(vector_f, [0.4, -0.3, 1.2], [1.0, 0.0, 0.0])


def test_hvp_against_numdifftools_hessian():
    nd = pytest.importorskip("numdifftools")
    theirs = nd.Hessian(scalar_f)(X5) @ V5
    np.testing.assert_allclose(slopes.hvp(scalar_f, X5, V5), theirs, rtol=1e-6, atol=1e-8)


# --- hessdiag -----------------------------------------------------------------------------


def test_hessdiag_matches_the_closed_form():
    res = slopes.hessdiag(scalar_f, X5, full_output=True)
    reference = np.diag(scalar_hessian(X5))
    np.testing.assert_allclose(res.value, reference, rtol=1e-9, atol=1e-10)
    assert_within_estimate(res.value, reference, res.error)
    assert res.success


def test_hessdiag_coordinates_of_very_different_sizes():
    def f(x):
        return np.sum(np.log1p(x**2))

    x = np.array([1e-3, 0.7, 30.0, 2e3])
    res = slopes.hessdiag(f, x, full_output=True)
    reference = 2 * (1 - x**2) / (1 + x**2) ** 2
    np.testing.assert_allclose(res.value, reference, rtol=1e-7)
    assert_within_estimate(res.value, reference, res.error)


def test_hessdiag_costs_evaluations_linear_in_n():
    counts = {}
    for n in (25, 100):
        x = np.linspace(-1.0, 1.0, n)
        res = slopes.hessdiag(lambda y: np.sum(np.exp(y)) + y[0] * y[-1], x, full_output=True)
        np.testing.assert_allclose(res.value, np.exp(x), rtol=1e-8)
        counts[n] = res.nfev
    assert 3.5 <= counts[100] / counts[25] <= 4.5


def test_hessdiag_on_a_pytree_and_vectorized():
    x = {"w": np.array([[0.5, 1.0], [1.5, 2.0]]), "b": 0.3}

    def f(p):
        return np.sum(np.sin(p["w"])) * np.exp(p["b"])

    out = slopes.hessdiag(f, x)
    np.testing.assert_allclose(out["w"], -np.sin(x["w"]) * np.exp(0.3), rtol=1e-8)
    assert float(out["b"]) == pytest.approx(np.sum(np.sin(x["w"])) * np.exp(0.3), rel=1e-8)

    shapes = []

    def f_stack(p):
        shapes.append(p["w"].shape)
        return np.sum(np.sin(p["w"]), axis=(1, 2)) * np.exp(p["b"])

    stacked = slopes.hessdiag(f_stack, x, vectorized=True)
    np.testing.assert_allclose(stacked["w"], out["w"], rtol=1e-12)
    assert all(len(shape) == 3 for shape in shapes)


def test_hessdiag_never_modifies_x_and_refuses_a_vector_f():
    x = np.array([0.4, -0.3, 1.2])
    x0 = x.copy()
    slopes.hessdiag(lambda y: np.sum(y**4), x)
    np.testing.assert_array_equal(x, x0)
    with pytest.raises(ValueError, match="`f` must return one number"):
        slopes.hessdiag(vector_f, x)
    with pytest.raises(TypeError, match="`f` must be callable"):
        slopes.hessdiag(None, x)


def test_hessdiag_against_numdifftools_and_scipy():
    nd = pytest.importorskip("numdifftools")
    ours = slopes.hessdiag(scalar_f, X5)
    np.testing.assert_allclose(ours, nd.Hessdiag(scalar_f)(X5), rtol=1e-7, atol=1e-9)
    differentiate = pytest.importorskip("scipy.differentiate")

    def f_columns(x):  # scipy passes points along the trailing axes
        x = np.moveaxis(np.asarray(x), 0, -1)
        return 0.5 * np.einsum("...i,ij,...j->...", x, A, x) + np.sum(
            np.exp(x) / np.arange(1, 6), axis=-1
        )

    theirs = np.diag(differentiate.hessian(f_columns, X5).ddf)
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-9)


def test_a_non_finite_answer_comes_with_a_slopes_warning():
    with pytest.warns(slopes.SlopesWarning, match="Jacobian-vector product is not finite"):
        slopes.jvp(lambda x: np.log(x[0]) + x[1], [-1.0, 1.0], [1.0, 1.0])
    with pytest.warns(slopes.SlopesWarning, match="Hessian diagonal is not finite"):
        slopes.hessdiag(lambda x: np.sum(np.log(x)), [-1.0, 1.0])
    res = slopes.jvp(lambda x: np.log(x[0]) + x[1], [-1.0, 1.0], [1.0, 1.0], full_output=True)
    assert not res.success


def test_jvp_and_hessdiag_with_worker_processes(force_dispatch):
    # closures over the caller's data travel to the workers (cloudpickle)
    scale = np.linspace(1.0, 2.0, 4)

    def f(x):
        return np.sum(np.sin(x) * scale)

    x, v = np.array([0.1, 0.2, 0.3, 0.4]), np.array([1.0, -1.0, 0.5, 2.0])
    value = slopes.jvp(f, x, v, workers=2)
    assert float(value) == pytest.approx(np.sum(np.cos(x) * scale * v), rel=1e-10)
    diagonal = slopes.hessdiag(f, x, workers=2)
    np.testing.assert_allclose(diagonal, -np.sin(x) * scale, rtol=1e-8)


def test_float32_points_get_float32_steps_and_honest_errors():
    x = np.array([1.0, 2.0], dtype=np.float32)
    v = np.array([1.0, 1.0], dtype=np.float32)

    def f(y):
        return np.sum(np.sin(y))

    res = slopes.jvp(f, x, v, full_output=True)
    exact = float(np.sum(np.cos(x.astype(float))))
    assert res.success and abs(res.value - exact) <= res.error
    diagonal = slopes.hessdiag(f, x, full_output=True)
    assert diagonal.value.dtype == np.float32 and diagonal.success
    assert np.all(np.abs(diagonal.value - -np.sin(x.astype(float))) <= diagonal.error)


def test_the_directional_benchmark_runs_and_its_products_are_accurate(capsys):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_directional

    table = bench_directional.main(["--n", "40", "--hessian-n", "20", "--hessian-f-n", "10"])
    rows = [line.split("|")[1:-1] for line in table.splitlines()[2:]]
    assert [row[0].strip() for row in rows] == [
        "jvp(f, x, v)",
        "gradient(f, x) @ v",
        "hvp(f, x, v, grad=g)",
        "hvp(f, x, v, grad=g)",
        "hessian(f, x, grad=g) @ v",
        "hvp(f, x, v)",
        "hvp(f, x, v)",
        "hessian(f, x) @ v",
    ]
    assert all(float(row[4]) < 1e-7 for row in rows)  # max relative error of every row
    assert int(rows[0][2].replace(",", "")) <= 13  # jvp: one line of the engine
    assert int(rows[5][2].replace(",", "")) == 64 * 40 + 1  # hvp from f: 64n + 1


POINTS = arrays(np.float64, 3, elements=st.floats(-2.0, 2.0))
DIRECTIONS = arrays(np.float64, 3, elements=st.floats(-1e3, 1e3)).filter(
    lambda v: np.max(np.abs(v)) > 1e-6
)


@settings(max_examples=25, deadline=None)
@given(x=POINTS, v=DIRECTIONS)
def test_property_jvp_within_its_estimate_and_hvp_from_f_close(x, v):
    res = slopes.jvp(vector_f, x, v, full_output=True)
    reference = vector_jacobian(x) @ v
    if res.success:  # (x ~ 1e-158 makes f subnormal: the engine says unreliable)
        assert_within_estimate(res.value, reference, res.error)

    def f(y):
        return np.sin(y[0]) * y[1] + np.exp(0.5 * y[2]) * y[0]

    hessian = np.array(
        [
            [-np.sin(x[0]) * x[1], np.cos(x[0]), 0.5 * np.exp(0.5 * x[2])],
            [np.cos(x[0]), 0.0, 0.0],
            [0.5 * np.exp(0.5 * x[2]), 0.0, 0.25 * np.exp(0.5 * x[2]) * x[0]],
        ]
    )
    product = slopes.hvp(f, x, v, full_output=True)
    exact = hessian @ v
    if product.success:
        assert_within_estimate(product.value, exact, product.error)
