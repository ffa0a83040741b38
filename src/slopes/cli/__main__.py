"""``python -m slopes.cli``: the same command line as ``python -m slopes`` and the script."""

from . import run

if __name__ == "__main__":
    run()
