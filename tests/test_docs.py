"""The documentation site: its examples run, and its API reference names every public name.

Building the site needs the ``docs`` extra (Sphinx); CI builds it with warnings as
errors. These tests need only the package: the examples on the pages are doctests, and
the reference's lists come from a plain-Python helper in ``docs/_ext``. The one exception
runs numpydoc's validation over the public docstrings (it skips without numpydoc; the
site's build then enforces the same checks).
"""

import importlib
import importlib.util
import re
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


def test_public_docstrings_pass_numpydoc_validation():
    """docs/check_docstrings.py finds nothing: Parameters, Returns and Examples everywhere."""
    pytest.importorskip("numpydoc", reason="numpydoc comes with the docs extra")
    done = subprocess.run(
        [sys.executable, str(DOCS / "check_docstrings.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 public names with findings" in done.stdout, done.stdout[-2000:]


def test_checked_names_are_the_public_functions_and_classes():
    helper = load_api_helper()
    checked = set(helper.validated_names())
    assert {"slopes.derivative", "slopes.optim.adam", "slopes.Workers"} <= checked
    assert {"slopes.SlopesWarning", "slopes.cli.main", "slopes.optim.AdamState"} <= checked
    # constants and instances carry no numpydoc sections
    assert "slopes.expr.MAX_LENGTH" not in checked
    assert "slopes.functions.rosenbrock" not in checked
    assert set(helper.REQUIRED_CHECKS) == {"GL08", "PR01", "PR02", "RT01", "EX01"}


def test_site_build_validates_exactly_the_checked_names():
    """docs/conf.py makes numpydoc's validation a build error for those names only."""
    spec = importlib.util.spec_from_file_location("slopes_docs_conf", DOCS / "conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)  # plain Python at import: Sphinx is needed only by setup()
    helper = load_api_helper()
    assert conf.numpydoc_validation_checks == set(helper.REQUIRED_CHECKS)
    excluded = re.compile("|".join(conf.numpydoc_validation_exclude))
    for name in helper.validated_names():
        assert not excluded.search(name), name
    for name in ("slopes.optim.AdamState.count", "slopes.tour.TourResult.items",
                 "slopes.explore.ExploreServer.shutdown", "slopes.functions.rosenbrock",
                 "slopes.expr.MAX_LENGTH", "slopes.derivatives"):  # fmt: skip
        assert excluded.search(name), name
