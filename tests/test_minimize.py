"""slopes.minimize: the chapter's experiments, statuses, evaluation counts, bad input."""

from __future__ import annotations

import types

import numpy as np
import pytest

from slopes import Status, optim
from slopes.book import gradient_descent
from slopes.descent import StepState, minimize


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


def chapter6(x):
    return x[0] ** 2 / 20 + x[1] ** 2


def chapter6_grad(x):
    return np.array([x[0] / 10, 2 * x[1]])


# --------------------------------------------------------------------------- the chapter


def test_lr_0_1_twenty_steps_follows_0_8_to_the_k():
    res = minimize(function_2, np.array([-3.0, 4.0]), lr=0.1, steps=20)
    assert res.history.x.shape == (21, 2)
    expected = 0.8 ** np.arange(21)[:, None] * np.array([-3.0, 4.0])
    np.testing.assert_allclose(res.history.x, expected, rtol=0, atol=1e-9)
    # the chapter's 20-entry history is history.x[:20]
    _, chapter_history = gradient_descent(function_2, np.array([-3.0, 4.0]), lr=0.1, step_num=20)
    np.testing.assert_allclose(res.history.x[:20], chapter_history, rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.history.f, np.sum(expected**2, axis=1), rtol=1e-8)
    np.testing.assert_allclose(res.history.grad_norm, 10 * 0.8 ** np.arange(21), rtol=1e-7)


def test_lr_0_1_hundred_steps_reaches_1e_minus_9():
    res = minimize(function_2, np.array([-3.0, 4.0]), lr=0.1, steps=100)
    np.testing.assert_allclose(res.x, [-6.11110793e-10, 8.14814391e-10], rtol=0, atol=1e-12)
    assert 0.5e-9 < np.linalg.norm(res.x) < 2e-9
    assert res.nit == 100 and res.status in (Status.MAX_STEPS, Status.CONVERGED)


def test_lr_10_diverges_well_before_100_steps():
    res = minimize(function_2, np.array([-3.0, 4.0]), lr=10.0, steps=100)
    assert res.status == Status.DIVERGED and not res.success
    assert res.nit < 10
    assert "too large" in res.message and "try lr=" in res.message
    assert np.all(np.isfinite(res.x)) and res.fun == 25.0  # the best iterate is x0
    np.testing.assert_array_equal(res.x, [-3.0, 4.0])


def test_lr_1e_10_stalls_and_says_so():
    res = minimize(function_2, np.array([-3.0, 4.0]), lr=1e-10, steps=100)
    assert res.status == Status.STALLED
    assert "far too small" in res.message and "try lr=" in res.message
    np.testing.assert_allclose(res.x, [-2.99999994, 3.99999992], rtol=1e-8)


def test_suggested_learning_rates_come_from_the_curvature():
    # f = x0² + x1² has curvature L = 2, so plain gradient descent is best at lr = 1/L
    big = minimize(function_2, [-3.0, 4.0], lr=10.0, grad=lambda x: 2 * x)
    small = minimize(function_2, [-3.0, 4.0], lr=1e-10, grad=lambda x: 2 * x)
    assert "try lr=0.5" in big.message and "try lr=0.5" in small.message
    explicit = minimize(function_2, [-3.0, 4.0], optimizer=optim.sgd(lr=10.0))
    assert "try lr=0.5" in explicit.message
    momentum = minimize(function_2, [-3.0, 4.0], optimizer=optim.sgd(lr=10.0, momentum=0.5))
    assert momentum.status == Status.DIVERGED and "try lr=1" in momentum.message  # a tenth


def test_the_measured_suggestion_is_a_field_of_the_result():
    big = minimize(function_2, [-3.0, 4.0], lr=10.0, grad=lambda x: 2 * x)
    assert big.suggested_lr == pytest.approx(0.5, rel=1e-9)
    good = minimize(function_2, [-3.0, 4.0], lr=0.1, grad=lambda x: 2 * x)
    assert good.suggested_lr is None  # nothing to advise
    momentum = minimize(function_2, [-3.0, 4.0], optimizer=optim.sgd(lr=10.0, momentum=0.5))
    assert momentum.suggested_lr is None  # 1/L is the rule for plain descent only


@pytest.mark.parametrize(
    ("name", "opt"),
    [
        ("sgd", optim.sgd(lr=0.95)),
        ("momentum", optim.sgd(lr=0.1, momentum=0.9)),
        ("adagrad", optim.adagrad(lr=1.5)),
        ("adam", optim.adam(lr=0.3)),
    ],
)
def test_chapter6_comparison_runs_and_follows_the_optimiser(name, opt):
    x0 = np.array([-7.0, 2.0])
    res = minimize(chapter6, x0, optimizer=opt, steps=30, tol=0.0)
    assert res.nit == 30 and res.history.x.shape == (31, 2)
    assert res.fun < chapter6(x0)
    assert res.optimizer is opt
    # the same optimiser applied by hand with the exact gradient gives the same path
    x, state, path = x0, opt.init(x0), [x0]
    for _ in range(30):
        updates, state = opt.update(chapter6_grad(x), state, x)
        x = optim.apply_updates(x, updates)
        path.append(x)
    np.testing.assert_allclose(res.history.x, np.array(path), rtol=0, atol=1e-6)
    exact = minimize(chapter6, x0, optimizer=opt, steps=30, grad=chapter6_grad, tol=0.0)
    np.testing.assert_array_equal(exact.history.x, np.array(path))


# --------------------------------------------------------------------------- evaluation counts


@pytest.mark.parametrize("n", [1, 2, 5])
def test_nfev_is_stencil_points_plus_one_per_iterate_and_nothing_repeats(n):
    points = []

    def f(x):
        points.append(tuple(np.atleast_1d(x).tolist()))
        return float(np.sum((x - 1.0) ** 2))

    res = minimize(f, np.zeros(n), lr=0.1, steps=7, tol=0.0, ftol=0.0)
    assert res.nit == 7
    assert res.nfev == (res.nit + 1) * (2 * n + 1) == len(points)
    assert len(set(points)) == len(points)  # no point evaluated twice
    assert res.ngev == 0


def test_analytic_gradient_counts():
    calls = {"f": 0, "g": 0}

    def f(x):
        calls["f"] += 1
        return float(x @ x)

    def g(x):
        calls["g"] += 1
        return 2 * x

    res = minimize(f, np.ones(3), lr=0.1, steps=5, grad=g, tol=0.0)
    assert res.nfev == calls["f"] == 6 and res.ngev == calls["g"] == 6


def test_workers_as_a_map_callable_gives_the_same_run():
    serial = minimize(chapter6, [-7.0, 2.0], lr=0.5, steps=10)
    spread = minimize(chapter6, [-7.0, 2.0], lr=0.5, steps=10, workers=map)
    np.testing.assert_allclose(spread.history.x, serial.history.x, rtol=1e-12)
    assert spread.nfev == serial.nfev == 11 * 5


# --------------------------------------------------------------------------- statuses


def test_converged_by_gradient_norm():
    res = minimize(lambda x: float(np.sum((x - 1) ** 2)), np.zeros(2), lr=0.25, steps=500)
    assert res.status == Status.CONVERGED and res.success
    assert res.history.grad_norm[-1] <= 1e-9 < res.history.grad_norm[-2]
    assert "Converged" in res.message and "tol" in res.message
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-9)


def test_converged_by_change_in_f():
    # f* = 5 is far from 0, so a relative change of 1e-12 comes well before |g| <= tol
    res = minimize(
        lambda x: float((x[0] - 1) ** 2 + 5), [3.0], lr=0.1, steps=1000, grad=lambda x: 2 * (x - 1)
    )
    assert res.status == Status.CONVERGED and "ftol" in res.message
    assert res.nit < 1000
    assert abs(res.x[0] - 1) < 1e-5


def test_tiny_learning_rate_is_never_called_converged():
    res = minimize(
        lambda x: float((x[0] - 1) ** 2 + 5), [3.0], lr=1e-13, steps=50, grad=lambda x: 2 * (x - 1)
    )
    assert res.status == Status.STALLED


def test_callback_sees_every_iterate_and_can_stop():
    seen = []

    def callback(step, state):
        assert isinstance(state, StepState)
        seen.append((step, state.x.copy(), state.f, state.grad.copy(), state.grad_norm))
        return step == 3

    res = minimize(
        function_2, [-3.0, 4.0], lr=0.1, steps=100, grad=lambda x: 2 * x, callback=callback
    )
    assert res.status == Status.STOPPED and res.nit == 3
    assert "callback" in res.message
    assert [s[0] for s in seen] == [0, 1, 2, 3]
    _, x, f, g, gn = seen[2]
    np.testing.assert_allclose(x, 0.64 * np.array([-3.0, 4.0]), rtol=1e-14)
    assert f == pytest.approx(25 * 0.64**2, rel=1e-14)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-14)
    assert gn == pytest.approx(10 * 0.64, rel=1e-14)


def test_default_descent_is_bit_for_bit_explicit_sgd():
    # plain descent (the default, or sgd without extras) takes a shortcut, x - lr * g; it
    # must equal sgd's own update exactly, run through the generic path by a wrapper pair
    x0 = np.array([-7.0, 2.0])
    counts = []
    default = minimize(
        chapter6, x0, lr=0.3, steps=40, callback=lambda k, s: counts.append(s.opt_state.count)
    )
    opt = optim.sgd(lr=0.3)
    explicit = minimize(chapter6, x0, optimizer=opt, steps=40)
    states = []

    def update(grads, state, params=None):
        states.append(state)
        return opt.update(grads, state, params)

    generic = minimize(chapter6, x0, optimizer=(opt.init, update), steps=40)
    assert len(states) == generic.nit == default.nit > 0
    for res in (explicit, generic):
        np.testing.assert_array_equal(default.history.x, res.history.x)
        np.testing.assert_array_equal(default.history.f, res.history.f)
    assert counts == list(range(default.nit + 1))
    assert [state.count for state in states] == counts[:-1]


def test_callback_returning_none_does_not_stop():
    res = minimize(function_2, [-3.0, 4.0], lr=0.1, steps=5, callback=lambda k, s: None)
    assert res.status == Status.MAX_STEPS and res.nit == 5


def test_answer_is_the_best_finite_iterate_never_nan():
    def f(x):
        return float(x[0] ** 2) if abs(x[0]) < 5 else float("nan")

    res = minimize(f, [1.0], lr=1.5, steps=100, grad=lambda x: 2 * x)  # x -> -2x each step
    assert res.status == Status.DIVERGED
    assert "became nan" in res.message
    assert np.all(np.isfinite(res.x)) and res.x[0] == 1.0 and res.fun == 1.0
    assert np.isnan(res.history.f[-1])
    finite = np.isfinite(res.history.f)
    assert res.fun == np.min(res.history.f[finite])


def test_non_finite_gradient_is_diverged():
    res = minimize(lambda x: 0.0, [1.0], grad=lambda x: np.array([np.inf]))
    assert res.status == Status.DIVERGED and "the gradient became inf" in res.message
    assert res.nit == 0


def test_function_going_up_without_blowing_up_is_reported():
    # gradient ascent in disguise: a wrong-sign gradient walks f upwards slowly
    res = minimize(function_2, [1.0, 1.0], lr=0.001, steps=20, grad=lambda x: -2 * x, tol=0.0)
    assert res.status == Status.MAX_STEPS and "went up" in res.message
    np.testing.assert_array_equal(res.x, [1.0, 1.0])


def test_zero_steps_evaluates_x0_only():
    res = minimize(function_2, [-3.0, 4.0], steps=0)
    assert res.nit == 0 and res.status == Status.MAX_STEPS and res.nfev == 5
    assert res.history.x.shape == (1, 2) and res.fun == 25.0


# --------------------------------------------------------------------------- structures


def test_pytree_x0():
    x0 = {"w": np.zeros(2), "b": 3.0}

    def f(t):
        return float(np.sum((t["w"] - 1) ** 2) + t["b"] ** 2)

    def g(t):
        return {"w": 2 * (t["w"] - 1), "b": 2 * t["b"]}

    for grad in (None, g):
        res = minimize(f, x0, optimizer=optim.adam(lr=0.1), steps=400, grad=grad)
        assert isinstance(res.x, dict) and set(res.x) == {"w", "b"}
        np.testing.assert_allclose(res.x["w"], [1.0, 1.0], atol=1e-3)
        assert abs(float(res.x["b"])) < 1e-3
        assert isinstance(res.history.x, list) and len(res.history.x) == res.nit + 1
        np.testing.assert_array_equal(res.history.x[0]["w"], [0.0, 0.0])
        assert isinstance(res.grad, dict)
    np.testing.assert_array_equal(x0["w"], [0.0, 0.0])


def test_x0_is_never_modified_and_results_are_fresh():
    x0 = np.array([-3.0, 4.0])
    res = minimize(function_2, x0, lr=0.1, steps=5, grad=lambda x: 2 * x)
    np.testing.assert_array_equal(x0, [-3.0, 4.0])
    assert not np.shares_memory(res.x, x0) and not np.shares_memory(res.x, res.history.x)


def test_grad_that_reuses_its_buffer_gives_the_same_run():
    # a gradient written into one buffer, returned every time: minimize must copy what it keeps
    buffer = np.empty(2)

    def reusing(x):
        np.multiply(2.0, x, out=buffer)
        return buffer

    for lr in (0.1, 10.0, 1e-10):  # max_steps, diverged (with advice), stalled (with advice)
        fresh = minimize(function_2, [-3.0, 4.0], lr=lr, grad=lambda x: 2 * x)
        reused = minimize(function_2, [-3.0, 4.0], lr=lr, grad=reusing)
        assert reused.status == fresh.status and reused.message == fresh.message
        np.testing.assert_array_equal(reused.history.x, fresh.history.x)
        np.testing.assert_array_equal(reused.grad, fresh.grad)
        np.testing.assert_array_equal(reused.grad, 2 * reused.x)  # the gradient at res.x
    assert "try lr=0.5" in minimize(function_2, [-3.0, 4.0], lr=10.0, grad=reusing).message


def no_spare_rows(history_x):
    """True when the memory behind history.x is just its own (no unused buffer rows)."""
    base = history_x if history_x.base is None else history_x.base
    return base.size == history_x.size


def test_long_history_of_a_large_x_is_exact_and_fresh():
    # many coordinates: the history buffer starts small and has to grow several times
    x0 = np.linspace(-1.0, 1.0, 30_000)
    res = minimize(lambda x: float(x @ x), x0, lr=0.25, steps=20, grad=lambda x: 2 * x)
    assert res.history.x.shape == (21, x0.size) and no_spare_rows(res.history.x)
    np.testing.assert_array_equal(res.history.x, 0.5 ** np.arange(21)[:, None] * x0)
    np.testing.assert_array_equal(res.history.f, [float(x @ x) for x in res.history.x])
    # converging early: the history holds exactly the iterates taken
    res = minimize(lambda x: float(x @ x), x0, lr=0.5, steps=10**6, grad=lambda x: 2 * x)
    assert res.status == Status.CONVERGED and res.nit == 1 and res.history.x.shape == (2, x0.size)
    assert no_spare_rows(res.history.x)


def test_matrix_scalar_and_integer_x0():
    target = np.arange(6.0).reshape(2, 3)
    res = minimize(lambda w: float(np.sum((w - target) ** 2)), np.zeros((2, 3)), lr=0.25)
    assert res.history.x.shape == (res.nit + 1, 2, 3) and res.x.shape == (2, 3)
    np.testing.assert_allclose(res.x, target, atol=1e-8)
    res = minimize(lambda x: (x - 2.0) ** 2, 0.0, lr=0.25, grad=lambda x: 2 * (x - 2.0))
    assert np.ndim(res.x) == 0 and res.history.x.shape == (res.nit + 1,)
    assert float(res.x) == pytest.approx(2.0, abs=1e-9)
    res = minimize(function_2, np.array([-3, 4]), lr=0.1, steps=3)
    np.testing.assert_allclose(res.history.x[3], 0.512 * np.array([-3.0, 4.0]), atol=1e-9)


def test_float32_x0_uses_a_step_for_float32():
    x0 = np.array([-3.0, 4.0], dtype=np.float32)
    res = minimize(lambda x: x[0] ** 2 + x[1] ** 2, x0, lr=0.1, steps=20)
    assert res.history.x.dtype == np.float32
    expected = 0.8 ** np.arange(21)[:, None] * np.array([-3.0, 4.0])
    np.testing.assert_allclose(res.history.x, expected, rtol=1e-3, atol=1e-5)


def test_schedule_and_plain_pair_as_optimizer():
    res = minimize(
        function_2, [-3.0, 4.0], lr=optim.exponential_decay(0.1, 0.5), steps=3, grad=lambda x: 2 * x
    )
    # factors 1 - 2 lr_t: 0.8, 0.9, 0.95
    np.testing.assert_allclose(res.history.x[3], 0.8 * 0.9 * 0.95 * np.array([-3.0, 4.0]))
    init, update = optim.sgd(lr=0.1)
    res = minimize(function_2, [-3.0, 4.0], optimizer=(init, update), steps=2, grad=lambda x: 2 * x)
    np.testing.assert_allclose(res.history.x[2], 0.64 * np.array([-3.0, 4.0]))
    opt = optim.sgd(lr=0.1)
    duck = types.SimpleNamespace(init=opt.init, update=opt.update)  # optax-style object
    res = minimize(function_2, [-3.0, 4.0], optimizer=duck, steps=2, grad=lambda x: 2 * x)
    np.testing.assert_allclose(res.history.x[2], 0.64 * np.array([-3.0, 4.0]))


def test_repr_and_history_repr():
    res = minimize(function_2, [-3.0, 4.0], lr=0.1, steps=3)
    text = repr(res)
    assert text.startswith("MinimizeResult(status=Status.MAX_STEPS,") and "message=" in text
    assert repr(res.history) == "History(4 iterates: x, f, grad_norm)"


def test_progress_bar_always(capsys):
    minimize(function_2, [-3.0, 4.0], lr=0.1, steps=3, progress="always")
    assert "minimize" in capsys.readouterr().err


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(lr=0), ValueError, "`lr` must be positive, got 0"),
        (dict(lr=-1), ValueError, "`lr` must be positive, got -1"),
        (dict(lr=float("nan")), ValueError, "`lr` must be finite, got nan"),
        (dict(lr=float("inf")), ValueError, "`lr` must be finite, got inf"),
        (dict(lr="big"), TypeError, "`lr` must be a real number"),
        (dict(steps=-1), ValueError, "`steps` must be a non-negative integer, got -1"),
        (dict(steps=2.5), ValueError, "`steps` must be a non-negative integer"),
        (dict(x0=[np.nan, 1.0]), ValueError, "`x0` must be finite, got nan at flat index 0"),
        (dict(x0=[1.0, np.inf]), ValueError, "`x0` must be finite, got inf at flat index 1"),
        (dict(x0=[]), ValueError, "`x0` is empty"),
        (dict(x0="abc"), TypeError, "`x0` must be a number, an array or a pytree"),
        (dict(f=lambda x: x), ValueError, r"`f` must return a scalar, .* shape \(2,\)"),
        (dict(f=lambda x: "low"), TypeError, "`f` must return a real number"),
        (dict(f=3), TypeError, "`f` must be callable, got int"),
        (dict(optimizer=0.1), TypeError, r"`optimizer` must be an \(init, update\) pair"),
        (dict(optimizer=(1, 2)), TypeError, "`optimizer` must be an"),
        (dict(grad=np.ones(2)), TypeError, "`grad` must be callable or None"),
        (dict(grad=lambda x: np.ones(3)), ValueError, "`grad` returned 3 values, but x has 2"),
        (dict(callback=True), TypeError, "`callback` must be callable or None"),
        (dict(tol=-1e-3), ValueError, "`tol` must be >= 0"),
        (dict(ftol=float("nan")), ValueError, "`ftol` must be finite"),
    ],
)
def test_bad_input_is_named(kwargs, error, match):
    args = dict(f=function_2, x0=np.array([-3.0, 4.0]))
    args.update(kwargs)
    f, x0 = args.pop("f"), args.pop("x0")
    with pytest.raises(error, match=match):
        minimize(f, x0, **args)


# --------------------------------------------------------------------------- issue 12 and 13 cases


def test_the_chapters_lr_0_1_run_is_converged_and_never_told_to_take_more_steps():
    # f fell from 25 to 1e-18 and the gradient from 10 to 2e-9: that is convergence
    res = minimize(function_2, np.array([-3.0, 4.0]), lr=0.1, steps=100)
    assert res.status == Status.CONVERGED and res.success and res.nit == 100
    assert "more steps" not in res.message
    assert "from 10 to 2.04e-09" in res.message and "from 25 to 1.04e-18" in res.message
    # fewer steps: the gradient is still 1e-3 of its start, so not yet converged
    short = minimize(function_2, np.array([-3.0, 4.0]), lr=0.1, steps=30)
    assert short.status == Status.MAX_STEPS


def test_f_near_zero_by_many_orders_is_never_advised_more_steps():
    # f = x^4 from x = 1: f falls 8 orders in 2000 steps while the gradient falls only 6
    res = minimize(lambda x: float(x[0] ** 4), [1.0], lr=0.1, steps=2000, tol=0.0, ftol=0.0)
    assert res.history.f[-1] < 1e-6 * res.history.f[0]
    assert "more steps" not in res.message


def test_f_writing_into_its_argument_does_not_move_the_iterate():
    def f(x):
        value = float(np.sum(x**2))
        x += 1.0  # a careless f
        return value

    def grad(x):
        g = 2 * x
        x *= 0.0
        return g

    for gradient in (None, grad):
        res = minimize(f, [1.0, 2.0, 3.0], lr=0.1, steps=5, grad=gradient)
        expected = 0.8 ** np.arange(6)[:, None] * np.array([1.0, 2.0, 3.0])
        np.testing.assert_allclose(res.history.x, expected, rtol=1e-7)
        # res.fun is f at res.x, not at some other point
        assert res.fun == pytest.approx(float(np.sum(res.x**2)), rel=1e-12)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # numpy's, on the step
def test_a_step_that_overflows_x_is_divergence_not_bad_input():
    res = minimize(lambda x: float(x[0] ** 2), [1.0], lr=1e308, steps=10)
    assert res.status == Status.DIVERGED and res.nit == 1
    assert "x became -inf" in res.message and "too large" in res.message
    np.testing.assert_array_equal(res.x, [1.0])
    assert res.fun == 1.0


def test_a_huge_finite_gradient_is_not_reported_as_infinite():
    res = minimize(
        lambda x: float(1e160 * x[0]), [1.0], lr=1e-170, steps=2, grad=lambda x: np.array([1e160])
    )
    np.testing.assert_allclose(res.history.grad_norm, [1e160] * 3, rtol=1e-15)
    assert "inf" not in res.message
    # a long vector takes the other road: scaled only when the sum of squares overflows
    big = np.full(400, 1e160)
    res = minimize(
        lambda x: float(np.sum(x)), np.zeros(400), lr=1e-300, steps=1, grad=lambda x: big
    )
    assert res.history.grad_norm[0] == pytest.approx(20 * 1e160, rel=1e-12)


def test_lr_and_optimizer_together_are_refused():
    with pytest.raises(ValueError, match="`lr` and `optimizer` were both given"):
        minimize(function_2, [1.0, 1.0], lr=0.1, optimizer=optim.adam(lr=0.1))
