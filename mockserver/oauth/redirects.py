"""Redirect URI matching (exact, with the RFC 8252 loopback port exception) and building answers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit, urlunsplit

from frameio_oauth_mock.hosts import is_loopback_ip
from frameio_oauth_mock.mockserver.credentials import scheme_problem
from frameio_oauth_mock.mockserver.settings import ClientConfig, redirect_uri_problem


def _matches_as_loopback(requested: str, registered: str) -> bool:
    """http on a loopback IP literal: any port, all else (host, path, query) as registered."""
    # urlsplit silently drops leading C0/space and any tab/CR/LF, which Go's url.Parse refuses.
    if any(ch <= " " or ch == "\x7f" for ch in requested):
        return False
    try:
        want, got = urlsplit(registered), urlsplit(requested)
        got_host, want_host = got.hostname, want.hostname
        got.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    return (
        got.scheme == "http"
        and want.scheme == "http"
        and is_loopback_ip(got_host)
        and got.username is None
        and got.password is None
        and got_host == want_host
        and got.path == want.path
        and got.query == want.query
        and not got.fragment
        and "#" not in requested
    )


def match_redirect_uri(requested: str | None, registered: tuple[str, ...]) -> str | None:
    """The URI to answer to, or None when `requested` is not registered.

    It may be omitted only when exactly one URI is registered.
    """
    if requested is None:
        return registered[0] if len(registered) == 1 else None
    if requested in registered:
        return requested
    if any(_matches_as_loopback(requested, uri) for uri in registered):
        return requested
    return None


def choose_redirect_uri(requested: str | None, client: ClientConfig) -> str | None:
    """Where a client's authorization answer goes, or None when the request must be refused.

    A registered URI (exact, or loopback with any port) is used as asked. An Adobe IMS
    credential also takes a URI its Redirect URI Pattern fully matches, and answers at its
    Default Redirect URI when the request names none or one that matches nothing (Adobe's
    UserAuthentication/ims.md: "If a redirect URI is not provided with the request or if it
    does not match against the pattern, Adobe will redirect the response to the Default
    Redirect URI").
    """
    default = client.default_redirect_uri
    if requested is None:
        return default or match_redirect_uri(None, client.redirect_uris)
    if match_redirect_uri(requested, client.redirect_uris) is not None:
        return requested
    pattern = client.redirect_pattern
    if (
        pattern is not None
        and pattern.fullmatch(requested)
        # A pattern too loose to refuse javascript: (or, but for native, a custom scheme).
        and redirect_uri_problem(requested) is None
        and scheme_problem(client.credential_type, requested) is None
    ):
        return requested
    return default


# What Go's url.URL.String() leaves as it is in a host or path; the rest (non-ASCII, spaces,
# controls) is percent-encoded, so a Location header is always ASCII.
_URI_SAFE = "!$&'()*+,/:;=@%[]-._~"


# What quote_plus leaves as it is: codes, tokens and state values are nearly always only this.
_unreserved = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


def _quote(text: str) -> str:
    # Mostly the same few scope strings and issuers again and again.
    return _quote_plus_cached(text) if len(text) <= 256 else quote_plus(text)


_quote_plus_cached = lru_cache(maxsize=256)(quote_plus)


def urlencode(pairs: Iterable[tuple[str, str]]) -> str:
    """urllib.parse.urlencode for text pairs, the same output, sooner for unreserved text
    (tested inline: a call per name and value was a third of the time)."""
    names = _quoted_names
    return "&".join(
        [
            f"{names.get(name) or _quote_name(name)}="
            f"{value if _unreserved(value) else _quote(value)}"
            for name, value in pairs
        ]
    )


# Parameter names, quoted: the same few (code, state, scope, iss, error...) in every answer.
_quoted_names: dict[str, str] = {}


def _quote_name(name: str) -> str:
    quoted = name if _unreserved(name) else _quote(name)
    if len(_quoted_names) < 256 and len(name) <= 64:
        _quoted_names[name] = quoted
    return quoted


def with_query(uri: str, params: Mapping[str, str]) -> str:
    """`uri` with `params` set in its query; its own parameters are kept (sorted by name and
    a repeated name keeping all its values, as Go's url.Values.Encode does)."""
    if "?" not in uri and "#" not in uri and uri.isascii():  # the usual case: nothing to merge
        return f"{uri}?{urlencode(sorted(params.items()))}"
    parts = urlsplit(uri)
    own = parse_qsl(parts.query, keep_blank_values=True)
    query = [(name, value) for name, value in own if name not in params] + list(params.items())
    encoded = urlencode(sorted(query, key=lambda pair: pair[0]))
    netloc, path = quote(parts.netloc, safe=_URI_SAFE), quote(parts.path, safe=_URI_SAFE)
    return urlunsplit((parts.scheme, netloc, path, encoded, parts.fragment))


def with_fragment(uri: str, params: Mapping[str, str]) -> str:
    """`uri` (its own query kept) with `params` as its fragment, sorted by name as Go's
    url.Values.Encode writes them."""
    base = uri.split("#", 1)[0]
    if not base.isascii():
        parts = urlsplit(base)
        netloc, path = quote(parts.netloc, safe=_URI_SAFE), quote(parts.path, safe=_URI_SAFE)
        base = urlunsplit((parts.scheme, netloc, path, parts.query, ""))
    return f"{base}#{urlencode(sorted(params.items()))}"
