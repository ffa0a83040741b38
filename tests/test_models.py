"""Models: closed-form losses, backpropagation against finite differences, stacks, checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import slopes
from slopes.models import SoftmaxRegression, TwoLayerNet
from slopes.models._nn import cross_entropy, log_softmax, sigmoid, softmax


def central_difference(f, params, h=1e-6):
    """An independent numerical gradient: one coordinate at a time, on copies."""
    grads = {}
    for name, array in params.items():
        g = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][index] += h
            minus[name][index] -= h
            g[index] = (f(plus) - f(minus)) / (2 * h)
        grads[name] = g
    return grads


def data(n=12, d=5, c=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, c, n)


def random_params(model, seed=1, scale=0.5):
    rng = np.random.default_rng(seed)
    return {k: scale * rng.standard_normal(v.shape) for k, v in model.params.items()}


MODELS = [lambda: SoftmaxRegression(5, 3, seed=2), lambda: TwoLayerNet(5, 4, 3, seed=2)]


def chapter_two_layer_loss(params, X, t_onehot):
    """The chapter's forward pass, written out independently (moderate logits only)."""
    z = 1 / (1 + np.exp(-(X @ params["W1"] + params["b1"])))
    a = z @ params["W2"] + params["b2"]
    p = np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)
    return -np.sum(t_onehot * np.log(p)) / len(X)


# -- the numerics ---------------------------------------------------------------------------


def test_zero_weights_give_log_classes():
    X, y = data(c=7, d=4)
    model = SoftmaxRegression(4, 7)
    zero = {k: np.zeros_like(v) for k, v in model.params.items()}
    assert model.loss(zero, X, y) == pytest.approx(math.log(7), rel=1e-15)
    net = TwoLayerNet(4, 6, 7, weight_init_std=0.0)
    assert net.loss(net.params, X, y) == pytest.approx(math.log(7), rel=1e-15)


def test_two_layer_loss_matches_the_chapter_formula():
    X, y = data()
    net = TwoLayerNet(5, 4, 3)
    params = random_params(net)
    expected = chapter_two_layer_loss(params, X, np.eye(3)[y])
    assert net.loss(params, X, y) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("make", MODELS)
def test_backprop_matches_independent_finite_differences(make):
    model = make()
    X, y = data()
    params = random_params(model)
    analytic = model.grad(params, X, y)
    numerical = central_difference(lambda p: model.loss(p, X, y), params)
    assert analytic.keys() == params.keys()
    for name in params:
        np.testing.assert_allclose(analytic[name], numerical[name], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("make", MODELS)
def test_backprop_matches_slopes_gradient(make):
    model = make()
    X, y = data(seed=4)
    params = random_params(model, seed=5)
    numerical = slopes.gradient(lambda p: model.loss(p, X, y), params, step=1e-6)
    analytic = model.grad(params, X, y)
    for name in params:
        np.testing.assert_allclose(analytic[name], numerical[name], rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("make", MODELS)
def test_check_grad_accepts_backprop_and_rejects_a_wrong_gradient(make):
    model = make()
    X, y = data(seed=6)
    params = random_params(model, seed=7)

    def loss(p):
        return model.loss(p, X, y)

    good = slopes.check_grad(loss, lambda p: model.grad(p, X, y), params)
    assert good.passed, good
    # a gradient off in one element only of the last layer is caught, and located
    last = "b" if "b" in params else "b2"

    def wrong(p):
        grads = model.grad(p, X, y)
        grads[last] = grads[last] + np.array([0.0, 1e-3, 0.0])
        return grads

    bad = slopes.check_grad(loss, wrong, params)
    assert not bad.passed
    assert bad.worst_index == ((last,), (1,))
    # the stacked loss is a valid vectorized f for the same check
    assert slopes.check_grad(loss, lambda p: model.grad(p, X, y), params, vectorized=True).passed


@pytest.mark.parametrize("make", MODELS)
def test_one_hot_labels_equal_integer_labels(make):
    model = make()
    X, y = data(seed=8)
    params = random_params(model)
    Y = np.eye(3)[y]
    assert model.loss(params, X, Y) == pytest.approx(model.loss(params, X, y), rel=1e-14)
    for name, g in model.grad(params, X, Y).items():
        np.testing.assert_allclose(g, model.grad(params, X, y)[name], rtol=1e-13, atol=1e-16)
    assert model.accuracy(params, X, Y) == model.accuracy(params, X, y)


def test_huge_logits_stay_finite():
    logits = np.array([[1e4, -1e4, 0.0], [800.0, 800.0, 800.0]])
    np.testing.assert_allclose(softmax(logits), [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
    assert np.all(np.isfinite(log_softmax(logits)))
    # the wrong class by a margin of 2e4: the loss is the margin, not inf
    assert cross_entropy(logits[:1], np.array([1])) == pytest.approx(2e4)
    np.testing.assert_array_equal(sigmoid(np.array([-1e4, 1e4])), [0.0, 1.0])
    model = SoftmaxRegression(5, 3)
    X, y = data()
    big = {"W": 1e6 * np.ones((5, 3)) * [1, -1, 0], "b": np.zeros(3)}
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow at all
        value = model.loss(big, 1e3 * X, y)
        grads = model.grad(big, 1e3 * X, y)
    assert np.isfinite(value) and value > 1e6
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    net = TwoLayerNet(5, 4, 3)
    huge = {k: 1e5 * np.ones_like(v) for k, v in net.params.items()}
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert np.isfinite(net.loss(huge, X, y))
        assert all(np.all(np.isfinite(g)) for g in net.grad(huge, X, y).values())


@settings(max_examples=25, deadline=None)
@given(k=st.integers(1, 6), seed=st.integers(0, 1000), two_layer=st.booleans())
def test_a_stack_of_parameter_sets_gives_each_ones_loss(k, seed, two_layer):
    model = TwoLayerNet(5, 4, 3) if two_layer else SoftmaxRegression(5, 3)
    X, y = data(seed=seed)
    rng = np.random.default_rng(seed)
    stack = {n: rng.standard_normal((k, *v.shape)) for n, v in model.params.items()}
    losses = model.loss(stack, X, y)
    assert losses.shape == (k,)
    expected = [model.loss({n: v[i] for n, v in stack.items()}, X, y) for i in range(k)]
    np.testing.assert_allclose(losses, expected, rtol=1e-13)


# -- state and checks -------------------------------------------------------------------


def test_params_are_seeded_fresh_copies_and_never_modified():
    net = TwoLayerNet(5, 4, 3, seed=11)
    first = net.params
    first["W1"][:] = 99.0
    assert not np.any(net.params["W1"] == 99.0)
    np.testing.assert_array_equal(net.params["W1"], TwoLayerNet(5, 4, 3, seed=11).params["W1"])
    assert not np.array_equal(net.params["W1"], TwoLayerNet(5, 4, 3, seed=12).params["W1"])
    assert net.params["W1"].std() == pytest.approx(0.01, rel=0.5)
    np.testing.assert_array_equal(net.params["b1"], 0.0)
    params, X, y = random_params(net), *data()
    copies = {k: v.copy() for k, v in params.items()}
    X_copy = X.copy()
    net.loss(params, X, y)
    net.grad(params, X, y)
    for k in params:
        np.testing.assert_array_equal(params[k], copies[k])
    np.testing.assert_array_equal(X, X_copy)


def test_predict_and_accuracy():
    model = SoftmaxRegression(2, 2)
    params = {"W": np.array([[1.0, -1.0], [0.0, 0.0]]), "b": np.zeros(2)}
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 5.0], [-3.0, 1.0]])
    np.testing.assert_array_equal(model.predict(params, X), [0, 1, 0, 1])
    assert model.accuracy(params, X, np.array([0, 1, 1, 1])) == 0.75
    np.testing.assert_allclose(model.predict_proba(params, X).sum(axis=1), 1.0)


def test_repr():
    assert repr(SoftmaxRegression(64, 10, seed=3)) == (
        "SoftmaxRegression(n_features=64, n_classes=10, seed=3)"
    )


def test_params_that_do_not_fit_the_model():
    net = TwoLayerNet(5, 4, 3)
    X, y = data()
    params = net.params
    with pytest.raises(ValueError, match=r"missing \['b2'\]"):
        net.loss({k: v for k, v in params.items() if k != "b2"}, X, y)
    with pytest.raises(ValueError, match=r"unexpected \['W3'\]"):
        net.loss({**params, "W3": np.ones(2)}, X, y)
    with pytest.raises(ValueError, match=r"`params\['W1'\]` has shape \(4, 5\).*needs \(5, 4\)"):
        net.loss({**params, "W1": np.ones((4, 5))}, X, y)
    with pytest.raises(ValueError, match="mix single and stacked"):
        net.loss({**params, "b1": np.ones((2, 4))}, X, y)
    with pytest.raises(TypeError, match="`params` must be a dict"):
        net.loss([params["W1"]], X, y)
    stack = {k: v[None] for k, v in params.items()}
    with pytest.raises(ValueError, match="not a stack"):
        net.grad(stack, X, y)


def test_data_that_does_not_fit_the_model():
    model = SoftmaxRegression(5, 3)
    X, y = data()
    with pytest.raises(ValueError, match=r"`X` must have shape \(n, 5\)"):
        model.loss(model.params, X[:, :4], y)
    with pytest.raises(ValueError, match=r"label 3, outside the classes 0\.\.2"):
        model.loss(model.params, X, np.where(y == 0, 3, y))
    with pytest.raises(ValueError, match="label -1"):
        model.accuracy(model.params, X, y - 1)
    with pytest.raises(ValueError, match="integer class labels"):
        model.loss(model.params, X, y + 0.5)
    with pytest.raises(ValueError, match=r"has .*12.* rows but `X` has 11"):
        model.loss(model.params, X[:11], y)
    with pytest.raises(ValueError, match="one-hot `y` must have 3 columns"):
        model.loss(model.params, X, np.eye(4)[y])
    with pytest.raises(ValueError, match="NaN"):
        model.check_data(np.where(X > 1, np.nan, X), y)
    with pytest.raises(ValueError, match="`hidden_size` must be a positive integer"):
        TwoLayerNet(5, 0, 3)
    with pytest.raises(ValueError, match="`weight_init_std`"):
        TwoLayerNet(5, 2, 3, weight_init_std=-1)


@pytest.mark.parametrize("make", MODELS)
@pytest.mark.parametrize(("scale", "one_hot"), [(0.5, False), (0.5, True), (700.0, False)])
def test_stencil_stacks_take_the_fast_path_and_agree(make, scale, one_hot):
    # points that differ from a centre in one element each (what a finite-difference
    # stencil evaluates), a copy of the centre, and points that differ in two elements;
    # scale 700 makes moves too large for the shortcuts, which must then step aside
    model = make()
    X, y = data(seed=9)
    y = np.eye(3)[y] if one_hot else y
    centre = random_params(model, seed=10, scale=scale)
    points = []
    for name, array in centre.items():
        for index in np.ndindex(array.shape):
            for delta in (1e-4, -1e-4, 0.7):
                point = {k: v.copy() for k, v in centre.items()}
                point[name][index] += delta
                points.append(point)
    points.insert(3, {k: v.copy() for k, v in centre.items()})
    twice = {k: v + 0.1 for k, v in centre.items()}
    points.insert(7, twice)
    stack = {k: np.stack([p[k] for p in points]) for k in centre}
    expected = [model.loss(p, X, y) for p in points]
    with np.errstate(over="raise", invalid="raise"):
        losses = model.loss(stack, X, y)
    np.testing.assert_allclose(losses, expected, rtol=1e-12, atol=1e-15)
    if scale > 1:
        return
    # the same through slopes.gradient, both ways of calling f
    g_stack = slopes.gradient(lambda p: model.loss(p, X, y), centre, step=1e-5, vectorized=True)
    g_loop = slopes.gradient(lambda p: model.loss(p, X, y), centre, step=1e-5)
    for name in centre:
        np.testing.assert_allclose(g_stack[name], g_loop[name], rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("model", [SoftmaxRegression(64, 10), TwoLayerNet(64, 5, 10)], ids=repr)
@pytest.mark.parametrize("method", ["loss", "accuracy", "grad"])
def test_models_refuse_empty_data_instead_of_nan(model, method):
    with pytest.raises(ValueError, match=r"`X` holds no samples \(shape \(0, 64\)\)"):
        getattr(model, method)(model.params, np.zeros((0, 64)), np.zeros(0, dtype=int))


def test_models_need_two_classes():
    with pytest.raises(ValueError, match="`n_classes` must be an integer >= 2, got 1"):
        SoftmaxRegression(64, 1)
    with pytest.raises(ValueError, match="`output_size` must be an integer >= 2, got 1"):
        TwoLayerNet(64, 5, 1)
