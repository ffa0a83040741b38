"""slopes.tour.run: the chapter's numbers printed, every figure written, in English and Korean."""

import contextlib
import io
import logging
import re
import string
import subprocess
import sys
import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")  # tests only
from PIL import Image

from slopes import tour
from slopes.book import gradient_descent
from slopes.descent import minimize
from slopes.plot._fonts import missing_glyphs
from slopes.tour._layout import columns, wrap
from slopes.tour._text import LANGUAGES, TEXT, diagnosis

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


def tour_at_80_columns(folder, lang):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLUMNS", "80")  # what a terminal of 80 columns sets
        patch.chdir(folder.parent)  # a short folder name in the text
        return quick_tour(folder.name, lang)


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    return tour_at_80_columns(tmp_path_factory.mktemp("tour") / "en", "en")


# what the Korean tour drew: every text of every figure, and every complaint about glyphs
KOREAN_DRAWN = {"texts": [], "complaints": []}


@pytest.fixture(scope="module")
def korean(tmp_path_factory):
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    save = Figure.savefig

    def spy(figure, *args, **kwargs):
        KOREAN_DRAWN["texts"] += [t.get_text() for t in figure.findobj(Text) if t.get_visible()]
        return save(figure, *args, **kwargs)

    class Complaints(logging.Handler):  # matplotlib logs some glyph problems, warns others
        def emit(self, record):
            KOREAN_DRAWN["complaints"].append(record.getMessage())

    handler = Complaints(level=logging.WARNING)
    logging.getLogger("matplotlib").addHandler(handler)
    try:
        with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            patch.setattr(Figure, "savefig", spy)
            out = tour_at_80_columns(tmp_path_factory.mktemp("tour") / "ko", "ko")
    finally:
        logging.getLogger("matplotlib").removeHandler(handler)
    KOREAN_DRAWN["complaints"] += [str(w.message) for w in seen]
    return out


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
        (lambda x: x[0] ** 2, [1.0], 1e308, {}, "diverged", "x의 값이 유한하지 않습니다(-inf)"),
        (_quadratic, [-3.0, 4.0], 1e-10, {}, "stalled", "정체되었습니다"),
        (_quadratic, [-3.0, 4.0], 0.01, {}, "max_steps", "학습률을 키워 보세요"),
        (_quadratic, [-3.0, 4.0], 0.1, {}, "converged", "100단계 만에 수렴했습니다"),
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


def test_korean_diagnosis_never_advises_more_steps_when_f_fell_by_many_orders():
    res = minimize(lambda x: x[0] ** 4, np.array([1.0]), lr=0.1, steps=2000, tol=0.0, ftol=0.0)
    assert res.status == "max_steps"
    text = diagnosis(res, 0.1, "ko")
    assert "tol을 키우세요" in text and "단계를 늘리" not in text


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
        printed = re.search(r"\[([^\]]*)\]", row).group(1)  # 4 digits: the table fits 80
        np.testing.assert_allclose(np.array(printed.split(), dtype=float), x, rtol=1e-3)
    # Adam overshoots: its last f is above its best, and both are printed
    adam = next(line for line in text.splitlines() if line.strip().startswith("Adam"))
    f_last, f_best = (float(v) for v in adam.split()[-2:])
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


def assert_fits(text, width, lang):
    widest = max(columns(line) for line in text.splitlines())
    assert widest <= min(width, 100)
    assert widest >= min(width, 100) - 10  # the text uses the room it has
    # no word is cut: every word of the templates is whole in the output
    words = set(text.split())
    for key in ("steps_body", "rates_body", "optimizers_body"):
        template = TEXT[lang][key]
        for word in re.sub(r"\{[^}]*\}", " ", template).split():
            assert any(word in w for w in words), (width, lang, word)
    # the chapter's numbers stay whole, each on one line
    for number in [*CHAPTER_NUMBERS, "[-2.58983747e+13 -1.29524862e+12]"]:
        assert number in text, (width, lang, number)


def test_the_tour_fits_80_columns_in_both_languages(english, korean):
    assert_fits(english[1], 80, "en")
    assert_fits(korean[1], 80, "ko")


@pytest.mark.parametrize(("width", "lang"), [(60, "ko"), (120, "en")])
def test_the_tour_fits_narrow_and_wide_terminals(tmp_path, monkeypatch, width, lang):
    # COLUMNS is what shutil.get_terminal_size reads first, as a terminal sets it
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.chdir(tmp_path)
    _, text = quick_tour("out", lang)
    assert_fits(text, width, lang)


def test_hangul_takes_two_columns_and_wrapping_keeps_words_whole():
    assert columns("기울기") == 6 and columns("abc") == 3
    line = "가나다 라마바 사아자 차카타 파하"
    wrapped = wrap(line, 14).splitlines()
    assert [columns(part) for part in wrapped] == [13, 13, 4]
    assert " ".join(wrapped) == line
    # an array, a short parenthesis and "a = b" never break
    folded = wrap("x = [-6.11110793e-10  8.14814391e-10] at (0, 0) and more words here", 20)
    assert "[-6.11110793e-10  8.14814391e-10]" in folded and "(0, 0)" in folded
    assert "x = [" in folded


def test_the_lr_10_case_shows_the_chapters_number_next_to_the_diagnosis(english):
    result, text = english
    rates = text[text.index("\n6. ") : text.index("\n7. ")]
    chapter = "[-2.58983747e+13 -1.29524862e+12]"
    assert chapter in rates and "Diverged at step 3" in rates
    # the number is computed by the chapter's own function, not typed in
    expected, _ = gradient_descent(_quadratic, np.array([-3.0, 4.0]), lr=10.0, step_num=100)
    np.testing.assert_array_equal(result.numbers["lr_10_chapter_x"], expected)
    assert rates.index(chapter) < rates.index("Diverged at step 3")


def test_korean_figures_speak_korean_with_a_font_that_has_every_glyph(english, korean):
    (result_en, _), (result_ko, _) = english, korean
    drawn = "".join(KOREAN_DRAWN["texts"])
    assert len(HANGUL.findall(drawn)) > 100  # titles, labels and legends in Korean
    for title in ("단계별 f", "출발점", "마지막 반복점", "에폭별 정확도", "수렴"):
        assert title in drawn, title
    assert missing_glyphs(drawn) == ""  # the fonts matplotlib resolves cover every character
    assert not [m for m in KOREAN_DRAWN["complaints"] if "glyph" in m.lower()]
    # the pictures differ from the English ones (they used to be byte-identical)
    for path_en, path_ko in zip(result_en.figures, result_ko.figures):
        assert path_en.read_bytes() != path_ko.read_bytes(), path_ko.name


def test_the_shipped_font_has_every_hangul_syllable_of_ks_x_1001_and_its_licence():
    from matplotlib.ft2font import FT2Font

    from slopes.plot._fonts import FONT_FILE

    charmap = FT2Font(str(FONT_FILE)).get_charmap()
    syllables = set()
    for high in range(0xB0, 0xC9):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # the unassigned codes
                syllables.add(bytes([high, low]).decode("euc_kr"))
    assert len(syllables) == 2350
    assert all(ord(ch) in charmap for ch in syllables)
    assert FONT_FILE.stat().st_size < 1_000_000
    licence = (FONT_FILE.parent / "OFL.txt").read_text()
    assert "SIL Open Font License" in licence and "Slopes Hangul" in licence


def test_korean_wording_reads_naturally(korean):
    _, text = korean
    flat = " ".join(text.split())
    assert "x = 5에서의 전방 차분" in flat and "의 5에서의" not in flat
    assert "np.float32(1e-50)의 값도 0.0입니다" in flat and "도 0.0)." not in flat
    assert "최솟값 (0, 0)에서 약 1e-9 이내입니다" in flat and "이내로 최솟값" not in flat
    assert "일반 SGD" in flat and "보통의 SGD" not in flat
    assert "max_steps" not in "".join(KOREAN_DRAWN["texts"])  # no status codes in figures


def test_the_tour_ends_by_pointing_to_the_explorer(english, korean):
    for (_, text), command in (
        (english, "`slopes explore`"),
        (korean, "`slopes explore --lang ko`"),
    ):
        last = " ".join(text.strip().splitlines()[-3:])
        assert command in last
