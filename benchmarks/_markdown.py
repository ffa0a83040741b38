"""Markdown tables of a benchmark run."""

from __future__ import annotations

import statistics

MB = 1e6


def fmt_error(v) -> str:
    if v is None:
        return "—"
    return "NaN" if v != v else f"{v:.1e}"


def fmt_time(v) -> str:
    if v is None:
        return "—"
    if v >= 1:
        return f"{v:.2f} s"
    if v >= 1e-3:
        return f"{v * 1e3:.1f} ms"
    if v >= 1e-5:
        return f"{v * 1e6:.0f} µs"
    return f"{v * 1e6:.2f} µs"


def fmt_ratio(v) -> str:
    return "—" if v is None else f"{v:.2f}"


def fmt_mb(v) -> str:
    return "—" if v is None else f"{v / MB:.1f} MB"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def targets_table(items: list[dict]) -> str:
    verdict = {True: "**pass**", False: "**FAIL**", None: "not measured"}
    return _table(
        ["target", "measured", "required", "result"],
        [[t["target"], t["measured"], t["threshold"], verdict[t["pass"]]] for t in items],
    )


def scalar_summary(rows: list[dict]) -> str:
    out = []
    keys = []
    for r in rows:
        key = (r["method"], r["n"], r["tool"])
        if key not in keys:
            keys.append(key)
    for method, n, tool in keys:
        group = [r for r in rows if (r["method"], r["n"], r["tool"]) == (method, n, tool)]
        measured = [r for r in group if "rel_error" in r]
        if not measured:
            out.append([f"{method}, n={n}", tool, "—", "—", "—", "—", group[0].get("note", "")])
            continue
        rel = [r["rel_error"] for r in measured]
        good = sum(1 for v in rel if v == v and v <= 1e-12)
        worst = max(rel, key=lambda v: v if v == v else float("inf"))
        out.append(
            [
                f"{method}, n={n}",
                tool,
                f"{good}/{len(group)}",
                fmt_error(worst),
                f"{statistics.median(r['points'] for r in measured):g}",
                fmt_time(statistics.median(r["time_s"] for r in measured)),
                f"{len(group) - len(measured)} failed" if len(measured) < len(group) else "",
            ]
        )
    return _table(
        [
            "derivative",
            "tool",
            "rel err ≤ 1e-12",
            "worst rel err",
            "median points",
            "median time",
            "note",
        ],
        out,
    )


def _row_cells(r: dict, columns: list[str]) -> list[str]:
    cell = {
        "abs err": lambda: fmt_error(r.get("abs_error")),
        "rel err": lambda: fmt_error(r.get("rel_error")),
        "points": lambda: r.get("points", "—"),
        "calls": lambda: r.get("calls", "—"),
        "grad points": lambda: r.get("grad_points", "—"),
        "grad calls": lambda: r.get("grad_calls", "—"),
        "time": lambda: fmt_time(r.get("time_s")),
        "× slopes": lambda: fmt_ratio(r.get("ratio")),
        "err ≤ est": lambda: {True: "yes", False: "**no**", None: ""}[r.get("within_estimate")],
        "peak memory": lambda: fmt_mb(r.get("peak_bytes")),
        "note": lambda: r.get("note", ""),
    }
    return [cell[c]() for c in columns]


def _cell(row) -> str:
    """time · error · evaluations, or why there is no figure."""
    if row is None:
        return "—"
    if "time_s" not in row:
        note = row.get("note", "")
        return note.removeprefix("skipped: ").split(":")[0] if note else "—"
    parts = [fmt_time(row["time_s"])]
    if "abs_error" in row:
        parts.append(f"err {fmt_error(row['abs_error'])}")
    if "points" in row:
        parts.append(f"{row['points']:,} evals")
    return " · ".join(parts)


def _pick(rows, tool_prefix, **match):
    for row in rows or []:
        if row["tool"].startswith(tool_prefix) and all(row.get(k) == v for k, v in match.items()):
            return row
    return None


def headline(results: dict) -> str:
    """The README table: slopes next to the references on the issue's headline cases."""
    grad, hess = results.get("gradient"), results.get("hessian")
    overhead = results.get("overhead")
    lines = [
        [
            "`derivative(exp, 1.0)`, per call",
            *(_cell(_pick(overhead, t)) for t in ("slopes", "numdifftools", "scipy")),
            "—",
        ]
    ]
    for n in (1_000, 10_000):
        lines.append(
            [
                f"gradient, n = {n:,}",
                _cell(_pick(grad, "slopes", n=n, vectorized=True)),
                _cell(_pick(grad, "numdifftools", n=n)),
                _cell(_pick(grad, "scipy.differentiate.jacobian", n=n, vectorized=True)),
                _cell(_pick(grad, "textbook", n=n)),
            ]
        )
    lines.append(
        [
            "Rosenbrock Hessian, n = 50",
            _cell(_pick(hess, "slopes", n=50, with_grad=False)),
            _cell(_pick(hess, "numdifftools", n=50, with_grad=False)),
            _cell(_pick(hess, "scipy", n=50, with_grad=False)),
            _cell(_pick(hess, "textbook", n=50, with_grad=False)),
        ]
    )
    header = ["case", "slopes", "numdifftools", "scipy.differentiate", "textbook loop (h=1e-4)"]
    return _table(header, lines) + (
        "\nGradients: f(x) = sum(x²) + sum(sin x), slopes and scipy with a vectorized f,"
        " numdifftools and the textbook loop one point per call. err = max abs error against the"
        " closed form; evals = points at which f was evaluated.\n"
    )


def markdown(results: dict) -> str:
    m = results["meta"]
    engine = "TEMPORARY STUB" if m["engine_is_stub"] else "real engine"
    parts = [
        "# slopes benchmarks\n",
        f"{m['date']}, {m['mode']} run, {m['wall_s']:.0f} s. {m['machine']}. Python {m['python']},"
        f" numpy {m['numpy']}, scipy {m['scipy']}, numdifftools {m['numdifftools']},"
        f" slopes {m['slopes']} (git {m['git_head']}"
        f"{' + uncommitted changes in src/slopes' if m['engine_modified'] else ''},"
        f" engine files sha1 {m['engine_sha1']}: {engine}).\n",
        "Times are medians of repeats (`time.perf_counter`); `× slopes` is time / slopes' time"
        " in the same run (> 1: slopes is faster). Errors are against closed forms: abs = max"
        " |error|, rel = max |error| / max |exact|. Points = f evaluations (a call on a stack"
        " of m points counts m); calls = Python calls of f. `err ≤ est`: slopes' own error"
        " estimate (`full_output`) bounds the true error of every element. Peak memory:"
        " tracemalloc, above the level at the start of the call.\n",
        "## Headline\n",
        headline(results),
        "## Targets\n",
        "Time ratios here are medians of per-round ratios of calls timed side by side in"
        " interleaved rounds (`paired` in results.json), steadier on a loaded machine than"
        " ratios of the separate medians in the tables below. Rows marked *fresh process*"
        " repeat the gradient comparisons in a new Python process (what a user's script"
        " sees; glibc's malloc recycles large arrays differently once a process has freed big"
        " ones, see NOTES.md).\n",
        targets_table(results["targets"]),
        "## Scalar call overhead: `derivative(exp, 1.0)`, default settings\n",
        _table(
            ["tool", "time per call", "× slopes", "abs err", "note"],
            [
                [
                    r["tool"],
                    fmt_time(r.get("time_s")),
                    fmt_ratio(r.get("ratio")),
                    fmt_error(r.get("abs_error")),
                    r.get("note", ""),
                ]
                for r in results["overhead"]
            ],
        ),
    ]
    if results.get("scalar"):
        parts += [
            "## Scalar derivatives: summary over the 8 cases of issue 2\n",
            scalar_summary(results["scalar"]),
            "## Scalar derivatives: every case\n",
        ]
        cols = ["abs err", "rel err", "err ≤ est", "points", "calls", "time", "× slopes", "note"]
        seen = []
        for r in results["scalar"]:
            if (r["method"], r["n"]) not in seen:
                seen.append((r["method"], r["n"]))
        for method, n in seen:
            group = [r for r in results["scalar"] if (r["method"], r["n"]) == (method, n)]
            parts += [
                f"### method={method}, n={n}\n",
                _table(
                    ["case", "tool", *cols],
                    [[r["case"], r["tool"], *_row_cells(r, cols)] for r in group],
                ),
            ]
    if results.get("gradient"):
        parts.append("## Gradients of f(x) = sum(x²) + sum(sin x)\n")
        cols = ["abs err", "rel err", "err ≤ est", "points", "calls", "time", "× slopes"]
        cols += ["peak memory", "note"]
        for n in dict.fromkeys(r["n"] for r in results["gradient"]):
            group = [r for r in results["gradient"] if r["n"] == n]
            parts += [
                f"### n = {n:,}\n",
                _table(
                    ["tool", "f takes", *cols],
                    [[r["tool"], r["calling"], *_row_cells(r, cols)] for r in group],
                ),
            ]
    if results.get("hessian"):
        parts.append("## Hessians of Rosenbrock\n")
        for n in dict.fromkeys(r["n"] for r in results["hessian"]):
            for with_grad in (False, True):
                group = [
                    r for r in results["hessian"] if r["n"] == n and r["with_grad"] == with_grad
                ]
                title = "from a given gradient" if with_grad else "from function values"
                cols = ["abs err", "rel err", "err ≤ est", "points", "calls"]
                cols += ["grad points", "grad calls"] if with_grad else []
                cols += ["time", "× slopes", "note"]
                parts += [
                    f"### n = {n}, {title}\n",
                    _table(
                        ["tool", "f takes", *cols],
                        [[r["tool"], r["calling"], *_row_cells(r, cols)] for r in group],
                    ),
                ]
    return "\n".join(parts)
