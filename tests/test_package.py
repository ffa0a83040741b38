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

# Lower layers never import higher ones (DESIGN.md: stencils, steps and evaluation
# know nothing of optimisers, training, plots or the command line).
LAYERS = [
    (0, r"_warnings|_pytree|_result|_status|_callback|_display|_progress|_stencils|_steps"),
    (0, r"_parallel|_workers_.*"),
    (0, r"_evaluate|_evaluate_.*"),
    (1, r"differentiate|_diff_.*|_richardson|_check|_validate"),
    (0, r"_warnings"),
    (1, r"_directional.*|_hessdiag|_taylor|_propagate"),
    (2, r"optim|_optim_.*|_schedules|functions|_functions_.*|book"),
    (3, r"descent|_descent_.*|_diagnose|_history|datasets|_idx|models|_models_.*|_nn"),
    (4, r"training|_training_.*|_checkpoint"),
    (5, r"plot|_plot_.*|expr|_expr_.*"),
    (6, r"tour|_tour_.*|cli|_cli_.*|__main__"),
]


def layer_of(module: str) -> int:
    for layer, pattern in LAYERS:
        if re.fullmatch(pattern, module):
            return layer
    raise AssertionError(f"module slopes.{module} has no layer: add it to LAYERS")


def slopes_imports(path: Path) -> set[str]:
    """Names of slopes modules imported anywhere in the file (top level or inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import inside the package
                base = "slopes." + base if base else "slopes"
            names = [base] if base != "slopes" else [f"slopes.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            module = name.split(".")[1] if name.startswith("slopes.") else ""
            if (PACKAGE / f"{module}.py").exists():  # skip `from slopes import __version__`
                found.add(module)
    return found


MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("module", MODULES)
def test_lower_layers_never_import_higher_ones(module):
    own = layer_of(module)
    for imported in slopes_imports(PACKAGE / f"{module}.py"):
        assert layer_of(imported) <= own, (
            f"slopes.{module} (layer {own}) imports slopes.{imported} (layer {layer_of(imported)})"
        )


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
    assert "src/slopes/data/DIGITS-LICENSE.txt" in project["license-files"]
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
    for name in ("py.typed", "data/digits.csv.gz", "data/DIGITS-LICENSE.txt"):
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
