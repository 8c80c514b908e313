"""Each answer goes out in one write (mockserver/coalescing.py), and its bytes are uvicorn's own.

The mock's protocol class (protocol.guarded_protocol) and uvicorn's HttpToolsProtocol are fed
the same request bytes over a transport that records every write; what they wrote is compared
byte for byte, and the writes are counted. uvicorn's own count is the control: it shows that
this harness sees the head and the body as separate writes when nothing joins them.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from frameio_oauth_mock.mockserver import coalescing
from frameio_oauth_mock.mockserver.protocol import guarded_protocol
from tests.harness.support import (
    APP_ID,
    APP_SECRET,
    REDIRECT,
    authorize_params,
    make_mock,
)

Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]

DATE = (b"date", b"Tue, 01 Dec 2026 00:00:00 GMT")
STUCK_SECONDS = 30.0
HOST = b"Host: 127.0.0.1:8080\r\n"


class RecordingTransport(asyncio.Transport):
    """A connection's transport that keeps every write instead of sending it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.closed_by_server = False  # before the test's own connection_lost

    def write(self, data: bytes | bytearray | memoryview[Any]) -> None:
        assert not self.closed, "written after close"
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        info = {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8080)}
        return info.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    @property
    def sent(self) -> bytes:
        return b"".join(self.writes)


async def _serve(
    protocol_class: type[HttpToolsProtocol], app: ASGIApp, requests: list[bytes]
) -> RecordingTransport:
    config = uvicorn.Config(app, lifespan="off", log_level="warning", ws="none")  # type: ignore[arg-type]
    state = ServerState()
    state.default_headers = [DATE]
    protocol = protocol_class(
        config=config, server_state=state, app_state={}, _loop=asyncio.get_running_loop()
    )
    transport = RecordingTransport()
    protocol.connection_made(transport)
    for data in requests:
        if transport.closed:
            break
        protocol.data_received(data)
        await _settle(protocol, state)
    transport.closed_by_server = transport.closed
    protocol.connection_lost(None)  # cancels the keep-alive and head timers
    for task in state.tasks:
        task.cancel()
    return transport


async def _settle(protocol: HttpToolsProtocol, state: ServerState) -> None:
    """Run the app until every answer begun is complete (pipelined ones included), unless the
    current request's body is still to come: then the next data is what it waits for."""
    while state.tasks:
        cycle = protocol.cycle
        if cycle is not None and cycle.more_body and not cycle.response_complete:
            return
        _, pending = await asyncio.wait(set(state.tasks), timeout=STUCK_SECONDS)
        assert not pending, "the app did not finish its answer"


def serve(
    protocol_class: type[HttpToolsProtocol], app: ASGIApp, requests: list[bytes]
) -> RecordingTransport:
    return asyncio.run(_serve(protocol_class, app, requests))


def both(app: ASGIApp, requests: list[bytes]) -> tuple[RecordingTransport, RecordingTransport]:
    """(the mock's protocol, uvicorn's protocol) after the same requests."""
    return serve(guarded_protocol(), app, requests), serve(HttpToolsProtocol, app, requests)


def get(path: bytes, *headers: bytes, method: bytes = b"GET") -> bytes:
    return method + b" " + path + b" HTTP/1.1\r\n" + HOST + b"".join(headers) + b"\r\n"


# Small ASGI apps, one answer shape each ------------------------------------------------------


async def read_body(receive: Callable[[], Awaitable[Message]]) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return body


def answer(status: int, headers: list[tuple[bytes, bytes]], *parts: bytes) -> ASGIApp:
    """An app answering every request with `status`, `headers` and the body `parts` (each
    part its own http.response.body message; no parts: one empty body)."""

    async def app(scope: Message, receive: Any, send: Any) -> None:
        await read_body(receive)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        chunks = parts or (b"",)
        for index, part in enumerate(chunks):
            more = index < len(chunks) - 1
            await send({"type": "http.response.body", "body": part, "more_body": more})

    return app


def sized(body: bytes, *extra: tuple[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body)), *extra]


JSON = b'{"access_token":"abc","expires_in":3600,"token_type":"bearer"}'
REDIRECT_APP = answer(302, [(b"location", b"http://127.0.0.1/cb?code=x&state=s")])
JSON_APP = answer(200, sized(JSON), JSON)
CHUNKED = answer(200, [(b"content-type", b"text/plain")], b"one,", b"two,", b"three")
BIG = b"x" * (coalescing.JOIN_LIMIT + 1)


async def fails_mid_answer(scope: Message, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": sized(b"x" * 512)})
    await send({"type": "http.response.body", "body": b'{"access', "more_body": True})
    raise ConnectionAbortedError("scripted drop")


async def echo(scope: Message, receive: Any, send: Any) -> None:
    body = await read_body(receive)
    await send({"type": "http.response.start", "status": 200, "headers": sized(body)})
    await send({"type": "http.response.body", "body": body})


# The bytes are uvicorn's, in fewer writes ----------------------------------------------------


@pytest.mark.parametrize(
    ("app", "answers"),
    [(REDIRECT_APP, 2), (JSON_APP, 3), (answer(204, []), 2)],
    ids=["redirect", "json", "no-content"],
)
def test_keep_alive_answers_are_uvicorns_bytes_one_write_each(app: ASGIApp, answers: int) -> None:
    requests = [get(b"/oauth2/auth?x=%d" % n) for n in range(answers)]
    ours, theirs = both(app, requests)
    assert ours.sent == theirs.sent
    assert ours.sent.count(b"HTTP/1.1 ") == answers
    assert len(ours.writes) == answers
    assert len(theirs.writes) == 2 * answers  # the control: head and body apart
    assert not ours.closed_by_server and not theirs.closed_by_server


def test_pipelined_requests_are_answered_in_order_one_write_each() -> None:
    ours, theirs = both(JSON_APP, [get(b"/a") + get(b"/b") + get(b"/c")])
    assert ours.sent == theirs.sent
    assert ours.sent.count(JSON) == 3
    assert len(ours.writes) == 3


def test_connection_close_is_written_in_one_and_then_closed() -> None:
    ours, theirs = both(JSON_APP, [get(b"/token", b"Connection: close\r\n"), get(b"/later")])
    assert ours.sent == theirs.sent
    assert b"connection: close\r\n" in ours.sent and ours.sent.endswith(JSON)
    assert ours.writes == [ours.sent]
    assert ours.closed_by_server and theirs.closed_by_server


def test_a_streamed_answer_is_written_as_it_comes_with_the_head_on_the_first_part() -> None:
    ours, theirs = both(CHUNKED, [get(b"/stream"), get(b"/stream")])
    assert ours.sent == theirs.sent
    assert b"transfer-encoding: chunked\r\n" in ours.sent
    assert ours.sent.count(b"5\r\nthree\r\n0\r\n\r\n") == 2
    assert len(ours.writes) == 2 * 3  # head + "one," together, then "two,", then the last
    assert len(theirs.writes) == 2 * 4


def test_a_large_body_is_written_after_its_head_not_copied_behind_it() -> None:
    ours, theirs = both(answer(200, sized(BIG), BIG), [get(b"/big")])
    assert ours.sent == theirs.sent
    assert ours.writes[1] == BIG and len(ours.writes) == 2


def test_a_head_request_gets_uvicorns_head_and_no_body() -> None:
    ours, theirs = both(JSON_APP, [get(b"/health", method=b"HEAD"), get(b"/health")])
    assert ours.sent == theirs.sent
    first_head = ours.sent.split(b"\r\n\r\n", 1)[0]
    assert b"content-length: %d" % len(JSON) in first_head
    assert ours.sent.count(JSON) == 1  # only the GET's


def test_100_continue_still_comes_before_the_app_reads_the_body() -> None:
    request = get(b"/echo", b"Content-Length: 5\r\n", b"Expect: 100-continue\r\n", method=b"POST")
    ours, theirs = both(echo, [request, b"hello"])
    assert ours.sent == theirs.sent
    assert ours.writes[0] == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert ours.sent.endswith(b"\r\n\r\nhello")


def test_an_app_failing_mid_answer_leaves_the_same_bytes_and_a_closed_connection() -> None:
    ours, theirs = both(fails_mid_answer, [get(b"/token"), get(b"/never")])
    assert ours.sent == theirs.sent
    assert ours.sent.endswith(b'\r\n\r\n{"access')
    assert ours.closed_by_server and theirs.closed_by_server
    assert len(ours.writes) == 1


def test_an_app_failing_after_the_start_still_sends_the_head_before_closing() -> None:
    async def app(scope: Message, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": sized(JSON)})
        raise ConnectionAbortedError("scripted")

    ours, theirs = both(app, [get(b"/token")])
    assert ours.sent == theirs.sent
    assert ours.sent.startswith(b"HTTP/1.1 200 OK\r\n") and ours.sent.endswith(b"\r\n\r\n")
    assert ours.closed_by_server and theirs.closed_by_server


# The mock's own app ---------------------------------------------------------------------------


def test_the_mocks_redirect_and_token_answers_are_one_write_each() -> None:
    mock = make_mock(auto_approve=True)
    query = urlencode(authorize_params())
    recorded = serve(guarded_protocol(), mock.app, [get(b"/oauth2/auth?" + query.encode())])
    assert len(recorded.writes) == 1
    head = recorded.sent.split(b"\r\n\r\n", 1)[0].decode()
    assert head.startswith(("HTTP/1.1 302 ", "HTTP/1.1 303 "))
    location = next(line for line in head.split("\r\n") if line.lower().startswith("location:"))
    code = parse_qs(urlsplit(location.split(":", 1)[1].strip()).query)["code"][0]

    basic = base64.b64encode(f"{APP_ID}:{APP_SECRET}".encode())
    form = urlencode(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    ).encode()
    token_request = get(
        b"/oauth2/token",
        b"Authorization: Basic " + basic + b"\r\n",
        b"Content-Type: application/x-www-form-urlencoded\r\n",
        b"Content-Length: %d\r\n" % len(form),
        method=b"POST",
    )
    recorded = serve(guarded_protocol(), mock.app, [token_request + form])
    assert len(recorded.writes) == 1
    assert recorded.sent.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"cache-control: no-store\r\n" in recorded.sent.lower()
    assert b'"access_token":' in recorded.sent and b'"refresh_token":' in recorded.sent
