"""hessian of a vector-valued f: shape f(x).shape + x.shape + x.shape."""

import numpy as np
import pytest

import slopes

X = np.array([0.7, -0.4])


def vector_f(x):
    a, b = x
    return np.array([a**2 * b, np.sin(a) * np.exp(b), a * b**3])


def vector_hessian(x):
    a, b = x
    c = np.cos(a) * np.exp(b)
    s = np.sin(a) * np.exp(b)
    return np.array(
        [
            [[2 * b, 2 * a], [2 * a, 0.0]],
            [[-s, c], [c, s]],
            [[0.0, 3 * b * b], [3 * b * b, 6 * a * b]],
        ]
    )


def test_shape_value_and_error_within_estimate():
    calls = [0]

    def f(x):
        calls[0] += 1
        return vector_f(x)

    res = slopes.hessian(f, X, full_output=True)
    truth = vector_hessian(X)
    assert res.value.shape == (3, 2, 2) and res.error.shape == (3, 2, 2)
    assert res.success.all()
    assert np.all(np.abs(res.value - truth) <= res.error + 1e-14)
    assert np.abs(res.value - truth).max() < 1e-9
    np.testing.assert_array_equal(res.value, np.swapaxes(res.value, 1, 2))  # symmetric
    assert res.nfev == calls[0]  # f is called once per point for all three outputs
    assert res.step.shape == (3, 2)


def test_each_output_is_the_scalar_hessian_of_that_output():
    whole = slopes.hessian(vector_f, X)
    for i in range(3):
        one = slopes.hessian(lambda x, i=i: vector_f(x)[i], X)
        np.testing.assert_allclose(whole[i], one, rtol=0, atol=1e-12)


def test_vectorized_matrix_output_and_fixed_step():
    def stacked(points):
        a, b = points[:, 0], points[:, 1]
        return np.stack([a**2 * b, np.sin(a) * np.exp(b), a * b**3], axis=1)

    res = slopes.hessian(stacked, X, vectorized=True, full_output=True)
    assert np.all(np.abs(res.value - vector_hessian(X)) <= res.error + 1e-14)

    def matrix(x):  # f(x).shape == (2, 2): H has shape (2, 2, 3, 3)
        return np.array([[x @ x, x[0] * x[1]], [np.sum(x**3), 1.0]])

    x = np.array([1.0, 2.0, -1.0])
    H = slopes.hessian(matrix, x)
    assert H.shape == (2, 2, 3, 3)
    expected = np.zeros((2, 2, 3, 3))
    expected[0, 0] = 2 * np.eye(3)
    expected[0, 1][0, 1] = expected[0, 1][1, 0] = 1.0
    expected[1, 0] = np.diag(6 * x)
    np.testing.assert_allclose(H, expected, atol=1e-8)
    fixed = slopes.hessian(vector_f, X, step=1e-3)
    # one product stencil at h = 1e-3: error O(h**2) times the fourth derivatives (< 10)
    np.testing.assert_allclose(fixed, vector_hessian(X), atol=1e-5)


def test_scalar_f_unchanged():
    res = slopes.hessian(
        lambda x: x[0] ** 2 * x[1] + x[1] ** 3, np.array([1.0, 2.0]), full_output=True
    )
    assert res.value.shape == (2, 2)
    np.testing.assert_allclose(res.value, [[4.0, 2.0], [2.0, 12.0]], atol=1e-8)


def test_against_numdifftools():
    nd = pytest.importorskip("numdifftools")
    ours = slopes.hessian(vector_f, X)
    theirs = np.stack([nd.Hessian(lambda x, i=i: vector_f(x)[i])(X) for i in range(3)])
    np.testing.assert_allclose(ours, theirs, atol=1e-8)


def test_inputs_not_modified_and_bad_output():
    x = X.copy()
    slopes.hessian(vector_f, x)
    np.testing.assert_array_equal(x, X)
    with pytest.raises(TypeError, match="`f` must return numbers"):
        slopes.hessian(lambda x: "a", X)
