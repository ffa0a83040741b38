"""The code of :mod:`slopes.cli`, which re-exports its public names. The ``slopes`` command line."""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

from ._support import CLIError, dump_json

__all__ = ["main", "run"]

# every command: the module and function that run it (imported only when it runs). A new
# command adds its entry here and its options in _build_parser.
_HANDLERS = {
    "diff": ("slopes.cli._commands", "diff"),
    "grad": ("slopes.cli._commands", "grad"),
    "hess": ("slopes.cli._commands", "hess"),
    "jvp": ("slopes.cli._peers", "jvp"),
    "taylor": ("slopes.cli._peers", "taylor"),
    "minimize": ("slopes.cli._commands", "minimize"),
    "train": ("slopes.cli._train", "train"),
    "functions": ("slopes.cli._commands", "functions_list"),
    "tour": ("slopes.cli._commands", "tour"),
    "explore": ("slopes.explore._command", "command"),
}
_COMMANDS = tuple(_HANDLERS)
_METHODS = ("central", "forward", "backward", "complex")
_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
# options whose value may start with "-" (a negative coordinate): argparse would take
# "--at -3,4" for two options, so such values are glued on as "--at=-3,4"
_POINT_OPTIONS = ("--at", "--from", "--dir")
# options that take no value; every other "--name" takes one (see _protect_function)
_FLAGS = ("--json", "--traceback", "--numerical", "--quick", "--no-progress", "--help", "-h")
# commands whose first positional argument is a FUNCTION, which may start with "-"
_FUNCTION_COMMANDS = ("diff", "grad", "hess", "jvp", "taylor", "minimize")
# spellings people type for a choice, beyond what string similarity finds
_ALIASES = {"kr": "ko", "kor": "ko", "korean": "ko", "english": "en", "eng": "en"}


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports errors in one line and never calls sys.exit."""

    def error(self, message: str) -> NoReturn:
        choice = re.search(r"invalid choice: '?([^'\s]+)'? \(choose from (.*)\)", message)
        if choice:
            given = choice.group(1)
            options = re.findall(r"'?([\w-]+)'?", choice.group(2))
            alias = _ALIASES.get(given.lower())
            close = [alias] if alias in options else []
            close = close or difflib.get_close_matches(given.lower(), options, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            valid = ", ".join(options)
            message = message.split(" (choose")[0] + f" (choose from {valid}){hint}"
            if message.startswith("argument COMMAND: invalid choice:"):
                message = "unknown command" + message.split("invalid choice:")[1]
        raise CLIError(f"{message} (see `{self.prog} --help`)")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise _Exit(status)


_EPILOG = """examples:
  slopes tour --out slopes-tour              the chapter, with figures
  slopes diff "0.01*x**2 + 0.1*x" --at 5,10  derivatives
  slopes grad "x0**2 + x1**2" --at 3,4       a gradient
  slopes minimize rosenbrock --from -1.5,2 --optimizer adam --lr 0.05 --steps 2000
  slopes train --model twolayer --gradient analytic --optimizer adam --lr 0.01 --epochs 10

Add --json to any command for machine-readable output.
Exit codes: 0 success, 1 runtime failure (or a derivative slopes cannot vouch
for), 2 bad usage or input."""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' layout and shows every option's default in its help."""

    def __init__(self, prog: str) -> None:
        # the wider column keeps "functions" on one line
        super().__init__(prog, max_help_position=32)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "default" not in text
            and action.option_strings
            and not any(default is nothing for nothing in (None, False, argparse.SUPPRESS))
        ):
            text += f" (default: {default})"
        return text


def _build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print machine-readable JSON")
    common.add_argument("--traceback", action="store_true", help=argparse.SUPPRESS)
    parser = _Parser(
        prog="slopes",
        description="Numerical differentiation and gradient descent, from the chapter "
        "to real use. FUNCTION is an expression in x (or x0, x1, ...), like "
        "'0.01*x**2 + 0.1*x', or a name from `slopes functions`, like rosenbrock.",
        epilog=_EPILOG,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"slopes {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            parents=[common],  # type: ignore[list-item]  # typeshed: parents of _Parser's class
            formatter_class=_HelpFormatter,
        )

    function_help = "expression or function name; - reads it from standard input"

    def differentiation(sub: argparse.ArgumentParser, at_help: str) -> None:
        sub.add_argument("function", metavar="FUNCTION", help=function_help)
        sub.add_argument("--at", required=True, metavar="X", help=at_help)
        sub.add_argument("--method", choices=_METHODS, default="central", help="stencil")
        sub.add_argument("--order", type=int, default=2, help="accuracy order")
        sub.add_argument("--step", type=float, help="fixed step h (default: automatic)")

    sub = command("diff", "derivative of a function of one variable")
    differentiation(sub, "point(s), comma-separated: 5 or 5,10")
    sub.add_argument("--n", type=int, default=1, help="derivative order")
    differentiation(command("grad", "gradient of a function"), "point, like 3,4")
    differentiation(command("hess", "Hessian matrix of a function"), "point, like 3,4")
    from ._peers import add_commands

    add_commands(command)  # jvp, taylor

    sub = command("minimize", "gradient descent from a starting point")
    sub.add_argument("function", metavar="FUNCTION", help=function_help)
    sub.add_argument(
        "--from", dest="start", required=True, metavar="X0", help="starting point, like -3,4"
    )
    sub.add_argument("--lr", type=float, default=0.1, help="learning rate")
    sub.add_argument("--steps", type=int, default=100, help="most steps")
    sub.add_argument("--optimizer", choices=_OPTIMIZERS, default="sgd", help="update rule")
    sub.add_argument("--momentum", type=float, default=0.9, help="for momentum/nesterov")
    sub.add_argument(
        "--tol", type=float, help="converged when the gradient norm is at most this (default 1e-9)"
    )
    sub.add_argument(
        "--numerical",
        action="store_true",
        help="numerical gradient even when the function's analytic one is known",
    )
    sub.add_argument(
        "--plot", metavar="PATH.png", help="draw the path over contours (default: no figure)"
    )
    sub.add_argument("--animate", metavar="PATH.gif", help="animate the descent (default: none)")

    sub = command("train", "minibatch SGD on the digits (or MNIST)")
    sub.add_argument(
        "--model", choices=("softmax", "twolayer"), default="softmax", help="the network"
    )
    sub.add_argument("--data", default="digits", help="'digits' or an MNIST folder")
    sub.add_argument(
        "--limit", type=int, help="use only the first N training images (default: all)"
    )
    sub.add_argument(
        "--test-size",
        type=float,
        default=0.2,
        help="test fraction of the digits (or of MNIST t10k when the training files are absent)",
    )
    sub.add_argument("--hidden", type=int, default=50, help="hidden units of twolayer")
    sub.add_argument(
        "--init-std",
        type=float,
        default=0.1,
        help="standard deviation of twolayer's initial weights",
    )
    sub.add_argument("--epochs", type=int, default=20, help="passes over the training data")
    sub.add_argument("--lr", type=float, default=2.0, help="learning rate")
    sub.add_argument("--batch-size", type=int, default=100, help="images per step")
    sub.add_argument("--optimizer", choices=_OPTIMIZERS, default="sgd", help="update rule")
    sub.add_argument("--momentum", type=float, default=0.9, help="for momentum/nesterov")
    sub.add_argument(
        "--gradient",
        choices=("numerical", "analytic"),
        default="numerical",
        help="numerical differences or backpropagation",
    )
    sub.add_argument("--seed", type=int, default=0, help="seed of the split and the batches")
    sub.add_argument(
        "--checkpoint", metavar="PATH", help="save and resume training here (default: none)"
    )
    sub.add_argument(
        "--plot", metavar="PATH.png", help="draw the training curves (default: no figure)"
    )
    sub.add_argument("--no-progress", action="store_true", help="no progress bar")

    command("functions", "list the test functions")

    sub = command("tour", "walk through the chapter, printing results and drawing figures")
    sub.add_argument("--out", default="slopes-tour", help="folder for the figures")
    sub.add_argument(
        "--lang",
        choices=("en", "ko"),
        default="en",
        help="language of the explanations and figures: en (English) or ko (Korean)",
    )
    sub.add_argument("--quick", action="store_true", help="shorter runs")

    from ..explore import add_arguments as add_explore_arguments

    add_explore_arguments(command("explore", "play with gradient descent in the browser"))
    return parser


def _protect_function(argv: Sequence[str]) -> list[str]:
    """Move a FUNCTION that starts with "-" (``-x``, ``-x**2``) behind ``--``.

    argparse would read ``-x`` as an unknown option and then say FUNCTION is
    missing. In the commands that take a FUNCTION, the first argument that is
    neither an option nor an option's value is the FUNCTION; when it starts
    with "-" it goes to the end, after ``--``, where argparse reads it as the
    positional argument it is. ``-`` alone (standard input) needs no help.
    """
    args = list(argv)
    if not args or args[0] not in _FUNCTION_COMMANDS or "--" in args:
        return args
    i = 1
    while i < len(args):
        token = args[i]
        if token.startswith("--") and "=" not in token and token not in _FLAGS:
            i += 2  # an option and its value
        elif token.startswith("--") or token in _FLAGS:
            i += 1
        elif token.startswith("-") and token != "-":
            return [*args[:i], *args[i + 1 :], "--", token]
        else:
            return args  # a FUNCTION that argparse reads as it is
    return args


def _glue_point_values(argv: Sequence[str]) -> list[str]:
    glued: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        if args[i] in _POINT_OPTIONS and i + 1 < len(args) and args[i + 1].startswith("-"):
            glued.append(f"{args[i]}={args[i + 1]}")
            i += 2
        else:
            glued.append(args[i])
            i += 1
    return glued


def _handler(command: str) -> Any:
    import importlib

    module, name = _HANDLERS[command]
    return getattr(importlib.import_module(module), name)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())  # one line, whatever the message
    return text or type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name, e.g. ``["grad", "x0**2", "--at", "3"]``.

    Returns
    -------
    int
        0 on success, 2 on bad usage or input, 1 on a runtime failure or when
        ``diff``, ``grad`` or ``hess`` computed a value whose error estimate is
        not reliable (the value is printed, with a warning on stderr); 141,
        quietly, when the reader of stdout went away (``slopes tour | head``).

    Examples
    --------
    The report goes to stdout, errors to one line of stderr; the exit code is
    returned, not raised:

    >>> main(["diff", "x**3", "--at", "2", "--step", "1e-3"])  # central: 12 + h**2
    f(x) = x**3
    f'(2) = 12.000001
    0
    >>> main(["diff", "y", "--at", "2"])  # stderr: slopes: error: unknown function 'y' ...
    2
    """
    try:
        return _main(argv)
    except BrokenPipeError:
        # the reader went away (`slopes tour | head`): stop quietly, as other tools do
        _silence_stdout()
        return 141  # 128 + SIGPIPE, what a shell reports for a tool killed by it


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's final flush does not fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file behind stdout (tests)
        pass


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    try:
        args = parser.parse_args(_protect_function(_glue_point_values(argv)))
    except _Exit as done:
        return done.code
    except CLIError as error:
        print(f"slopes: error: {error}", file=sys.stderr)
        return error.code
    if args.command is None:
        print(
            f"slopes: error: choose a command: {', '.join(_COMMANDS)} (see `slopes --help`)",
            file=sys.stderr,
        )
        return 2
    try:
        with warnings.catch_warnings():
            # overflow/invalid-value warnings are noise here: non-finite answers are reported
            warnings.simplefilter("ignore", RuntimeWarning)
            payload, text = _handler(args.command)(args)
    except KeyboardInterrupt:
        print("slopes: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        raise  # not a failure of the command: main() stops quietly
    except Exception as error:
        if args.traceback:
            raise
        code = error.code if isinstance(error, CLIError) else _exit_code(error)
        print(f"slopes: error: {_one_line(error)}", file=sys.stderr)
        return code
    if args.json:
        print(dump_json(payload))
    elif text:
        print(text)
    if payload.get("success") is False:
        # a number the engine does not trust (sqrt at 0, a noisy f) is not a success
        reason = _one_line(Exception(payload.get("message", "")))
        print(f"slopes: warning: {reason}", file=sys.stderr)
        return 1
    return 0


def _exit_code(error: Exception) -> int:
    # the library raises ValueError (with the argument's name) for bad input, and
    # OSError subclasses for missing or unreadable files: both are the user's to fix
    if isinstance(error, (ValueError, FileNotFoundError, NotADirectoryError, PermissionError)):
        return 2
    return 1


def run() -> NoReturn:
    """Entry point of the ``slopes`` console script and of ``python -m slopes``.

    Runs :func:`main` on ``sys.argv[1:]`` and exits with its code.

    Raises
    ------
    SystemExit
        Always, with the exit code of :func:`main`.

    Examples
    --------
    >>> import sys
    >>> from unittest import mock
    >>> argv = ["slopes", "diff", "x**3", "--at", "2", "--step", "1e-3"]
    >>> with mock.patch.object(sys, "argv", argv):
    ...     try:
    ...         run()
    ...     except SystemExit as done:
    ...         print("exit code", done.code)
    f(x) = x**3
    f'(2) = 12.000001
    exit code 0
    """
    sys.exit(main())
