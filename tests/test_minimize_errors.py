"""minimize when f misbehaves: f or grad raising (the point is named), complex or non-finite f."""

import numpy as np
import pytest

import slopes
from slopes import Status
from slopes.descent import minimize


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


# --- f or grad raising: the error names the point -------------------------------------------


def _fails_past(limit):
    def f(x):
        if x[0] > limit:
            raise ZeroDivisionError("boom")
        return float(np.sum(x**2))

    return f


def test_f_raising_names_the_point_and_keeps_the_type():
    # from x0 = (-3, 4) with lr = 0.75 the iterates go (-3, 4), (1.5, -2), ...:
    # f refuses x[0] > 1 first at the second iterate
    with pytest.raises(
        ZeroDivisionError, match=r"^f raised ZeroDivisionError at x=\[ ?1\.5 +-2\. ?\]: boom$"
    ) as info:
        minimize(_fails_past(1.0), [-3.0, 4.0], lr=0.75, grad=lambda x: 2 * x, steps=5)
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert str(info.value.__cause__) == "boom"


def test_f_raising_at_x0_names_x0_with_a_numerical_gradient():
    def f(x):
        raise KeyError("w")

    with pytest.raises(KeyError, match=r"f raised KeyError at x=\[-3\.\s+4\.\]: 'w'") as info:
        minimize(f, np.array([-3.0, 4.0]), steps=3)
    assert isinstance(info.value.__cause__, KeyError)


def test_grad_raising_names_the_point():
    def grad(x):
        if x[1] < 3.5:
            raise ValueError("no gradient here")
        return 2 * x

    # lr = 0.1: (-3, 4) -> (-2.4, 3.2), where grad refuses
    with pytest.raises(
        ValueError, match=r"grad raised ValueError at x=\[-2\.4\s+3\.2\]: no gradient here"
    ) as info:
        minimize(function_2, [-3.0, 4.0], lr=0.1, grad=grad, steps=5)
    assert isinstance(info.value.__cause__, ValueError)


def test_an_error_type_that_needs_more_than_a_message_becomes_runtime_error():
    def f(x):
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad byte")

    with pytest.raises(RuntimeError, match=r"f raised UnicodeDecodeError at x=2\.0: ") as info:
        minimize(f, 2.0, steps=1)
    assert isinstance(info.value.__cause__, UnicodeDecodeError)


def test_f_raising_on_a_pytree_names_the_pytree():
    def f(p):
        raise ArithmeticError("nope")

    with pytest.raises(ArithmeticError, match=r"f raised ArithmeticError at x=\{'w': array"):
        minimize(f, {"w": np.array([1.0, 2.0]), "b": 0.5}, steps=1)


# --- what f returns ----------------------------------------------------------------------


def test_minimize_refuses_a_complex_valued_f():
    # float() of a complex NumPy scalar drops the imaginary part with only a warning
    with pytest.raises(TypeError, match="`f` must return a real number, got the complex"):
        slopes.minimize(lambda x: np.sum(x) + 1j, [1.0, 2.0], steps=3)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize(
    ("f", "grad", "what"),
    [
        (lambda x: np.log(x[0]), None, "f became nan"),
        (lambda x: 0.0, lambda x: np.array([np.inf]), "the gradient became inf"),
    ],
)
def test_non_finite_at_x0_does_not_blame_the_learning_rate(f, grad, what):
    # before the fix: "... so the learning rate (lr=0.01) is too large; try lr=0.001",
    # advice that cannot help when no step was taken
    res = slopes.minimize(f, [-1.0], grad=grad, steps=10)
    assert res.status == Status.DIVERGED and res.nit == 0
    assert what in res.message and "at x0 itself" in res.message
    assert "learning rate (" not in res.message and "try lr" not in res.message
