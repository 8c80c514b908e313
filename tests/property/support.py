"""What the property tests share: a fast synchronous ASGI driver and the expected answers.

The driver calls the app directly on one event loop (no socket, no thread, no httpx
transport), which is about five times faster than httpx.ASGITransport and lets a test send
bytes exactly as generated. It answers with an httpx.Response, so the token-endpoint
assertions of tests/http/token_support.py apply unchanged.

Expected texts come from docs/fidelity.md (and fosite's errors.go for the base
descriptions docs/fidelity.md names but does not spell out), never from mockserver.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import hashlib
import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit

import httpx

from tests.http.token_support import ERRORS

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


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


# Expected texts (docs/fidelity.md, profile frameio-v2; fosite's errors.go for base texts) --------

INVALID_REQUEST = ERRORS["invalid_request"][1]
INVALID_CLIENT = ERRORS["invalid_client"][1]
INVALID_SCOPE = "The requested scope is invalid, unknown, or malformed."
UNSUPPORTED_RESPONSE_TYPE = (
    "The authorization server does not support obtaining a token using this method."
)
INVALID_STATE = (
    "The state is missing or does not have enough characters and is therefore considered too weak."
)
ACCESS_DENIED = "The resource owner or authorization server denied the request."

UNKNOWN_CLIENT = INVALID_CLIENT + " The requested OAuth 2.0 Client does not exist."
BAD_REDIRECT = (
    INVALID_REQUEST + " The 'redirect_uri' parameter does not match any of the OAuth 2.0 "
    "Client's pre-registered redirect urls."
)
WEAK_STATE = (
    INVALID_STATE + " Request parameter 'state' must be at least be 8 characters long to "
    "ensure sufficient entropy."
)
PKCE_PLAIN = INVALID_REQUEST + " Clients must use code_challenge_method=S256, plain is not allowed."
PKCE_UNKNOWN_METHOD = (
    INVALID_REQUEST + " The code_challenge_method is not supported, use S256 instead."
)
PKCE_MISSING = (
    INVALID_REQUEST + " This client must include a code_challenge when performing the "
    "authorize code flow, but it is missing."
)
CONSENT_DENIED = ACCESS_DENIED + " The resource owner denied the request."
UNSUPPORTED_RESPONSE_MODE = (
    "The authorization server does not support obtaining a response using this response mode."
)
OPENID_NEEDS_REDIRECT = (
    INVALID_REQUEST + " The 'redirect_uri' parameter is required when using OpenID Connect 1.0."
)
LOGIN_REQUIRED = (
    "The Authorization Server requires End-User authentication. Prompt 'none' was requested, "
    "but no existing login session was found."
)


def response_mode_refused(mode: str) -> str:
    return f"{UNSUPPORTED_RESPONSE_MODE} Request with unsupported response_mode '{mode}'."


def audience_refused(audience: str) -> str:
    return (
        f"{INVALID_REQUEST} Requested audience '{audience}' has not been whitelisted by the "
        "OAuth 2.0 Client."
    )


def scope_refused(scope: str) -> str:
    return INVALID_SCOPE + f" The OAuth 2.0 Client is not allowed to request scope '{scope}'."


def response_type_refused(response_type: str) -> str:
    return (
        UNSUPPORTED_RESPONSE_TYPE
        + f" The client is not allowed to request response_type '{response_type}'."
    )


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


def page_field(response: httpx.Response, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">(.*?)</', response.text, re.DOTALL)
    assert match is not None, f"no #{element_id} in {response.text!r}"
    return html.unescape(match.group(1))


def assert_error_page(response: httpx.Response, status: int, error: str, description: str) -> None:
    """Refused without going back to the client: an HTML page and never a Location."""
    assert response.status_code == status, response.text
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert page_field(response, "error") == error
    assert page_field(response, "error_description") == description


def form_fields(response: httpx.Response) -> dict[str, str]:
    """The hidden inputs (challenge, csrf_token) of the login or consent page."""
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', response.text)
    return {name: html.unescape(value) for name, value in fields}
