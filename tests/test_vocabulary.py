"""One vocabulary across results: statuses, success, nfev, the iteration count,
callbacks, progress defaults, and the names deprecated on the way there."""

from __future__ import annotations

import inspect
import json
import pickle
import warnings

import numpy as np
import pytest

import slopes
from slopes import Status
from slopes._util.result import Result
from slopes.descent import minimize
from slopes.training import FitStep, TrainingHistory, fit


def bowl(x):
    return float(np.sum(np.asarray(x) ** 2))


def line_problem():
    """Least squares for y = 3x - 1 on 40 points: a fit that completes in a few steps."""
    X = np.linspace(-1, 1, 40).reshape(-1, 1)
    y = 3 * X[:, 0] - 1

    def loss(params, X, y):
        return float(np.mean((X @ params["w"] + params["b"] - y) ** 2))

    def grad(params, X, y):
        r = X @ params["w"] + params["b"] - y
        return {"w": 2 * X.T @ r / len(y), "b": 2 * np.mean(r)}

    return loss, grad, {"w": np.zeros(1), "b": 0.0}, X, y


def quick_fit(**kwargs):
    loss, grad, params, X, y = line_problem()
    options = dict(optimizer=slopes.optim.sgd(lr=0.5), batch_size=10, epochs=3, grad=grad)
    options.update(kwargs)
    return fit(loss, params, X, y, **options)


# -- the Status enum ------------------------------------------------------------------


def test_status_is_public_an_int_and_prints_as_its_word():
    assert slopes.Status is Status and "Status" in slopes.__all__
    assert issubclass(Status, int)
    for member in Status:
        assert str(member) == member.name.lower() == member.word
        assert f"{member}" == member.word and f"{member:>12}" == f"{member.word:>12}"
        assert Status(member.word) is member and Status(int(member)) is member
        assert member.success == (int(member) >= 0)
        assert pickle.loads(pickle.dumps(member)) is member


def test_differentiation_codes_keep_their_values():
    # DiffResult's codes were ints: they keep them, so `status == 0` keeps working
    from slopes.differentiate import _taylor
    from slopes.differentiate._engine import richardson as _richardson
    from slopes.differentiate._engine.core import DiffResult

    expected = {
        "CONVERGED": 0,
        "ONE_SIDED": 1,
        "FIXED_STEP": 2,
        "UNRELIABLE": -1,
        "NONFINITE": -2,
        "IMPRECISE": -3,
    }
    for name, code in expected.items():
        assert Status[name] == code
        assert getattr(DiffResult, name) == Status[name]
        assert getattr(_richardson, name) == Status[name]
    assert _taylor.CONVERGED is Status.CONVERGED and _taylor.UNRELIABLE is Status.UNRELIABLE


def test_codes_are_distinct_and_success_is_the_sign():
    codes = [int(member) for member in Status]
    assert len(set(codes)) == len(codes)
    assert {m.word for m in Status if m.success} == {
        "converged",
        "one_sided",
        "fixed_step",
        "completed",
    }


def test_an_array_of_codes_compares_with_a_member_elementwise():
    res = slopes.derivative(np.sqrt, [1.0, -1.0], full_output=True)  # sqrt is nan below 0
    np.testing.assert_array_equal(res.status == Status.CONVERGED, [True, False])
    np.testing.assert_array_equal(np.equal(Status.NONFINITE, res.status), [False, True])
    assert [Status(int(code)).word for code in res.status] == ["converged", "nonfinite"]
    np.testing.assert_array_equal(res.success, [Status(int(c)).success for c in res.status])


def test_comparing_with_a_word_still_works_for_a_release_with_a_deprecation_warning():
    res = minimize(bowl, [-3.0, 4.0], lr=0.1, steps=100)
    with pytest.warns(DeprecationWarning, match=r"slopes\.Status\.CONVERGED"):
        assert res.status == "converged"
    with pytest.warns(DeprecationWarning, match="deprecated") as caught:
        assert res.status != "diverged"
    assert caught[0].filename == __file__  # the warning names the caller's line
    with pytest.warns(DeprecationWarning):
        assert res.status in ("max_steps", "converged")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new comparisons never warn
        assert res.status == Status.CONVERGED and res.status == 0 and res.status is Status(0)
        assert str(res.status) == "converged"


def test_a_member_hashes_as_its_int():
    # equality with ints is permanent, with words temporary: the hash follows the ints
    assert hash(Status.DIVERGED) == hash(-6) and {Status.DIVERGED: 1}[-6] == 1
    assert Status.DIVERGED in {-6}


def test_json_gets_the_word_from_str():
    res = minimize(bowl, [-3.0, 4.0], lr=10.0)
    assert json.loads(json.dumps({"status": str(res.status)}))["status"] == "diverged"


# -- every result says status and success in the same words ----------------------------


@pytest.mark.parametrize(
    "lr, steps, status",
    [(0.1, 100, Status.CONVERGED), (10.0, 100, Status.DIVERGED), (1e-10, 100, Status.STALLED)],
)
def test_minimize_status_and_success(lr, steps, status):
    res = minimize(bowl, [-3.0, 4.0], lr=lr, steps=steps)
    assert res.status is status and res.success is status.success
    assert type(res.success) is bool


def test_minimize_max_steps_is_no_success():
    res = minimize(bowl, [-3.0, 4.0], lr=0.01, steps=5)
    assert res.status is Status.MAX_STEPS and res.success is False


def test_fit_has_success_completed_and_diverged():
    done = quick_fit()
    assert done.status is Status.COMPLETED and done.success is True
    with np.errstate(all="ignore"):
        blown = quick_fit(optimizer=slopes.optim.sgd(lr=1e6), epochs=20)
    assert blown.status is Status.DIVERGED and blown.success is False
    stopped = quick_fit(callbacks=lambda info: info.nit == 2)
    assert stopped.status is Status.STOPPED and stopped.success is False


def test_every_result_has_success():
    x = np.array([1.0, 2.0])
    results = {
        "derivative": slopes.derivative(np.sin, x, full_output=True),
        "gradient": slopes.gradient(bowl, x, full_output=True),
        "jacobian": slopes.jacobian(np.sin, x, full_output=True),
        "hessian": slopes.hessian(bowl, x, full_output=True),
        "jvp": slopes.jvp(np.sin, x, np.ones(2), full_output=True),
        "hessdiag": slopes.hessdiag(bowl, x, full_output=True),
        "taylor": slopes.taylor(np.exp, 0.0, 3, full_output=True),
        "propagate": slopes.propagate(np.sin, x, np.eye(2) * 1e-4),
        "check_grad": slopes.check_grad(bowl, lambda v: 2 * v, x),
        "minimize": minimize(bowl, x, lr=0.1),
        "fit": quick_fit(),
    }
    for name, res in results.items():
        assert "success" in res, name
        assert np.all(res.success), name
    assert results["check_grad"].success is results["check_grad"].passed is True


# -- nfev: the points at which f was evaluated, in all -----------------------------------


class Counted:
    def __init__(self, f):
        self.f, self.points = f, 0

    def __call__(self, x, *args):
        self.points += 1
        return self.f(x, *args)


@pytest.mark.parametrize(
    "x, options",
    [
        (1.0, {}),
        (np.array([0.5, 1.0, 2.0]), {}),
        (np.linspace(-1, 1, 5), {"step": 1e-4}),
        (np.linspace(-1, 1, 5), {"method": "forward"}),
    ],
)
def test_derivative_nfev_is_the_total_and_the_per_element_counts_add_up(x, options):
    f = Counted(np.sin)
    res = slopes.derivative(f, x, full_output=True, **options)
    assert np.ndim(res.nfev) == 0 and res.nfev == f.points
    assert np.shape(res.nfev_per_element) == np.shape(x)
    assert np.sum(res.nfev_per_element) == res.nfev


def test_gradient_minimize_and_fit_count_the_same_way():
    f = Counted(bowl)
    res = slopes.gradient(f, np.array([1.0, 2.0, 3.0]), full_output=True)
    assert res.nfev == f.points

    f = Counted(bowl)
    res = minimize(f, [-3.0, 4.0], lr=0.1, steps=10)
    assert res.nfev == f.points == (res.nit + 1) * (2 * 2 + 1)  # f, then 2 per coordinate

    loss, _, params, X, y = line_problem()
    counted = Counted(loss)
    res = fit(counted, params, X, y, optimizer=slopes.optim.sgd(lr=0.5), batch_size=10, epochs=2)
    assert res.nfev == counted.points  # the "loss" metric at each epoch's end included
    res = fit(
        counted,
        params,
        X,
        y,
        optimizer=slopes.optim.sgd(lr=0.5),
        batch_size=10,
        epochs=2,
        metrics=[],
    )
    assert res.nfev == 1 + 8 * (1 + 2 * 2)  # the check, then per iteration: loss + 2 per parameter


# -- one name for the iteration count ----------------------------------------------------


def test_fit_history_and_callbacks_say_nit():
    seen = []
    res = quick_fit(callbacks=lambda info: seen.append((type(info), info.nit, info.epoch)))
    assert list(res.history) == ["loss", "epoch", "nit", "train_loss"]
    assert isinstance(res.history, TrainingHistory)
    np.testing.assert_array_equal(res.history.nit, [4, 8, 12])  # 4 minibatches per epoch
    assert res.history.nit[-1] == res.nit == len(res.history.loss)
    assert [s[1] for s in seen] == list(range(1, 13)) and all(s[0] is FitStep for s in seen)
    assert [s[2] for s in seen][3:5] == [1, 1]  # epoch 1 closes at iteration 4


def test_the_old_step_names_still_answer_with_a_deprecation_warning():
    res = quick_fit()
    with pytest.warns(DeprecationWarning, match="'step' of TrainingHistory is renamed 'nit'"):
        np.testing.assert_array_equal(res.history["step"], res.history["nit"])
    with pytest.warns(DeprecationWarning, match="renamed 'nit'"):
        np.testing.assert_array_equal(res.history.step, res.history.nit)
    with pytest.warns(DeprecationWarning, match="renamed 'nit'"):
        np.testing.assert_array_equal(res.history.get("step"), res.history.nit)
    assert "step" not in res.history and "step" not in repr(res.history)

    seen = []

    def old_style(info):
        seen.append(info.step)

    with pytest.warns(DeprecationWarning, match="'step' of FitStep is renamed 'nit'"):
        quick_fit(callbacks=old_style, epochs=1)
    assert seen == [1, 2, 3, 4]


def test_a_missing_field_is_still_an_attribute_error():
    res = Result(nit=3)
    with pytest.raises(AttributeError, match="no attribute 'step'"):
        res.step  # noqa: B018
    with pytest.raises(KeyError):
        res["step"]
    assert res.get("step", 7) == 7


def test_the_deprecation_warning_points_at_the_callers_line():
    res = quick_fit(epochs=1)
    with pytest.warns(DeprecationWarning) as caught:
        res.history.step  # noqa: B018
    assert caught[0].filename == __file__
    with pytest.warns(DeprecationWarning) as caught:
        res.history["step"]
    assert caught[0].filename == __file__
    with pytest.warns(DeprecationWarning) as caught:
        res.history.get("step")
    assert caught[0].filename == __file__


# -- one callback contract ---------------------------------------------------------------


def _raise_stop(*_):
    raise StopIteration


@pytest.mark.parametrize(
    "make, stops",
    [
        (lambda at: lambda nit: nit == at, True),  # a Python bool
        (lambda at: lambda nit: np.int64(nit) == at, True),  # a NumPy bool
        (lambda at: lambda nit: _raise_stop() if nit == at else None, True),  # StopIteration
        (lambda at: lambda nit: None, False),
        (lambda at: lambda nit: False, False),
    ],
)
def test_minimize_and_fit_stop_the_same_way(make, stops):
    rule = make(3)
    res_min = minimize(bowl, [-3.0, 4.0], lr=0.01, steps=20, callback=lambda k, s: rule(k))
    res_fit = quick_fit(epochs=2, callbacks=lambda info: rule(info.nit))
    if stops:
        assert res_min.status is res_fit.status is Status.STOPPED
        assert res_min.nit == res_fit.nit == 3
    else:
        assert res_min.status is not Status.STOPPED and res_min.nit == 20
        assert res_fit.status is Status.COMPLETED and res_fit.nit == 8


def test_a_truthy_non_boolean_return_is_deprecated_in_minimize_and_ignored_in_fit():
    # minimize stopped on any truthy return, fit only on True: for one release each
    # keeps its old behaviour, and minimize says that only True will stop it
    with pytest.warns(DeprecationWarning, match="only True"):
        res = minimize(bowl, [-3.0, 4.0], lr=0.01, steps=20, callback=lambda k, s: k)
    assert res.status is Status.STOPPED and res.nit == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = quick_fit(epochs=1, callbacks=lambda info: info.nit)
    assert res.status is Status.COMPLETED


def test_every_fit_callback_runs_before_the_run_stops():
    calls = []
    res = quick_fit(callbacks=[lambda info: True, lambda info: calls.append(info.nit)])
    assert res.status is Status.STOPPED and calls == [1]


# -- progress defaults -------------------------------------------------------------------


@pytest.mark.parametrize(
    "function",
    [
        slopes.derivative,
        slopes.gradient,
        slopes.jacobian,
        slopes.hessian,
        slopes.check_grad,
        slopes.minimize,
        slopes.fit,
    ],
)
def test_progress_is_off_by_default_everywhere(function):
    assert inspect.signature(function).parameters["progress"].default is False


# -- the learning-rate figure returns its runs --------------------------------------------


def test_learning_rates_full_output_and_the_deprecated_attribute():
    plt = pytest.importorskip("matplotlib.pyplot")
    from slopes.plot import LearningRates, learning_rates

    out = learning_rates(bowl, [-3.0, 4.0], lrs=(1e-10, 10.0), steps=20, full_output=True)
    try:
        assert isinstance(out, LearningRates)
        fig, results = out
        assert [res.status for res in results] == [Status.STALLED, Status.DIVERGED]
        with pytest.warns(DeprecationWarning, match="full_output=True"):
            assert fig.slopes_results is results
    finally:
        plt.close(out.figure)


def test_deprecations_are_slopes_warnings_and_deprecation_warnings():
    from slopes._util.warnings import SlopesDeprecationWarning

    assert issubclass(SlopesDeprecationWarning, slopes.SlopesWarning)
    assert issubclass(SlopesDeprecationWarning, DeprecationWarning)
    res = quick_fit(epochs=1)
    with pytest.warns(SlopesDeprecationWarning):
        res.history.step  # noqa: B018
    with pytest.warns(SlopesDeprecationWarning):
        assert res.status == "completed"
