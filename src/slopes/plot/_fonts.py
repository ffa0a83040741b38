"""The Hangul font shipped with slopes, for figures with Korean text.

``fonts/SlopesHangul-Regular.ttf`` is a subset of NanumGothic (SIL Open Font
License 1.1, ``fonts/OFL.txt``): the 2,350 Hangul syllables of KS X 1001,
printable ASCII and a few symbols, about 0.7 MB. It is registered with
matplotlib only when a Korean figure is drawn (:func:`hangul_fonts`), never
at import, and stands first in the font list with DejaVu Sans (matplotlib's
own font) behind it for the symbols it lacks (∇, ✕), so every character
drawn has a glyph.

Examples
--------
>>> missing_glyphs("기울기 -∇f, x0² + x1²")
''
>>> missing_glyphs("漢")  # a Hanja: in neither font
'漢'
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

__all__ = ["FAMILIES", "FONT_FILE", "hangul_fonts", "missing_glyphs"]

FONT_FILE = Path(__file__).with_name("fonts") / "SlopesHangul-Regular.ttf"
# matplotlib's default font first (tick labels in mathtext take only the first),
# then the Hangul subset for what DejaVu Sans lacks: matplotlib falls back glyph by glyph
FAMILIES = ["DejaVu Sans", "Slopes Hangul"]


@cache
def _register() -> None:
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(FONT_FILE))


@contextlib.contextmanager
def hangul_fonts() -> Iterator[None]:
    """Within the block, matplotlib draws text with the shipped Hangul font first."""
    import matplotlib

    _register()
    with matplotlib.rc_context({"font.family": FAMILIES}):
        yield


@cache
def _charmaps() -> tuple[frozenset[int], ...]:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    _register()
    maps = []
    for family in FAMILIES:
        path = font_manager.findfont(
            font_manager.FontProperties(family=family), fallback_to_default=False
        )
        maps.append(frozenset(FT2Font(path).get_charmap()))
    return tuple(maps)


def missing_glyphs(text: str) -> str:
    """The characters of ``text`` that no font of :data:`FAMILIES` can draw."""
    maps = _charmaps()
    missing = dict.fromkeys(
        ch for ch in text if not ch.isspace() and not any(ord(ch) in m for m in maps)
    )
    return "".join(missing)
