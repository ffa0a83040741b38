"""The bounds every request to the explorer stays within.

The explorer serves anyone who can reach its port, so no request may make it
compute for long, allocate much or answer with megabytes: each bound below is
checked before any work starts (the time limit is checked while it runs).
"""

from __future__ import annotations

MAX_STEPS = 10_000
"""Most descent steps one request may ask for."""

MAX_GRID = 400
"""Most grid points along each axis of a contour grid (so at most 400 x 400)."""

MAX_REQUEST_BYTES = 4096
"""Longest request target (path and query string) accepted, in bytes."""

MAX_COORDINATES = 20
"""Most coordinates of a start point."""

TIME_LIMIT_S = 3.0
"""A descent still running after this many seconds stops, with status ``"stopped"``."""

MAX_COMPUTING = 8
"""Most API requests computing at once; one more waits up to TIME_LIMIT_S, then gets HTTP 503."""

LR_RANGE = (1e-12, 1e3)
"""Learning rates accepted (the page's slider spans 1e-10 to 10)."""

STEP_RANGE = (1e-16, 1.0)
"""Finite-difference steps ``h`` accepted by the derivative lesson."""

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
"""Hosts that keep the server on this machine (others get a warning)."""
