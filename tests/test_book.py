"""slopes.book reproduces the chapter's printed numbers, without the chapter's bugs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from slopes.book import (
    function_1,
    function_2,
    gradient_descent,
    numerical_diff,
    numerical_gradient,
    tangent_line,
)


def test_numerical_diff_prints_the_chapters_digits():
    assert numerical_diff(function_1, 5) == 0.1999999999990898
    assert numerical_diff(function_1, 10) == 0.2999999999986347


def test_partial_derivatives_at_3_4():
    def function_tmp1(x0):
        return x0 * x0 + 4.0**2.0

    def function_tmp2(x1):
        return 3.0**2.0 + x1 * x1

    assert numerical_diff(function_tmp1, 3.0) == 6.00000000000378
    assert numerical_diff(function_tmp2, 4.0) == 7.999999999999119


@pytest.mark.parametrize(
    ("point", "expected"),
    [([3.0, 4.0], [6.0, 8.0]), ([0.0, 2.0], [0.0, 4.0]), ([3.0, 0.0], [6.0, 0.0])],
)
def test_numerical_gradient_of_function_2(point, expected):
    got = numerical_gradient(function_2, np.array(point))
    np.testing.assert_allclose(got, expected, rtol=1e-11, atol=1e-11)


def test_numerical_gradient_matches_the_partials_bit_for_bit():
    got = numerical_gradient(function_2, np.array([3.0, 4.0]))
    assert got[0] == 6.00000000000378 and got[1] == 7.999999999999119


def test_integer_input_is_promoted_not_truncated():
    # the chapter's code gives [25000, 35000] here
    got = numerical_gradient(function_2, np.array([3, 4]))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [6.00000000000378, 7.999999999999119])
    np.testing.assert_array_equal(numerical_gradient(function_2, [3, 4]), got)


def test_chapter_descent_lr_0_1():
    x, history = gradient_descent(function_2, np.array([-3.0, 4.0]), lr=0.1, step_num=100)
    np.testing.assert_allclose(x, [-6.11110793e-10, 8.14814391e-10], rtol=1e-8)
    assert history.shape == (100, 2)
    np.testing.assert_array_equal(history[0], [-3.0, 4.0])
    # each history entry is the point before a step: x_k = 0.8**k * (-3, 4)
    k = np.arange(100)[:, None]
    np.testing.assert_allclose(history, 0.8**k * np.array([-3.0, 4.0]), rtol=1e-9)


def test_chapter_descent_lr_too_large_and_too_small():
    x, _ = gradient_descent(function_2, np.array([-3.0, 4.0]), lr=10.0, step_num=100)
    np.testing.assert_allclose(x, [-2.58983747e13, -1.29524862e12], rtol=1e-8)
    x, _ = gradient_descent(function_2, np.array([-3.0, 4.0]), lr=1e-10, step_num=100)
    np.testing.assert_allclose(x, [-2.99999994, 3.99999992], rtol=1e-8)


def test_init_x_is_unchanged():
    init_x = np.array([-3.0, 4.0])
    x, history = gradient_descent(function_2, init_x, lr=0.1, step_num=10)
    np.testing.assert_array_equal(init_x, [-3.0, 4.0])
    assert not np.shares_memory(x, init_x) and not np.shares_memory(history, init_x)


def test_integer_init_x_descends():
    x, _ = gradient_descent(function_2, np.array([-3, 4]), lr=0.1, step_num=20)
    np.testing.assert_allclose(x, 0.8**20 * np.array([-3.0, 4.0]), rtol=1e-9)


def test_two_dimensional_parameter_matrix():
    W0 = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    target = np.arange(6.0).reshape(2, 3)

    def loss(w):
        return 0.5 * np.sum((w - target) ** 2)

    np.testing.assert_allclose(numerical_gradient(loss, W0), W0 - target, atol=1e-9)
    W, history = gradient_descent(loss, W0, lr=0.5, step_num=30)
    assert history.shape == (30, 2, 3)
    np.testing.assert_allclose(W, target + 0.5**30 * (W0 - target), atol=1e-9)


def test_chapter_idiom_f_ignoring_its_argument_still_works():
    # the chapter computes the gradient of a network's loss with f = lambda w: net.loss(...)
    # and numerical_gradient(f, net.W): f reads net.W, which is nudged in place.
    class Net:
        def __init__(self):
            self.W = np.array([[0.5, -1.0], [2.0, 0.25]])

        def loss(self):
            return float(np.sum(self.W**3))

    net = Net()
    before = net.W.copy()
    grad = numerical_gradient(lambda w: net.loss(), net.W)
    np.testing.assert_allclose(grad, 3 * before**2, rtol=1e-7)
    np.testing.assert_array_equal(net.W, before)  # restored exactly


def test_x_restored_even_when_f_raises():
    x = np.array([1.0, 2.0])
    calls = []

    def f(v):
        calls.append(v.copy())
        if len(calls) == 2:
            raise RuntimeError("boom")
        return float(np.sum(v))

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 5), elements=st.floats(-100, 100)))
def test_numerical_gradient_is_accurate_and_leaves_x_alone(x):
    before = x.copy()
    got = numerical_gradient(lambda v: np.sum(v**2) + np.sum(v), x)
    np.testing.assert_allclose(got, 2 * before + 1, atol=1e-5)
    np.testing.assert_array_equal(x, before)


def test_tangent_line():
    tangent = tangent_line(function_1, 5)
    assert tangent(5) == pytest.approx(function_1(5), rel=1e-14)
    d = 0.1999999999990898
    assert tangent(7) == d * 7 + (0.75 - d * 5)


def test_function_2_on_a_grid():
    X, Y = np.meshgrid(np.arange(-2.0, 2.5), np.arange(-1.0, 1.5))
    np.testing.assert_array_equal(function_2(np.array([X, Y])), X**2 + Y**2)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: numerical_diff(3, 1.0), TypeError, "`f` must be callable, got int"),
        (lambda: numerical_gradient(None, [1.0]), TypeError, "`f` must be callable"),
        (lambda: numerical_gradient(function_2, ["a", "b"]), TypeError, "`x` must be numeric"),
        (
            lambda: numerical_gradient(lambda v: v * 2, np.ones(3)),
            ValueError,
            r"`f` must return a scalar, got an array of shape \(3,\)",
        ),
        (lambda: gradient_descent(function_2, [1.0, 2.0], lr=0), ValueError, "`lr` must be pos"),
        (
            lambda: gradient_descent(function_2, [1.0, 2.0], lr=float("nan")),
            ValueError,
            "`lr` must be a finite number",
        ),
        (
            lambda: gradient_descent(function_2, [1.0, 2.0], step_num=-1),
            ValueError,
            "`step_num` must be a non-negative integer",
        ),
        (
            lambda: gradient_descent(function_2, [np.nan, 2.0]),
            ValueError,
            "`init_x` must be finite",
        ),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
