"""Finite-difference weights: known stencils, exactness on polynomials, accuracy order."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import slopes
from slopes.differentiate._engine.stencils import family, fd_weights, stencil, stencil_order_error


def test_textbook_and_classic_weights():
    assert fd_weights((-1, 0, 1), 1) == (Fraction(-1, 2), 0, Fraction(1, 2))
    assert fd_weights((-1, 0, 1), 2) == (1, -2, 1)
    assert fd_weights((-2, -1, 0, 1, 2), 1) == (
        Fraction(1, 12),
        Fraction(-2, 3),
        0,
        Fraction(2, 3),
        Fraction(-1, 12),
    )
    assert fd_weights((0, 1, 2), 1) == (Fraction(-3, 2), 2, Fraction(-1, 2))
    assert fd_weights((-2, -1, 0, 1, 2), 4) == (1, -4, 6, -4, 1)


def test_stencil_drops_zero_weights_and_is_read_only():
    offsets, weights = stencil("central", 1, 2)
    np.testing.assert_array_equal(offsets, [-1.0, 1.0])
    np.testing.assert_array_equal(weights, [-0.5, 0.5])
    with pytest.raises(ValueError):
        weights[0] = 1.0
    assert stencil("central", 1, 2) is stencil("central", 1, 2)  # cached


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_accuracy_order_is_the_error_exponent(method, n):
    order = 2 if method == "central" else 1
    offsets, weights = stencil(method, n, order)
    x0 = 0.3

    def estimate(h):
        return np.dot(weights, np.exp(x0 + offsets * h)) / h**n

    h = 0.02 if n < 3 else 0.05
    e1, e2 = abs(estimate(h) - math.exp(x0)), abs(estimate(h / 2) - math.exp(x0))
    assert math.log2(e1 / e2) == pytest.approx(order, abs=0.25)


@settings(max_examples=40, deadline=None)
@given(
    method=st.sampled_from(["central", "forward", "backward"]),
    n=st.integers(1, 4),
    extra=st.integers(0, 3),
    coefficients=st.lists(st.integers(-9, 9), min_size=12, max_size=12),
)
def test_exact_on_polynomials_of_the_stencils_degree(method, n, extra, coefficients):
    order = (2 + 2 * extra) if method == "central" else 1 + extra
    offsets, _ = stencil(method, n, order)
    exact_offsets = tuple(int(o) for o in offsets)
    if method == "central" and n % 2:  # the zero-weight centre still counts for the degree
        exact_offsets = tuple(sorted({*exact_offsets, 0}))
    weights = fd_weights(exact_offsets, n)
    degree = len(exact_offsets) - 1
    poly = coefficients[: degree + 1]  # p(t) = sum c_k t^k, exact in rationals
    value = sum(
        w * sum(c * Fraction(o) ** k for k, c in enumerate(poly))
        for o, w in zip(exact_offsets, weights)
    )
    expected = poly[n] * math.factorial(n) if n < len(poly) else 0
    assert value == expected


def test_family_levels_are_the_nested_stencils():
    offsets, weights, orders = family("central", 1, 2, 4)
    assert orders == (2, 4, 6, 8)
    # the widest points, used by the top level only, sit ALIAS_SHIFT further out
    np.testing.assert_array_equal(offsets, [-4.293, -3, -2, -1, 1, 2, 3, 4.293])
    for row, order in zip(weights[:-1], orders[:-1]):
        level_offsets, level_weights = stencil("central", 1, order)
        picked = {float(o): w for o, w in zip(offsets, row) if w != 0}
        assert picked == dict(zip(level_offsets.tolist(), level_weights.tolist()))
    _, _, one_sided = family("forward", 1, 1, 3)
    assert one_sided == (1, 2, 3)


@pytest.mark.parametrize(
    ("method", "n", "order", "levels"),
    [
        ("central", 1, 2, 4),
        ("central", 2, 2, 4),
        ("central", 1, 2, 3),
        ("forward", 3, 2, 4),
        ("backward", 6, 2, 4),
    ],
)
def test_family_top_level_is_exact_on_its_degree(method, n, order, levels):
    # the shifted top level keeps its accuracy order: exact (to rounding) on
    # every monomial below degree n + order, and the error term shows at that degree
    offsets, weights, orders = family(method, n, order, levels)
    top = weights[-1]
    degree = n + orders[-1] - 1
    for k in range(degree + 1):
        value = float(np.sum(top * offsets.astype(float) ** k))
        expected = math.factorial(n) if k == n else 0.0
        scale = float(np.sum(np.abs(top) * np.abs(offsets) ** k))
        assert abs(value - expected) <= 1e-12 * scale, k
    leading = float(np.sum(top * offsets ** (degree + 1)))
    assert abs(leading) > 1e-6 * float(np.sum(np.abs(top) * np.abs(offsets) ** (degree + 1)))


def test_family_breaks_whole_period_aliasing():
    # sin(1000 x) at -2.9348694766740593: the first step 0.044 spans 14.01 pi
    # radians, so the samples at whole multiples of h look smooth; the shifted
    # point (4.293 h) does not, and the table is not asymptotic (issue 11 item 9)
    x = -2.9348694766740593
    res = slopes.derivative(lambda t: np.sin(1000 * t), x, full_output=True)
    assert not res.success
    res = slopes.derivative(lambda t: np.sin(1000 * t), 1.66804436169049, full_output=True)
    assert not res.success
    # a step of 9.975 periods: with a shift of 0.3 h the widest point (4.3 h) was a
    # whole 43 periods out too, and 0.58 +- 4e-10 came out for 91478, a success
    res = slopes.derivative(lambda t: np.sin(1573 * t), 2.65625, n=2, full_output=True)
    assert not res.success


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("central", 1, 3), "`order` must be even for the central method"),
        (("upwind", 1, 2), "`method` must be one of"),
        (("complex", 2, 2), "complex-step method gives n=1, order=2 only"),
        (("central", 0, 2), "`n` must be a positive integer"),
        (("forward", 1, 0), "`order` must be a positive integer"),
    ],
)
def test_impossible_stencils_are_named(args, message):
    assert message in stencil_order_error(*args)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        stencil(*args)
