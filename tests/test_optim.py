"""Tests of slopes.optim against hand-computed steps of PyTorch's documented formulas.

Every expected number below was worked out by hand (or with plain arithmetic
written out in the test) from the torch.optim pseudocode, never by calling the
code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slopes import optim
from slopes.optim import adagrad, adam, adamw, apply_updates, rmsprop, sgd


def run_updates(opt, grads, params=None):
    """Feed a fixed gradient sequence; return the list of updates (params held fixed)."""
    x = np.zeros(1) if params is None else params
    state = opt.init(x)
    out = []
    for g in grads:
        updates, state = opt.update(np.array([g], dtype=float), state, x)
        out.append(float(updates[0]))
    return out


def run_params(opt, grad_of, x0, steps):
    """Apply ``steps`` updates with the gradient computed at the current x."""
    x = np.array([x0], dtype=float)
    state = opt.init(x)
    out = []
    for _ in range(steps):
        updates, state = opt.update(grad_of(x), state, x)
        x = apply_updates(x, updates)
        out.append(float(x[0]))
    return out


# --------------------------------------------------------------------------- SGD


def test_sgd_one_step():
    updates, state = sgd(lr=0.1).update(np.array([0.5, 3.0]), sgd(lr=0.1).init(np.zeros(2)))
    np.testing.assert_allclose(updates, [-0.05, -0.3], rtol=1e-15)
    assert state.count == 1 and state.momentum is None


def test_sgd_momentum_dampening_three_steps():
    # b1 = g1 = 1; b2 = .9*1 + .9*2 = 2.7; b3 = .9*2.7 + .9*(-1) = 1.53
    got = run_updates(sgd(lr=0.1, momentum=0.9, dampening=0.1), [1.0, 2.0, -1.0])
    np.testing.assert_allclose(got, [-0.1, -0.27, -0.153], rtol=1e-13)


def test_sgd_momentum_first_step_ignores_dampening():
    # PyTorch starts the buffer at g1 itself, not (1 - dampening) * g1
    assert run_updates(sgd(lr=1.0, momentum=0.5, dampening=0.5), [2.0]) == [-2.0]


def test_sgd_nesterov_three_steps():
    # b1 = 1, d1 = 1 + .9 = 1.9; b2 = 2.9, d2 = 2 + 2.61 = 4.61; b3 = 1.61, d3 = -1 + 1.449
    got = run_updates(sgd(lr=0.1, momentum=0.9, nesterov=True), [1.0, 2.0, -1.0])
    np.testing.assert_allclose(got, [-0.19, -0.461, -0.0449], rtol=1e-13)


def test_sgd_weight_decay_three_steps():
    # g = 1 + 0.5 p: p = 2 -> 1.8 -> 1.61 -> 1.4295
    got = run_params(sgd(lr=0.1, weight_decay=0.5), lambda x: np.ones_like(x), 2.0, 3)
    np.testing.assert_allclose(got, [1.8, 1.61, 1.4295], rtol=1e-14)


def test_sgd_chapter_descent():
    # the chapter's descent on x0² + x1² from (-3, 4), lr 0.1: x_k = 0.8**k (-3, 4)
    x = np.array([-3.0, 4.0])
    opt = sgd(lr=0.1)
    state = opt.init(x)
    for k in range(1, 21):
        updates, state = opt.update(2 * x, state, x)
        x = apply_updates(x, updates)
        np.testing.assert_allclose(x, 0.8**k * np.array([-3.0, 4.0]), rtol=1e-12)


# --------------------------------------------------------------------------- Adagrad


def test_adagrad_three_steps_with_lr_decay_and_initial_value():
    # s0 = 1; s1 = 10, s2 = 26, s3 = 27; lr_t = 1 / (1 + (t-1) * 0.5)
    opt = adagrad(lr=1.0, lr_decay=0.5, eps=0.0, initial_accumulator_value=1.0)
    got = run_updates(opt, [3.0, 4.0, -1.0])
    expected = [-3 / math.sqrt(10), -(2 / 3) * 4 / math.sqrt(26), 0.5 / math.sqrt(27)]
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_adagrad_eps_is_added_after_the_square_root():
    (got,) = run_updates(adagrad(lr=0.01, eps=0.5), [2.0])
    assert got == pytest.approx(-0.01 * 2 / (2 + 0.5), rel=1e-15)


def test_adagrad_weight_decay():
    # p = 2, g = 1 + 0.5 * 2 = 2, s = 4: update -0.1 * 2 / 2
    (got,) = run_params(adagrad(lr=0.1, weight_decay=0.5, eps=0.0), np.ones_like, 2.0, 1)
    assert got == pytest.approx(1.9, rel=1e-15)


# --------------------------------------------------------------------------- RMSprop


def test_rmsprop_three_steps():
    # v1 = .1, v2 = .09 + .4 = .49, v3 = .441 + .1 = .541
    got = run_updates(rmsprop(lr=0.1, alpha=0.9, eps=0.0), [1.0, 2.0, -1.0])
    expected = [-0.1 / math.sqrt(0.1), -0.1 * 2 / 0.7, 0.1 / math.sqrt(0.541)]
    np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_rmsprop_centered_three_steps():
    # gbar: .1, .29, .161 ; v - gbar²: .09, .4059, .515079
    got = run_updates(rmsprop(lr=0.1, alpha=0.9, eps=0.0, centered=True), [1.0, 2.0, -1.0])
    expected = [-0.1 / 0.3, -0.2 / math.sqrt(0.4059), 0.1 / math.sqrt(0.515079)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_rmsprop_momentum_three_steps():
    b1 = 1 / math.sqrt(0.1)
    b2 = 0.5 * b1 + 2 / 0.7
    b3 = 0.5 * b2 - 1 / math.sqrt(0.541)
    got = run_updates(rmsprop(lr=0.1, alpha=0.9, eps=0.0, momentum=0.5), [1.0, 2.0, -1.0])
    np.testing.assert_allclose(got, [-0.1 * b1, -0.1 * b2, -0.1 * b3], rtol=1e-13)


def test_rmsprop_eps_and_weight_decay():
    # g = 1 + 0.5 * 2 = 2, v = 0.01 * 4 (alpha 0.99), eps after the root
    (got,) = run_params(rmsprop(lr=0.1, eps=0.25, weight_decay=0.5), np.ones_like, 2.0, 1)
    assert got == pytest.approx(2 - 0.1 * 2 / (math.sqrt(0.04) + 0.25), rel=1e-15)


# --------------------------------------------------------------------------- Adam / AdamW


def test_adam_three_steps():
    got = run_updates(adam(lr=0.1, eps=0.0), [1.0, 2.0, -1.0])
    # m: .1, .29, .161 ; v: .001, .004999, .005994001
    bc1 = [0.1, 0.19, 0.271]
    bc2 = [0.001, 0.001999, 0.002997001]
    m = [0.1, 0.29, 0.161]
    v = [0.001, 0.004999, 0.005994001]
    expected = [-0.1 * (m[i] / bc1[i]) / math.sqrt(v[i] / bc2[i]) for i in range(3)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_adam_eps_outside_the_root():
    (got,) = run_updates(adam(lr=0.1, eps=0.5), [2.0])
    # m̂ = 2, v̂ = 4: -0.1 * 2 / (2 + 0.5)
    assert got == pytest.approx(-0.08, rel=1e-12)


def test_adam_amsgrad_keeps_the_largest_second_moment():
    # betas (0.9, 0.5), g = 2, .1, .1: v = 2, 1.005, .5075 ; vmax stays 2
    opt = adam(lr=0.1, betas=(0.9, 0.5), eps=0.0, amsgrad=True)
    got = run_updates(opt, [2.0, 0.1, 0.1])
    expected = [
        -0.1,
        -0.1 * (0.19 / 0.19) / math.sqrt(2 / 0.75),
        -0.1 * (0.181 / 0.271) / math.sqrt(2 / 0.875),
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    plain = run_updates(adam(lr=0.1, betas=(0.9, 0.5), eps=0.0), [2.0, 0.1, 0.1])
    assert plain[1] == pytest.approx(-0.1 / math.sqrt(1.005 / 0.75), rel=1e-12)


def test_adam_weight_decay_is_l2_in_the_gradient():
    # p0 = 2, raw g = 1: g1 = 2 -> p1 = 1.9 ; g2 = 1.95, m2 = .375, v2 = .0077985
    got = run_params(adam(lr=0.1, eps=0.0, weight_decay=0.5), np.ones_like, 2.0, 2)
    second = 1.9 - 0.1 * (0.375 / 0.19) / math.sqrt(0.0077985 / 0.001999)
    np.testing.assert_allclose(got, [1.9, second], rtol=1e-12)


def test_adamw_decoupled_weight_decay_three_steps():
    # constant g = 1 gives m̂ = v̂ = 1: p <- p - .1 * .5 * p - .1 : 2 -> 1.8 -> 1.61 -> 1.4295
    got = run_params(adamw(lr=0.1, eps=0.0, weight_decay=0.5), np.ones_like, 2.0, 3)
    np.testing.assert_allclose(got, [1.8, 1.61, 1.4295], rtol=1e-12)


def test_adamw_default_weight_decay_is_torchs():
    assert adamw().hyperparams["weight_decay"] == 0.01
    assert adam().hyperparams["weight_decay"] == 0.0


def test_defaults_match_pytorch():
    assert sgd().hyperparams == dict(
        lr=1e-3, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0
    )
    assert adagrad().hyperparams["lr"] == 0.01 and adagrad().hyperparams["eps"] == 1e-10
    hp = rmsprop().hyperparams
    assert (hp["lr"], hp["alpha"], hp["eps"]) == (0.01, 0.99, 1e-8)
    hp = adam().hyperparams
    assert (hp["lr"], hp["betas"], hp["eps"]) == (1e-3, (0.9, 0.999), 1e-8)


# --------------------------------------------------------------------------- schedules


def test_schedule_as_lr():
    opt = sgd(lr=optim.exponential_decay(1.0, gamma=0.5))
    assert run_updates(opt, [1.0, 1.0, 1.0]) == [-1.0, -0.5, -0.25]
    opt = adam(lr=lambda step: 0.1 * (step + 1), eps=0.0)
    np.testing.assert_allclose(run_updates(opt, [1.0, 1.0]), [-0.1, -0.2], rtol=1e-12)


def test_schedule_returning_bad_values_is_reported():
    opt = sgd(lr=lambda step: float("nan"))
    with pytest.raises(ValueError, match="`lr` schedule returned nan at step 0"):
        opt.update(np.ones(1), opt.init(np.ones(1)))
    opt = sgd(lr=lambda step: "fast")
    with pytest.raises(TypeError, match="`lr` schedule returned 'fast'"):
        opt.update(np.ones(1), opt.init(np.ones(1)))


# --------------------------------------------------------------------------- pytrees, purity

ALL = [
    lambda: sgd(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1),
    lambda: sgd(lr=0.05, momentum=0.5, dampening=0.3),
    lambda: adagrad(lr=0.3, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.2),
    lambda: rmsprop(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1),
    lambda: adam(lr=0.05, amsgrad=True, weight_decay=0.1),
    lambda: adamw(lr=0.05, amsgrad=True),
    # the plain configurations too: each has its own shortcut for bare arrays
    lambda: sgd(lr=0.05),
    lambda: sgd(lr=0.05, momentum=0.9),
    lambda: adagrad(lr=0.3),
    lambda: rmsprop(lr=0.01),
    lambda: rmsprop(lr=0.01, momentum=0.5),
    lambda: adam(lr=optim.exponential_decay(0.05, gamma=0.9)),
    lambda: adamw(lr=0.05, weight_decay=0.1, betas=(0.8, 0.99)),
]


@pytest.mark.parametrize("make", ALL)
def test_pytree_matches_leafwise_arrays(make):
    rng = np.random.default_rng(0)
    tree = {"W": rng.normal(size=(2, 3)), "layers": [rng.normal(size=3), (rng.normal(),)]}
    leaves = [tree["W"], tree["layers"][0], np.asarray(tree["layers"][1][0])]
    grads_seq = [
        {"W": rng.normal(size=(2, 3)), "layers": [rng.normal(size=3), (rng.normal(),)]}
        for _ in range(3)
    ]
    opt = make()
    state = opt.init(tree)
    params = tree
    for grads in grads_seq:
        updates, state = opt.update(grads, state, params)
        params = apply_updates(params, updates)
    assert isinstance(params, dict) and isinstance(params["layers"][1], tuple)
    for index, leaf in enumerate(leaves):
        opt = make()
        state = opt.init(leaf)
        x = leaf
        for grads in grads_seq:
            g = [grads["W"], grads["layers"][0], np.asarray(grads["layers"][1][0])][index]
            updates, state = opt.update(g, state, x)
            x = apply_updates(x, updates)
        got = [params["W"], params["layers"][0], params["layers"][1][0]][index]
        np.testing.assert_array_equal(got, x)


@pytest.mark.parametrize("make", ALL)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_nothing_is_modified_in_place(make, seed):
    rng = np.random.default_rng(seed)
    params = {"a": rng.normal(size=3), "b": rng.normal(size=(2, 2))}
    opt = make()
    state = opt.init(params)
    for _ in range(2):  # make the buffers non-trivial
        _, state = opt.update(
            {k: rng.normal(size=v.shape) for k, v in params.items()}, state, params
        )
    grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
    snapshot = [
        {k: v.copy() for k, v in tree.items()} if isinstance(tree, dict) else tree
        for tree in (params, grads, *state)
    ]
    first, new_state = opt.update(grads, state, params)
    apply_updates(params, first)
    second, _ = opt.update(grads, state, params)  # the old state is still intact and reusable
    for before, after in zip(snapshot, (params, grads, *state)):
        if isinstance(before, dict):
            for key in before:
                np.testing.assert_array_equal(before[key], after[key])
        else:
            assert before == after
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    assert new_state.count == state.count + 1


@pytest.mark.parametrize("make", ALL)
def test_plain_arrays_are_never_modified_and_old_states_stay_valid(make):
    # bare arrays take a shortcut past the leafwise walk: it must be just as pure
    rng = np.random.default_rng(7)
    params, opt = rng.normal(size=4), make()
    state = opt.init(params)
    for _ in range(2):  # make the buffers non-trivial
        _, state = opt.update(rng.normal(size=4), state, params)
    grads = rng.normal(size=4)
    snapshot = [v.copy() if isinstance(v, np.ndarray) else v for v in (params, grads, *state)]
    first, new_state = opt.update(grads, state, params)
    apply_updates(params, first)
    second, again = opt.update(grads, state, params)  # the old state, reused
    for before, after in zip(snapshot, (params, grads, *state)):
        np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(first, second)
    for a, b in zip(new_state, again):
        np.testing.assert_array_equal(a, b)
    # no array of the new state is one of the caller's or of the old state
    olds = [params, grads, *state]
    for new in new_state:
        if isinstance(new, np.ndarray):
            assert not any(
                np.shares_memory(new, old) for old in olds if isinstance(old, np.ndarray)
            )


def test_float32_params_stay_float32():
    x = np.ones(3, dtype=np.float32)
    opt = adam(lr=0.1)
    updates, _ = opt.update(np.ones(3, dtype=np.float32), opt.init(x), x)
    assert apply_updates(x, updates).dtype == np.float32


def test_integer_params_become_float():
    x = np.array([3, 4])
    updates, _ = sgd(lr=0.1).update(2 * x, sgd(lr=0.1).init(x), x)
    np.testing.assert_allclose(apply_updates(x, updates), [2.4, 3.2], rtol=1e-15)


def test_weight_decay_needs_params():
    opt = sgd(lr=0.1, weight_decay=0.1)
    with pytest.raises(ValueError, match="`params` must be passed"):
        opt.update(np.ones(2), opt.init(np.ones(2)))
    opt = adamw(lr=0.1)
    with pytest.raises(ValueError, match="`params` must be passed"):
        opt.update(np.ones(2), opt.init(np.ones(2)))


def test_optimizer_is_an_init_update_pair_with_repr():
    opt = adam(lr=0.3)
    init, update = opt
    assert isinstance(opt, optim.Optimizer) and init is opt.init and update is opt.update
    assert (
        repr(opt) == "adam(lr=0.3, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, amsgrad=False)"
    )
    custom = optim.Optimizer(lambda p: None, lambda g, s, p=None: (g, s))
    assert "Optimizer" in repr(custom)


# --------------------------------------------------------------------------- problem table


def parabola(x):
    c = np.array([1.0, -2.0, 0.5])
    return float(np.sum((x - c) ** 2 * np.array([1.0, 3.0, 0.5]))), 2 * (x - c) * np.array(
        [1.0, 3.0, 0.5]
    )


def rosenbrock(x):
    f = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
    g = np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])
    return float(f), g


PROBLEMS = {
    "parabola": (parabola, np.zeros(3), np.array([1.0, -2.0, 0.5])),
    "rosenbrock": (rosenbrock, np.array([-1.2, 1.0]), np.array([1.0, 1.0])),
}

SOLVERS = {
    ("parabola", "sgd"): (lambda: sgd(lr=0.1), 300),
    ("parabola", "momentum"): (lambda: sgd(lr=0.05, momentum=0.9), 500),
    ("parabola", "nesterov"): (lambda: sgd(lr=0.05, momentum=0.9, nesterov=True), 300),
    ("parabola", "adagrad"): (lambda: adagrad(lr=0.5), 1000),
    ("parabola", "rmsprop"): (lambda: rmsprop(lr=0.01), 1000),
    ("parabola", "adam"): (lambda: adam(lr=0.1), 1000),
    ("parabola", "adamw"): (lambda: adamw(lr=0.1, weight_decay=0.0), 1000),
    ("rosenbrock", "sgd"): (lambda: sgd(lr=0.001), 40000),
    ("rosenbrock", "momentum"): (lambda: sgd(lr=0.0005, momentum=0.9), 8000),
    ("rosenbrock", "adagrad"): (lambda: adagrad(lr=0.5), 8000),
    ("rosenbrock", "rmsprop"): (lambda: rmsprop(lr=0.001, centered=True), 8000),
    ("rosenbrock", "adam"): (lambda: adam(lr=0.02), 8000),
}


@pytest.mark.parametrize("key", sorted(SOLVERS), ids=lambda k: "-".join(k))
def test_each_optimiser_solves_the_problem_table(key):
    problem, _ = key
    fun, x0, solution = PROBLEMS[problem]
    make, steps = SOLVERS[key]
    opt = make()
    x = x0.copy()
    state = opt.init(x)
    for _ in range(steps):
        _, g = fun(x)
        updates, state = opt.update(g, state, x)
        x = apply_updates(x, updates)
    np.testing.assert_allclose(x, solution, atol=2e-3)
    np.testing.assert_array_equal(x0, PROBLEMS[problem][1])


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: sgd(lr=0), ValueError, "`lr` must be positive, got 0"),
        (lambda: sgd(lr=-1), ValueError, "`lr` must be positive, got -1"),
        (lambda: sgd(lr=float("nan")), ValueError, "`lr` must be finite, got nan"),
        (lambda: adam(lr=float("inf")), ValueError, "`lr` must be finite, got inf"),
        (lambda: adam(lr="0.1"), TypeError, "`lr` must be a real number, got str"),
        (lambda: sgd(lr=True), TypeError, "`lr` must be a real number"),
        (lambda: sgd(momentum=-0.1), ValueError, r"`momentum` must be in \[0, 1\)"),
        (lambda: sgd(momentum=1.0), ValueError, r"`momentum` must be in \[0, 1\)"),
        (lambda: sgd(dampening=2), ValueError, "`dampening` must be in"),
        (lambda: sgd(nesterov=True), ValueError, "`nesterov` needs `momentum` > 0"),
        (lambda: sgd(momentum=0.9, dampening=0.1, nesterov=True), ValueError, "`dampening` == 0"),
        (lambda: sgd(nesterov="yes"), TypeError, "`nesterov` must be True or False"),
        (lambda: sgd(weight_decay=-1), ValueError, "`weight_decay` must be >= 0"),
        (lambda: adagrad(lr_decay=-1), ValueError, "`lr_decay` must be >= 0"),
        (lambda: adagrad(eps=-1e-3), ValueError, "`eps` must be >= 0"),
        (lambda: adagrad(initial_accumulator_value=-1), ValueError, "`initial_accumulator"),
        (lambda: rmsprop(alpha=1.5), ValueError, r"`alpha` must be in \[0, 1\)"),
        (lambda: rmsprop(centered=1), TypeError, "`centered` must be True or False"),
        (lambda: rmsprop(momentum=float("nan")), ValueError, "`momentum` must be finite"),
        (lambda: adam(betas=(0.9, 1.0)), ValueError, r"`betas\[1\]` must be in \[0, 1\)"),
        (lambda: adam(betas=(-0.1, 0.9)), ValueError, r"`betas\[0\]` must be in"),
        (lambda: adam(betas=0.9), ValueError, "`betas` must be a pair"),
        (lambda: adam(amsgrad=None), TypeError, "`amsgrad` must be True or False"),
        (lambda: adamw(weight_decay=-0.01), ValueError, "`weight_decay` must be >= 0"),
    ],
)
def test_bad_arguments_are_named(make, error, match):
    with pytest.raises(error, match=match):
        make()
