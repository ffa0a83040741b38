"""slopes.tour.run: the chapter's numbers printed, every figure written, in English and Korean."""

import io
import re
import string
import subprocess
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")  # tests only
from PIL import Image

from slopes import tour
from slopes._tour_text import LANGUAGES, TEXT, diagnosis
from slopes.descent import minimize

# numbers the chapter prints, to the last digit
CHAPTER_NUMBERS = [
    "0.1999999999990898",  # numerical_diff(function_1, 5)
    "0.2999999999986347",  # numerical_diff(function_1, 10)
    "6.00000000000378",  # partial derivative in x0 at (3, 4)
    "7.999999999999119",  # partial derivative in x1 at (3, 4)
    "[6. 8.]",  # numerical_gradient(function_2, [3, 4])
    "[0. 4.]",
    "[6. 0.]",
    "[-6.11110793e-10  8.14814391e-10]",  # gradient_descent(..., lr=0.1, step_num=100)
]
HANGUL = re.compile("[\uac00-\ud7a3]")
LONG_NUMBER = re.compile(r"-?\d+\.\d{4,}(?:e[-+]\d+)?")
# any number standing alone ("lr=0.5", "1.18e+09", "3단계"), not a digit inside a name like x0
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
# a run of English words: what a Korean sentence must not contain
ENGLISH_WORDS = re.compile(r"[A-Za-z]{3,}(?: [A-Za-z]{2,}){2,}")


def quick_tour(folder, lang):
    stream = io.StringIO()
    result = tour.run(folder, lang=lang, quick=True, stream=stream)
    return result, stream.getvalue()


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    return quick_tour(tmp_path_factory.mktemp("tour") / "en", "en")


@pytest.fixture(scope="module")
def korean(tmp_path_factory):
    return quick_tour(tmp_path_factory.mktemp("tour") / "ko", "ko")


def test_tour_writes_every_figure_as_a_valid_png(english):
    result, _ = english
    assert result.out_dir.is_dir()
    names = [path.name for path in result.figures]
    assert names == sorted(names) and len(names) == 7
    assert sorted(p.name for p in result.out_dir.iterdir()) == names  # nothing else left behind
    for path in result.figures:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(path) as image:
            image.verify()
            width, height = image.size
        assert width >= 400 and height >= 300


def test_tour_prints_the_chapters_numbers(english):
    result, text = english
    for number in CHAPTER_NUMBERS:
        assert number in text, number
    numbers = result.numbers
    assert numbers["derivative_at_5"] == 0.1999999999990898
    assert numbers["derivative_at_10"] == 0.2999999999986347
    assert numbers["rounding_zero"] == 0.0  # 5 + 1e-50 == 5
    assert abs(numbers["forward_at_5"] - 0.2) == pytest.approx(1e-6, rel=1e-3)  # 0.01 h
    np.testing.assert_allclose(numbers["descent_x"], 0.8**100 * np.array([-3.0, 4.0]), rtol=1e-6)
    np.testing.assert_allclose(numbers["gradient_at_3_4"], [6.0, 8.0], atol=1e-9)


def test_tour_diagnoses_the_learning_rate_experiments(english):
    result, text = english
    assert result.numbers["lr_10_status"] == "diverged"
    assert result.numbers["lr_1e_10_status"] == "stalled"
    assert "status diverged" in text and "status stalled" in text
    # the too-small run barely moved from (-3, 4), as in the chapter
    np.testing.assert_allclose(result.numbers["lr_1e_10_x"], [-3.0, 4.0], atol=1e-6)


def test_tour_compares_four_optimisers_and_trains_and_checks_gradients(english):
    result, text = english
    finals = result.numbers["optimizers"]
    assert len(finals) == 4
    assert all(value < 0.1 * (49 / 20 + 4) for value in finals.values())  # all went downhill
    assert result.numbers["training_status"] == "completed"
    assert result.numbers["test_accuracy"] > 0.5  # 3 quick epochs; chance is 0.1
    assert result.numbers["gradient_check_ok"] is True
    assert max(result.numbers["gradient_check"].values()) < 1e-6
    assert "the gradients match" in text


def test_korean_tour_speaks_korean_with_the_same_numbers(english, korean):
    (result_en, text_en), (result_ko, text_ko) = english, korean
    assert result_ko.lang == "ko"
    assert len(HANGUL.findall(text_ko)) > 200 and not HANGUL.search(text_en)
    assert "The derivative is the limit" not in text_ko
    for number in CHAPTER_NUMBERS:
        assert number in text_ko, number
    assert LONG_NUMBER.findall(text_ko) == LONG_NUMBER.findall(text_en)
    assert [p.name for p in result_ko.figures] == [p.name for p in result_en.figures]
    # no English sentence slipped through: code names and figure paths only
    prose = [line for line in text_ko.splitlines() if "->" not in line]
    assert not [line for line in prose if ENGLISH_WORDS.search(line)]


def test_korean_tour_diagnoses_the_learning_rates_in_korean_with_the_same_numbers(english, korean):
    (_, text_en), (result_ko, text_ko) = english, korean
    rates_en = text_en[text_en.index("\n6. ") : text_en.index("\n7. ")]
    rates_ko = text_ko[text_ko.index("\n6. ") : text_ko.index("\n7. ")]
    # the library's English diagnoses stay out of the Korean tour ...
    assert "Diverged at step" in rates_en and "Diverged" not in rates_ko
    assert "Stalled:" in rates_en and "Stalled" not in rates_ko
    assert "'diverged'(발산)" in rates_ko and "'stalled'(정체)" in rates_ko
    # ... and their Korean diagnoses carry the same facts and the same advice
    big = re.search(r"(\d+)단계에서 발산했습니다: f가\s+(\S+)에서\s+(\S+)까지\s+커졌", rates_ko)
    assert big, rates_ko
    assert (
        big.groups()
        == re.search(
            r"Diverged at step (\d+): f\s+grew\s+from\s+(\S+)\s+to\s+(\S+),", rates_en
        ).groups()
    )
    suggested = re.findall(r"try lr=([-+.e\d]*\d)", rates_en)
    assert suggested == ["0.5", "0.5"]  # 1/L for the curvature L = 2 of x0² + x1²
    assert re.findall(r"lr=([-+.e\d]*\d)\s+정도로\s+(?:줄여|키워)", rates_ko) == suggested
    stalled = re.search(r"정체되었습니다: (\d+)단계\s+동안\s+f가\s+겨우\s+(\S+)만큼", rates_ko)
    assert stalled.groups() == ("100", "1e-06")
    assert sorted(NUMBER.findall(rates_ko)) == sorted(NUMBER.findall(rates_en))
    assert result_ko.numbers["lr_10_status"] == "diverged"


def _quadratic(x):
    return x[0] ** 2 + x[1] ** 2


def _steep(x):
    return 1e150 * x[0] ** 2  # the first step of lr = 1 overflows f


@pytest.mark.parametrize(
    "f, x0, lr, kwargs, status, korean",
    [
        (_quadratic, [-3.0, 4.0], 10.0, {}, "diverged", "3단계에서 발산했습니다"),
        (
            _steep,
            [1.0],
            1.0,
            {},
            "diverged",
            "1단계에서 발산했습니다: f의 값이 유한하지 않습니다(inf)",
        ),
        (lambda x: np.nan * x[0], [1.0], 0.1, {}, "diverged", "한 걸음도 떼기 전에 x0에서"),
        (_quadratic, [-3.0, 4.0], 1e-10, {}, "stalled", "정체되었습니다"),
        (_quadratic, [-3.0, 4.0], 0.01, {}, "max_steps", "학습률을 키워 보세요"),
        (_quadratic, [-3.0, 4.0], 0.1, {}, "max_steps", "정류점에 가깝습니다"),
        (_quadratic, [1.0, 1.0], 0.5, {}, "converged", "1단계 만에 수렴했습니다"),
        (_quadratic, [1.0, 1.0], 0.1, {"callback": lambda k, s: k == 2}, "stopped", "콜백이 2단계"),
    ],
)
def test_korean_diagnosis_of_every_status_says_the_librarys_numbers(
    f, x0, lr, kwargs, status, korean
):
    with np.errstate(all="ignore"):
        res = minimize(f, np.array(x0), lr=lr, steps=100, **kwargs)
        text = diagnosis(res, lr, "ko")
    assert res.status == status
    assert diagnosis(res, lr, "en") == res.message
    assert korean in text and HANGUL.search(text) and not ENGLISH_WORDS.search(text)
    # every number in the Korean sentence is one the library's message states
    assert set(NUMBER.findall(text)) <= set(NUMBER.findall(res.message)), (text, res.message)
    if status in ("diverged", "stalled"):  # and the advice is the library's own
        assert set(NUMBER.findall(text)) == set(NUMBER.findall(res.message))


def test_every_language_has_every_text_with_the_same_placeholders():
    def fields(template):
        return sorted(name for _, name, _, _ in string.Formatter().parse(template) if name)

    for lang in LANGUAGES:
        assert set(TEXT[lang]) == set(TEXT["en"])
        for key, template in TEXT["en"].items():
            assert fields(TEXT[lang][key]) == fields(template), (lang, key)


def test_invalid_language_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match="`lang` must be one of 'en', 'ko', got 'fr'"):
        tour.run(tmp_path / "out", lang="fr")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("below", ["", "sub"])
def test_unwritable_folder_is_a_clear_error_naming_it(tmp_path, below):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    target = blocker / below if below else blocker
    with pytest.raises(OSError, match=r"cannot write the tour's figures into the folder .*a-file"):
        tour.run(target, quick=True, stream=io.StringIO())


def test_importing_the_tour_is_light():
    code = "import sys, slopes.tour; print('matplotlib' in sys.modules, 'sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_optimiser_rows_print_the_last_iterate_that_the_figure_marks(english):
    # the rows used to print res.x, the best iterate, while the figure's star is the last
    result, text = english
    last = result.numbers["optimizers_last_x"]
    for name, x in last.items():
        row = next(line for line in text.splitlines() if line.strip().startswith(name))
        printed = re.search(r"last x = \[([^\]]*)\]", row).group(1)
        np.testing.assert_allclose(np.array(printed.split(), dtype=float), x, rtol=1e-7)
    # Adam overshoots: its last f is above its best, and both are printed
    adam = next(line for line in text.splitlines() if line.strip().startswith("Adam"))
    f_last, f_best = (float(v) for v in re.findall(r"f = ([-+.e\d]+)", adam))
    assert f_last > f_best == pytest.approx(result.numbers["optimizers"]["Adam (lr 0.3)"], rel=1e-3)


def test_optimiser_figure_has_no_empty_bands_above_and_below(english):
    # equal scales on a wide window used to leave about 40% of the height blank
    result, _ = english
    path = next(p for p in result.figures if p.name == "06_optimizers.png")
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("L"), dtype=float)
    blank_rows = np.all(pixels > 250, axis=1)
    top = int(np.argmin(blank_rows))
    bottom = int(np.argmin(blank_rows[::-1]))
    assert (top + bottom) / len(pixels) < 0.1, (top, bottom, len(pixels))
