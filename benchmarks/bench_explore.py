"""Interaction latency of ``slopes explore`` for the named functions (target: < 100 ms).

One interaction is a control moving (the learning-rate slider, a click on the
map): the page asks ``/api/minimize`` for the new descent and redraws the map,
the path and the f-per-step chart. Measured for every named function of two
variables, at the page's own starting settings for it, three ways:

- ``compute``: the endpoint itself in this process (``minimize_payload``), JSON
  encoding included: the server's share;
- ``http``: the same request through the real server on 127.0.0.1 (urllib), so
  with the thread, the socket and the parsing;
- ``page``: in headless Chromium (when Debian's chromium and chromium-driver are
  installed), the page's own measure from the slider's input event to the end
  of drawing (``performance.now()`` around fetch + draw), read from the map's
  ``data-ms``; the grid is already loaded, as it is after the first draw.

Each figure is the median (and the worst) of several repeats. The machine is
shared and noisy: read the figures as orders of magnitude against the 100 ms
target, not as exact timings.

Run::

    python benchmarks/bench_explore.py            # about half a minute
    python benchmarks/bench_explore.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _browser import chromium, missing, running_server

from slopes.explore._api import minimize_payload

PAGE_SCRIPT = Path(__file__).resolve().parents[1] / "src/slopes/explore/static/explore.js"


def page_presets() -> dict[str, tuple[tuple[float, ...], float, int]]:
    """The page's starting settings per function (PRESETS in explore.js): start, lr, steps."""
    pattern = r"(\w+): \{ start: \[([^\]]+)\], lr: ([0-9.e-]+), steps: (\d+) \}"
    return {
        name: (tuple(float(v) for v in start.split(",")), float(lr), int(steps))
        for name, start, lr, steps in re.findall(pattern, PAGE_SCRIPT.read_text(encoding="utf-8"))
    }


PRESETS = page_presets()


def query(name: str) -> str:
    start, lr, steps = PRESETS[name]
    return urlencode(
        {"function": name, "start": f"{start[0]},{start[1]}", "lr": lr, "steps": steps}
    )


def timed_ms(task, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        task()
        times.append((time.perf_counter() - began) * 1e3)
    return times


def page_latencies(url: str, repeats: int, draws: dict[str, list[float]]) -> dict[str, list[float]]:
    """The page's own fetch + draw time after a slider move, per function (draw alone in draws)."""
    from selenium.webdriver.support.ui import WebDriverWait

    found: dict[str, list[float]] = {}
    with chromium(1366, 768) as driver:
        driver.get(url)
        wait = WebDriverWait(driver, 60)
        wait.until(lambda d: d.execute_script("return document.body.dataset.ready") == "true")
        for name, (_start, lr, _steps) in PRESETS.items():
            driver.execute_script(
                "const s = document.getElementById('function'); s.value = arguments[0];"
                "s.dispatchEvent(new Event('change'));",
                name,
            )
            times = []
            for k in range(repeats + 1):
                count = driver.execute_script("return Number(document.body.dataset.descents)")
                # alternate between two nearby learning rates: each move is a new descent
                value = f"{(lr if k % 2 else lr * 1.1):.6g}"
                driver.execute_script(
                    "const el = document.getElementById('lr');"
                    "el.value = Math.log10(arguments[0]);"
                    "el.dispatchEvent(new Event('input'));",
                    value,
                )
                wait.until(
                    lambda d, c=count: (
                        d.execute_script("return Number(document.body.dataset.descents)") > c
                    )
                )
                if k:  # the first one also loads the function's grid
                    ms, draw = driver.execute_script(
                        "const d = document.getElementById('map').dataset; return [d.ms, d.drawMs]"
                    )
                    times.append(float(ms))
                    draws.setdefault(name, []).append(float(draw))
            found[name] = times
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 3 if args.quick else 9

    with running_server() as server:
        rows = []
        for name in PRESETS:
            q = query(name)
            compute = timed_ms(lambda q=q: json.dumps(minimize_payload(q)), repeats)
            url = f"{server.url}api/minimize?{q}"
            http = timed_ms(lambda url=url: urllib.request.urlopen(url, timeout=30).read(), repeats)
            rows.append((name, compute, http))
        reason = missing()
        draws: dict[str, list[float]] = {}
        page = page_latencies(server.url, repeats, draws) if reason is None else {}

    print("| function | steps | compute ms | http ms | page ms (fetch + draw) | of which draw ms |")
    print("|---|---:|---:|---:|---:|---:|")
    worst = 0.0
    for name, compute, http in rows:
        cells = [f"{statistics.median(t):.1f} (max {max(t):.1f})" for t in (compute, http)]
        shown = page.get(name)
        if shown:
            cells.append(f"{statistics.median(shown):.0f} (max {max(shown):.0f})")
            cells.append(f"{statistics.median(draws[name]):.0f}")
            worst = max(worst, statistics.median(shown))
        else:
            cells += ["—", "—"]
        worst = max(worst, statistics.median(http))
        print(f"| {name} | {PRESETS[name][2]} | " + " | ".join(cells) + " |")
    if reason:
        print(f"\npage latency not measured: {reason}")
    verdict = "within" if worst < 100 else "OVER"
    print(f"\nworst median interaction: {worst:.0f} ms ({verdict} the 100 ms target)")


if __name__ == "__main__":
    main()
