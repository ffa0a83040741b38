"""Every warning slopes raises is a SlopesWarning, so that users can filter them at once."""

from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import slopes
from slopes import SlopesWarning

PACKAGE = Path(slopes.__file__).resolve().parent
WARN_FUNCTIONS = {"warn", "warn_explicit"}


def warn_calls(tree: ast.AST) -> list[ast.Call]:
    """Calls of ``warnings.warn``/``warn_explicit``, however imported (``from warnings import
    warn``, ``import warnings as w``)."""
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in WARN_FUNCTIONS:
            calls.append(node)
    return calls


def category_of(call: ast.Call) -> ast.expr | None:
    """The category argument: second positional (``warn``; ``warn_explicit`` too), or
    ``category=``; None when left out (then Python uses UserWarning)."""
    for keyword in call.keywords:
        if keyword.arg == "category":
            return keyword.value
    return call.args[1] if len(call.args) > 1 else None


def offending_calls(source: str, filename: str) -> list[str]:
    tree = ast.parse(source, filename=filename)
    bad = []
    for call in warn_calls(tree):
        category = category_of(call)
        # a deprecation is a SlopesDeprecationWarning: a SlopesWarning too
        if not (
            isinstance(category, ast.Name)
            and category.id in ("SlopesWarning", "SlopesDeprecationWarning")
        ):
            shown = ast.unparse(category) if category is not None else "no category (UserWarning)"
            bad.append(f"{filename}:{call.lineno}: {shown}")
    return bad


def test_the_scan_finds_what_it_should():
    source = (
        "import warnings\n"
        "from warnings import warn\n"
        "warnings.warn('a', SlopesWarning)\n"
        "warnings.warn('b', category=SlopesWarning, stacklevel=2)\n"
        "warnings.warn('c')\n"
        "warn('d', RuntimeWarning)\n"
        "warnings.warn('e', category=UserWarning)\n"
        "warnings.warn_explicit('f', DeprecationWarning, 'x.py', 1)\n"
    )
    assert offending_calls(source, "x.py") == [
        "x.py:5: no category (UserWarning)",
        "x.py:6: RuntimeWarning",
        "x.py:7: UserWarning",
        "x.py:8: DeprecationWarning",
    ]


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_every_warning_in_the_source_is_a_slopes_warning(path):
    source = path.read_text(encoding="utf-8")
    assert offending_calls(source, path.name) == []
    if warn_calls(ast.parse(source)) and path != PACKAGE / "_util" / "warnings.py":
        # the name SlopesWarning is the real class, not a local look-alike (an absolute
        # import, or a relative one that climbs to the package root)
        assert re.search(
            r"from (slopes\.|\.+)_util\.warnings import (SlopesWarning|SlopesDeprecationWarning)",
            source,
        )


def test_slopes_warning_is_a_runtime_warning_and_public():
    assert issubclass(SlopesWarning, RuntimeWarning)
    assert slopes.SlopesWarning is SlopesWarning and "SlopesWarning" in slopes.__all__


def test_a_warning_slopes_raises_is_filtered_by_its_category():
    def f(x):
        return np.log(x)  # not finite at 0

    with np.errstate(all="ignore"), pytest.warns(SlopesWarning, match="not finite"):
        slopes.derivative(f, np.array([1.0, 0.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", SlopesWarning)  # silences slopes, nothing else
        with np.errstate(all="ignore"):
            value = slopes.derivative(f, np.array([1.0, 0.0]))
    assert value[0] == pytest.approx(1.0, rel=1e-10)
