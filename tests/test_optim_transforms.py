"""The transforms of slopes.optim, each on an array and on a pytree, against closed forms.

Every expected number is written out from the transform's formula (its
docstring's Notes, PyTorch's documented rules), never computed by the code
under test. Each transform runs as ``chain(transform)``, on a plain array and
on a dict of arrays; the dict's leaves must match the array's step exactly
(the same rule runs on both). Margins: 1e-14 relative where a handful of
roundings separate the closed form from the computed value.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import pytest

from slopes import optim
from slopes._util.pytree import flatten
from slopes.descent import minimize
from slopes.optim import (
    AdamState,
    ChainState,
    Optimizer,
    RMSpropState,
    SGDState,
    Transform,
    add_decayed_weights,
    apply_updates,
    chain,
    scale_by_adagrad,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_rms,
    trace,
)

RTOL = 1e-14


def steps_on_array(opt, grads, params):
    """Feed ``grads`` (a list of arrays) with ``params`` held fixed; return each update."""
    state = opt.init(params)
    out = []
    for g in grads:
        updates, state = opt.update(g, state, params)
        out.append(updates)
    return out, state


def steps_on_tree(opt, grads, params):
    """The same, on the pytree ``{"a": array, "b": {"c": array}}`` with both leaves equal."""

    def tree(x):
        return {"a": x, "b": {"c": x.copy()}}

    state = opt.init(tree(params))
    out = []
    for g in grads:
        updates, state = opt.update(tree(g), state, tree(params))
        assert set(updates) == {"a", "b"} and set(updates["b"]) == {"c"}
        np.testing.assert_array_equal(updates["a"], updates["b"]["c"])
        out.append(updates["a"])
    return out, state


@pytest.fixture(params=["array", "pytree"])
def run(request):
    return steps_on_array if request.param == "array" else steps_on_tree


G = [np.array([1.0, -2.0]), np.array([3.0, 0.5]), np.array([-1.0, 4.0])]
P = np.array([2.0, -1.0])


def check(got, expected):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=0)


# --------------------------------------------------------------------------- each transform


def test_scale_by_learning_rate(run):
    got, state = run(chain(scale_by_learning_rate(0.25)), G, P)
    check(got, [-0.25 * g for g in G])
    assert state.count == 3 and state.buffers == ()


def test_scale_by_learning_rate_with_a_schedule(run):
    # the schedule is called with the number of updates already made: 0, 1, 2
    got, _ = run(chain(scale_by_learning_rate(lambda t: 1.0 / (t + 1))), G, P)
    check(got, [-G[0], -G[1] / 2, -G[2] / 3])


def test_add_decayed_weights(run):
    got, _ = run(chain(add_decayed_weights(0.5)), G, P)
    check(got, [g + 0.5 * P for g in G])


def test_trace_heavy_ball_with_dampening(run):
    # b1 = g1 (no dampening at the first step); b_t = 0.5 b_{t-1} + 0.75 g_t
    b1 = G[0]
    b2 = 0.5 * b1 + 0.75 * G[1]
    b3 = 0.5 * b2 + 0.75 * G[2]
    got, state = run(chain(trace(momentum=0.5, dampening=0.25)), G, P)
    check(got, [b1, b2, b3])
    buffer = state.buffers[0] if run is steps_on_array else state.buffers[0]["b"]["c"]
    np.testing.assert_allclose(buffer, b3, rtol=RTOL)


def test_trace_nesterov(run):
    b1 = G[0]
    b2 = 0.5 * b1 + G[1]
    b3 = 0.5 * b2 + G[2]
    got, _ = run(chain(trace(momentum=0.5, nesterov=True)), G, P)
    check(got, [G[0] + 0.5 * b1, G[1] + 0.5 * b2, G[2] + 0.5 * b3])


def test_scale_by_adagrad(run):
    # s0 = 1, s_t = s_{t-1} + g_t²; update g_t / (sqrt(s_t) + eps)
    s1 = 1 + G[0] ** 2
    s2 = s1 + G[1] ** 2
    s3 = s2 + G[2] ** 2
    got, _ = run(chain(scale_by_adagrad(eps=0.5, initial_accumulator_value=1.0)), G, P)
    check(got, [G[0] / (np.sqrt(s1) + 0.5), G[1] / (np.sqrt(s2) + 0.5), G[2] / (np.sqrt(s3) + 0.5)])


def test_scale_by_rms(run):
    v1 = 0.25 * G[0] ** 2
    v2 = 0.75 * v1 + 0.25 * G[1] ** 2
    got, _ = run(chain(scale_by_rms(alpha=0.75, eps=0.125)), G[:2], P)
    check(got, [G[0] / (np.sqrt(v1) + 0.125), G[1] / (np.sqrt(v2) + 0.125)])


def test_scale_by_rms_centered(run):
    v1, a1 = 0.25 * G[0] ** 2, 0.25 * G[0]
    v2, a2 = 0.75 * v1 + 0.25 * G[1] ** 2, 0.75 * a1 + 0.25 * G[1]
    got, state = run(chain(scale_by_rms(alpha=0.75, eps=0.0, centered=True)), G[:2], P)
    check(got, [G[0] / np.sqrt(v1 - a1**2), G[1] / np.sqrt(v2 - a2**2)])
    assert len(state.buffers) == 2  # square_avg and grad_avg


def test_scale_by_adam(run):
    b1, b2 = 0.5, 0.75
    m1, v1 = 0.5 * G[0], 0.25 * G[0] ** 2
    m2, v2 = b1 * m1 + 0.5 * G[1], b2 * v1 + 0.25 * G[1] ** 2
    expected = [
        (m1 / (1 - b1)) / np.sqrt(v1 / (1 - b2)),
        (m2 / (1 - b1**2)) / np.sqrt(v2 / (1 - b2**2)),
    ]
    got, _ = run(chain(scale_by_adam(b1=b1, b2=b2, eps=0.0)), G[:2], P)
    check(got, expected)


def test_scale_by_adam_amsgrad_keeps_the_largest_second_moment(run):
    # g = 2 then 0.1 (one coordinate): v = 2, then 1.005 < 2, so AMSGrad divides by 2
    grads = [np.array([2.0]), np.array([0.1])]
    m2 = 0.5 * 1.0 + 0.5 * 0.1
    got, _ = run(chain(scale_by_adam(b1=0.5, b2=0.5, eps=0.0, amsgrad=True)), grads, np.zeros(1))
    check(got, [np.array([1.0]), np.array([(m2 / 0.75) / math.sqrt(2 / 0.75)])])


# --------------------------------------------------------------------------- chains


def test_a_chain_applies_its_transforms_in_order(run):
    # decay, then momentum, then the rate: u = -0.1 * b, b from g + 0.5 p
    opt = chain(add_decayed_weights(0.5), trace(momentum=0.9), scale_by_learning_rate(0.1))
    d = [g + 0.5 * P for g in G]
    b1 = d[0]
    b2 = 0.9 * b1 + d[1]
    got, _ = run(opt, G[:2], P)
    check(got, [-0.1 * b1, -0.1 * b2])


def test_weight_decay_before_or_after_adam_is_adam_or_adamw():
    # one rule, two places: the chains give torch's Adam and AdamW, step for step
    grads, x = [np.array([1.0, -2.0]), np.array([0.5, 3.0])], np.array([2.0, -1.0])
    for mine, torch_like in [
        (
            chain(add_decayed_weights(0.1), scale_by_adam(), scale_by_learning_rate(0.01)),
            optim.adam(lr=0.01, weight_decay=0.1),
        ),
        (
            chain(scale_by_adam(), add_decayed_weights(0.1), scale_by_learning_rate(0.01)),
            optim.adamw(lr=0.01, weight_decay=0.1),
        ),
    ]:
        a, s_mine = steps_on_array(mine, grads, x)
        b, s_torch = steps_on_array(torch_like, grads, x)
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)  # the same rules in the same order
        np.testing.assert_array_equal(s_mine.buffers[0], s_torch.exp_avg)
    assert isinstance(optim.adam(weight_decay=0.1).transforms[0], add_decayed_weights)
    assert isinstance(optim.adamw().transforms[1], add_decayed_weights)


def test_public_optimisers_are_chains_with_their_named_states():
    sgd = optim.sgd(lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True)
    assert sgd.transforms == (
        add_decayed_weights(0.01),
        trace(momentum=0.9, nesterov=True),
        scale_by_learning_rate(0.1),
    )
    assert optim.sgd(lr=0.1).transforms == (scale_by_learning_rate(0.1),)
    rms = optim.rmsprop(lr=0.1, momentum=0.5)
    assert [type(t) for t in rms.transforms] == [scale_by_rms, trace, scale_by_learning_rate]
    # fields no transform uses hold None, the others the buffers
    state = rms.init(np.zeros(2))
    assert isinstance(state, RMSpropState) and state.grad_avg is None
    assert state.square_avg.shape == (2,) and state.momentum.shape == (2,)
    state = optim.adam().init({"w": np.zeros(2)})
    assert isinstance(state, AdamState) and state.max_exp_avg_sq is None
    assert optim.sgd(lr=0.1).init(np.zeros(2)) == SGDState(0, None)


def test_chain_state_is_count_and_buffers():
    opt = chain(trace(momentum=0.5), scale_by_rms(centered=True), scale_by_learning_rate(1.0))
    state = opt.init({"w": np.ones(2)})
    assert isinstance(state, ChainState) and state.count == 0 and len(state.buffers) == 3
    _, state = opt.update({"w": np.ones(2)}, state)
    assert state.count == 1
    np.testing.assert_array_equal(state.buffers[0]["w"], np.ones(2))  # trace: b1 = g1


def test_a_users_own_transform_chains_like_the_others(run):
    @dataclass(frozen=True)
    class clip(Transform):
        bound: float = 1.0

        def rule(self, count, update, param):
            return (np.clip(update, -self.bound, self.bound),)

    got, _ = run(chain(clip(0.5), scale_by_learning_rate(2.0)), G[:1], P)
    check(got, [np.array([-1.0, 1.0])])
    assert (
        repr(clip(0.5))
        == "test_a_users_own_transform_chains_like_the_others.<locals>.clip(bound=0.5)"
    )


def test_chain_of_a_learning_rate_alone_is_plain_descent():
    opt = chain(scale_by_learning_rate(0.1))
    assert opt.plain_descent and opt.learning_rate == 0.1
    assert optim.sgd(lr=0.1).plain_descent
    assert not optim.sgd(lr=0.1, momentum=0.5).plain_descent
    assert not optim.sgd(lr=0.1, weight_decay=0.5).plain_descent
    assert not optim.adam().plain_descent
    assert chain(trace(0.5), scale_by_learning_rate(0.1)).learning_rate == 0.1
    assert chain(trace(0.5)).learning_rate is None
    assert not Optimizer(lambda p: None, lambda g, s, p=None: (-g, s)).plain_descent


def test_minimize_treats_a_plain_chain_as_sgd():
    # plain descent is recognised from the declared transforms: the same path, the
    # same advice for a diverging run
    f = lambda x: x[0] ** 2 + x[1] ** 2  # noqa: E731
    seen = []
    a = minimize(
        f,
        [-3.0, 4.0],
        optimizer=chain(scale_by_learning_rate(1.5)),
        steps=20,
        callback=lambda k, s: seen.append(s.opt_state),
    )
    b = minimize(f, [-3.0, 4.0], optimizer=optim.sgd(lr=1.5), steps=20)
    np.testing.assert_array_equal(a.history.x, b.history.x)
    assert a.status == b.status == "diverged"
    assert a.suggested_lr == b.suggested_lr and a.suggested_lr == pytest.approx(0.5, rel=1e-9)
    assert [s.count for s in seen] == list(range(len(seen))) and seen[0] == ChainState(0, ())
    # a momentum chain is not plain descent: no 1/L advice
    c = minimize(f, [-3.0, 4.0], optimizer=chain(trace(0.5), scale_by_learning_rate(1.5)))
    assert c.suggested_lr is None


def test_update_without_params_where_a_transform_needs_them():
    opt = chain(add_decayed_weights(0.1), scale_by_learning_rate(0.1))
    with pytest.raises(ValueError, match=r"`params` must be passed to `update`: add_decayed"):
        opt.update(np.ones(2), opt.init(np.ones(2)))


def assert_same_tree(a, b):
    leaves_a, structure_a = flatten(a)
    leaves_b, structure_b = flatten(b)
    assert structure_a == structure_b
    for x, y in zip(leaves_a, leaves_b):
        np.testing.assert_array_equal(x, y)


def test_nothing_is_modified_in_place_and_old_states_stay_valid():
    opt = chain(
        add_decayed_weights(0.1),
        scale_by_adam(amsgrad=True),
        trace(momentum=0.5),
        scale_by_learning_rate(0.1),
    )
    for params, grads in [
        (np.array([1.0, -2.0]), np.array([0.5, 0.25])),
        ({"w": np.array([1.0, -2.0])}, {"w": np.array([0.5, 0.25])}),
    ]:
        state = opt.init(params)
        _, state = opt.update(grads, state, params)
        before = copy.deepcopy((params, grads, state))
        first, new_state = opt.update(grads, state, params)
        second, again = opt.update(grads, state, params)  # the old state, reused
        assert_same_tree((params, grads, state), before)
        assert_same_tree(first, second)
        assert_same_tree(new_state, again)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: chain(), TypeError, "`chain` needs at least one transform"),
        (lambda: chain(optim.sgd()), TypeError, r"`transforms\[0\]` must be a Transform"),
        (
            lambda: chain(trace(0.5), "x"),
            TypeError,
            r"`transforms\[1\]` must be a Transform such as .*, got str",
        ),
        (lambda: scale_by_learning_rate(0), ValueError, "`lr` must be positive"),
        (lambda: add_decayed_weights(-1), ValueError, "`weight_decay` must be >= 0"),
        (lambda: trace(1.0), ValueError, r"`momentum` must be in \[0, 1\)"),
        (lambda: trace(0.5, dampening=0.5, nesterov=True), ValueError, "`dampening` == 0"),
        (lambda: scale_by_adagrad(eps=-1), ValueError, "`eps` must be >= 0"),
        (lambda: scale_by_rms(alpha=1.0), ValueError, r"`alpha` must be in \[0, 1\)"),
        (lambda: scale_by_rms(centered="yes"), TypeError, "`centered` must be True or False"),
        (lambda: scale_by_adam(b2=1.5), ValueError, r"`b2` must be in \[0, 1\)"),
    ],
)
def test_bad_arguments_are_named(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_optimizer_is_a_declared_pair():
    opt = optim.sgd(lr=0.1)
    init, update = opt
    assert init is opt.init and update is opt.update
    assert opt.name == "sgd" and opt.learning_rate == 0.1
    assert opt.hyperparams["lr"] == 0.1
    with pytest.raises(AttributeError):
        opt.learning_rate = 0.2  # frozen: what minimize reads cannot drift
    x = np.array([3.0, 4.0])
    updates, _ = opt.update(2 * x, opt.init(x), x)
    np.testing.assert_allclose(apply_updates(x, updates), [2.4, 3.2], rtol=RTOL)
