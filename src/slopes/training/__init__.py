"""Minibatch training: the chapter's stochastic gradient descent as a reusable loop.

:func:`fit` shuffles the data every epoch, walks through it in minibatches
without replacement, takes one optimiser step per minibatch -- with a
numerical gradient by default (the chapter's point) or an analytic one --
and records the loss of every step and the metrics of every epoch. It can
checkpoint and resume, and stops with a clear status when the loss diverges.

Examples
--------
>>> import slopes
>>> from slopes.models import SoftmaxRegression
>>> (X, y), (X_test, y_test) = slopes.datasets.load_digits(seed=0)
>>> model = SoftmaxRegression(64, 10)
>>> res = fit(model.loss, model.params, X, y, optimizer=slopes.optim.sgd(lr=0.5),
...           grad=model.grad, epochs=5, eval_data=(X_test, y_test), progress=False)
>>> res.status, len(res.history.loss), len(res.history.test_accuracy)
('completed', 75, 5)
>>> bool(res.history.test_accuracy[-1] > 0.9)
True
"""

from ._fit import FitResult, fit

__all__ = ["FitResult", "fit"]
