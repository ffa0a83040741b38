"""slopes.check_grad: pass/fail, per-component errors, worst index, tolerances, repr."""

from __future__ import annotations

import numpy as np
import pytest

from slopes.differentiate import check_grad


def f(x):
    return np.sum(np.sin(x) * x**2)


def grad(x):
    return np.cos(x) * x**2 + 2 * x * np.sin(x)


def test_a_correct_gradient_passes():
    x = np.random.default_rng(0).standard_normal(8)
    res = check_grad(f, grad, x)
    assert res.passed
    assert res.max_abs_error < 1e-9
    assert res.abs_error.shape == x.shape and res.rel_error.shape == x.shape
    assert "passed" in repr(res)


def test_a_wrong_component_fails_and_is_located():
    x = np.linspace(0.5, 2.0, 5)

    def wrong(v):
        g = grad(v)
        g[3] += 1e-3  # one wrong component
        return g

    res = check_grad(f, wrong, x)
    assert not res.passed
    assert res.worst_index == (3,)
    assert res.abs_error[3] == pytest.approx(1e-3, rel=1e-6)
    assert res.max_rel_error == pytest.approx(1e-3 / abs(grad(x)[3]), rel=1e-5)
    assert "FAILED" in repr(res) and "(3,)" in repr(res)


def test_tolerances_can_be_loosened():
    x = np.array([1.0, 2.0])
    sloppy = lambda v: grad(v) * (1 + 1e-4)  # noqa: E731
    assert not check_grad(f, sloppy, x).passed
    res = check_grad(f, sloppy, x, rtol=1e-3)
    assert res.passed and res.rtol == 1e-3


def test_pytrees_and_worst_path():
    params = {"w": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": 0.5}

    def loss(p):
        return np.sum(p["w"] ** 2) * p["b"]

    def good(p):
        return {"w": 2 * p["w"] * p["b"], "b": np.sum(p["w"] ** 2)}

    def bad(p):
        out = good(p)
        out["w"] = out["w"].copy()
        out["w"][1, 0] += 0.5
        return out

    assert check_grad(loss, good, params).passed
    res = check_grad(loss, bad, params)
    assert not res.passed
    assert res.worst_index == (("w",), (1, 0))
    assert res.abs_error["w"].shape == (2, 2)


def test_float32_tolerances_are_looser():
    x = np.array([0.3, 1.2], dtype=np.float32)
    res = check_grad(lambda v: np.sum(v**3), lambda v: 3 * v**2, x)
    assert res.passed and res.rtol == 1e-2
    assert check_grad(f, grad, np.array([0.3, 1.2])).rtol == 1e-6


def test_wrong_sized_gradient_is_an_error():
    with pytest.raises(ValueError, match=r"`grad` returned 3 numbers but `x` has 2 entries"):
        check_grad(f, lambda v: np.ones(3), np.ones(2))


def test_check_grad_refuses_a_gradient_of_another_structure():
    with pytest.raises(ValueError, match="`grad`"):
        check_grad(lambda p: p["a"] ** 2, lambda p: {"b": 2 * p["a"]}, {"a": 1.0})
