"""Complex-valued f: real and imaginary parts differentiated together, error as modulus."""

import numpy as np
import pytest

import slopes

C = 1 + 2j


def _counting(fun):
    calls = [0]

    def f(t):
        calls[0] += 1
        return fun(t)

    return f, calls


@pytest.mark.parametrize("x", [0.0, 0.5, -1.5, 3.0])
@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_derivative_of_exp_ct(x, method):
    f, calls = _counting(lambda t: np.exp(C * t))
    res = slopes.derivative(f, x, method=method, full_output=True)
    truth = C * np.exp(C * x)
    assert np.iscomplexobj(res.value)
    assert res.success
    # the modulus of the error is within the estimate (2: the engine's honesty margin)
    assert abs(res.value - truth) <= 2 * res.error + 1e-15
    assert abs(res.value - truth) <= 1e-7 * abs(truth)
    assert res.nfev == calls[0]  # every evaluation counted, the ones that found complex too


def test_array_vectorized_second_derivative_and_fixed_step():
    x = np.array([0.0, 0.5, 3.0])
    res = slopes.derivative(lambda t: np.exp(C * t), x, n=2, vectorized=True, full_output=True)
    truth = C**2 * np.exp(C * x)
    assert res.value.shape == x.shape and res.success.all()
    assert np.all(np.abs(res.value - truth) <= 2 * res.error + 1e-15)
    fixed = slopes.derivative(lambda t: np.exp(C * t), 0.5, step=1e-4)
    # the central difference's own error: h**2/6 |f'''| at h = 1e-4
    assert abs(fixed - C * np.exp(C * 0.5)) <= 1e-8 / 6 * abs(C**3 * np.exp(C * 0.5)) * 1.1


def test_only_imaginary_part():
    res = slopes.derivative(lambda t: 1j * np.sin(t), 1.0, full_output=True)
    assert abs(res.value - 1j * np.cos(1.0)) <= 2 * res.error + 1e-16 and res.success


def test_gradient_and_jacobian():
    c = np.array([1 + 2j, 0.5 - 1j])
    x = np.array([0.3, -0.7])
    f, calls = _counting(lambda x: np.sum(np.exp(c * x)))
    res = slopes.gradient(f, x, full_output=True)
    truth = c * np.exp(c * x)
    assert res.success.all() and np.all(np.abs(res.value - truth) <= 2 * res.error + 1e-15)
    assert res.nfev == calls[0]

    def vector(x):
        return np.array([np.exp(C * x[0]) * x[1], 1j * x[0]])

    jac = slopes.jacobian(vector, x, full_output=True)
    expected = np.array([[C * np.exp(C * x[0]) * x[1], np.exp(C * x[0])], [1j, 0.0]])
    assert jac.value.shape == (2, 2)
    assert np.all(np.abs(jac.value - expected) <= 2 * jac.error + 1e-15)


def test_method_complex_with_complex_valued_f_is_refused():
    with pytest.raises(ValueError, match="`method`='complex' cannot separate"):
        slopes.derivative(lambda t: np.exp(C * t), 0.5, method="complex")


def test_hessian_of_complex_f_is_refused():
    with pytest.raises(TypeError, match="complex values"):
        slopes.hessian(lambda x: np.sum(np.exp(C * x)), np.array([0.1, 0.2]))


def test_against_numdifftools():
    nd = pytest.importorskip("numdifftools")
    x = np.array([0.5, -1.0, 2.0])
    ours = slopes.derivative(lambda t: np.exp(C * t), x, full_output=True)
    theirs = np.array([nd.Derivative(lambda t: np.exp(C * t))(t) for t in x])
    truth = C * np.exp(C * x)
    # both near the truth: ours within its estimate, theirs within 1e-10 relative
    assert np.all(np.abs(ours.value - truth) <= 2 * ours.error + 1e-15)
    assert np.all(np.abs(theirs - truth) <= 1e-10 * np.abs(truth))
    assert np.all(np.abs(ours.value - theirs) <= 2 * ours.error + 1e-10 * np.abs(truth))
    c = np.array([1 + 2j, 0.5 - 1j])
    grad = slopes.gradient(lambda x: np.sum(np.exp(c * x)), x[:2])
    # two independent finite-difference results, each ~1e-12 off the closed form: 1e-10
    # between them is a 100x margin, on any CPU
    np.testing.assert_allclose(
        grad, nd.Gradient(lambda x: np.sum(np.exp(c * x)))(x[:2]), rtol=1e-10
    )


def test_tolerance_judges_the_modulus():
    # at t = 0 the real part of i e^(i t) is 0: rtol applies to |value| = 1, not to 0
    res = slopes.derivative(
        lambda t: np.exp(1j * t), [0.0, 0.5], tolerances={"rtol": 1e-8}, full_output=True
    )
    assert res.success.all()
    assert np.all(res.error <= 1e-8 * np.abs(res.value))
    assert np.all(np.abs(res.value - 1j * np.exp(1j * np.array([0.0, 0.5]))) <= 2 * res.error)
