"""Running the app on real uvicorn: bind first (so "port in use" is a clear error), then serve."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import errno
import gc
import ipaddress
import logging
import socket
from collections.abc import Callable
from typing import Any

import uvicorn

from frameio_oauth_mock.mockserver.protocol import guarded_protocol

TICK_SECONDS = 0.1  # uvicorn's own tick
CLOSE_POLL_SECONDS = 0.001  # while connections finish their last answer at shutdown
GRACEFUL_SHUTDOWN_SECONDS = 5  # then what is still running (a long fault delay) is cancelled


# Young-generation collections every this many allocations instead of CPython's 700: one flow
# allocates about a thousand short-lived containers, nearly all freed by reference counting.
GC_YOUNG_THRESHOLD = 10_000


def tune_gc_for_serving() -> None:
    """Fewer, cheaper cyclic-garbage collections for a long-running server process.

    What start-up built (modules, settings, the app) lives as long as the process, so it is
    moved out of the collector's sight (gc.freeze), and young collections run less often.
    Only the `serve` command calls this: it changes the whole process, which a test suite
    running MockServer in its own process must not have changed under it.
    """
    gc.freeze()  # no gc.collect() first: it would cost every start-up for little garbage
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


class BindError(Exception):
    """The address could not be bound; the message is meant for the user."""


def bind_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket for host:port (port 0 picks a free one)."""
    try:
        infos = _address_info(host, port)
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


def _address_info(host: str, port: int) -> list[Any]:
    """getaddrinfo for a listening socket. An address literal (the usual 127.0.0.1) needs no
    look-up at all: the process's first getaddrinfo costs about a millisecond even for a
    literal (the C library reads its configuration), the full one loads the resolver's
    modules. A scoped IPv6 literal (fe80::1%eth0) still goes through getaddrinfo, which
    turns the scope into the interface index bind() wants."""
    literal = _ip_literal(host)
    if literal is not None:
        if literal.version == 4:
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (host, port))]
        address = (host, port, 0, 0)
        return [(socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)]
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if "%" in host:
        return None
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def socket_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class NotifyingServer(uvicorn.Server):
    """A uvicorn server that calls `on_ready` once it accepts connections, and that stops as
    soon as it is asked to.

    uvicorn looks at `should_exit` every 100 ms and then sleeps another 100 ms while shutting
    down; a test suite that starts and stops a server per module pays that each time. Here
    setting `should_exit` (from any thread, or a signal handler) wakes the main loop at once,
    and shutdown waits only while connections are still open.
    """

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None] | None = None) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._exit_requested = asyncio.Event()
        self._should_exit = False
        super().__init__(config)
        self._on_ready = on_ready

    @property
    def should_exit(self) -> bool:
        return self._should_exit

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        self._should_exit = value
        loop = self._loop
        if value and loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(self._exit_requested.set)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit and self._on_ready is not None:
            self._on_ready()

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            # on_tick still runs every 100 ms (it refreshes the Date header once a second).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit_requested.wait(), TICK_SECONDS)
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        logging.getLogger("uvicorn.error").info("Shutting down")
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # idle ones close now, busy ones after their answer
        try:
            await asyncio.wait_for(
                self._connections_closed(), timeout=self.config.timeout_graceful_shutdown
            )
        except TimeoutError:
            for task in self.server_state.tasks:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()
        self._loop = None

    async def _connections_closed(self) -> None:
        state = self.server_state
        while (state.connections or state.tasks) and not self.force_exit:
            await asyncio.sleep(CLOSE_POLL_SECONDS)


def _log_config(log_level: str) -> dict[str, Any]:
    """uvicorn's logging, plus the mock's own `frameio_mock` logger (refused and dropped
    requests, mockserver/web/refusals.py) on the same handler and at the same level."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    level = "DEBUG" if log_level == "trace" else log_level.upper()
    config["loggers"]["frameio_mock"] = {
        "handlers": ["default"],
        "level": level,
        "propagate": False,
    }
    return config


def uvicorn_config(app: object, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_level=log_level,
        log_config=_log_config(log_level),
        lifespan="off",
        server_header=False,
        # The mock serves no WebSocket; "auto" would import the websockets package at start-up.
        ws="none",
        # Request-head size and read timeout, and a cap on half-sent requests (protocol.py).
        http=guarded_protocol(),
        # On SIGTERM (or stop()), requests in flight get this long to finish.
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
