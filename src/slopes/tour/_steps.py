"""The sections of the chapter tour, one method each; :func:`slopes.tour.run` calls them in order.

Each section computes its numbers with the public library, prints its text
(:mod:`slopes.tour._text`, numbers formatted once for every language) and
writes its figure.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import IO, Any

import numpy as np

from ._layout import columns, render, table
from ._text import (
    FIGURE_TEXT,
    FIGURE_WORDS,
    STATUS_NAMES,
    TEXT,
    diagnosis,
    figure_outcome,
)

__all__ = ["SECTIONS", "Tour"]

H = 1e-4  # the chapter's step


def _fmt_vector(values: Any, precision: int = 8) -> str:
    """An array as the chapter prints one, e.g. ``[6. 8.]`` or ``[-6.11110793e-10 ...]``."""
    return np.array2string(np.asarray(values, dtype=float), precision=precision, separator=" ")


class Tour:
    """The state of one walk: where to print, where to draw, what was found."""

    def __init__(self, folder: Path, lang: str, quick: bool, stream: IO[str], width: int) -> None:
        self.folder, self.lang, self.quick, self.stream = folder, lang, quick, stream
        self.width = width
        self.text = TEXT[lang]
        self.figure_text = FIGURE_TEXT[lang]
        # slopes.plot's own English words, and patterns for those with numbers in them
        words = FIGURE_WORDS.get(lang, {})
        self.words = {key: value for key, value in words.items() if "{" not in key}
        self.word_patterns = [
            (re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(key))), value)
            for key, value in words.items()
            if "{" in key
        ]
        self.figures: list[Path] = []
        self.numbers: dict[str, Any] = {}

    def say(self, key: str, **values: Any) -> None:
        print(render(self.text[key].format(**values), self.width), file=self.stream)

    def section(self, key: str) -> None:
        title = render(self.text[f"{key}_title"], self.width)
        # Hangul takes two columns in a terminal; underline what the eye sees
        rule = "-" * min(max(columns(line) for line in title.split("\n")), self.width)
        print(f"\n{title}\n{rule}", file=self.stream)

    def status(self, code: str) -> str:
        """A status code as printed: bare in English, quoted and glossed elsewhere."""
        names = STATUS_NAMES.get(self.lang)
        return code if names is None else f"'{code}'({names.get(code, code)})"

    def translate(self, figure: Any) -> None:
        """Put slopes.plot's English words on the figure in the tour's language."""
        if not self.words:
            return
        from matplotlib.text import Text

        for artist in figure.findobj(Text):
            text = artist.get_text()
            if text in self.words:
                artist.set_text(self.words[text])
                continue
            for pattern, template in self.word_patterns:
                match = pattern.fullmatch(text)
                if match:
                    artist.set_text(template.format(**match.groupdict()))
                    break

    def save(self, figure: Any, name: str) -> None:
        import matplotlib.pyplot as plt

        self.translate(figure)
        path = self.folder / name
        # tight: a figure drawn with equal scales keeps no empty bands around the picture
        figure.savefig(path, dpi=100, bbox_inches="tight", pad_inches=0.1)
        plt.close(figure)
        self.figures.append(path)
        self.say("figure", path=path)

    # -- the chapter, in order ----------------------------------------------------

    def steps(self) -> None:
        import matplotlib.pyplot as plt

        f = _function_1
        with np.errstate(all="ignore"):
            rounding_zero = (f(5.0 + 1e-50) - f(5.0)) / 1e-50
        forward = (f(5.0 + H) - f(5.0)) / H
        central = (f(5.0 + H) - f(5.0 - H)) / (2 * H)
        # the classic V: truncation error falls with h, rounding error grows as h shrinks
        hs = np.logspace(-14, -1, 53)
        forward_error = np.abs((np.exp(1 + hs) - np.exp(1)) / hs - np.e)
        central_error = np.abs((np.exp(1 + hs) - np.exp(1 - hs)) / (2 * hs) - np.e)
        best_forward = float(hs[np.argmin(forward_error)])
        best_central = float(hs[np.argmin(central_error)])
        self.numbers.update(
            rounding_zero=float(rounding_zero),
            forward_at_5=float(forward),
            central_at_5=float(central),
            best_forward_h=best_forward,
            best_central_h=best_central,
        )
        self.section("steps")
        self.say(
            "steps_body",
            rounding_zero=repr(float(rounding_zero)),
            float32_zero=repr(float(np.float32(1e-50))),
            forward=repr(float(forward)),
            forward_error=f"{abs(forward - 0.2):.1e}",
            central=repr(float(central)),
            central_error=f"{abs(central - 0.2):.1e}",
            best_forward_h=f"{best_forward:.0e}",
            best_central_h=f"{best_central:.0e}",
        )
        words = self.figure_text
        fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
        ax.loglog(hs, forward_error, "o-", markersize=3, label=words["steps_forward"])
        ax.loglog(hs, central_error, "s-", markersize=3, label=words["steps_central"])
        ax.axvline(H, color="0.4", linestyle=":", label=words["steps_chapter"])
        ax.set(
            xlabel=words["steps_xlabel"],
            ylabel=words["steps_ylabel"],
            title=words["steps_title"],
        )
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize="small")
        self.save(fig, "01_step_size.png")

    def derivatives(self) -> None:
        from .. import plot
        from ..differentiate import derivative

        d5 = float(derivative(_function_1, 5.0, step=H))
        d10 = float(derivative(_function_1, 10.0, step=H))
        auto5 = float(derivative(_function_1, 5.0))
        self.numbers.update(derivative_at_5=d5, derivative_at_10=d10, derivative_auto_at_5=auto5)
        self.section("derivative")
        self.say("derivative_body", d5=repr(d5), d10=repr(d10), auto5=repr(auto5))
        ax = plot.function(_function_1, xlim=(0.0, 20.0), tangent_at=[5.0, 10.0])
        ax.set_title(self.figure_text["tangents_title"])
        self.save(ax.figure, "02_tangents.png")

    def partials(self) -> None:
        from ..differentiate import derivative

        p0 = float(derivative(lambda x0: x0 * x0 + 4.0**2.0, 3.0, step=H))
        p1 = float(derivative(lambda x1: 3.0**2.0 + x1 * x1, 4.0, step=H))
        self.numbers.update(partial_x0=p0, partial_x1=p1)
        self.section("partial")
        self.say("partial_body", p0=repr(p0), p1=repr(p1))

    def gradients(self) -> None:
        from .. import plot
        from ..differentiate import gradient

        at = {"g34": (3.0, 4.0), "g02": (0.0, 2.0), "g30": (3.0, 0.0)}
        found = {k: np.asarray(gradient(_function_2, np.array(x), step=H)) for k, x in at.items()}
        self.numbers.update(
            gradient_at_3_4=found["g34"], gradient_at_0_2=found["g02"], gradient_at_3_0=found["g30"]
        )
        self.section("gradient")
        self.say("gradient_body", **{key: _fmt_vector(value) for key, value in found.items()})
        ax = plot.gradient_field(_function_2, xlim=(-2.0, 2.0), ylim=(-2.0, 2.0), n=17)
        ax.set_title(self.figure_text["field_title"])
        self.save(ax.figure, "03_gradient_field.png")

    def descent(self) -> None:
        from .. import functions, plot
        from ..descent import minimize

        res = minimize(_function_2, np.array([-3.0, 4.0]), lr=0.1, steps=100)
        exact = 0.8**100 * np.array([-3.0, 4.0])
        self.numbers.update(descent_x=np.asarray(res.x), descent_status=res.status)
        self.section("descent")
        self.say(
            "descent_body",
            steps=100,
            x=_fmt_vector(res.x),
            nit=res.nit,
            status=self.status(res.status),
            fun=f"{float(res.fun):.3e}",
            exact=_fmt_vector(exact),
        )
        words = self.figure_text
        title = words["descent_title"].format(outcome=figure_outcome(res, self.lang))
        ax = plot.trajectory(
            res, f=functions.function_2, labels=[words["descent_label"]], title=title
        )
        self.save(ax.figure, "04_descent.png")

    def learning_rates(self) -> None:
        from .. import plot
        from ..book import gradient_descent

        lrs = (1e-10, 0.1, 10.0)
        # Any: the runs come back on the figure's undeclared `slopes_results`
        fig: Any = plot.learning_rates(_function_2, [-3.0, 4.0], lrs=lrs, steps=100)
        small, _, big = fig.slopes_results
        # the chapter's own run of lr = 10: all 100 steps, no diagnosis
        chapter_x, _ = gradient_descent(_function_2, np.array([-3.0, 4.0]), lr=10.0, step_num=100)
        for ax, lr, res in zip(fig.axes, lrs, fig.slopes_results):
            ax.set_title(f"lr = {lr:g}\n{figure_outcome(res, self.lang)}", fontsize="medium")
        fig.suptitle(self.figure_text["rates_title"])
        self.numbers.update(
            lr_10_status=big.status,
            lr_10_x=np.asarray(big.x),
            lr_10_chapter_x=np.asarray(chapter_x),
            lr_1e_10_status=small.status,
            lr_1e_10_x=np.asarray(small.x),
        )
        self.section("rates")
        self.say(
            "rates_body",
            big_status=self.status(big.status),
            big_x=_fmt_vector(big.x),
            chapter_x=_fmt_vector(chapter_x),
            big_message=diagnosis(big, lrs[2], self.lang),
            small_status=self.status(small.status),
            small_x=_fmt_vector(small.x),
            small_message=diagnosis(small, lrs[0], self.lang),
        )
        self.save(fig, "05_learning_rates.png")

    def optimizers(self) -> None:
        from .. import optim, plot
        from ..descent import minimize

        runs = {
            "SGD (lr 0.95)": optim.sgd(lr=0.95),
            "Momentum (lr 0.1, 0.9)": optim.sgd(lr=0.1, momentum=0.9),
            "AdaGrad (lr 1.5)": optim.adagrad(lr=1.5),
            "Adam (lr 0.3)": optim.adam(lr=0.3),
        }
        results = {
            name: minimize(_chapter6, np.array([-7.0, 2.0]), optimizer=opt, steps=30, tol=0.0)
            for name, opt in runs.items()
        }
        self.numbers["optimizers"] = {name: float(res.fun) for name, res in results.items()}
        # the figure's star is the last iterate: print that one, so text and picture agree
        self.numbers["optimizers_last_x"] = {
            name: np.asarray(res.history.x[-1]) for name, res in results.items()
        }
        self.section("optimizers")
        rows = [self.text["optimizers_columns"].split("|")]
        rows += [
            [
                name,
                _fmt_vector(res.history.x[-1], precision=4),  # 4 digits: the table fits 80
                f"{float(res.history.f[-1]):.3e}",
                f"{float(res.fun):.3e}",
            ]
            for name, res in results.items()
        ]
        print(table(rows, self.width), file=self.stream)
        self.say("optimizers_body")
        ax = plot.trajectory(
            list(results.values()),
            f=_chapter6,
            labels=list(results),
            title=self.figure_text["optimizers_title"],
        )
        self.save(ax.figure, "06_optimizers.png")

    def training(self) -> None:
        from .. import datasets, optim, plot
        from ..models import TwoLayerNet
        from ..training import fit

        (X, y), (X_test, y_test) = datasets.load_digits(test_size=0.2, seed=0)
        model = TwoLayerNet(64, 50, 10, weight_init_std=0.1, seed=0)
        epochs, batch_size, lr = (3 if self.quick else 30), 100, 2.0
        start = time.perf_counter()
        res = fit(
            model.loss,
            model.params,
            X,
            y,
            optimizer=optim.sgd(lr=lr),
            grad=model.grad,
            batch_size=batch_size,
            epochs=epochs,
            eval_data=(X_test, y_test),
            seed=0,
            progress=False,
        )
        seconds = time.perf_counter() - start
        history = res.history
        train_accuracy = float(history.train_accuracy[-1])
        test_accuracy = float(history.test_accuracy[-1])
        self.numbers.update(
            train_accuracy=train_accuracy, test_accuracy=test_accuracy, training_status=res.status
        )
        self.section("training")
        self.say(
            "training_body",
            n_train=len(X),
            n_test=len(X_test),
            model="TwoLayerNet(64, 50, 10)",
            batch_size=batch_size,
            gradient_kind=self.text["backprop"],
            lr=lr,
            epochs=epochs,
            steps=len(history.loss),
            seconds=f"{seconds:.1f}",
            status=self.status(res.status),
            loss=f"{float(history.loss[-1]):.4f}",
            train_accuracy=f"{train_accuracy:.4f}",
            test_accuracy=f"{test_accuracy:.4f}",
        )
        fig = plot.training(res)
        fig.suptitle(self.figure_text["training_title"].format(lr=lr))
        self.save(fig, "07_training.png")
        self._data = (X, y)

    def gradient_check(self) -> None:
        from ..differentiate import check_grad, gradient
        from ..models import TwoLayerNet

        # a narrower net than the trained one: the same backprop code, checked in a blink
        model, (X, y) = TwoLayerNet(64, 10, 10, weight_init_std=0.1, seed=0), self._data
        Xb, yb = X[:3], y[:3]
        params = model.params

        def loss(p: Any) -> Any:
            return model.loss(p, Xb, yb)  # also takes a stack of parameter sets

        def backprop(p: Any) -> Any:
            return model.grad(p, Xb, yb)

        numerical = gradient(loss, params, step=H, vectorized=64)
        analytic = backprop(params)
        diffs = {key: float(np.mean(np.abs(analytic[key] - numerical[key]))) for key in params}
        verdict = check_grad(loss, backprop, params, vectorized=64)
        ok, max_diff = bool(verdict.passed), float(verdict.max_abs_error)
        self.numbers.update(gradient_check=diffs, gradient_check_ok=ok)
        self.section("check")
        for key, diff in diffs.items():
            self.say("check_row", name=key, diff=f"{diff:.1e}")
        self.say(
            "check_body",
            batch=len(Xb),
            model="TwoLayerNet(64, 10, 10)",
            verdict=self.text["check_ok" if ok else "check_bad"],
            max_diff=f"{max_diff:.1e}",
        )


def _function_1(x: Any) -> Any:
    return 0.01 * x**2 + 0.1 * x


def _function_2(x: Any) -> Any:
    return x[0] ** 2 + x[1] ** 2


def _chapter6(x: Any) -> Any:
    return x[0] ** 2 / 20.0 + x[1] ** 2


# the chapter's order
SECTIONS = (
    "steps",
    "derivatives",
    "partials",
    "gradients",
    "descent",
    "learning_rates",
    "optimizers",
    "training",
    "gradient_check",
)
