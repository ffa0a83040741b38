"""The explorer's web server: the standard library's threading HTTP server.

Why the standard library: the explorer answers a few small JSON requests per
interaction on the learner's own machine, which :class:`http.server.ThreadingHTTPServer`
does in a millisecond, with no dependency to install and nothing imported
until ``slopes explore`` runs (``import slopes`` stays light). One thread per
request, so a slow descent does not block the page's other requests.

What it serves: the page (``/``) and its two assets from the package's
``static`` folder, held in memory, and the JSON API of
:mod:`slopes.explore._api` under ``/api/``. Only ``GET`` (and ``HEAD``) is
allowed; nothing is ever written to disk. The page's Content-Security-Policy
lets it load and fetch from this server only.
"""

from __future__ import annotations

import json
import sys
import threading
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, cast
from urllib.parse import urlsplit

from ._api import ENDPOINTS
from ._limits import LOOPBACK_HOSTS, MAX_COMPUTING, MAX_REQUEST_BYTES, TIME_LIMIT_S
from ._problem import ApiError

__all__ = ["ExploreServer", "make_server"]

_ASSETS = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/explore.js": ("explore.js", "text/javascript; charset=utf-8"),
    "/explore.css": ("explore.css", "text/css; charset=utf-8"),
}
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _load_assets() -> dict[str, tuple[bytes, str]]:
    folder = resources.files("slopes.explore").joinpath("static")
    return {
        path: (folder.joinpath(name).read_bytes(), kind) for path, (name, kind) in _ASSETS.items()
    }


class ExploreServer(ThreadingHTTPServer):
    """A :class:`~http.server.ThreadingHTTPServer` that serves the explorer.

    Make one with :func:`make_server`, which loads the assets and turns a port
    that cannot be listened on into a clear error.

    Parameters
    ----------
    host : str
        Address to bind.
    port : int
        Port to bind; 0 picks a free one.
    assets : dict
        URL path -> (bytes, content type) of the page and its assets.

    Attributes
    ----------
    assets : dict
        URL path -> (bytes, content type) of the page and its assets.
    url : str
        The address to open, like ``http://127.0.0.1:8765/``.

    Examples
    --------
    >>> import threading, urllib.request
    >>> server = make_server(port=0)
    >>> sorted(server.assets)
    ['/', '/explore.css', '/explore.js', '/index.html']
    >>> threading.Thread(target=server.serve_forever, daemon=True).start()
    >>> with urllib.request.urlopen(server.url) as answer:
    ...     answer.status, answer.headers["Content-Type"]
    (200, 'text/html; charset=utf-8')
    >>> server.shutdown(); server.server_close()
    """

    daemon_threads = True  # Ctrl-C does not wait for requests in flight
    allow_reuse_address = True

    def __init__(self, host: str, port: int, assets: dict[str, tuple[bytes, str]]) -> None:
        super().__init__((host, port), _Handler)
        self.assets = assets
        # one thread per request, but only so many computing at once (a flood of
        # requests must not starve the learner's own page)
        self.computing = threading.BoundedSemaphore(MAX_COMPUTING)
        bound_host, bound_port = cast("tuple[str, int]", self.server_address[:2])  # AF_INET(6)
        shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
        self.url = f"http://{shown}:{bound_port}/"
        self.loopback_only = host in LOOPBACK_HOSTS

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a browser that closes a connection early is not worth a traceback
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: ExploreServer
    server_version = "slopes-explore"
    sys_version = ""
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the terminal shows the one "Serving on" line

    def _send(self, status: HTTPStatus, body: bytes, kind: str, head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in _SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(self, status: HTTPStatus, payload: dict[str, Any], head: bool = False) -> None:
        body = json.dumps(payload, allow_nan=False, separators=(",", ":")).encode()
        self._send(status, body, "application/json", head)

    def _host_is_loopback(self) -> bool:
        # a page on another site must not reach this server through a DNS name that
        # resolves to 127.0.0.1 (DNS rebinding): when bound to loopback, the Host
        # header must name loopback too
        host = self.headers.get("Host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name.strip("[]") in LOOPBACK_HOSTS

    def do_GET(self, head: bool = False) -> None:
        if len(self.path) > MAX_REQUEST_BYTES:
            message = f"request too long: at most {MAX_REQUEST_BYTES} bytes of path and query"
            self._json(HTTPStatus.REQUEST_URI_TOO_LONG, {"error": message}, head)
            return
        if self.server.loopback_only and not self._host_is_loopback():
            self._json(HTTPStatus.FORBIDDEN, {"error": "Host must be 127.0.0.1"}, head)
            return
        target = urlsplit(self.path)
        if target.path in self.server.assets:
            body, kind = self.server.assets[target.path]
            self._send(HTTPStatus.OK, body, kind, head)
            return
        endpoint = ENDPOINTS.get(target.path)
        if endpoint is None:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no such page: {target.path[:80]}"}, head)
            return
        if not self.server.computing.acquire(timeout=TIME_LIMIT_S):
            message = f"busy: {MAX_COMPUTING} requests are computing; try again"
            self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": message}, head)
            return
        try:
            payload = endpoint(target.query)
        except ApiError as error:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(error)}, head)
            return
        except Exception as error:  # a bug: say so in JSON, and show it in the terminal
            traceback.print_exc()
            message = f"internal error: {type(error).__name__}: {error}"
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": message}, head)
            return
        finally:
            self.server.computing.release()
        self._json(HTTPStatus.OK, payload, head)

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def _not_allowed(self) -> None:
        self._json(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "only GET is allowed"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed


def make_server(host: str = "127.0.0.1", port: int = 0) -> ExploreServer:
    """A server for the explorer, bound but not yet serving.

    Parameters
    ----------
    host : str
        Address to bind; ``"127.0.0.1"`` keeps the page on this machine.
    port : int
        Port to bind; 0 picks a free one (see ``server.url``).

    Returns
    -------
    ExploreServer
        Call ``serve_forever()`` (in a thread, for tests) and ``shutdown()``.

    Raises
    ------
    ValueError
        When the port is out of range or cannot be listened on (in use).

    Examples
    --------
    >>> server = make_server(port=0)
    >>> server.url.startswith("http://127.0.0.1:")
    True
    >>> server.server_close()
    """
    if not 0 <= port <= 65535:
        raise ValueError(f"`port` must be in 0..65535, got {port}")
    assets = _load_assets()
    try:
        return ExploreServer(host, port, assets)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ValueError(f"`port`: cannot listen on {host}:{port}: {reason}") from None
