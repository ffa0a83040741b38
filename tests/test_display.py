"""How results look in a terminal and in Jupyter: slopes._util.display on every result type."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser

import numpy as np
import pytest

import slopes
from slopes._util.display import Row, Verdict, result_html, result_text, rows, summarize, verdict
from slopes._util.result import Result
from slopes.models import SoftmaxRegression

GREEN, RED = "color:#1b7f3b", "color:#b00020"


def numbers_in(summary: str) -> np.ndarray:
    """The numbers of an array summary such as ``[2.718282, 7.389056]``."""
    return np.array([float(t) for t in re.findall(r"[-+]?\d+\.?\d*(?:e[-+]?\d+)?", summary)])


class Cells(HTMLParser):
    """Collects the text of every th/td cell and checks that tags close in order."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.cells: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag != "br":
            self.open.append(tag)
        if tag in ("th", "td"):
            self.text = []

    def handle_endtag(self, tag):
        assert self.open.pop() == tag
        if tag in ("th", "td"):
            self.cells.append("".join(self.text))

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> list[list[str]]:
    parser = Cells()
    parser.feed(page)
    parser.close()
    assert parser.open == []  # well formed: every tag closed
    cells = parser.cells
    return [cells[i : i + 3] for i in range(0, len(cells), 3)]


@pytest.fixture(scope="module")
def results():
    derivative = slopes.derivative(np.exp, [1.0, 2.0], full_output=True)
    converged = slopes.minimize(lambda x: x[0] ** 2 + x[1] ** 2, [-3.0, 4.0], lr=0.1, steps=500)
    diverged = slopes.minimize(lambda x: x[0] ** 2 + x[1] ** 2, [-3.0, 4.0], lr=10.0)
    max_steps = slopes.minimize(lambda x: x[0] ** 2 + x[1] ** 2, [-3.0, 4.0], lr=0.1, steps=5)
    failed_check = slopes.check_grad(lambda x: np.sum(x**2), lambda x: 3 * x, np.ones(3))
    model = SoftmaxRegression(4, 3, seed=1)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 4)), rng.integers(0, 3, 30)
    fitted = slopes.fit(
        model.loss, model.params, X, y, optimizer=slopes.optim.sgd(lr=0.1), grad=model.grad,
        batch_size=10, epochs=2, eval_data=(X, y), progress=False,
    )  # fmt: skip
    directional = slopes.jvp(
        lambda x: np.array([x[0] * x[1], np.sin(x[0])]), [1.0, 2.0], [1.0, 0.0], full_output=True
    )
    series = slopes.taylor(np.exp, 0.0, 3, full_output=True)
    propagated = slopes.propagate(lambda x: x[0] * x[1], [2.0, 3.0], np.diag([0.01, 0.04]))
    return {
        "directional": directional,
        "taylor": series,
        "propagated": propagated,
        "derivative": derivative,
        "converged": converged,
        "diverged": diverged,
        "max_steps": max_steps,
        "failed_check": failed_check,
        "fitted": fitted,
    }


def test_text_has_a_header_with_the_message_and_a_line_per_field(results):
    for res in results.values():
        lines = result_text(res).splitlines()
        assert lines[0].startswith(type(res).__name__)
        if "message" in res:
            assert lines[0] == f"{type(res).__name__}: {res['message']}"
        fields = [line.split()[0] for line in lines[1:]]
        assert fields == [key for key in res if key != "message"]


def test_array_values_are_shown_to_six_digits_with_shape_and_dtype(results):
    res = results["derivative"]
    row = {r.field: r for r in rows(res)}
    np.testing.assert_allclose(numbers_in(row["value"].summary), np.exp([1.0, 2.0]), rtol=1e-6)
    np.testing.assert_allclose(numbers_in(row["error"].summary), res.error, rtol=1e-6)
    assert row["value"].kind == "(2,) float64"
    assert row["success"].summary == "2 of 2 True"


def test_large_arrays_stay_compact():
    big = {"value": np.linspace(0.0, 1.0, 10**6), "mask": np.arange(10**6) % 3 == 0}
    text = result_text(big, name="Big")
    assert "..." in text and len(text) < 200
    assert "333334 of 1000000 True" in text
    assert len(result_html(big)) < 1500


def test_verdicts_and_colours(results):
    expected = {
        "derivative": (True, None, GREEN),
        "converged": (True, "converged", GREEN),
        "diverged": (False, "diverged", RED),
        "max_steps": (False, "max_steps", RED),  # success=False: the run did not converge
        "failed_check": (False, "failed", RED),
        "fitted": (True, "completed", GREEN),
    }
    for name, (ok, status, colour) in expected.items():
        said = verdict(results[name])
        assert (said.ok, said.status) == (ok, status), name
        assert colour in result_html(results[name]), name
    # a result that says nothing about success is shown without a colour
    neutral = result_html({"status": "stopped"})
    assert GREEN not in neutral and RED not in neutral and "stopped" in neutral
    assert verdict({}) == Verdict(None, None, None)


def test_html_is_a_well_formed_table_of_the_fields(results):
    for res in results.values():
        table = parse(result_html(res))
        assert [cells[0] for cells in table] == [k for k in res if k != "message"]
        for (_, summary, kind), row in zip(table, rows(res)):
            assert (summary, kind) == (row.summary, row.kind)


def test_html_escapes_every_text():
    res = {"status": "<b>", "message": "lr < 0.5 & <script>alert(1)</script>", "<i>": "a>b"}
    page = result_html(res, name="<Result>")
    assert "<script>" not in page and "<i>" not in page and "<Result>" not in page
    assert "lr &lt; 0.5 &amp; &lt;script&gt;" in page and "&lt;Result&gt;" in page
    assert parse(page)[-1] == ["<i>", "a>b", ""]  # the parser unescapes: same text back


def test_nested_results_and_pytrees_show_their_shapes(results):
    fitted = {r.field: r.summary for r in rows(results["fitted"])}
    assert fitted["params"] == "W: (4, 3), b: (3,)"  # a pytree: shapes only
    last = results["fitted"].history.test_accuracy[-1]
    assert f"test_accuracy: (2,) last {last:.6g}" in fitted["history"]  # a record: series
    history = {r.field: r.summary for r in rows(results["converged"])}["history"]
    n = results["converged"].nit + 1
    assert history.startswith(f"x: ({n}, 2), f: ({n},) last ")


def test_scalars_strings_and_objects():
    assert summarize(np.float64(1) / 3) == Row("", "0.333333", "")
    assert summarize(7).summary == "7" and summarize(np.int64(7)).summary == "7"
    assert summarize(1 + 2j).summary == "1+2j"
    assert summarize(np.True_).summary == "True" and summarize(None).summary == "None"
    assert summarize((0, 2)).summary == "(0, 2)"  # an index
    assert summarize(["a", "b"]).summary == "list of 2"
    assert summarize(float("nan")).summary == "nan"
    assert (
        len(summarize(object.__new__(type("Long", (), {"__repr__": lambda s: "x" * 500}))).summary)
        <= 100
    )


def test_rendering_leaves_the_result_untouched(results):
    res = results["derivative"]
    before = copy.deepcopy(dict(res))
    result_text(res)
    result_html(res)
    assert list(res) == list(before)
    for key, value in before.items():
        np.testing.assert_array_equal(res[key], value)


# every result type a slopes function returns, by the function that returns it
RESULT_TYPES = {
    "derivative": "DiffResult",
    "converged": "MinimizeResult",
    "fitted": "FitResult",
    "failed_check": "GradCheck",
    "directional": "DirectionalResult",
    "taylor": "TaylorResult",
    "propagated": "PropagateResult",
}


def test_every_result_type_has_the_html_repr(results):
    for name, type_name in RESULT_TYPES.items():
        res = results[name]
        assert type(res).__name__ == type_name and isinstance(res, Result), name
        page = res._repr_html_()
        assert page == result_html(res), name
        assert page.startswith('<div class="slopes-result">') and f"<b>{type_name}</b>" in page
        assert [cells[0] for cells in parse(page)] == [k for k in res if k != "message"], name
    # a result inside a result (minimize's history) and a result made by hand show too
    history = results["converged"].history
    assert parse(history._repr_html_())[0][0] == "x" and "<b>History</b>" in history._repr_html_()
    tour = slopes.tour.TourResult(out_dir="/tmp/t", figures=[], numbers={}, lang="en", seconds=1.0)
    assert "<b>TourResult</b>" in tour._repr_html_()


def test_jupyter_displays_results_as_html(results):
    formatters = pytest.importorskip("IPython.core.formatters", reason="IPython (test extra)")
    display = formatters.DisplayFormatter()
    for name in RESULT_TYPES:
        data, _ = display.format(results[name])
        assert data["text/html"] == result_html(results[name]), name
        assert data["text/plain"] == repr(results[name]), name  # the terminal's repr is kept
