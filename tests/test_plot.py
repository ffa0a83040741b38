"""slopes.plot: what is drawn (lines, arrows, limits, titles, legends, GIF frames)."""

import io
import math
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

matplotlib.use("Agg")  # tests only: the library itself never picks a backend
import matplotlib.pyplot as plt
from PIL import Image

from slopes import plot
from slopes.plot._common import batch_caller, clip_path, path_window


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch):
    def no_show(*args, **kwargs):
        raise AssertionError("plot functions must never call plt.show()")

    monkeypatch.setattr(plt, "show", no_show)
    yield
    plt.close("all")


def bowl(x):
    return x[0] ** 2 + x[1] ** 2


def chapter_path(steps=20):
    """Gradient descent on x0²+x1² from (-3, 4) with lr 0.1: x_k = 0.8**k * x0 exactly."""
    return 0.8 ** np.arange(steps + 1)[:, None] * np.array([-3.0, 4.0])


class FakeResult(dict):
    """A minimize-like result: attribute access and history.x/.f, as the contract says."""

    def __getattr__(self, name):
        return self[name]


def fake_result(path, status="max_steps", f=bowl):
    history = FakeResult(x=path, f=np.array([f(p) for p in path]))
    return FakeResult(x=path[-1], fun=history.f[-1], status=status, history=history)


def assert_png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


# -- function ------------------------------------------------------------------------


def test_function_draws_curve_and_textbook_tangents():
    f = lambda x: 0.01 * x**2 + 0.1 * x  # noqa: E731
    ax = plot.function(f, xlim=(0, 20), tangent_at=[5, 10])
    curve, *tangents = ax.lines
    assert len(tangents) == 2
    xs, ys = curve.get_data()
    np.testing.assert_allclose(ys, 0.01 * xs**2 + 0.1 * xs)
    for line, a in zip(tangents, (5.0, 10.0)):
        tx, ty = line.get_data()
        slope = (ty[-1] - ty[0]) / (tx[-1] - tx[0])
        assert slope == pytest.approx(0.02 * a + 0.1, abs=1e-9)  # f'(a), closed form
        # the line touches the curve at a
        assert np.interp(a, tx, ty) == pytest.approx(f(a), abs=1e-9)
    touch = ax.collections[0].get_offsets()
    np.testing.assert_allclose(touch, [[5.0, 0.75], [10.0, 2.0]])
    assert ax.get_xlim() == (0.0, 20.0)
    low, high = ax.get_ylim()
    assert low < 0.0 and 6.0 < high < 7.0  # the curve (0 to 6) fills the height
    assert [t.get_text() for t in ax.get_legend().get_texts()][1] == "tangent at x=5, slope 0.2"
    assert_png(ax.figure)


def test_function_accepts_scalar_only_f_and_own_axes():
    _, ax = plt.subplots()
    calls = []

    def scalar_sin(x):
        calls.append(x)
        return math.sin(x)  # fails on arrays: must be called point by point

    returned = plot.function(scalar_sin, xlim=(0, math.pi), tangent_at=[], ax=ax, num=50)
    assert returned is ax
    (curve,) = ax.lines
    xs, ys = curve.get_data()
    np.testing.assert_allclose(ys, np.sin(xs))
    assert not ax.collections  # no tangent points


def test_plot_windows_default_to_a_test_functions_domain():
    from slopes import functions

    ax = plot.function(functions.function_1, tangent_at=[5])
    assert ax.get_xlim() == (0.0, 20.0)
    ax = plot.gradient_field(functions.himmelblau, n=6)
    assert ax.get_xlim() == (-5.0, 5.0) and ax.get_ylim() == (-5.0, 5.0)
    quiver = ax.collections[-1]
    points = np.column_stack([quiver.X, quiver.Y])
    expected = -functions.himmelblau.grad(points)  # the analytic gradient, row by row
    np.testing.assert_allclose(
        np.column_stack([quiver.U, quiver.V]), expected, rtol=1e-6, atol=1e-6
    )


def test_trajectory_marks_the_known_minimum_of_a_test_function():
    from slopes import functions

    path = np.array([[-1.5, 2.0], [-1.0, 1.0], [0.5, 0.3], [0.9, 0.8]])
    ax = plot.trajectory(path, f=functions.rosenbrock)
    assert len(ax.lines) == 4  # path, start, end, and the minimum at (1, 1)
    np.testing.assert_allclose(np.ravel(ax.lines[-1].get_data()), [1.0, 1.0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"xlim": (3, 1)}, "`xlim`"),
        ({"xlim": (0, np.inf)}, "`xlim`"),
        ({"xlim": "ab"}, "`xlim`"),
        ({"tangent_at": [np.nan]}, "`tangent_at`"),
    ],
)
def test_function_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot.function(lambda x: x, **kwargs)


def test_function_rejects_non_scalar_f():
    with pytest.raises(ValueError, match="one number per point"):
        plot.function(lambda x: [x, x], xlim=(0, 1), tangent_at=[])


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:the derivative is not finite:RuntimeWarning")
def test_function_refuses_what_would_draw_an_empty_or_broken_picture():
    before = len(plt.get_fignums())
    with pytest.raises(TypeError, match="`f` must be callable, got int"):
        plot.function(3)
    with pytest.raises(ValueError, match=r"`f` is not finite anywhere on xlim=\(0, 20\)"):
        plot.function(lambda x: np.nan * x)
    with pytest.raises(ValueError, match="`tangent_at` holds -1, where f or its slope is not"):
        plot.function(np.log, xlim=(0.1, 2.0), tangent_at=[-1.0])
    assert len(plt.get_fignums()) == before  # no half-drawn figure left behind


# -- gradient_field ------------------------------------------------------------------


@pytest.mark.parametrize(
    "f",
    [bowl, lambda x: np.sum(x**2), lambda x: np.sum(np.asarray(x) ** 2, axis=-1)],
    ids=["columns", "not-vectorized", "rows"],
)
def test_gradient_field_arrows_are_minus_the_gradient(f):
    ax = plot.gradient_field(f, xlim=(-2, 2), ylim=(-1, 3), n=5)
    quiver = ax.collections[-1]
    assert len(quiver.U) == 25
    X, Y = np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-1, 3, 5))
    np.testing.assert_allclose(quiver.X, X.ravel())
    np.testing.assert_allclose(quiver.Y, Y.ravel())
    np.testing.assert_allclose(quiver.U, -2 * X.ravel(), atol=1e-6)  # -df/dx0 = -2 x0
    np.testing.assert_allclose(quiver.V, -2 * Y.ravel(), atol=1e-6)
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-1.0, 3.0)
    assert ax.get_xlabel() == "x0" and ax.get_ylabel() == "x1"


def test_gradient_field_default_is_the_chapters_grid_and_uses_given_grad():
    calls = []

    def grad(x):
        calls.append(x)
        return np.array([2 * x[0], 2 * x[1]])

    ax = plot.gradient_field(bowl, grad=grad, contours=False)
    quiver = ax.collections[-1]
    assert len(quiver.U) == 17 * 17 == len(calls)
    assert len(ax.collections) == 1  # no contour lines asked for
    assert np.diff(np.unique(quiver.X))[0] == pytest.approx(0.25)  # the chapter's spacing
    np.testing.assert_allclose(quiver.U, -2 * quiver.X)


def test_gradient_field_vectorized_f_is_called_a_few_times_only():
    calls = []

    def counted(x):
        calls.append(np.shape(x))
        return bowl(x)

    plot.gradient_field(counted, n=20, contours=False)
    # probe (1 point-by-point pass of 5 + a few trial calls) plus 4 stencil calls for the grid
    assert len(calls) <= 5 + 2 + 4
    assert (2, 400) in calls


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"n": 1}, "`n`"), ({"step": 0.0}, "`step`"), ({"ylim": (1, 1)}, "`ylim`")],
)
def test_gradient_field_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot.gradient_field(bowl, **kwargs)


def test_batch_caller_detects_conventions_and_never_trusts_a_collapsing_sum():
    points = np.array([[3.0, 4.0], [0.0, 2.0], [1.0, 1.0]])
    assert batch_caller(bowl, 2).vectorized == "columns"
    assert batch_caller(lambda x: np.sum(x**2, axis=-1), 2).vectorized == "rows"
    lazy = batch_caller(lambda x: np.sum(x**2), 2)  # accepts a stack, answers one number
    assert lazy.vectorized is False
    np.testing.assert_allclose(lazy(points), [25.0, 4.0, 2.0])


# -- trajectory ----------------------------------------------------------------------


def test_trajectory_draws_path_start_end_and_contours():
    path = chapter_path()
    ax = plot.trajectory(fake_result(path), f=bowl, labels=["lr = 0.1"])
    line, start, end = ax.lines
    np.testing.assert_allclose(np.column_stack(line.get_data()), path)
    np.testing.assert_allclose(np.ravel(start.get_data()), [-3.0, 4.0])
    np.testing.assert_allclose(np.ravel(end.get_data()), path[-1])
    # the markers are legend entries that show themselves, not a text key
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "lr = 0.1",
        "start",
        "last iterate",
    ]
    (x_low, x_high), (y_low, y_high) = ax.get_xlim(), ax.get_ylim()
    assert x_low < -3.0 < path[:, 0].max() < x_high and y_low < path[:, 1].min() < 4.0 < y_high
    assert x_high - x_low < 5.0  # fitted to the path, with a margin, not a default window
    assert len(ax.collections) > 0  # the filled contours
    assert_png(ax.figure)


def test_trajectory_one_legend_entry_per_run_and_marks_divergence():
    tame = fake_result(chapter_path())
    wild_path = (-19.0) ** np.arange(240)[:, None] * np.array([-3.0, 4.0])  # lr = 10: overflows
    with np.errstate(over="ignore", invalid="ignore"):
        wild_path = wild_path * 1.0
    wild = fake_result(wild_path, status="diverged", f=lambda p: 0.0)
    raw = chapter_path(5) * 0.5  # a bare array of points works too
    ax = plot.trajectory([tame, wild, raw], f=bowl, labels=["good", "too big", "raw"])
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["good", "too big (diverged)", "raw", "start", "last iterate"]
    assert len(ax.lines) == 9
    # the window still fits the tame path: the diverged one does not blow it up
    assert ax.get_xlim()[1] - ax.get_xlim()[0] < 6.0
    drawn = np.column_stack(ax.lines[3].get_data())
    assert np.all(np.isfinite(drawn)) and np.abs(drawn).max() < 1e4
    assert_png(ax.figure)


def test_trajectory_without_f_draws_no_contours_and_default_labels():
    ax = plot.trajectory([chapter_path(), chapter_path(3) + 1])
    assert not ax.collections
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["run 1", "run 2", "start", "last iterate"]


def test_trajectory_of_a_run_that_never_moved_has_a_readable_window():
    ax = plot.trajectory(np.tile([[-3.0, 4.0]], (5, 1)), f=bowl)
    assert ax.get_xlim()[1] - ax.get_xlim()[0] >= 1.0


@pytest.mark.parametrize(
    ("res", "kwargs", "error", "match"),
    [
        (np.zeros((4, 3)), {}, ValueError, "2 coordinates"),
        (object(), {}, TypeError, "`res`"),
        (chapter_path(), {"labels": ["a", "b"]}, ValueError, "`labels`"),
        (chapter_path(), {"xlim": (1, 0)}, ValueError, "`xlim`"),
    ],
)
def test_trajectory_rejects_bad_input(res, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot.trajectory(res, **kwargs)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-1e3, 1e3, allow_nan=False), st.floats(-1e3, 1e3, allow_nan=False)),
        min_size=1,
        max_size=30,
    )
)
def test_window_contains_every_point_of_a_tame_path(points):
    path = np.array(points)
    xlim, ylim = path_window([path])
    assert xlim[0] < xlim[1] and ylim[0] < ylim[1]
    assert np.all((xlim[0] <= path[:, 0]) & (path[:, 0] <= xlim[1]))
    assert np.all((ylim[0] <= path[:, 1]) & (path[:, 1] <= ylim[1]))
    np.testing.assert_array_equal(clip_path(path, xlim, ylim), path)  # nothing cut


def test_clip_path_cuts_at_the_far_box_along_the_segment():
    path = np.array([[0.0, 0.0], [1.0, 1.0], [1e300, 1e300], [np.inf, 0.0]])
    clipped = clip_path(path, (-1.0, 1.0), (-1.0, 1.0))
    assert len(clipped) == 3
    np.testing.assert_allclose(clipped[-1], [100.0, 100.0])  # 50 widths of 2, same direction


# -- learning_rates ------------------------------------------------------------------


def test_learning_rates_panels_show_the_chapters_three_fates():
    fig = plot.learning_rates(bowl, [-3.0, 4.0], lrs=(1e-10, 0.1, 10.0), steps=100)
    assert len(fig.axes) == 4  # three paths, then f per step
    results = fig.slopes_results
    statuses = [res.status for res in results]
    assert statuses == ["stalled", "converged", "diverged"]
    for ax, lr, status in zip(fig.axes, ("1e-10", "0.1", "10"), statuses):
        title = ax.get_title()
        assert title.startswith(f"lr = {lr}\n{status}")
        assert "max_steps" not in title
        assert len(ax.lines) == 3
    # the title says what happened, with the numbers of the run
    assert fig.axes[2].get_title() == "lr = 10\ndiverged at step 3:\nf grew from 25 to 1.2e+09"
    assert fig.axes[1].get_title() == "lr = 0.1\nconverged in 100 steps,\nf = 1.04e-18"
    # the last panel shows f growing, on a log scale, for every run
    values = fig.axes[3]
    assert values.get_yscale() == "log" and len(values.get_legend().get_texts()) == 3
    np.testing.assert_array_equal(values.lines[0].get_ydata(), results[0].history.f)
    for index, ax in enumerate(fig.axes[:3]):  # a run has one colour in both panels
        assert ax.lines[0].get_color() == values.lines[index].get_color() == f"C{index}"
    assert values.lines[-1].get_ydata()[0] == pytest.approx(1.18e9, rel=0.01)  # the cross
    # one shared window, fitted to the good run (the diverged one leaves it)
    assert fig.axes[0].get_xlim() == fig.axes[2].get_xlim()
    assert fig.axes[1].get_xlim()[1] - fig.axes[1].get_xlim()[0] < 6.0
    assert_png(fig)


def test_learning_rates_with_a_named_optimizer_and_bad_names():
    fig = plot.learning_rates(bowl, [-3.0, 4.0], lrs=[0.5], steps=20, optimizer="adam")
    assert len(fig.axes) == 2 and fig.axes[0].get_title().startswith("lr = 0.5")
    fig = plot.learning_rates(bowl, [-3.0, 4.0], lrs=[0.5], steps=20, values=False)
    assert len(fig.axes) == 1
    with pytest.raises(ValueError, match="`optimizer`"):
        plot.learning_rates(bowl, [-3.0, 4.0], optimizer="nonsense")
    with pytest.raises(ValueError, match="`lrs`"):
        plot.learning_rates(bowl, [-3.0, 4.0], lrs=[])


# -- training ------------------------------------------------------------------------


def test_training_draws_loss_per_step_and_accuracy_per_epoch():
    history = {
        "loss": np.geomspace(2.3, 0.01, 30),
        "train_accuracy": [0.5, 0.8, 0.9],
        "test_accuracy": [0.45, 0.75, 0.86],
    }
    fig = plot.training(FakeResult(history=FakeResult(history), status="completed"))
    loss_ax, accuracy_ax = fig.axes
    (loss_line,) = loss_ax.lines
    np.testing.assert_allclose(loss_line.get_ydata(), history["loss"])
    assert loss_ax.get_yscale() == "log"  # fell by more than 100x
    train, test = accuracy_ax.lines
    np.testing.assert_allclose(train.get_data(), [[1, 2, 3], history["train_accuracy"]])
    np.testing.assert_allclose(test.get_ydata(), history["test_accuracy"])
    assert accuracy_ax.get_ylim() == (0.0, 1.02)
    assert [t.get_text() for t in accuracy_ax.get_legend().get_texts()] == [
        "train accuracy",
        "test accuracy",
    ]
    assert_png(fig)


def test_training_on_a_real_fit_and_into_given_axes():
    from slopes import datasets, optim
    from slopes.models import SoftmaxRegression
    from slopes.training import fit

    (X, y), (X_test, y_test) = datasets.load_digits(seed=0)
    model = SoftmaxRegression(64, 10)
    res = fit(
        model.loss,
        model.params,
        X[:400],
        y[:400],
        optimizer=optim.sgd(lr=0.5),
        grad=model.grad,
        batch_size=100,
        epochs=3,
        eval_data=(X_test, y_test),
        progress=False,
    )
    fig, axes = plt.subplots(1, 2)
    assert plot.training(res, ax=axes) is fig
    assert len(axes[0].lines[0].get_ydata()) == 12  # 3 epochs of 4 steps
    np.testing.assert_allclose(axes[1].lines[1].get_ydata(), res.history.test_accuracy)
    with pytest.raises(ValueError, match="`ax`"):
        plot.training(res, ax=axes[0])
    with pytest.raises(ValueError, match="loss per step"):
        plot.training({"history": {"accuracy": [1.0]}})


# -- animate -------------------------------------------------------------------------


def test_animate_writes_one_frame_per_iterate(tmp_path):
    target = tmp_path / "descent.gif"
    fig = plot.animate(fake_result(chapter_path(12)), target, f=bowl, fps=10, dpi=50)
    with Image.open(target) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 13
        width, height = gif.size
        frame = np.asarray(gif.convert("L"), dtype=float)
    # the chapter's path is taller than wide: so is the picture (5 inches wide at most)
    assert width <= 250 and height > width
    # no wide white bands around the picture (they used to take a fifth of the frame)
    blank_columns = np.all(frame > 250, axis=0)
    assert blank_columns.mean() < 0.05
    assert fig.axes[0].get_title().startswith("step 12")
    assert not plt.get_fignums()  # not left open in pyplot


def test_animate_a_diverged_run_stops_where_it_leaves_the_picture(tmp_path):
    with np.errstate(over="ignore"):
        path = (-19.0) ** np.arange(300)[:, None] * np.array([-3.0, 4.0])
    target = tmp_path / "diverged.gif"
    plot.animate(fake_result(path, status="diverged", f=lambda p: 0.0), target, dpi=40)
    with Image.open(target) as gif:
        assert 2 <= gif.n_frames <= 5  # start, a step or two, then the cut at the far box


def test_animate_thins_long_runs(tmp_path):
    target = tmp_path / "long.gif"
    plot.animate(chapter_path(300), target, max_frames=10, dpi=40)
    with Image.open(target) as gif:
        assert gif.n_frames == 10


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "match"),
    [
        ("a.png", {}, ValueError, r"\.gif"),
        ("missing/a.gif", {}, FileNotFoundError, "missing"),
        ("a.gif", {"fps": 0}, ValueError, "`fps`"),
        ("a.gif", {"max_frames": 0}, ValueError, "`max_frames`"),
    ],
)
def test_animate_rejects_bad_input(tmp_path, name, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot.animate(chapter_path(3), tmp_path / name, **kwargs)


# -- laziness ------------------------------------------------------------------------


def test_importing_slopes_plot_does_not_import_matplotlib():
    code = "import sys, slopes, slopes.plot; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
