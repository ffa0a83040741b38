"""Shared machinery behind derivative, gradient, jacobian and hessian.

``elementwise`` differentiates f(x_j) for every element of x; ``along_coordinates``
differentiates f(x + t e_j) for every coordinate j (gradient and jacobian).
Both run :mod:`richardson` on an :class:`evaluate.Evaluator`,
and return the flat value, error, step, status and nfev.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..._util.result import Result
from ..._util.warnings import SlopesWarning
from .evaluate import ComplexValues, Evaluator
from .quick import (
    QUICK_MIN_LINES,
    QUICK_SAMPLE,
    QUICK_SAMPLE_ACCEPT,
    SubLines,
    quick_pass,
)
from .richardson import (
    CONVERGED,
    FIXED_STEP,
    IMPRECISE,
    MESSAGES,
    NONFINITE,
    UNRELIABLE,
    Estimates,
    Lines,
    adaptive,
    claimable,
    fixed_step,
)
from .steps import Tolerance
from .validate import Prepared

__all__ = [
    "DERIVATIVE_LEVELS",
    "GRADIENT_LEVELS",
    "DiffResult",
    "Settings",
    "along_coordinates",
    "elementwise",
]

# stencil levels of the adaptive family: derivative uses orders 2..8 (8 points),
# gradient/jacobian orders 2..6 (6 points per coordinate: the fewest that give an
# error estimate of the best level from measured differences alone; before it,
# the four-point quick pass of _diff_quick settles most coordinates)
DERIVATIVE_LEVELS = 4
GRADIENT_LEVELS = 3


class DiffResult(Result):
    """Result of a differentiation with ``full_output=True``.

    Attributes
    ----------
    value : ndarray or pytree
        The derivative (same as the plain return value).
    error : ndarray or pytree
        Estimated absolute error of each element (nan with a fixed step).
    nfev : int
        The points at which f was evaluated in the whole call (as everywhere in
        slopes). ``derivative`` also reports ``nfev_per_element``.
    step : ndarray or pytree
        The step used for each element (or coordinate).
    success : ndarray of bool
        True where the value is finite and its error estimate is meaningful.
    status : ndarray of int
        Codes of :class:`slopes.Status`: ``CONVERGED`` (0), ``ONE_SIDED`` (1),
        ``FIXED_STEP`` (2), ``UNRELIABLE`` (-1), ``NONFINITE`` (-2) or
        ``IMPRECISE`` (-3); see ``message``.
    message : str
        The statuses that occur, in words.
    """

    CONVERGED = CONVERGED
    ONE_SIDED = 1
    FIXED_STEP = FIXED_STEP
    UNRELIABLE = UNRELIABLE
    NONFINITE = NONFINITE
    IMPRECISE = IMPRECISE


@dataclass(frozen=True)
class Settings:
    """The caller's options that every engine entry point passes on unchanged."""

    method: str
    order: int
    vectorized: bool | int
    workers: Any
    progress: Any
    max_step: np.ndarray | None = None  # per flat entry of x: the farthest f is evaluated
    room: np.ndarray | None = None  # (2, size): room below and above x in the domain
    tolerance: Tolerance | None = None  # the caller's stopping tolerance
    maxiter: int = 6  # the most trials per line (see richardson.adaptive)
    # per line, where its points sit for the noise model (default |x|; see
    # richardson.adaptive): a line along a direction (jvp) sits at x, not at t = 0
    position: np.ndarray | None = None

    def plain(self) -> bool:
        """The caller gave none of ``max_step``, ``domain``, ``tolerances``, ``maxiter``."""
        return (
            self.max_step is None
            and self.room is None
            and self.tolerance is None
            and self.maxiter == Settings.maxiter
        )

    def engine_options(self) -> dict[str, Any]:
        """The options :func:`richardson.adaptive` takes from these settings."""
        return {
            "max_step": self.max_step,
            "room": self.room,
            "tolerance": self.tolerance,
            "max_trials": self.maxiter,
            "position": self.position,
        }

    def evaluator(
        self,
        f: Any,
        prepared: Prepared,
        kind: str,
        out_shape: tuple[int, ...] | None = (),
        split_complex: bool = False,
    ) -> Evaluator:
        """An :class:`Evaluator` of f around ``prepared.flat``, called as these settings say."""
        return Evaluator(
            f,
            x_flat=prepared.flat,
            # elementwise points are scalars: x's structure never reaches f
            spec=prepared.spec if kind == "coordinate" else None,
            kind=kind,
            vectorized=self.vectorized,
            workers=self.workers,
            progress=self.progress,
            out_shape=out_shape,
            complex_step=self.method == "complex",
            split_complex=split_complex,
        )


# float64 words the adaptive engine keeps per line and output: every trial's
# estimate and slack (7 trials), the table of each trial (levels x orders), the
# line state; measured peak / n at n = 1e5 (gradient, scalar f) is about 2 KB
ENGINE_BYTES_PER_LINE = 2048


def check_memory(lines: int, what: str) -> None:
    """Refuse up front, with a clear error, a problem whose engine state cannot fit.

    The state grows as ``ENGINE_BYTES_PER_LINE`` per coordinate (the points
    themselves go to f in chunks of bounded size); where that exceeds half the
    machine's memory, a ``MemoryError`` names the size of ``x`` and the estimate,
    before any evaluation (a gradient at n = 1e8 would need about 200 GB).
    """
    need = lines * ENGINE_BYTES_PER_LINE
    try:
        import os

        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not POSIX: no estimate to go by
        return
    if need > total / 2:
        raise MemoryError(
            f"the {what} of an `x` with {lines:,} entries needs about {need / 2**30:.0f} GiB "
            f"for the engine's state, more than half of this machine's "
            f"{total / 2**30:.0f} GiB: differentiate along fewer coordinates at a time "
            "(a function of a slice of x), or use a directional derivative"
        )


def summarise(status: np.ndarray) -> str:
    codes = sorted({int(s) for s in np.ravel(status)}, reverse=True)
    if len(codes) == 1:
        return MESSAGES[codes[0]]
    return "; ".join(f"{int(np.sum(status == c))} element(s): {MESSAGES[c]}" for c in codes)


def warn_nonfinite(value: Any, what: str, stacklevel: int = 3) -> None:
    """Say so when a bare result (no status to read) holds nan or inf.

    ``value`` is an array or a pytree of arrays; the warning names ``f``, how
    many entries are not finite, and where the per-entry status is.
    """
    from ..._util.pytree import flatten

    leaves, _ = flatten(value) if isinstance(value, (dict, list, tuple)) else ([value], None)
    bad = sum(int(np.count_nonzero(~np.isfinite(np.asarray(leaf)))) for leaf in leaves)
    if bad:
        total = sum(int(np.size(leaf)) for leaf in leaves)
        warnings.warn(
            f"the {what} is not finite at {bad} of {total} entr{'y' if total == 1 else 'ies'}: "
            "`f` is not finite there or nearby (full_output=True gives each entry's status)",
            SlopesWarning,
            stacklevel=stacklevel,
        )


def success_of(value: np.ndarray, status: np.ndarray) -> np.ndarray:
    finite = np.isfinite(value)
    if finite.ndim > status.ndim:
        finite = finite.reshape((*status.shape, -1)).all(axis=-1)
    return (status >= 0) & finite


def elementwise(f: Any, prepared: Prepared, settings: Settings, *, n: int) -> Estimates:
    """Derivative of an elementwise f at every element of x (flat arrays out).

    A complex-valued f (found at its first complex value) is differentiated
    again with its real and imaginary parts as two outputs per point
    (:func:`join_complex`); the evaluations that found it count in ``nfev``.
    """
    try:
        return _elementwise(f, prepared, settings, n=n, split=False)
    except ComplexValues as found:
        replayed: list[bool] = []
        out = _elementwise(f, prepared, settings, n=n, split=True, found=found, replayed=replayed)
        size = prepared.flat.size
        if replayed[0]:  # the rerun took those points from the call that found them
            return out
        if found.lines is None:
            wasted = np.zeros(size, dtype=np.int64)
            wasted[0] = found.points
        else:
            wasted = np.bincount(found.lines, minlength=size)
        out.nfev = np.asarray(out.nfev) + wasted
        return out


def _elementwise(
    f: Any,
    prepared: Prepared,
    settings: Settings,
    *,
    n: int,
    split: bool,
    found: ComplexValues | None = None,
    replayed: list | None = None,
) -> Estimates:
    """The engine on every element; with ``found`` (a rerun with ``split``) the first
    call replays its points where it can, and ``replayed`` gets whether it did."""
    x = prepared.flat
    method, order = settings.method, settings.order
    k = 2 if split else 1
    settings = _for_pairs(settings) if split else settings
    evaluator = settings.evaluator(f, prepared, "elementwise", split_complex=split)
    if found is not None and replayed is not None:
        replayed.append(evaluator.replay(found))
    lines = Lines(evaluator, shared_base=False)
    if prepared.step is not None or method == "complex":
        out = _fixed(lines, x, prepared.step, settings, n=n, k=k, per_element=True)
    else:
        out = adaptive(
            lines,
            x,
            method=method,
            n=n,
            order=order,
            levels=DERIVATIVE_LEVELS,
            k=k,
            dtype=x.dtype,
            **settings.engine_options(),
        )
        if not split:
            out.value = out.value[:, 0].astype(x.dtype, copy=False)
            out.error = out.error[:, 0]
    if split:
        out.value, out.error = join_complex(out.value, out.error, x.dtype)
        out.value, out.error = out.value[:, 0], out.error[:, 0]
    return out


def _for_pairs(settings: Settings) -> Settings:
    """Settings whose tolerance judges (real, imag) output pairs as complex values."""
    if settings.tolerance is None:
        return settings
    return replace(settings, tolerance=replace(settings.tolerance, pairs=True))


def join_complex(
    value: np.ndarray, error: np.ndarray, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray]:
    """(m, 2k) real and imaginary parts, interleaved, as (m, k) complex values; the
    error of each is the modulus bound ``hypot(error_re, error_im)``.

    Examples
    --------
    >>> v, e = join_complex(np.array([[1.0, 2.0]]), np.array([[3e-12, 4e-12]]), np.dtype(float))
    >>> v, e
    (array([[1.+2.j]]), array([[5.e-12]]))
    """
    m = value.shape[0]
    pairs = value.reshape(m, -1, 2)
    errors = np.asarray(error, dtype=float).reshape(m, -1, 2)
    complex_type = np.result_type(dtype, np.complex64)
    joined = (pairs[..., 0] + 1j * pairs[..., 1]).astype(complex_type, copy=False)
    return joined, np.hypot(errors[..., 0], errors[..., 1])


def _fixed(
    lines: Lines,
    x: np.ndarray,
    step: np.ndarray | None,
    settings: Settings,
    *,
    n: int,
    k: int,
    per_element: bool,
) -> Estimates:
    """One stencil per line: the given step, or the complex step's automatic one."""
    method, order, evaluator = settings.method, settings.order, lines.evaluator
    m = x.size
    if method == "complex":
        return _complex_step(lines, x, step, k=k, per_element=per_element)
    if step is None:  # (only the complex step chooses its own)
        raise ValueError("a fixed stencil needs `step`")
    with np.errstate(all="ignore"):
        value = fixed_step(lines, step, method=method, n=n, order=order, k=k)
    value = value.astype(np.result_type(x.dtype, np.float32), copy=False)
    error = np.full(value.shape, np.nan)
    nfev = np.full(m, evaluator.nfev // max(m, 1)) if per_element else evaluator.nfev
    status = np.full(m, FIXED_STEP)
    if k == 1 and per_element:
        value, error = value[:, 0], error[:, 0]
    return Estimates(value=value, error=error, step=step, status=status, nfev=nfev)


# the automatic complex step is eps**2 |x|, but never below tiny / eps, where
# Im f(x + ih) = h f'(x) would lose digits to subnormal numbers (eps**2 |x|
# underflows to 0 below |x| ~ 1e-292): there the step is not relative to |x|,
# and the real part checks that it is still small enough (see _complex_step)
TINY_X = 1e-100  # see _complex_step


def _complex_floor(dtype: np.dtype) -> float:
    info = np.finfo(dtype)
    return float(info.tiny) / float(info.eps)


def _complex_step(
    lines: Lines, x: np.ndarray, step: np.ndarray | None, *, k: int, per_element: bool
) -> Estimates:
    """``Im f(x + ih) / h``, checked against f at the real x.

    f's values at the real x must be real (or complex with a zero imaginary
    part): a complex-valued f mixes its own imaginary part into the
    derivative, so it is refused. With the automatic step, the real part
    ``Re f(x + ih) = f(x) - h**2 f''(x) / 2 + ...`` must equal ``f(x)`` to
    rounding; where it does not, the step is not small next to f's scale
    (``log`` at ``1e-300`` with the floor step) and the status is
    ``UNRELIABLE``. The error estimate is ``4 eps |f'|`` plus the resolution
    of the subnormal numbers divided by ``h``.
    """
    evaluator = lines.evaluator
    m = x.size
    eps = float(np.finfo(x.dtype).eps)
    status_code = FIXED_STEP
    if step is None:  # a step so small that h**2 terms vanish
        scale = np.where(x != 0, np.abs(x), 1.0)
        step = np.maximum(scale * eps**2, _complex_floor(x.dtype)).astype(x.dtype)
        status_code = CONVERGED
    at_x = evaluator.at_x(np.zeros(1, dtype=np.intp) if lines.shared_base else np.arange(m))
    if np.iscomplexobj(at_x) and np.any(at_x.imag != 0):
        raise ValueError(
            "`f` returns complex values at real points, so `method`='complex' cannot "
            "separate its imaginary part from the derivative: use a real-valued f, or "
            "another `method` on its real and imaginary parts"
        )
    at_x = at_x.real.astype(float)
    with np.errstate(all="ignore"):
        values = lines.values(np.arange(m), 1j * step, k)
        value = values.imag / step[:, None]
        tiny_part = float(np.finfo(x.dtype).smallest_subnormal) / step[:, None]
        error = 4 * eps * np.abs(value) + tiny_part
        drift = np.abs(values.real - at_x)
        # rounding of f's values, and of the h**2 term of a function whose slope
        # alone would move the real part by about eps h |f'| at most
        magnitude = np.maximum(np.abs(at_x), np.abs(values.real))
        small = drift <= 8 * eps * magnitude + eps * step[:, None] * np.abs(value)
    value = value.astype(np.result_type(x.dtype, np.float32), copy=False)
    status = np.full(m, status_code)
    if status_code == CONVERGED:
        status[~small.all(axis=1)] = UNRELIABLE
        error = np.where(small, error, np.inf)
        natural = np.abs(at_x).max(axis=1) / np.maximum(np.abs(x), 1.0)
        status[(status >= 0) & ~claimable(value, error, natural, eps)] = IMPRECISE
        # Im f = h f' below the normal numbers lost its digits (x**2 at 1e-300 gives
        # 0 for 2e-300): at a tiny x, where the step is tiny too and f' may be as
        # small as x, such a value is not known, even as 0 (at an ordinary x, an
        # Im f of 0 is a stationary point: kept)
        tiny = float(np.finfo(x.dtype).tiny)
        lost = (np.abs(values.imag) < tiny).any(axis=1) & (np.abs(x) < TINY_X)
        status[(status >= 0) & lost] = UNRELIABLE
    else:
        error = np.full(value.shape, np.nan)
    status[(status >= 0) & ~np.isfinite(value).all(axis=1)] = UNRELIABLE
    nfev = np.full(m, evaluator.nfev // max(m, 1)) if per_element else evaluator.nfev
    if k == 1 and per_element:
        value, error = value[:, 0], error[:, 0]
    return Estimates(value=value, error=error, step=step, status=status, nfev=nfev)


def _adaptive_coordinates(
    lines: Lines,
    x: np.ndarray,
    *,
    method: str,
    n: int,
    order: int,
    k: int,
    value_noise: float,
    typical: float,
    quick: bool,
    careful: bool = False,
    options: dict[str, Any] | None = None,
) -> Estimates:
    """The adaptive engine along coordinates, after the quick pass where it applies;
    ``options`` are :meth:`Settings.engine_options`."""
    options = options or {}
    settings = dict(
        method=method,
        n=n,
        order=order,
        levels=GRADIENT_LEVELS,
        k=k,
        dtype=x.dtype,
        careful=careful,
        **options,
    )
    central_first = method == "central" and n == 1 and order == 2 and value_noise == 0.0
    if not (quick and central_first and x.size >= QUICK_MIN_LINES):
        return adaptive(lines, x, **settings, value_noise=value_noise, scale_floor=typical)
    m = x.size
    out = Estimates(
        value=np.full((m, k), np.nan),
        error=np.full((m, k), np.inf),
        step=np.zeros(m, dtype=x.dtype),
        status=np.full(m, UNRELIABLE),
        nfev=0,  # the caller counts: its evaluator saw every call
    )
    accept = np.zeros(m, dtype=bool)

    def run_quick(index: np.ndarray) -> None:
        got = quick_pass(SubLines(lines, index), x[index], k=k, dtype=x.dtype, scale_floor=typical)
        out.take(index, got.estimates)
        accept[index] = got.accept

    # try a sample of coordinates first: where the quick pass does not settle most
    # of them (a cubic or exp, whose steps it judges too large), the others go
    # straight to the engine, and the sample's four points per line are all it cost
    sample = np.unique(np.linspace(0, m - 1, max(QUICK_SAMPLE, m // 16)).astype(np.intp))
    run_quick(sample)
    if accept[sample].mean() >= QUICK_SAMPLE_ACCEPT:
        run_quick(np.setdiff1d(np.arange(m), sample))
    rest = np.flatnonzero(~accept)
    if rest.size:
        if options.get("max_step") is not None:
            settings["max_step"] = options["max_step"][rest]
        if options.get("room") is not None:
            settings["room"] = options["room"][:, rest]
        if options.get("position") is not None:
            settings["position"] = options["position"][rest]
        more = adaptive(SubLines(lines, rest), x[rest], **settings, scale_floor=typical)
        out.take(rest, more)
    return out


def along_coordinates(
    f: Any,
    prepared: Prepared,
    settings: Settings,
    *,
    scalar: bool,
    value_noise: float = 0.0,
    n: int = 1,
    quick: bool = True,
    careful: bool = False,
    allow_complex: bool = False,
) -> Estimates:
    """d^n f(x + t e_j) / dt^n for every coordinate j; value has shape (size, k).

    With ``quick`` (first derivatives, central, default order) every coordinate
    first gets the four-point pass of :mod:`quick`; the adaptive
    engine runs only on the coordinates that pass does not accept. ``careful``
    is the engine's (:func:`richardson.adaptive`). With
    ``allow_complex`` a complex-valued f is differentiated again with its real
    and imaginary parts as separate outputs (:func:`join_complex`; the
    evaluations that found it count in ``nfev``); otherwise it is a TypeError.
    """
    options: dict[str, Any] = dict(value_noise=value_noise, n=n, quick=quick, careful=careful)
    if not allow_complex:
        return _along(f, prepared, settings, scalar, split=False, **options)
    try:
        return _along(f, prepared, settings, scalar, split=False, **options)
    except ComplexValues as found:
        replayed: list[bool] = []
        out = _along(
            f, prepared, settings, scalar, split=True, found=found, replayed=replayed, **options
        )
        if not replayed[0]:  # the rerun evaluated those points again
            out.nfev += found.points
        return out


def _along(
    f: Any,
    prepared: Prepared,
    settings: Settings,
    scalar: bool,
    *,
    split: bool,
    value_noise: float,
    n: int,
    quick: bool,
    careful: bool,
    found: ComplexValues | None = None,
    replayed: list | None = None,
) -> Estimates:
    """:func:`along_coordinates` once; ``found`` and ``replayed`` as for :func:`_elementwise`."""
    x = prepared.flat
    method, order = settings.method, settings.order
    settings = _for_pairs(settings) if split else settings
    check_memory(x.size, what="gradient" if scalar else "Jacobian")
    evaluator = settings.evaluator(
        f, prepared, "coordinate", out_shape=() if scalar else None, split_complex=split
    )
    if found is not None and replayed is not None:
        replayed.append(evaluator.replay(found))
    if scalar:
        out_shape: tuple[int, ...] = (2,) if split else ()
    else:
        # one evaluation at x tells the output shape (and gives the centre point)
        base = evaluator.first_output()
        if method == "complex":
            base = base.real
        out_shape = base.shape
    k = int(np.prod(out_shape, dtype=np.int64))
    lines = Lines(evaluator, shared_base=True)
    if prepared.step is not None or method == "complex":
        out = _fixed(lines, x, prepared.step, settings, n=n, k=k, per_element=False)
    else:
        # coordinates share a scale: a coordinate near 0 gets the typical |x|
        typical = float(np.sqrt(np.mean(np.square(x, dtype=float)))) if x.size else 0.0
        if typical < float(np.finfo(x.dtype).tiny) ** 0.25:
            typical = 1.0  # x is 0 up to dust: no scale to go by, take 1 as for x = 0
        out = _adaptive_coordinates(
            lines,
            x,
            method=method,
            n=n,
            order=order,
            k=k,
            value_noise=value_noise,
            typical=typical,
            # scalar f only: a Jacobian line is accepted only when all its outputs
            # are, and the model's guess of c5 from c3 is pessimistic for
            # polynomials (Hessian from a gradient, Rosenbrock n = 50: 495
            # gradient calls with the quick pass, 307 without)
            # (the quick pass has no bound, domain or tolerance of its own: not with those)
            quick=quick and scalar and settings.plain() and not split,
            careful=careful,
            options=settings.engine_options(),
        )
        out.value = out.value.astype(np.result_type(x.dtype, np.float32), copy=False)
    out.nfev = evaluator.nfev
    if split:  # (real, imag) pairs back to complex values of f's own shape
        out.value, out.error = join_complex(out.value, out.error, x.dtype)
        out_shape = out_shape[:-1]
    out.out_shape = out_shape
    out.evaluator = evaluator
    return out
