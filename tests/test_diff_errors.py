"""Bad input gets a clear error naming the argument, never a silent wrong number."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from slopes.differentiate import check_grad, derivative, gradient, hessian, jacobian

ALL = [derivative, gradient, jacobian, hessian]


def square_sum(x):
    return np.sum(np.asarray(x) ** 2)


@pytest.mark.parametrize("func", ALL)
def test_f_must_be_callable(func):
    with pytest.raises(TypeError, match="`f` must be callable, got int"):
        func(3, 1.0)


@pytest.mark.parametrize("func", ALL)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_x_must_be_finite(func, bad):
    with pytest.raises(ValueError, match="`x` must be finite"):
        func(square_sum, np.array([1.0, bad]))


@pytest.mark.parametrize("func", ALL)
def test_unknown_method(func):
    with pytest.raises(ValueError, match="`method` must be one of 'central', 'forward'"):
        func(square_sum, 1.0, method="upwind")


@pytest.mark.parametrize("func", ALL)
def test_impossible_orders(func):
    with pytest.raises(ValueError, match="`order` must be even for the central method, got 3"):
        func(square_sum, 1.0, order=3)
    with pytest.raises(ValueError, match="`order` must be a positive integer, got 0"):
        func(square_sum, 1.0, order=0, method="forward")


def test_impossible_derivative_orders():
    with pytest.raises(ValueError, match="`n` must be a positive integer, got 0"):
        derivative(np.exp, 1.0, n=0)
    with pytest.raises(ValueError, match="complex-step method gives n=1, order=2 only"):
        derivative(np.exp, 1.0, n=2, method="complex")
    with pytest.raises(ValueError, match="`method` 'complex' gives first derivatives only"):
        hessian(square_sum, np.ones(2), method="complex")


@pytest.mark.parametrize("func", ALL)
@pytest.mark.parametrize("step", [0.0, -1e-3, np.nan, np.inf])
def test_step_must_be_positive_and_finite(func, step):
    with pytest.raises(ValueError, match="`step` must be positive and finite"):
        func(square_sum, np.ones(2), step=step)


def test_step_array_must_match_x():
    with pytest.raises(ValueError, match="`step` must be a number or have x's shape"):
        gradient(square_sum, np.ones(3), step=[1e-3, 1e-3])
    with pytest.raises(TypeError, match="`step` must be a positive number or array"):
        gradient(square_sum, np.ones(3), step="small")


def test_f_returning_a_non_scalar_says_the_shape():
    with pytest.raises(ValueError, match=r"`f` must return a scalar, got an array of shape \(3,\)"):
        gradient(lambda x: x * 2, np.ones(3))
    with pytest.raises(ValueError, match=r"`f` must return a scalar, got an array of shape \(2,\)"):
        derivative(lambda t: np.array([t, t]), 1.0)
    with pytest.raises(ValueError, match=r"must return shape \(\d+,\) for a stack"):
        gradient(lambda X: X, np.ones(3), vectorized=True)


def test_f_raising_is_raised_again_with_the_point():
    def f(t):
        if t < 0.5:
            raise ZeroDivisionError("boom")
        return t

    with pytest.raises(ZeroDivisionError, match=r"f raised ZeroDivisionError at x=.*0\.4.*boom"):
        derivative(f, 0.5)
    with pytest.raises(ZeroDivisionError, match="f raised ZeroDivisionError at x=") as info:
        derivative(f, np.array([0.5, 2.0]))
    assert isinstance(info.value.__cause__, ZeroDivisionError)

    def g(v):
        raise KeyError("missing")

    with pytest.raises(KeyError, match=r"f raised KeyError at x=\{'a'"):
        gradient(g, {"a": np.ones(2)})


def test_complex_step_on_a_function_that_drops_the_imaginary_part():
    with pytest.raises(TypeError, match="`f` dropped the imaginary part"):
        derivative(lambda t: np.abs(t) ** 2, 1.0, method="complex")
    with pytest.raises(TypeError, match="`f` dropped the imaginary part"):
        gradient(lambda v: np.sum(np.real(v) ** 2), np.ones(2), method="complex")
    # math.sin turns a numpy complex into a float (with a ComplexWarning)
    with (
        pytest.warns(np.exceptions.ComplexWarning),
        pytest.raises(TypeError, match="`f` dropped the imaginary part"),
    ):
        derivative(lambda t: math.sin(t), 1.0, method="complex")


def test_flags_and_pytree_for_derivative():
    with pytest.raises(TypeError, match="`vectorized` must be True, False or the most points"):
        gradient(square_sum, np.ones(2), vectorized="yes")
    with pytest.raises(TypeError, match="`vectorized` must be True, False or the most points"):
        gradient(square_sum, np.ones(2), vectorized=2.5)
    with pytest.raises(ValueError, match="`vectorized` as a number of points per call must be"):
        gradient(square_sum, np.ones(2), vectorized=0)
    with pytest.raises(TypeError, match="`full_output` must be True or False"):
        gradient(square_sum, np.ones(2), full_output=1)
    with pytest.raises(TypeError, match="`x` must be a number or an array for `derivative`"):
        derivative(np.sin, {"a": 1.0})
    with pytest.raises(TypeError, match="`x` must be numbers"):
        gradient(square_sum, ["a", "b"])
    with pytest.raises(TypeError, match="`x` must be real"):
        gradient(square_sum, np.array([1j, 2.0]))


def test_check_grad_validation():
    with pytest.raises(TypeError, match="`grad` must be callable, got str"):
        check_grad(square_sum, "grad", np.ones(2))
    with pytest.raises(ValueError, match="`rtol` must be non-negative and finite, got -1"):
        check_grad(square_sum, lambda x: 2 * x, np.ones(2), rtol=-1)
    with pytest.raises(TypeError, match="`atol` must be a number"):
        check_grad(square_sum, lambda x: 2 * x, np.ones(2), atol="tiny")
    with pytest.raises(TypeError, match="`grad` must be callable"):
        hessian(square_sum, np.ones(2), grad=5)


def test_a_bare_non_finite_result_warns_and_full_output_says_it_in_status():
    with pytest.warns(RuntimeWarning, match=r"not finite at 1 of 2 entries: `f`"):
        value = derivative(np.sqrt, np.array([1.0, -1.0]))
    assert np.isnan(value[1]) and value[0] == pytest.approx(0.5)
    with pytest.warns(RuntimeWarning, match=r"the Hessian is not finite at 4 of 4"):
        hessian(lambda v: np.nan * np.sum(v), np.ones(2))
    with pytest.warns(RuntimeWarning, match=r"the gradient is not finite at \d of 3"):
        gradient(lambda p: np.sum(np.log(p["a"])) + p["b"], {"a": np.array([1.0, -1.0]), "b": 0.0})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # full_output: status and success say it, no warning
        res = derivative(np.sqrt, np.array([1.0, -1.0]), full_output=True)
    assert not res.success[1]


def test_f_returning_complex_or_no_numbers_names_f():
    # a complex-valued f is differentiated (issue 15) except where its parts cannot
    # be: the Hessian
    with pytest.raises(TypeError, match="`f` returned complex values"):
        hessian(lambda v: np.sum(v**2) * 1j, np.array([3.0, 4.0]))
    with pytest.raises(TypeError, match="`f` must return numbers, got NoneType"):
        derivative(lambda t: None, 1.0)
    with pytest.raises(TypeError, match="`f` must return numbers, got str"):
        derivative(lambda t: "a", 2.0)
    # ints and float32 values are numbers: promoted to float64 as before
    assert gradient(lambda v: np.float32(v[0] * 3), np.array([1.0]))[0] == pytest.approx(3, 1e-5)


@pytest.mark.parametrize("workers", [None, 2])
def test_hessian_grad_of_the_wrong_size_is_named(workers):
    # the message as the check words it, not wrapped as "f raised ... at x=", also
    # when grad runs on worker processes
    for vectorized in (False, True):
        with pytest.raises(ValueError, match=r"^`grad` must return one number per entry of x \(2"):
            hessian(
                square_sum,
                np.array([3.0, 4.0]),
                grad=lambda v: 2 * v[..., :1],
                vectorized=vectorized,
                workers=workers,
            )


# -- an f that writes into its input, told from an f that raises ValueError --------------


def sum_sq_sin_rows(X):
    return np.sum(X**2 + np.sin(X), axis=-1)


def test_an_f_that_writes_into_its_input_is_found_by_what_it_does_not_by_the_message():
    # the points reach a vectorized f read-only; this f reports the failed write in
    # words of its own (no "read-only" in them): it still gets writeable copies
    def scratch_in_place(X):
        try:
            X *= 1.0
        except ValueError:
            raise ValueError("the solver needs a scratch buffer") from None
        return sum_sq_sin_rows(X)

    x = np.linspace(-1.0, 1.0, 40)
    before = x.copy()
    got = gradient(scratch_in_place, x, vectorized=True, full_output=True)
    expected = gradient(sum_sq_sin_rows, x, vectorized=True, full_output=True)
    np.testing.assert_array_equal(got.value, expected.value)  # slopes does every op
    assert got.nfev == expected.nfev  # the chunk done again is counted once
    np.testing.assert_array_equal(x, before)


def test_a_value_error_of_f_itself_on_the_read_only_points_is_raised_at_the_point():
    # a ValueError that writing did not cause (here one that even says "read-only")
    # is raised, naming the points, chained from f's own exception
    def picky(X):
        if np.any(X[..., 0] > 0.5):
            raise ValueError("read-only file system")
        return sum_sq_sin_rows(X)

    with pytest.raises(
        ValueError, match=r"f raised ValueError at a stack of .*read-only file"
    ) as info:
        gradient(picky, np.array([0.5, 0.0, 1.0]), step=1e-3, vectorized=True)
    assert type(info.value.__cause__) is ValueError
    assert str(info.value.__cause__) == "read-only file system"

    # and f's other errors are raised at once, as before
    def broken(X):
        raise KeyError("no such column")

    with pytest.raises(KeyError, match=r"f raised KeyError at a stack of"):
        gradient(broken, np.zeros(3), vectorized=True)


def test_check_grad_compares_structures_and_aligns_dict_keys():
    f = lambda p: p["a"] ** 2 + 3 * p["b"]  # noqa: E731
    with pytest.raises(ValueError, match=r"`grad` must return x's structure: at x the keys"):
        check_grad(f, lambda p: {"b": 2 * p["a"]}, {"a": 1.0, "b": 2.0})
    # the same keys in another order are the same gradient: compared key by key
    res = check_grad(f, lambda p: {"b": 3.0, "a": 2 * p["a"]}, {"a": 1.0, "b": 2.0})
    assert res.passed
    # (raveled in grad's own key order, this wrong one would look right)
    wrong = check_grad(f, lambda p: {"b": 2 * p["a"], "a": 3.0}, {"a": 1.0, "b": 2.0})
    assert not wrong.passed
    with pytest.raises(ValueError, match=r"at x\['w'\] a sequence of length 2"):
        check_grad(lambda p: p["w"][0] + p["w"][1], lambda p: {"w": [1.0]}, {"w": [1.0, 2.0]})


def _nan_everywhere(x):
    return np.nan * np.sum(x)


SQUARES = np.array([3.0, 4.0])


@pytest.mark.parametrize(
    "call",
    [
        lambda: derivative(_nan_everywhere, 1.0),
        lambda: derivative(_nan_everywhere, 1.0, step=1e-3),
        lambda: gradient(_nan_everywhere, SQUARES),
        lambda: jacobian(lambda x: np.nan * x, SQUARES),
        lambda: hessian(_nan_everywhere, SQUARES),
    ],
    ids=["derivative", "derivative-step", "gradient", "jacobian", "hessian"],
)
def test_nan_answer_is_announced(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            call()
        except (ValueError, ArithmeticError):
            return  # an error that says so is fine too
    assert any("finite" in str(w.message) or "nan" in str(w.message).lower() for w in caught)


def test_gradient_of_a_complex_valued_f_is_complex():
    # issue 15: real and imaginary parts are differentiated (it was refused before)
    value = gradient(lambda x: np.sum(x) * 1j, SQUARES)
    np.testing.assert_allclose(value, 1j * np.ones_like(SQUARES), atol=1e-12)


def test_hessian_names_a_grad_of_the_wrong_shape():
    with pytest.raises(ValueError, match="`grad`"):
        hessian(lambda x: np.sum(x**2), SQUARES, grad=lambda x: 2 * x[:1])


@pytest.mark.parametrize("value", ["a", None], ids=["str", "None"])
def test_derivative_names_f_when_f_returns_no_number(value):
    with pytest.raises((TypeError, ValueError), match="`f`"):
        derivative(lambda x: value, 1.0)


# ------------------------------------------------ issue 11: honest status, clear refusals


@pytest.mark.parametrize(("x", "step"), [(1e10, 1e-7), (2.0, 1e-20), (1e13, 1e-4)])
def test_a_fixed_step_below_the_resolution_of_x_is_refused(x, step):
    # x + h == x (or rounds by more than 1 % of h): the difference would be all
    # rounding; before, derivative 0 with success
    with pytest.raises(ValueError, match=r"`step` .* below the resolution of `x`"):
        derivative(np.exp if x < 100 else np.log, x, step=step)
    with pytest.raises(ValueError, match="`step`"):
        gradient(lambda v: np.sum(np.log(v)), np.array([1.0, x]), step=step)
    # the complex step needs no resolution of x: x + ih is exact
    assert derivative(np.log, 1e10, method="complex", step=1e-7) == pytest.approx(1e-10, rel=1e-15)


def test_a_complex_valued_f_is_refused_by_the_complex_step():
    # issue 11 item 2: Im f(x + ih) mixes f's own imaginary part into the result
    # ([1.01e32, 5.07e31] with success before)
    with pytest.raises(ValueError, match=r"`f` returns complex values.*`method`"):
        gradient(lambda x: np.sum((1 + 1j) * x**2), np.array([1.0, 2.0]), method="complex")
    with pytest.raises(ValueError, match=r"`f`.*`method`"):
        derivative(lambda x: (1 + 1j) * x**2, np.array([1.0, 2.0]), method="complex")


@pytest.mark.parametrize("x", [1e-300, -1e-300, 1e-320, 1e-150])
def test_complex_step_at_tiny_x_never_underflows_or_warns(x):
    # issue 11 item 3: the step eps**2 |x| underflowed to 0: nan, "converged", and
    # numpy's raw "invalid value" warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = derivative(np.exp, x, method="complex", full_output=True)
        assert res.step > 0 and res.value == pytest.approx(1.0, rel=1e-15) and res.success
        # log at 1e-300 needs a step below 1e-300: the floor step is too large, and
        # the real part says so (log |x + ih| is not log x)
        res = derivative(np.log, abs(x), method="complex", full_output=True)
        if abs(x) < 1e-290:  # the floor step (tiny / eps ~ 1e-292) is in use
            assert not res.success
        else:  # the relative step eps**2 |x| is still a normal number
            assert res.success and res.value == pytest.approx(1 / abs(x), rel=1e-14)
        # x**2: Im f = 2 x h underflows: not a known value, even as 0
        res = derivative(lambda t: t**2, x, method="complex", full_output=True)
        assert not res.success or abs(res.value - 2 * x) <= 1e-6 * abs(2 * x)


def test_nan_is_never_converged():
    # issue 11 item 3: whatever the table says, a nan value is not a success
    res = derivative(lambda t: np.sqrt(-abs(t)), np.array([0.5, 1.0]), full_output=True)
    assert not res.success.any() and (res.status < 0).all()


def test_max_step_is_validated_and_names_itself():
    with pytest.raises(ValueError, match="`max_step` must be positive"):
        derivative(np.exp, 1.0, max_step=0.0)
    with pytest.raises(ValueError, match="`max_step`"):
        gradient(lambda v: np.sum(v**2), np.ones(3), max_step=[1.0, 2.0])


def test_a_gradient_too_large_for_memory_is_refused_up_front():
    # issue 12 item 12: n = 1e8 failed after seconds with a bare MemoryError;
    # now the estimate comes first, before any evaluation of f
    calls = []

    def f(v):
        calls.append(1)
        return float(np.sum(v))

    with pytest.raises(MemoryError, match="100,000,000 entries needs about"):
        gradient(f, np.broadcast_to(np.float64(1.0), (10**8,)))
    assert calls == []


def test_gradient_of_an_empty_x_is_empty():
    # issue 12 item 12: an empty x gives an empty gradient (f is not needed)
    assert gradient(lambda v: np.sum(v), []) == []  # x's structure: an empty list
    assert gradient(lambda v: np.sum(v), np.zeros((0, 3))).shape == (0, 3)


def test_args_are_passed_to_f_and_validated():
    # issue 15 (engine options): args=() as scipy's functions take it
    value = derivative(lambda x, a, b: a * np.sin(b * x), 1.0, args=(2.0, 3.0))
    assert value == pytest.approx(6 * np.cos(3.0), rel=1e-12)
    weights = np.array([1.0, 3.0])
    grad = gradient(lambda v, w: np.sum(w * v**2), np.array([1.0, 2.0]), args=(weights,))
    np.testing.assert_allclose(grad, [2.0, 12.0], rtol=1e-12)
    jac = jacobian(lambda v, c: c * v, np.array([1.0, 2.0]), args=(2.0,))
    np.testing.assert_allclose(jac, 2 * np.eye(2), rtol=1e-12)
    with pytest.raises(TypeError, match="`args` must be a tuple"):
        derivative(np.exp, 1.0, args=[1])
