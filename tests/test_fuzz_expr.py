"""The expression language as the command line sees it: any text, one clean answer.

``test_expr.py`` fuzzes :func:`compile_expression` itself; here the text goes
through the command line's resolution (a named function or an expression), where
a look-alike character once turned ``"x\\u00a0"`` into "unknown function 'x'".
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slopes.cli import main
from slopes.cli._support import CLIError, resolve_function
from slopes.expr import ExpressionError, compile_expression

FUZZ = settings(
    max_examples=int(os.environ.get("SLOPES_FUZZ_EXAMPLES", "150")),
    deadline=None,
    derandomize="SLOPES_FUZZ_RANDOM" not in os.environ,
)
LOOK_ALIKES = ["\u00a0", "\u2009", "\u3000", "\u200b", "\uff58", "\u2212", "\u00d7"]


@pytest.mark.parametrize("blank", ["\u00a0", "\u2009", "\u3000"])
def test_a_non_ascii_blank_is_named_not_an_unknown_function(blank, capsys):
    for text in (f"x{blank}", f"{blank}x", f"x{blank}+ 1"):
        with pytest.raises(ExpressionError, match=r"is not allowed: .*type a plain space"):
            compile_expression(text)
        assert main(["diff", text, "--at", "1"]) == 2
        err = capsys.readouterr().err
        assert "unknown function" not in err and "type a plain space" in err


@FUZZ
@given(
    st.lists(
        st.sampled_from(["x", "x0", "x1", "sin", "(", ")", "+", "*", "2", " ", "rosenbrock"])
        | st.sampled_from(LOOK_ALIKES)
        | st.characters(),
        max_size=10,
    ).map("".join)
)
def test_any_text_resolves_or_is_refused_cleanly(text):
    try:
        objective = resolve_function(text)
    except CLIError as error:
        message = str(error)
        assert message and "Traceback" not in message
        if not text.isascii():  # never blamed on a word the user did not type
            assert "unknown function" not in message
        return
    n = objective.n_coords or max(objective.min_coords, 2)
    value = np.asarray(objective.vector(np.full(n, 0.5)))  # it evaluates, to one number
    assert value.size == 1
