"""What the command line reports: reliability warnings and exit codes, JSON, the train
example, and a reader that goes away (``slopes tour | head -1``)."""

import json

import numpy as np
import pytest

from slopes.cli import main


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_diff_prints_an_unreliable_value_with_a_warning_and_exit_1(capsys):
    # sqrt has an infinite slope at 0: the engine says success=False; the command line
    # used to print f'(0) = 13.47 as if it were a good number, with exit code 0
    code, out, err = _run(capsys, "diff", "sqrt(x)", "--at", "0")
    assert code == 1
    assert out.startswith("f(x) = sqrt(x)\nf'(0) = ?")
    assert "no reliable derivative" in out and "13.4" not in out  # the estimate is in --json
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("slopes: warning: ") and "not reliable" in err


def test_cli_json_says_whether_the_value_is_reliable(capsys):
    code, out, _ = _run(capsys, "diff", "sqrt(x)", "--at", "0,1", "--json")
    data = json.loads(out)
    assert code == 1 and data["success"] is False and "not reliable" in data["message"]
    assert data["value"][1] == pytest.approx(0.5, rel=1e-10)
    code, out, err = _run(capsys, "grad", "x0**2 + x1**2", "--at", "3,4", "--json")
    data = json.loads(out)
    assert code == 0 and err == "" and data["success"] is True
    assert data["gradient"] == pytest.approx([6.0, 8.0], rel=1e-12)


def test_cli_hess_of_a_smooth_function_is_a_success(capsys):
    code, out, err = _run(capsys, "hess", "rosenbrock", "--at", "1,1", "--json")
    data = json.loads(out)
    assert code == 0 and err == "" and data["success"] is True
    assert np.allclose(data["hessian"], [[802.0, -400.0], [-400.0, 200.0]], rtol=1e-8)


def test_cli_train_limit_applies_to_the_digits(capsys):
    # --limit was applied to MNIST only: on the digits it was silently ignored
    code, out, err = _run(
        capsys,
        *("train", "--gradient", "analytic", "--epochs", "1", "--limit", "300"),
        *("--batch-size", "50", "--no-progress", "--json"),
    )
    data = json.loads(out)
    assert code == 0, err
    assert data["n_train"] == 300 and data["nit"] == 6  # 300 / 50 steps in one epoch


def test_cli_help_train_example_learns(capsys):
    # the example in `slopes --help` must show training that works (the plain sgd
    # example reached 16% test accuracy on the digits)
    code, out, _ = _run(capsys, "--help")
    line = next(line for line in out.splitlines() if line.strip().startswith("slopes train"))
    argv = [*line.split()[1:], "--no-progress", "--json"]
    code, out, err = _run(capsys, *argv)
    assert code == 0, err
    assert json.loads(out)["test_accuracy"] >= 0.9


class _ClosedPipe:
    """A stdout whose reader has gone away, as in `slopes tour | head -1`."""

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize(
    "argv", [("functions",), ("grad", "x0**2 + x1**2", "--at", "3,4", "--json")]
)
def test_cli_stops_quietly_when_the_reader_goes_away(capsys, monkeypatch, argv):
    # it used to print "slopes functions: failed: [Errno 32] Broken pipe" and exit 1
    monkeypatch.setattr("sys.stdout", _ClosedPipe())
    assert main(list(argv)) == 141
    assert capsys.readouterr().err == ""
