"""slopes.plot.trajectory and its window: figure shape, runaway paths, markers that stay visible."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")  # tests only: the library itself never picks a backend
import matplotlib.pyplot as plt

import slopes
from slopes import functions, plot
from slopes.plot._common import path_window


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def bowl(x):
    return x[0] ** 2 + x[1] ** 2


def chapter6(x):
    return x[0] ** 2 / 20.0 + x[1] ** 2


def _blank_share(fig):
    """Share of the figure's height and width outside everything drawn (what tight saving cuts)."""
    fig.canvas.draw()
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())  # in inches
    width, height = fig.get_size_inches()
    return 1 - drawn.height / height, 1 - drawn.width / width


@pytest.mark.parametrize(
    ("x0", "f"),
    [
        ([-7.0, 2.0], chapter6),
        ([-3.0, 4.0], bowl),
        ([0.5, -6.0], lambda x: x[0] ** 2 + 0.05 * x[1] ** 2),
    ],
    ids=["wide", "square", "tall"],
)
def test_trajectory_figure_fits_its_window_without_empty_bands(x0, f):
    # the chapter 6 comparison (a window 4 times wider than high, equal scales) used to be
    # drawn in a figure with about 40% of its height empty above and below the picture
    runs = [
        slopes.minimize(f, x0, optimizer=opt, steps=30, tol=0.0)
        for opt in (slopes.optim.sgd(0.95), slopes.optim.adam(0.3))
    ]
    for res in (runs, runs[0]):  # several paths (legend outside), and one (legend inside)
        ax = plot.trajectory(res, f=f, title="a title")
        blank_height, blank_width = _blank_share(ax.figure)
        assert blank_height < 0.12 and blank_width < 0.12, (blank_height, blank_width)
        plt.close(ax.figure)


def test_the_end_star_is_the_last_iterate_not_the_best():
    # Adam overshoots on chapter 6's bowl: its best iterate (res.x) is not where it stopped
    res = slopes.minimize(
        chapter6, [-7.0, 2.0], optimizer=slopes.optim.adam(0.3), steps=30, tol=0.0
    )
    assert not np.allclose(res.x, res.history.x[-1])  # else this test would prove nothing
    ax = plot.trajectory(res, f=chapter6)
    np.testing.assert_array_equal(np.ravel(ax.lines[2].get_data()), res.history.x[-1])
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()][-2:] == ["start", "last iterate"]
    assert [h.get_marker() for h in legend.legend_handles][-2:] == ["o", "*"]


def test_the_minimum_cross_is_in_the_legend_and_end_stars_do_not_hide_each_other():
    from slopes import functions

    runs = [
        slopes.minimize(functions.chapter6, [-7.0, 2.0], optimizer=opt, steps=30, tol=0.0)
        for opt in (slopes.optim.sgd(0.95), slopes.optim.adagrad(1.5))
    ]
    ax = plot.trajectory(runs, f=functions.chapter6)
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()][-1] == "minimum"
    assert legend.legend_handles[-1].get_marker() == "x"
    stars = [line for line in ax.lines if line.get_marker() == "*"]
    sizes = [line.get_markersize() for line in stars]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]  # concentric
    assert [line.get_zorder() for line in stars] == sorted(line.get_zorder() for line in stars)


def test_a_lone_diverged_run_shows_it_running_away_from_the_minimum():
    # `slopes minimize "x0**2+x1**2" --from -3,4 --lr 10 --plot`: the window used to be the
    # start ± 2.5, with neither the minimum nor the second iterate in it
    res = slopes.minimize(bowl, [-3.0, 4.0], lr=10.0, steps=100)
    assert res.status == "diverged"
    x1 = res.history.x[1]
    np.testing.assert_allclose(x1, [57.0, -76.0])  # x - 10 * 2x = -19x
    ax = plot.trajectory(res, f=bowl)
    (x_low, x_high), (y_low, y_high) = ax.get_xlim(), ax.get_ylim()
    for point in ([-3.0, 4.0], x1, [0.0, 0.0]):  # start, first step, minimum
        assert x_low < point[0] < x_high and y_low < point[1] < y_high, point
    # the third iterate is far outside: the path is drawn leaving the picture
    assert res.history.x[2][0] < x_low and x_high - x_low < 200


def test_a_diverged_run_of_a_test_function_includes_its_known_minimum():
    # Booth's minimum is (1, 3); a huge step from far away leaves it out of the default window
    f = functions.booth
    path = np.array([[-40.0, -40.0], [-40.5, -40.5], [1e9, 1e9]])
    res = {"history": {"x": path}, "status": "diverged"}
    ax = plot.trajectory(res, f=f)
    (x_low, x_high), (y_low, y_high) = ax.get_xlim(), ax.get_ylim()
    assert x_low < 1.0 < x_high and y_low < 3.0 < y_high
    crosses = [line for line in ax.lines if line.get_marker() == "x"]
    assert len(crosses) == 1  # the minimum is marked
    np.testing.assert_allclose(np.ravel(crosses[0].get_data()), [1.0, 3.0])


def test_path_window_fits_the_first_step_only_when_every_path_ran_away():
    tame = 0.8 ** np.arange(21)[:, None] * np.array([-3.0, 4.0])
    wild = (-19.0) ** np.arange(5)[:, None] * np.array([-3.0, 4.0])
    xlim, _ = path_window([wild], ["diverged"])
    assert xlim[0] < -3.0 and 57.0 < xlim[1] < 1083.0
    xlim, _ = path_window([tame, wild], ["max_steps", "diverged"])
    assert xlim[1] - xlim[0] < 6.0  # the tame path sets the window, as before
    # a first step to 1e300 cannot be fitted: the start alone is better than a dot
    xlim, _ = path_window([np.array([[1.0, 1.0], [1e300, 1e300]])], ["diverged"])
    assert xlim[1] - xlim[0] < 10.0


def test_path_window_is_never_empty_for_a_tiny_move():
    # found by hypothesis in test_plot: a move of 1e-123 gave ylim (1.0, 1.0)
    xlim, ylim = path_window([np.array([[0.0, 1.0], [1.2922103500380118e-123, 1.0]])])
    assert xlim[0] < 0.0 < 1e-123 < xlim[1]
    assert ylim[0] < 1.0 < ylim[1]


def test_a_run_that_did_not_move_shows_both_start_and_end():
    # lr = 1e-10: the star at the end covered the start circle, drawn under it
    fig = plot.learning_rates(bowl, [-3.0, 4.0], lrs=(1e-10, 0.1), steps=100, values=False)
    still, moving = fig.axes
    _, start, end = still.lines
    np.testing.assert_allclose(np.ravel(start.get_data()), np.ravel(end.get_data()), atol=1e-6)
    assert start.get_zorder() > end.get_zorder()  # on top ...
    assert start.get_markerfacecolor() == "none"  # ... and hollow: the star shows through
    assert start.get_markersize() > end.get_markersize()  # ... and around it
    # a run that moved keeps the usual white-filled start under the path's end
    _, start, end = moving.lines
    assert start.get_markerfacecolor() == "white" and start.get_zorder() < end.get_zorder()
