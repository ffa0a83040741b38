"""The robustness table: the whole corpus through slopes, numdifftools and scipy, in one run.

Usage (from the repository root, with the ``bench`` extra installed)::

    python benchmarks/bench_robustness.py [--out benchmarks/results] [--every K]

Runs every case of ``_robustness_cases.CORPORA`` (scipy's and numdifftools' published
test cases, and the edge sweeps) through the three tools at their defaults, except
for the case's method, order and n, and writes ``robustness.md`` (the table, the
rules, and slopes' silent wrong answers case by case) and ``robustness.json`` into
``--out``. ``--every K`` runs every K-th case only (the smoke test). About a minute.

Per corpus and tool: the cases the tool can run, its successes, its **silent wrong
answers** (success claimed, true error more than 10 times the reported error or more
than 1e-6 relative: ``_robustness_tools.silent_wrong``), the cases where it raised,
and the median number of function evaluations (points, counted by a wrapper around
f). numdifftools has no success flag: a result is *claimed* where its error estimate
is finite and at most 1e-6 times the case's scale. scipy.differentiate gives first
derivatives only and has no complex step; those cases are "n/a" for it, as are
numdifftools' Jacobians of a multi-dimensional x (it reads trailing axes as a batch).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import _markdown
import _report
import _robustness_cases as corpus
import _robustness_tools as tools
import numpy as np

TOOLS = ("slopes", "numdifftools", "scipy")


@dataclass
class Tally:
    """One tool on one corpus."""

    cases: int = 0
    successes: int = 0
    silent_wrong: int = 0
    beyond_estimate: int = 0  # of the silent wrong: true error > 10x the reported error
    raised: int = 0
    not_applicable: int = 0
    evaluations: list[int] = field(default_factory=list)

    def row(self, corpus_name: str, tool: str) -> list[str]:
        median = statistics.median(self.evaluations) if self.evaluations else None
        return [
            corpus_name,
            tool,
            str(self.cases),
            str(self.successes),
            f"**{self.silent_wrong}**" if self.silent_wrong else "0",
            str(self.beyond_estimate),
            str(self.raised),
            str(self.not_applicable),
            "—" if median is None else f"{median:g}",
        ]


def _not_applicable(case: corpus.Case, tool: str) -> str | None:
    if tool == "scipy":
        return tools.scipy_applies(case)
    if tool == "numdifftools" and case.kind == "jacobian" and np.ndim(case.x) > 1:
        return "reads trailing axes of x as a batch"
    return None


def run_one(case: corpus.Case, tool: str) -> tuple[tools.Outcome | None, int, str | None]:
    """(outcome or None, points evaluated, error text or None)."""
    point_size = 1 if case.kind == "derivative" else int(np.size(case.x))
    counted = tools.Counted(case.f, point_size)
    runner = {
        "slopes": lambda: tools.run_slopes(case, counted),
        "numdifftools": lambda: tools.run_numdifftools(case, counted),
        "scipy": lambda: tools.run_scipy(case, counted),
    }[tool]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = runner()
    except Exception as exc:  # a tool failing on a case is a result, not a crash
        return None, counted.points, f"{type(exc).__name__}: {str(exc)[:120]}"
    return out, counted.points, None


def run(every: int = 1, log=print) -> dict:
    began = time.perf_counter()
    tallies: dict[tuple[str, str], Tally] = {}
    slopes_wrong: list[dict] = []
    slopes_raised: list[dict] = []
    for corpus_name, cases in corpus.CORPORA.items():
        for tool in TOOLS:
            tally = tallies.setdefault((corpus_name, tool), Tally())
            start = time.perf_counter()
            for case in cases[::every]:
                if _not_applicable(case, tool):
                    tally.not_applicable += 1
                    continue
                tally.cases += 1
                out, points, error = run_one(case, tool)
                tally.evaluations.append(points)
                if out is None:
                    tally.raised += 1
                    if tool == "slopes":
                        slopes_raised.append(
                            {"case": case.label, "corpus": corpus_name, "error": error}
                        )
                    continue
                tally.successes += bool(out.success.all())
                if tools.silent_wrong(out, case):
                    tally.silent_wrong += 1
                    tally.beyond_estimate += bool(np.any(tools.beyond_estimate(out, case)))
                    if tool == "slopes":
                        slopes_wrong.append(_wrong_row(corpus_name, case, out))
            log(
                f"[{time.perf_counter() - began:6.1f} s] {corpus_name}: {tool} "
                f"({time.perf_counter() - start:.1f} s)"
            )
    return {
        "tallies": {f"{c} / {t}": vars(v) for (c, t), v in tallies.items()},
        "table": [v.row(c, t) for (c, t), v in tallies.items()],
        "slopes_silent_wrong": slopes_wrong,
        "slopes_raised": slopes_raised,
        "wall_s": time.perf_counter() - began,
        "every": every,
    }


def _wrong_row(corpus_name: str, case: corpus.Case, out: tools.Outcome) -> dict:
    k = int(np.flatnonzero(tools.silent_wrong_elements(out, case).ravel())[0])
    return {
        "corpus": corpus_name,
        "case": case.label,
        "value": float(out.value.ravel()[k]),
        "exact": float(np.ravel(case.exact)[k]),
        "error": float(out.error.ravel()[k]),
        "nfev": out.nfev,
    }


HEADER = [
    "corpus",
    "tool",
    "cases",
    "successes",
    "silent wrong",
    "of which > 10x est.",
    "raised",
    "n/a",
    "median evals",
]


def _provenance(results: dict, meta: dict) -> str:
    dirty = ", uncommitted changes in src/slopes" if meta["engine_modified"] else ""
    subset = f"; every {results['every']}-th case only" if results["every"] > 1 else ""
    return (
        f"{meta['date']}, git {meta['git_head']} (engine files sha1 {meta['engine_sha1']}{dirty}), "
        f"{meta['machine']}, Python {meta['python']}, numpy {meta['numpy']}, "
        f"scipy {meta['scipy']}, numdifftools {meta['numdifftools']}; "
        f"{results['wall_s']:.0f} s{subset}."
    )


def markdown(results: dict, meta: dict) -> str:
    lines = [
        "# Robustness: the peers' test suites and the edge sweeps",
        "",
        _provenance(results, meta),
        "",
        _markdown._table(HEADER, results["table"]),
        "- **silent wrong**: success claimed with a true error more than 10x the reported "
        "error (plus 4 ulps of the case's scale), or more than 1e-6 relative (normwise, "
        "against the case's largest |exact|).",
        "- **of which > 10x est.**: the silent wrong answers whose error estimate itself is "
        "wrong; the others are claimed successes with an honest estimate above 1e-6 relative.",
        "- numdifftools has no success flag: *claimed* = error estimate finite and at most "
        "1e-6 x the case's scale. scipy: its own `success`.",
        "- **n/a**: scipy.differentiate has no complex step and no n > 1 (and its Hessian is "
        "central only here); numdifftools reads trailing axes of x as a batch.",
        "- **median evals**: points f was evaluated at, counted by a wrapper around f.",
        "- Cases: `benchmarks/_robustness_cases.py`; the tests asserting them: "
        "`tests/test_peer_scipy.py`, `tests/test_peer_numdifftools.py`, "
        "`tests/test_edge_sweeps.py`.",
        "",
    ]
    wrong = results["slopes_silent_wrong"]
    lines += [f"## slopes' silent wrong answers ({len(wrong)})", ""]
    if wrong:
        rows = [
            [
                w["corpus"],
                w["case"],
                f"{w['value']:.6g}",
                f"{w['exact']:.6g}",
                _markdown.fmt_error(w["error"]),
                str(w["nfev"]),
            ]
            for w in wrong
        ]
        lines.append(
            _markdown._table(["corpus", "case", "value", "exact", "reported error", "nfev"], rows)
        )
    raised = results["slopes_raised"]
    lines += [f"## Cases where slopes raised ({len(raised)})", ""]
    if raised:
        lines.append(
            _markdown._table(
                ["corpus", "case", "exception"],
                [[r["corpus"], r["case"], r["error"]] for r in raised],
            )
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results", help="folder for the results")
    parser.add_argument("--every", type=int, default=1, help="run every K-th case only")
    args = parser.parse_args(argv)
    results = run(every=args.every, log=lambda m: print(m, file=sys.stderr, flush=True))
    meta = _report.meta(quick=args.every > 1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "robustness.json").write_text(json.dumps({"meta": meta, **results}, indent=1) + "\n")
    text = markdown(results, meta)
    (out / "robustness.md").write_text(text)
    print(_markdown._table(HEADER, results["table"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
