"""The test functions: values, analytic gradients, minima, vectorization, the registry."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import slopes
from slopes import functions
from slopes.expr import compile_expression

ALL = [functions.get(name) for name in functions.names()]
IDS = [f.name for f in ALL]


def _points(function, n=2, count=7, seed=0):
    """Random points inside the function's plotting window."""
    rng = np.random.default_rng(seed)
    if function.dim == 1:
        ((low, high),) = function.domain
        return rng.uniform(low, high, size=count)
    lows, highs = np.array(function.domain).T
    if function.dim is None and n != 2:
        lows, highs = np.full(n, lows[0]), np.full(n, highs[0])
    return rng.uniform(lows, highs, size=(count, len(lows)))


def _complex_step_gradient(function, x, h=1e-30):
    """An independent gradient: the complex step, exact to rounding for analytic f."""
    x = np.asarray(x, dtype=float)
    if function.dim == 1:
        return np.imag(function(x + 1j * h)) / h
    grad = np.empty_like(x)
    for i in range(x.shape[-1]):
        e = np.zeros(x.shape[-1], dtype=complex)
        e[i] = 1j * h
        grad[..., i] = np.imag(function(x + e)) / h
    return grad


@pytest.mark.parametrize("function", ALL, ids=IDS)
def test_analytic_gradient_matches_the_complex_step(function):
    x = _points(function)
    np.testing.assert_allclose(
        function.grad(x), _complex_step_gradient(function, x), rtol=1e-12, atol=1e-9
    )


@pytest.mark.parametrize("function", [f for f in ALL if f.dim != 1], ids=lambda f: f.name)
def test_analytic_gradient_matches_slopes_gradient(function):
    x = _points(function, count=1)[0]
    numerical = slopes.gradient(function, x, step=1e-6)
    scale = max(1.0, float(np.max(np.abs(function.grad(x)))))
    np.testing.assert_allclose(function.grad(x), numerical, rtol=1e-6, atol=1e-6 * scale)


@pytest.mark.parametrize("function", ALL, ids=IDS)
def test_values_match_the_expression_formula(function):
    # the formula string is compiled by slopes.expr: an independent implementation
    x = _points(function)
    formula = compile_expression(function.expression)
    np.testing.assert_allclose(function(x), formula(x), rtol=1e-13, atol=1e-12)


@pytest.mark.parametrize("function", ALL, ids=IDS)
def test_minima_are_minima(function):
    for minimum in function.minima:
        assert function(minimum.x) == pytest.approx(minimum.f, abs=1e-12)
        np.testing.assert_allclose(function.grad(minimum.x), 0, atol=1e-10)
    # and nothing in a random sample of the window goes below the minimum
    assert np.min(function(_points(function, count=2000))) >= function.minimum - 1e-12


@pytest.mark.parametrize("name", ["sphere", "rosenbrock", "rastrigin", "function_2"])
def test_any_dimension_functions_in_five_dimensions(name):
    function = functions.get(name)
    (minimum,) = function.minima_at(5)
    assert minimum.x.shape == (5,)
    assert function(minimum.x) == pytest.approx(minimum.f, abs=1e-12)
    x = _points(function, n=5)
    np.testing.assert_allclose(
        function.grad(x), _complex_step_gradient(function, x), rtol=1e-12, atol=1e-9
    )


def test_known_values():
    assert functions.function_1(5.0) == pytest.approx(0.75)
    assert functions.function_2([3.0, 4.0]) == 25.0
    assert functions.chapter6([10.0, 2.0]) == pytest.approx(9.0)
    assert functions.rosenbrock([0.0, 0.0]) == 1.0
    assert functions.rosenbrock([0.0, 0.0, 0.0]) == 2.0
    assert functions.beale([0.0, 0.0]) == pytest.approx(1.5**2 + 2.25**2 + 2.625**2)
    assert functions.booth([0.0, 0.0]) == 74.0
    assert functions.goldstein_price([0.0, 0.0]) == 600.0
    assert functions.rastrigin([0.5, 0.5]) == pytest.approx(40.5)
    # the chapter's gradient of x0² + x1² at (3, 4)
    np.testing.assert_array_equal(functions.function_2.grad([3.0, 4.0]), [6.0, 8.0])


@pytest.mark.parametrize("function", ALL, ids=IDS)
def test_vectorized_over_leading_axes(function):
    x = _points(function, count=12).reshape((3, 4, *np.shape(_points(function, count=1))[1:]))
    values, grads = function(x), function.grad(x)
    expected_shape = x.shape if function.dim == 1 else x.shape[:-1]
    assert values.shape == expected_shape and grads.shape == x.shape
    for index in np.ndindex(*expected_shape):
        assert values[index] == pytest.approx(function(x[index]), rel=1e-14)
        np.testing.assert_allclose(grads[index], function.grad(x[index]), rtol=1e-14)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=2, max_size=2), st.sampled_from(IDS[1:]))
def test_inputs_are_never_modified_and_ints_work(point, name):
    function = functions.get(name)
    x = np.array(point)
    before = x.copy()
    function(x)
    function.grad(x)
    np.testing.assert_array_equal(x, before)
    integer = np.round(x).astype(int)
    assert function(integer) == pytest.approx(function(integer.astype(float)))


def test_wrong_coordinate_count_is_refused():
    with pytest.raises(
        ValueError, match=r"`x` must have 2 coordinates .* for beale, got shape \(3,\)"
    ):
        functions.beale([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"at least 2 coordinates .* rosenbrock"):
        functions.rosenbrock([1.0])
    with pytest.raises(ValueError, match="coordinates on its last axis for booth"):
        functions.booth(1.0)
    with pytest.raises(TypeError, match="`x` must be numeric"):
        functions.booth(["a", "b"])
    with pytest.raises(ValueError, match="`n` must be 2 for beale"):
        functions.beale.minima_at(3)
    with pytest.raises(ValueError, match="`n` must be at least 2 for rosenbrock"):
        functions.rosenbrock.minima_at(1)


def test_registry_names_and_suggestions():
    assert {
        "function_1",
        "function_2",
        "chapter6",
        "rosenbrock",
        "beale",
        "himmelblau",
        "booth",
        "rastrigin",
        "matyas",
        "three_hump_camel",
        "goldstein_price",
        "sphere",
    } <= set(functions.names())
    assert functions.get("Three-Hump-Camel") is functions.three_hump_camel
    with pytest.raises(ValueError, match="unknown function 'rosenbrok'; did you mean 'rosenbrock'"):
        functions.get("rosenbrok")
    with pytest.raises(ValueError, match=r"unknown function 'zzz' \(see"):
        functions.get("zzz")
    with pytest.raises(TypeError, match="`name` must be a str"):
        functions.get(3)  # type: ignore[arg-type]


def test_repr_and_windows():
    assert repr(functions.beale).startswith("TestFunction('beale', dim=2, f='(1.5 - x0")
    assert "dim=any>=2" in repr(functions.rosenbrock)
    for function in ALL:
        for low, high in function.domain:
            assert low < high
        # every known minimiser lies inside the plotting window
        for minimum in function.minima:
            for coordinate, (low, high) in zip(np.atleast_1d(minimum.x), function.domain):
                assert low <= coordinate <= high or function.name == "function_1"


def test_pickles_by_name():
    import pickle

    for function in ALL:
        assert pickle.loads(pickle.dumps(function)) is function
