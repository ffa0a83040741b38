"""The code of :mod:`slopes.tour`, which re-exports its public names. The chapter tour: numerical
differentiation and gradient descent, computed and drawn.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import IO

from .._util.result import Result
from ..plot._fonts import hangul_fonts
from ._layout import terminal_width
from ._steps import SECTIONS, Tour
from ._text import LANGUAGES

__all__ = ["TourResult", "run"]


class TourResult(Result):
    """Result of :func:`run`.

    Attributes
    ----------
    out_dir : pathlib.Path
        Where the figures are (an absolute path).
    figures : list of pathlib.Path
        Every PNG written, in the order of the tour (absolute paths).
    numbers : dict
        The key numbers by name (``derivative_at_5``, ``gradient_at_3_4``,
        ``descent_x``, ``lr_10_status``, ``test_accuracy``, ...).
    lang : str
    seconds : float
        Wall time of the whole tour.

    Examples
    --------
    A result is a dict with attribute access, and prints in one line:

    >>> from pathlib import Path
    >>> res = TourResult(out_dir=Path("/tmp/tour"), figures=[Path("/tmp/tour/01_step_size.png")],
    ...                  numbers={"derivative_at_5": 0.2}, lang="en", seconds=6.71)
    >>> res
    TourResult(out_dir='/tmp/tour', figures=1, lang='en', seconds=6.7)
    >>> res.numbers["derivative_at_5"] == res["numbers"]["derivative_at_5"]
    True
    """

    def __repr__(self) -> str:
        return (
            f"TourResult(out_dir={str(self.out_dir)!r}, figures={len(self.figures)}, "
            f"lang={self.lang!r}, seconds={self.seconds:.1f})"
        )


def _prepare_folder(out_dir: str | os.PathLike) -> Path:
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".slopes-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OSError(
            f"cannot write the tour's figures into the folder {str(folder)!r}: {reason}"
        ) from None
    return folder


def run(
    out_dir: str | os.PathLike = "slopes-tour",
    *,
    lang: str = "en",
    quick: bool = False,
    stream: IO[str] | None = None,
    width: int | None = None,
) -> TourResult:
    """Walk through the chapter: print every result and write every figure.

    Parameters
    ----------
    out_dir : str or path-like
        Folder for the figures (created if needed); default ``./slopes-tour``.
    lang : {"en", "ko"}
        Language of the explanations. Numbers and figures are the same.
    quick : bool
        Train for 2 epochs instead of 15 (for tests: a few seconds in all).
    stream : text stream, optional
        Where to print; default ``sys.stdout``.
    width : int, optional
        Columns to wrap the text to; default the terminal's width (the
        ``COLUMNS`` variable wins), kept between 40 and 100. Hangul counts two
        columns a syllable; words are never split.

    Returns
    -------
    TourResult
        ``figures`` (the PNG paths), ``numbers`` (the key results),
        ``out_dir``, ``lang`` and ``seconds``.

    Raises
    ------
    ValueError
        If ``lang`` is not one of ``"en"``, ``"ko"``.
    OSError
        If ``out_dir`` cannot be created or written; the message names the folder.

    Examples
    --------
    The quick tour, its text kept in a buffer (a few seconds):

    >>> import io, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> res = run(folder, quick=True, stream=io.StringIO())
    >>> [figure.name for figure in res.figures[:2]]
    ['01_step_size.png', '02_tangents.png']
    >>> round(res.numbers["derivative_at_5"], 6), res.numbers["lr_10_status"]
    (0.2, 'diverged')
    >>> import shutil; shutil.rmtree(folder)
    """
    if lang not in LANGUAGES:
        raise ValueError(f"`lang` must be one of {', '.join(map(repr, LANGUAGES))}, got {lang!r}")
    stream = sys.stdout if stream is None else stream
    folder = _prepare_folder(out_dir)
    start = time.perf_counter()
    if width is None:
        width = terminal_width()
    elif isinstance(width, bool) or not isinstance(width, int) or width < 20:
        raise ValueError(f"`width` must be an integer of at least 20 columns, got {width!r}")
    tour = Tour(folder, lang, bool(quick), stream, width)
    tour.say("intro", out_dir=folder)
    # Korean figures draw with the Hangul font shipped in the package
    fonts = hangul_fonts() if lang == "ko" else contextlib.nullcontext()
    with fonts:
        for section in SECTIONS:
            getattr(tour, section)()
    seconds = time.perf_counter() - start
    print(file=stream)
    tour.say("done", seconds=f"{seconds:.1f}", count=len(tour.figures), out_dir=folder)
    tour.say("explore")
    return TourResult(
        out_dir=folder.resolve(),
        figures=[path.resolve() for path in tour.figures],
        numbers=tour.numbers,
        lang=lang,
        seconds=seconds,
    )
