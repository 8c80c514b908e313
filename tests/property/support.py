"""What the property tests share: a fast synchronous ASGI driver and the redirect checks.

The driver calls the app directly on one event loop (no socket, no thread, no httpx
transport), which is about five times faster than httpx.ASGITransport and lets a test send
bytes exactly as generated. It answers with an httpx.Response, so the assertions of
tests/http/token_support.py (token endpoint) and tests/http/authorize_support.py (the
expected authorization-endpoint texts and error page) apply unchanged.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit

import httpx

HOST = "frameio-mock.test"
BASE_URL = f"http://{HOST}"

Pairs = Sequence[tuple[str, str]]


class ServerError(AssertionError):
    """The app raised (a 500 in production): always a failure."""


# One event loop for every driver: the app never awaits anything but its own body, so a
# request runs to completion inside one run_until_complete.
_LOOP = asyncio.new_event_loop()
atexit.register(_LOOP.close)


class Driver:
    """Drive an ASGI app synchronously, in-process; keeps cookies like a (simple) browser."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        query: bytes | str | Pairs | Mapping[str, str] = b"",
        body: bytes = b"",
        form: Pairs | Mapping[str, str] | None = None,
        headers: Iterable[tuple[str | bytes, str | bytes]] = (),
    ) -> httpx.Response:
        raw_headers: list[tuple[bytes, bytes]] = [(b"host", HOST.encode())]
        if form is not None:
            pairs = list(form.items()) if isinstance(form, Mapping) else list(form)
            body = urlencode(pairs).encode("ascii")
            raw_headers.append((b"content-type", b"application/x-www-form-urlencoded"))
        for name, value in headers:
            raw_headers.append((_latin1(name).lower(), _latin1(value)))
        if self.cookies and not any(name == b"cookie" for name, _ in raw_headers):
            cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            raw_headers.append((b"cookie", cookie.encode("latin-1")))
        if body:
            raw_headers.append((b"content-length", str(len(body)).encode()))
        query_string = _query_bytes(query)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode("utf-8"),
            "query_string": query_string,
            "root_path": "",
            "headers": raw_headers,
            "client": ("127.0.0.1", 50000),
            "server": (HOST, 80),
        }
        status, response_headers, content = _LOOP.run_until_complete(_call(self.app, scope, body))
        response = httpx.Response(
            status,
            headers=response_headers,
            content=content,
            request=httpx.Request(method, f"{BASE_URL}{path}"),
        )
        if status >= 500:
            raise ServerError(f"{method} {path}?{query_string!r} answered {status}: {content!r}")
        for value in response.headers.get_list("set-cookie"):
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response

    def get(
        self, path: str, query: bytes | str | Pairs | Mapping[str, str] = b""
    ) -> httpx.Response:
        return self.request("GET", path, query=query)

    def post(
        self,
        path: str,
        form: Pairs | Mapping[str, str],
        headers: Iterable[tuple[str | bytes, str | bytes]] = (),
    ) -> httpx.Response:
        return self.request("POST", path, form=form, headers=headers)


def _latin1(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1")


def _query_bytes(query: bytes | str | Pairs | Mapping[str, str]) -> bytes:
    if isinstance(query, bytes):
        return query
    if isinstance(query, str):
        return query.encode("ascii")
    pairs = list(query.items()) if isinstance(query, Mapping) else list(query)
    return urlencode(pairs).encode("ascii")


async def _call(app: Any, scope: dict[str, Any], body: bytes) -> tuple[int, list[Any], bytes]:
    sent = False
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await app(scope, receive, send)
    except Exception as error:
        raise ServerError(f"{scope['method']} {scope['path']} raised {error!r}") from error
    return start["status"], list(start.get("headers", [])), b"".join(chunks)


# Credentials -------------------------------------------------------------------------------


def basic_header(client_id: str, secret: str) -> tuple[str, str]:
    """RFC 6749 2.3.1: id and secret form-url-encoded, then Basic (RFC 7617)."""
    raw = f"{quote_plus(client_id, safe='')}:{quote_plus(secret, safe='')}".encode()
    return "authorization", "Basic " + base64.b64encode(raw).decode("ascii")


# Redirects ---------------------------------------------------------------------------------

LOOPBACK_HOSTS = ("127.0.0.1", "::1")


def query_pairs(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def target_of(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc, parts.path


def registered_target(location: str, registered: Sequence[str]) -> str | None:
    """The registered URI a redirect goes to (RFC 8252 7.3: any port on a loopback IP
    literal over http), or None. Written independently of mockserver.oauth.redirects."""
    try:
        got = urlsplit(location)
        got_host = got.hostname
        got.port  # noqa: B018 - a malformed port is no registered target
    except ValueError:
        return None
    if got.fragment or got.username is not None or got.password is not None:
        return None
    for uri in registered:
        want = urlsplit(uri)
        kept = Counter(parse_qsl(want.query, keep_blank_values=True))
        if kept - Counter(parse_qsl(got.query, keep_blank_values=True)):
            continue  # the registered URI's own query parameters must all be there
        if (got.scheme, got.netloc, got.path) == (want.scheme, want.netloc, want.path):
            return uri
        if (
            got.scheme == want.scheme == "http"
            and want.hostname in LOOPBACK_HOSTS
            and got_host == want.hostname
            and got.path == want.path
        ):
            return uri
    return None


def assert_goes_to_registered(response: httpx.Response, registered: Sequence[str]) -> str:
    """A 30x answer's Location is one of the client's registered URIs (or the mock's own page)."""
    location = response.headers["location"]
    if location.startswith("/oauth2/auth/"):
        return location  # login -> consent, inside the mock
    assert registered_target(location, registered) is not None, (
        f"redirect to {location!r}, which is not registered: {registered}"
    )
    return location


def form_fields(response: httpx.Response) -> dict[str, str]:
    """The hidden inputs (challenge, csrf_token) of the login or consent page."""
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', response.text)
    return {name: html.unescape(value) for name, value in fields}
