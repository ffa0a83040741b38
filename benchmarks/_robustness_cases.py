"""The robustness corpus: the peers' published test cases and edge sweeps, with truths.

Three corpora, each a tuple of :class:`Case`:

- ``SCIPY_SUITE``: the cases of scipy's ``scipy/differentiate/tests/test_differentiate.py``
  (its points, functions and tolerances; scipy's batch axes become separate points);
- ``NUMDIFFTOOLS_SUITE``: the cases of numdifftools' ``tests/test_numdifftools.py`` and
  ``tests/test_example_functions.py`` (the same 19 functions at 0.5, n = 1..7);
- ``SWEEPS``: domain edges on both sides, one-sided n = 1..6, complex-step edge cases,
  aliasing, oscillations (sin(k t) at 200 seeded random points, k up to 5000), flat
  directions, exact zeros, low-degree polynomials, log at 1e80.

Every truth is a closed form, except the n-th derivatives of the example functions,
which come from Cauchy's integral formula on a circle in the complex plane
(:func:`cauchy_derivative`); ``tests/test_peer_numdifftools.py`` checks that formula
against closed forms first. numpy and the standard library only: the tests that use
this module run without scipy and numdifftools, and ``bench_robustness.py`` runs the
same cases through all three tools.

Every multivariate f indexes its input as ``x[0], x[1], ...`` along the first axis,
so it also accepts scipy's batch convention (trailing axes); every scalar f is a
numpy ufunc expression, elementwise on arrays.

A case's tolerance is the peer's own assertion: ``|value - exact| <= atol + rtol |exact|
+ est_factor * error`` (numpy's ``assert_allclose`` rule, with numdifftools' "atol = 100
times the error estimate" where it used one), or, where ``min_decimal`` is set,
numdifftools' ``assert_array_almost_equal`` with ``decimal = max(int(-log10(error +
1e-16)) - 1, min_decimal)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

KINDS = ("derivative", "gradient", "jacobian", "hessian")


@dataclass(frozen=True)
class Case:
    """One differentiation problem with its truth and the peer's tolerance."""

    corpus: str
    name: str
    kind: str  # one of KINDS
    f: Callable[[Any], Any]
    x: Any
    exact: np.ndarray
    n: int = 1
    method: str = "central"
    order: int = 2
    rtol: float = 1e-7
    atol: float = 0.0
    est_factor: float = 0.0
    min_decimal: int | None = None
    # numdifftools' Hessdiag tests use the largest error estimate of the result, not
    # each element's: ``atol = 100 * max(error)`` and ``atol = min(1e-8, max(error))``
    use_max_error: bool = False
    atol_capped_by_error: bool = False
    # the upper edge of issue 11 item 1 and its mirror: must converge, one-sided
    must_converge: bool = False
    # the size of f's derivatives near x, for the relative guard where the truth
    # itself vanishes (cos'' at pi/2 is 6e-17, but its neighbours are of size 1)
    magnitude: float = 0.0
    tags: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        x = np.asarray(self.x)
        where = f"{float(x):.17g}" if x.ndim == 0 else f"shape {x.shape}"
        return f"{self.name} {self.kind} n={self.n} {self.method} order={self.order} at {where}"

    def tolerance(self, error: Any) -> np.ndarray:
        """The peer's allowed |value - exact| per element, given slopes' error estimate."""
        exact = np.asarray(self.exact, dtype=float)
        error = np.broadcast_to(np.asarray(error, dtype=float), exact.shape)
        if self.min_decimal is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                digits = -np.log10(error + 1e-16)
            digits = np.where(np.isfinite(digits), digits, self.min_decimal)
            decimal = np.maximum(digits.astype(int) - 1, self.min_decimal)
            return 1.5 * 10.0 ** (-decimal)
        if self.use_max_error:
            error = np.broadcast_to(np.max(error), exact.shape)
        atol = self.atol
        if self.atol_capped_by_error:
            atol = np.minimum(atol, np.max(error))
        with np.errstate(invalid="ignore"):
            extra = np.where(np.isfinite(error), self.est_factor * error, 0.0)
        return atol + self.rtol * np.abs(exact) + extra


def cauchy_derivative(f: Callable, x: float, n: int, radius: float, points: int = 1024) -> float:
    """f^(n)(x) = n! / (2 pi i) * contour integral of f(z) / (z - x)^(n+1) dz.

    The trapezoid rule on the circle |z - x| = radius converges geometrically for f
    analytic on a larger disc; rounding contributes about eps * max|f| * n! / radius^n.
    """
    roots = np.exp(2j * np.pi * np.arange(points) / points)
    values = f(x + radius * roots)
    coefficient = np.mean(values * roots ** (-n)) / radius**n
    return float(math.factorial(n) * coefficient.real)


# ------------------------------------------------------------------ shared functions


def _erfc(t):
    return math.erfc(t)


_ERFC = np.vectorize(_erfc, otypes=[float])


def ndtr(x):
    """The standard normal CDF (scipy.special.ndtr), from math.erfc; elementwise."""
    return 0.5 * _ERFC(-np.asarray(x, dtype=float) / math.sqrt(2.0))


def normal_pdf(x):
    return np.exp(-0.5 * np.asarray(x, dtype=float) ** 2) / math.sqrt(2.0 * math.pi)


def rosen(x):
    """scipy.optimize.rosen: sum 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 over axis 0."""
    x = np.asarray(x)
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2, axis=0)


def rosen_der(x):
    x = np.asarray(x)
    x = x.astype(np.result_type(x, float))  # complex input stays complex
    der = np.zeros_like(x)
    xm, xm_m1, xm_p1 = x[1:-1], x[:-2], x[2:]
    der[1:-1] = 200 * (xm - xm_m1**2) - 400 * (xm_p1 - xm**2) * xm - 2 * (1 - xm)
    der[0] = -400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0])
    der[-1] = 200 * (x[-1] - x[-2] ** 2)
    return der


def rosen_hess(x):
    x = np.asarray(x, dtype=float)
    m = x.size
    hess = np.zeros((m, m))
    for i in range(m - 1):
        hess[i, i + 1] = hess[i + 1, i] = -400 * x[i]
    diagonal = np.zeros(m)
    diagonal[0] = 1200 * x[0] ** 2 - 400 * x[1] + 2
    diagonal[-1] = 200
    diagonal[1:-1] = 202 + 1200 * x[1:-1] ** 2 - 400 * x[2:]
    hess[np.diag_indices(m)] = diagonal
    return hess


# ---------------------------------------------------------------------- scipy suite

SCIPY_POINT_SEED = 458912319542  # scipy's TestJacobian/TestHessian seed


def scipy_points(m: int, batch: tuple[int, ...]) -> np.ndarray:
    """scipy's ``rng.random(size=(m,) + size)`` points, as a list of m-vectors."""
    rng = np.random.default_rng(SCIPY_POINT_SEED)
    x = rng.random(size=(m, *batch))
    return x.reshape(m, -1).T.copy()


def _f1(z):
    x, y = z[0], z[1]
    return np.stack([x**2 * y, 5 * x + np.sin(y)])


def _df1(z):
    x, y = z
    return np.array([[2 * x * y, x**2], [5.0, np.cos(y)]])


def _f2(z):
    r, phi = z[0], z[1]
    return np.stack([r * np.cos(phi), r * np.sin(phi)])


def _df2(z):
    r, phi = z
    return np.array([[np.cos(phi), -r * np.sin(phi)], [np.sin(phi), r * np.cos(phi)]])


def _f3(z):
    r, phi, th = z[0], z[1], z[2]
    return np.stack([r * np.sin(phi) * np.cos(th), r * np.sin(phi) * np.sin(th), r * np.cos(phi)])


def _df3(z):
    r, phi, th = z
    return np.array(
        [
            [np.sin(phi) * np.cos(th), r * np.cos(phi) * np.cos(th), -r * np.sin(phi) * np.sin(th)],
            [np.sin(phi) * np.sin(th), r * np.cos(phi) * np.sin(th), r * np.sin(phi) * np.cos(th)],
            [np.cos(phi), -r * np.sin(phi), 0.0],
        ]
    )


def _f4(x):
    x1, x2, x3 = x[0], x[1], x[2]
    return np.stack([x1, 5 * x3, 4 * x2**2 - 2 * x3, x3 * np.sin(x1)])


def _df4(x):
    x1, x2, x3 = x
    return np.array([[1.0, 0, 0], [0, 0, 5.0], [0, 8 * x2, -2.0], [x3 * np.cos(x1), 0, np.sin(x1)]])


def f5(x):
    """scipy's TestJacobian.f5 (also its step-direction test)."""
    x1, x2, x3 = x[0], x[1], x[2]
    return np.stack([5 * x2, 4 * x1**2 - 2 * np.sin(x2 * x3), x2 * x3])


def df5(x):
    x1, x2, x3 = x
    return np.array(
        [
            [0, 5.0, 0],
            [8 * x1, -2 * x3 * np.cos(x2 * x3), -2 * x2 * np.cos(x2 * x3)],
            [0, x3, x2],
        ]
    )


# (name, f, jacobian, number of inputs m)
SCIPY_JACOBIAN_EXAMPLES = (
    ("f1", _f1, _df1, 2),
    ("f2", _f2, _df2, 2),
    ("f3", _f3, _df3, 3),
    ("f4", _f4, _df4, 3),
    ("f5", f5, df5, 3),
    ("rosen", rosen, rosen_der, 5),
)


def _monomial(k: int) -> Callable:
    def f(x):
        return 2 * x**k

    return f


def _scipy_suite() -> tuple[Case, ...]:
    cases = []
    c = "scipy"
    # TestDerivative.test_basic: ndtr at 0.6 and on linspace(-0.05, 1.05, 10); rtol is
    # xp_assert_close's float64 default, 4 sqrt(eps)
    rtol = 4 * np.finfo(float).eps ** 0.5
    for x in [0.6, *np.linspace(-0.05, 1.05, 10)]:
        cases.append(Case(c, "ndtr", "derivative", ndtr, float(x), normal_pdf(x), rtol=rtol))
    # test_vectorization: order 1 and 6 (slopes' central orders are even: 2 and 6)
    for order in (2, 6):
        for x in np.linspace(-0.05, 1.05, 12):
            cases.append(
                Case(c, "ndtr", "derivative", ndtr, float(x), normal_pdf(x), order=order, rtol=rtol)
            )
    # test_step_direction: exp, nan outside [0, 2], on linspace(0, 2, 10)
    for x in np.linspace(0, 2, 10):
        cases.append(
            Case(c, "exp on [0, 2]", "derivative", exp_on_0_2, float(x), np.exp(x), rtol=rtol)
        )
    # test_vectorized_step_direction_args: x**p at 1..4, p = 2, 3, all three directions
    for p in (2, 3):
        for x in (1.0, 2.0, 3.0, 4.0):
            for method in ("backward", "central", "forward"):
                cases.append(
                    Case(
                        c,
                        f"x**{p}",
                        "derivative",
                        _monomial_plain(p),
                        x,
                        p * x ** (p - 1),
                        method=method,
                        rtol=rtol,
                    )
                )
    # test_dtype (float64 part): exp at 0.65 and 0.7, order 4, each direction, rtol sqrt(eps)
    for x in (0.65, 0.7):
        for method in ("backward", "central", "forward"):
            cases.append(
                Case(
                    c,
                    "exp",
                    "derivative",
                    np.exp,
                    x,
                    np.exp(x),
                    method=method,
                    order=4,
                    rtol=np.finfo(float).eps ** 0.5,
                )
            )
    # test_special_cases: x**99 - 1 at 7 (an integer point), rtol as asserted (default)
    cases.append(
        Case(c, "x**99 - 1", "derivative", _x99, 7.0, 99 * 7.0**98, rtol=rtol, tags=("int",))
    )
    # test_special_cases: 2 x**k at 1.5, k = 0..5, order max(1, k): exact to rtol 1e-15
    for k in range(6):
        order = max(2, k + k % 2)  # slopes' central orders are even
        exact = 2 * k * 1.5 ** (k - 1) if k else 0.0
        cases.append(
            Case(
                c,
                f"2x**{k}",
                "derivative",
                _monomial(k),
                1.5,
                exact,
                order=order,
                rtol=1e-15,
                tags=("polynomial",),
            )
        )
    # test_saddle_gh18811 (xfail in scipy): zero derivative at a saddle, atol 1e-16
    for name, f in (("(x-1)**3", _saddle3), ("(x-1)**3 | (x-1)**5", _saddle35)):
        cases.append(Case(c, name, "derivative", f, 1.0, 0.0, rtol=0.0, atol=1e-16))
    # test_preserve_shape: four outputs of one scalar: a Jacobian of a scalar x
    cases.append(
        Case(
            c,
            "preserve_shape",
            "jacobian",
            _preserve_shape,
            0.0,
            np.array([1.0, 3.0, 11.0, 20.0]),
            rtol=rtol,
        )
    )
    # TestJacobian.test_examples: atol 1e-10 (float64), batch () and (6,)
    for name, f, df, m in SCIPY_JACOBIAN_EXAMPLES:
        for batch in ((), (6,)):
            for x in scipy_points(m, batch):
                kind = "gradient" if name == "rosen" else "jacobian"
                cases.append(Case(c, name, kind, f, x, df(x), rtol=rtol, atol=1e-10))
    # TestJacobian.test_attrs (values): some entries harder than others
    z = np.array([0.5, 0.25])
    cases.append(Case(c, "attrs", "jacobian", _attrs, z, _attrs_jac(z), rtol=rtol))
    # TestJacobian.test_step_direction_size: f5 undefined outside a box around b
    cases.append(
        Case(c, "f5 in a box", "jacobian", f5_in_box, BOX_B, df5(BOX_B), rtol=rtol, atol=1e-8)
    )
    # TestHessian.test_example: rosen, m = 3, batch () and (4,), atol 1e-8
    for batch in ((), (4,)):
        for x in scipy_points(3, batch):
            cases.append(Case(c, "rosen", "hessian", rosen, x, rosen_hess(x), rtol=rtol, atol=1e-8))
    return tuple(cases)


def _monomial_plain(p: int) -> Callable:
    def f(x):
        return x**p

    return f


def _x99(x):
    return x**99 - 1


def _saddle3(x):
    return (x - 1) ** 3


def _saddle35(x):
    return np.where(x > 1, (x - 1) ** 5, (x - 1) ** 3)


def exp_on_0_2(x):
    """exp, nan outside [0, 2] (scipy's test_step_direction)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where((x < 0) | (x > 2), np.nan, np.exp(x))


def _preserve_shape(x):
    return np.stack([x, np.sin(3 * x), x + np.sin(10 * x), np.sin(20 * x) * (x - 1) ** 2])


def _attrs(z):
    x, y = z[0], z[1]
    return np.stack([np.cos(0.5 * x) * np.cos(y), np.sin(2 * x) * y**2])


def _attrs_jac(z):
    x, y = z
    return np.array(
        [
            [-0.5 * np.sin(0.5 * x) * np.cos(y), -np.cos(0.5 * x) * np.sin(y)],
            [2 * np.cos(2 * x) * y**2, 2 * np.sin(2 * x) * y],
        ]
    )


BOX_B = np.random.default_rng(23892589425245).random(3)  # scipy's seed for this test
_BOX_EPS = 1e-7


def f5_in_box(x):
    """f5 with x[0] undefined outside [b0, b0 + 0.25], x[1] outside [b1 - 0.1, b1]."""
    x = np.array(x, dtype=float, copy=True)
    b = BOX_B
    x[0] = np.where((x[0] < b[0]) | (x[0] > b[0] + 0.25), np.nan, x[0])
    x[1] = np.where((x[1] > b[1]) | (x[1] < b[1] - 0.1 - _BOX_EPS), np.nan, x[1])
    return f5(x)


SCIPY_SUITE = _scipy_suite()


# ---------------------------------------------------------------- numdifftools suite

# numdifftools' example functions (example_functions.function_names) with a radius of
# a disc around 0.5 on which each is analytic (nearest singularity or branch point:
# 0 for log/sqrt, +-1 for arcsin/arccos, +-i for arctan/arcsinh, pi/2 for tan)
EXAMPLE_FUNCTIONS: tuple[tuple[str, Callable, float], ...] = (
    ("cos", np.cos, 2.0),
    ("sin", np.sin, 2.0),
    ("tan", np.tan, 0.9),
    ("cosh", np.cosh, 2.0),
    ("sinh", np.sinh, 2.0),
    ("tanh", np.tanh, 1.2),
    ("arcsinh", np.arcsinh, 0.9),
    ("exp", np.exp, 2.0),
    ("expm1", np.expm1, 2.0),
    ("exp2", np.exp2, 2.0),
    ("square", np.square, 2.0),
    ("sqrt", np.sqrt, 0.45),
    ("log", np.log, 0.45),
    ("log1p", np.log1p, 1.2),
    ("log10", np.log10, 0.45),
    ("log2", np.log2, 0.45),
    ("arccos", np.arccos, 0.45),
    ("arcsin", np.arcsin, 0.45),
    ("arctan", np.arctan, 0.9),
)

# first derivatives in closed form (numdifftools' test_first_order_derivative)
EXAMPLE_FIRST_DERIVATIVES: dict[str, Callable] = {
    "cos": lambda x: -np.sin(x),
    "sin": np.cos,
    "tan": lambda x: 1 / np.cos(x) ** 2,
    "cosh": np.sinh,
    "sinh": np.cosh,
    "tanh": lambda x: 1 / np.cosh(x) ** 2,
    "arcsinh": lambda x: 1 / np.sqrt(1 + x**2),
    "exp": np.exp,
    "expm1": np.exp,
    "exp2": lambda x: np.log(2) * np.exp2(x),
    "square": lambda x: 2 * x,
    "sqrt": lambda x: 0.5 / np.sqrt(x),
    "log": lambda x: 1 / x,
    "log1p": lambda x: 1 / (1 + x),
    "log10": lambda x: 1 / (x * np.log(10)),
    "log2": lambda x: 1 / (x * np.log(2)),
    "arccos": lambda x: -1 / np.sqrt(1 - x**2),
    "arcsin": lambda x: 1 / np.sqrt(1 - x**2),
    "arctan": lambda x: 1 / (1 + x**2),
}

EXAMPLE_POINT = 0.5
EXAMPLE_MAX_N = 7  # numdifftools skips n > 7 for its finite-difference methods


def example_truth(name: str, n: int) -> float:
    """The n-th derivative at 0.5: a closed form where one is short, else Cauchy's formula."""
    if n == 1:
        return float(EXAMPLE_FIRST_DERIVATIVES[name](EXAMPLE_POINT))
    if name in EXAMPLE_NTH_DERIVATIVES:
        return float(EXAMPLE_NTH_DERIVATIVES[name](EXAMPLE_POINT, n))
    f, radius = next((f, r) for fname, f, r in EXAMPLE_FUNCTIONS if fname == name)
    return cauchy_derivative(f, EXAMPLE_POINT, n, radius)


def sin_cos_derivative(name: str, x: float, n: int) -> float:
    """The n-th derivative of sin or cos at x, cycling through +-sin, +-cos.

    Not ``cos(x + n pi / 2)``: rounding that argument costs 1e-16 absolute, which
    is all of the truth near a zero (cos'' at pi/2 is -6.1e-17).
    """
    cycle = (np.sin, np.cos, lambda t: -np.sin(t), lambda t: -np.cos(t))
    start = 0 if name == "sin" else 1
    return float(cycle[(start + n) % 4](x))


def _cos_derivative(x: float, n: int) -> float:
    return sin_cos_derivative("cos", x, n)


def _log_nth(x: float, n: int) -> float:
    return (-1) ** (n - 1) * math.factorial(n - 1) / x**n


# closed forms of the n-th derivative (n >= 1) of the example functions that have a
# short one; the others (tan, tanh, arcsinh, arcsin, arccos, arctan) use Cauchy's formula
EXAMPLE_NTH_DERIVATIVES: dict[str, Callable[[float, int], float]] = {
    "exp": lambda x, n: math.exp(x),
    "expm1": lambda x, n: math.exp(x),
    "exp2": lambda x, n: math.log(2) ** n * 2**x,
    "sin": lambda x, n: sin_cos_derivative("sin", x, n),
    "cos": lambda x, n: sin_cos_derivative("cos", x, n),
    "sinh": lambda x, n: math.cosh(x) if n % 2 else math.sinh(x),
    "cosh": lambda x, n: math.sinh(x) if n % 2 else math.cosh(x),
    "log": _log_nth,
    "log10": lambda x, n: _log_nth(x, n) / math.log(10),
    "log2": lambda x, n: _log_nth(x, n) / math.log(2),
    "log1p": lambda x, n: _log_nth(1 + x, n),
    "sqrt": lambda x, n: math.prod(0.5 - k for k in range(n)) * x ** (0.5 - n),
    "square": lambda x, n: (2 * x, 2.0)[n - 1] if n <= 2 else 0.0,
}


def ndt_rosen(x):
    """numdifftools.testing.rosen: (1 - x0)^2 + 105 (x1 - x0^2)^2."""
    return (1 - x[0]) ** 2 + 105.0 * (x[1] - x[0] ** 2) ** 2


def ndt_rosen_grad(x):
    x0, x1 = x
    return np.array([-2 * (1 - x0) - 420.0 * x0 * (x1 - x0**2), 210.0 * (x1 - x0**2)])


def _cube_times_two(x):
    return 2.0 * x * x * x  # numdifftools' b * a * x**3 with a = 1, b = 2


def _cube(x):
    return x * x * x


def _to_vector(x):
    return np.stack([x, x**2, x**3])


def _scalar_xyz(x):
    return x[0] * x[1] * x[2] + np.exp(x[0]) * x[1]


def _scalar_xyz_grad(x):
    return np.array([x[1] * x[2] + np.exp(x[0]) * x[1], x[0] * x[2] + np.exp(x[0]), x[0] * x[1]])


def _scalar_xyz_hess(x):
    x0, x1, x2 = x
    e = np.exp(x0)
    return np.array([[e * x1, e + x2, x1], [e + x2, 0.0, x0], [x1, x0, 0.0]])


RESIDUAL_X = np.arange(0, 1, 0.1)
RESIDUAL_Y = 1 + 2 * np.exp(0.75 * RESIDUAL_X)


def residuals_squared(c):
    """numdifftools' test_on_vector_valued_function: zero residuals at [1, 2, 0.75]."""
    c = np.asarray(c)
    shape = (-1,) + (1,) * (c.ndim - 1)  # scipy's batch axes trail
    x, y = RESIDUAL_X.reshape(shape), RESIDUAL_Y.reshape(shape)
    return (c[0] + c[1] * np.exp(c[2] * x) - y) ** 2


def _matrix_fun(x):
    return np.stack([x[0] ** 2 + x[1] ** 2, x[0] ** 3 + x[1] ** 3])


def _matrix_fun_jacobian(x: np.ndarray) -> np.ndarray:
    """Jacobian of _matrix_fun at x of shape (2, *batch): shape (2, *batch, 2, *batch)."""
    x = np.asarray(x, dtype=float)
    batch = x.shape[1:]
    flat = x.reshape(2, -1)
    k = flat.shape[1]
    jac = np.zeros((2, k, 2, k))
    for b in range(k):
        x0, x1 = flat[:, b]
        jac[:, b, :, b] = [[2 * x0, 2 * x1], [3 * x0**2, 3 * x1**2]]
    return jac.reshape((2, *batch, 2, *batch))


def _issue_68(x):
    return np.stack([np.sum(x**2, axis=0) - 1])  # numdifftools: np.array([np.sum(x**2) - 1])


def _issue_25_g(x):
    return np.stack([x, x])  # numdifftools fills a 2 x 2 array with x in each row


def _issue_25_fun3(x):
    return np.vstack((x[0] * x[1] * x[2] ** 2, x[0] * x[1] * x[2]))


def _issue_25_fun3_jacobian(x: np.ndarray) -> np.ndarray:
    """Closed form at x of shape (3, 2): shape (2, 2, 3, 2), zero across batch columns."""
    jac = np.zeros((2, 2, 3, 2))
    for b in range(2):
        x0, x1, x2 = x[:, b]
        jac[0, b, :, b] = [x1 * x2**2, x0 * x2**2, 2 * x0 * x1 * x2]
        jac[1, b, :, b] = [x1 * x2, x0 * x2, x0 * x1]
    return jac


def _issue_39(x):
    return 1.0 / (np.exp(x[0]) + np.cos(x[1]) + 10)


def _sum_squares(x):
    return np.sum(np.asarray(x) ** 2, axis=0)


def hessdiag_fun(x):
    """numdifftools' TestHessdiag._fun: x0 + x1^2 + x2^3."""
    return x[0] + x[1] ** 2 + x[2] ** 3


def hessdiag_hess(x):
    return np.diag([0.0, 2.0, 6.0 * x[2]])


def _cos_x_minus_y(x):
    return np.cos(x[0] - x[1])


def _cos_xy(x):
    return np.cos(x[0] * x[1])


def _sin_xy(x):
    return np.sin(x[0] * x[1])


def _cos_sin_xy_hessians(x):
    x0, x1 = x
    c, s = np.cos(x0 * x1), np.sin(x0 * x1)
    cos_h = np.array([[-x1 * x1 * c, -x0 * x1 * c - s], [-x0 * x1 * c - s, -x0 * x0 * c]])
    sin_h = np.array([[-x1 * x1 * s, c - x0 * x1 * s], [c - x0 * x1 * s, -x0 * x0 * s]])
    return cos_h, sin_h


NDT_COS_X_POINTS = (
    7.6564547238847105,
    8.9428143931508,
    2.2204460492503134e-14,
    0.0,
    1.0,
    2.5,
    5.0,
    10.0,
)
NDT_SCALAR_TO_VECTOR_POINTS = (-1000.0, -3.7, 0.0, 1e-3, 2.5, 1000.0)
NDT_HESSDIAG_POINTS = (
    (0.0, 16.003907623933742, 68.02057249966789),
    (1.0, 2.0, 3.0),
    (1.2009289063e-314, 1.2009289063e-314, 1.2009289063e-314),
    (88.01663712016305, 88.01663712016305, 88.01663712016305),
    (0.0, 19.945812226807096, 54.11322414875562),
)


def _ndt_suite() -> tuple[Case, ...]:
    c = "numdifftools"
    cases: list[Case] = []
    # TestDerivative.test_high_order_derivative_cos: cos at pi/2, atol 1e-4, orders 2..8
    for method, n_max in (("complex", 1), ("central", 6), ("forward", 5), ("backward", 5)):
        for n in range(1, n_max + 1):
            for order in (2, 4, 6, 8) if method != "complex" else (2,):
                cases.append(
                    Case(
                        c,
                        "cos",
                        "derivative",
                        np.cos,
                        np.pi / 2,
                        _cos_derivative(np.pi / 2, n),
                        n=n,
                        method=method,
                        order=order,
                        rtol=0.0,
                        atol=1e-4,
                        magnitude=1.0,
                    )
                )
    # test_derivative_of_cos_x (its @example points and a grid): rtol 1e-6, atol 100 est + 1e-14
    for x in NDT_COS_X_POINTS:
        for method, n_max, orders in (
            ("complex", 1, (2,)),
            ("central", 6, (2, 4, 6)),
            ("forward", 4, (1, 2, 3, 4)),
            ("backward", 4, (1, 2, 3, 4)),
        ):
            for n in range(1, n_max + 1):
                for order in orders:
                    cases.append(
                        Case(
                            c,
                            "cos",
                            "derivative",
                            np.cos,
                            x,
                            _cos_derivative(x, n),
                            n=n,
                            method=method,
                            order=order,
                            rtol=1e-6,
                            atol=1e-14,
                            est_factor=100.0,
                            magnitude=1.0,
                        )
                    )
    methods = ("forward", "backward", "central", "complex")
    # test_fun_with_additional_parameters: 2 x**3 at 0 (atol 1e-13) and 1 (6; Hessian 12)
    for method in methods:
        for x, exact1, exact2 in ((0.0, 0.0, 0.0), (1.0, 6.0, 12.0)):
            atol = 1e-13 if x == 0 else 0.0
            cases.append(
                Case(c, "2x**3", "derivative", _cube_times_two, x, exact1, method=method, atol=atol)
            )
            xv = np.array([x])
            cases.append(
                Case(
                    c,
                    "2x**3",
                    "gradient",
                    _cube_times_two_sum,
                    xv,
                    np.array([exact1]),
                    method=method,
                    atol=atol,
                )
            )
            cases.append(
                Case(
                    c,
                    "2x**3",
                    "jacobian",
                    _cube_times_two,
                    xv,
                    np.array([[exact1]]),
                    method=method,
                    atol=atol,
                )
            )
            if method != "complex":  # slopes' Hessian: real stencils only (see the table)
                cases.append(
                    Case(
                        c,
                        "2x**3",
                        "hessian",
                        _cube_times_two_sum,
                        xv,
                        np.array([[exact2]]),
                        method=method,
                        atol=atol,
                    )
                )
    # test_derivative_cube: x**3 at 2 * ones((3, 2)): 12, rtol 1e-8
    for x in (2.0 * np.ones((3, 2))).ravel():
        cases.append(Case(c, "x**3", "derivative", _cube, float(x), 12.0, rtol=1e-8))
    cases.append(Case(c, "exp", "derivative", np.exp, 0.0, 1.0, rtol=1e-8))
    for x in np.linspace(0, 2.0 * np.pi, 13):
        cases.append(
            Case(
                c,
                "sin",
                "derivative",
                np.sin,
                float(x),
                np.cos(x),
                rtol=0.0,
                atol=1e-8,
                magnitude=1.0,
            )
        )
    cases.append(Case(c, "sinh", "derivative", np.sinh, 0.0, 1.0, method="backward"))
    for method in ("central", "forward"):
        cases.append(Case(c, "log", "derivative", np.log, 0.001, 1000.0, method=method))
    # TestJacobian.test_scalar_to_vector: rtol 1e-3, atol 1e-6
    for v in NDT_SCALAR_TO_VECTOR_POINTS:
        for method in methods:
            cases.append(
                Case(
                    c,
                    "[x, x^2, x^3]",
                    "jacobian",
                    _to_vector,
                    v,
                    np.array([1.0, 2 * v, 3 * v**2]),
                    method=method,
                    rtol=1e-3,
                    atol=1e-6,
                )
            )
    # test_on_scalar_function (Jacobian and Hessian): x0 x1 x2 + exp(x0) x1 at [3, 5, 7]
    xyz = np.array([3.0, 5.0, 7.0])
    for method in methods:
        cases.append(
            Case(
                c,
                "x0x1x2+exp(x0)x1",
                "gradient",
                _scalar_xyz,
                xyz,
                _scalar_xyz_grad(xyz),
                method=method,
            )
        )
        if method != "complex":
            cases.append(
                Case(
                    c,
                    "x0x1x2+exp(x0)x1",
                    "hessian",
                    _scalar_xyz,
                    xyz,
                    _scalar_xyz_hess(xyz),
                    method=method,
                    rtol=0.0,
                    atol=1e-4,
                )
            )
    # test_on_vector_valued_function: squared residuals at their zero, Jacobian 0, atol 1e-12
    for method in methods:
        for order in (2, 4) if method != "complex" else (2,):
            cases.append(
                Case(
                    c,
                    "residuals^2",
                    "jacobian",
                    residuals_squared,
                    np.array([1.0, 2.0, 0.75]),
                    np.zeros((10, 3)),
                    method=method,
                    order=order,
                    rtol=0.0,
                    atol=1e-12,
                )
            )
    # test_on_matrix_valued_function: at [1, 2], [3, 4], [[1, 2], [3, 4]], the 2 x 4 array
    for x in (
        np.array([1.0, 2.0]),
        np.array([3.0, 4.0]),
        np.array([[1.0, 2.0], [3.0, 4.0]]),
        np.array([(1, 2, 3, 4), (5, 6, 7, 8)], dtype=float),
    ):
        cases.append(
            Case(c, "[x0^2+x1^2, x0^3+x1^3]", "jacobian", _matrix_fun, x, _matrix_fun_jacobian(x))
        )
    cases.append(
        Case(c, "issue 68", "jacobian", _issue_68, np.array([1.0, 2.0]), np.array([[2.0, 4.0]]))
    )
    eye = np.eye(2)
    cases.append(
        Case(c, "issue 25 g", "jacobian", _issue_25_g, np.array([1.0, 2.0]), np.stack([eye, eye]))
    )
    x3 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).T
    cases.append(
        Case(c, "issue 25 fun3", "jacobian", _issue_25_fun3, x3, _issue_25_fun3_jacobian(x3))
    )
    # TestGradient: issue 39 (printed values), directional derivative of rosen, sum of squares
    for method in methods:
        cases.append(
            Case(
                c,
                "issue 39",
                "gradient",
                _issue_39,
                np.array([1.0, 2.0]),
                np.array([-0.017961123762187736, 0.0060082083648822]),
                method=method,
            )
        )
        cases.append(
            Case(
                c,
                "rosen (105)",
                "gradient",
                ndt_rosen,
                np.array([2.0, 3.0]),
                ndt_rosen_grad(np.array([2.0, 3.0])),
                method=method,
            )
        )
        for order in (2, 4) if method != "complex" else (2,):
            cases.append(
                Case(
                    c,
                    "sum x^2",
                    "gradient",
                    _sum_squares,
                    np.array([1.0, 2.0, 3.0]),
                    np.array([2.0, 4.0, 6.0]),
                    method=method,
                    order=order,
                )
            )
    # TestHessdiag: x0 + x1^2 + x2^3; default step at [1, 2, 3] (atol min(1e-8, est)), the
    # hypothesis test's @example points (rtol 1e-5, atol 100 max est), orders 2, 4, 6
    for method in ("central", "forward", "backward"):
        for order in (2, 4, 6):
            x = np.array([1.0, 2.0, 3.0])
            cases.append(
                Case(
                    c,
                    "x0+x1^2+x2^3",
                    "hessian",
                    hessdiag_fun,
                    x,
                    hessdiag_hess(x),
                    method=method,
                    order=order,
                    rtol=0.0,
                    atol=1e-8,
                    atol_capped_by_error=True,
                    use_max_error=True,
                )
            )
            for point in NDT_HESSDIAG_POINTS:
                x = np.array(point)
                cases.append(
                    Case(
                        c,
                        "x0+x1^2+x2^3",
                        "hessian",
                        hessdiag_fun,
                        x,
                        hessdiag_hess(x),
                        method=method,
                        order=order,
                        rtol=1e-5,
                        est_factor=100.0,
                        use_max_error=True,
                    )
                )
    # TestHessian: cos(x0 - x1) at [0, 0]; the vector-valued f, one output at a time
    for method in ("central", "forward", "backward"):
        cases.append(
            Case(
                c,
                "cos(x0-x1)",
                "hessian",
                _cos_x_minus_y,
                np.array([0.0, 0.0]),
                np.array([[-1.0, 1.0], [1.0, -1.0]]),
                method=method,
            )
        )
        x = np.array([3.0, 5.0])
        cos_h, sin_h = _cos_sin_xy_hessians(x)
        cases.append(
            Case(c, "cos(x0 x1)", "hessian", _cos_xy, x, cos_h, method=method, rtol=0, atol=1e-4)
        )
        cases.append(
            Case(c, "sin(x0 x1)", "hessian", _sin_xy, x, sin_h, method=method, rtol=0, atol=1e-4)
        )
    # test_example_functions: 19 functions at 0.5; n = 1 to decimal 7, n = 2..7 to numdifftools'
    # decimal rule (min 4 central, 2 one-sided); the complex step gives n = 1 only
    for name, f, _ in EXAMPLE_FUNCTIONS:
        for n in range(1, EXAMPLE_MAX_N + 1):
            exact = example_truth(name, n)
            for method in ("complex", "central", "backward", "forward"):
                if method == "complex" and n > 1:
                    continue
                if n == 1:
                    cases.append(
                        Case(
                            c,
                            name,
                            "derivative",
                            f,
                            EXAMPLE_POINT,
                            exact,
                            method=method,
                            min_decimal=7,
                            tags=("example",),
                        )
                    )
                else:
                    minimum = 4 if method == "central" else 2
                    cases.append(
                        Case(
                            c,
                            name,
                            "derivative",
                            f,
                            EXAMPLE_POINT,
                            exact,
                            n=n,
                            method=method,
                            min_decimal=minimum,
                            tags=("example",),
                        )
                    )
    return tuple(cases)


def _cube_times_two_sum(x):
    return np.sum(2.0 * x * x * x, axis=0)


NUMDIFFTOOLS_SUITE = _ndt_suite()


# --------------------------------------------------------------------------- sweeps


def _sqrt_one_minus(x):
    return np.sqrt(1 - x)


def _log_one_minus(x):
    return np.log(1 - x)


def _pow_three_halves(x):
    return x**1.5


@dataclass(frozen=True)
class EdgeFunction:
    """f with a domain edge: finite between ``center`` and ``edge``, nan beyond it."""

    name: str
    f: Callable
    df: Callable
    center: float
    edge: float

    @property
    def upper(self) -> bool:
        return self.edge > self.center


EDGE_FUNCTIONS = (
    EdgeFunction("sqrt", np.sqrt, lambda x: 0.5 / np.sqrt(x), 1.0, 0.0),
    EdgeFunction("log", np.log, lambda x: 1 / x, 1.0, 0.0),
    EdgeFunction("log1p", np.log1p, lambda x: 1 / (1 + x), 0.0, -1.0),
    EdgeFunction("arcsin", np.arcsin, lambda x: 1 / np.sqrt(1 - x**2), 0.0, 1.0),
    EdgeFunction("arcsin", np.arcsin, lambda x: 1 / np.sqrt(1 - x**2), 0.0, -1.0),
    EdgeFunction("arccos", np.arccos, lambda x: -1 / np.sqrt(1 - x**2), 0.0, 1.0),
    EdgeFunction("arccos", np.arccos, lambda x: -1 / np.sqrt(1 - x**2), 0.0, -1.0),
    EdgeFunction("arctanh", np.arctanh, lambda x: 1 / (1 - x**2), 0.0, 1.0),
    EdgeFunction("arctanh", np.arctanh, lambda x: 1 / (1 - x**2), 0.0, -1.0),
    EdgeFunction("sqrt(1-x)", _sqrt_one_minus, lambda x: -0.5 / np.sqrt(1 - x), 0.0, 1.0),
    EdgeFunction("log(1-x)", _log_one_minus, lambda x: -1 / (1 - x), 0.0, 1.0),
    EdgeFunction("x**1.5", _pow_three_halves, lambda x: 1.5 * np.sqrt(x), 1.0, 0.0),
)
EDGE_FRACTIONS = (0.9, 0.99, 0.999)


def edge_points(edge: EdgeFunction) -> list[float]:
    """Points 0.9, 0.99 and 0.999 of the way from the centre to the edge."""
    return [edge.center + frac * (edge.edge - edge.center) for frac in EDGE_FRACTIONS]


def _mirrored(f: Callable) -> Callable:
    def g(t):
        return f(-t)

    return g


# one-sided n = 1..6: (name, f, n-th derivative)
ONE_SIDED_FUNCTIONS = (
    ("exp", np.exp, lambda x, n: np.exp(x)),
    ("sin", np.sin, lambda x, n: sin_cos_derivative("sin", x, n)),
    ("cos", np.cos, lambda x, n: sin_cos_derivative("cos", x, n)),
    ("log", np.log, lambda x, n: (-1) ** (n - 1) * math.factorial(n - 1) / x**n),
)
ONE_SIDED_POINTS = (0.5, 1.7, 3.0319)


def _square(x):
    return x * x


def _sin_1000(x):
    return np.sin(1000 * x)


def _sin_413(x):
    return np.sin(413.0 * x)


def constant(x):
    return 3.0 + 0.0 * x


def x0_squared(x):
    return x[0] ** 2


def _independent_outputs(x):
    return np.stack([x[0] ** 2, np.sin(x[1])])


def _sweeps() -> tuple[Case, ...]:
    c = "sweeps"
    cases: list[Case] = []
    # domain edges on both sides, and the mirror of every one (g(t) = f(-t) at -x)
    for edge in EDGE_FUNCTIONS:
        for x in edge_points(edge):
            exact = float(edge.df(x))
            cases.append(
                Case(
                    c,
                    f"{edge.name} edge {edge.edge:g}",
                    "derivative",
                    edge.f,
                    x,
                    exact,
                    must_converge=True,
                    tags=("edge",),
                )
            )
            cases.append(
                Case(
                    c,
                    f"{edge.name}(-t) edge {-edge.edge:g}",
                    "derivative",
                    _mirrored(edge.f),
                    -x,
                    -exact,
                    must_converge=True,
                    tags=("edge", "mirror"),
                )
            )
    # one-sided n = 1..6, orders 2 and 4
    for name, f, dn in ONE_SIDED_FUNCTIONS:
        for x in ONE_SIDED_POINTS:
            for n in range(1, 7):
                for method in ("forward", "backward"):
                    for order in (2, 4):
                        cases.append(
                            Case(
                                c,
                                name,
                                "derivative",
                                f,
                                x,
                                float(dn(x, n)),
                                n=n,
                                method=method,
                                order=order,
                                magnitude=1.0 if name in ("sin", "cos") else 0.0,
                                tags=("one-sided",),
                            )
                        )
    # complex step at tiny and huge |x|
    for name, f, df, points in (
        ("sin", np.sin, np.cos, (0.0, 1e-300, -1e-300, 1e-310, 5e-324)),
        ("x^2", _square, lambda x: 2 * x, (1e-300, 1e-150, 1e150)),
        ("exp", np.exp, np.exp, (-1e-300, 0.0)),
        ("log", np.log, lambda x: 1 / x, (1e-300, 1e300)),
    ):
        for x in points:
            cases.append(
                Case(
                    c,
                    name,
                    "derivative",
                    f,
                    x,
                    float(df(x)),
                    method="complex",
                    tags=("complex-step",),
                )
            )
    # aliasing (issue 11 item 9): f oscillates below the automatic step
    for x in (1.66804436169049, -2.9348694766740593):
        cases.append(
            Case(
                c,
                "sin(1000x)",
                "derivative",
                _sin_1000,
                x,
                1000 * np.cos(1000 * x),
                tags=("aliasing",),
            )
        )
    cases.append(
        Case(
            c,
            "cos",
            "derivative",
            np.cos,
            64115.15,
            -np.cos(64115.15),
            n=2,
            magnitude=1.0,
            tags=("aliasing",),
        )
    )
    # found by the hypothesis properties of tests/test_edge_sweeps.py: sin(413 x), n = 3, at 0
    # (aliasing at x = 0, where the step is absolute) and sin'' at a tiny x
    cases.append(
        Case(
            c,
            "sin(413x)",
            "derivative",
            _sin_413,
            0.0,
            -(413.0**3),
            n=3,
            magnitude=413.0**3,
            tags=("aliasing",),
        )
    )
    cases.append(
        Case(
            c,
            "sin",
            "derivative",
            np.sin,
            1.702664920459692e-188,
            -np.sin(1.702664920459692e-188),
            n=2,
            magnitude=1.0,
            tags=("tiny x",),
        )
    )
    cases.extend(_oscillations())
    # flat directions and constants (item 6), exact zeros (item 7)
    cases.append(Case(c, "constant", "derivative", constant, 1.0, 0.0, rtol=0.0, tags=("flat",)))
    for method in ("central", "forward", "backward", "complex"):
        cases.append(
            Case(
                c,
                "x0^2",
                "gradient",
                x0_squared,
                np.array([1.0, 1.0]),
                np.array([2.0, 0.0]),
                method=method,
                tags=("flat",),
            )
        )
        cases.append(
            Case(
                c,
                "[x0^2, sin x1]",
                "jacobian",
                _independent_outputs,
                np.array([1.0, 2.0]),
                np.array([[2.0, 0.0], [0.0, np.cos(2.0)]]),
                method=method,
                tags=("zeros",),
            )
        )
    # low-degree polynomials (item 8) are in the scipy suite; log at 1e80, n = 4 (item 11)
    cases.append(
        Case(c, "log", "derivative", np.log, 1e80, -6.0 / 1e160 / 1e160, n=4, tags=("log 1e80",))
    )
    return tuple(cases)


class _SinK:
    """sin(k t), elementwise; its n-th derivative is k**n sin(k t + n pi / 2)."""

    def __init__(self, k: float) -> None:
        self.k = k

    def __call__(self, t: Any) -> Any:
        return np.sin(self.k * t)


class _SumSinK(_SinK):
    """sum(sin(k x_i)) over the first axis: a gradient of cos's."""

    def __call__(self, x: Any) -> Any:
        return np.sum(np.sin(self.k * np.asarray(x)), axis=0)


OSCILLATION_SEED = 20261203
OSCILLATION_CASES = 200
OSCILLATION_K_MAX = 5000.0


def _oscillations() -> list[Case]:
    """sin(k t) at random (k, x, n), and the cases sweeps of them found (issue 11).

    f's own rounding of ``k t`` (eps |k t| in its argument) is beyond a noise model of
    2 eps |f|, and a step of a whole number of periods aliases; both gave successes
    with estimates 50x to 1e15x too small before the engine's noise model took the
    argument's rounding into account and its stencils stopped aliasing at ten periods.
    """
    rng = np.random.default_rng(OSCILLATION_SEED)
    found = [  # (k, x, n): the first four found by sweeps, sin(1573 t) by hypothesis
        (80.0, 2.0, 1),
        (861.371815756976, -4.878557142795738, 1),
        (904.5160726150708, -4.631269332166403, 2),
        (1010.2742379526004, -4.146610492306733, 1),
        (1573.0, 2.65625, 2),
    ]
    drawn = [
        (
            float(rng.uniform(1, OSCILLATION_K_MAX)),
            float(rng.uniform(-5, 5)),
            int(rng.integers(1, 4)),
        )
        for _ in range(OSCILLATION_CASES)
    ]
    cases = []
    for k, x, n in found + drawn:
        exact = k**n * sin_cos_derivative("sin", k * x, n)
        cases.append(
            Case(
                "sweeps",
                f"sin({k:.6g}t)",
                "derivative",
                _SinK(k),
                x,
                exact,
                n=n,
                magnitude=k**n,
                tags=("oscillation",),
            )
        )
    # the four-point first pass of large gradients (256 coordinates or more): its
    # steps of 2.0002 and 3.0004 periods aliased at these two coordinates
    for k, bad in (
        (776.2395127181272, -3.2380149607283615),
        (913.5178015909818, 4.127357590703625),
    ):
        x = np.random.default_rng(OSCILLATION_SEED).uniform(-5, 5, 300)
        x[0] = bad
        cases.append(
            Case(
                "sweeps",
                f"sum(sin({k:.6g}x))",
                "gradient",
                _SumSinK(k),
                x,
                k * np.cos(k * x),
                magnitude=k,
                tags=("oscillation",),
            )
        )
    return cases


SWEEPS = _sweeps()
CORPORA: dict[str, tuple[Case, ...]] = {
    "scipy suite": SCIPY_SUITE,
    "numdifftools suite": NUMDIFFTOOLS_SUITE,
    "sweeps": SWEEPS,
}
