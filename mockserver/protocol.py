"""The mock's uvicorn HTTP protocol: connection limits uvicorn does not have (the size of a
request head, the time a client may take to send it, and how many connections may sit waiting
for one), and less work per request.

uvicorn's httptools protocol buffers a request head of any size, waits for it forever, and
keeps every half-sent request open; 1,100 idle half-sent requests locked every other client out
(each holds a file descriptor). Here a head larger than `head_limit` gets 431, one not finished
within `head_timeout` gets 408, and when more than `max_waiting` connections are waiting for a
head, the one that has waited longest is closed, so a new client always gets in.

Per request, each answer's head is written together with its body (coalescing.py: one system
call instead of two), and uvicorn's access-log line is not even formatted when the log level
hides it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from frameio_oauth_mock.mockserver.coalescing import HeadHoldingTransport, holds_head

if TYPE_CHECKING:
    from uvicorn.config import Config
    from uvicorn.server import ServerState

HEAD_LIMIT = 32 * 1024
HEAD_TIMEOUT = 10.0
MAX_WAITING = 256
CLOCK_TOLERANCE = 0.001  # event loop timers may fire this much early

_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


def _default_max_waiting() -> int:
    """MAX_WAITING, or a quarter of the descriptors the process may open if that is fewer."""
    try:
        import resource
    except ImportError:  # not on Windows
        return MAX_WAITING
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_WAITING
    return max(8, min(MAX_WAITING, soft // 4))


def guarded_protocol(
    head_limit: int | None = None,
    head_timeout: float | None = None,
    max_waiting: int | None = None,
) -> type[HttpToolsProtocol]:
    """A uvicorn HTTP protocol class with these limits (one per server: it keeps the queue)."""
    limit = HEAD_LIMIT if head_limit is None else head_limit
    timeout = HEAD_TIMEOUT if head_timeout is None else head_timeout
    most = _default_max_waiting() if max_waiting is None else max_waiting
    # Connections waiting for a request head, longest-waiting first (a dict keeps insertion
    # order, and is cheaper to add to and pop from than an OrderedDict).
    waiting: dict[GuardedProtocol, None] = {}

    class GuardedProtocol(HttpToolsProtocol):
        _head_bytes = 0
        _head_deadline = 0.0
        # One timer per connection, not one per request: when it fires early (the head it
        # was set for came, and the connection is waiting for a later one) it is set again
        # for what is left of the current wait.
        _head_timer: asyncio.TimerHandle | None = None

        def __init__(
            self,
            config: Config,
            server_state: ServerState,
            app_state: dict[str, Any],
            _loop: asyncio.AbstractEventLoop | None = None,
        ) -> None:
            super().__init__(config, server_state, app_state, _loop)
            # uvicorn formats the access line's arguments for every answer, and only then does
            # the logger drop it when its level is above INFO (the default `warning`).
            if self.access_log and not self.access_logger.isEnabledFor(logging.INFO):
                self.access_log = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._await_head()

        def connection_lost(self, exc: Exception | None) -> None:
            self._head_done()
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self in waiting:
                self._head_bytes += len(data)
            super().data_received(data)
            if self in waiting and self._head_bytes > limit:
                self._refuse(431, "request head too large")

        def on_headers_complete(self) -> None:
            self._head_done()
            previous = self.cycle
            super().on_headers_complete()
            cycle = self.cycle
            # A new cycle (none for a refused upgrade); its task has not run yet.
            if cycle is not previous and holds_head(self.scope["method"], self.expect_100_continue):
                cycle.transport = HeadHoldingTransport(self.transport)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and not self.pipeline:
                self._await_head()

        def _await_head(self) -> None:
            self._head_bytes = 0
            self._head_deadline = self.loop.time() + timeout
            waiting[self] = None
            if self._head_timer is None:
                self._head_timer = self.loop.call_at(self._head_deadline, self._head_check)
            while len(waiting) > most:
                oldest = next(iter(waiting))
                oldest._refuse(408, "too many connections waiting; closed the oldest")

        def _head_done(self) -> None:
            waiting.pop(self, None)

        def _head_check(self) -> None:
            self._head_timer = None
            if self not in waiting:
                return  # busy with a request; the next wait sets the timer again
            if self._head_deadline - self.loop.time() > CLOCK_TOLERANCE:
                self._head_timer = self.loop.call_at(self._head_deadline, self._head_check)
                return
            self._refuse(408, "request head not received in time")

        def _refuse(self, status: int, message: str) -> None:
            """Answer `status` if a request was begun (else just close), and close."""
            self._head_done()
            if self.transport.is_closing():
                return
            if self._head_bytes:
                body = message.encode()
                self.transport.write(
                    b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
                    b"content-length: %d\r\nconnection: close\r\n\r\n%s"
                    % (status, _REASONS[status], len(body), body)
                )
            self.transport.close()

    return GuardedProtocol
