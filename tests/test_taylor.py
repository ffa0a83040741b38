"""taylor: closed-form coefficients to n = 20, errors within estimates, bad input, peer."""

from __future__ import annotations

import math

import numpy as np
import pytest

import slopes

K = np.arange(21)
FACTORIALS = np.array([math.factorial(k) for k in K], dtype=float)

CASES = {
    # name: (f, x, exact a_k for k = 0..20)
    "exp at 0": (np.exp, 0.0, 1.0 / FACTORIALS),
    "exp at 2": (np.exp, 2.0, np.exp(2.0) / FACTORIALS),
    "1/(1-x) at 0.5": (lambda z: 1.0 / (1.0 - z), 0.5, 2.0 ** (K + 1)),
    "sin at 1": (np.sin, 1.0, np.sin(1.0 + K * np.pi / 2) / FACTORIALS),
    "log1p at 0": (np.log1p, 0.0, np.r_[0.0, (-1.0) ** (K[1:] + 1) / K[1:]]),
    "log at 100": (
        np.log,
        100.0,
        np.r_[np.log(100.0), (-1.0) ** (K[1:] + 1) / K[1:] / 100.0 ** K[1:]],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_taylor_matches_closed_forms_to_order_20(name):
    f, x, exact = CASES[name]
    res = slopes.taylor(f, x, 20, full_output=True)
    assert res.value.shape == (21,) and res.value.dtype == np.float64
    # relative to each coefficient, which is never 0 here except log1p's a_0
    scale = np.where(exact != 0, np.abs(exact), 1.0)
    assert np.max(np.abs(res.value - exact) / scale) < 1e-11
    assert np.all(np.abs(res.value - exact) <= res.error + 4 * np.finfo(float).eps * scale)
    assert res.success.all() and (res.status == 0).all()
    assert np.all(res.radius > 0)


def test_taylor_of_a_polynomial_is_its_coefficients():
    coefficients = np.array([3.0, -2.0, 0.5, 4.0])  # 3 - 2x + 0.5x^2 + 4x^3 at x = 0

    def p(z):
        return ((4.0 * z + 0.5) * z - 2.0) * z + 3.0

    np.testing.assert_allclose(slopes.taylor(p, 0.0, 6), np.r_[coefficients, 0, 0, 0], atol=1e-13)


def test_taylor_elementwise_over_an_array_and_at_a_complex_point():
    x = np.array([[0.0, 1.0], [2.0, -1.0]])
    out = slopes.taylor(np.exp, x, 5)
    assert out.shape == (6, 2, 2)
    np.testing.assert_allclose(out, np.exp(x)[None] / FACTORIALS[:6, None, None], rtol=1e-12)
    at_i = slopes.taylor(np.exp, 1j, 5)
    assert np.iscomplexobj(at_i)
    np.testing.assert_allclose(at_i, np.exp(1j) / FACTORIALS[:6], rtol=1e-12)


def test_taylor_vectorized_sends_arrays_and_gives_the_same_coefficients():
    calls = []

    def f(z):
        calls.append(np.shape(z))
        return np.exp(z) * np.cos(z)

    stacked = slopes.taylor(f, 0.3, 12, vectorized=True)
    assert all(len(shape) == 1 and shape[0] >= 1 for shape in calls)
    one_by_one = slopes.taylor(lambda z: np.exp(z) * np.cos(z), 0.3, 12)
    np.testing.assert_allclose(stacked, one_by_one, rtol=1e-13, atol=1e-16)
    calls.clear()
    capped = slopes.taylor(f, 0.3, 12, vectorized=16)
    assert max(shape[0] for shape in calls) <= 16
    np.testing.assert_allclose(capped, stacked, rtol=1e-13, atol=1e-16)


def test_taylor_with_a_map_like_worker():
    np.testing.assert_allclose(
        slopes.taylor(np.sin, 0.5, 8, workers=map), slopes.taylor(np.sin, 0.5, 8), rtol=1e-14
    )


def test_a_function_that_is_not_analytic_is_not_a_success():
    res = slopes.taylor(lambda z: np.abs(z) + 0j, 1.0, 4, full_output=True)  # |z| is not analytic
    assert not res.success.any()
    assert (res.status == -1).all() and "not reliable" in res.message
    res = slopes.taylor(np.sqrt, 0.0, 3, full_output=True)  # a branch point at x
    assert not res.success.any()


def test_math_functions_that_refuse_complex_input_get_a_clear_error():
    with pytest.raises(TypeError, match="`f` must accept complex input"):
        slopes.taylor(math.exp, 0.0, 3)


def test_a_function_that_drops_the_imaginary_part_is_refused():
    with pytest.raises(TypeError, match="`f` drops the imaginary part"):
        slopes.taylor(lambda z: np.real(np.exp(z)), 0.0, 3)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((np.exp, 0.0, -1), ValueError, "`n` must be a non-negative integer"),
        ((np.exp, 0.0, 2.5), ValueError, "`n` must be a non-negative integer"),
        ((np.exp, 0.0, True), ValueError, "`n` must be a non-negative integer"),
        ((np.exp, np.nan, 3), ValueError, "`x` must be finite"),
        ((np.exp, "a", 3), TypeError, "`x` must be numbers"),
        (("exp", 0.0, 3), TypeError, "`f` must be callable"),
        ((lambda z: np.array([z, z]), 0.0, 3), ValueError, "`f` must return one number"),
        ((lambda z: np.nan * z, 0.0, 3), ValueError, "`f` is not finite on any circle"),
    ],
)
def test_taylor_bad_input_names_the_argument(args, error, match):
    with pytest.raises(error, match=match):
        slopes.taylor(*args)


def test_taylor_never_modifies_x():
    x = np.array([0.1, 0.2])
    slopes.taylor(np.exp, x, 3)
    np.testing.assert_array_equal(x, [0.1, 0.2])


def test_taylor_against_numdifftools():
    fornberg = pytest.importorskip("numdifftools.fornberg")
    ours = slopes.taylor(np.exp, 1.0, 10)
    theirs = fornberg.taylor(np.exp, 1.0, n=10)[:11]
    np.testing.assert_allclose(ours, np.real(theirs), rtol=1e-9)
