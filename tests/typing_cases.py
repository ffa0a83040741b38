"""Cases for the type checker, never run: mypy checks them (``tests/test_typing.py``).

Each ``assert_type`` fails type checking when an overload of a public function
promises another type than the one written here: a plain call gives an array (a
NumPy scalar for a scalar ``x``, the caller's structure for a pytree), and
``full_output=True`` the function's result type. The file is not named
``test_*.py``, so pytest does not collect it as tests; importing it (as pytest's
doctest collection does) only defines :func:`cases`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import slopes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from numpy.typing import NDArray
    from typing_extensions import assert_type

    from slopes.descent import MinimizeResult
    from slopes.differentiate import DiffResult
    from slopes.differentiate._check import GradCheck
    from slopes.differentiate._directional import DirectionalResult
    from slopes.differentiate._propagate import PropagateResult
    from slopes.differentiate._taylor import TaylorResult
    from slopes.parallel import WorkerError, Workers
    from slopes.training import FitResult


def cases(flag: bool) -> None:
    """The checks; calling this would run the functions, so nothing calls it."""
    x = np.array([1.0, 2.0])
    params: dict[str, NDArray[np.float64]] = {"w": np.ones(2), "b": np.zeros(1)}

    def f(t: Any) -> Any:
        return np.sum(np.asarray(t) ** 2)

    # derivative: a scalar x gives a NumPy scalar, an array x an array
    assert_type(slopes.derivative(np.sin, 1.0), np.inexact[Any])
    assert_type(slopes.derivative(np.sin, x), NDArray[np.inexact[Any]])
    assert_type(slopes.derivative(np.sin, [0.5, 1.0]), NDArray[np.inexact[Any]])
    assert_type(slopes.derivative(np.sin, 1.0, full_output=True), DiffResult)
    assert_type(slopes.derivative(np.sin, x, full_output=False), NDArray[np.inexact[Any]])
    assert_type(
        slopes.derivative(np.sin, x, full_output=flag),
        NDArray[np.inexact[Any]] | np.inexact[Any] | DiffResult,
    )
    # extra arguments reach f through args=: f may take more than x
    slopes.derivative(lambda t, a: a * t, 1.0, args=(2.0,))

    # gradient and jacobian: an array in, an array out; a pytree in, the same kind out
    assert_type(slopes.gradient(f, x), NDArray[np.inexact[Any]])
    assert_type(slopes.gradient(f, [1.0, 2.0]), NDArray[np.inexact[Any]])
    assert_type(slopes.gradient(f, params), dict[str, NDArray[np.float64]])
    assert_type(slopes.gradient(f, x, full_output=True), DiffResult)
    assert_type(slopes.gradient(f, params, full_output=True), DiffResult)
    assert_type(slopes.jacobian(np.sin, x), NDArray[np.inexact[Any]])
    assert_type(slopes.jacobian(np.sin, x, full_output=True), DiffResult)
    assert_type(slopes.jacobian(f, params), dict[str, NDArray[np.float64]])

    # hessian: always one array (over the flattened x for a pytree)
    assert_type(slopes.hessian(f, x), NDArray[np.inexact[Any]])
    assert_type(slopes.hessian(f, params), NDArray[np.inexact[Any]])
    assert_type(slopes.hessian(f, x, full_output=True), DiffResult)

    # jvp has f's shape (a NumPy scalar for a scalar f); hvp and hessdiag x's structure
    assert_type(slopes.jvp(f, x, x), NDArray[np.inexact[Any]] | np.inexact[Any])
    assert_type(slopes.jvp(f, x, x, full_output=True), DirectionalResult)
    assert_type(slopes.hvp(f, x, x), NDArray[np.inexact[Any]])
    assert_type(slopes.hvp(f, params, params), dict[str, NDArray[np.float64]])
    assert_type(slopes.hvp(f, x, x, full_output=True), DirectionalResult)
    assert_type(slopes.hessdiag(f, x), NDArray[np.inexact[Any]])
    assert_type(slopes.hessdiag(f, params), dict[str, NDArray[np.float64]])
    assert_type(slopes.hessdiag(f, x, full_output=True), DirectionalResult)

    # taylor: the coefficients along a new first axis; propagate and check_grad: results
    assert_type(slopes.taylor(np.exp, 0.0, 4), NDArray[np.inexact[Any]])
    assert_type(slopes.taylor(np.exp, 0.0, 4, full_output=True), TaylorResult)
    assert_type(slopes.propagate(np.sin, x, np.eye(2)), PropagateResult)
    assert_type(slopes.check_grad(f, lambda t: 2 * t, x), GradCheck)

    # the chapter's functions give back what they are given: a number or an array
    assert_type(slopes.book.numerical_diff(slopes.book.function_1, 5), float)
    assert_type(slopes.book.numerical_diff(lambda x0: x0 * x0 + 16.0, 3.0), float)
    assert_type(slopes.book.function_1(np.linspace(0.0, 1.0, 3)), NDArray[np.floating[Any]])

    # optimisers keep the parameters' structure; MNIST comes as one part or two
    assert_type(slopes.optim.apply_updates(x, x), NDArray[np.floating[Any]])
    assert_type(slopes.optim.apply_updates(params, params), dict[str, NDArray[np.float64]])
    Part = tuple[np.ndarray, np.ndarray]
    assert_type(slopes.datasets.load_mnist("mnist"), tuple[Part, Part])
    X, y = slopes.datasets.load_mnist("mnist", kind="t10k")
    assert_type(X, np.ndarray)

    # results and pictures are typed objects, not Any
    assert_type(slopes.minimize(f, x, lr=0.1), MinimizeResult)
    assert_type(slopes.plot.function(np.sin), Axes)
    model = slopes.models.TwoLayerNet(4, 3, 2)
    fit_result = slopes.fit(model.loss, model.params, X, y, optimizer=slopes.optim.sgd(lr=0.1))
    assert_type(fit_result, FitResult)
    assert_type(slopes.plot.training(fit_result), Figure)

    # every public name of the package is typed where it is imported from (no Any)
    assert_type(slopes.Workers, type[Workers])
    assert_type(slopes.WorkerError, type[WorkerError])
