"""One numerical-gradient path: named step rules, shared by gradient, minimize and fit;
and an unambiguous ``vectorized`` (booleans, or at least 2 points per call)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import slopes
from slopes import book
from slopes._util.pytree import tree_map
from slopes.differentiate._engine.gradient_steps import (
    STEP_RULES,
    TEXTBOOK_STEP,
    check_gradient_step,
    step_sizes,
)
from slopes.differentiate._numerical_gradient import numerical_gradient
from slopes.training import fit


def quartic(x):
    """A function whose central differences carry a visible h**2 error (f''' != 0)."""
    return float(np.sum(x**4) + x[0] * x[1] ** 2)


X0 = np.array([1.5, -2.0, 0.25])
RULES = ["adaptive", "textbook", "cube-root", 1e-3]


# ----------------------------------------------------------------- the step rules


def test_rules_are_the_documented_formulas():
    x = np.array([0.0, 0.5, -3.0, 1e6])
    np.testing.assert_array_equal(step_sizes("textbook", x), np.full(4, 1e-4))
    assert TEXTBOOK_STEP == 1e-4
    # eps**(1/3) * max(1, |x|): 6.055e-6 at |x| <= 1 in float64
    expected = np.finfo(np.float64).eps ** (1 / 3) * np.array([1.0, 1.0, 3.0, 1e6])
    np.testing.assert_allclose(step_sizes("cube-root", x), expected, rtol=1e-15)
    assert step_sizes("adaptive", x) is None
    np.testing.assert_array_equal(step_sizes(0.5, x), np.full(4, 0.5))
    assert set(STEP_RULES) == {"adaptive", "textbook", "cube-root"}


def test_cube_root_uses_the_precision_of_x():
    x32 = np.array([0.5, -8.0], dtype=np.float32)
    h = step_sizes("cube-root", x32)
    assert h.dtype == np.float32
    # float32: eps**(1/3) = 4.9e-3, 800 times float64's
    expected = np.finfo(np.float32).eps ** (1 / 3) * np.array([1.0, 8.0])
    np.testing.assert_allclose(h, expected, rtol=1e-6)
    assert step_sizes("textbook", x32).dtype == np.float32


@pytest.mark.parametrize("bad", ["cube root", "Textbook", "", 0, -1e-4, np.nan, np.inf, True, None])
def test_a_bad_rule_is_named(bad):
    with pytest.raises(ValueError, match="`gradient_step` must be a positive number or a step"):
        check_gradient_step(bad)
    with pytest.raises(ValueError, match="`gradient_step` must be a positive number or a step"):
        slopes.minimize(quartic, X0, gradient_step=bad, steps=1)


def test_gradient_takes_the_rules_by_name():
    for rule in ("textbook", "cube-root"):
        by_name = slopes.gradient(quartic, X0, step=rule, full_output=True)
        by_value = slopes.gradient(quartic, X0, step=step_sizes(rule, X0), full_output=True)
        np.testing.assert_array_equal(by_name.value, by_value.value)
        np.testing.assert_array_equal(by_name.step, step_sizes(rule, X0))
        assert by_name.nfev == 2 * X0.size
    adaptive = slopes.gradient(quartic, X0, step="adaptive", full_output=True)
    default = slopes.gradient(quartic, X0, full_output=True)
    np.testing.assert_array_equal(adaptive.value, default.value)
    assert adaptive.nfev == default.nfev
    with pytest.raises(TypeError, match=r"`step` must be a positive number or array, or a step"):
        slopes.gradient(quartic, X0, step="tiny")


def test_textbook_rule_gives_the_chapters_numbers():
    # the chapter: numerical_diff(function_1, 5) = 0.1999999999990898 (printed),
    # numerical_gradient(function_2, [3, 4]) = [6. 8.]
    d = slopes.derivative(lambda x: 0.01 * x**2 + 0.1 * x, 5.0, step="textbook")
    assert d == 0.1999999999990898
    g = slopes.gradient(book.function_2, np.array([3.0, 4.0]), step="textbook")
    # the chapter's own loop, an independent implementation of the same stencil; both
    # round (f(x+h) - f(x-h)) / 2h, at most a few eps * |f| / h = 3e-11 apart
    np.testing.assert_allclose(g, book.numerical_gradient(book.function_2, [3.0, 4.0]), atol=1e-10)
    np.testing.assert_allclose(g, [6.0, 8.0], atol=1e-6)  # h**2 error: 0 for a quadratic


# ------------------------------------------- the three callers, one shared function


@pytest.mark.parametrize("rule", RULES)
def test_gradient_is_the_shared_function(rule):
    shared = numerical_gradient(quartic, X0, rule)
    res = slopes.gradient(quartic, X0, step=None if rule == "adaptive" else rule, full_output=True)
    np.testing.assert_array_equal(shared.value, res.value)  # the same computation, twice
    assert shared.nfev == res.nfev


@pytest.mark.parametrize("rule", RULES)
def test_minimize_takes_its_gradient_from_the_shared_function(rule):
    seen = []
    res = slopes.minimize(
        quartic,
        X0,
        gradient_step=rule,
        lr=1e-3,
        steps=2,
        tol=0,
        ftol=0,
        callback=lambda k, state: seen.append((state.x.copy(), state.grad.copy())),
    )
    nfev = 0
    for x, grad in seen:
        shared = numerical_gradient(quartic, x, rule)
        np.testing.assert_array_equal(grad, shared.value)
        nfev += 1 + shared.nfev  # f at the iterate, then the gradient's points
    assert res.nfev == nfev


def test_minimize_default_rule_is_cube_root_and_pytrees_share_it():
    seen = []
    slopes.minimize(quartic, X0, steps=0, callback=lambda k, s: seen.append(s.grad.copy()))
    np.testing.assert_array_equal(seen[0], slopes.gradient(quartic, X0, step="cube-root"))
    assert not np.array_equal(seen[0], slopes.gradient(quartic, X0, step="textbook"))

    def tree_f(p):
        return quartic(np.concatenate([p["a"], [p["b"]]]))

    tree = {"a": X0[:2], "b": X0[2]}
    res = slopes.minimize(tree_f, tree, steps=0)
    np.testing.assert_array_equal(res.grad["a"], seen[0][:2])
    assert float(res.grad["b"]) == seen[0][2]
    assert res.nfev == 1 + 2 * X0.size


def one_sample_problem():
    # one sample, batch_size 1: the minibatch is the data set, whatever the shuffle
    X, y = np.array([[0.5, -1.0]]), np.array([2.0])

    def loss(params, X, y):  # also for a stack of parameter sets (vectorized=True)
        w, b = np.asarray(params["w"]), np.asarray(params["b"])
        r = w @ X[0] + b - y[0]
        return r**2 + np.sum(w**4, axis=-1)

    return loss, {"w": np.array([0.3, -0.7]), "b": 0.2}, X, y


def recording_sgd(lr, seen):
    def init(params):
        return None

    def update(grads, state, params):
        seen.append(grads)
        return tree_map(lambda g: -lr * g, grads), state

    return slopes.optim.Optimizer(init, update)


@pytest.mark.parametrize("rule", RULES)
def test_fit_takes_its_gradient_from_the_shared_function(rule):
    loss, params, X, y = one_sample_problem()
    seen = []
    kept = []
    res = fit(
        loss,
        params,
        X,
        y,
        optimizer=recording_sgd(0.01, seen),
        batch_size=1,
        epochs=3,
        gradient_step=rule,
        callbacks=lambda info: kept.append(info.params),
        progress=False,
        metrics=[],
    )
    points = [params, *kept[:-1]]  # the parameters each gradient was taken at
    nfev = 1  # fit's check of `loss` before the run
    for at, grads in zip(points, seen):
        shared = numerical_gradient(lambda p: loss(p, X, y), at, rule)
        np.testing.assert_array_equal(grads["w"], shared.value["w"])
        assert float(grads["b"]) == float(shared.value["b"])
        nfev += 1 + shared.nfev  # the step's loss, then the gradient's points
    assert len(seen) == res.nit == 3
    assert res.nfev == nfev


def test_fit_default_rule_is_the_textbook_step():
    loss, params, X, y = one_sample_problem()
    common = dict(optimizer=slopes.optim.sgd(lr=0.01), batch_size=1, progress=False, metrics=[])
    default = fit(loss, params, X, y, **common)
    textbook = fit(loss, params, X, y, gradient_step=1e-4, **common)
    cube = fit(loss, params, X, y, gradient_step="cube-root", **common)
    np.testing.assert_array_equal(default.params["w"], textbook.params["w"])
    assert not np.array_equal(default.params["w"], cube.params["w"])


def test_fit_step_is_a_deprecated_alias_of_gradient_step():
    loss, params, X, y = one_sample_problem()
    common = dict(optimizer=slopes.optim.sgd(lr=0.01), batch_size=1, progress=False, metrics=[])
    with pytest.warns(DeprecationWarning, match="pass gradient_step=0.001 instead"):
        old = fit(loss, params, X, y, step=1e-3, **common)
    new = fit(loss, params, X, y, gradient_step=1e-3, **common)
    np.testing.assert_array_equal(old.params["w"], new.params["w"])
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="both given"):
        fit(loss, params, X, y, step=1e-3, gradient_step="adaptive", **common)
    with pytest.raises(ValueError, match="`gradient_step` must be a positive number or a step"):
        fit(loss, params, X, y, gradient_step="chapter", **common)
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="`step` must be a"):
        fit(loss, params, X, y, step=0.0, **common)


# ------------------------------------------------------------------- vectorized


def stacked_sum_sq(X):
    return np.sum(np.asarray(X) ** 2, axis=-1)


@pytest.mark.parametrize("bad", ["yes", 2.5, None, [True]])
def test_vectorized_of_a_wrong_type_is_named(bad):
    message = "`vectorized` must be True, False or the most points per call of f"
    x = np.ones(2)
    calls = [
        lambda: slopes.gradient(stacked_sum_sq, x, vectorized=bad),
        lambda: slopes.derivative(np.sin, 1.0, vectorized=bad),
        lambda: slopes.jacobian(np.sin, x, vectorized=bad),
        lambda: slopes.hessian(stacked_sum_sq, x, vectorized=bad),
        lambda: slopes.check_grad(stacked_sum_sq, lambda v: 2 * v, x, vectorized=bad),
        lambda: slopes.jvp(np.sin, x, x, vectorized=bad),
        lambda: slopes.hvp(stacked_sum_sq, x, x, vectorized=bad),
        lambda: slopes.hessdiag(stacked_sum_sq, x, vectorized=bad),
        lambda: slopes.taylor(np.exp, 0.0, 3, vectorized=bad),
        lambda: slopes.propagate(np.sin, x, np.eye(2), vectorized=bad),
    ]
    for call in calls:
        with pytest.raises(TypeError, match=message):
            call()
    loss, params, X, y = one_sample_problem()
    with pytest.raises(TypeError, match=message):
        fit(loss, params, X, y, optimizer=slopes.optim.sgd(lr=0.1), batch_size=1, vectorized=bad)


@pytest.mark.parametrize("bad", [0, -3, np.int64(0)])
def test_vectorized_below_one_point_is_refused(bad):
    with pytest.raises(ValueError, match="`vectorized` as a number of points per call must be"):
        slopes.gradient(stacked_sum_sq, np.ones(2), vectorized=bad)
    with pytest.raises(ValueError, match="`vectorized` as a number of points per call must be"):
        slopes.taylor(np.exp, 0.0, 3, vectorized=bad)


def call_sizes(vectorized, call):
    sizes = []

    def f(X):
        sizes.append(np.shape(X)[0])
        return np.sum(np.asarray(X) ** 2, axis=-1) if np.ndim(X) > 1 else np.exp(X)

    value = call(f, vectorized)
    return value, sizes


def test_numpy_booleans_act_as_python_booleans():
    # before: np.True_ failed `vectorized is True` in taylor, went the int way and
    # raised TypeError ('numpy.bool' object cannot be interpreted as an integer)
    for call in (
        lambda f, v: slopes.taylor(f, 0.0, 4, vectorized=v),
        lambda f, v: slopes.gradient(f, np.linspace(0, 1, 6), vectorized=v),
    ):
        value_np, sizes_np = call_sizes(np.True_, call)
        value_py, sizes_py = call_sizes(True, call)
        assert sizes_np == sizes_py and max(sizes_py) > 1
        np.testing.assert_array_equal(value_np, value_py)
    one_point = slopes.taylor(np.exp, 0.0, 4, vectorized=np.False_)
    np.testing.assert_array_equal(one_point, slopes.taylor(np.exp, 0.0, 4))


def test_vectorized_k_caps_the_points_per_call_and_one_is_deprecated():
    x = np.linspace(-1, 1, 10)
    for k in (2, np.int64(3), 64):
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)  # k >= 2 is not deprecated
            _, sizes = call_sizes(k, lambda f, v: slopes.gradient(f, x, step=1e-4, vectorized=v))
        assert max(sizes) == min(int(k), 2 * x.size)  # the stencil's 20 points, k at a time
    with pytest.warns(DeprecationWarning, match=r"`vectorized=1` \(one point per call\)"):
        value, sizes = call_sizes(1, lambda f, v: slopes.gradient(f, x, step=1e-4, vectorized=v))
    assert set(sizes) == {1}  # the old meaning, kept for a release
    together = slopes.gradient(stacked_sum_sq, x, step=1e-4, vectorized=True)
    np.testing.assert_array_equal(value, together)  # row by row: the same numbers
    with pytest.warns(DeprecationWarning, match="vectorized=1"):
        slopes.derivative(np.sin, x, vectorized=1)
    loss, params, X, y = one_sample_problem()
    with pytest.warns(DeprecationWarning, match="vectorized=1"):
        fit(
            loss,
            params,
            X,
            y,
            optimizer=slopes.optim.sgd(lr=0.1),
            batch_size=1,
            vectorized=np.int64(1),
            progress=False,
            metrics=[],
        )
