"""Pictures of derivatives, gradients and descent, drawn with matplotlib.

Learners understand gradients by looking at them. Every function here takes
an optional ``ax`` (draw into your own figure) where that makes sense,
returns the matplotlib Axes or Figure it drew, and never calls
``plt.show()``; it works under any backend, the non-interactive ``Agg``
included. matplotlib is imported only when a picture is drawn.

- :func:`function` -- a curve with its tangent lines (the chapter's 0.01x²+0.1x)
- :func:`gradient_field` -- arrows of -grad f over a grid (the chapter's quiver)
- :func:`trajectory` -- descent paths over filled contours, start and end marked
- :func:`learning_rates` -- the too-small / good / too-large runs side by side
- :func:`training` -- loss per step and accuracy per epoch of a ``fit`` run
- :func:`animate` -- a descent as an animated GIF

Examples
--------
>>> import matplotlib.pyplot as plt
>>> ax = function(lambda x: 0.01 * x**2 + 0.1 * x, xlim=(0, 20), tangent_at=[5, 10])
>>> [line.get_label() for line in ax.lines]
['f(x)', 'tangent at x=5, slope 0.2', 'tangent at x=10, slope 0.3']
>>> plt.close(ax.figure)
"""

from ._figures import animate, function, gradient_field, learning_rates, training, trajectory

__all__ = ["animate", "function", "gradient_field", "learning_rates", "training", "trajectory"]
