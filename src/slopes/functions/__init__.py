"""Functions to play with: the chapter's examples and standard optimisation test functions.

Each function is a :class:`TestFunction`: call it on a point (coordinates on the
last axis, any leading batch axes), ask for its analytic ``grad``, its known
``minima`` and a ``domain`` that makes a good plotting window. All of them accept
complex input, so the complex-step method works on them too.

===================  ====  ==========================================  ===========
name                 dim   formula                                     minimum
===================  ====  ==========================================  ===========
function_1           1     0.01 x² + 0.1 x (elementwise)               -0.25 at -5
function_2           any   Σ xᵢ² (the chapter's x0² + x1²)              0 at 0
chapter6             2     x0²/20 + x1² (chapter 6's elongated bowl)    0 at 0
sphere               any   Σ xᵢ²                                        0 at 0
rosenbrock           ≥2    Σ 100 (xᵢ₊₁ - xᵢ²)² + (1 - xᵢ)²              0 at (1, ..., 1)
beale                2     see :data:`beale`                            0 at (3, 0.5)
himmelblau           2     (x0² + x1 - 11)² + (x0 + x1² - 7)²           0 at 4 points
booth                2     (x0 + 2 x1 - 7)² + (2 x0 + x1 - 5)²          0 at (1, 3)
rastrigin            any   10 n + Σ (xᵢ² - 10 cos 2π xᵢ)                0 at 0
matyas               2     0.26 (x0² + x1²) - 0.48 x0 x1                0 at 0
three_hump_camel     2     2 x0² - 1.05 x0⁴ + x0⁶/6 + x0 x1 + x1²       0 at 0
goldstein_price      2     see :data:`goldstein_price`                  3 at (0, -1)
===================  ====  ==========================================  ===========

Examples
--------
>>> from slopes import functions
>>> float(functions.rosenbrock([1.0, 1.0])), functions.rosenbrock.grad([0.0, 0.0])
(0.0, array([-2.,  0.]))
>>> functions.himmelblau([[3.0, 2.0], [0.0, 0.0]])          # a stack of points
array([  0., 170.])
>>> functions.get("rosenbrok")
Traceback (most recent call last):
    ...
ValueError: unknown function 'rosenbrok'; did you mean 'rosenbrock'? (see slopes.functions.names())
"""

from ._catalogue import (
    Minimum,
    TestFunction,
    beale,
    booth,
    chapter6,
    function_1,
    function_2,
    get,
    goldstein_price,
    himmelblau,
    matyas,
    names,
    rastrigin,
    rosenbrock,
    sphere,
    three_hump_camel,
)

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
