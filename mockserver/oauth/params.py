"""Request parameters as the engine sees them: one value per name, empty meaning absent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mockserver.oauth.errors import invalid_request


def single_values(items: Iterable[tuple[str, str]], guarded: frozenset[str]) -> dict[str, str]:
    """Collapse a request's (name, value) pairs into a dict.

    RFC 6749 3.1/3.2: parameters MUST NOT be included more than once, so a repeated name
    from `guarded` is refused. Empty values are treated as omitted (RFC 6749 3.1).
    """
    values: dict[str, str] = {}
    seen: set[str] = set()
    for name, value in items:
        if name in seen and name in guarded:
            raise invalid_request(
                f"Request parameter '{name}' must not be included more than once."
            )
        seen.add(name)
        if value and name not in values:
            values[name] = value
    return values


def first(params: Mapping[str, str], name: str) -> str | None:
    return params.get(name) or None


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
