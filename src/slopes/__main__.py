"""``python -m slopes``: the same command line as the ``slopes`` script.

Useful where the script is not on ``PATH`` (a user install, a virtual
environment that is not activated) or to pick the interpreter explicitly::

    python -m slopes diff "0.01*x**2 + 0.1*x" --at 5 --step 1e-4
"""

from .cli import run

if __name__ == "__main__":
    run()
