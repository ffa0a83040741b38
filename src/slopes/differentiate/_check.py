"""check_grad: compare an analytic gradient with a numerical one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .._util.pytree import ravel
from .._util.result import Result
from ._engine.core import Settings, along_coordinates
from ._engine.validate import _check_grad_iv, check_vectorized

if TYPE_CHECKING:
    from .._util.pytree import ArrayInput, Container

__all__ = ["GradCheck", "check_grad"]

# default tolerances by precision: a correct analytic gradient agrees with the
# numerical one to about the numerical one's accuracy, far below these
_RTOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-2}
_ATOL = {np.dtype(np.float64): 1e-8, np.dtype(np.float32): 1e-3}


class GradCheck(Result):
    """Result of :func:`check_grad`.

    Attributes
    ----------
    passed : bool
        Every component within ``atol + rtol * |numerical| + numerical error``.
    success : bool
        The same as ``passed``: the check did what was asked, under the name
        every slopes result uses.
    abs_error, rel_error : ndarray or pytree
        Per-component ``|analytic - numerical|`` and that over ``|numerical|``.
    worst_index : tuple or (str/int path, tuple)
        Index of the largest ``abs_error / allowed`` component.
    max_abs_error, max_rel_error : float
    analytic, numerical : ndarray or pytree
    numerical_error : ndarray or pytree
        The numerical gradient's own error estimate.
    rtol, atol : float
        The tolerances used.
    """

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return (
            f"GradCheck({verdict}: max abs error {self.max_abs_error:.3g}, max rel error "
            f"{self.max_rel_error:.3g}, worst at {self.worst_index}, "
            f"rtol={self.rtol:g}, atol={self.atol:g})"
        )


def _align(tree: Any, like: Any, path: str) -> Any:
    """``grad``'s output with its dicts in x's key order; a ValueError naming
    ``grad`` where its structure is not x's (leaves are compared by size later)."""
    if isinstance(like, dict):
        if not isinstance(tree, dict) or set(tree) != set(like):
            got = sorted(map(repr, tree)) if isinstance(tree, dict) else type(tree).__name__
            raise ValueError(
                f"`grad` must return x's structure: at x{path} the keys are "
                f"{sorted(map(repr, like))}, `grad` returned {got}"
            )
        return {key: _align(tree[key], like[key], f"{path}[{key!r}]") for key in like}
    if isinstance(like, (list, tuple)):
        if not isinstance(tree, (list, tuple, dict)):  # an array for a list of numbers
            return tree
        if isinstance(tree, dict) or len(tree) != len(like):
            got = "a dict" if isinstance(tree, dict) else f"length {len(tree)}"
            raise ValueError(
                f"`grad` must return x's structure: at x{path} a sequence of length "
                f"{len(like)}, `grad` returned {got}"
            )
        return [_align(t, s, f"{path}[{i}]") for i, (t, s) in enumerate(zip(tree, like))]
    return tree


def _locate(flat_index: int, x: Any) -> Any:
    """Turn an index into the flat vector into (leaf path, index within the leaf)."""
    from .._util.pytree import flatten

    leaves, treedef = flatten(x)
    if treedef.kind == "leaf":
        return tuple(int(i) for i in np.unravel_index(flat_index, np.shape(leaves[0])))
    paths: list[Any] = []

    def walk(node: Any, path: tuple) -> None:
        if isinstance(node, dict):
            for key in node:
                walk(node[key], (*path, key))
        elif isinstance(node, (list, tuple)):
            for i, child in enumerate(node):
                walk(child, (*path, i))
        else:
            paths.append(path)

    walk(x, ())
    start = 0
    for path, leaf in zip(paths, leaves):
        size = int(np.size(leaf))
        if flat_index < start + size:
            where = np.unravel_index(flat_index - start, np.shape(leaf))
            return (path, tuple(int(i) for i in where))
        start += size
    raise IndexError(flat_index)


def check_grad(
    f: Callable[[Any], Any],
    grad: Callable[[Any], Any],
    x: ArrayInput | Container,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    vectorized: bool | int = False,
    workers: Any = None,
    progress: bool | str = False,
) -> GradCheck:
    """Compare an analytic gradient ``grad(x)`` with the numerical gradient of f.

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar``.
    grad : callable
        ``grad(x)`` -> gradient in x's structure (the one being checked).
    x : array_like or pytree
        Where to compare.
    rtol, atol : float, optional
        Tolerances; default ``1e-6, 1e-8`` for float64 and ``1e-2, 1e-3``
        for float32 (atol is scaled by the largest gradient component).
    vectorized : bool or int, default False
        The promise that f takes a stack of points and returns one value
        each, as for :func:`slopes.gradient`.
    workers : int, Executor, map-like or dask Client, optional
        Where f is evaluated, as for :func:`slopes.gradient`.
    progress : bool or "always", default False
        A progress bar of the numerical gradient's points.

    Returns
    -------
    GradCheck
        ``passed``, per-component errors, the worst index and a readable repr.

    Notes
    -----
    A component passes when
    ``|g - g_num| <= atol * max(1, max|g_num|) + rtol * |g_num| + err_num``,
    where ``err_num`` is the numerical gradient's own error estimate.

    Examples
    --------
    >>> f = lambda x: np.sum(x**3)
    >>> bool(check_grad(f, lambda x: 3 * x**2, np.array([1.0, 2.0])).passed)
    True
    >>> res = check_grad(f, lambda x: 3 * x, np.array([1.0, 2.0]))  # a wrong gradient
    >>> bool(res.passed), res.worst_index, round(res.max_abs_error, 6)
    (False, (1,), 6.0)
    """
    vectorized = check_vectorized(vectorized)
    prepared = _check_grad_iv(f, grad, x, rtol, atol)
    settings = Settings("central", 2, vectorized, workers, progress)
    out = along_coordinates(f, prepared, settings, scalar=True)
    numerical = out.value[:, 0]
    numerical_error = np.where(np.isfinite(out.error[:, 0]), out.error[:, 0], 0.0)
    analytic_tree = _align(grad(prepared.unravel(prepared.flat.copy())), x, "")
    try:
        analytic, _ = ravel(analytic_tree)
    except TypeError as exc:
        raise TypeError(f"`grad` must return numbers in x's structure: {exc}") from None
    if analytic.size != numerical.size:
        raise ValueError(
            f"`grad` returned {analytic.size} numbers but `x` has {numerical.size} entries"
        )
    dtype = np.dtype(prepared.dtype)
    rtol_used = _RTOL.get(dtype, 1e-6) if rtol is None else float(rtol)
    atol_used = _ATOL.get(dtype, 1e-8) if atol is None else float(atol)
    abs_error = np.abs(analytic.astype(float) - numerical)
    with np.errstate(all="ignore"):
        rel_error = np.where(
            numerical != 0, abs_error / np.abs(numerical), np.where(abs_error == 0, 0.0, np.inf)
        )
    scale = max(1.0, float(np.max(np.abs(numerical), initial=0.0)))
    allowed = atol_used * scale + rtol_used * np.abs(numerical) + numerical_error
    excess = np.where(np.isfinite(abs_error), abs_error / allowed, np.inf)
    worst = int(np.argmax(excess)) if excess.size else 0
    return GradCheck(
        passed=bool(np.all(abs_error <= allowed)),
        success=bool(np.all(abs_error <= allowed)),
        worst_index=_locate(worst, x) if excess.size else (),
        max_abs_error=float(np.max(abs_error, initial=0.0)),
        max_rel_error=float(np.max(rel_error, initial=0.0)),
        abs_error=prepared.unravel(abs_error),
        rel_error=prepared.unravel(rel_error),
        analytic=analytic_tree,
        numerical=prepared.unravel(numerical),
        numerical_error=prepared.unravel(numerical_error),
        rtol=rtol_used,
        atol=atol_used,
    )
