"""Regression tests for problems found by using slopes as a new user would.

Each test pins one fix: a silent wrong number, a misleading message, or an
internal error where a clear one naming the argument belongs.
"""

import json

import numpy as np
import pytest

import slopes
from slopes import datasets, models, optim
from slopes._plot_common import path_window
from slopes.cli import main

OPTIMIZERS = {
    "sgd": lambda: optim.sgd(0.1),
    "momentum": lambda: optim.sgd(0.1, momentum=0.9),
    "adagrad": lambda: optim.adagrad(0.1),
    "rmsprop": lambda: optim.rmsprop(0.1),
    "adam": lambda: optim.adam(0.1),
    "adamw": lambda: optim.adamw(0.1),
}


# --- optimisers: NumPy broadcasting must not hide a gradient of the wrong shape ----------


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


# --- minimize ----------------------------------------------------------------------------


def test_minimize_refuses_a_complex_valued_f():
    # float() of a complex NumPy scalar drops the imaginary part with only a warning
    with pytest.raises(TypeError, match="`f` must return a real number, got the complex"):
        slopes.minimize(lambda x: np.sum(x) + 1j, [1.0, 2.0], steps=3)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize(
    ("f", "grad", "what"),
    [
        (lambda x: np.log(x[0]), None, "f became nan"),
        (lambda x: 0.0, lambda x: np.array([np.inf]), "the gradient became inf"),
    ],
)
def test_non_finite_at_x0_does_not_blame_the_learning_rate(f, grad, what):
    # before the fix: "... so the learning rate (lr=0.01) is too large; try lr=0.001",
    # advice that cannot help when no step was taken
    res = slopes.minimize(f, [-1.0], grad=grad, steps=10)
    assert res.status == "diverged" and res.nit == 0
    assert what in res.message and "at x0 itself" in res.message
    assert "learning rate (" not in res.message and "try lr" not in res.message


# --- fit, datasets, models -----------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    return datasets.load_digits(test_size=0.2, seed=0)


def _fit(digits, **options):
    (X, y), _ = digits
    model = models.SoftmaxRegression(64, 10, seed=0)
    kwargs = dict(optimizer=optim.sgd(0.1), grad=model.grad, epochs=1, progress=False)
    kwargs.update(options)
    return slopes.fit(model.loss, model.params, X[:200], y[:200], **kwargs)


@pytest.mark.parametrize("eval_data", [("only X",), "X and y", np.zeros((3, 64))])
def test_fit_eval_data_must_be_a_pair(digits, eval_data):
    # a 1-tuple used to raise "_check_data() missing 1 required positional argument"
    with pytest.raises(TypeError, match=r"`eval_data` must be a pair \(X_test, y_test\)"):
        _fit(digits, eval_data=eval_data)


@pytest.mark.parametrize(
    ("seed", "error"), [("a", TypeError), (1.5, TypeError), (True, TypeError), (-1, ValueError)]
)
def test_fit_seed_is_checked(digits, seed, error):
    with pytest.raises(error, match="`seed` must be a non-negative integer"):
        _fit(digits, seed=seed)


def test_fit_accepts_a_numpy_integer_seed_and_gives_the_same_run(digits):
    a, b = _fit(digits, seed=3), _fit(digits, seed=np.int64(3))
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


@pytest.mark.parametrize("test_size", [0.001, 0.004, 0.997, 0.9999])
def test_load_digits_too_small_a_part_names_test_size(test_size):
    # sklearn's own message ("The test_size = 2 should be greater or equal to the number
    # of classes = 10") does not say which argument to change, nor to what
    with pytest.raises(ValueError, match=r"`test_size` .* between 0\.0056 and 0\.9944"):
        datasets.load_digits(test_size=test_size)


def test_load_digits_smallest_allowed_test_part_has_every_class():
    (_, _), (_, y_test) = datasets.load_digits(test_size=0.0056)
    assert sorted(set(y_test.tolist())) == list(range(10))


@pytest.mark.parametrize(
    "model", [models.SoftmaxRegression(64, 10), models.TwoLayerNet(64, 5, 10)], ids=repr
)
@pytest.mark.parametrize("method", ["loss", "accuracy", "grad"])
def test_models_refuse_empty_data_instead_of_nan(model, method):
    with pytest.raises(ValueError, match=r"`X` holds no samples \(shape \(0, 64\)\)"):
        getattr(model, method)(model.params, np.zeros((0, 64)), np.zeros(0, dtype=int))


def test_models_need_two_classes():
    with pytest.raises(ValueError, match="`n_classes` must be an integer >= 2, got 1"):
        models.SoftmaxRegression(64, 1)
    with pytest.raises(ValueError, match="`output_size` must be an integer >= 2, got 1"):
        models.TwoLayerNet(64, 5, 1)


# --- the command line ----------------------------------------------------------------------


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_diff_prints_an_unreliable_value_with_a_warning_and_exit_1(capsys):
    # sqrt has an infinite slope at 0: the engine says success=False; the command line
    # used to print f'(0) = 13.47 as if it were a good number, with exit code 0
    code, out, err = _run(capsys, "diff", "sqrt(x)", "--at", "0")
    assert code == 1
    assert out.startswith("f(x) = sqrt(x)\nf'(0) = ")
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("slopes diff: warning: ") and "not reliable" in err


def test_cli_json_says_whether_the_value_is_reliable(capsys):
    code, out, _ = _run(capsys, "diff", "sqrt(x)", "--at", "0,1", "--json")
    data = json.loads(out)
    assert code == 1 and data["success"] is False and "not reliable" in data["message"]
    assert data["value"][1] == pytest.approx(0.5, rel=1e-10)
    code, out, err = _run(capsys, "grad", "x0**2 + x1**2", "--at", "3,4", "--json")
    data = json.loads(out)
    assert code == 0 and err == "" and data["success"] is True
    assert data["gradient"] == pytest.approx([6.0, 8.0], rel=1e-12)


def test_cli_hess_of_a_smooth_function_is_a_success(capsys):
    code, out, err = _run(capsys, "hess", "rosenbrock", "--at", "1,1", "--json")
    data = json.loads(out)
    assert code == 0 and err == "" and data["success"] is True
    assert np.allclose(data["hessian"], [[802.0, -400.0], [-400.0, 200.0]], rtol=1e-8)


def test_cli_train_limit_applies_to_the_digits(capsys):
    # --limit was applied to MNIST only: on the digits it was silently ignored
    code, out, err = _run(
        capsys,
        *("train", "--gradient", "analytic", "--epochs", "1", "--limit", "300"),
        *("--batch-size", "50", "--no-progress", "--json"),
    )
    data = json.loads(out)
    assert code == 0, err
    assert data["n_train"] == 300 and data["nit"] == 6  # 300 / 50 steps in one epoch


def test_cli_help_train_example_learns(capsys):
    # the example in `slopes --help` must show training that works (the plain sgd
    # example reached 16% test accuracy on the digits)
    code, out, _ = _run(capsys, "--help")
    line = next(line for line in out.splitlines() if line.strip().startswith("slopes train"))
    argv = [*line.split()[1:], "--no-progress", "--json"]
    code, out, err = _run(capsys, *argv)
    assert code == 0, err
    assert json.loads(out)["test_accuracy"] >= 0.9


# --- pictures ------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_plot_function_refuses_what_would_draw_an_empty_or_broken_picture():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = len(plt.get_fignums())
    with pytest.raises(TypeError, match="`f` must be callable, got int"):
        slopes.plot.function(3)
    with pytest.raises(ValueError, match=r"`f` is not finite anywhere on xlim=\(0, 20\)"):
        slopes.plot.function(lambda x: np.nan * x)
    with pytest.raises(ValueError, match="`tangent_at` holds -1, where f or its slope is not"):
        slopes.plot.function(np.log, xlim=(0.1, 2.0), tangent_at=[-1.0])
    assert len(plt.get_fignums()) == before  # no half-drawn figure left behind


def test_path_window_is_never_empty_for_a_tiny_move():
    # found by hypothesis in test_plot: a move of 1e-123 gave ylim (1.0, 1.0)
    xlim, ylim = path_window([np.array([[0.0, 1.0], [1.2922103500380118e-123, 1.0]])])
    assert xlim[0] < 0.0 < 1e-123 < xlim[1]
    assert ylim[0] < 1.0 < ylim[1]


class _ClosedPipe:
    """A stdout whose reader has gone away, as in `slopes tour | head -1`."""

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize(
    "argv", [("functions",), ("grad", "x0**2 + x1**2", "--at", "3,4", "--json")]
)
def test_cli_stops_quietly_when_the_reader_goes_away(capsys, monkeypatch, argv):
    # it used to print "slopes functions: failed: [Errno 32] Broken pipe" and exit 1
    monkeypatch.setattr("sys.stdout", _ClosedPipe())
    assert main(list(argv)) == 141
    assert capsys.readouterr().err == ""
