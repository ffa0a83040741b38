"""The benchmark's ground truth is itself tested.

Every error in ``benchmarks/results`` is measured against the closed forms in
``benchmarks/_cases.py``. Here each closed form is checked against an independent,
near machine-precision evaluation that uses no finite-difference step at all:

- scalar derivatives of order 1-3 by Cauchy's integral formula on a circle in the
  complex plane (the trapezoid rule converges geometrically for analytic f);
- gradients by the complex step, Im f(x + i h e_k) / h, which has no subtraction
  and so no cancellation;
- the Rosenbrock Hessian by the complex step applied to the closed-form gradient.

numpy only: scipy and numdifftools are benchmark-only dependencies.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import _cases


def cauchy_derivative(f, x: float, k: int, radius: float, points: int = 128) -> float:
    """f^(k)(x) = k! / (2 pi i) * contour integral of f(z) / (z - x)^(k+1) dz."""
    roots = np.exp(2j * np.pi * np.arange(points) / points)
    values = f(x + radius * roots)
    coefficient = np.mean(values * roots ** (-k)) / radius**k  # the Taylor coefficient
    return float(math.factorial(k) * coefficient.real)


def complex_step_gradient(f, x: np.ndarray) -> np.ndarray:
    h = 1e-200
    basis = np.eye(x.size)
    return np.array([f(x + 1j * h * e).imag / h for e in basis])


@pytest.mark.parametrize("case", _cases.SCALAR_CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_scalar_closed_forms_match_cauchy_integral(case, n):
    exact = case.exact(n)
    independent = cauchy_derivative(case.f, case.x, n, case.radius)
    scale = max(abs(exact), abs(case.derivatives[0](case.x)) * 1e-3)
    assert abs(exact - independent) <= 1e-10 * scale + 1e-14, (exact, independent)


def test_scalar_table_is_the_issue_table():
    names = [case.name for case in _cases.SCALAR_CASES]
    assert len(names) == len(set(names)) == 8
    # the textbook's printed values pin the quadratic's first derivative
    quadratic = [c for c in _cases.SCALAR_CASES if c.name.startswith("0.01x²")]
    assert [c.exact(1) for c in quadratic] == pytest.approx([0.2, 0.3], rel=1e-15)
    # the case that defeats fixed absolute steps: d/dx log at 1e20 is 1e-20, not 0
    log_big = next(c for c in _cases.SCALAR_CASES if c.name == "log at 1e20")
    assert log_big.exact(1) == pytest.approx(1e-20, rel=1e-15)


@pytest.mark.parametrize("n", [1, 7, 50])
def test_gradient_closed_form_and_calling_conventions(n):
    x = _cases.gradient_point(n)
    assert x.shape == (n,)
    np.testing.assert_allclose(
        _cases.sum_sq_sin_grad(x), complex_step_gradient(_cases.sum_sq_sin, x), rtol=1e-14
    )
    batch = np.stack([x, -x, 2 * x])
    expected = [_cases.sum_sq_sin(row) for row in batch]
    np.testing.assert_allclose(_cases.sum_sq_sin_leading(batch), expected, rtol=1e-14)
    np.testing.assert_allclose(_cases.sum_sq_sin_trailing(batch.T), expected, rtol=1e-14)


def test_gradient_point_is_reproducible():
    np.testing.assert_array_equal(_cases.gradient_point(100), _cases.gradient_point(100))
    assert not np.array_equal(_cases.gradient_point(10), _cases.gradient_point(100)[:10])


@pytest.mark.parametrize("n", _cases.HESSIAN_SIZES)
def test_rosenbrock_closed_forms(n):
    x = _cases.hessian_point(n)
    grad = _cases.rosenbrock_grad(x)
    np.testing.assert_allclose(grad, complex_step_gradient(_cases.rosenbrock, x), rtol=1e-13)
    hess = _cases.rosenbrock_hess(x)
    by_complex_step = np.array(
        [complex_step_gradient(lambda z, i=i: _cases.rosenbrock_grad(z)[i], x) for i in range(n)]
    )
    np.testing.assert_allclose(hess, by_complex_step, rtol=1e-13, atol=1e-12)
    np.testing.assert_array_equal(hess, hess.T)
    # the minimum (1, ..., 1) has zero gradient and the textbook Hessian there
    ones = np.ones(n)
    assert _cases.rosenbrock(ones) == 0.0
    np.testing.assert_array_equal(_cases.rosenbrock_grad(ones), np.zeros(n))
    assert _cases.rosenbrock_hess(ones)[0, 0] == 802.0


def test_rosenbrock_batch_conventions_agree():
    rng = np.random.default_rng(0)
    batch = rng.uniform(-1, 1, (4, 6))
    expected = [_cases.rosenbrock(row) for row in batch]
    np.testing.assert_allclose(_cases.rosenbrock_leading(batch), expected, rtol=1e-14)
    np.testing.assert_allclose(_cases.rosenbrock(batch.T), expected, rtol=1e-14)
    gradients = _cases.rosenbrock_grad(batch.T).T
    np.testing.assert_allclose(
        gradients, [_cases.rosenbrock_grad(row) for row in batch], rtol=1e-14
    )
