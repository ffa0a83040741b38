"""The warning category of slopes.

Every warning that slopes itself raises is a :class:`SlopesWarning`, so that a
user can filter them all at once without touching other libraries' warnings.

Examples
--------
>>> import warnings
>>> from slopes import SlopesWarning
>>> issubclass(SlopesWarning, RuntimeWarning)
True
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore", SlopesWarning)  # silence slopes only
"""

from __future__ import annotations

__all__ = ["SlopesWarning"]


class SlopesWarning(RuntimeWarning):
    """A warning raised by slopes (a :class:`RuntimeWarning` subclass).

    Filter it with ``warnings.simplefilter("ignore", slopes.SlopesWarning)``.
    """
