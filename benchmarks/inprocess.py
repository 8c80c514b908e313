"""In-process figures: flows through raw ASGI calls, MockServer start/stop, id_token signing.

What a test suite pays when it drives the app without sockets. The ASGI caller here is as
thin as an ASGI server can be (one scope dict, one receive, a list for send), so the figure
is the app's own cost, not a client library's.
"""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import json
import secrets
import statistics
import time
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from benchmarks.driver import REDIRECT, Client

Message = MutableMapping[str, Any]
ASGIApp = Callable[..., Any]

HERE = Path(__file__).resolve().parent


def load_floor_app() -> ASGIApp:
    spec = importlib.util.spec_from_file_location("bench_floor_app", HERE / "floor_app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app: ASGIApp = module.app
    return app


async def asgi_call(
    app: ASGIApp, method: str, path: str, query: str = "", body: bytes = b"", headers: Any = ()
) -> tuple[int, dict[bytes, bytes], bytes]:
    request_headers = [(b"host", b"bench.test"), *headers]
    if body:
        request_headers.append((b"content-type", b"application/x-www-form-urlencoded"))
        request_headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": request_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("bench.test", 80),
    }
    sent: list[Message] = []
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # nothing more will come; like a client that waits
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    answer = b"".join(message.get("body", b"") for message in sent[1:])
    return start["status"], dict(start["headers"]), answer


async def asgi_flow(app: ASGIApp, client: Client) -> None:
    state = secrets.token_urlsafe(12)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": REDIRECT,
            "scope": client.scope,
            "state": state,
        }
    )
    status, headers, _ = await asgi_call(app, "GET", "/oauth2/auth", query)
    assert status in (302, 303), status
    code = parse_qs(urlsplit(headers[b"location"].decode()).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    basic = base64.b64encode(f"{client.client_id}:{client.secret}".encode())
    status, _, body = await asgi_call(
        app,
        "POST",
        "/oauth2/token",
        "",
        urlencode(form).encode(),
        [(b"authorization", b"Basic " + basic)],
    )
    assert status == 200, body
    assert json.loads(body)["access_token"]


def asgi_cpu_us_per_flow(app: ASGIApp, client: Client, count: int) -> float:
    """Process CPU per flow, driver included (it is the same few dict operations for both)."""

    async def flows() -> float:
        for _ in range(20):  # warm-up
            await asgi_flow(app, client)
        before = time.process_time()
        for _ in range(count):
            await asgi_flow(app, client)
        return (time.process_time() - before) / count * 1e6

    return asyncio.run(flows())


def start_stop_ms(make_server: Callable[[], Any], times: int) -> list[float]:
    """Wall ms of MockServer.start() + stop(), `times` times on one server object."""
    server = make_server()
    server.start()  # the first start loads uvicorn's protocol modules; not what a suite repeats
    server.stop()
    samples = []
    for _ in range(times):
        before = time.perf_counter()
        server.start()
        server.stop()
        samples.append((time.perf_counter() - before) * 1000)
    return samples


def signing_us(times: int) -> dict[str, float]:
    """CPU per RS256 id_token signature through the mock's own signer, key already made."""
    from frameio_oauth_mock.mockserver.oauth.idtoken import IdTokenSigner

    signer = IdTokenSigner()
    claims = {
        "iss": "http://127.0.0.1:8080",
        "sub": "user-1",
        "aud": ["bench"],
        "exp": 2_000_000_000,
        "iat": 1_900_000_000,
        "auth_time": 1_900_000_000,
        "at_hash": "x" * 22,
    }
    signer.sign(claims)  # makes the key and warms the path
    samples = []
    for _ in range(5):
        before = time.process_time()
        for _ in range(times):
            signer.sign(claims)
        samples.append((time.process_time() - before) / times * 1e6)
    return {"sign": statistics.median(samples)}
