"""Running the app on real uvicorn: bind first (so "port in use" is a clear error), then serve."""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable

import uvicorn


class BindError(Exception):
    """The address could not be bound; the message is meant for the user."""


def bind_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket for host:port (port 0 picks a free one)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as error:
        raise BindError(f"cannot resolve host '{host}': {error}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        in_use = error.errno == errno.EADDRINUSE
        reason = "port already in use" if in_use else (error.strerror or str(error))
        raise BindError(f"cannot listen on {host}:{port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def socket_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class NotifyingServer(uvicorn.Server):
    """A uvicorn server that calls `on_ready` once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit and self._on_ready is not None:
            self._on_ready()


def uvicorn_config(app: object, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_level=log_level,
        lifespan="off",
        server_header=False,
        # The mock serves no WebSocket; "auto" would import the websockets package at start-up.
        ws="none",
    )
