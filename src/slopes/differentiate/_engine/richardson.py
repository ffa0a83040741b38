"""The finite-difference engine: one stencil, or adaptive steps with an error estimate.

The engine differentiates ``m`` independent *lines*: line ``j`` is the
function ``t -> g_j(t)`` (``f(x_j + t)`` for ``derivative``, ``f(x + t e_j)``
for ``gradient`` and ``jacobian``), with ``k`` outputs per point.

Adaptive algorithm (``step=None``)
----------------------------------
1. Evaluate a *family* of nested central stencils at a step ``h`` (default:
   orders 2, 4, 6, 8 on the points ``+-h, +-2h, +-3h, +-4.293h``, eight
   evaluations). Level ``l`` is Richardson extrapolation of the central
   difference at the steps ``h .. (l+1) h`` (the top one at ``4.293 h``, against
   aliasing: :func:`stencils.family`), so one evaluation gives a whole
   table of estimates ``D_0, .., D_{L-1}``.
2. Their differences ``d_l = |D_l - D_{L-1}|`` measure the truncation error of
   the lower orders (:mod:`table`). When the differences shrink
   geometrically (ratio ``q = d_{L-2} / d_{L-3} < 1/2``) the Taylor series is
   in its asymptotic regime and the error of the best level is about
   ``d_{L-2} q``. Differences below the rounding level
   ``R ~ 2 eps |f| sum|w| / h^n`` carry no information; they bound the
   truncation error from above.
3. The error estimate is truncation plus rounding. From the two measured
   terms the step that minimises their sum is predicted (see
   :mod:`steps`). If the current estimate is within a factor
   ``ACCEPT_FACTOR`` of that optimum, stop; otherwise evaluate again at the
   predicted step (a step far too large, where the differences do not
   shrink, is cut by 16). Each line keeps its best trial and stops as soon
   as a new trial does not improve the estimate. A table whose differences
   follow a power law from one trial to the next (f homogeneous about x, as
   ``x**7`` at 0) is accepted too (:func:`table.power_law`).
4. Where f is not finite at some stencil points, the line continues with a
   one-sided stencil on the side where f is finite (or a smaller step), and
   its status says so. A result whose differences never became asymptotic
   has status ``UNRELIABLE`` and ``success=False``.
5. A result must agree, within both error estimates, with every trial at a
   smaller step whose table also looked asymptotic
   (:func:`trials.consistent`); at a
   pole or a jump it does not, and the status is ``UNRELIABLE``.
6. A success at a step above 1 (the first step is ``0.015 |x|``, blind to
   f's own scale, and at large ``|x|`` the samples can alias) must also be
   confirmed by an asymptotic trial at a smaller step with a comparable error
   estimate, one extra trial if none was made (:func:`trials.confirm_large`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .arithmetic import ARRAYS, Arithmetic
from .stencils import family, stencil
from .steps import (
    default_reach,
    exact_step,
    initial_step,
    optimal_step,
    relative_factor,
    smallest_step,
)
from .table import Table, across_trials, error_table
from .trials import CONFIRM_STEP, confirm_large, consistent, record

__all__ = [
    "CONVERGED",
    "FIXED_STEP",
    "IMPRECISE",
    "MESSAGES",
    "NONFINITE",
    "ONE_SIDED",
    "UNRELIABLE",
    "Estimates",
    "adaptive",
    "fixed_step",
]

CONVERGED = 0
ONE_SIDED = 1
FIXED_STEP = 2
UNRELIABLE = -1
NONFINITE = -2
IMPRECISE = -3

MESSAGES = {
    CONVERGED: "converged: the error estimate is reliable",
    ONE_SIDED: "converged with a one-sided stencil: f is not finite on the other side",
    FIXED_STEP: "one stencil with the given step: no error estimate",
    UNRELIABLE: "the error estimate is not reliable: differences of successive orders "
    "did not shrink, or estimates at different steps disagree (f may be noisy, "
    "non-smooth or singular at x, or vary on a scale below the smallest step)",
    NONFINITE: "f is not finite at x or on both sides of it",
    IMPRECISE: "the error estimate is reliable but above 1e-6 of the value's scale "
    "(a high derivative, a one-sided stencil or a noisy f), or above the `tolerances` "
    "given: not claimed as a success",
}

ACCEPT_FACTOR = 5.0  # accept a step whose error estimate is within this of the predicted optimum
SHRINK = 1.0 / 16.0  # step cut when the differences are not asymptotic
MAX_GROWTH = 1e6  # largest step change in one trial
BLIND_GROWTH = 100.0  # largest growth when no difference is resolved (truncation unknown)
# with ``careful``: largest growth while the top difference is unresolved (its
# truncation only bounded), so that f's own scale resolves it before the step passes it
GUESS_GROWTH = 8.0
CAREFUL_ACCEPT = 1.5  # ACCEPT_FACTOR with ``careful``
# a line on which f took exactly one value at every stencil point is flat: its
# derivative is 0, within the rounding bound of f's values, once the step is at
# least this fraction of the line's scale (smaller: one more trial at the
# largest step allowed, where f's variation, if any, shows)
FLAT_STEP = 0.01
# an unresolved table at the largest step allowed is known when its rounding
# level is below this fraction of the value (a polynomial direction whose
# rounding the bound keeps from shrinking further: Rosenbrock's last coordinate)
SETTLED_RTOL = 1e-8
# an unresolved table (truncation below rounding at every order) is known when
# its rounding level is below this fraction of the larger of |value| and the
# size a derivative of f has on the line's scale, max|f| / scale**n: x**2 + x**7
# at 0 (value 0 +- 4e-17 where |f| ~ 1e-6) is; exp, n = 6, forward, at a step
# far too small (0 +- 91 where |f| ~ 1.6) is not
UNRESOLVED_RTOL = 1e-6
# success is claimed only where the error estimate is at most this fraction of
# the larger of |value| and max|f| / scale**n (the size of a derivative of f on
# the line's scale, for a value near 0); the estimate is honest to a factor of
# about 2, so the true error stays below 1e-6 of that scale
SUCCESS_RTOL = 5e-7
# ... in float64; a lower precision gets eps ** (1/3) (see claimable)
FLOAT64_EPS = float(np.finfo(np.float64).eps)
ZERO_ATOL = 1e-10  # ... or where the value is 0 within an estimate below this


class LineSource(Protocol):
    """What the engine evaluates f through: :class:`Lines`, or a subset of them
    (:class:`quick.SubLines`)."""

    shared_base: bool
    evaluator: Any

    def values(self, lines: np.ndarray, offsets: np.ndarray, k: int) -> np.ndarray: ...


class Lines:
    """Adapter: f along lines; when all lines start at the same x (gradient,
    jacobian), the point ``t = 0`` is evaluated once and shared."""

    def __init__(self, evaluator: Any, shared_base: bool) -> None:
        self.evaluator = evaluator
        self.shared_base = shared_base  # coordinate lines all start at the same x

    def values(self, lines: np.ndarray, offsets: np.ndarray, k: int) -> np.ndarray:
        """g at (lines[i], offsets[i]) as an array (p, k)."""
        zero = offsets == 0
        out = None
        if self.shared_base and zero.any():
            base = np.asarray(self.evaluator.base_value()).reshape(1, k)
            rows = np.zeros(int(zero.sum()), dtype=np.intp)
            out = np.empty((offsets.size, k), dtype=np.result_type(base, np.float32))
            out[zero] = base[rows]
            if zero.all():
                return out
        moved = ~zero if out is not None else np.ones(offsets.size, dtype=bool)
        values = self.evaluator(lines[moved], offsets[moved]).reshape(-1, k)
        if out is None:
            return values
        out = out.astype(np.result_type(out, values), copy=False)
        out[moved] = values
        return out


@dataclass
class Estimates:
    """The engine's results for ``m`` lines: what every differentiation function reports.

    ``value`` and ``error`` have shape ``(m, k)`` (or ``(m,)`` once a caller has
    taken its one output), ``step`` and ``status`` shape ``(m,)``; ``nfev`` counts
    evaluations per line or in total, as its producer documents. Along coordinates
    (:func:`core.along_coordinates`) the result also carries f's output
    shape and the evaluator that made the calls.
    """

    value: np.ndarray
    error: np.ndarray
    step: np.ndarray
    status: np.ndarray
    nfev: Any
    out_shape: tuple[int, ...] | None = None
    evaluator: Any = None

    def take(self, index: np.ndarray, other: Estimates) -> None:
        """Lines ``index`` from ``other`` (a result for those lines only)."""
        for name in ("value", "error", "step", "status"):
            getattr(self, name)[index] = getattr(other, name)


@dataclass(frozen=True)
class Rule:
    """What the step decisions of :func:`_update` need besides the table."""

    n: int  # derivative order
    eps: float
    start_method: str  # a result of another method is one-sided
    careful: bool


@dataclass(frozen=True)
class Confirmation:
    """What :func:`_confirm_large` needs to evaluate one more trial."""

    x: np.ndarray
    name: str  # the family's name ("central", "forward" or "backward") ...
    family: tuple  # ... and its (offsets, weights, orders)
    k: int
    n: int
    eps: float
    h_min: float
    limit: np.ndarray  # the family's largest step per line (max_step, domain)
    position: np.ndarray  # where each line's points sit (see adaptive)


@dataclass(frozen=True)
class Trials:
    """Every trial's table per line, for :mod:`trials` (rows: trials)."""

    step: np.ndarray  # (rows, m)
    value: np.ndarray  # (rows, m, k)
    slack: np.ndarray  # (rows, m, k)
    asymptotic: np.ndarray  # (rows, m)

    @classmethod
    def empty(cls, rows: int, m: int, k: int) -> Trials:
        return cls(
            step=np.full((rows, m), np.inf),
            value=np.zeros((rows, m, k)),
            slack=np.zeros((rows, m, k)),
            asymptotic=np.zeros((rows, m), dtype=bool),
        )


@dataclass(frozen=True)
class LastTrial:
    """Each line's previous trial, for :func:`table.across_trials`."""

    name: np.ndarray  # (m,) the family of that trial (None: none yet)
    step: np.ndarray  # (m,)
    best: np.ndarray  # (m, k)
    diffs: np.ndarray  # (levels - 1, m, k)
    resolved: np.ndarray  # (levels - 1, m, k)

    @classmethod
    def empty(cls, m: int, k: int, differences: int) -> LastTrial:
        return cls(
            name=np.full(m, None, dtype=object),
            step=np.full(m, np.inf),
            best=np.full((m, k), np.nan),
            diffs=np.full((differences, m, k), np.nan),
            resolved=np.zeros((differences, m, k), dtype=bool),
        )


@dataclass
class _LineState:
    """Per-line state of the adaptive engine (arrays indexed by line)."""

    value: np.ndarray  # (m, k) best estimate so far
    error: np.ndarray  # (m, k) its error estimate
    best_step: np.ndarray  # step of the best trial
    status: np.ndarray
    active: np.ndarray  # still iterating
    next_h: np.ndarray  # step of the next trial
    mode: np.ndarray  # "central", "forward" or "backward"
    nfev: np.ndarray
    tried: np.ndarray  # trials made
    sided: np.ndarray  # one-sided trials made (see _confirm)
    previous: np.ndarray  # (m, k) the one-sided result awaiting confirmation ...
    previous_error: np.ndarray  # ... its error estimate ...
    previous_step: np.ndarray  # ... and step
    blind: np.ndarray  # the best trial resolved nothing: its truncation is unknown
    scale: np.ndarray  # the line's own scale, max(|x|, floor, 1) (see FLAT_STEP)
    limit: np.ndarray  # the largest step of the family being evaluated
    natural: np.ndarray  # max|f| / scale**n at the best trial (see SUCCESS_RTOL)
    start: np.ndarray  # the family each line started with (a domain bound can choose it)

    @classmethod
    def initial(cls, h: np.ndarray, k: int, method: str) -> _LineState:
        m = h.size
        return cls(
            value=np.full((m, k), np.nan),
            error=np.full((m, k), np.inf),
            best_step=h.copy(),
            status=np.full(m, UNRELIABLE),
            active=np.ones(m, dtype=bool),
            next_h=h.copy(),
            mode=np.full(m, method, dtype=object),
            nfev=np.zeros(m, dtype=np.int64),
            tried=np.zeros(m, dtype=np.int64),
            sided=np.zeros(m, dtype=np.int64),
            previous=np.full((m, k), np.nan),
            previous_error=np.full((m, k), np.inf),
            previous_step=np.full(m, np.inf),
            blind=np.zeros(m, dtype=bool),
            scale=np.ones(m),
            limit=np.full(m, np.inf),
            natural=np.zeros(m),
            start=np.full(m, method, dtype=object),
        )


def claimable(value: Any, error: Any, natural: Any, eps: float, ops: Arithmetic = ARRAYS) -> Any:
    """Per line: the error estimate is small enough to claim success.

    The bound is ``SUCCESS_RTOL`` of the line's scale in float64. A lower
    precision cannot reach it (float32's eps is 1.2e-7), so there the bound is
    ``eps ** (1/3)`` (4.9e-3 in float32): about what a second difference reaches
    in that precision, where a first difference reaches ``eps ** (2/3)``.
    """
    magnitude = ops.line_max(ops.absolute(value))
    size = ops.maximum(magnitude, natural)
    worst = ops.line_max(error)
    rtol = SUCCESS_RTOL if eps <= FLOAT64_EPS else eps ** (1 / 3)
    # a value within its estimate of 0 (x**7 at 0: 0 +- 2e-17 where f ~ 1e-21)
    # is claimed as a zero when the estimate is below ZERO_ATOL
    zero = (magnitude <= worst) & (worst <= ZERO_ATOL)
    return (worst <= rtol * size) | zero


def _capped(x: np.ndarray, h: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """``h`` no larger than ``limit`` (made exact where that stays within it)."""
    h = np.minimum(h, limit)
    exact = exact_step(x, h)
    return np.where(exact <= limit, exact, h)


# a line keeps the central family while the domain caps its step at no less than
# 1/CENTRAL_ROOM of its first step: rounding then grows at most that much, and an
# eighth-order central table at that step still beats a one-sided one at the full step
CENTRAL_ROOM = 16.0


def _start_in_domain(
    method: str, h: np.ndarray, limits: dict[str, np.ndarray], room: np.ndarray
) -> np.ndarray:
    """Per line, the family to start with inside a domain (see :func:`adaptive`)."""
    toward = np.where(room[1] >= room[0], "forward", "backward").astype(object)
    cramped = limits[method] < h / CENTRAL_ROOM
    if method != "central":  # keep the caller's side unless the other has more room
        cramped &= toward != method
    return np.where(cramped, toward, method).astype(object)


def _capped_by_start(
    x: np.ndarray, h: np.ndarray, limits: dict[str, np.ndarray], start: np.ndarray
) -> np.ndarray:
    limit = np.empty(x.shape)
    for name, bound in limits.items():
        limit = np.where(start == name, bound, limit)
    return _capped(x, h, limit)


def _grid(lines: np.ndarray, h: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    point_lines = np.repeat(lines, offsets.size)
    point_offsets = (h[:, None] * offsets.astype(h.dtype)[None, :]).ravel()
    return point_lines, point_offsets


def fixed_step(g: Lines, h: np.ndarray, *, method: str, n: int, order: int, k: int) -> np.ndarray:
    """One stencil per line with step ``h`` (shape (m,)); returns (m, k)."""
    offsets, weights = stencil(method, n, order)
    m = h.size
    lines = np.arange(m)
    if method == "complex":
        values = g.values(lines, 1j * h, k)
        return values.imag / h[:, None]
    point_lines, point_offsets = _grid(lines, h, offsets)
    values = g.values(point_lines, point_offsets, k).reshape(m, offsets.size, k)
    # for the textbook stencil this is (f(x+h) - f(x-h)) / (2h) bit for bit:
    # w = +-1/2 scale exactly, and the single rounded sum is the same
    total = np.einsum("p,mpk->mk", weights, values)
    return total / (h**n)[:, None]


def adaptive(
    g: LineSource,
    x: np.ndarray,
    *,
    method: str,
    n: int,
    order: int,
    levels: int,
    k: int,
    dtype: np.dtype,
    max_trials: int = 6,
    value_noise: float = 0.0,
    h0: np.ndarray | None = None,
    scale_floor: float = 0.0,
    careful: bool = False,
    max_step: np.ndarray | float | None = None,
    room: np.ndarray | None = None,
    tolerance: Any = None,
    position: np.ndarray | None = None,
) -> Estimates:
    """Adaptive step with error estimate for each of the ``m = x.size`` lines.

    ``careful`` trades a few more trials for a step nearer the optimum: the
    step model also extrapolates from the bounds that unresolved differences
    give (``bound_guess`` of :func:`table.error_table`), a step is
    accepted within ``CAREFUL_ACCEPT`` of the predicted optimum, and a step
    grows at most ``GUESS_GROWTH`` times per trial while the top difference is
    unresolved. The Hessian's diagonal uses it: every pair reuses its steps.

    ``max_step`` bounds the distance from ``x`` of every point where f is
    evaluated (per line; default :func:`steps.default_reach`): the
    step of a family whose widest offset is ``w`` never exceeds
    ``max_step / w``. A line whose step model asks for more stops there.

    ``room`` (shape (2, m): the distance from ``x`` to the domain's lower and
    upper bound, already shortened for rounding by
    :func:`steps.domain_room`) caps each side separately: the central
    family's step by the smaller room, the forward family's by the upper room,
    the backward family's by the lower one. A line whose central step would be
    capped below ``1 / CENTRAL_ROOM`` of the first step at the line's scale,
    ``factor max(|x|, scale_floor, 1)`` (0.015 in float64), starts with the
    one-sided family on the side with more room (forward for
    ``method="central"`` or ``"forward"`` where the upper room is at least the
    lower one, else backward); a one-sided family the caller asked for whose
    side has less room than the other, and too little for its first step, turns
    the same way. Such a line's result has status ``CONVERGED``, as for a
    one-sided method the caller chose.

    ``position`` (per line; default ``|x|``) is where the line's points sit, for
    the noise model's rounding of f's argument (:func:`table.error_table`): a
    line through x along a direction (``jvp``) has its parameter at 0 but its
    points at ``x``.

    ``tolerance`` (a :class:`steps.Tolerance` or None) stops a line as
    soon as its best estimate is reliable (status 0 or 1) and its error estimate
    is at most ``atol + rtol |value|`` (every output); ``max_trials`` bounds
    the trials (a one-sided result's confirmation included; a success at a step
    above 1 gets one confirming trial more, see :func:`confirm_large`).
    """
    m = x.size
    eps = float(np.finfo(dtype).eps)
    # the stencil families this call may use: central only where the caller asked for it
    families = {side: family(side, n, order, levels) for side in ("forward", "backward")}
    if method == "central":
        families["central"] = family("central", n, order, levels)
    start_method = method
    p_top = families[start_method][2][-1]
    factor = relative_factor(dtype, p_top, n)
    h = initial_step(x, factor, floor=scale_floor, n=n) if h0 is None else h0
    h_min = smallest_step(dtype, n)
    reach = default_reach(x, scale_floor) if max_step is None else max_step
    position = np.abs(x) if position is None else np.broadcast_to(position, x.shape)
    reach = np.broadcast_to(np.asarray(reach, dtype=float), x.shape)
    sides = {"central": reach, "forward": reach, "backward": reach}
    if room is not None:  # each side of the domain caps the families that reach it
        below, above = room[0], room[1]
        sides = {
            "central": np.minimum(reach, np.minimum(below, above)),
            "forward": np.minimum(reach, above),
            "backward": np.minimum(reach, below),
        }
    limits = {  # the largest step of each family
        name: sides[name] / float(np.max(np.abs(fam[0]))) for name, fam in families.items()
    }
    start = np.full(m, start_method, dtype=object)
    if room is not None:
        # judged against the first step at the line's own scale (at least 1): near
        # x = 0 the first step is tiny and grows later, where the bound stops it
        usual = factor * np.maximum(np.maximum(np.abs(x), scale_floor), 1.0)
        start = _start_in_domain(start_method, usual, limits, room)
    h = _capped_by_start(x, h, limits, start)
    state = _LineState.initial(h, k, start_method)
    state.mode = start.copy()
    state.start = start
    state.scale = np.maximum(np.maximum(np.abs(x), scale_floor), 1.0)
    trials = Trials.empty(max_trials + 1, m, k)  # one row more: confirm_large's trial
    last = LastTrial.empty(m, k, len(families[start_method][2]) - 1)
    rule = Rule(n=n, eps=eps, start_method=start_method, careful=careful)
    while state.active.any():
        state.next_h = h.copy()
        for name in ("central", "forward", "backward"):
            lines = np.flatnonzero(state.active & (state.mode == name))
            if lines.size == 0 or name not in families:
                continue
            offsets, weights, orders = families[name]
            h[lines] = _capped(x[lines], h[lines], limits[name][lines])
            state.limit[lines] = limits[name][lines]
            point_lines, point_offsets = _grid(lines, h[lines], offsets)
            values = g.values(point_lines, point_offsets, k).reshape(lines.size, offsets.size, k)
            state.nfev[lines] += int(np.count_nonzero(offsets)) + (0 if np.all(offsets) else 1)
            state.tried[lines] += 1
            finite = np.isfinite(values).all(axis=(1, 2))
            _handle_nonfinite(g, lines[~finite], values[~finite], offsets, name, state, k)
            ok = lines[finite]
            if ok.size == 0:
                continue
            table = error_table(
                *_nearest_first(name, values[finite], weights),
                orders,
                h[ok],
                n,
                eps,
                value_noise,
                bound_guess=careful,
                mirrored=name == "central" and n % 2 == 1,
                position=position[ok] if value_noise == 0 else None,
                width=float(np.ptp(offsets)),
            )
            table = across_trials(table, last, ok, h[ok], name, orders)
            record(trials, table, ok, state.tried[ok] - 1, h[ok])
            _update(table, ok, h, name, orders[-1], state, rule)
            if tolerance is not None:  # reliable and within the caller's tolerance: done
                within = tolerance.met(state.value[ok], state.error[ok])
                state.active[ok[within & (state.status[ok] >= 0)]] = False
            # a line whose step model asks for a step beyond the bound stops there,
            # or, where its estimate is not yet small enough to claim (lower orders
            # resolved, the top one not: a pessimistic bound), tries a smaller step
            at_bound = h[ok] >= limits[name][ok] * (1 - 1e-12)
            wants_more = at_bound & (state.next_h[ok] >= h[ok]) & state.active[ok]
            with np.errstate(invalid="ignore"):
                fine = claimable(state.value[ok], state.error[ok], state.natural[ok], eps)
            state.active[ok[wants_more & fine]] = False
            state.next_h[ok[wants_more & ~fine]] = h[ok[wants_more & ~fine]] * SHRINK
            other = state.start[ok] != name
            if other.any():
                _confirm(table.best[other], table.error[other], ok[other], h, state)
        state.active &= state.tried < max_trials
        h = exact_step(x, np.maximum(state.next_h, h_min))
    # a one-sided result never confirmed by a second step is not trusted
    status, best_step = state.status, state.best_step
    # nan is never a success, whatever the tables said
    status[(status >= 0) & ~np.isfinite(state.value).all(axis=1)] = UNRELIABLE
    status[(state.sided < 2) & (status == ONE_SIDED)] = UNRELIABLE
    for name in ("central", "forward", "backward"):
        among = state.start == name
        if among.any():
            large = Confirmation(
                x=x,
                name=name,
                family=families[name],
                k=k,
                n=n,
                eps=eps,
                h_min=h_min,
                limit=limits[name],
                position=position,
            )
            _confirm_large(
                g, trials, status, best_step, state.nfev, large, value_noise, max_trials, among
            )
    status[(status == CONVERGED) & ~consistent(trials, state.value, best_step)] = UNRELIABLE
    if tolerance is None:
        with np.errstate(invalid="ignore"):
            fine = claimable(state.value, state.error, state.natural, eps)
    else:  # the caller's tolerance replaces the engine's own bar for success
        fine = tolerance.met(state.value, state.error)
    status[(status >= 0) & ~fine] = IMPRECISE
    return Estimates(
        value=state.value, error=state.error, step=best_step, status=status, nfev=state.nfev
    )


def _nearest_first(
    name: str, values: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The stencil values and weights in the order of increasing distance from x.

    A backward family's points are a forward family's mirrored (offsets ``-7.293 .. 0``
    against ``0 .. 7.293``, weights equal up to the sign ``(-1)**n``). Summed nearest
    first, f at x backward and f(-t) at -x forward add the same numbers in the
    same order, so the two tables are exact mirrors and every decision the engine
    takes on them is the same (the mirror property), not only equal to rounding.
    """
    if name == "backward":  # contiguous: einsum's summation order follows the memory layout
        return np.ascontiguousarray(values[:, ::-1]), np.ascontiguousarray(weights[:, ::-1])
    return values, weights


def _confirm_large(
    g: Any,
    trials: Trials,
    status: np.ndarray,
    best_step: np.ndarray,
    nfev: np.ndarray,
    setup: Confirmation,
    value_noise: float,
    row: int,
    among: np.ndarray,
) -> None:
    """A success at a large step needs a confirming trial (see :func:`confirm_large`);
    ``among``: the lines that started with ``setup.family``."""
    offsets, weights, orders = setup.family

    def evaluate(lines: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
        h = _capped(setup.x[lines], np.maximum(h, setup.h_min), setup.limit[lines])
        point_lines, point_offsets = _grid(lines, h, offsets)
        values = g.values(point_lines, point_offsets, setup.k)
        values = values.reshape(lines.size, offsets.size, setup.k)
        nfev[lines] += int(np.count_nonzero(offsets)) + (0 if np.all(offsets) else 1)
        finite = np.isfinite(values).all(axis=(1, 2))
        table = None
        if finite.any():
            table = error_table(
                *_nearest_first(setup.name, values[finite], weights),
                orders,
                h[finite],
                setup.n,
                setup.eps,
                value_noise,
                position=setup.position[lines[finite]] if value_noise == 0 else None,
                width=float(np.ptp(offsets)),
            )
        return finite, h, table

    large = (status == CONVERGED) & (best_step > CONFIRM_STEP) & among
    failed = confirm_large(trials, large, best_step, setup.n, evaluate, row, SHRINK)
    status[failed] = UNRELIABLE


def _confirm(
    estimate: np.ndarray, error: np.ndarray, lines: np.ndarray, h: np.ndarray, state: _LineState
) -> None:
    """One-sided stencils next to a singularity (sqrt at 0) can look asymptotic at
    one step while diverging as h -> 0. So a one-sided line that would stop with
    success is evaluated once more at a quarter of its best step, and the two
    results must agree within their error estimates (a confirmation that could
    not use a smaller step, at the smallest step allowed, confirms nothing)."""
    checking = state.sided[lines] == 1  # this trial was the confirmation
    checked = lines[checking]
    with np.errstate(all="ignore"):
        agree = np.all(
            np.abs(estimate[checking] - state.previous[checked])
            <= error[checking] + state.previous_error[checked],
            axis=1,
        )
    agree &= h[checked] < state.previous_step[checked]
    state.status[checked[~agree]] = UNRELIABLE
    state.sided[checked] = 2
    state.active[checked] = False
    wants = (
        ~checking
        & ~state.active[lines]
        & (state.status[lines] == ONE_SIDED)
        & (state.sided[lines] == 0)
    )
    starting = lines[wants]
    state.sided[starting] = 1
    state.previous[starting] = estimate[wants]
    state.previous_error[starting] = error[wants]
    state.previous_step[starting] = h[starting]
    state.next_h[starting] = state.best_step[starting] / 4
    state.active[starting] = True


def _handle_nonfinite(
    g: Any,
    lines: np.ndarray,
    values: np.ndarray,
    offsets: np.ndarray,
    name: str,
    state: _LineState,
    k: int,
) -> None:
    if lines.size == 0:
        return
    base = g.values(lines, np.zeros(lines.size), k)
    if not g.shared_base:  # one more evaluation per line (shared: f(x) once for all)
        state.nfev[lines] += 1
    base_finite = np.isfinite(base).all(axis=1)
    plus = np.isfinite(values[:, offsets > 0]).all(axis=(1, 2))
    minus = np.isfinite(values[:, offsets < 0]).all(axis=(1, 2))
    for i, line in enumerate(lines):
        if not base_finite[i]:
            state.status[line] = NONFINITE
            state.active[line] = False
        elif name == "central" and plus[i]:
            state.mode[line] = "forward"
        elif name == "central" and minus[i]:
            state.mode[line] = "backward"
        else:  # both sides touch the trouble (or one-sided already): smaller step
            state.next_h[line] = state.next_h[line] * SHRINK


@dataclass(frozen=True)
class Verdict:
    """What one trial's table decides for each line (arrays of shape (m,), or one
    line's floats and bools; see :func:`judge`)."""

    asymptotic: Any  # the table's differences shrink on every output
    known: Any  # the value is known: resolved, or its rounding small enough, or flat
    accept: Any  # this trial ends the line's search (with success, if it is the best)
    resolved: Any  # some difference resolved on some output
    small_enough: Any  # rounding at most 1e3 eps |value|
    flat_known: Any  # flat at a step large enough to trust it
    natural: Any  # max|f| / scale**n (see SUCCESS_RTOL)
    truncation: Any  # the step model's two terms, worst over the outputs
    rounding: Any
    claimable: Any  # the trial's error estimate is small enough to claim (see claimable)
    h_star: Any  # the step the model predicts best
    aim: Any  # 1e3 eps |value|: the rounding an unresolved table must reach


def judge(
    table: Table,
    h: Any,
    limit: Any,
    scale: Any,
    *,
    n: int,
    p: int,
    eps: float,
    careful: bool,
    ops: Arithmetic = ARRAYS,
) -> Verdict:
    """The engine's decision on one trial: is the value known, does the search end here.

    ``h`` is the trial's step, ``limit`` the family's largest, ``scale`` the line's
    own scale ``max(|x|, floor, 1)``, ``p`` the family's top order. The rules run
    on arrays of lines (:func:`_update`) and, through ``ops=FLOATS``, on the scalar
    fast path's first trial (:mod:`first_trial`): written once.
    """
    asymptotic = ops.line_all(table.asymptotic)
    resolved = ops.line_any(table.any_resolved)
    magnitude = ops.line_max(ops.absolute(table.best))
    rounding = ops.line_max(table.rounding)
    # nothing resolved: truncation is below the rounding level even for the
    # lowest order, so the step is too small (or f is a low-degree polynomial);
    # the value is known only when that rounding level is small next to it
    aim = 1e3 * eps * magnitude
    small_enough = rounding <= aim
    # every estimate exactly 0: f flat along the line, or even about x (cos at 0)
    flat = ops.line_all(table.flat)
    at_bound = h >= limit * (1 - 1e-12)
    flat_known = flat & ((h >= FLAT_STEP * scale) | at_bound)
    settled = at_bound & (rounding <= SETTLED_RTOL * magnitude)
    natural = ops.line_max(table.scale) / scale**n
    bounded = rounding <= UNRESOLVED_RTOL * ops.maximum(magnitude, natural)
    known = resolved | small_enough | flat_known | settled | bounded
    truncation = ops.line_max(table.truncation)
    # the step minimising T h^p + R / h^n given both terms at h
    h_star, e_star = optimal_step(h, truncation, rounding, p, n, ops)
    # compare the model with itself: the measured error also holds unresolved noise
    accept_factor = CAREFUL_ACCEPT if careful else ACCEPT_FACTOR
    accept_resolved = resolved & asymptotic & (truncation + rounding <= accept_factor * e_star)
    accept_unresolved = ops.invert(resolved) & small_enough
    # a power law (f homogeneous about x) has no optimal step: its error falls
    # with h at every step, so the step model does not apply
    accept_scaling = asymptotic & ops.line_any(table.scaling)
    # only the lowest order differs from the others beyond rounding: the higher
    # orders are exact to rounding (a low-degree polynomial), and that rounding
    # is small next to the value; a larger step would only shave rounding
    polynomial: Any = False
    if len(table.resolved) >= 2:
        exact_above = table.resolved[0] & ops.invert(ops.any_of(table.resolved[1:]))
        polynomial = ops.line_all(exact_above | table.flat) & small_enough
    accept = accept_resolved | accept_unresolved | accept_scaling | polynomial | flat_known
    # a trial whose reported error is too large to claim does not end the search
    # (its lower orders resolved, the top one not: the bound is pessimistic, and a
    # smaller step shrinks it); the search ends anyway after max_trials
    small_error = claimable(table.best, table.error, natural, eps, ops)
    accept = accept & (small_error | flat_known)
    return Verdict(
        asymptotic=asymptotic,
        known=known,
        accept=accept,
        resolved=resolved,
        small_enough=small_enough,
        flat_known=flat_known,
        natural=natural,
        truncation=truncation,
        rounding=rounding,
        claimable=small_error,
        h_star=h_star,
        aim=aim,
    )


def _update(
    table: Table,
    lines: np.ndarray,
    h: np.ndarray,
    name: str,
    p: int,
    state: _LineState,
    rule: Rule,
) -> None:
    """Keep each line's best trial, then decide (:func:`judge`): accept, stop, or
    move the step.

    ``p`` is the top order of the family just evaluated; ``rule`` holds the
    derivative order ``n``, ``eps``, the ``start_method`` (a result of another
    method is one-sided) and ``careful``.
    """
    value, error, best_step, status, active = (
        state.value,
        state.error,
        state.best_step,
        state.status,
        state.active,
    )
    n, eps, careful = rule.n, rule.eps, rule.careful
    hl = h[lines]
    with np.errstate(all="ignore"):  # scale**n beyond the largest float: natural is 0
        verdict = judge(
            table, hl, state.limit[lines], state.scale[lines], n=n, p=p, eps=eps, careful=careful
        )
    # a line's figures are the worst over its outputs
    improved = table.error.max(axis=1) < error[lines].max(axis=1)
    chosen = lines[improved]
    value[chosen] = table.best[improved]
    error[chosen] = table.error[improved]
    best_step[chosen] = h[chosen]
    state.natural[chosen] = verdict.natural[improved]
    ok_status = np.where(state.start[lines] == name, CONVERGED, ONE_SIDED)
    asymptotic, known, resolved = verdict.asymptotic, verdict.known, verdict.resolved
    status[chosen] = np.where(
        asymptotic[improved] & known[improved], ok_status[improved], UNRELIABLE
    )
    blind = state.blind[lines]
    state.blind[chosen] = ~known[improved]
    # a blind jump (from a best trial that resolved nothing) that landed on a
    # step too large: try again between the two steps instead of stopping
    retreat = ~improved & ~asymptotic & blind & (hl > best_step[lines])
    state.next_h[lines[retreat]] = np.sqrt(best_step[lines[retreat]] * hl[retreat])
    # not improving any more: stop with the best trial so far
    active[lines[~improved & ~retreat]] = False
    accept = verdict.accept
    active[lines[accept & improved]] = False
    rounding, aim = verdict.rounding, verdict.aim
    with np.errstate(all="ignore"):
        growth = np.where(aim > 0, (rounding / np.where(aim > 0, aim, 1.0)) ** (1.0 / n), 1e3)
    growth = np.clip(growth, 4.0, BLIND_GROWTH)
    largest = np.full(hl.shape, MAX_GROWTH)
    if careful:
        largest[~table.top_resolved.all(axis=1)] = GUESS_GROWTH
    # lower orders resolved, the top one not, and the reported error (the lower
    # levels' bound) too large to claim: a polynomial's exact top level or a step
    # far from the best; a smaller step shrinks the bound at the lower orders' rate
    # (where rounding dominates the reported error, a smaller step only makes it
    # worse: exp, n = 4, at -1 has 3e-7 of rounding at the first step; the model grows it)
    pessimistic = resolved & ~table.top_resolved.all(axis=1)
    pessimistic &= ~verdict.claimable
    pessimistic &= table.error.max(axis=1) - rounding >= rounding
    move = np.where(
        ~asymptotic | pessimistic,
        hl * SHRINK,
        np.where(resolved, np.clip(verdict.h_star, hl / MAX_GROWTH, hl * largest), hl * growth),
    )
    # flat at a small step (x tiny, so the first step was): to the first step the
    # engine takes at x = 0, 1.5 FLAT_STEP of the scale; beyond it, to the bound
    jump = 1.5 * FLAT_STEP * state.scale[lines]
    flat = table.flat.all(axis=1)
    move = np.where(flat, np.where(hl < jump, jump, np.inf), move)
    still = improved & ~accept
    state.next_h[lines[still]] = move[still]
