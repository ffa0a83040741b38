"""One callback contract for the loops of :func:`slopes.minimize` and :func:`slopes.fit`.

A callback runs once per iteration with what the loop knows then; it stops
the run -- status :attr:`slopes.Status.STOPPED` -- when it returns ``True``
(a Python or NumPy boolean) or raises :class:`StopIteration`, as scipy's
callbacks do. ``None``, ``False`` or no return at all go on, so a callback
that only records (``losses.append``) never stops a run by accident.

Before this contract, ``minimize`` stopped on any truthy return (``1``, a
non-empty list) and ``fit`` only on ``is True``. For one release, a truthy
return that is not a boolean still stops ``minimize``, with a
DeprecationWarning; ``fit`` ignores it, as it always did.

Examples
--------
>>> call_callback(lambda k: k == 3, 3, old_truthy_stops=False)
True
>>> call_callback(lambda k: None, 3, old_truthy_stops=False)
False
>>> def enough(k):
...     raise StopIteration
>>> call_callback(enough, 3, old_truthy_stops=False)
True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .warnings import SlopesDeprecationWarning

__all__ = ["call_callback"]


def call_callback(callback: Callable[..., Any], *args: Any, old_truthy_stops: bool) -> bool:
    """Call ``callback(*args)``; True when it asks the run to stop.

    Parameters
    ----------
    callback : callable
        The user's callback.
    *args
        What it receives.
    old_truthy_stops : bool
        The caller's rule before the shared contract stopped on any truthy
        return (``minimize``): such a return still stops, with a
        DeprecationWarning, for one release.

    Returns
    -------
    bool
        True when the callback returned True (or ``np.True_``) or raised
        StopIteration.
    """
    try:
        returned = callback(*args)
    except StopIteration:
        return True
    if returned is None or isinstance(returned, (bool, np.bool_)):
        return bool(returned)
    if old_truthy_stops and _truthy(returned):
        warnings.warn(
            f"the callback returned {_short(returned)}, which stops the run for now; from "
            "the next release only True (or raising StopIteration) stops it, as in fit",
            SlopesDeprecationWarning,
            stacklevel=3,
        )
        return True
    return False


def _truthy(value: Any) -> bool:
    try:
        return bool(value)
    except (TypeError, ValueError):  # an array of several values has no truth value
        return False


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
