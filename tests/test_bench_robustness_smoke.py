"""The robustness benchmark's verdicts and a small run of it (every 40th case, < 5 s)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import _robustness_cases as corpus
import _robustness_tools as tools

CASE = corpus.Case("t", "exp", "derivative", np.exp, 1.0, np.exp(1.0))


def _outcome(value, error, success=True):
    return tools.Outcome("t", np.asarray(value), np.asarray(error), np.asarray(success), 1)


def test_silent_wrong_follows_issue_definitions():
    e = float(np.exp(1.0))
    assert not tools.silent_wrong(_outcome(e + 1e-10, 1e-10), CASE)  # within estimate
    assert tools.silent_wrong(_outcome(e + 2e-9, 1e-10), CASE)  # 20x the estimate
    assert tools.silent_wrong(_outcome(e * (1 + 2e-6), 1.0), CASE)  # > 1e-6 relative
    assert not tools.silent_wrong(_outcome(e + 2e-9, 1e-10, False), CASE)  # not claimed
    assert tools.silent_wrong(_outcome(np.nan, 1e-10), CASE)  # nan is never right
    assert not tools.silent_wrong(_outcome(np.nextafter(e, 3.0), 0.0), CASE)  # one ulp


def test_dishonest_is_stricter_than_silent_wrong():
    e = float(np.exp(1.0))
    out = _outcome(e + 5e-10, 1e-10)  # 5x the estimate: honest no, silent wrong no
    assert tools.dishonest_elements(out, CASE).all()
    assert not tools.silent_wrong(out, CASE)


def test_corpora_are_well_formed():
    for name, cases in corpus.CORPORA.items():
        assert cases, name
        for case in cases:
            assert case.kind in corpus.KINDS
            exact = np.asarray(case.exact, dtype=float)
            assert np.all(np.isfinite(exact)), case.label


def test_small_run_writes_the_table(tmp_path):
    pytest.importorskip("numdifftools")
    pytest.importorskip("scipy")
    import bench_robustness

    assert bench_robustness.main(["--every", "40", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "robustness.md").read_text()
    assert "| corpus | tool | cases | successes | silent wrong | of which > 10x est. |" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "corpus" not in line]
    table = [r for r in rows if r.split("|")[2].strip() in bench_robustness.TOOLS]
    assert len(table) == len(corpus.CORPORA) * len(bench_robustness.TOOLS)
    for row in table:
        cells = [c.strip().strip("*") for c in row.split("|")[1:-1]]
        cases, successes, silent, beyond = (int(c) for c in cells[2:6])
        assert 0 <= beyond <= silent <= successes <= cases
