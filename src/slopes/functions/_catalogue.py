"""The code of :mod:`slopes.functions`, which re-exports its public names. Functions to play with:
the chapter's examples and standard optimisation test functions.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from . import _formulas as _formulas

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Minimum",
    "TestFunction",
    "beale",
    "booth",
    "chapter6",
    "function_1",
    "function_2",
    "get",
    "goldstein_price",
    "himmelblau",
    "matyas",
    "names",
    "rastrigin",
    "rosenbrock",
    "sphere",
    "three_hump_camel",
]


class Minimum(NamedTuple):
    """A known minimiser ``x`` and the minimum value ``f``.

    Parameters
    ----------
    x : numpy.ndarray
        The minimiser: one coordinate per dimension (a 0-d array for the
        elementwise ``dim == 1`` functions).
    f : float
        The function's value there.

    Examples
    --------
    >>> booth.minima
    (Minimum(x=array([1., 3.]), f=0.0),)
    >>> x, value = booth.minima[0]
    >>> float(booth(x)) == value
    True
    """

    x: np.ndarray
    f: float


@dataclass(frozen=True, repr=False, eq=False)
class TestFunction:
    """A test function with its gradient, known minima and a plotting window.

    Get one by name with :func:`get` or as a module attribute
    (``slopes.functions.rosenbrock``); the constructor is for the registry.

    Parameters
    ----------
    name : str
        Registry name (``slopes.functions.get(name)``).
    expression : str
        The formula in the expression language of :mod:`slopes.expr` (for the
        two-dimensional case when ``dim`` is None).
    dim : int or None
        Number of coordinates; None when any number ``>= min_dim`` works.
        ``dim == 1`` functions act elementwise (no coordinate axis), like the
        chapter's ``function_1``.
    domain : tuple of (float, float)
        A good plotting window, one ``(low, high)`` per axis (two axes when
        ``dim`` is None).
    _f : callable
        The formula in NumPy, coordinates on the last axis; call the instance
        instead, which checks ``x``.
    _grad : callable
        The analytic gradient in NumPy; use :meth:`grad`.
    _minima : callable
        ``n -> tuple of Minimum``: the known global minima in ``n``
        dimensions; use :attr:`minima` or :meth:`minima_at`.
    min_dim : int
        Fewest coordinates accepted when ``dim`` is None.

    Examples
    --------
    >>> rosenbrock
    TestFunction('rosenbrock', dim=any>=2, f='100*(x1 - x0**2)**2 + (1 - x0)**2')
    >>> float(rosenbrock([0.0, 0.0])), rosenbrock.grad([0.0, 0.0])
    (1.0, array([-2.,  0.]))
    >>> rosenbrock.minima_at(3)
    (Minimum(x=array([1., 1., 1.]), f=0.0),)
    >>> rosenbrock.domain
    ((-2.0, 2.0), (-1.0, 3.0))
    """

    __test__ = False  # not a pytest test class, despite the name

    name: str
    expression: str
    dim: int | None
    domain: tuple[tuple[float, float], ...]
    _f: Callable[[Any], Any] = field(repr=False)
    _grad: Callable[[Any], Any] = field(repr=False)
    _minima: Callable[[int], tuple[Minimum, ...]] = field(repr=False)
    min_dim: int = 1

    def _point(self, x: Any) -> np.ndarray:
        point = np.asarray(x)
        if point.dtype.kind not in "biufc":
            raise TypeError(f"`x` must be numeric, got dtype {point.dtype}")
        if point.dtype.kind != "c":
            point = point.astype(float)  # a copy: callers' arrays are never touched
        if self.dim == 1:
            return point
        if point.ndim == 0:
            raise ValueError(f"`x` must have coordinates on its last axis for {self.name}")
        n = point.shape[-1]
        if (self.dim is not None and n != self.dim) or n < self.min_dim:
            wanted = self.dim if self.dim is not None else f"at least {self.min_dim}"
            raise ValueError(
                f"`x` must have {wanted} coordinates on its last axis for {self.name}, "
                f"got shape {point.shape}"
            )
        return point

    def __call__(self, x: ArrayLike) -> np.inexact[Any] | NDArray[np.inexact[Any]]:
        """Value at ``x``: shape ``x.shape[:-1]`` (``x.shape`` when ``dim == 1``)."""
        return np.asarray(self._f(self._point(x)))[()]

    def grad(self, x: Any) -> np.ndarray:
        """Analytic gradient at ``x``, with ``x``'s shape."""
        point = self._point(x)
        return np.asarray(self._grad(point))[()]

    @property
    def minima(self) -> tuple[Minimum, ...]:
        """Known global minimisers (in ``dim``, or in 2 dimensions when ``dim`` is None)."""
        return self._minima(self.dim or 2)

    def minima_at(self, n: int) -> tuple[Minimum, ...]:
        """Known global minimisers in ``n`` dimensions."""
        if self.dim is not None and n != self.dim:
            raise ValueError(f"`n` must be {self.dim} for {self.name}, got {n}")
        if n < self.min_dim:
            raise ValueError(f"`n` must be at least {self.min_dim} for {self.name}, got {n}")
        return self._minima(n)

    @property
    def minimum(self) -> float:
        """The global minimum value."""
        return self.minima[0].f

    def __reduce__(self) -> tuple[Any, ...]:
        # by name: the formulas are lambdas, and the registry holds one object per name
        return (get, (self.name,))

    def __repr__(self) -> str:
        dim = self.dim if self.dim is not None else f"any>={self.min_dim}"
        return f"TestFunction({self.name!r}, dim={dim}, f={self.expression!r})"


def _at(*points: tuple[float, ...], f: float = 0.0) -> Callable[[int], tuple[Minimum, ...]]:
    return lambda n: tuple(Minimum(np.array(p, dtype=float), f) for p in points)


def _filled(value: float, f: float = 0.0) -> Callable[[int], tuple[Minimum, ...]]:
    return lambda n: (Minimum(np.full(n, value), f),)


# --- the chapter --------------------------------------------------------------------

function_1 = TestFunction(
    "function_1",
    "0.01*x**2 + 0.1*x",
    1,
    ((0.0, 20.0),),  # the chapter's figure
    lambda x: 0.01 * x**2 + 0.1 * x,
    lambda x: 0.02 * x + 0.1,
    lambda n: (Minimum(np.array(-5.0), -0.25),),
)

function_2 = TestFunction(
    "function_2",
    "x0**2 + x1**2",
    None,
    ((-3.5, 3.5), (-4.5, 4.5)),  # the chapter's descent from (-3, 4)
    lambda x: np.sum(x**2, axis=-1),
    lambda x: 2 * x,
    _filled(0.0),
)

chapter6 = TestFunction(
    "chapter6",
    "x0**2/20 + x1**2",
    2,
    ((-10.0, 10.0), (-5.0, 5.0)),  # chapter 6's optimiser comparison
    lambda x: x[..., 0] ** 2 / 20 + x[..., 1] ** 2,
    lambda x: np.stack([x[..., 0] / 10, 2 * x[..., 1]], axis=-1),
    _at((0.0, 0.0)),
)

# --- standard test functions --------------------------------------------------------

sphere = TestFunction(
    "sphere",
    "x0**2 + x1**2",
    None,
    ((-5.12, 5.12), (-5.12, 5.12)),
    lambda x: np.sum(x**2, axis=-1),
    lambda x: 2 * x,
    _filled(0.0),
)


rosenbrock = TestFunction(
    "rosenbrock",
    "100*(x1 - x0**2)**2 + (1 - x0)**2",
    None,
    ((-2.0, 2.0), (-1.0, 3.0)),
    _formulas.rosenbrock,
    _formulas.rosenbrock_grad,
    _filled(1.0),
    min_dim=2,
)


beale = TestFunction(
    "beale",
    "(1.5 - x0 + x0*x1)**2 + (2.25 - x0 + x0*x1**2)**2 + (2.625 - x0 + x0*x1**3)**2",
    2,
    ((-4.5, 4.5), (-4.5, 4.5)),
    _formulas.beale,
    _formulas.beale_grad,
    _at((3.0, 0.5)),
)


himmelblau = TestFunction(
    "himmelblau",
    "(x0**2 + x1 - 11)**2 + (x0 + x1**2 - 7)**2",
    2,
    ((-5.0, 5.0), (-5.0, 5.0)),
    lambda x: (x[..., 0] ** 2 + x[..., 1] - 11) ** 2 + (x[..., 0] + x[..., 1] ** 2 - 7) ** 2,
    _formulas.himmelblau_grad,
    # the three irrational minimisers, refined by Newton's method to full double precision
    _at(
        (3.0, 2.0),
        (-2.805118086952745, 3.131312518250573),
        (-3.779310253377747, -3.283185991286170),
        (3.584428340330492, -1.848126526964404),
    ),
)


booth = TestFunction(
    "booth",
    "(x0 + 2*x1 - 7)**2 + (2*x0 + x1 - 5)**2",
    2,
    ((-10.0, 10.0), (-10.0, 10.0)),
    lambda x: (x[..., 0] + 2 * x[..., 1] - 7) ** 2 + (2 * x[..., 0] + x[..., 1] - 5) ** 2,
    _formulas.booth_grad,
    _at((1.0, 3.0)),
)

rastrigin = TestFunction(
    "rastrigin",
    "20 + x0**2 - 10*cos(2*pi*x0) + x1**2 - 10*cos(2*pi*x1)",
    None,
    ((-5.12, 5.12), (-5.12, 5.12)),
    lambda x: 10.0 * x.shape[-1] + np.sum(x**2 - 10.0 * np.cos(2 * np.pi * x), axis=-1),
    lambda x: 2 * x + 20 * np.pi * np.sin(2 * np.pi * x),
    _filled(0.0),
)

matyas = TestFunction(
    "matyas",
    "0.26*(x0**2 + x1**2) - 0.48*x0*x1",
    2,
    ((-10.0, 10.0), (-10.0, 10.0)),
    lambda x: 0.26 * (x[..., 0] ** 2 + x[..., 1] ** 2) - 0.48 * x[..., 0] * x[..., 1],
    lambda x: np.stack(
        [0.52 * x[..., 0] - 0.48 * x[..., 1], 0.52 * x[..., 1] - 0.48 * x[..., 0]], axis=-1
    ),
    _at((0.0, 0.0)),
)


three_hump_camel = TestFunction(
    "three_hump_camel",
    "2*x0**2 - 1.05*x0**4 + x0**6/6 + x0*x1 + x1**2",
    2,
    ((-2.0, 2.0), (-2.0, 2.0)),
    _formulas.camel,
    _formulas.camel_grad,
    _at((0.0, 0.0)),
)


goldstein_price = TestFunction(
    "goldstein_price",
    "(1 + (x0 + x1 + 1)**2*(19 - 14*x0 + 3*x0**2 - 14*x1 + 6*x0*x1 + 3*x1**2))"
    "*(30 + (2*x0 - 3*x1)**2*(18 - 32*x0 + 12*x0**2 + 48*x1 - 36*x0*x1 + 27*x1**2))",
    2,
    ((-2.0, 2.0), (-2.0, 2.0)),
    _formulas.goldstein,
    _formulas.goldstein_grad,
    _at((0.0, -1.0), f=3.0),
)

# --- the registry -------------------------------------------------------------------

_REGISTRY: dict[str, TestFunction] = {
    function.name: function
    for function in (
        function_1,
        function_2,
        chapter6,
        sphere,
        rosenbrock,
        beale,
        himmelblau,
        booth,
        rastrigin,
        matyas,
        three_hump_camel,
        goldstein_price,
    )
}


def names() -> list[str]:
    """Return the names of all test functions, in registry order.

    Returns
    -------
    list of str
        Every name :func:`get` accepts, the chapter's functions first.

    Examples
    --------
    >>> names()[:3]
    ['function_1', 'function_2', 'chapter6']
    """
    return list(_REGISTRY)


def _normalize(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def get(name: str) -> TestFunction:
    """The test function called ``name`` (case, ``-`` and ``_`` do not matter).

    Parameters
    ----------
    name : str
        A name from :func:`names`, e.g. ``"rosenbrock"`` or ``"three-hump-camel"``.

    Returns
    -------
    TestFunction
        The registry's one object for that name (pickled by name).

    Raises
    ------
    ValueError
        For an unknown name; the message suggests the closest known one.

    Examples
    --------
    >>> get("Three-Hump-Camel").name
    'three_hump_camel'
    """
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a str, got {type(name).__name__}")
    key = _normalize(name)
    if key in _REGISTRY:
        return _REGISTRY[key]
    close = difflib.get_close_matches(key, list(_REGISTRY), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"unknown function {name!r}{hint} (see slopes.functions.names())")
