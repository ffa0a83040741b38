"""Optimisers and apply_updates refuse gradients and updates of another shape.

NumPy broadcasting would otherwise turn a (1,) gradient against (2,) parameters
into (2,) updates, or (3,) against (3, 1) into (3, 3), without a word.
"""

import numpy as np
import pytest

from slopes import optim

OPTIMIZERS = {
    "sgd": lambda: optim.sgd(0.1),
    "momentum": lambda: optim.sgd(0.1, momentum=0.9),
    "adagrad": lambda: optim.adagrad(0.1),
    "rmsprop": lambda: optim.rmsprop(0.1),
    "adam": lambda: optim.adam(0.1),
    "adamw": lambda: optim.adamw(0.1),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize(
    ("grad_shape", "param_shape"), [((1,), (2,)), ((3,), (3, 1)), ((2, 3), (3, 2))]
)
def test_update_refuses_grads_of_another_shape(name, grad_shape, param_shape):
    # before the fix, (1,) against (2,) broadcast to (2,) updates and (3,) against
    # (3, 1) gave (3, 3) updates, without a word
    opt = OPTIMIZERS[name]()
    params = np.ones(param_shape)
    state = opt.init(params)
    with pytest.raises(ValueError, match=r"`grads` has shape .* the parameters have shape"):
        opt.update(np.ones(grad_shape), state, params)


@pytest.mark.parametrize("name", ["momentum", "adagrad", "rmsprop", "adam"])
def test_update_without_params_checks_grads_against_the_state(name):
    opt = OPTIMIZERS[name]()
    state = opt.init(np.ones(2))
    with pytest.raises(ValueError, match="`grads` has shape"):
        opt.update(np.ones(1), state)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_update_refuses_a_pytree_leaf_of_another_shape(name):
    opt = OPTIMIZERS[name]()
    params = {"W": np.ones((3, 2)), "b": np.zeros(2)}
    state = opt.init(params)
    with pytest.raises(ValueError, match=r"`grads` has a leaf of shape \(2, 3\)"):
        opt.update({"W": np.ones((2, 3)), "b": np.zeros(2)}, state, params)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_update_with_matching_shapes_still_works_and_leaves_inputs_alone(name):
    opt = OPTIMIZERS[name]()
    params = np.array([[1.0], [-2.0], [3.0]])
    grads = 2 * params
    kept = params.copy(), grads.copy()
    updates, _ = opt.update(grads, opt.init(params), params)
    assert updates.shape == params.shape
    assert np.all(np.sign(updates) == -np.sign(grads))  # every optimiser steps downhill here
    assert np.array_equal(params, kept[0]) and np.array_equal(grads, kept[1])


@pytest.mark.parametrize(
    ("params", "updates"),
    [
        (np.ones(2), np.ones(1)),
        (np.ones((3, 1)), np.ones(3)),
        ({"w": np.ones(2)}, {"w": np.ones((2, 2))}),
    ],
)
def test_apply_updates_refuses_updates_of_another_shape(params, updates):
    with pytest.raises(ValueError, match="`updates` has a leaf of shape"):
        optim.apply_updates(params, updates)


def test_apply_updates_keeps_float32_and_promotes_integers():
    out = optim.apply_updates(np.ones(2, np.float32), np.array([0.5, 0.25]))
    assert out.dtype == np.float32 and out.tolist() == [1.5, 1.25]
    assert optim.apply_updates(np.array([1, 2]), np.array([0.5, 0.5])).tolist() == [1.5, 2.5]
