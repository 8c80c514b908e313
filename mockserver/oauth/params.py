"""Request parameters as the engine sees them: one value per name, empty meaning absent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from frameio_oauth_mock.mockserver.oauth.errors import invalid_request
from frameio_oauth_mock.mockserver.profiles import Profile


class EndpointRequest:
    """What a POST endpoint (token, revoke, introspect) reads from an HTTP request.

    Read-only by convention. A plain class, not a dataclass: one is made per request, and
    dataclass() would cost every start-up half a millisecond.
    """

    __slots__ = ("authorization", "body", "issuer", "method", "query")

    def __init__(
        self,
        method: str,
        # The form body's pairs; None when the body could not be parsed.
        body: Sequence[tuple[str, str]] | None,
        authorization: str | None,
        query: Sequence[tuple[str, str]],
        issuer: str,
    ) -> None:
        self.method = method
        self.body = body
        self.authorization = authorization
        self.query = query
        self.issuer = issuer

    def parameters(self, profile: Profile, guarded: frozenset[str]) -> dict[str, str]:
        """fosite's preamble, then the parameters as one dict (query ones where the profile
        takes them)."""
        query = self.query if profile.parameters_in_query else ()
        return post_parameters(self.method, self.body, guarded, query)


def post_parameters(
    http_method: str,
    body: Iterable[tuple[str, str]] | None,
    guarded: frozenset[str],
    query: Iterable[tuple[str, str]] = (),
) -> dict[str, str]:
    """fosite's preamble for the POST endpoints (token, revoke, introspect), in its order.

    `body` is the form body's pairs, or None when the body could not be parsed; `query`
    holds query-string pairs for profiles that read parameters from there too.
    """
    if http_method != "POST":
        raise invalid_request(f"HTTP method is '{http_method}', expected 'POST'.")
    if body is None:
        raise invalid_request(
            "Unable to parse HTTP body, make sure to send a properly formatted form request body."
        )
    # The usual body alone is taken as the list it is (single_values copies nothing).
    pairs = body if not query and isinstance(body, list) else [*body, *query]
    if not pairs:
        raise invalid_request("The POST body can not be empty.")
    return single_values(pairs, guarded)


def single_values(items: Iterable[tuple[str, str]], guarded: frozenset[str]) -> dict[str, str]:
    """Collapse a request's (name, value) pairs into a dict.

    RFC 6749 3.1/3.2: parameters MUST NOT be included more than once, so a repeated name
    from `guarded` is refused. Empty values are treated as omitted (RFC 6749 3.1).
    """
    pairs = items if isinstance(items, list) else list(items)
    values: dict[str, str] = dict(pairs)
    # The usual request names each parameter once, none empty: then the dict is the answer.
    if len(values) == len(pairs) and "" not in values.values():
        return values
    values = {}
    seen: set[str] = set()
    for name, value in pairs:
        if name in seen and name in guarded:
            raise invalid_request(
                f"Request parameter '{name}' must not be included more than once."
            )
        seen.add(name)
        if value and name not in values:
            values[name] = value
    return values


# What Go's strings.TrimSpace trims: ASCII whitespace, NEL, NBSP and Unicode's White_Space
# (Python's str.strip() also trims the ASCII separators \x1c-\x1f, which Go keeps).
GO_WHITESPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


def go_len(text: str) -> int:
    """Go's len() of a string: its UTF-8 bytes (fosite compares lengths so)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogateescape"))


def split_scope(scope: str | None, separators: str = " ") -> tuple[str, ...]:
    """Scopes split on any of `separators`, each whitespace-trimmed (fosite's RemoveEmpty),
    empty entries dropped, duplicates removed."""
    text = scope or ""
    # Clients send the same few scope strings again and again; long ones are not kept.
    if len(text) <= _CACHED_SCOPE_LENGTH:
        return _split_scope_cached(text, separators)
    return _split_scope(text, separators)


_CACHED_SCOPE_LENGTH = 512


def _split_scope(text: str, separators: str) -> tuple[str, ...]:
    for separator in separators[1:]:
        text = text.replace(separator, separators[0])
    parts = (part.strip(GO_WHITESPACE) for part in text.split(separators[0]))
    return tuple(dict.fromkeys(part for part in parts if part))


_split_scope_cached = lru_cache(maxsize=256)(_split_scope)


def audiences(items: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """fosite's GetAudiences: a repeated `audience` gives one value each, a single one is
    split on spaces; empty values dropped."""
    values = [value for name, value in items if name == "audience"]
    if len(values) == 1:
        values = values[0].split(" ")
    trimmed = (value.strip(GO_WHITESPACE) for value in values)
    return tuple(dict.fromkeys(value for value in trimmed if value))


AUTHORIZE_PARAMETERS = frozenset(
    [
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
        "nonce",
        "response_mode",
        "login_hint",
        "prompt",
        "max_age",
        "acr_values",
    ]
)

TOKEN_PARAMETERS = frozenset(
    [
        "grant_type",
        "code",
        "redirect_uri",
        "client_id",
        "client_secret",
        "code_verifier",
        "refresh_token",
        "scope",
    ]
)

REVOCATION_PARAMETERS = frozenset(
    ["token", "token_type_hint", "client_id", "client_secret", "scope"]
)

LOGOUT_PARAMETERS = frozenset(["id_token_hint", "post_logout_redirect_uri", "state"])
