"""The one vocabulary in which every slopes result says how it ended: :class:`Status`.

Public as ``slopes.Status``. Differentiation results hold arrays of its
integer codes (one per element); ``minimize`` and ``fit`` hold one member.

Examples
--------
>>> Status.DIVERGED, str(Status.DIVERGED), Status.DIVERGED.success
(<Status.DIVERGED: -6>, 'diverged', False)
>>> Status("max_steps") is Status.MAX_STEPS, Status(0) is Status.CONVERGED
(True, True)
"""

from __future__ import annotations

import enum
import warnings

from .warnings import SlopesDeprecationWarning

__all__ = ["Status"]


class Status(enum.IntEnum):
    """How a computation ended: one vocabulary for every slopes result.

    A member is an ``int`` (so ``res.status == 0`` and arrays of codes keep
    working) that prints as its word (``str(Status.MAX_STEPS) == "max_steps"``).
    The non-negative codes are successes, the negative ones failures
    (:attr:`success`). Differentiation results hold an array of these codes,
    one per element (``res.status == Status.CONVERGED`` compares elementwise;
    ``Status(int(code))`` names one); ``minimize`` and ``fit`` hold one member.

    ==============  ====  =========================================================
    member          code  meaning
    ==============  ====  =========================================================
    ``CONVERGED``      0  derivatives: the error estimate is reliable;
                          ``minimize``: a stopping test (gradient or f change) held
    ``ONE_SIDED``      1  derivatives: a one-sided stencil, confirmed at a smaller step
    ``FIXED_STEP``     2  derivatives: ``step=h`` was given, one stencil, no estimate
                          (a success where the value is finite)
    ``COMPLETED``      3  ``fit``: every epoch ran, and the loss stayed finite
    ``UNRELIABLE``    -1  derivatives: the orders never agreed, or a smaller step
                          disagreed
    ``NONFINITE``     -2  derivatives: f is not finite at x or on both sides of it
    ``IMPRECISE``     -3  derivatives: a reliable estimate, but large for the value
    ``MAX_STEPS``     -4  ``minimize``: all steps taken without converging
    ``STALLED``       -5  ``minimize``: the learning rate is too small to move f
    ``DIVERGED``      -6  ``minimize``, ``fit``: f, the gradient or x became
                          non-finite, or f ran away
    ``STOPPED``       -7  ``minimize``, ``fit``: the callback asked to stop
    ==============  ====  =========================================================

    Before this enum, ``minimize`` and ``fit`` reported plain words
    (``"converged"``, ``"completed"``, ...). For one release a member still
    compares equal to its word, with a DeprecationWarning
    (``res.status == "converged"`` is True and warns; compare with
    ``slopes.Status.CONVERGED`` instead). A member hashes as its integer, so
    a *set* or dict of words no longer finds it: convert with ``str(status)``.
    ``Status("converged")`` looks a member up by its word.

    Examples
    --------
    >>> Status.CONVERGED == 0, Status.STALLED.success, f"status {Status.STALLED}"
    (True, False, 'status stalled')
    >>> import numpy as np
    >>> [str(Status(code)) for code in np.array([0, -2])]
    ['converged', 'nonfinite']
    """

    CONVERGED = 0
    ONE_SIDED = 1
    FIXED_STEP = 2
    COMPLETED = 3
    UNRELIABLE = -1
    NONFINITE = -2
    IMPRECISE = -3
    MAX_STEPS = -4
    STALLED = -5
    DIVERGED = -6
    STOPPED = -7

    @property
    def word(self) -> str:
        """The member's name in lower case: ``"max_steps"``."""
        return self.name.lower()

    @property
    def success(self) -> bool:
        """True for the non-negative codes: the computation did what was asked."""
        return self.value >= 0

    def __str__(self) -> str:
        return self.word

    def __format__(self, spec: str) -> str:
        return format(self.word, spec)

    def __eq__(self, other: object) -> bool:
        return self._equals(other)

    def __ne__(self, other: object) -> bool:
        equal = self._equals(other)
        return equal if equal is NotImplemented else not equal

    def _equals(self, other: object) -> bool:
        if isinstance(other, str):
            warnings.warn(
                f"comparing a status with the word {other!r} is deprecated and stops "
                f"working in the next release: compare with slopes.Status.{other.upper()} "
                "(or str(status) with the word)",
                SlopesDeprecationWarning,
                stacklevel=3,  # _equals, then __eq__ or __ne__, then the caller
            )
            return self.word == other
        return int.__eq__(self, other)

    __hash__ = int.__hash__

    @classmethod
    def _missing_(cls, value: object) -> Status | None:
        # Status("converged"): a member by its word
        if isinstance(value, str):
            return cls.__members__.get(value.upper())
        return None
