"""propagate: closed forms for linear f, Monte Carlo for a near-linear f, the error bound."""

from __future__ import annotations

import numpy as np
import pytest

import slopes

A = np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 3.0]])
B = np.array([0.3, -0.7])
SIGMA = np.array([[0.04, 0.01, 0.0], [0.01, 0.09, -0.02], [0.0, -0.02, 0.25]])


def test_a_linear_function_propagates_exactly():
    x = np.array([1.0, 2.0, -1.0])
    res = slopes.propagate(lambda y: A @ y + B, x, SIGMA)
    np.testing.assert_allclose(res.value, A @ x + B, rtol=1e-15)
    np.testing.assert_allclose(res.jacobian, A, rtol=1e-12, atol=1e-13)
    exact = A @ SIGMA @ A.T
    np.testing.assert_allclose(res.cov, exact, rtol=1e-11)
    np.testing.assert_allclose(res.std, np.sqrt(np.diag(exact)), rtol=1e-11)
    assert np.all(np.abs(res.cov - exact) <= res.cov_error + 1e-15)
    assert np.all(res.cov_error <= 1e-10 * np.abs(exact).max())
    assert res.success and res.cov.shape == (2, 2) and res.jacobian.shape == (2, 3)


def test_variances_for_independent_inputs_and_a_scalar_x():
    x = np.array([1.0, 2.0, -1.0])
    variances = np.array([0.04, 0.09, 0.25])
    from_vector = slopes.propagate(lambda y: A @ y, x, variances)
    from_matrix = slopes.propagate(lambda y: A @ y, x, np.diag(variances))
    np.testing.assert_allclose(from_vector.cov, from_matrix.cov, rtol=1e-14)
    res = slopes.propagate(np.log, 2.0, 0.01)  # std(log x) ~ std(x) / x
    assert float(res.std) == pytest.approx(0.05, rel=1e-10)
    assert np.ndim(res.cov) == 0


def test_the_bound_covers_the_jacobians_error():
    def f(y):
        return np.array([np.exp(y[0]) * np.sin(y[1]), y[0] * y[2] ** 3])

    x = np.array([0.3, 1.1, -0.8])
    J = np.array(
        [
            [np.exp(x[0]) * np.sin(x[1]), np.exp(x[0]) * np.cos(x[1]), 0.0],
            [x[2] ** 3, 0.0, 3 * x[0] * x[2] ** 2],
        ]
    )
    res = slopes.propagate(f, x, SIGMA)
    exact = J @ SIGMA @ J.T
    assert np.all(np.abs(res.jacobian - J) <= res.jacobian_error + 1e-15)
    assert np.all(
        np.abs(res.cov - exact) <= res.cov_error + 4 * np.finfo(float).eps * np.abs(exact)
    )
    assert np.all(res.cov_error > 0)


def test_monte_carlo_agrees_on_a_near_linear_function():
    def f(y):
        y = np.asarray(y)
        return np.stack([y[..., 0] * y[..., 1], np.sin(y[..., 0]) + y[..., 1] ** 2], axis=-1)

    x = np.array([1.0, 2.0])
    cov = np.array([[1e-4, 0.6e-4 * 0.5], [0.6e-4 * 0.5, 4e-4]])  # std 1 % and 2 %, corr 0.15
    res = slopes.propagate(f, x, cov)
    rng = np.random.default_rng(12345)
    n = 400_000
    samples = f(rng.multivariate_normal(x, cov, size=n))
    sample_cov = np.cov(samples, rowvar=False)
    # standard error of a sample covariance of (near-)Gaussian outputs:
    # sqrt((C_ii C_jj + C_ij^2) / n); 5 of them, plus the delta method's own bias
    # (the curvature over the spread: relative O(std^2) = 4e-4 here; 1e-3 allowed)
    C = res.cov
    standard_error = np.sqrt((np.outer(np.diag(C), np.diag(C)) + C**2) / n)
    margin = 5 * standard_error + 1e-3 * np.sqrt(np.outer(np.diag(C), np.diag(C)))
    assert np.all(np.abs(sample_cov - C) <= margin), (sample_cov, C, margin)
    # and it is vectorized-ready: the same f on stacks gives the same answer
    stacked = slopes.propagate(f, x, cov, vectorized=True)
    np.testing.assert_allclose(stacked.cov, res.cov, rtol=1e-12)


def test_propagate_never_modifies_x_or_cov():
    x = np.array([1.0, 2.0, -1.0])
    sigma = SIGMA.copy()
    slopes.propagate(lambda y: A @ y, x, sigma)
    np.testing.assert_array_equal(x, [1.0, 2.0, -1.0])
    np.testing.assert_array_equal(sigma, SIGMA)


@pytest.mark.parametrize(
    ("cov", "match"),
    [
        (np.eye(2), r"`cov` must have shape \(3, 3\)"),
        (np.full((3, 3), np.nan), "`cov` must be finite"),
        (SIGMA + np.triu(np.full((3, 3), 0.01), 1), "`cov` must be symmetric"),
        (np.diag([1.0, -1.0, 1.0]), "`cov` has a negative variance"),
        (np.array([[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), "positive semi-definite"),
        ("big", "`cov` must be a number or an array of numbers"),
    ],
)
def test_bad_covariances_name_cov(cov, match):
    with pytest.raises(ValueError, match=match):
        slopes.propagate(lambda y: A @ y, np.array([1.0, 2.0, -1.0]), cov)


def test_bad_f_and_x_are_named():
    with pytest.raises(TypeError, match="`f` must be callable"):
        slopes.propagate(None, [1.0], 1.0)
    with pytest.raises(ValueError, match="`x` must be finite"):
        slopes.propagate(np.sin, [np.inf], 1.0)


def test_a_non_finite_covariance_comes_with_a_slopes_warning():
    with pytest.warns(slopes.SlopesWarning, match="covariance is not finite"):
        res = slopes.propagate(lambda y: np.log(y), np.array([-1.0, 1.0]), np.eye(2))
    assert not res.success
