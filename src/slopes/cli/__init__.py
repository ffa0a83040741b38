"""The ``slopes`` command line.

A thin layer over the library: every command parses its arguments, calls the
library, and prints a short aligned report (or JSON with ``--json``).

Exit codes
----------
- 0: success. A descent that diverged or ran out of steps is a *result*, not a
  failure: ``slopes minimize`` exits 0 and reports the status (``"diverged"``,
  with a learning rate to try) in its output and in ``--json``.
- 2: bad usage or bad input: unknown command or function (the closest name is
  suggested), malformed ``--at``/``--from`` (not numbers, wrong number of
  coordinates), an expression outside the language, an unwritable output
  folder. One line on stderr, no traceback.
- 1: a runtime failure: the computation failed or gave a non-finite answer
  (e.g. a derivative where f is undefined). One line on stderr. Also when
  ``diff``, ``grad`` or ``hess`` got a value whose error estimate the engine
  does not trust (``sqrt(x)`` or ``1/x`` at 0): ``diff`` prints ``?`` in its
  place (``--json`` keeps the estimate, with ``"success": false``), and one
  warning line on stderr says why it is not reliable.
- 130: interrupted (Ctrl-C).

Every message on stderr starts with ``slopes: error:`` (exit 2 or 1) or
``slopes: warning:``. ``--traceback`` (any command) shows the full Python
traceback instead of the one-line message, for debugging.

FUNCTION ``-`` reads the expression from standard input
(``echo "x0**2 + x1**2" | slopes grad - --at 3,4``); an expression that starts
with a minus sign (``slopes diff "-x" --at 1``) is a FUNCTION, not an option.

Examples
--------
>>> main(["diff", "0.01*x**2 + 0.1*x", "--at", "5", "--step", "1e-4"])
f(x) = 0.01*x**2 + 0.1*x
f'(5) = 0.1999999999990898
0
"""

from ._main import main, run

__all__ = ["main", "run"]
