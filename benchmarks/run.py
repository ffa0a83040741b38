"""slopes against numdifftools, scipy and the textbook loop, in one run on one machine.

Usage (from the repository root, with the ``bench`` extra installed)::

    pip install -e '.[bench]'
    python benchmarks/run.py [--quick] [--out FOLDER]

Writes ``results.md`` (markdown tables, targets with pass/fail) and ``results.json``
(every measurement) into ``--out``, and the robustness table (``bench_robustness.py``)
into ``robustness.md``; ``--out`` is by default ``benchmarks/results-local/`` (ignored
by git), so that a local run never overwrites the committed ``benchmarks/results/``;
``--out benchmarks/results`` refreshes those on purpose. ``--quick`` uses fewer repeats
and skips the references that take many seconds; the committed results come from a full
run. Without the bench extra it says, in one line, what to install. Installs nothing.
See ``benchmarks/NOTES.md`` for method and findings.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import time
import traceback
import warnings
from pathlib import Path

import _cases
import _floor
import _markdown
import _measure
import _references
import _report
import numpy as np


def settings(quick: bool) -> dict:
    if quick:
        return {"repeats": 3, "min_repeat_s": 0.005, "budget_s": 0.15, "single_run_s": 1.0}
    return {"repeats": 7, "min_repeat_s": 0.02, "budget_s": 1.5, "single_run_s": 3.0}


def bench(tool: _references.Tool, exact, cfg: dict, quick: bool, **labels) -> dict:
    """Count, time and (optionally) measure the memory of one tool on one problem."""
    row = {**labels, "tool": tool.name, "calling": tool.calling}
    if tool.skip:
        row["note"] = f"skipped: {tool.skip}"
        return row
    counters = [_measure.Counted(f, size) for f, size in tool.functions]
    raw = [f for f, _ in tool.functions]
    try:
        track_memory = tool.once and tool.memory
        if track_memory:
            row["peak_bytes"] = None
            _measure.tracemalloc.start()
            _measure.tracemalloc.reset_peak()
            base, _ = _measure.tracemalloc.get_traced_memory()
        start = time.perf_counter()
        out = tool.run(*counters)
        first = time.perf_counter() - start
        if track_memory:
            row["peak_bytes"] = _measure.tracemalloc.get_traced_memory()[1] - base
            _measure.tracemalloc.stop()
            row["note"] = "one run, timed under tracemalloc"
        value, reported = out if isinstance(out, tuple) else (out, {})
        if tool.once or first >= cfg["single_run_s"]:
            timing = _measure.Timing(first, 1, 1, [first])
        else:
            _, timing = _measure.measure(
                lambda: tool.run(*raw),
                repeats=cfg["repeats"],
                min_repeat_s=cfg["min_repeat_s"],
                single_run_s=cfg["single_run_s"],
                budget_s=cfg["budget_s"],
            )
        if tool.memory and not tool.once and (not quick or tool.name.startswith("slopes")):
            row["peak_bytes"] = _measure.peak_memory(lambda: tool.run(*raw))
    except Exception as exc:  # a contender failing is a result, not a crash
        if _measure.tracemalloc.is_tracing():
            _measure.tracemalloc.stop()
        row["note"] = f"error: {type(exc).__name__}: {str(exc)[:160]}"
        row["traceback"] = traceback.format_exc(limit=3)
        return row
    value = np.asarray(value)
    row.update(
        abs_error=_measure.max_abs_error(value, exact),
        rel_error=_measure.relative_error(value, exact),
        points=counters[0].points,
        calls=counters[0].calls,
        time_s=timing.seconds,
        repeats=timing.repeats,
        loops=timing.loops,
        reported=reported,
    )
    if len(counters) > 1:
        row.update(grad_points=counters[1].points, grad_calls=counters[1].calls)
    estimate = reported.pop("_error", None)
    if estimate is not None and np.shape(estimate) == np.shape(exact):
        with np.errstate(invalid="ignore"):
            true_error = np.abs(value - np.asarray(exact))
            row["within_estimate"] = bool(np.all(true_error <= estimate))
    counted = [c.points for c in counters]
    if "nfev" in reported and reported["nfev"] not in (*counted, sum(counted)):
        row["note"] = f"slopes reports nfev={reported['nfev']}, counted {counted}"
    if value.shape != np.shape(exact):
        row["note"] = f"shape {value.shape}, expected {np.shape(exact)}"
    return row


def add_ratios(rows: list[dict], reference) -> None:
    """time / time of the matching slopes row, for every row with a time."""
    for row in rows:
        ref = reference(row)
        if ref and row.get("time_s") and ref.get("time_s"):
            row["ratio"] = row["time_s"] / ref["time_s"]


def run_scalar(cfg, quick, log) -> list[dict]:
    cfg = {**cfg, "budget_s": min(cfg["budget_s"], 0.5)}  # µs calls: 0.5 s is many loops
    rows = []
    configs = [("central", 1), ("central", 2), ("central", 3), ("complex", 1)]
    for method, n in configs:
        for case in _cases.SCALAR_CASES:
            for tool in _references.scalar_tools(case, n, method):
                rows.append(
                    bench(tool, case.exact(n), cfg, quick, case=case.name, method=method, n=n)
                )
        log(f"scalar {method} n={n}")
    by_key = {(r["case"], r["method"], r["n"]): r for r in rows if r["tool"] == "slopes"}
    add_ratios(rows, lambda r: by_key.get((r["case"], r["method"], r["n"])))
    return rows


def overhead(quick) -> list[dict]:
    """Per-call time of the default scalar derivative of exp at 1 (no full_output)."""
    import numdifftools as nd
    from scipy.differentiate import derivative

    import slopes

    calls = {
        "slopes": lambda: slopes.derivative(np.exp, 1.0),
        "numdifftools": lambda: nd.Derivative(np.exp)(1.0),
        "scipy.differentiate": lambda: derivative(np.exp, 1.0).df,
    }
    rows = []
    for name, call in calls.items():
        try:
            value, timing = _measure.measure(
                call, repeats=5 if quick else 9, min_repeat_s=0.02 if quick else 0.1, budget_s=5
            )
            rows.append(
                {
                    "tool": name,
                    "time_s": timing.seconds,
                    "abs_error": _measure.max_abs_error(value, np.e),
                }
            )
        except Exception as exc:
            rows.append({"tool": name, "note": f"error: {type(exc).__name__}: {exc}"})
    add_ratios(rows, lambda r: rows[0])
    return rows


def run_gradient(cfg, quick, log) -> list[dict]:
    rows = []
    for n in _cases.GRADIENT_SIZES:
        exact = _cases.sum_sq_sin_grad(_cases.gradient_point(n))
        for vectorized in (False, True):
            tools = _references.gradient_tools(n, vectorized, quick)
            for tool in tools:
                # quick: one run at n = 10,000 (memory measured in it), no repeats
                tool.once = tool.once or (quick and n >= 10_000)
            group = [bench(tool, exact, cfg, quick, n=n, vectorized=vectorized) for tool in tools]
            slopes_row = group[0]
            if vectorized and slopes_row.get("points"):
                repeats = (1 if quick else 2) if n >= 10_000 else 3
                floor = _floor.floor_row(n, slopes_row["points"], repeats, quick)
                group.append({**floor, "n": n, "vectorized": True})
            add_ratios(group, lambda r, s=slopes_row: s)
            rows += group
            log(f"gradient n={n} vectorized={vectorized}")
    return rows


def run_hessian(cfg, quick, log) -> list[dict]:
    rows = []
    for n in _cases.HESSIAN_SIZES:
        exact = _cases.rosenbrock_hess(_cases.hessian_point(n))
        for with_grad in (False, True):
            group = [
                bench(tool, exact, cfg, quick, n=n, with_grad=with_grad)
                for tool in _references.hessian_tools(n, with_grad)
            ]
            add_ratios(group, lambda r, s=group[0]: s)
            rows += group
            log(f"hessian n={n} grad={with_grad}")
    return rows


def gradient_pairs(spec: dict) -> dict:
    """The gradient target comparisons, timed side by side in interleaved rounds.

    ``spec``: ``{"n1000": {"points", "per_call", "rounds"} or None, "n10000": {"rounds"}
    or None}``. Runs in this process, or in a fresh child (``--fresh-pairs``): glibc's
    malloc recycles large arrays differently once a process has freed big blocks, so a
    long benchmark process and a user's short script can see different speeds.
    """
    import slopes

    out = {}
    if spec.get("n1000"):
        x = _cases.gradient_point(1000)
        points, per_call = spec["n1000"]["points"], spec["n1000"]["per_call"]
        # the floor is the fastest chunking in *this* process (it can differ in a fresh one)
        options = sorted({per_call, max(1, 2**14 // 1000), max(1, 2**16 // 1000)})

        def floor():
            return _measure.Elapsed(min(_floor.stack_time(x, points, rows) for rows in options))

        times = _measure.paired(
            {
                "slopes": lambda: slopes.gradient(_cases.sum_sq_sin_leading, x, vectorized=True),
                "scipy.differentiate.jacobian": lambda: _references._scipy_jacobian(
                    _cases.sum_sq_sin_trailing, x
                ),
                "floor": floor,
            },
            spec["n1000"]["rounds"],
        )
        out["gradient n=1000 vectorized"] = {
            "times": times,
            "slopes / scipy": _measure.median_ratio(
                times["slopes"], times["scipy.differentiate.jacobian"]
            ),
            "slopes / floor": _measure.median_ratio(times["slopes"], times["floor"]),
        }
    if spec.get("n10000"):
        x = _cases.gradient_point(10_000)
        times = _measure.paired(
            {
                "slopes vectorized": lambda: slopes.gradient(
                    _cases.sum_sq_sin_leading, x, vectorized=True
                ),
                "slopes one-point": lambda: slopes.gradient(_cases.sum_sq_sin, x),
                "textbook": lambda: _references.textbook_gradient(_cases.sum_sq_sin, x),
            },
            spec["n10000"]["rounds"],
        )
        out["gradient n=10000"] = {
            "times": times,
            "slopes vectorized / textbook": _measure.median_ratio(
                times["slopes vectorized"], times["textbook"]
            ),
            "slopes one-point / textbook": _measure.median_ratio(
                times["slopes one-point"], times["textbook"]
            ),
        }
    return out


def fresh_gradient_pairs(spec: dict) -> dict:
    """``gradient_pairs`` in a fresh Python process (what a user's script sees)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--fresh-pairs", json.dumps(spec)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError) as exc:
        return {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}


def run_paired(results: dict, quick: bool, log) -> dict:
    """The target comparisons again, timed side by side in interleaved rounds."""
    import numdifftools as nd

    import slopes

    grad = results.get("gradient") or []

    def row(**match):
        return next((r for r in grad if all(r.get(k) == v for k, v in match.items())), {})

    spec: dict = {"n1000": None, "n10000": None}
    floor = row(n=1000, tool="floor: f on the stacked points")
    if row(n=1000, vectorized=True, tool="slopes").get("time_s") and floor:
        rounds = 3 if quick else 7
        spec["n1000"] = {
            "points": floor["points"],
            "per_call": floor["points_per_call"],
            "rounds": rounds,
        }
    if not quick and row(n=10_000, vectorized=True, tool="slopes").get("time_s"):
        spec["n10000"] = {"rounds": 2}
    out = gradient_pairs(spec)
    log("paired: gradients")
    if not quick and (spec["n1000"] or spec["n10000"]):
        # one child per size: scipy's big arrays at n = 1,000 would warm malloc for n = 10,000
        fresh: dict = {}
        for key in ("n1000", "n10000"):
            if spec[key]:
                fresh.update(fresh_gradient_pairs({key: spec[key]}))
        out["fresh process"] = fresh
        log("paired: gradients in fresh processes")
    hess = results.get("hessian") or []
    x = _cases.hessian_point(50)
    if any(r["n"] == 50 and r["tool"] == "slopes" and r.get("time_s") for r in hess):
        times = _measure.paired(
            {
                "slopes": lambda: slopes.hessian(_cases.rosenbrock, x),
                "numdifftools": lambda: nd.Hessian(_cases.rosenbrock)(x),
            },
            3 if quick else 5,
        )
        out["hessian n=50"] = {
            "times": times,
            "numdifftools / slopes": _measure.median_ratio(times["numdifftools"], times["slopes"]),
        }
        log("paired: hessian n=50")
    return out


# the references the tables compare against (the bench extra); slopes itself is the subject
REFERENCES = ("numdifftools", "scipy.differentiate", "scipy.optimize")
INSTALL = "pip install -e '.[bench]'"
LOCAL_RESULTS = "benchmarks/results-local"


def missing_references() -> list[str]:
    """The reference packages that cannot be imported here."""
    missing = []
    for name in REFERENCES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no slow references")
    parser.add_argument(
        "--out",
        default=LOCAL_RESULTS,
        help=f"folder for the results (default: {LOCAL_RESULTS}; the committed ones are in "
        "benchmarks/results)",
    )
    parser.add_argument(
        "--only",
        default="scalar,gradient,hessian,robustness",
        help="comma-separated sections to run",
    )
    parser.add_argument("--fresh-pairs", help=argparse.SUPPRESS)  # child of a full run
    args = parser.parse_args(argv)
    if args.fresh_pairs:
        print(json.dumps(gradient_pairs(json.loads(args.fresh_pairs))))
        return 0
    missing = missing_references()
    if missing:
        print(
            f"benchmarks/run.py compares slopes with {', '.join(missing)}, not installed here: "
            f"run `{INSTALL}` first",
            file=sys.stderr,
        )
        return 2
    sections = set(args.only.split(","))
    # numdifftools warns about NaN it meets (log near 0); the NaN shows in the tables
    warnings.simplefilter("ignore", category=UserWarning)
    warnings.simplefilter("ignore", category=RuntimeWarning)
    cfg = settings(args.quick)
    began = time.perf_counter()

    def log(message):
        print(f"[{time.perf_counter() - began:6.1f} s] {message}", file=sys.stderr, flush=True)

    results = {"meta": _report.meta(args.quick), "overhead": overhead(args.quick)}
    log("overhead")
    if "scalar" in sections:
        results["scalar"] = run_scalar(cfg, args.quick, log)
    if "gradient" in sections:
        results["gradient"] = run_gradient(cfg, args.quick, log)
    if "hessian" in sections:
        results["hessian"] = run_hessian(cfg, args.quick, log)
    if "gradient" in sections or "hessian" in sections:
        results["paired"] = run_paired(results, args.quick, log)
    results["targets"] = _report.targets(results)
    results["meta"]["wall_s"] = time.perf_counter() - began
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    markdown = _markdown.markdown(results)
    (out / "results.md").write_text(markdown)
    print(_markdown.targets_table(results["targets"]))
    log(f"wrote {out / 'results.md'} and {out / 'results.json'}")
    if "robustness" in sections:  # issue 11's table: its own script and file, robustness.md
        import bench_robustness

        bench_robustness.main(["--out", str(out)])
        log(f"wrote {out / 'robustness.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
