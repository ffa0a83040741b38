"""The command line, called in-process with ``main(argv)`` (and once as a console script)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from slopes import functions
from slopes.cli import main
from slopes.cli._support import CLIError

# a folder with the original MNIST IDX files, for the tests that read them (skipped without)
MNIST = os.environ.get("SLOPES_MNIST_DIR", "")


def run(capsys, *argv):
    """Run the CLI; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def assert_bad_input(capsys, *argv, words, code=2):
    got, out, err = run(capsys, *argv)
    assert got == code, (got, err)
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err  # one clear line
    assert "Traceback" not in err
    assert words in err, err
    return err


# --- diff --------------------------------------------------------------------------------


def test_diff_prints_the_textbook_number(capsys):
    code, out, err = run(capsys, "diff", "0.01*x**2 + 0.1*x", "--at", "5", "--step", "1e-4")
    assert code == 0 and err == ""
    # the chapter prints 0.1999999999990898 for numerical_diff(function_1, 5)
    assert out.splitlines() == ["f(x) = 0.01*x**2 + 0.1*x", "f'(5) = 0.1999999999990898"]


def test_diff_several_points_and_a_named_function_as_json(capsys):
    data = run_json(capsys, "diff", "function_1", "--at", "5,10", "--step", "1e-4")
    assert data["command"] == "diff" and data["function"] == "function_1"
    assert data["x"] == [5.0, 10.0]
    assert data["value"] == [0.1999999999990898, 0.2999999999986347]


def test_diff_aligns_several_points(capsys):
    code, out, _ = run(capsys, "diff", "x**3", "--at", "1,10", "--step", "1e-3")
    lines = out.splitlines()[1:]
    assert code == 0 and len(lines) == 2
    assert lines[0].index("=") == lines[1].index("=")
    assert float(lines[1].split("=")[1].split()[0]) == pytest.approx(300.0, rel=1e-6)


def test_diff_second_derivative_and_complex_step(capsys):
    data = run_json(capsys, "diff", "sin(x)", "--at", "0.5", "--n", "2", "--step", "1e-3")
    assert data["value"] == pytest.approx(-np.sin(0.5), rel=1e-5)
    data = run_json(
        capsys, "diff", "exp(x)*sin(x)", "--at", "1", "--method", "complex", "--step", "1e-20"
    )
    assert data["value"] == pytest.approx(np.exp(1) * (np.sin(1) + np.cos(1)), rel=1e-14)


def test_diff_of_a_function_of_one_coordinate(capsys):
    data = run_json(capsys, "diff", "x0**2", "--at", "3", "--step", "1e-4")
    assert data["value"] == pytest.approx(6.0, rel=1e-10)


def test_diff_refuses_several_variables(capsys):
    assert_bad_input(capsys, "diff", "x0*x1", "--at", "1", words="use `slopes grad`")
    assert_bad_input(capsys, "diff", "x", "--at", "1", "--n", "0", words="`--n` must be")
    assert_bad_input(capsys, "diff", "x", "--at", "1", "--step", "-1", words="`--step` must")


def test_diff_where_f_is_undefined_is_a_runtime_failure(capsys):
    err = assert_bad_input(
        capsys,
        "diff",
        "log(x)",
        "--at",
        "-1",
        "--step",
        "1e-4",
        words="f is not defined at x = -1",
        code=1,
    )
    assert err.startswith("slopes: error:")


# --- grad and hess -----------------------------------------------------------------------


def test_grad_of_the_chapter_function(capsys):
    code, out, _ = run(capsys, "grad", "x0**2 + x1**2", "--at", "3,4", "--step", "1e-4")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "f(x) = x0**2 + x1**2"
    assert lines[1].split() == ["f(3,", "4)", "=", "25"]
    assert float(lines[2].split("=")[1]) == pytest.approx(6.0, abs=1e-9)
    assert float(lines[3].split("=")[1]) == pytest.approx(8.0, abs=1e-9)
    assert len({line.index("=") for line in lines[1:]}) == 1  # aligned


def test_grad_json_of_a_named_function_includes_the_analytic_gradient(capsys):
    data = run_json(capsys, "grad", "rosenbrock", "--at", "-1,2")
    assert data["f"] == 104.0
    assert data["analytic_gradient"] == [396.0, 200.0]
    np.testing.assert_allclose(data["gradient"], [396.0, 200.0], rtol=1e-6)


def test_grad_accepts_negative_coordinates_and_indexing(capsys):
    data = run_json(capsys, "grad", "x[0]*x[1]**2", "--at", "-3,4", "--step", "1e-5")
    np.testing.assert_allclose(data["gradient"], [16.0, -24.0], rtol=1e-8)
    assert data["x"] == [-3.0, 4.0]


def test_hess(capsys):
    data = run_json(capsys, "hess", "x0**2*x1 + x1**3", "--at", "1,2")
    np.testing.assert_allclose(data["hessian"], [[4.0, 2.0], [2.0, 12.0]], rtol=1e-5, atol=1e-6)
    code, out, _ = run(capsys, "hess", "booth", "--at", "0,0")
    assert code == 0 and "Hessian at x = (0, 0):" in out and "eigenvalues" in out


# --- minimize ----------------------------------------------------------------------------


def test_minimize_the_chapter_descent(capsys):
    data = run_json(
        capsys, "minimize", "x0**2 + x1**2", "--from", "-3,4", "--lr", "0.1", "--steps", "20"
    )
    # x_k = 0.8**k * x0 for plain gradient descent with lr 0.1 on x0² + x1²
    np.testing.assert_allclose(data["x"], np.array([-3.0, 4.0]) * 0.8**20, rtol=1e-6)
    assert data["nit"] == 20 and data["status"] == "max_steps"
    assert len(data["history"]["x"]) == 21 and data["history"]["x"][0] == [-3.0, 4.0]
    assert data["gradient"] == "numerical"


def test_minimize_named_function_uses_its_analytic_gradient(capsys):
    data = run_json(
        capsys, "minimize", "function_2", "--from", "-3,4", "--lr", "0.1", "--steps", "20"
    )
    assert data["gradient"] == "analytic" and data["known_minimum"] == 0.0
    np.testing.assert_allclose(data["x"], np.array([-3.0, 4.0]) * 0.8**20, rtol=1e-12)


@pytest.mark.parametrize(
    ("optimizer", "lr"),
    [
        ("sgd", 0.05),
        ("momentum", 0.02),
        ("nesterov", 0.02),
        ("adagrad", 2.0),
        ("rmsprop", 0.05),
        ("adam", 0.3),
    ],
)
def test_minimize_every_optimizer_goes_downhill(capsys, optimizer, lr):
    data = run_json(
        capsys,
        "minimize",
        "booth",
        "--from",
        "-5,5",
        "--lr",
        str(lr),
        "--steps",
        "200",
        "--optimizer",
        optimizer,
    )
    assert data["optimizer"] == optimizer
    assert data["fun"] < functions.booth([-5.0, 5.0]) / 10


def test_minimize_divergence_is_a_result_not_a_crash(capsys):
    code, out, err = run(
        capsys, "minimize", "x0**2 + x1**2", "--from", "-3,4", "--lr", "10", "--steps", "100"
    )
    assert code == 0, err
    assert "diverged" in out
    data = run_json(
        capsys, "minimize", "x0**2 + x1**2", "--from", "-3,4", "--lr", "10", "--steps", "100"
    )
    assert data["status"] == "diverged"


def test_minimize_human_output(capsys):
    code, out, _ = run(capsys, "minimize", "x0**2 + x1**2", "--from", "-3,4", "--steps", "5")
    assert code == 0
    labels = [line.split()[0] for line in out.splitlines()]
    assert labels[:4] == ["function", "optimizer", "status", "message"]
    assert "x" in labels and "f(x)" in labels


def test_minimize_draws_the_path_and_the_animation(capsys, tmp_path):
    png, gif = tmp_path / "path.png", tmp_path / "path.gif"
    data = run_json(
        capsys,
        "minimize",
        "x0**2 + x1**2",
        "--from",
        "-3,4",
        "--lr",
        "0.1",
        "--steps",
        "20",
        "--plot",
        str(png),
        "--animate",
        str(gif),
    )
    assert data["figures"] == [str(png), str(gif)]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert gif.read_bytes()[:6] in (b"GIF89a", b"GIF87a")


def test_minimize_bad_input(capsys, tmp_path):
    f = "x0**2 + x1**2"
    assert_bad_input(capsys, "minimize", f, "--from", "1,2,3", words="needs 2 coordinates")
    assert_bad_input(capsys, "minimize", f, "--from", "1,x", words="`--from` must be numbers")
    assert_bad_input(capsys, "minimize", f, "--from", "1,nan", words="finite")
    assert_bad_input(capsys, "minimize", "beale", "--from", "1", words="needs 2 coordinates")
    assert_bad_input(capsys, "minimize", "rosenbrock", "--from", "1", words="at least 2")
    assert_bad_input(capsys, "minimize", f, "--from", "1,2", "--lr", "-1", words="`--lr` must")
    assert_bad_input(capsys, "minimize", f, "--from", "1,2", "--steps", "-1", words="`--steps`")
    assert_bad_input(
        capsys, "minimize", f, "--from", "1,2", "--optimizer", "adamm", words="did you mean 'adam'"
    )
    blocker = tmp_path / "file"
    blocker.write_text("")
    # a folder that is missing, and a "folder" that is a file
    for target in (tmp_path / "missing" / "a.png", blocker / "a.png"):
        assert_bad_input(
            capsys, "minimize", f, "--from", "1,2", "--plot", str(target), words="does not exist"
        )
    assert_bad_input(
        capsys,
        "minimize",
        f,
        "--from",
        "1,2",
        "--animate",
        str(tmp_path / "a.png"),
        words="must end in .gif",
    )
    assert_bad_input(
        capsys,
        "minimize",
        "x0+x1+x2",
        "--from",
        "1,2,3",
        "--plot",
        str(tmp_path / "a.png"),
        words="2 variables",
    )
    assert not list(tmp_path.glob("*.png"))


# --- bad input common to all commands ---------------------------------------------------


def test_unknown_command_suggests_the_closest(capsys):
    err = assert_bad_input(capsys, "gard", "x", "--at", "1", words="unknown command 'gard'")
    assert "did you mean 'grad'" in err


def test_no_command(capsys):
    assert_bad_input(capsys, words="choose a command")


def test_unknown_function_suggests_the_closest(capsys):
    err = assert_bad_input(capsys, "grad", "rosenbrok", "--at", "1,2", words="unknown function")
    assert "did you mean 'rosenbrock'" in err


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("__import__('os').system('echo hacked')", "attribute access"),
        ("x0**2 + y", "column 9"),
        ("9**9**9 + x", "infinite"),
        ("x0 +", "ends too early"),
    ],
)
def test_bad_expressions(capsys, expression, words):
    err = assert_bad_input(capsys, "grad", expression, "--at", "1,2", words=words)
    assert "bad expression" in err
    assert "hacked" not in err.split("column")[0]  # nothing ran: only the message echoes it


def test_missing_required_option(capsys):
    assert_bad_input(capsys, "grad", "x0**2", words="--at")


def test_traceback_flag_shows_the_traceback(capsys):
    with pytest.raises(CLIError, match="must be numbers"):
        main(["grad", "x0", "--at", "a", "--traceback"])


# --- functions, train, tour, help --------------------------------------------------------


def test_functions_lists_every_name(capsys):
    code, out, _ = run(capsys, "functions")
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines()[1:]]
    assert listed == functions.names()
    data = run_json(capsys, "functions")
    by_name = {entry["name"]: entry for entry in data["functions"]}
    assert by_name["goldstein_price"]["minimum"] == 3.0
    assert by_name["booth"]["minimizers"] == [[1.0, 3.0]]
    assert len(by_name["himmelblau"]["minimizers"]) == 4


def test_train_on_digits_analytic(capsys):
    data = run_json(capsys, "train", "--gradient", "analytic", "--epochs", "3", "--lr", "0.5")
    assert data["status"] == "completed" and data["n_train"] + data["n_test"] == 1797
    assert data["test_accuracy"] > 0.85
    assert data["nit"] == 3 * 15  # ceil(1437 / 100) steps per epoch


def test_train_numerical_gradient_human_output(capsys):
    code, out, err = run(capsys, "train", "--epochs", "1", "--no-progress")
    assert code == 0, err
    labels = [line.split()[0] for line in out.splitlines()]
    assert labels == [
        "model",
        "data",
        "optimizer",
        "status",
        "message",
        "steps",
        "last",
        "train",
        "test",
    ]
    assert "completed 1 epoch (15 steps)" in out  # one epoch, not "1 epochs"
    assert "numerical gradients" in out


def test_train_checkpoint_resumes(capsys, tmp_path):
    checkpoint = str(tmp_path / "run.npz")
    args = ["train", "--gradient", "analytic", "--checkpoint", checkpoint]
    first = run_json(capsys, *args, "--epochs", "1")
    assert os.path.isfile(checkpoint) and first["nit"] == 15
    resumed = run_json(capsys, *args, "--epochs", "2")
    # only the second epoch ran: the same loss evaluations as the first run's one epoch
    assert resumed["nit"] == 30 and resumed["nfev"] == first["nfev"]


def test_train_draws_curves(capsys, tmp_path):
    png = tmp_path / "curves.png"
    data = run_json(capsys, "train", "--gradient", "analytic", "--epochs", "2", "--plot", str(png))
    assert data["figures"] == [str(png)] and png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.skipif(not os.path.isdir(MNIST), reason="SLOPES_MNIST_DIR is not an MNIST folder")
def test_train_on_mnist_folder(capsys):
    data = run_json(
        capsys,
        "train",
        "--data",
        MNIST,
        "--model",
        "twolayer",
        "--gradient",
        "analytic",
        "--epochs",
        "1",
        "--limit",
        "1000",
    )
    assert data["n_train"] == 1000 and data["source"].startswith("MNIST")
    assert 0 <= data["test_accuracy"] <= 1


def test_train_bad_input(capsys, tmp_path):
    assert_bad_input(capsys, "train", "--data", str(tmp_path / "nope"), words="`--data` must")
    assert_bad_input(capsys, "train", "--epochs", "0", words="`--epochs`")
    assert_bad_input(capsys, "train", "--batch-size", "0", words="`--batch-size`")
    assert_bad_input(capsys, "train", "--lr", "0", words="`--lr`")
    assert_bad_input(capsys, "train", "--model", "cnn", words="invalid choice")
    assert_bad_input(
        capsys,
        "train",
        "--checkpoint",
        str(tmp_path / "no" / "run.npz"),
        words="`--checkpoint`: folder",
    )
    # an existing folder without the MNIST files: the loader's message, exit 2
    assert_bad_input(capsys, "train", "--data", str(tmp_path), words="not found")


def test_tour_passes_its_options_to_the_library(capsys, tmp_path, monkeypatch):
    from slopes import tour

    calls = []

    def fake_run(out_dir, *, lang, quick, stream):
        calls.append((out_dir, lang, quick))
        stream.write("walked\n")
        return {"figures": [os.path.join(out_dir, "a.png")]}

    monkeypatch.setattr(tour, "run", fake_run)
    out = tmp_path / "new" / "tour"
    code, printed, _ = run(capsys, "tour", "--out", str(out), "--lang", "ko", "--quick")
    assert code == 0 and printed == "walked\n" and out.is_dir()
    assert calls == [(str(out), "ko", True)]
    data = run_json(capsys, "tour", "--out", str(out))
    assert data["text"] == "walked\n" and data["result"]["figures"] == [str(out / "a.png")]


def test_tour_unwritable_output_folder(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert_bad_input(capsys, "tour", "--out", str(blocker / "sub"), words="cannot create folder")
    assert_bad_input(capsys, "tour", "--lang", "fr", words="invalid choice")


def test_tour_quick_for_real(capsys, tmp_path):
    data = run_json(capsys, "tour", "--out", str(tmp_path), "--quick")
    figures = data["result"]["figures"]
    assert figures and all(os.path.isfile(path) for path in figures)
    assert data["text"]


def test_help_and_version(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("diff", "grad", "hess", "minimize", "train", "functions", "tour"):
        assert command in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("slopes ")
    code, out, _ = run(capsys, "minimize", "--help")
    assert code == 0 and "--optimizer" in out and "--animate" in out


def test_console_script_help():
    script = shutil.which("slopes", path=os.path.dirname(sys.executable))
    assert script is not None, "the `slopes` console script is not installed"
    done = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "minimize" in done.stdout
    bad = subprocess.run(
        [script, "grad", "x0", "--at", "a"], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().count("\n") == 0
