"""The documentation site: its examples run, and its API reference names every public name.

Building the site needs the ``docs`` extra (Sphinx); CI builds it with warnings as
errors. These tests need only the package: the examples on the pages are doctests, and
the reference's lists come from a plain-Python helper in ``docs/_ext``.
"""

import importlib
import subprocess
import sys
import types
from pathlib import Path

import pytest

import slopes

ROOT = Path(__file__).resolve().parents[1]
DOCS = Path(__file__).resolve().parents[1] / "docs"  # grafted into the sdist too
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)


def load_api_helper() -> types.ModuleType:
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        return importlib.import_module("slopes_api")
    finally:
        sys.path.remove(str(DOCS / "_ext"))


def test_pages_with_examples_exist():
    with_examples = [p.relative_to(DOCS).as_posix() for p in PAGES if ">>> " in p.read_text()]
    # the pages a newcomer reads first carry runnable examples
    for page in ("index.md", "getting-started.md", "guides/differentiation.md"):
        assert page in with_examples


def test_page_examples_run_as_doctests():
    """Every ``>>>`` example on the pages, with the suite's doctest options (NUMBER)."""
    pages = [str(p.relative_to(ROOT)) for p in PAGES if ">>> " in p.read_text()]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header",
         "--doctest-glob=*.md", "-o", "testpaths=", *pages],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert f"{len(pages)} passed" in done.stdout, done.stdout[-2000:]


def test_api_reference_names_every_public_name():
    helper = load_api_helper()
    listed = {name for section in helper.api_sections() for name in section.names}
    for name in slopes.__all__:
        value = getattr(slopes, name)
        if name == "__version__":
            continue
        if isinstance(value, types.ModuleType):
            for member in getattr(value, "__all__", []):
                assert f"slopes.{name}.{member}" in listed, f"slopes.{name}.{member}"
        else:
            assert f"slopes.{name}" in listed, f"slopes.{name}"
    assert "slopes.derivative" in listed and "slopes.optim.adam" in listed


def test_api_reference_lists_only_what_resolves():
    helper = load_api_helper()
    for section in helper.api_sections():
        assert section.names, section.title
        for dotted in section.names:
            module, _, attribute = dotted.rpartition(".")
            assert getattr(importlib.import_module(module), attribute) is not None, dotted


def test_images_on_the_pages_exist_and_the_docs_stay_light():
    import re

    for page in PAGES:
        for target in re.findall(r"```\{image\} (\S+)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).is_file(), f"{page.name}: {target}"
    tracked = subprocess.run(
        ["git", "ls-files", "docs"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    if not tracked:  # not a git checkout (an sdist): nothing to weigh
        pytest.skip("docs/ is not in a git checkout here")
    size = sum((ROOT / path).stat().st_size for path in tracked if (ROOT / path).is_file())
    assert size < 1.5e6, f"docs/ holds {size / 1e6:.2f} MB of committed files"
