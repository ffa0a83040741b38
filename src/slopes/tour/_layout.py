"""Text laid out for a terminal: wrapped by display width, tables that fit.

A terminal draws a Hangul syllable (and every East Asian wide or fullwidth
character) in two columns, so ``len`` undercounts Korean text by half;
:func:`columns` counts what the eye sees. :func:`wrap` folds text at spaces
only -- a word, a number or a Korean word with its particle (``0.2입니다``)
is never split -- and :func:`table` lays rows out in aligned columns when
they fit, or one record per block when they do not.

Examples
--------
>>> columns("f(x) = 0.2"), columns("기울기")
(10, 6)
>>> print(wrap("  one two three four", 12))
  one two
  three four
>>> print(table([["name", "f"], ["SGD", "0.5"], ["Adam", "0.25"]], 40))
  name  f
  SGD   0.5
  Adam  0.25
>>> print(table([["name", "f"], ["SGD", "0.5"], ["Adam", "0.25"]], 8))
  SGD
      f = 0.5
  Adam
      f = 0.25
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Sequence

__all__ = ["columns", "render", "table", "terminal_width", "wrap"]

# narrower than this, no layout reads well; wider than this, prose lines get hard to follow
MIN_WIDTH, MAX_WIDTH = 40, 100


def columns(text: str) -> int:
    """Terminal columns of ``text``: wide (W) and fullwidth (F) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def terminal_width() -> int:
    """The terminal's width (``COLUMNS`` wins), kept between 40 and 100 columns."""
    width = shutil.get_terminal_size(fallback=(80, 24)).columns
    return max(MIN_WIDTH, min(MAX_WIDTH, width))


# spaces that must not break a line: inside [...] (a printed array such as the chapter's
# [-6.11110793e-10  8.14814391e-10]), inside a short (...) such as (-3, 4), and around
# " = " and " <- ", so that "x = 5" stays together; they travel as GLUE while wrapping
GLUE = "\ue000"  # a private-use character: never in the text itself
_UNBREAKABLE = re.compile(r"\[[^\]\n]*\]|\([^()\n]{0,16}\)| (?:=|<-) ")


def _glue(match: re.Match[str]) -> str:
    return match.group(0).replace(" ", GLUE)


def wrap(line: str, width: int) -> str:
    """Fold one logical line at spaces to ``width`` columns; continuations keep its indent.

    Runs of spaces inside a line are kept (they align numbers); a line
    breaks only at a space outside an array, a short parenthesis or an
    ``a = b``. A word wider than the line (a long path) stands alone on its
    line rather than being cut.
    """
    body = line.lstrip(" ")
    pad = " " * (len(line) - len(body))
    pieces = re.split(r"( +)", _UNBREAKABLE.sub(_glue, body))
    lines: list[str] = []
    current = pieces[0]
    for space, word in zip(pieces[1::2], pieces[2::2]):
        if current and columns(pad + current + space + word) > width:
            lines.append(pad + current)
            current = word
        else:
            current += space + word
    lines.append(pad + current)
    return "\n".join(lines).replace(GLUE, " ")


def render(text: str, width: int) -> str:
    """Every logical line (separated by ``\\n``) of ``text`` wrapped to ``width``."""
    return "\n".join(wrap(line, width) if line.strip() else "" for line in text.split("\n"))


def table(rows: Sequence[Sequence[str]], width: int, indent: int = 2) -> str:
    """Rows under a header row, in aligned columns, or stacked when they do not fit.

    Stacked, each record is its first cell on one line and ``header = cell``
    pairs on the next (wrapped, indented further).
    """
    header, *records = [list(row) for row in rows]
    widths = [max(columns(row[i]) for row in rows) for i in range(len(header))]
    pad = " " * indent
    if indent + sum(widths) + 2 * (len(widths) - 1) <= width:
        out = []
        for row in (header, *records):
            cells = [cell + " " * (widths[i] - columns(cell)) for i, cell in enumerate(row)]
            out.append((pad + "  ".join(cells)).rstrip())
        return "\n".join(out)
    out = []
    for row in records:
        out.append(pad + row[0])
        pairs = ", ".join(f"{name} = {cell}" for name, cell in zip(header[1:], row[1:]))
        out.append(wrap(pad + "    " + pairs, width))
    return "\n".join(out)
