"""One write per answer instead of two: the response head goes out with the first body part.

uvicorn writes an answer's status line and headers as soon as the app sends
`http.response.start`, and the body when it sends `http.response.body`: two `send` system
calls (and on loopback often two TCP segments) for every answer, although the app sends both
messages back to back. A profile of the mock under load charged a quarter of the server's CPU
to those writes. `HeadHoldingTransport` sits between one request's uvicorn cycle and the
connection's transport and holds the head until the next write, so the bytes on the wire are
exactly the same, in the same order, only in fewer writes:

- the first write of a cycle is its head (see `holds_head` for the cycles where it is not);
- the next write (the first body part, or the only one) is joined to it; a streamed answer's
  later parts are written as they come;
- `close()` (connection: close, a dropped connection, an app that failed mid-answer) and
  `abort()` first write what is held, as uvicorn had written it already.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

# Above this many body bytes the head is written on its own rather than copied in front of
# the body: one extra system call costs less than copying a large body.
JOIN_LIMIT = 64 * 1024


def holds_head(method: str, expects_continue: bool) -> bool:
    """Whether a cycle may go through HeadHoldingTransport.

    Not for HEAD: uvicorn writes no body for it, so nothing would follow the head. Not when
    the client sent `Expect: 100-continue`: the interim `100 Continue` is that cycle's first
    write, not its head (and a client waiting for it must get it at once).
    """
    return method != "HEAD" and not expects_continue


class HeadHoldingTransport(asyncio.Transport):
    """The transport one request/response cycle writes through (see the module's docstring)."""

    __slots__ = ("_head", "_head_seen", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        # No super().__init__(): `_extra` is never read, get_extra_info delegates.
        self._transport = transport
        self._head: bytes | None = None
        self._head_seen = False

    def write(self, data: bytes | bytearray | memoryview[Any]) -> None:
        head = self._head
        if head is not None:
            self._head = None
            if len(data) <= JOIN_LIMIT:
                self._transport.write(head + data)
                return
            self._transport.write(head)
        elif not self._head_seen:
            self._head_seen = True
            self._head = bytes(data)
            return
        self._transport.write(data)

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview[Any]]) -> None:
        self._flush()
        self._transport.writelines(list_of_data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._flush()
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def _flush(self) -> None:
        head = self._head
        if head is not None:
            self._head = None
            self._transport.write(head)
