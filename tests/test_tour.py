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
from slopes._tour_text import LANGUAGES, TEXT

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
