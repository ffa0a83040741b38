"""The chapter tour: numerical differentiation and gradient descent, computed and drawn.

:func:`run` walks through the textbook chapter in order -- forward versus
central differences and the choice of h, the derivatives of 0.01x² + 0.1x,
partial derivatives and the gradient of x0² + x1², gradient descent and the
learning-rate experiments, the chapter 6 optimiser comparison, minibatch SGD
on handwritten digits, and a gradient check of backpropagation -- printing
every result and writing every figure as a PNG. ``slopes tour`` on the
command line calls it.

Everything is computed on the spot with the library's public functions; the
explanations come in English or Korean (:mod:`slopes.tour._text`), the
numbers and figures are the same in both.

Examples
--------
From Python (``slopes tour --out DIR --lang ko`` does the same)::

    res = slopes.tour.run("slopes-tour", lang="en")
    res.figures                      # [PosixPath('/home/me/slopes-tour/01_step_size.png'), ...]
    res.numbers["derivative_at_5"]   # 0.1999999999990898

Only the two languages are spoken:

>>> run("slopes-tour", lang="fr")
Traceback (most recent call last):
    ...
ValueError: `lang` must be one of 'en', 'ko', got 'fr'
"""

from ._run import TourResult, run

__all__ = ["TourResult", "run"]
