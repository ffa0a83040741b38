"""The example notebooks run from top to bottom without errors, in this very Python."""

import json
import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = ["tour.ipynb", "tour_ko.ipynb"]


def execute(notebook, cwd):
    """Run every cell in a python3 kernel, with MPLBACKEND=Agg.

    jupyter_client starts a kernelspec whose command is plain ``python`` with
    this very interpreter (``sys.executable``); the last cell the test adds
    proves it.
    """
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=180,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute(env={**os.environ, "MPLBACKEND": "Agg"})
    return notebook


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_without_outputs(name):
    notebook = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_without_errors(name, tmp_path):
    notebook = nbformat.read(EXAMPLES / name, as_version=4)
    # one more cell, to prove the kernel is this interpreter (with this slopes installed)
    # one more cell: prove the kernel is this interpreter, count the figures the cells drew
    notebook.cells.append(
        nbformat.v4.new_code_cell(
            "import sys, matplotlib, matplotlib.pyplot as plt\n"
            "print(sys.executable, matplotlib.get_backend(), len(plt.get_fignums()))"
        )
    )
    execute(notebook, tmp_path)  # raises CellExecutionError on the first failing cell
    outputs = [cell.get("outputs", []) for cell in notebook.cells if cell.cell_type == "code"]
    assert not [o for cell in outputs for o in cell if o.get("output_type") == "error"]
    executable, backend, figures = "".join(o.get("text", "") for o in outputs[-1]).split()
    assert os.path.realpath(executable) == os.path.realpath(sys.executable)
    assert backend.lower() == "agg"
    # function, gradient_field, trajectory, learning_rates, trajectory, training: 6 figures
    assert int(figures) == 6
    printed = "".join(o.get("text", "") for cell in outputs for o in cell)
    assert "0.1999999999990898" in printed and "0.2999999999986347" in printed
    assert "stalled" in printed and "diverged" in printed


def test_the_korean_notebook_comments_its_code_in_korean():
    notebook = json.loads((EXAMPLES / "tour_ko.ipynb").read_text(encoding="utf-8"))
    comments = [
        line.split("#", 1)[1]
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if "#" in line
    ]
    assert len(comments) >= 6
    for comment in comments:
        assert any("\uac00" <= ch <= "\ud7a3" for ch in comment), comment
