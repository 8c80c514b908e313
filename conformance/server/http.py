"""HTTP for the checks: every request is answered as a `Call` that carries its own redacted
evidence, redirects are never followed by httpx (the login driver decides), and a transport
failure is an answer too (connection refused is evidence for the TLS checks)."""

from __future__ import annotations

import functools
import json
import ssl
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from frameio_oauth_mock.conformance.model import Exchange, Message
from frameio_oauth_mock.conformance.redact import Redactor
from frameio_oauth_mock.mockserver.requestlog import SECRET_PARAMETERS

# Response headers worth showing as evidence; the rest is noise in a report.
SHOWN_RESPONSE_HEADERS = (
    "location",
    "content-type",
    "cache-control",
    "pragma",
    "www-authenticate",
    "x-frame-options",
    "content-security-policy",
    "referrer-policy",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "retry-after",
    "set-cookie",
)
SHOWN_REQUEST_HEADERS = ("authorization", "content-type", "origin", "cookie")
BODY_EXCERPT = 600  # characters of a body kept as evidence

FormData = Mapping[str, str] | Sequence[tuple[str, str]]


@dataclass
class Call:
    """One request and what came back (`response` is None when nothing did)."""

    method: str
    url: str
    response: httpx.Response | None
    exchange: Exchange
    error: str = ""

    @property
    def status(self) -> int:
        return self.response.status_code if self.response is not None else 0

    def header(self, name: str) -> str:
        if self.response is None:
            return ""
        return str(self.response.headers.get(name, ""))

    @property
    def location(self) -> str:
        location = self.header("location")
        if not location or self.response is None:
            return location
        return str(self.response.url.join(location))  # relative Locations are legal

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status < 400 and bool(self.header("location"))

    @property
    def text(self) -> str:
        return self.response.text if self.response is not None else ""

    @property
    def content_type(self) -> str:
        return self.header("content-type").split(";", 1)[0].strip().lower()

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml")

    def json(self) -> dict[str, Any] | None:
        """The body as a JSON object, or None if it is not one."""
        if self.response is None:
            return None
        try:
            value = json.loads(self.response.content or b"null")
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def evidence(self, note: str = "") -> Exchange:
        return self.exchange.with_note(note) if note else self.exchange


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # One context for every client: building one loads the CA store (~0.1 s), and S41 opens a
    # client per concurrent request.
    return ssl.create_default_context()


class Http:
    """An httpx client that records nothing globally: each Call holds its evidence."""

    def __init__(self, redactor: Redactor, timeout: float = 10.0, verify: bool = True) -> None:
        self.redactor = redactor
        self.client = httpx.Client(
            follow_redirects=False, timeout=timeout, verify=_tls_context() if verify else False
        )

    def close(self) -> None:
        self.client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        data: FormData | None = None,
        headers: Mapping[str, str] | None = None,
        content: str | None = None,
    ) -> Call:
        request_headers = dict(headers or {})
        body = content
        if data is not None:
            pairs = list(data.items()) if isinstance(data, Mapping) else list(data)
            body = urlencode(pairs)
            request_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = self.client.build_request(
            method, url, headers=request_headers, content=body.encode() if body else None
        )
        try:
            response = self.client.send(request)
            response.read()
        except httpx.HTTPError as error:
            reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            return Call(method, url, None, self._exchange(request, None, reason), reason)
        return Call(method, url, response, self._exchange(request, response))

    @contextmanager
    def recording(self) -> Iterator[list[Call]]:
        """Record, as Calls with evidence, every exchange made through `self.client` inside
        the block (what a login hook does with the client it is handed)."""
        calls: list[Call] = []

        def record(response: httpx.Response) -> None:
            response.read()
            request = response.request
            calls.append(
                Call(request.method, str(request.url), response, self._exchange(request, response))
            )

        hooks = self.client.event_hooks
        hooks["response"] = [*hooks.get("response", []), record]
        self.client.event_hooks = hooks
        try:
            yield calls
        finally:
            hooks = self.client.event_hooks
            hooks["response"] = [hook for hook in hooks.get("response", []) if hook is not record]
            self.client.event_hooks = hooks

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Call:
        return self.request("GET", url, headers=headers)

    def post(self, url: str, data: FormData, headers: Mapping[str, str] | None = None) -> Call:
        return self.request("POST", url, data=data, headers=headers)

    def _exchange(
        self, request: httpx.Request, response: httpx.Response | None, error: str = ""
    ) -> Exchange:
        redact = self.redactor
        shown = [
            (name, redact.header(name, value))
            for name, value in request.headers.items()
            if name.lower() in SHOWN_REQUEST_HEADERS
        ]
        request_body = request.content.decode("utf-8", "replace")
        request_message = Message(
            f"{request.method} {redact.url(str(request.url))}",
            tuple(shown),
            redact.body(request_body, request.headers.get("content-type", ""))
            if request_body
            else "",
        )
        if response is None:
            return Exchange(request_message, None, error)
        self._learn_secrets(response)
        response_headers = tuple(
            (name, redact.header(name, value))
            for name, value in response.headers.multi_items()
            if name.lower() in SHOWN_RESPONSE_HEADERS
        )
        body = redact.body(response.text, response.headers.get("content-type", ""))
        if len(body) > BODY_EXCERPT:
            body = body[:BODY_EXCERPT] + f"... ({len(body)} characters)"
        status = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
        return Exchange(request_message, Message(status, response_headers, body))

    def _learn_secrets(self, response: httpx.Response) -> None:
        """Codes and tokens this response hands out, so they are hidden wherever they show up
        again (an HTML "Redirecting to ...?code=" body, a later request's form)."""
        location = response.headers.get("location", "")
        parts = urlsplit(location)
        for name, value in parse_qsl(parts.query) + parse_qsl(parts.fragment):
            if name in SECRET_PARAMETERS:
                self.redactor.add(value)
        if "json" in response.headers.get("content-type", ""):
            try:
                document = json.loads(response.content or b"null")
            except ValueError:
                return
            if isinstance(document, dict):
                for name, value in document.items():
                    if name in SECRET_PARAMETERS and isinstance(value, str):
                        self.redactor.add(value)
