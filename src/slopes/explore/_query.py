"""Read the query string of an API request: one value per known parameter, checked.

Every reader raises :class:`~slopes.explore._problem.ApiError` with a message
that names the parameter and says what is wrong, so that the page (or a
script) can show it as it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs

from ._limits import MAX_COORDINATES
from ._problem import ApiError

__all__ = ["Query", "parse_query"]


@dataclass(frozen=True)
class Query:
    """The parameters of one request, one text value each.

    Examples
    --------
    >>> q = parse_query("lr=0.1&steps=20", allowed=("lr", "steps", "start"))
    >>> q.number("lr", default=1.0, low=0.0), q.integer("steps", default=100, low=0, high=50)
    (0.1, 20)
    >>> q.integer("steps", default=100, low=0, high=10)
    Traceback (most recent call last):
        ...
    slopes.explore._problem.ApiError: `steps` must be at most 10, got 20
    """

    values: tuple[tuple[str, str], ...]

    def text(self, name: str, default: str | None = None) -> str:
        """The raw text of ``name``; ApiError when missing without a default."""
        for key, value in self.values:
            if key == name:
                return value
        if default is None:
            raise ApiError(f"`{name}` is missing")
        return default

    def has(self, name: str) -> bool:
        """Whether the request gave ``name``."""
        return any(key == name for key, _ in self.values)

    def number(
        self,
        name: str,
        default: float | None = None,
        low: float = -math.inf,
        high: float = math.inf,
        *,
        open_low: bool = False,
    ) -> float:
        """A finite float in ``[low, high]`` (``(low, high]`` with ``open_low``)."""
        if default is not None and not self.has(name):
            return default
        text = self.text(name)
        try:
            value = float(text)
        except ValueError:
            raise ApiError(f"`{name}` must be a number, got {text[:40]!r}") from None
        if not math.isfinite(value):
            raise ApiError(f"`{name}` must be a finite number, got {text[:40]!r}")
        if value < low or (open_low and value == low):
            word = "greater than" if open_low else "at least"
            raise ApiError(f"`{name}` must be {word} {low:g}, got {value:g}")
        if value > high:
            raise ApiError(f"`{name}` must be at most {high:g}, got {value:g}")
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        """A whole number in ``[low, high]``."""
        if not self.has(name):
            return default
        text = self.text(name).strip()
        if not text.lstrip("+-").isdigit() or len(text) > 12:
            raise ApiError(f"`{name}` must be a whole number, got {text[:40]!r}")
        value = int(text)
        if value < low:
            raise ApiError(f"`{name}` must be at least {low}, got {value}")
        if value > high:
            raise ApiError(f"`{name}` must be at most {high}, got {value}")
        return value

    def choice(self, name: str, choices: Iterable[str], default: str) -> str:
        """One of ``choices``."""
        options = tuple(choices)
        value = self.text(name, default).strip().lower()
        if value not in options:
            raise ApiError(f"`{name}` must be one of {', '.join(options)}; got {value[:40]!r}")
        return value

    def point(self, name: str) -> list[float]:
        """Comma-separated finite coordinates, like ``-3,4``."""
        text = self.text(name)
        parts = text.split(",")
        if len(parts) > MAX_COORDINATES:
            raise ApiError(f"`{name}` has more than {MAX_COORDINATES} coordinates")
        values = []
        for part in parts:
            try:
                value = float(part)
            except ValueError:
                raise ApiError(
                    f"`{name}` must be numbers separated by commas, like -3,4; got {text[:60]!r}"
                ) from None
            if not math.isfinite(value):
                raise ApiError(f"`{name}` must be finite numbers, got {text[:60]!r}")
            values.append(value)
        return values


def parse_query(text: str, allowed: Iterable[str]) -> Query:
    """Parse a query string; unknown or repeated parameters are an ApiError.

    Parameters
    ----------
    text : str
        The query string, without the ``?``.
    allowed : iterable of str
        The parameters the endpoint knows.

    Returns
    -------
    Query
    """
    known = tuple(allowed)
    try:
        parsed = parse_qs(text, keep_blank_values=True, strict_parsing=False, max_num_fields=50)
    except ValueError as error:  # too many fields
        raise ApiError(f"bad query string: {error}") from None
    for key, values in parsed.items():
        if key not in known:
            takes = ", ".join(known) or "no parameters"
            raise ApiError(f"unknown parameter {key[:40]!r}; this endpoint takes {takes}")
        if len(values) > 1:
            raise ApiError(f"`{key}` is given {len(values)} times; give it once")
    return Query(tuple((key, values[0]) for key, values in parsed.items()))
