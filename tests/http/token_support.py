"""Expectations shared by the token-endpoint tests, written down from docs/fidelity.md.

Nothing here is imported from mockserver: the base descriptions and hints are copied from the
specification, so a drift in the code under test shows up as a failing assertion.
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote_plus

import httpx

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.settings import ClientConfig
from frameio_oauth_mock.mockserver.store import run_now
from tests.conftest import REDIRECT, SCOPES

TOKEN = "/oauth2/token"
# A confidential client allowed authorization_code but not refresh_token.
CODE_ONLY_APP = ClientConfig(
    "code-only-app", (REDIRECT,), SCOPES, client_secret="c0de", grant_types=("authorization_code",)
)

# Profile frameio-v2, "Token endpoint": the base descriptions (fosite's errors.go), which
# every hint is appended to after one space.
INVALID_CLIENT = (
    "Client authentication failed (e.g., unknown client, no client authentication included, "
    "or unsupported authentication method)."
)
INVALID_GRANT = (
    "The provided authorization grant (e.g., authorization code, resource owner credentials) "
    "or refresh token is invalid, expired, revoked, does not match the redirection URI used in "
    "the authorization request, or was issued to another client."
)
INVALID_REQUEST = (
    "The request is missing a required parameter, includes an invalid parameter value, "
    "includes a parameter more than once, or is otherwise malformed."
)
# Status and base description of each error code.
ERRORS: dict[str, tuple[int, str]] = {
    "invalid_client": (401, INVALID_CLIENT),
    "invalid_grant": (400, INVALID_GRANT),
    "invalid_request": (400, INVALID_REQUEST),
    "unauthorized_client": (
        400,
        "The client is not authorized to request a token using this method.",
    ),
    "insufficient_entropy": (
        400,
        "The request used a security parameter (e.g., anti-replay, anti-csrf) with insufficient "
        "entropy.",
    ),
}

# Hints, verbatim from docs/fidelity.md.
EMPTY_BODY = "The POST body can not be empty."
NO_GRANT_TYPE = "Request parameter 'grant_type' is missing"
DEFAULT_HINT = (
    "Make sure that the various parameters are correct, be aware of case sensitivity and trim "
    "your parameters. Make sure that the client you are using has exactly whitelisted the "
    "redirect_uri you specified."
)
NO_CREDENTIALS = (
    "Client credentials missing or malformed in both HTTP Authorization header and HTTP POST body."
)
CODE_USED = "The authorization code has already been used."
CODE_OTHER_CLIENT = (
    "The OAuth 2.0 Client ID from this request does not match the one from the authorize request."
)
REDIRECT_MISMATCH = (
    "The 'redirect_uri' from this request does not match the one from the authorize request."
)
PKCE_TOO_SHORT = "The PKCE code verifier must be at least 43 characters."
PKCE_TOO_LONG = "The PKCE code verifier can not be longer than 128 characters."
PKCE_BAD_CHARACTERS = "The PKCE code verifier must only contain [a-Z], [0-9], '-', '.', '_', '~'."
PKCE_MISMATCH = "The PKCE code challenge did not match the code verifier."
PKCE_NOT_STARTED = "Unable to find initial PKCE data tied to this request"
PKCE_REQUIRED = (
    "This client must include a code_challenge when performing the authorize code flow, but it "
    "is missing."
)
PKCE_CHALLENGE_ABSENT = (
    "The PKCE code verifier was provided but the code challenge was absent from the "
    "authorization request."
)
SHORT_NONCE = "Parameter 'nonce' is set but does not satisfy the minimum entropy of 8 characters."
REFRESH_USED = "The refresh token was already used."
REFRESH_INVALID = "The refresh token is malformed or not valid."
REFRESH_EXPIRED = "The refresh token expired."
REFRESH_OTHER_CLIENT = (
    "The OAuth 2.0 Client ID from this request does not match the ID during the initial token "
    "issuance."
)
ID_DECODE = (
    "The client id in the HTTP authorization header could not be decoded from "
    "'application/x-www-form-urlencoded'."
)
SECRET_DECODE = (
    "The client secret in the HTTP authorization header could not be decoded from "
    "'application/x-www-form-urlencoded'."
)


def expect_router_405(response: httpx.Response) -> None:
    """Hydra's router answer to anything but POST at token, revoke and introspect."""
    assert response.status_code == 405, response.text
    assert response.text == "Method Not Allowed"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["allow"] == "OPTIONS, POST"


def not_allowed_grant(grant_type: str) -> str:
    return f"The OAuth 2.0 Client is not allowed to use authorization grant '{grant_type}'."


def auth_method_mismatch(registered: str, requested: str) -> str:
    return (
        f"The OAuth 2.0 Client supports client authentication method '{registered}', but method "
        f"'{requested}' was requested. You must configure the OAuth 2.0 client's "
        f"'token_endpoint_auth_method' value to accept '{requested}'."
    )


# ory_at_ / ory_rt_ / ory_ac_ + base64url(32 bytes) + "." + base64url(signature), unpadded.
_B64_32 = r"[A-Za-z0-9_-]{43}"


def token_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(prefix)}{_B64_32}\.{_B64_32}")


def assert_token_headers(response: httpx.Response) -> None:
    """The headers docs/fidelity.md requires on every token-endpoint answer."""
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    assert "www-authenticate" not in response.headers


def raw_keys(response: httpx.Response) -> list[str]:
    """The top-level keys in the order the raw JSON text lists them."""
    pairs: list[tuple[str, object]] = json.loads(response.text, object_pairs_hook=list)
    return [key for key, _ in pairs]


def expect_error(response: httpx.Response, error: str, hint: str = "") -> None:
    """Status, exact body (base description + " " + hint) and headers of an error answer."""
    status, base = ERRORS[error]
    description = f"{base} {hint}" if hint else base
    assert response.status_code == status, response.text
    assert response.json() == {"error": error, "error_description": description}
    assert raw_keys(response) == ["error", "error_description"]
    assert_token_headers(response)


def expect_tokens(response: httpx.Response, scope: str, refresh: bool) -> dict[str, object]:
    """A successful token answer: exact key set in alphabetical order, Hydra's token shapes."""
    assert response.status_code == 200, response.text
    assert_token_headers(response)
    body: dict[str, object] = response.json()
    expected = {"access_token", "expires_in", "scope", "token_type"}
    if refresh:
        expected.add("refresh_token")
    if "openid" in scope.split(" "):
        expected.add("id_token")
    assert set(body) == expected
    assert raw_keys(response) == sorted(expected)
    assert token_pattern("ory_at_").fullmatch(str(body["access_token"]))
    if refresh:
        assert token_pattern("ory_rt_").fullmatch(str(body["refresh_token"]))
    assert body["expires_in"] == 3600
    assert type(body["expires_in"]) is int
    assert body["scope"] == scope
    assert body["token_type"] == "bearer"
    return body


def basic(client_id: str, secret: str, encode: bool = True) -> dict[str, str]:
    """An Authorization header; RFC 6749 2.3.1 form-url-encodes id and secret first."""
    if encode:
        client_id, secret = quote_plus(client_id, safe=""), quote_plus(secret, safe="")
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}


def is_live(context: Context, value: object) -> bool:
    """Whether the server would still honour this access or refresh token."""
    token = run_now(context.store.find_token(str(value)))
    return token is not None and token.is_live(context.clock.now())
