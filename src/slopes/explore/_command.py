"""``slopes explore``: start the server, print its address, open the page, stop on Ctrl-C.

The command line only registers the command: :func:`add_arguments` fills its
parser and :func:`command` runs it, so the explorer's options live beside
the explorer. Nothing heavy is imported until the server starts, so that
``slopes --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
import threading
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from .._util.warnings import SlopesWarning
from ._limits import LOOPBACK_HOSTS

if TYPE_CHECKING:  # pragma: no cover
    from ._server import ExploreServer

__all__ = ["add_arguments", "command", "serve"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``slopes explore`` to ``parser``.

    The options are ``--port`` (default 8765; 0 picks a free one), ``--host``
    (default 127.0.0.1), ``--no-browser`` and ``--lang {en,ko}``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The parser of the ``explore`` subcommand; it gains the options.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="slopes explore")
    >>> add_arguments(parser)
    >>> args = parser.parse_args(["--port", "0", "--no-browser"])
    >>> args.port, args.host, args.no_browser, args.lang
    (0, '127.0.0.1', True, 'en')
    """
    parser.add_argument("--port", type=int, default=8765, help="port (0: a free one)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1: this machine only)",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="do not open the page in a browser"
    )
    parser.add_argument("--lang", choices=("en", "ko"), default="en", help="page language")


def _page_url(server: ExploreServer, lang: str) -> str:
    return server.url + ("?lang=ko" if lang == "ko" else "")


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    open_browser: bool = True,
    lang: str = "en",
    out: TextIO | None = None,
    on_ready: Callable[[ExploreServer], Any] | None = None,
) -> str:
    """Serve the explorer until Ctrl-C; return its address.

    Parameters
    ----------
    host : str
        Address to bind. Anything but 127.0.0.1 (or localhost, ::1) makes the
        page reachable from other machines, and warns so.
    port : int
        Port; 0 picks a free one.
    open_browser : bool
        Open the page in the default browser.
    lang : {"en", "ko"}
        Language the page starts in (the page can switch).
    out : file, optional
        Where to print ``Serving on URL`` (default stdout).
    on_ready : callable, optional
        Called with the server once it listens, before it serves (a caller
        can keep it to call ``shutdown()`` from another thread).

    Returns
    -------
    str
        The page's address, once the server has stopped.

    Raises
    ------
    ValueError
        For a ``lang`` other than "en" or "ko", a port out of range or one
        that cannot be listened on.

    Examples
    --------
    Serve, and stop as soon as the server listens (a caller with a page to
    show would keep the server and stop it later):

    >>> import io, threading
    >>> def stop_at_once(server):
    ...     threading.Thread(target=server.shutdown).start()
    >>> out = io.StringIO()
    >>> url = serve(port=0, open_browser=False, out=out, on_ready=stop_at_once)
    >>> out.getvalue().strip() == f"Serving on {url}", url.startswith("http://127.0.0.1:")
    (True, True)
    """
    if lang not in ("en", "ko"):
        raise ValueError(f"`lang` must be 'en' or 'ko', got {lang!r}")
    out = sys.stdout if out is None else out
    if host not in LOOPBACK_HOSTS:
        warnings.warn(
            f"binding to {host}: the explorer becomes reachable from other machines "
            "(use the default 127.0.0.1 to keep it on this one)",
            SlopesWarning,
            stacklevel=2,
        )
    from ._server import make_server  # the library, only when serving

    server = make_server(host, port)
    url = _page_url(server, lang)
    print(f"Serving on {server.url}", file=out, flush=True)
    if open_browser:
        import webbrowser

        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    if on_ready is not None:
        on_ready(server)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("Stopped.", file=out, flush=True)
    finally:
        server.server_close()
    return server.url


def _one_line_warning(message: Any, *args: Any, **kwargs: Any) -> None:
    print(f"slopes explore: warning: {message}", file=sys.stderr, flush=True)


def command(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """Run ``slopes explore`` from parsed arguments (the command line's handler).

    It serves until Ctrl-C, printing the address; a warning (binding to an
    address other machines can reach) is printed on one line of stderr.

    Parameters
    ----------
    args : argparse.Namespace
        Arguments parsed by a parser that :func:`add_arguments` filled.

    Returns
    -------
    dict
        ``{"command": "explore", "url": url}``, the command line's record of
        the run, once the server has stopped.
    str
        Text for the terminal after the run (empty: :func:`serve` prints
        the address as it starts).

    Raises
    ------
    ValueError
        For a port outside 0..65535 (naming ``--port``), or the errors of
        :func:`serve`.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="slopes explore")
    >>> add_arguments(parser)
    >>> command(parser.parse_args(["--port", "70000"]))
    Traceback (most recent call last):
        ...
    ValueError: `--port` must be in 0..65535, got 70000
    """
    if not 0 <= args.port <= 65535:
        raise ValueError(f"`--port` must be in 0..65535, got {args.port}")
    with warnings.catch_warnings():  # restores showwarning too
        warnings.simplefilter("always", SlopesWarning)
        warnings.showwarning = _one_line_warning
        url = serve(args.host, args.port, open_browser=not args.no_browser, lang=args.lang)
    return {"command": "explore", "url": url}, ""
