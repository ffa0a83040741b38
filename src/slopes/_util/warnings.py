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

__all__ = ["SlopesDeprecationWarning", "SlopesWarning"]


class SlopesWarning(RuntimeWarning):
    """A warning raised by slopes (a :class:`RuntimeWarning` subclass).

    Filter it with ``warnings.simplefilter("ignore", slopes.SlopesWarning)``.

    Examples
    --------
    A derivative where ``f`` is not finite comes back as nan, with a warning
    that says why:

    >>> import warnings
    >>> import numpy as np
    >>> from slopes import SlopesWarning, derivative
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always", SlopesWarning)
    ...     value = derivative(np.log, -1.0)
    >>> print(value, caught[0].category.__name__)
    nan SlopesWarning
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", SlopesWarning)  # or turn them into errors
    ...     derivative(np.log, -1.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    slopes._util.warnings.SlopesWarning: the derivative is not finite at 1 of 1 entry: ...
    """


class SlopesDeprecationWarning(SlopesWarning, DeprecationWarning):
    """A name or behaviour of slopes that goes in the next release.

    Both a :class:`SlopesWarning` (so filtering slopes' warnings catches it) and a
    :class:`DeprecationWarning` (so Python hides it, as it hides every deprecation,
    outside ``__main__`` and test runners).

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from slopes import gradient
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     g = gradient(lambda x: np.sum(x**2, axis=-1), np.ones(2), vectorized=1)
    >>> issubclass(caught[0].category, DeprecationWarning), caught[0].category.__name__
    (True, 'SlopesDeprecationWarning')
    """
