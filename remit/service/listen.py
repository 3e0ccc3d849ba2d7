"""How ``remit serve`` runs its worker processes: uvicorn, each worker with a listening socket
of its own where the system spreads connections over such sockets.

uvicorn's workers share one listening socket, and whichever worker wakes first accepts every
connection waiting: measured on ``bench/serve.py``'s 50 clients, one worker held 40
connections and the other 10 (so one core was saturated while the other idled), and both
requests of a two-request batch landed on one worker. On Linux, sockets bound to one port with
``SO_REUSEPORT`` form a group and the kernel hands each new connection to one of them by a
hash of its addresses — so each worker binds its own, and the connections spread over the
workers (docs/serve-load.md has the figures). Elsewhere, and with one worker, uvicorn's own
socket is used.

The parent binds the port first (so a port in use is refused at once, and port 0 becomes a
real port the workers share) but does not listen on it; uvicorn's supervisor starts, watches
and restarts the workers as usual, handing each a :class:`_OwnSocket` that, unpickled in the
new worker, is that worker's socket bound to the port.
"""

from __future__ import annotations

import contextlib
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from remit.i18n import t

STARTUP_FAILURE = 3
"""The exit status uvicorn gives when it cannot start (a port in use, say)."""


def balanced() -> bool:
    """Whether this system spreads connections over sockets sharing a port (Linux's
    ``SO_REUSEPORT``; BSD and macOS have the option but do not balance TCP connections with
    it)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def run(app: str, **options: Any) -> None:
    """``uvicorn.run(app, **options)`` (``app`` an import string), each of ``options["workers"]``
    worker processes with a socket of its own when :func:`balanced`."""
    config = uvicorn.Config(app, **options)
    if config.workers <= 1 or not balanced() or config.uds or config.fd is not None:
        uvicorn.run(app, **options)
        return
    try:
        held = _bound(config.host, config.port)
    except OSError as exc:
        detail = exc.strerror or str(exc)
        print(t("serve.port", host=config.host, port=config.port, detail=detail), file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    with held:  # the port stays taken, but connections go to the workers' sockets
        own = _OwnSocket(held.family, config.host, held.getsockname()[1])
        with contextlib.suppress(KeyboardInterrupt):  # as uvicorn.run: the workers end
            Multiprocess(config, sockets=[own]).run()  # type: ignore[list-item]


def _bound(host: str, port: int, family: int | None = None) -> socket.socket:
    """A TCP socket bound to (host, port) with ``SO_REUSEPORT``, not yet listening."""
    if family is None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


class _OwnSocket:
    """What the supervisor hands each worker in place of a socket: pickled to the new process
    (uvicorn starts workers by spawning), it comes out as a socket of that worker's own bound
    to the port (uvicorn's server then listens on it)."""

    def __init__(self, family: int, host: str, port: int):
        self.family, self.host, self.port = family, host, port

    def __reduce__(self) -> tuple[Any, tuple[str, int, int]]:
        return (_bound, (self.host, self.port, self.family))
