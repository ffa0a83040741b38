"""benchmarks/run.py as a newcomer meets it: what to install, and where results go."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_benchmarks(*args, blocked=(), tmp_path=None):
    env = dict(os.environ)
    paths = [str(ROOT / "src"), env.get("PYTHONPATH", "")]
    if blocked:  # a module that refuses to import stands in for a package not installed
        for name in blocked:
            (tmp_path / f"{name}.py").write_text("raise ImportError('not installed')\n")
        paths.insert(0, str(tmp_path))
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path or ROOT,
        timeout=120,
    )


def test_without_the_bench_extra_it_says_in_one_line_what_to_install(tmp_path):
    out = run_benchmarks("--quick", blocked=["numdifftools"], tmp_path=tmp_path)
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr
    assert "numdifftools" in lines[0] and "pip install -e '.[bench]'" in lines[0]
    assert not (tmp_path / "benchmarks").exists()  # nothing written


def test_a_local_run_writes_beside_the_committed_results_not_over_them():
    out = run_benchmarks("--help")
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    assert "default: benchmarks/results-local" in text
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "benchmarks/results-local/" in ignored
