"""Finite-difference weights: known stencils, exactness on polynomials, accuracy order."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slopes._stencils import family, fd_weights, stencil, stencil_order_error


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
    np.testing.assert_array_equal(offsets, [-4, -3, -2, -1, 1, 2, 3, 4])
    for row, order in zip(weights, orders):
        level_offsets, level_weights = stencil("central", 1, order)
        picked = {float(o): w for o, w in zip(offsets, row) if w != 0}
        assert picked == dict(zip(level_offsets.tolist(), level_weights.tolist()))
    _, _, one_sided = family("forward", 1, 1, 3)
    assert one_sided == (1, 2, 3)


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
