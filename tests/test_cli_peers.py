"""The command line's jvp and taylor: values, JSON, exit codes and messages."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from slopes.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_jvp_prints_the_directional_derivative(capsys):
    code, out, err = run(capsys, "jvp", "x0**2 + x1**2", "--at", "3,4", "--dir", "-1,1")
    assert code == 0 and err == ""
    assert "f(3, 4)" in out and "= 25" in out
    value = float(out.split("J v")[1].split("=")[1].split()[0])
    assert value == pytest.approx(2.0, rel=1e-10)  # grad (6, 8) . (-1, 1)


def test_jvp_json_with_a_named_function(capsys):
    code, out, _ = run(capsys, "jvp", "rosenbrock", "--at", "-1.2,1", "--dir", "1,0", "--json")
    assert code == 0
    payload = json.loads(out)
    # d/dx0 of (1 - x0)^2 + 100 (x1 - x0^2)^2 at (-1.2, 1): -2(2.2) - 400(-1.2)(1 - 1.44)
    assert payload["jvp"] == pytest.approx(-2 * 2.2 - 400 * -1.2 * (1 - 1.44), rel=1e-10)
    assert payload["success"] is True and payload["nfev"] <= 13
    assert payload["x"] == [-1.2, 1.0] and payload["v"] == [1.0, 0.0]
    assert payload["error"] < 1e-8


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["jvp", "x0*x1", "--at", "1,2", "--dir", "1"], "`--dir` needs 2 numbers"),
        (["jvp", "x0*x1", "--at", "1,2", "--dir", "1,a"], "`--dir` must be numbers"),
        (["jvp", "x0*x1", "--at", "1,2"], "--dir"),
        (["taylor", "x0*x1", "--at", "1"], "`taylor` needs a function of one variable"),
        (["taylor", "exp(x)", "--at", "1,2"], "`--at` must be one number"),
        (["taylor", "exp(x)", "--at", "0", "--order", "-1"], "`--order` must be a non-negative"),
        (["taylor", "exp(x) +", "--at", "0"], "bad expression"),
    ],
)
def test_bad_usage_exits_2_with_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_taylor_prints_the_coefficients(capsys):
    code, out, err = run(capsys, "taylor", "exp(x)", "--at", "0", "--order", "5")
    assert code == 0 and err == ""
    rows = [line.split() for line in out.splitlines()[3:]]
    assert [int(row[0]) for row in rows] == list(range(6))
    values = [float(row[1]) for row in rows]
    # the CLI prints every digit; taylor's estimates here are <= 5e-15, so 1e-12 leaves a
    # 200x margin for another CPU's libm
    np.testing.assert_allclose(values, [1 / math.factorial(k) for k in range(6)], rtol=1e-12)


def test_taylor_json_to_order_20(capsys):
    code, out, _ = run(capsys, "taylor", "1/(1-x)", "--at", "0.5", "--order", "20", "--json")
    assert code == 0
    payload = json.loads(out)
    # measured 3.8e-14 relative at order 20 (within its estimate): 1e-11 is a 250x margin
    np.testing.assert_allclose(payload["coefficients"], 2.0 ** np.arange(1, 22), rtol=1e-11)
    assert payload["success"] is True and len(payload["error"]) == 21


def test_taylor_at_a_branch_point_is_not_a_success(capsys):
    code, out, err = run(capsys, "taylor", "sqrt(x)", "--at", "0", "--order", "2")
    assert code == 1
    assert "slopes: warning:" in err and "not reliable" in err
    assert "f^(k)(x)/k!" in out  # the numbers are still shown


def test_help_lists_the_new_commands(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "jvp" in out and "taylor" in out
