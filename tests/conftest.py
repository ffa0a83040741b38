"""Fixtures shared by the workers= test files (test_parallel*.py), and hypothesis's profile.

Every property test sees the same examples on every run (``derandomize``, no example
database): a run of the suite is reproducible, on any machine. ``SLOPES_FUZZ_RANDOM=1``
explores new examples instead.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from slopes._util.progress import NullBar
from slopes.parallel import _pool as _parallel

settings.register_profile("slopes-suite", derandomize=True, database=None)
settings.register_profile("slopes-explore", derandomize=False)
settings.load_profile("slopes-explore" if "SLOPES_FUZZ_RANDOM" in os.environ else "slopes-suite")


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
