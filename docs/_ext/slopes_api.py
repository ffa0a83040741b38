"""Write the API reference (``docs/api/index.rst``) from the package's own ``__all__``.

The reference must name every public function, and the public API grows
(new functions appear in ``slopes.__all__`` and in each public submodule's
``__all__``). Rather than keep a hand-written list in step, the build asks the
package: :func:`api_sections` lists what is public, :func:`write_reference`
turns it into autosummary tables that Sphinx expands into one page per name.

The module is plain Python (no Sphinx import), so the test suite can check the
sections without building the site.
"""

from __future__ import annotations

import importlib
import inspect
import os
import types
from pathlib import Path
from typing import NamedTuple


class Section(NamedTuple):
    """One titled table of the API reference."""

    title: str
    blurb: str
    names: tuple[str, ...]  # dotted names, e.g. "slopes.optim.adam"


# Public submodules in reading order, with one line each. A submodule the
# package does not have (yet) is left out, one it has but is not listed here
# comes last: the reference never silently misses a public name.
_SUBMODULES: dict[str, str] = {
    "optim": "Optimisers as ``init``/``update`` pairs, and learning-rate schedules.",
    "datasets": "The bundled digits and a reader for your own copy of MNIST.",
    "models": "Softmax regression and the two-layer network, with backprop gradients.",
    "functions": "The chapter's functions and standard optimisation test functions.",
    "plot": "Pictures: tangents, gradient fields, descent paths, training curves.",
    "expr": "The safe expression language the command line reads.",
    "book": "The textbook chapter's functions, exactly (minus its bugs).",
    "tour": "The chapter tour, as a function.",
    "explore": "The browser explorer: ``slopes explore``.",
    "cli": "The command line as a function: ``main(argv) -> exit code``.",
}


def _public(module: types.ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return sorted(n for n in names if not n.startswith("_"))


def api_sections() -> list[Section]:
    """Every public name of slopes, grouped as the reference shows them."""
    import slopes

    functions, classes, submodules = [], [], []
    for name in _public(slopes):
        value = getattr(slopes, name)
        if isinstance(value, types.ModuleType):
            submodules.append(name)
        elif inspect.isclass(value):
            classes.append(f"slopes.{name}")
        elif callable(value):
            functions.append(f"slopes.{name}")
    for name in _SUBMODULES:  # public submodules that are not attributes of slopes
        if name not in submodules and importlib.util.find_spec(f"slopes.{name}") is not None:
            submodules.append(name)

    sections = [
        Section(
            "Differentiation, optimisation and training",
            "The functions at the top of the package: ``slopes.<name>``.",
            tuple(functions),
        ),
        Section(
            "Warnings, errors and options",
            "Classes at the top of the package.",
            tuple(classes),
        ),
    ]
    ordered = [m for m in _SUBMODULES if m in submodules] + sorted(
        m for m in submodules if m not in _SUBMODULES
    )
    for name in ordered:
        module = importlib.import_module(f"slopes.{name}")
        sections.append(
            Section(
                f"slopes.{name}",
                _SUBMODULES.get(name, ""),
                tuple(f"slopes.{name}.{member}" for member in _public(module)),
            )
        )
    return [s for s in sections if s.names]


# numpydoc's checks every public function and class must pass: GL08 (no docstring),
# PR01 (a parameter not documented), PR02 (documented but not a parameter), RT01 (no
# Returns section; not asked of classes) and EX01 (no Examples section). The site's build
# (docs/conf.py), docs/check_docstrings.py and tests/test_docs.py all read them here.
REQUIRED_CHECKS = ("GL08", "PR01", "PR02", "RT01", "EX01")


def validated_names() -> list[str]:
    """The public names held to :data:`REQUIRED_CHECKS`: every function and class.

    Constants, type aliases and instances (``slopes.functions.rosenbrock``) carry no
    numpydoc sections, and are left out.
    """
    names = []
    for section in api_sections():
        for dotted in section.names:
            module, _, attribute = dotted.rpartition(".")
            value = getattr(importlib.import_module(module), attribute)
            if inspect.isfunction(value) or inspect.isclass(value):
                names.append(dotted)
    return names


_INTRO = """\
API reference
=============

Every public name of slopes, generated from its docstring (numpydoc format: Parameters,
Returns, Raises, Notes with the formulas, and Examples that run as doctests in the test
suite). The lists are read from the package's ``__all__`` when the site is built, so no
public name can be missing.

Results are dictionaries with attribute access (``res.value``, ``res["value"]``) and a
readable repr; in Jupyter they show as a compact table of values, errors and status.

"""


def write_reference(folder: str) -> str:
    """Write ``index.rst`` (autosummary tables) into ``folder``; return its path."""
    lines = [_INTRO]
    for section in api_sections():
        lines += [section.title, "-" * len(section.title), ""]
        if section.blurb:
            lines += [section.blurb, ""]
        lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
        lines += [f"   {name}" for name in section.names]
        lines.append("")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "index.rst")
    text = "\n".join(lines)
    old = Path(path).read_text(encoding="utf-8") if os.path.exists(path) else None
    if text != old:  # unchanged file: Sphinx need not re-read the page
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
    return path
