"""Gather the committed benchmark reports (``benchmarks/results/*.md``) for the site.

Each report is included as written by ``benchmarks/run.py`` (or its siblings),
under a heading of its own, so a new report shows up without editing a page.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path


def write_benchmark_results(results_folder: str, out_folder: str, page_folder: str) -> str:
    """Write ``benchmark_results.md`` that includes every report; return its path.

    The include paths are relative to ``page_folder``, the folder of the page that
    includes this file: MyST resolves nested includes from the including page.
    """
    reports = sorted(glob.glob(os.path.join(results_folder, "*.md")))
    lines = []
    for report in reports:
        rel = os.path.relpath(report, page_folder).replace(os.sep, "/")
        lines += [
            f"```{{include}} {rel}",
            ":heading-offset: 1",
            "```",
            "",
        ]
    if not reports:
        lines.append("No benchmark report is committed yet: run `python benchmarks/run.py`.")
    os.makedirs(out_folder, exist_ok=True)
    path = os.path.join(out_folder, "benchmark_results.md")
    text = "\n".join(lines)
    old = Path(path).read_text(encoding="utf-8") if os.path.exists(path) else None
    if text != old:
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
    return path
