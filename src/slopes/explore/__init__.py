"""See it move: gradient descent and finite differences you can play with in a browser.

``slopes explore`` (or :func:`serve`) starts a small web server on this
machine and opens its page: pick a function, click a start point, drag the
learning rate from 1e-10 to 10 and watch the path, f per step and
:func:`slopes.minimize`'s diagnosis change; compare optimisers from one start;
and see the error of forward and central differences against the step h
(chapter 4's lesson). Everything runs locally: the page's JavaScript and CSS
ship inside the package, and the page fetches nothing from anywhere else.

The JSON API
------------
The page uses it, and so can a script (``GET``, query string in, JSON out):

``/api/minimize?function=&start=&lr=&optimizer=&steps=``
    A descent: ``{status, message, path, values, ...}``; ``path`` lists every
    iterate, the start first, and ``values`` f at each. Optional
    ``momentum``, ``alpha`` (RMSprop), ``beta1``, ``beta2`` (Adam).
``/api/grid?function=&xmin=&xmax=&ymin=&ymax=&nx=&ny=``
    A function of two variables on a grid (at most 400 x 400), for contours.
``/api/derivative?function=&x=&h=``
    The derivative lesson: forward and central differences at ``h``, their
    errors for ``h`` from 1e-16 to 1, and slopes' automatic result.
``/api/functions``
    The named test functions, the optimisers and the limits.

Bad input is answered with HTTP 400 and ``{"error": "..."}`` (for an
expression, the expression language's own message). Every request is bounded:
at most 10,000 steps, a 400 x 400 grid, 4 KiB of request, 3 s of descent.

Examples
--------
>>> import json, threading, urllib.request
>>> from slopes.explore import make_server
>>> server = make_server(port=0)
>>> thread = threading.Thread(target=server.serve_forever, daemon=True)
>>> thread.start()
>>> url = server.url + "api/minimize?function=function_2&start=-3,4&lr=10&steps=100"
>>> with urllib.request.urlopen(url) as answer:
...     json.load(answer)["status"]
'diverged'
>>> server.shutdown(); server.server_close()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._command import add_arguments, command, serve

# the server and the API import the library (minimize, derivative): loaded on first use,
# so that registering `slopes explore` on the command line costs nothing
_LAZY = {
    "OPTIMIZERS": "slopes.explore._api",
    "ApiError": "slopes.explore._problem",
    "ExploreServer": "slopes.explore._server",
    "make_server": "slopes.explore._server",
}

__all__ = [
    "OPTIMIZERS",
    "ApiError",
    "ExploreServer",
    "add_arguments",
    "command",
    "make_server",
    "serve",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'slopes.explore' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # pragma: no cover
    from ._api import OPTIMIZERS
    from ._problem import ApiError
    from ._server import ExploreServer, make_server
