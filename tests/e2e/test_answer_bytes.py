"""On real sockets, the mock's protocol sends uvicorn's bytes (mockserver/coalescing.py).

The same app (one MockServer's) is served twice on loopback: by the mock's own protocol
class, and by uvicorn's stock httptools protocol. A raw-socket client sends both the same
requests and must read the same bytes back (only the Date header's second may differ): a
redirect, token JSON, a HEAD answer, a keep-alive sequence, pipelined requests,
`Connection: close`, `Expect: 100-continue`, and a scripted `drop` fault. The count of writes
per answer is checked in tests/unit/test_answer_writes.py, where it is observable.
"""

from __future__ import annotations

import base64
import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from frameio_oauth_mock.mockserver import MockServer
from frameio_oauth_mock.mockserver.serving import (
    NotifyingServer,
    bind_socket,
    socket_url,
    uvicorn_config,
)
from tests.harness.support import (
    APP_ID,
    APP_SECRET,
    REDIRECT,
    STATE,
    authorize_params,
    make_mock,
)

TIMEOUT = 10.0
DATE = re.compile(rb"\r\ndate: [^\r]*\r\n")


@contextlib.contextmanager
def stock_uvicorn(mock: MockServer) -> Iterator[tuple[str, int]]:
    """The mock's app on uvicorn's own HttpToolsProtocol, everything else as `serve` has it."""
    sock = bind_socket("127.0.0.1", 0)
    config = uvicorn_config(mock.app, "warning")
    config.http = "httptools"
    ready = threading.Event()
    server = NotifyingServer(config, on_ready=ready.set)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        assert ready.wait(TIMEOUT), "stock uvicorn did not start"
        yield address(socket_url(sock))
    finally:
        server.should_exit = True
        thread.join(TIMEOUT)


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[MockServer, tuple[str, int], tuple[str, int]]]:
    """(the mock, where its protocol serves, where stock uvicorn serves the same app)."""
    with make_mock() as mock, stock_uvicorn(mock) as stock:
        yield mock, address(mock.url), stock


@pytest.fixture
def mock(servers: tuple[MockServer, tuple[str, int], tuple[str, int]]) -> MockServer:
    servers[0].reset()
    return servers[0]


def request(
    method: str, target: str, host: str, *headers: str, body: bytes = b"", close: bool = False
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", *headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + body


def read_answer(sock: socket.socket, buffered: bytearray, head_only: bool = False) -> bytes:
    """One answer's bytes, framed by its Content-Length (or, with none, up to the close)."""
    while b"\r\n\r\n" not in buffered:
        if not receive(sock, buffered):
            raise AssertionError(f"closed before a whole head: {bytes(buffered)!r}")
    head_end = buffered.index(b"\r\n\r\n") + 4
    match = re.search(rb"\r\ncontent-length: (\d+)\r\n", bytes(buffered[:head_end]))
    if head_only or (match is None and buffered.startswith(b"HTTP/1.1 100 ")):
        size = 0
    elif match is None:
        while receive(sock, buffered):
            pass
        size = len(buffered) - head_end
    else:
        size = int(match.group(1))
    while len(buffered) < head_end + size:
        if not receive(sock, buffered):
            break  # a dropped answer: shorter than it said; the caller compares what came
    answer = bytes(buffered[: head_end + size])
    del buffered[: head_end + size]
    return answer


def receive(sock: socket.socket, buffered: bytearray) -> bool:
    with contextlib.suppress(ConnectionResetError):
        chunk = sock.recv(65536)
        buffered += chunk
        return bool(chunk)
    return False


def exchange(where: tuple[str, int], steps: list[tuple[bytes, bool]]) -> list[bytes]:
    """Send each request on one connection and read its answer (`True`: a HEAD request)
    before the next; then everything up to the close."""
    with socket.create_connection(where, timeout=TIMEOUT) as sock:
        buffered = bytearray()
        answers = []
        for data, head_only in steps:
            sock.sendall(data)
            answers.append(read_answer(sock, buffered, head_only))
        while receive(sock, buffered):
            pass
        answers.append(bytes(buffered))  # nothing may follow the last answer
    return [DATE.sub(b"\r\ndate: -\r\n", answer) for answer in answers]


def pipelined(where: tuple[str, int], data: bytes) -> bytes:
    with socket.create_connection(where, timeout=TIMEOUT) as sock:
        sock.sendall(data)
        buffered = bytearray()
        while receive(sock, buffered):
            pass
    return DATE.sub(b"\r\ndate: -\r\n", bytes(buffered))


def both(
    servers: tuple[MockServer, tuple[str, int], tuple[str, int]], steps: list[tuple[bytes, bool]]
) -> list[bytes]:
    _, ours, stock = servers
    answers = exchange(ours, steps)
    assert answers == exchange(stock, steps)
    return answers


# What a client reads is stock uvicorn's ------------------------------------------------------


def host_of(servers: tuple[MockServer, tuple[str, int], tuple[str, int]]) -> str:
    host, port = servers[1]
    return f"{host}:{port}"


def deterministic_requests(host: str) -> list[tuple[bytes, bool]]:
    """Requests whose answers hold no random token: the same bytes from either server."""
    bad_scope = urlencode(
        {
            "client_id": APP_ID,
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": "no.such.scope",
            "state": STATE,
        }
    )
    bad_code = urlencode(
        {"grant_type": "authorization_code", "code": "nope", "redirect_uri": REDIRECT}
    )
    basic = "Authorization: Basic " + base64.b64encode(f"{APP_ID}:{APP_SECRET}".encode()).decode()
    form = "Content-Type: application/x-www-form-urlencoded"
    return [
        (request("GET", "/health", host), False),
        (request("HEAD", "/health", host), True),
        (request("GET", "/oauth2/auth?" + bad_scope, host), False),
        (request("POST", "/oauth2/token", host, basic, form, body=bad_code.encode()), False),
        (request("GET", "/.well-known/openid-configuration", host), False),
    ]


def test_a_keep_alive_sequence_reads_the_same_as_on_stock_uvicorn(
    servers: tuple[MockServer, tuple[str, int], tuple[str, int]], mock: MockServer
) -> None:
    host = host_of(servers)
    steps = deterministic_requests(host)
    steps.append((request("GET", "/health", host, close=True), False))
    answers = both(servers, steps)
    health, head, redirect, token_error, metadata, closing, after = answers
    assert health.endswith(b'\r\n\r\n{"status":"ok"}')
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and head.endswith(b"\r\n\r\n")
    assert b"content-length: 15\r\n" in head
    assert redirect.startswith((b"HTTP/1.1 302 ", b"HTTP/1.1 303 "))
    assert b"error=invalid_scope" in redirect
    assert token_error.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert token_error.endswith(b"}") and b'"error":"invalid_grant"' in token_error
    assert b'"issuer":' in metadata
    assert b"connection: close\r\n" in closing
    assert after == b""  # closed after the answer, nothing more


def test_pipelined_requests_read_the_same_as_on_stock_uvicorn(
    servers: tuple[MockServer, tuple[str, int], tuple[str, int]], mock: MockServer
) -> None:
    host = host_of(servers)
    data = b"".join(step for step, _ in deterministic_requests(host))
    data += request("GET", "/health", host, close=True)
    _, ours, stock = servers
    sent = pipelined(ours, data)
    assert sent == pipelined(stock, data)
    assert sent.count(b"HTTP/1.1 ") == 6


def test_100_continue_reads_the_same_as_on_stock_uvicorn(
    servers: tuple[MockServer, tuple[str, int], tuple[str, int]], mock: MockServer
) -> None:
    host = host_of(servers)
    body = urlencode({"grant_type": "refresh_token", "refresh_token": "nope"}).encode()
    basic = "Authorization: Basic " + base64.b64encode(f"{APP_ID}:{APP_SECRET}".encode()).decode()
    head = request(
        "POST",
        "/oauth2/token",
        host,
        basic,
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(body)}",
        "Expect: 100-continue",
        close=True,
    )
    continued, answer, after = both(servers, [(head, False), (body, False)])
    assert continued == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert answer.startswith(b"HTTP/1.1 400 ") and b'"error":"invalid_grant"' in answer
    assert after == b""


def test_a_dropped_answer_reads_the_same_as_on_stock_uvicorn(
    servers: tuple[MockServer, tuple[str, int], tuple[str, int]], mock: MockServer
) -> None:
    host = host_of(servers)
    body = urlencode({"grant_type": "refresh_token", "refresh_token": "nope"}).encode()
    form = "Content-Type: application/x-www-form-urlencoded"
    steps = [(request("POST", "/oauth2/token", host, form, body=body), False)]
    _, ours, stock = servers
    answers = []
    for where in (ours, stock):
        mock.fault("token", drop=True)  # a rule fires once
        answers.append(exchange(where, steps))
    assert answers[0] == answers[1]
    dropped, after = answers[0]
    assert dropped.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"content-length: 512\r\n" in dropped
    assert dropped.endswith(b'\r\n\r\n{"access')  # then the connection was closed
    assert after == b""


# A whole flow on one connection, framed exactly ----------------------------------------------


def test_a_flow_on_one_keep_alive_connection_is_framed_exactly() -> None:
    with make_mock(auto_approve=True) as mock:
        where = address(mock.url)
        host = f"{where[0]}:{where[1]}"
        query = urlencode(authorize_params())
        with socket.create_connection(where, timeout=TIMEOUT) as sock:
            buffered = bytearray()
            sock.sendall(request("GET", "/oauth2/auth?" + query, host))
            redirect = read_answer(sock, buffered).decode()
            location = re.search(r"\r\nlocation: ([^\r]+)\r\n", redirect)
            assert location, redirect
            code = parse_qs(urlsplit(location.group(1)).query)["code"][0]
            form = urlencode(
                {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
            )
            basic = base64.b64encode(f"{APP_ID}:{APP_SECRET}".encode()).decode()
            sock.sendall(
                request(
                    "POST",
                    "/oauth2/token",
                    host,
                    f"Authorization: Basic {basic}",
                    "Content-Type: application/x-www-form-urlencoded",
                    body=form.encode(),
                )
            )
            token = read_answer(sock, buffered)
            assert buffered == b""  # nothing beyond the Content-Length
            sock.sendall(request("GET", "/health", host, close=True))
            health = read_answer(sock, buffered)
            assert not receive(sock, buffered)
    assert token.startswith(b"HTTP/1.1 200 OK\r\n")
    head, body = token.split(b"\r\n\r\n", 1)
    assert b"\r\ncontent-length: %d\r\n" % len(body) in head + b"\r\n"
    assert body.startswith(b'{"access_token":') and b'"refresh_token":' in body
    assert health.endswith(b'{"status":"ok"}')
