"""The finite-difference engine behind every derivative slopes computes.

``stencils`` (offsets and weights for any derivative order) and ``steps``
(step-size rules); ``evaluate`` and ``evaluate_block`` (how ``f`` is called:
point by point, in vectorized chunks, or on workers through
:mod:`slopes.parallel`); ``validate`` (argument checks, one per public
function); ``richardson`` (one stencil, or adaptive steps with an error
estimate), ``table`` (one Richardson table and its error analysis),
``first_trial`` (the first trial at one scalar ``x``, in plain floats) and
``trials`` (checks across an adaptive line's trials); ``quick`` (a four-point
first pass for gradients and Jacobians) and ``core`` (the machinery shared by
derivative, gradient, jacobian and hessian). The engine never imports the
public layer above it (:mod:`slopes.differentiate`).
"""
