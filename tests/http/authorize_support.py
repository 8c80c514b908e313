"""Expectations shared by the authorization-endpoint tests, written down from docs/fidelity.md
(and fosite's errors.go for the base descriptions it names but does not spell out).

Nothing here is imported from mockserver, so a drift in the code under test shows up as a failing
assertion. The base descriptions the token endpoint shares live in token_support.py.
"""

from __future__ import annotations

import html
import re

import httpx

from tests.http.token_support import INVALID_CLIENT, INVALID_REQUEST

INVALID_SCOPE = "The requested scope is invalid, unknown, or malformed."
UNSUPPORTED_RESPONSE_TYPE = (
    "The authorization server does not support obtaining a token using this method."
)
UNSUPPORTED_RESPONSE_MODE = (
    "The authorization server does not support obtaining a response using this response mode."
)
INVALID_STATE = (
    "The state is missing or does not have enough characters and is therefore considered too weak."
)
ACCESS_DENIED = "The resource owner or authorization server denied the request."

# Base description plus hint, as the mock answers them.
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
OPENID_NEEDS_REDIRECT = (
    INVALID_REQUEST + " The 'redirect_uri' parameter is required when using OpenID Connect 1.0."
)
LOGIN_REQUIRED = (
    "The Authorization Server requires End-User authentication. Prompt 'none' was requested, "
    "but no existing login session was found."
)


def scope_refused(scope: str) -> str:
    return INVALID_SCOPE + f" The OAuth 2.0 Client is not allowed to request scope '{scope}'."


def response_type_refused(response_type: str) -> str:
    return (
        UNSUPPORTED_RESPONSE_TYPE
        + f" The client is not allowed to request response_type '{response_type}'."
    )


def response_mode_refused(mode: str) -> str:
    return f"{UNSUPPORTED_RESPONSE_MODE} Request with unsupported response_mode '{mode}'."


def audience_refused(audience: str) -> str:
    return (
        f"{INVALID_REQUEST} Requested audience '{audience}' has not been whitelisted by the "
        "OAuth 2.0 Client."
    )


# The error page (shown instead of redirecting to an untrusted redirect_uri) ------------------


def page_field(response: httpx.Response, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">(.*?)</', response.text, re.DOTALL)
    assert match is not None, f"no #{element_id} in {response.text!r}"
    return html.unescape(match.group(1))


def assert_error_page(response: httpx.Response, status: int, error: str, description: str) -> None:
    """Refused without going back to the client: an HTML page, never a Location header."""
    assert response.status_code == status, response.text
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert page_field(response, "error") == error
    assert page_field(response, "error_description") == description
