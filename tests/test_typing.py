"""The package type-checks clean, and the overloads on ``full_output`` say what comes back.

mypy runs over ``src/slopes`` and ``tests/typing_cases.py`` with the configuration in
pyproject.toml (``[tool.mypy]``), as a developer runs it: ``python -m mypy`` from the
repository root. ``typing_cases.py`` is never run; it holds ``assert_type`` checks that
mypy rejects when an overload promises the wrong type (``derivative(f, x)`` an array,
``derivative(f, x, full_output=True)`` a ``DiffResult``, ...).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_mypy(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MYPY_FORCE_COLOR="0", NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "mypy", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_package_type_checks_clean():
    result = run_mypy()
    report = result.stdout + result.stderr
    assert result.returncode == 0, f"mypy found problems:\n{report}"
    assert "Success: no issues found" in report
    # the configuration covers the package and the overload cases, not some subset
    assert "typing_cases" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_a_wrong_overload_is_caught(tmp_path):
    # the cases file only proves something if assert_type fails on a wrong type:
    # derivative(f, 1.0, full_output=True) is a DiffResult, never an array
    case = tmp_path / "wrong_case.py"
    case.write_text(
        "import numpy as np\n"
        "from typing_extensions import assert_type\n"
        "from numpy.typing import NDArray\n"
        "import slopes\n"
        "assert_type(slopes.derivative(np.sin, [1.0], full_output=True), NDArray[np.float64])\n",
        encoding="utf-8",
    )
    result = run_mypy("--config-file", str(ROOT / "pyproject.toml"), str(case))
    report = result.stdout + result.stderr
    assert result.returncode == 1, report
    assert "assert-type" in report and "DiffResult" in report, report


def test_every_lazy_name_is_seen_by_type_checkers():
    # slopes loads its public names lazily through a module __getattr__, which type
    # checkers read as "any name is Any"; the TYPE_CHECKING block must import each one
    import ast

    import slopes

    tree = ast.parse((ROOT / "src" / "slopes" / "__init__.py").read_text(encoding="utf-8"))
    seen = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in ast.walk(node):
                if isinstance(statement, ast.ImportFrom):
                    seen |= {alias.asname or alias.name for alias in statement.names}
    public = set(slopes.__all__) - {"__version__"}
    assert public - seen == set(), "add these to the TYPE_CHECKING imports of slopes/__init__"


def test_overloads_list_the_implementations_parameters():
    # an overload is a copy of its function's signature with other types; a parameter
    # added to the function but not to its overloads would be refused by type checkers
    # (mypy checks that the implementation accepts the overloads, not the converse)
    import ast

    def names(node: ast.FunctionDef) -> list[str]:
        arguments = node.args
        return [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]

    drifted, overloaded = [], 0
    for path in sorted((ROOT / "src" / "slopes").rglob("*.py")):
        functions: dict[str, list[ast.FunctionDef]] = {}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                functions.setdefault(node.name, []).append(node)
        for name, nodes in functions.items():
            stubs = [
                n for n in nodes if any(ast.unparse(d) == "overload" for d in n.decorator_list)
            ]
            if not stubs:
                continue
            overloaded += 1
            implementation = names([n for n in nodes if n not in stubs][-1])
            drifted += [
                f"{path.name}:{stub.lineno} {name}"
                for stub in stubs
                if names(stub) != implementation
            ]
    assert overloaded >= 9  # derivative ... taylor, load_mnist, apply_updates
    assert drifted == [], drifted


def test_no_public_function_returns_any():
    # a public function says what it gives: an array, a result type, a figure...
    import importlib
    import inspect
    import types

    import slopes

    modules = [getattr(slopes, name) for name in slopes.__all__ if name != "__version__"]
    modules = [m for m in modules if isinstance(m, types.ModuleType)]
    modules += [importlib.import_module(f"slopes.{name}") for name in _PACKAGES]
    functions = [getattr(slopes, name) for name in slopes.__all__ if name != "__version__"]
    for module in modules:
        functions += [getattr(module, name) for name in module.__all__]
    checked, untyped = set(), []
    for obj in functions:
        members = [obj] if inspect.isfunction(obj) else []
        if inspect.isclass(obj) and obj.__module__.startswith("slopes"):
            members = [
                member
                for key, member in vars(obj).items()
                if inspect.isfunction(member) and (not key.startswith("_") or key == "__call__")
            ]
        for function in members:
            if function in checked or not function.__module__.startswith("slopes"):
                continue
            checked.add(function)
            annotations = function.__annotations__
            parameters = [p for p in inspect.signature(function).parameters if p != "self"]
            if annotations.get("return", "Any") == "Any" or set(parameters) - set(annotations):
                untyped.append(f"{function.__module__}.{function.__qualname__}")
    assert len(checked) >= 40  # 49 when written
    assert untyped == []


_PACKAGES = ["differentiate", "descent", "training", "parallel"]
