"""The package as a whole: public names, version, import cost and layering."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import slopes

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "slopes"

# Lower layers never import higher ones: one row per package (or top-level module) of
# slopes. A module may import its own package and any package of its layer or below.
LAYERS = {
    "_util": 0,  # warnings, pytrees, results, display, progress bars
    "parallel": 1,  # workers=: pools, executors, Dask, errors from workers
    "differentiate": 2,  # derivatives, with the finite-difference engine inside
    "optim": 3,
    "functions": 3,
    "book": 3,
    "descent": 4,
    "models": 4,
    "datasets": 4,
    "training": 5,
    "plot": 6,
    "expr": 6,
    "tour": 7,
    "cli": 7,
    "explore": 7,
    "__main__": 7,
}
ENGINE = ("slopes", "differentiate", "_engine")


def package_of(path: Path) -> str:
    """The row of LAYERS a file belongs to: its top-level package, or its own name."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def module_parts(path: Path) -> tuple[str, ...]:
    """The dotted name of a file, as parts: src/slopes/plot/_common.py -> slopes, plot, _common."""
    parts = ("slopes", *path.relative_to(PACKAGE).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def slopes_imports(path: Path) -> set[tuple[str, ...]]:
    """Dotted names (as parts) of the slopes modules the file imports, anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = module_parts(path)
    package = own if path.name == "__init__.py" else own[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [tuple(alias.name.split(".")) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the file's package, one level up per extra dot
                base = package[: len(package) - node.level + 1]
                base = (*base, *node.module.split(".")) if node.module else base
            else:
                base = tuple((node.module or "").split("."))
            # `from slopes import functions` imports slopes.functions
            names = [(*base, alias.name) for alias in node.names] if len(base) == 1 else [base]
        else:
            continue
        found |= {name for name in names if name[0] == "slopes" and len(name) > 1}
    # `from slopes import __version__` and the like name no module
    return {name for name in found if name[1] in LAYERS}


FILES = sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")
PACKAGES = sorted(
    {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    | {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
)


def test_every_package_has_a_layer():
    assert set(PACKAGES) == set(LAYERS), "add each package of slopes to LAYERS (and no other)"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_lower_layers_never_import_higher_ones(path):
    own = package_of(path)
    for name in slopes_imports(path):
        imported = name[1]
        assert LAYERS[imported] <= LAYERS[own], (
            f"{'.'.join(module_parts(path))} (layer {LAYERS[own]}) imports "
            f"{'.'.join(name)} (layer {LAYERS[imported]})"
        )


@pytest.mark.parametrize(
    "path",
    sorted((PACKAGE / "differentiate" / "_engine").glob("*.py")),
    ids=lambda p: p.name,
)
def test_the_engine_never_imports_the_public_layer(path):
    for name in slopes_imports(path):
        if name[:2] == ENGINE[:2]:
            assert name[:3] == ENGINE, f"the engine's {path.name} imports {'.'.join(name)}"


def test_the_layering_test_sees_relative_imports():
    # a check that can fail: the parser resolves `from .._util.pytree import ...`
    core = PACKAGE / "differentiate" / "_engine" / "core.py"
    assert ("slopes", "_util", "pytree") in slopes_imports(core)
    assert ("slopes", "parallel", "_pool") in slopes_imports(PACKAGE / "parallel" / "__init__.py")


@pytest.mark.parametrize(
    "init", sorted(PACKAGE.glob("**/__init__.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_every_package_says_what_it_offers(init):
    docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert docstring and len(docstring.split()) >= 10, f"{init} needs a docstring"


def test_every_public_name_resolves():
    for name in slopes.__all__:
        assert getattr(slopes, name) is not None, name
    assert set(slopes.__all__) <= set(dir(slopes))


def run_python(*args: str) -> subprocess.CompletedProcess:
    """A fresh interpreter (so nothing is imported yet), with the test's PYTHONPATH."""
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120)


def test_dir_shows_the_public_api_only():
    code = (
        "import sys, slopes\n"
        "before = dir(slopes)\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('slopes.'))\n"
        "for name in slopes.__all__: getattr(slopes, name)\n"
        "print(before == dir(slopes) == sorted(slopes.__all__), loaded)\n"
        "print([n for n in ('Any', 'TYPE_CHECKING', 'annotations', 'importlib', 'typing')"
        " if hasattr(slopes, n)])"
    )
    out = run_python("-c", code)
    assert out.returncode == 0, out.stderr
    # dir() is the public API, before and after everything was loaded, and asking for it
    # loads nothing: the lazy loading still holds
    assert out.stdout.splitlines() == ["True []", "[]"]
    assert "__version__" in dir(slopes) and "derivative" in dir(slopes)


def test_python_dash_m_slopes_works_like_the_script(capsys):
    from slopes.cli import main

    for argv in (
        ["diff", "0.01*x**2 + 0.1*x", "--at", "5", "--step", "1e-4", "--json"],
        ["grad", "x0**2 + x1**2", "--at", "3,4"],
        ["diff", "__import__('os')", "--at", "1"],  # refused: exit code 2 and a message
        ["--help"],
    ):
        out = run_python("-m", "slopes", *argv)
        code = main(argv)
        captured = capsys.readouterr()
        assert (out.returncode, out.stdout, out.stderr) == (code, captured.out, captured.err)
    assert out.stdout.startswith("usage: slopes")  # the same program name as the script


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        slopes.nonsense  # noqa: B018


def pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)


def test_version_has_one_source():
    config = pyproject()
    # the version is written once, in slopes/__init__.py; the build reads it from there
    assert "version" not in config["project"] and "version" in config["project"]["dynamic"]
    assert config["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "slopes.__version__"}
    # a PEP 440 release version (the public part of the grammar slopes uses)
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?", slopes.__version__)


def test_licence_metadata_is_pep_639():
    project = pyproject()["project"]
    # an SPDX expression: the code is MIT, the bundled digits CC BY 4.0
    assert project["license"] == "MIT AND CC-BY-4.0"
    for path in project["license-files"]:
        assert (ROOT / path).is_file(), path
    assert "src/slopes/datasets/data/DIGITS-LICENSE.txt" in project["license-files"]
    # setuptools refuses "License ::" classifiers next to an SPDX expression (PEP 639
    # deprecates them): the expression is the one statement of the licence
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]


def test_classifiers_match_requires_python_and_typing():
    project = pyproject()["project"]
    classifiers = project["classifiers"]
    assert "Typing :: Typed" in classifiers and (PACKAGE / "py.typed").exists()
    minors = sorted(
        int(c.rsplit(".", 1)[1])
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    )
    lowest = int(re.fullmatch(r">=3\.(\d+)", project["requires-python"]).group(1))
    assert minors[0] == lowest and minors == list(range(lowest, minors[-1] + 1))


def test_no_scikit_learn_and_the_digits_ship_as_package_data():
    config = pyproject()
    names = [re.split(r"[<>=!~\[; ]", d)[0].lower() for d in config["project"]["dependencies"]]
    assert "scikit-learn" not in names and "sklearn" not in names
    shipped = config["tool"]["setuptools"]["package-data"]["slopes"]
    for name in ("py.typed", "datasets/data/digits.csv.gz", "datasets/data/DIGITS-LICENSE.txt"):
        assert name in shipped and (PACKAGE / name).is_file()
    code = (
        "import sys, slopes; slopes.datasets.load_digits();"
        "print([m for m in ('sklearn', 'scipy') if m in sys.modules])"
    )
    assert run_python("-c", code).stdout.strip() == "[]"


def test_sdist_carries_what_its_tests_need():
    # setuptools puts src/, README, LICENSE and tests/test*.py in an sdist by itself;
    # MANIFEST.in adds the rest that the tests read: conftest.py and the helper script in
    # tests/, the benchmark cases (test_benchmarks_smoke), the notebooks (test_notebooks)
    grafted = {
        line.split()[1]
        for line in (ROOT / "MANIFEST.in").read_text(encoding="utf-8").splitlines()
        if line.startswith("graft ")
    }
    assert {"tests", "benchmarks", "examples"} <= grafted
    for folder in grafted:
        assert (ROOT / folder).is_dir(), folder
    read_by_tests = {
        match
        for path in (ROOT / "tests").glob("*.py")
        for match in re.findall(r'parents\[1\] / "(\w+)"', path.read_text(encoding="utf-8"))
    }
    assert read_by_tests <= grafted, read_by_tests - grafted


def test_import_is_light():
    """`import slopes` and the differentiation engine must not pull in heavy stacks."""
    code = (
        "import sys, slopes; slopes.gradient; slopes.optim; slopes.minimize;"
        "heavy = [m for m in ('matplotlib', 'dask', 'distributed', 'sklearn', 'scipy')"
        " if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_py_typed_marker_ships():
    assert (PACKAGE / "py.typed").exists()
