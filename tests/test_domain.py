"""domain=(lo, hi): f is never evaluated outside, one-sided stencils near the bounds."""

import numpy as np
import pytest

import slopes


def _guarded(fun, lo, hi, seen=None):
    """fun, raising outside [lo, hi] (a simulator that crashes out of range)."""

    def f(t):
        t = np.asarray(t, dtype=float)
        if seen is not None:
            seen.extend(np.ravel(t).tolist())
        if np.any(t < lo) or np.any(t > hi):
            raise ValueError(f"outside the domain: {t}")
        return fun(t)

    return f


CASES = [
    ("exp", np.exp, np.exp),
    ("sin3", lambda t: np.sin(3 * t), lambda t: 3 * np.cos(3 * t)),
    ("log1p", np.log1p, lambda t: 1 / (1 + t)),
]
POINTS = [0.0, 1e-9, 1e-6, 1e-3, 0.01, 0.5, 0.99, 0.999, 1 - 1e-6, 1.0]


@pytest.mark.parametrize("name, fun, slope", CASES, ids=[c[0] for c in CASES])
def test_never_outside_and_accurate(name, fun, slope):
    seen: list = []
    x = np.array(POINTS)
    res = slopes.derivative(_guarded(fun, 0.0, 1.0, seen), x, domain=(0, 1), full_output=True)
    assert min(seen) >= 0.0 and max(seen) <= 1.0
    truth = slope(x)
    assert res.success.all(), res
    # the engine's estimate holds (factor 2: its honesty margin) and is small
    assert np.all(np.abs(res.value - truth) <= 2 * res.error + 1e-15)
    assert np.all(np.abs(res.value - truth) <= 1e-10 * np.abs(truth))


def test_one_sided_at_the_bounds_with_status_converged():
    seen: list = []
    f = _guarded(np.exp, 0.0, 1.0, seen)
    lo = slopes.derivative(f, 0.0, domain=(0.0, 1.0), full_output=True)
    assert min(seen) == 0.0 and max(seen) > 0.0  # forward: only points at or above lo
    seen.clear()
    hi = slopes.derivative(f, 1.0, domain=(0.0, 1.0), full_output=True)
    assert max(seen) == 1.0 and min(seen) < 1.0  # backward
    assert lo.status == 0 and hi.status == 0
    assert abs(lo.value - 1.0) < 1e-10 and abs(hi.value - np.e) < 1e-10 * np.e


def test_per_element_bounds_broadcast_and_second_derivative():
    x = np.array([[0.0, 2.0], [3.0, 5.0]])
    lo = np.array([0.0, 2.0])  # broadcasts along rows
    hi = 5.0
    f = _guarded(np.exp, 0.0, 5.0)
    res = slopes.derivative(f, x, n=2, domain=(lo, hi), full_output=True)
    assert res.value.shape == x.shape
    assert np.all(np.abs(res.value - np.exp(x)) <= 1e-6 * np.exp(x))
    assert res.success.all()


def test_domain_bound_is_nearer_than_default_reach():
    # a tiny domain around x: every point within 1e-4 of x
    seen: list = []
    x = 2.0
    f = _guarded(np.sin, x - 1e-4, x + 1e-4, seen)
    res = slopes.derivative(f, x, domain=(x - 1e-4, x + 1e-4), full_output=True)
    assert max(abs(t - x) for t in seen) <= 1e-4
    assert abs(res.value - np.cos(x)) <= 2 * res.error + 1e-15
    assert res.success


def test_infinite_bounds_change_nothing():
    plain = slopes.derivative(np.exp, [0.5, 2.0], full_output=True)
    open_ = slopes.derivative(np.exp, [0.5, 2.0], domain=(-np.inf, np.inf), full_output=True)
    np.testing.assert_array_equal(plain.value, open_.value)  # same operations, same points
    np.testing.assert_array_equal(plain.nfev, open_.nfev)


def test_gradient_and_jacobian_stay_inside():
    seen: list = []

    def f(x):
        x = np.asarray(x, dtype=float)
        seen.extend(x.tolist())
        if np.any(x < 0) or np.any(x > 1):
            raise ValueError(x)
        return np.sum(np.sqrt(x + 1) * np.exp(x))

    x = np.array([0.0, 0.5, 1.0])
    truth = np.exp(x) * (0.5 / np.sqrt(x + 1) + np.sqrt(x + 1))
    g = slopes.gradient(f, x, domain=(0, 1), full_output=True)
    assert g.success.all() and np.all(np.abs(g.value - truth) <= 1e-9 * truth)
    jac = slopes.jacobian(lambda x: np.array([f(x), 2 * x[1]]), x, domain=(0, 1))
    assert np.all(np.abs(jac[0] - truth) <= 1e-9 * truth)
    np.testing.assert_allclose(jac[1], [0.0, 2.0, 0.0], atol=1e-12)
    assert min(seen) >= 0.0 and max(seen) <= 1.0


def test_fixed_step_inside_and_outside():
    f = _guarded(np.exp, 0.0, 1.0)
    value = slopes.derivative(f, 0.5, step=1e-3, domain=(0, 1))
    assert abs(value - np.exp(0.5)) < 1e-6
    with pytest.raises(ValueError, match=r"`step`.*outside `domain`"):
        slopes.derivative(f, 0.0, step=1e-3, domain=(0, 1))
    value = slopes.derivative(f, 0.0, step=1e-3, method="forward", domain=(0, 1))
    assert abs(value - 1.0) < 1e-5


def test_caller_is_not_modified():
    x = np.array([0.0, 0.5])
    lo, hi = np.zeros(2), np.ones(2)
    slopes.derivative(np.exp, x, domain=(lo, hi))
    assert x.tolist() == [0.0, 0.5] and lo.tolist() == [0, 0] and hi.tolist() == [1, 1]


@pytest.mark.parametrize(
    "x, domain, error, match",
    [
        (1.5, (0, 1), ValueError, r"`x` = 1\.5 .*outside `domain`"),
        (-0.1, (0, 1), ValueError, r"`x` = -0\.1 .*outside `domain`"),
        (0.5, (1, 0), ValueError, r"`domain` must have lo < hi"),
        (0.5, (0.5, 0.5), ValueError, r"`domain` must have lo < hi"),
        (0.5, (np.nan, 1), ValueError, r"`domain` bounds must not be nan"),
        (0.5, (0, 1, 2), TypeError, r"`domain` must be a pair"),
        (0.5, 1.0, TypeError, r"`domain` must be a pair"),
        (0.5, ("a", 1), TypeError, r"`domain` bounds must be real"),
        (np.array([0.5, 0.6]), (np.zeros(3), 1), ValueError, r"`domain` bounds of shape \(3,\)"),
        ([0.5, 0.6], ([0, 0, 0], 1), ValueError, r"one value per entry of `x` \(2\), got 3"),
        (1.0, (1.0, np.nextafter(1.0, 2.0)), ValueError, r"`domain` .* too narrow"),
    ],
)
def test_bad_domain(x, domain, error, match):
    with pytest.raises(error, match=match):
        slopes.derivative(np.exp, x, domain=domain)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(deadline=None, max_examples=40, derandomize=True)
@given(
    # |x| up to 10, where f's scale (1) matches x's: at |x| ~ 1e6 the rounding of the
    # points x + o h, not of f's values, dominates a third derivative (an engine limit
    # with or without a domain; never-outside is checked there by the next tests)
    st.floats(min_value=-10.0, max_value=10.0),
    st.floats(min_value=1e-6, max_value=10.0),
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=1, max_value=3),
    st.sampled_from(["central", "forward", "backward"]),
)
def test_property_never_outside(center, width, where, n, method):
    """Any domain, any x in it, any n and method: no point of f outside [lo, hi]."""
    lo, hi = center, center + width
    if not lo < hi:
        return
    x = min(max(lo + where * (hi - lo), lo), hi)
    seen: list = []
    f = _guarded(lambda t: np.sin(t - center) + (t - center) ** 2, lo, hi, seen)
    res = slopes.derivative(f, x, n=n, method=method, domain=(lo, hi), full_output=True)
    assert seen and min(seen) >= lo and max(seen) <= hi
    if res.success:  # honest where it claims: closed form of the n-th derivative
        u = x - center
        truth = [np.cos(u) + 2 * u, -np.sin(u) + 2, -np.cos(u)][n - 1]
        assert abs(res.value - truth) <= 2 * res.error + 1e-9 * max(1.0, abs(truth))


def test_caller_side_switches_only_when_cramped():
    seen: list = []
    f = _guarded(np.exp, 0.0, 1.0, seen)
    # forward asked for at hi: no room above, so backward
    res = slopes.derivative(f, 1.0, method="forward", domain=(0, 1), full_output=True)
    assert max(seen) <= 1.0 and abs(res.value - np.e) < 1e-6 and res.success
    seen.clear()
    # backward asked for in the middle: kept (only points at or below x)
    res = slopes.derivative(f, 0.5, method="backward", domain=(0, 1), full_output=True)
    assert max(seen) <= 0.5 and abs(res.value - np.exp(0.5)) < 1e-6


def test_float32_and_large_x_narrow_domain():
    seen: list = []
    x = 1e6
    f = _guarded(lambda t: np.sin(t - 1e6), x - 1e-3, x + 1e-3, seen)
    res = slopes.derivative(f, x, domain=(x - 1e-3, x + 1e-3), full_output=True)
    assert min(seen) >= x - 1e-3 and max(seen) <= x + 1e-3
    assert abs(res.value - 1.0) <= 2 * res.error + 1e-15
    x32 = np.float32(0.25)
    res32 = slopes.derivative(_guarded(np.exp, 0.0, 0.25), x32, domain=(0, 0.25), full_output=True)
    assert res32.value.dtype == np.float32 and abs(res32.value - np.exp(0.25)) < 1e-3


@settings(deadline=None, max_examples=30, derandomize=True)
@given(
    st.floats(min_value=-1e8, max_value=1e8),
    st.floats(min_value=1e-7, max_value=1e3),
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=1, max_value=3),
)
def test_property_never_outside_at_any_scale(center, width, where, n):
    lo, hi = center, center + width
    if not lo < hi:
        return
    x = min(max(lo + where * (hi - lo), lo), hi)
    seen: list = []
    f = _guarded(lambda t: np.cos(t - center), lo, hi, seen)
    try:
        slopes.derivative(f, x, n=n, domain=(lo, hi), full_output=True)
    except ValueError as exc:  # a domain narrower than x's resolution is refused, by name
        assert "too narrow" in str(exc)
    assert min(seen, default=lo) >= lo and max(seen, default=hi) <= hi


def test_pytree_bounds_for_a_pytree_x():
    seen: list = []

    def f(p):
        seen.append((p["a"].copy(), float(p["b"])))
        return np.sum(np.sqrt(p["a"] + 1)) + np.log(p["b"])

    x = {"a": np.array([0.0, 0.5]), "b": 1.0}
    g = slopes.gradient(f, x, domain=(0, {"a": np.ones(2), "b": 1.0}))
    np.testing.assert_allclose(g["a"], 0.5 / np.sqrt(x["a"] + 1), rtol=1e-9)
    assert abs(g["b"] - 1.0) < 1e-9
    assert all(a.min() >= 0 and a.max() <= 1 and 0 <= b <= 1 for a, b in seen)
    with pytest.raises(ValueError, match=r"one value per entry of `x` \(3\), got 2"):
        slopes.gradient(f, x, domain=(0, [1, 2]))
