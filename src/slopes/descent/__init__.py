r"""Gradient descent that explains itself: :func:`minimize`.

The module is called ``descent`` (not ``minimize``) so that the submodule does
not shadow the function ``slopes.minimize`` on the package.

Examples
--------
The chapter's experiment, :math:`f(x) = x_0^2 + x_1^2` from (-3, 4):

>>> import numpy as np
>>> res = minimize(lambda x: x[0]**2 + x[1]**2, np.array([-3.0, 4.0]), lr=0.1, steps=100)
>>> res.status, res.nit            # the gradient fell from 10 to 2e-09
('converged', 100)
>>> res.x                           # about 1e-9 from the minimum
array([-6.11110793e-10,  8.14814391e-10])
>>> res.history.x[:3]               # x0, then 0.8 * x0, 0.64 * x0, ...
array([[-3.  ,  4.  ],
       [-2.4 ,  3.2 ],
       [-1.92,  2.56]])
>>> minimize(lambda x: x[0]**2 + x[1]**2, [-3.0, 4.0], lr=10.0).status
'diverged'
"""

from ._minimize import History, MinimizeResult, StepState, minimize

__all__ = ["History", "MinimizeResult", "StepState", "minimize"]
