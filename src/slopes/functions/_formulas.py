"""Formulas and analytic gradients of the 2-D test functions in :mod:`slopes.functions`.

Each takes points with coordinates on the last axis (any leading batch axes) and
works on complex input too.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def coords(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x[..., 0], x[..., 1]


def rosenbrock(x: np.ndarray) -> np.ndarray:
    head, tail = x[..., :-1], x[..., 1:]
    return np.sum(100.0 * (tail - head**2) ** 2 + (1.0 - head) ** 2, axis=-1)


def rosenbrock_grad(x: np.ndarray) -> np.ndarray:
    head, tail = x[..., :-1], x[..., 1:]
    inner = tail - head**2
    g = np.zeros_like(x)
    g[..., :-1] += -400.0 * head * inner - 2.0 * (1.0 - head)
    g[..., 1:] += 200.0 * inner
    return g


def beale_terms(x: np.ndarray) -> tuple[Any, ...]:
    u, v = coords(x)
    return u, v, 1.5 - u + u * v, 2.25 - u + u * v**2, 2.625 - u + u * v**3


def beale(x: np.ndarray) -> np.ndarray:
    _, _, a, b, c = beale_terms(x)
    return a**2 + b**2 + c**2


def beale_grad(x: np.ndarray) -> np.ndarray:
    u, v, a, b, c = beale_terms(x)
    du = 2 * a * (v - 1) + 2 * b * (v**2 - 1) + 2 * c * (v**3 - 1)
    dv = 2 * a * u + 4 * b * u * v + 6 * c * u * v**2
    return np.stack([du, dv], axis=-1)


def himmelblau_grad(x: np.ndarray) -> np.ndarray:
    u, v = coords(x)
    p, q = u**2 + v - 11, u + v**2 - 7
    return np.stack([4 * u * p + 2 * q, 2 * p + 4 * v * q], axis=-1)


def booth_grad(x: np.ndarray) -> np.ndarray:
    u, v = coords(x)
    p, q = u + 2 * v - 7, 2 * u + v - 5
    return np.stack([2 * p + 4 * q, 4 * p + 2 * q], axis=-1)


def camel(x: np.ndarray) -> np.ndarray:
    u, v = coords(x)
    return 2 * u**2 - 1.05 * u**4 + u**6 / 6 + u * v + v**2


def camel_grad(x: np.ndarray) -> np.ndarray:
    u, v = coords(x)
    return np.stack([4 * u - 4.2 * u**3 + u**5 + v, u + 2 * v], axis=-1)


def goldstein_terms(x: np.ndarray) -> tuple[Any, ...]:
    u, v = coords(x)
    s, d = u + v + 1, 2 * u - 3 * v
    b = 19 - 14 * u + 3 * u**2 - 14 * v + 6 * u * v + 3 * v**2
    e = 18 - 32 * u + 12 * u**2 + 48 * v - 36 * u * v + 27 * v**2
    return u, v, s, d, b, e, 1 + s**2 * b, 30 + d**2 * e


def goldstein(x: np.ndarray) -> np.ndarray:
    *_, first, second = goldstein_terms(x)
    return first * second


def goldstein_grad(x: np.ndarray) -> np.ndarray:
    u, v, s, d, b, e, first, second = goldstein_terms(x)
    # b's partial derivatives in u and v are equal, so are first's
    d_first = 2 * s * b + s**2 * (-14 + 6 * u + 6 * v)
    d_second_u = 4 * d * e + d**2 * (-32 + 24 * u - 36 * v)
    d_second_v = -6 * d * e + d**2 * (48 - 36 * u + 54 * v)
    return np.stack(
        [d_first * second + first * d_second_u, d_first * second + first * d_second_v], axis=-1
    )
