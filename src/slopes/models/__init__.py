"""Small classifiers for minibatch training: softmax regression and the chapter's two-layer net.

A model holds no state that training changes: its parameters are a dict of
arrays that goes *in* to every method and comes *out* of :func:`slopes.fit`.
So the same ``loss(params, X, y)`` works with :func:`slopes.gradient`,
:func:`slopes.check_grad`, :func:`slopes.minimize` and :func:`slopes.fit`,
and ``grad(params, X, y)`` is the hand-written backpropagation to compare
against them.

Both models use a softmax output and the mean cross-entropy loss, computed
from the logits in a numerically stable way (see :mod:`slopes.models._nn`).

Stacked parameters
------------------
``loss`` also accepts a *stack* of k parameter sets -- every array with an
extra leading axis of length k -- and then returns k losses, one per set,
from a handful of NumPy calls: the ``vectorized=True`` convention of
:func:`slopes.gradient`. A numerical gradient evaluates thousands of points
that each differ from the centre in one parameter; the stacked loss does the
forward pass once and, for every point, only the part its one change
touches (see :func:`slopes.models._nn.split_stack`), which is what makes
``fit(..., vectorized=True)`` several times faster than the chapter's loop.
The forward pass is paid once per call, so stack many sets per call: ``fit``
does (64); with :func:`slopes.gradient` pass ``vectorized=64``.

Examples
--------
>>> import numpy as np
>>> from slopes.models import TwoLayerNet
>>> net = TwoLayerNet(input_size=4, hidden_size=3, output_size=2, seed=0)
>>> net
TwoLayerNet(input_size=4, hidden_size=3, output_size=2, weight_init_std=0.01, seed=0)
>>> params = net.params
>>> sorted((k, v.shape) for k, v in params.items())
[('W1', (4, 3)), ('W2', (3, 2)), ('b1', (3,)), ('b2', (2,))]
>>> X, y = np.ones((5, 4)), np.array([0, 1, 1, 0, 1])
>>> round(float(net.loss(params, X, y)), 6)     # about log(2) for tiny weights
0.691747
"""

from ._classifiers import SoftmaxRegression, TwoLayerNet

__all__ = ["SoftmaxRegression", "TwoLayerNet"]
