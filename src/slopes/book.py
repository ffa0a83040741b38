"""The textbook chapter's functions, exactly, without their bugs.

Same names, arguments and arithmetic as the classic chapter on numerical
differentiation (the central difference with ``h = 1e-4``), so the numbers it
prints come out bit for bit::

    >>> numerical_diff(function_1, 5)
    0.1999999999990898
    >>> numerical_diff(function_1, 10)
    0.2999999999986347

What differs from the chapter's code, on purpose:

- integer input works: ``numerical_gradient(function_2, np.array([3, 4]))``
  is ``[6, 8]`` (the chapter's code writes ``3.0001`` into an integer array,
  which truncates it, and returns ``[25000, 35000]``);
- ``gradient_descent`` leaves the caller's ``init_x`` unchanged (the chapter's
  ``x = init_x; x -= ...`` overwrote it);
- a parameter array of any shape (a weight matrix ``W``) gets its full
  gradient, one partial derivative per element.

For accurate derivatives (automatic step, error estimates) use
:func:`slopes.derivative` and :func:`slopes.gradient`; this module is for
reading along with the book. It needs nothing but NumPy.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

__all__ = [
    "function_1",
    "function_2",
    "gradient_descent",
    "numerical_diff",
    "numerical_gradient",
    "tangent_line",
]

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

#: A number or an array of them: the chapter's functions give back what they are given.
Number = TypeVar("Number", float, "NDArray[np.floating[Any]]")

_H = 1e-4  # the chapter's step: small, but not so small that rounding swamps the difference


def _check_callable(f: Any) -> None:
    if not callable(f):
        raise TypeError(f"`f` must be callable, got {type(f).__name__}")


def numerical_diff(f: Callable[[Number], Number], x: Number) -> Number:
    r"""The derivative of ``f`` at ``x`` by the central difference with ``h = 1e-4``.

    Parameters
    ----------
    f : callable
        A function of one variable (NumPy broadcasting lets ``x`` be an array).
    x : float or array_like
        Where to differentiate.

    Returns
    -------
    float or ndarray
        The central difference at ``h = 1e-4``, with the shape of ``x``.

    Notes
    -----
    .. math:: f'(x) \approx \frac{f(x + h) - f(x - h)}{2h}, \qquad h = 10^{-4}

    Its error is :math:`O(h^2)` from the Taylor series plus about
    :math:`\epsilon |f| / h` from rounding.

    Examples
    --------
    >>> numerical_diff(function_1, 5)     # exact: 0.2
    0.1999999999990898
    >>> numerical_diff(lambda x0: x0 * x0 + 4.0**2.0, 3.0)   # ∂f/∂x0 of function_2 at (3, 4)
    6.00000000000378
    """
    _check_callable(f)
    h = _H
    return (f(x + h) - f(x - h)) / (2 * h)


def function_1(x: Number) -> Number:
    r"""The chapter's first example, :math:`y = 0.01 x^2 + 0.1 x`.

    Parameters
    ----------
    x : float or numpy.ndarray
        Where to evaluate; arrays are evaluated elementwise.

    Returns
    -------
    float or numpy.ndarray
        :math:`0.01 x^2 + 0.1 x`, with the shape of ``x``.

    Examples
    --------
    >>> function_1(5.0)
    0.75
    """
    return 0.01 * x**2 + 0.1 * x


def function_2(x: ArrayLike) -> np.floating[Any] | NDArray[np.floating[Any]]:
    r"""The chapter's two-variable example, :math:`f(x_0, x_1) = x_0^2 + x_1^2`.

    For a stack ``np.array([X, Y])`` of coordinate grids it returns the grid
    of values, which is what a contour plot needs.

    Parameters
    ----------
    x : array_like
        The point :math:`(x_0, x_1)`, or a stack of two arrays of coordinates
        (the first axis holds the coordinates).

    Returns
    -------
    float or numpy.ndarray
        :math:`x_0^2 + x_1^2`, with the shape of ``x[0]``.

    Examples
    --------
    >>> float(function_2(np.array([3.0, 4.0])))
    25.0
    """
    x = np.asarray(x)
    return x[0] ** 2 + x[1] ** 2


def tangent_line(f: Callable[[Any], Any], x: float) -> Callable[[Any], Any]:
    """The tangent of ``f`` at ``x``, as a function ``t -> d * t + y``.

    ``d`` is ``numerical_diff(f, x)`` and ``y = f(x) - d * x`` the intercept.
    (The chapter's version also printed ``d``; print it yourself if you want
    it: a library function should not write to the screen.)

    Parameters
    ----------
    f : callable
        A function of one variable.
    x : float
        Where the tangent touches ``f``.

    Returns
    -------
    callable
        ``t -> d * t + y``, the tangent line (elementwise on arrays).

    Examples
    --------
    >>> tangent = tangent_line(function_1, 5)
    >>> float(tangent(5)), float(tangent(6))     # touches at 5 with slope ~0.2
    (0.75, 0.9499999999990898)
    """
    d = numerical_diff(f, x)
    y = f(x) - d * x
    return lambda t: d * t + y


def _float_copy(x: Any, name: str) -> np.ndarray:
    array = np.asarray(x)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(f"`{name}` must be numeric, got {array.dtype}")
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"`{name}` must be real, got {array.dtype}")
    dtype = array.dtype if np.issubdtype(array.dtype, np.floating) else np.float64
    return np.array(array, dtype=dtype)  # always a copy


def _gradient_in_place(f: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
    """The chapter's loop: nudge one element of ``x``, evaluate, put it back."""
    h = _H
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp_val = x[idx]
        try:
            x[idx] = float(tmp_val) + h
            fxh1 = f(x)
            x[idx] = tmp_val - h
            fxh2 = f(x)
        finally:
            x[idx] = tmp_val  # restored even when f raises
        difference = fxh1 - fxh2
        if np.ndim(difference) != 0:
            raise ValueError(f"`f` must return a scalar, got an array of shape {np.shape(fxh1)}")
        grad[idx] = difference / (2 * h)
    return grad


def numerical_gradient(f: Callable[[Any], Any], x: ArrayLike) -> np.ndarray:
    r"""The gradient of a scalar function ``f`` at ``x``, one central difference per element.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``.
    x : array_like
        Any shape: a vector, or a weight matrix ``W``. Integers are promoted
        to float.

    Returns
    -------
    ndarray
        Same shape as ``x``.

    Raises
    ------
    TypeError
        If ``f`` is not callable or ``x`` not numeric.
    ValueError
        If ``f`` returns an array instead of a scalar.

    Notes
    -----
    .. math:: \frac{\partial f}{\partial x_i} \approx
              \frac{f(x + h e_i) - f(x - h e_i)}{2h}, \qquad h = 10^{-4}

    As in the chapter, each element of a floating-point ``x`` is nudged in
    place and then restored exactly, so ``f`` may read the parameters from
    somewhere else (the chapter's ``f = lambda w: net.loss(x, t)`` with
    ``numerical_gradient(f, net.W)``); when the call returns, ``x`` holds its
    old values. A non-float ``x`` (integers, a list) is copied to float
    first, and then it is the copy that ``f`` receives.

    Examples
    --------
    >>> numerical_gradient(function_2, np.array([3.0, 4.0]))
    array([6., 8.])
    >>> numerical_gradient(function_2, np.array([3, 4]))    # integers work
    array([6., 8.])
    >>> W = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> numerical_gradient(lambda w: np.sum(w**2), W)      # a matrix works
    array([[2., 4.],
           [6., 8.]])
    """
    _check_callable(f)
    array = np.asarray(x)
    writable_float = (
        isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating) and x.flags.writeable
    )
    work = array if writable_float else _float_copy(array, "x")
    return _gradient_in_place(f, work)


def gradient_descent(
    f: Callable[[Any], Any], init_x: ArrayLike, lr: float = 0.01, step_num: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    r"""The chapter's gradient descent: ``step_num`` steps of ``x -= lr * grad``.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``.
    init_x : array_like
        Starting point, any shape. It is copied, never modified.
    lr : float
        Learning rate :math:`\eta`.
    step_num : int
        Number of steps.

    Returns
    -------
    x : ndarray
        The point after ``step_num`` steps.
    x_history : ndarray, shape (step_num, *x.shape)
        The point *before* each step (so ``x_history[0]`` is ``init_x`` and
        ``x`` itself is not included), as in the chapter's second version.

    Notes
    -----
    .. math:: x_{k+1} = x_k - \eta \nabla f(x_k)

    with :math:`\nabla f` from :func:`numerical_gradient`. For a run that
    stops by itself and explains what happened, use :func:`slopes.minimize`.

    Examples
    --------
    >>> init_x = np.array([-3.0, 4.0])
    >>> x, history = gradient_descent(function_2, init_x, lr=0.1, step_num=100)
    >>> x
    array([-6.11110793e-10,  8.14814391e-10])
    >>> history.shape, init_x           # init_x is untouched
    ((100, 2), array([-3.,  4.]))
    """
    _check_callable(f)
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr):
        raise ValueError(f"`lr` must be a finite number, got {lr!r}")
    if lr <= 0:
        raise ValueError(f"`lr` must be positive, got {lr}")
    if isinstance(step_num, bool) or not isinstance(step_num, numbers.Integral) or step_num < 0:
        raise ValueError(f"`step_num` must be a non-negative integer, got {step_num!r}")
    x = _float_copy(init_x, "init_x")
    if not np.all(np.isfinite(x)):
        raise ValueError("`init_x` must be finite, got NaN or inf")
    x_history = []
    for _ in range(int(step_num)):
        x_history.append(x.copy())
        grad = numerical_gradient(f, x)
        x -= lr * grad  # x is our own copy, so updating it in place is safe
    return x, np.array(x_history).reshape((int(step_num), *x.shape))
