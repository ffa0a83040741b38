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
    (
        0,
        r"_pytree|_result|_progress|_warnings|_stencils|_steps|_parallel|_workers_.*|_evaluate|_evaluate_.*",
    ),
    (1, r"differentiate|_diff_.*|_richardson|_check|_validate"),
    (2, r"optim|_optim_.*|_schedules|functions|_functions_.*|book"),
    (3, r"descent|_descent_.*|_diagnose|_history|datasets|_idx|models|_models_.*|_nn"),
    (4, r"training|_training_.*|_checkpoint"),
    (5, r"plot|_plot_.*|expr|_expr_.*"),
    (6, r"tour|_tour_.*|cli|_cli_.*"),
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


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        slopes.nonsense  # noqa: B018


def test_version_matches_pyproject():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    declared = re.search(r'^version = "([^"]+)"', text, flags=re.MULTILINE).group(1)
    assert slopes.__version__ == declared


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
