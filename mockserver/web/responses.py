"""Rendering: token-endpoint JSON, redirects, and HTML pages with anti-framing headers."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from functools import cache, lru_cache
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.profiles import Profile

if TYPE_CHECKING:
    from jinja2 import Environment

# Every page of the authorization flow: never framed, cached or leaked via Referer.
# `same-origin`, not `no-referrer`: under no-referrer a browser sends `Origin: null` even with
# the page's own form posts, and the login and consent endpoints refuse foreign Origins.
PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


@cache
def _templates() -> Environment:
    # Built on first use: Jinja2 is a noticeable share of startup, and auto-approve and
    # token traffic never render a page.
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


# Go's encoding/json: compact, keys sorted. One encoder for every answer (json.dumps with
# options builds a new one per call).
_JSON_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True)
_quoted = encode_basestring_ascii  # the encoder's own string writer (ensure_ascii)

RawHeaders = list[tuple[bytes, bytes]]


def json_body(data: dict[str, Any]) -> bytes:
    flat = _flat_json(data)
    return (flat if flat is not None else _JSON_ENCODER.encode(data)).encode()


def _flat_json(data: dict[str, Any]) -> str | None:
    """What `_JSON_ENCODER` writes for a dict of text keys and text, integer, boolean or null
    values (every token answer and OAuth error), without building the encoder's state per
    call; None for anything else, which the encoder writes."""
    ordered = _sorted_names(tuple(data))
    if ordered is None:
        return None
    members = []
    for name, quoted_name in ordered:
        value = data[name]
        kind = type(value)
        if kind is str:
            text = _quoted(value)
        elif kind is int:
            text = int.__repr__(value)
        elif value is None or kind is bool:
            text = "null" if value is None else "true" if value else "false"
        else:
            return None
        members.append(f"{quoted_name}:{text}")
    return "{" + ",".join(members) + "}"


@lru_cache(maxsize=256)  # an endpoint answers with the same few sets of names
def _sorted_names(names: tuple[object, ...]) -> tuple[tuple[str, str], ...] | None:
    """The names in the encoder's order, each with its JSON text; None when a name is not
    text (then the encoder writes the whole answer)."""
    if any(type(name) is not str for name in names):
        return None
    texts = [name for name in names if isinstance(name, str)]  # all of them, for mypy
    return tuple((name, _quoted(name)) for name in sorted(texts))


def _encoded(headers: Mapping[str, str]) -> RawHeaders:
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]


class EncodedResponse(Response):
    """A Response whose head is already encoded: the token endpoint and redirects, answered on
    every flow, skip Starlette's encoding of the same few headers each time. Same bytes: the
    given headers in order, then Content-Length."""

    def __init__(self, content: bytes, status_code: int, raw_headers: RawHeaders) -> None:
        self.status_code = status_code
        self.background = None
        self.body = content
        self.raw_headers = [*raw_headers, (b"content-length", str(len(content)).encode())]


# A profile's token headers, encoded once; keyed by the mapping's identity (profiles made with
# Profile._replace share their parent's), the mapping kept so a reused id cannot match.
_TOKEN_HEADERS: dict[int, tuple[Mapping[str, str], RawHeaders]] = {}
_TOKEN_HEADERS_KEPT = 64


def _token_headers(profile: Profile) -> RawHeaders:
    headers = profile.token_response_headers
    found = _TOKEN_HEADERS.get(id(headers))
    if found is None or found[0] is not headers:
        if len(_TOKEN_HEADERS) >= _TOKEN_HEADERS_KEPT:
            _TOKEN_HEADERS.clear()
        found = _TOKEN_HEADERS[id(headers)] = (headers, _encoded(headers))
    return found[1]


def token_json(profile: Profile, data: dict[str, Any], status: int = 200) -> Response:
    return EncodedResponse(json_body(data), status, _token_headers(profile))


def token_error(profile: Profile, error: OAuthError) -> Response:
    response = token_json(profile, error.as_json(profile), error.status(profile))
    if error.error == "invalid_client" and profile.invalid_client_challenge:
        response.headers["WWW-Authenticate"] = profile.invalid_client_challenge
    return response


# A redirect has no document to frame or sniff: what matters is that the code in its Location
# is neither cached nor leaked through Referer.
REDIRECT_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
}


_REDIRECT_RAW_HEADERS = _encoded(REDIRECT_HEADERS)


def redirect(location: str, status: int = 303) -> Response:
    return EncodedResponse(
        b"", status, [(b"location", location.encode("latin-1")), *_REDIRECT_RAW_HEADERS]
    )


def render(template: str, **values: Any) -> str:
    return _templates().get_template(template).render(**values)


def page(template: str, status: int = 200, **values: Any) -> Response:
    return Response(
        render(template, **values), status, headers=PAGE_HEADERS, media_type="text/html"
    )


def error_page(profile: Profile, error: OAuthError, status: int | None = None) -> Response:
    """The error shown instead of redirecting to an untrusted redirect_uri."""
    return page(
        "error.html",
        status or error.status(profile),
        error=error.error,
        error_description=error.description(profile),
        brand=profile.brand,
    )


# response_mode=form_post (OAuth 2.0 Form Post Response Mode): a page that POSTs the answer to
# the redirect_uri at once. Its one inline script is allowed by hash, nothing else runs.
_FORM_POST_SCRIPT = "document.forms[0].submit();"
_FORM_POST_HASH = base64.b64encode(hashlib.sha256(_FORM_POST_SCRIPT.encode()).digest()).decode()
FORM_POST_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": (
        f"default-src 'none'; script-src 'sha256-{_FORM_POST_HASH}'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
}


def form_post_page(action: str, params: Mapping[str, str]) -> Response:
    html = (
        _templates()
        .get_template("form_post.html")
        .render(action=action, params=sorted(params.items()), script=_FORM_POST_SCRIPT)
    )
    return Response(html, 200, headers=FORM_POST_HEADERS, media_type="text/html")
