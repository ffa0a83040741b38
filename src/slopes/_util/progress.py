"""Progress bars that stay quiet when nobody is watching.

A thin layer over :mod:`tqdm`: ``progress=True`` shows a bar only when
standard error is a terminal (so logs, CI and pipes stay clean);
``progress="always"`` forces it; ``progress=False`` never shows one.

Examples
--------
>>> with progress_bar(total=3, desc="points", progress=False) as bar:
...     for _ in range(3):
...         bar.update(1)
>>> bar.n
3
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["NullBar", "progress_bar", "wants_progress"]


class NullBar:
    """A do-nothing stand-in for a tqdm bar with the same small interface."""

    def __init__(self, total: int | None = None, **_: Any) -> None:
        self.total = total
        self.n = 0

    def update(self, count: int = 1) -> None:
        self.n += count

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass

    def set_description(self, *args: Any, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> NullBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wants_progress(progress: bool | str) -> bool:
    """Decide whether a bar should be shown for the ``progress`` setting."""
    if progress == "always":
        return True
    if not progress:
        return False
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def progress_bar(total: int | None, desc: str, progress: bool | str = True, **kwargs: Any) -> Any:
    """A tqdm bar (or a :class:`NullBar`) for ``total`` units of work."""
    if not wants_progress(progress):
        return NullBar(total=total)
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, leave=False, dynamic_ncols=True, **kwargs)
