"""Serving an explorer page: a Bokeh server (through Panel) on this machine only, unless asked otherwise.

:func:`serve` binds ``host`` (default ``127.0.0.1``: other machines cannot connect) and
accepts websocket connections only from pages whose ``Origin`` is this server's own
address (Bokeh's origin check), so a page of another site cannot drive it. A port in use
is an :class:`experiments.errors.InputError` naming ``--port``.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Callable

from experiments.errors import InputError

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "allowed_origins", "free_port", "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5006


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port free on ``host`` now (the operating system's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def allowed_origins(host: str, port: int) -> list[str]:
    """The ``host:port`` origins whose pages may open the websocket: the server's own address
    (and ``localhost`` / ``127.0.0.1`` for a loopback server)."""
    names = {host}
    if _is_loopback(host):
        names |= {"localhost", "127.0.0.1"}
    return sorted(f"{name}:{port}" for name in names)


def serve(page: Callable[[], object], *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, show: bool = False,
          title: str = "epiturn explore", say: Callable[[str], None] = print) -> None:
    """Serve ``page`` (called once per browser session) at ``http://host:port/`` until interrupted.

    ``port`` 0: any free port. ``show``: open the page in the default browser. ``say`` is told the URL
    (and a warning when ``host`` is not a loopback address).
    """
    import panel as pn

    if not 0 <= port <= 65535:
        raise InputError(f"port: {port} is not a TCP port; allowed: 0 (any free port) to 65535", parameter="port")
    try:
        port = port or free_port(host)
        server = pn.serve(page, address=host, port=port, show=False, start=False, title=title,
                          allow_websocket_origin=allowed_origins(host, port), threaded=False)
    except OSError as exc:
        raise InputError(f"port: cannot listen on {host}:{port} ({exc.strerror or exc}); allowed: a free port "
                         f"(0 picks one)", parameter="port") from None
    url = f"http://{host}:{server.port}/"
    if not _is_loopback(host):
        say(f"warning: serving on {host}, reachable from other machines; the default is {DEFAULT_HOST}")
    say(f"epiturn explore: serving on {url} (Ctrl-C to stop)")
    server.start()
    if show:
        server.io_loop.add_callback(server.show, "/")
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        say("stopped")
    finally:
        server.stop()
