"""Sphinx configuration for the slopes documentation site.

Build: ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
(after ``pip install -e '.[docs]'``). The pages are MyST Markdown and
reStructuredText; the API reference is generated from the docstrings
(autosummary + numpydoc) over every name the package lists as public.
"""

from __future__ import annotations

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "_ext"))

from slopes_api import REQUIRED_CHECKS, validated_names  # noqa: E402

import slopes  # noqa: E402

project = "slopes"
author = "The slopes developers"
copyright = "the slopes developers"
version = release = slopes.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_generated", ".gitignore", "README.md"]
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# API reference: one page per public name, written at build time.
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters section says it, once
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# numpydoc's validation, as docs/check_docstrings.py runs it: every public function
# and class has Parameters, Returns and Examples, or the build (-W) fails. Only those
# names are validated: not the members numpydoc also sees (a NamedTuple's fields, the
# methods a class inherits from the standard library), nor constants and instances.
numpydoc_validation_checks = set(REQUIRED_CHECKS)
numpydoc_validation_exclude = {
    "^(?!(?:" + "|".join(re.escape(name) for name in validated_names()) + ")$)"
}
# an enum is looked up, not built (Status(0)): the parameters numpydoc sees are the
# enum machinery's functional API, not the class's (docs/check_docstrings.py agrees)
numpydoc_validation_overrides = {
    "PR01": [r"one vocabulary for every slopes result"],
    "PR02": [r"one vocabulary for every slopes result"],
}

html_theme = "pydata_sphinx_theme"
html_title = f"slopes {release}"
html_static_path = ["_static"]
html_css_files = ["slopes.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
    "header_links_before_dropdown": 6,
    "footer_start": ["copyright"],
    "footer_end": [],
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False
# pages without sub-pages: no empty "Section Navigation" column
html_sidebars = {
    page: []
    for page in (
        "index",
        "getting-started",
        "how-it-works",
        "benchmarks",
        "architecture",
        "building",
    )
}
html_last_updated_fmt = None


_TYPE_LINE = re.compile(r"^(\s*[\w*, ]+ : )(.*)$")


def _escape_stars_in_types(app, what, name, obj, options, lines):
    """Escape ``*`` in numpydoc type descriptions (``shape (n, *x.shape)``).

    numpydoc copies a parameter's type into reStructuredText as it is, where a
    lone ``*`` starts emphasis; in a type it is Python's unpacking star.
    """
    for i, line in enumerate(lines):
        match = _TYPE_LINE.match(line)
        if match and "*" in match.group(2):
            lines[i] = match.group(1) + re.sub(r"(?<!\\)\*", r"\\*", match.group(2))


def _trim_code_blocks(app, doctree):
    """Drop the blank line that ends each ``pycon`` block on the Markdown pages.

    pytest's doctest reads expected output up to a blank line, so a block of
    examples ends with one before its closing fence; the page need not show it.
    """
    from docutils import nodes

    for block in doctree.findall(nodes.literal_block):
        text = block.astext()
        if text != text.rstrip():
            block.rawsource = text.rstrip()  # equal to the text: still highlighted
            block.children = [nodes.Text(text.rstrip())]


def setup(app):
    """Write the generated pages while the configuration loads, before Sphinx looks for sources."""
    from benchmark_pages import write_benchmark_results
    from slopes_api import write_reference

    write_reference(os.path.join(HERE, "api"))
    write_benchmark_results(
        os.path.join(HERE, "..", "benchmarks", "results"), os.path.join(HERE, "_generated"), HERE
    )
    app.connect("doctree-read", _trim_code_blocks)
    # before numpydoc turns the sections into reStructuredText (priority 500)
    app.connect("autodoc-process-docstring", _escape_stars_in_types, priority=400)
    return {"parallel_read_safe": True}
