"""Fixtures shared by the workers= test files (test_parallel*.py)."""

from __future__ import annotations

import pytest

from slopes._util.progress import NullBar
from slopes.parallel import _pool as _parallel


@pytest.fixture
def force_dispatch():
    """Every task goes to the workers, however cheap f is (this is now always so).

    Kept so that tests say what they rely on: f runs on the workers.
    """


@pytest.fixture
def bars(monkeypatch):
    """Record the progress bars parallel_map makes (quiet NullBars), newest last."""
    made = []

    def fake_progress_bar(total, desc, progress=True, **kwargs):
        made.append(NullBar(total=total))
        return made[-1]

    monkeypatch.setattr(_parallel, "progress_bar", fake_progress_bar)
    return made


@pytest.fixture
def record_dispatches(monkeypatch):
    """Call it to start recording the number of chunks each loky dispatch sends out."""
    from slopes.parallel._backends import LokyBackend

    def start() -> list[int]:
        dispatched = []
        original_run = LokyBackend.run

        def counting_run(self, payload, chunks, *args):
            dispatched.append(len(chunks))
            return original_run(self, payload, chunks, *args)

        monkeypatch.setattr(LokyBackend, "run", counting_run)
        return dispatched

    return start
