"""The command line as a learner meets it: help, errors, poles, overflow, odd FUNCTIONs."""

from __future__ import annotations

import io
import json
import re

import pytest

from slopes.cli import main

COMMANDS = ("diff", "grad", "hess", "minimize", "train", "tour")
# options that take no value, or have none to show (required, or the JSON switch)
NO_DEFAULT = {"-h", "--help", "--json", "--numerical", "--quick", "--no-progress", "--at", "--from"}


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def option_helps(help_text):
    """{"--lr": "learning rate (default: 0.1)", ...} from an argparse help page."""
    options = help_text.split("options:")[1]
    entries = re.split(r"\n  (?=-)", "\n" + options)
    found = {}
    for entry in entries:
        entry = " ".join(entry.split())
        if entry.startswith("-"):
            found[entry.split()[0].rstrip(",")] = entry
    return found


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_shows_its_default(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    helps = option_helps(out)
    assert len(helps) >= 3
    for option, text in helps.items():
        if option not in NO_DEFAULT:
            assert "default" in text, text


def test_help_states_the_defaults_that_matter(capsys):
    _, out, _ = run(capsys, "tour", "--help")
    helps = option_helps(out)
    assert "(default: slopes-tour)" in helps["--out"]
    assert "Korean" in helps["--lang"] and "(default: en)" in helps["--lang"]
    _, out, _ = run(capsys, "train", "--help")
    helps = option_helps(out)
    assert "(default: 20)" in helps["--epochs"] and "(default: 2.0)" in helps["--lr"]


@pytest.mark.parametrize(
    ("argv", "valid", "suggestion"),
    [
        (("tour", "--lang", "kr"), "en, ko", "'ko'"),
        (("tour", "--lang", "korean"), "en, ko", "'ko'"),
        (("minimize", "x0**2", "--from", "1", "--optimizer", "Adam"), "adam", "'adam'"),
        (("diff", "x", "--at", "1", "--method", "centrl"), "central, forward", "'central'"),
    ],
)
def test_an_invalid_choice_lists_the_valid_ones_and_suggests_one(capsys, argv, valid, suggestion):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("slopes: error: ") and len(err.strip().splitlines()) == 1
    assert valid in err and f"did you mean {suggestion}?" in err


@pytest.mark.parametrize(
    "argv",
    [
        ("diff", "x", "--at", "a,b"),  # the command's own check
        ("diff",),  # the parser's
        ("diff", "log(x)", "--at", "-1", "--step", "1e-4"),  # a runtime failure
        ("minimize", "nosuchfunction", "--from", "1"),
    ],
)
def test_one_error_prefix(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code in (1, 2)
    assert err.startswith("slopes: error: "), err


def test_a_pole_prints_no_number_but_json_keeps_the_estimate(capsys):
    code, out, err = run(capsys, "diff", "1/x", "--at", "0,1")
    assert code == 1
    lines = out.splitlines()
    assert lines[1].startswith("f'(0) = ?") and "no reliable derivative" in lines[1]
    assert re.search(r"\d", lines[1].split("=")[1]) is None  # no estimate in the text
    assert lines[2].startswith("f'(1) = ")  # the closed form -1, to the engine's ~1e-13
    assert float(lines[2].split("=")[1].split()[0]) == pytest.approx(-1.0, rel=1e-12)
    assert err.startswith("slopes: warning: ")
    code, out, _ = run(capsys, "diff", "1/x", "--at", "0", "--json")
    data = json.loads(out)
    assert code == 1 and data["success"] is False and isinstance(data["value"], float)


def test_overflow_is_called_overflow(capsys):
    code, out, err = run(capsys, "diff", "exp(x)", "--at", "1000")
    assert code == 1 and out == ""
    assert "f overflowed at x = 1000" in err and "defined" not in err
    code, _, err = run(capsys, "grad", "x0**2 + x1**2", "--at", "3,1e200")
    assert code == 1 and "f overflowed" in err


@pytest.mark.parametrize(
    ("argv", "value"),
    [
        (("diff", "-x", "--at", "1"), -1.0),
        (("diff", "--at", "2", "-x**2"), -4.0),
        (("diff", "-x**3", "--at=-1", "--step", "1e-4"), -3.0),
    ],
)
def test_a_function_starting_with_minus_is_a_function_not_an_option(capsys, argv, value):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    assert json.loads(out)["value"] == pytest.approx(value, rel=1e-6)


def test_function_dash_reads_standard_input(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("x0**2 + x1**2\n"))
    code, out, err = run(capsys, "grad", "-", "--at", "3,4", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["function"] == "x0**2 + x1**2"
    assert data["gradient"] == pytest.approx([6.0, 8.0], rel=1e-10)
    monkeypatch.setattr("sys.stdin", io.StringIO("  \n"))
    code, _, err = run(capsys, "diff", "-", "--at", "1")
    assert code == 2 and "standard input" in err and "empty" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("import os"))
    code, _, err = run(capsys, "diff", "-", "--at", "1")
    assert code == 2 and err.startswith("slopes: error: ")  # still only an expression


def test_minimize_with_an_overflowing_step_reports_divergence(capsys):
    code, out, err = run(capsys, "minimize", "x0**2", "--from", "1", "--lr", "1e308", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "diverged" and "x became -inf" in data["message"]
    assert data["x"] == [1.0] and data["fun"] == 1.0


def test_grad_output_grows_linearly_with_the_number_of_coordinates(capsys):
    sizes = {}
    for n in (100, 400):
        code, out, err = run(capsys, "grad", "sphere", "--at", ",".join(["1"] * n))
        assert code == 0, err
        sizes[n] = len(out)
        assert max(len(line) for line in out.splitlines()[2:]) < 40  # rows are not padded
    assert sizes[400] / sizes[100] < 4.5  # n^2 would be 16


def test_train_defaults_learn_the_digits(capsys):
    code, out, err = run(capsys, "train", "--no-progress", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["model"] == "softmax" and data["gradient"] == "numerical"
    assert data["test_accuracy"] >= 0.9
    assert data["message"] == "completed 20 epochs (300 steps)"


def test_train_twolayer_with_default_settings_learns_too(capsys):
    # the learner's case: the chapter's 0.01 initial weights left it at 0.20 after 3 epochs
    code, out, err = run(capsys, "train", "--model", "twolayer", "--gradient", "analytic", "--json")
    assert code == 0, err
    assert json.loads(out)["test_accuracy"] >= 0.9
