"""How work is spread over workers (TEMPORARY STUB: serial only)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def parallel_map(func: Callable[[Any], Any], tasks: Sequence[Any], workers: Any = None,
                 progress: bool = False) -> list[Any]:
    """Apply ``func`` to every task, in order, and return the results as a list."""
    return [func(task) for task in tasks]
