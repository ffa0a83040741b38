"""tolerances={"atol", "rtol"} and maxiter: scipy's stopping controls."""

import itertools

import numpy as np
import pytest

import slopes
from slopes.differentiate import DiffResult

X = np.array([0.5, 1.0, 7.0, 1e-9, 30.0])


def _counting(fun):
    calls = [0]

    def f(t):
        calls[0] += 1
        return fun(t)

    return f, calls


def test_defaults_are_todays_engine():
    plain = slopes.derivative(np.exp, X, full_output=True)
    same = slopes.derivative(np.exp, X, maxiter=6, full_output=True)
    np.testing.assert_array_equal(plain.value, same.value)
    np.testing.assert_array_equal(plain.nfev, same.nfev)


def test_loose_tolerance_stops_early_and_is_met():
    res = slopes.derivative(np.exp, X, tolerances={"rtol": 1e-3}, full_output=True)
    default = slopes.derivative(np.exp, X, full_output=True)
    assert np.all(res.nfev <= default.nfev)
    assert res.success.all()
    assert np.all(res.error <= 1e-3 * np.abs(res.value))
    truth = np.exp(X)
    assert np.all(np.abs(res.value - truth) <= 2 * res.error + 1e-15)


def test_tighter_tolerance_never_gives_a_larger_error():
    funcs = [(np.exp, np.exp), (np.sin, np.cos), (np.log1p, lambda t: 1 / (1 + t))]
    x = np.array([0.3, 1.0, 4.0, 1e-7])
    for fun, slope in funcs:
        errors = []
        for rtol in (1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12):
            res = slopes.derivative(fun, x, tolerances={"rtol": rtol}, full_output=True)
            errors.append(res.error)
            good = res.success
            assert np.all(res.error[good] <= rtol * np.abs(res.value[good]))
            truth = slope(x)
            assert np.all(np.abs(res.value - truth) <= 2 * res.error + 1e-15)
        for looser, tighter in itertools.pairwise(errors):
            assert np.all(tighter <= looser)


def test_atol_only():
    res = slopes.derivative(np.sin, 0.0, tolerances={"atol": 1e-4}, full_output=True)
    assert res.success and res.error <= 1e-4 and abs(res.value - 1.0) <= 1e-4


def test_unreachable_tolerance_is_no_success():
    # the central difference cannot beat ~eps relative: rtol = 0, atol = 0 asks too much
    res = slopes.derivative(np.exp, 1.0, tolerances={"rtol": 0.0, "atol": 0.0}, full_output=True)
    assert not res.success and res.status == DiffResult.IMPRECISE
    assert abs(res.value - np.e) < 1e-10  # the engine's best is still given


@pytest.mark.parametrize("maxiter", [1, 2, 3])
def test_maxiter_bounds_the_evaluations(maxiter):
    # at x = 1e-9 the first step is tiny and the engine needs several trials;
    # each trial is 8 points, and a success at a step above 1 gets one more
    f, calls = _counting(np.exp)
    res = slopes.derivative(f, 1e-9, maxiter=maxiter, full_output=True)
    assert calls[0] == res.nfev <= 8 * maxiter
    g, gcalls = _counting(lambda x: np.sum(np.exp(x)))
    res = slopes.gradient(g, np.full(3, 1e-9), maxiter=maxiter, full_output=True)
    # six points per coordinate and trial, f(x) once
    assert gcalls[0] == res.nfev <= 6 * 3 * maxiter + 1


def test_gradient_tolerance():
    x = np.array([0.5, 2.0, -1.0])
    res = slopes.gradient(
        lambda x: np.sum(np.exp(x)), x, tolerances={"rtol": 1e-5}, full_output=True
    )
    assert res.success.all() and np.all(res.error <= 1e-5 * np.abs(res.value))
    assert np.all(np.abs(res.value - np.exp(x)) <= 2 * res.error)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"tolerances": {"tol": 1e-3}}, ValueError, r"`tolerances` takes the keys"),
        ({"tolerances": 1e-3}, TypeError, r"`tolerances` must be a dict"),
        ({"tolerances": {"rtol": -1.0}}, ValueError, r"`tolerances\['rtol'\]` must be >= 0"),
        ({"tolerances": {"atol": np.nan}}, ValueError, r"`tolerances\['atol'\]` must be >= 0"),
        ({"tolerances": {"atol": "1"}}, TypeError, r"`tolerances\['atol'\]` must be a number"),
        ({"maxiter": 0}, ValueError, r"`maxiter` must be >= 1"),
        ({"maxiter": 2.5}, TypeError, r"`maxiter` must be an int"),
        ({"maxiter": True}, TypeError, r"`maxiter` must be an int"),
    ],
)
def test_bad_control(kwargs, error, match):
    with pytest.raises(error, match=match):
        slopes.derivative(np.exp, 1.0, **kwargs)
    with pytest.raises(error, match=match):
        slopes.gradient(lambda x: np.sum(x**2), np.ones(2), **kwargs)
