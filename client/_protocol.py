"""The HTTP side of OAuth without the I/O: building requests, reading answers, retry waits.

Every operation (exchange, refresh, revoke, discovery) is written once as a generator that
yields `httpx.Request`s and `Sleep`s and is sent the responses back, like httpx's
Auth.auth_flow. FrameioOAuth runs such a flow with httpx.Client and time.sleep,
AsyncFrameioOAuth with httpx.AsyncClient and asyncio.sleep; nothing else differs.
"""

from __future__ import annotations

import base64
import email.utils
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar
from urllib.parse import quote_plus

import httpx

from frameio_oauth_mock.client._errors import (
    DiscoveryError,
    FrameioOAuthError,
    InvalidClientError,
    InvalidGrantError,
    InvalidResponseError,
    IssuerMismatchError,
    TemporarilyUnavailableError,
    TokenRequestError,
)
from frameio_oauth_mock.client._token import Token

T = TypeVar("T")

AUTHORIZE_PATH = "/oauth2/auth"
TOKEN_PATH = "/oauth2/token"
REVOKE_PATH = "/oauth2/revoke"
# RFC 8414 first; Hydra (Frame.io) serves only the OpenID Connect document.
METADATA_PATHS = ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration")
ME_PATH = "/v2/me"

RETRY_STATUSES = frozenset([429, 503])


@dataclass(frozen=True)
class Sleep:
    """A flow step: wait this many seconds before going on."""

    seconds: float


Step: TypeAlias = httpx.Request | Sleep
# A flow yields steps; after a request it is sent the response, after a Sleep, None.
Flow: TypeAlias = Generator[Step, httpx.Response | None, T]


# Retries -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    """429 and 503 are retried up to `retries` times, waiting what Retry-After asks (capped at
    `max_wait` so a server cannot park the client for hours), else 1, 2, 4... seconds.
    Every other status is final: a 4xx will not change by asking again."""

    retries: int = 3
    max_wait: float = 30.0

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError("retries: must be >= 0")
        if self.max_wait < 0:
            raise ValueError("max_retry_wait: must be >= 0")

    def wait_before_retry(self, response: httpx.Response, attempt: int, now: float) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None when `response` is final."""
        if response.status_code not in RETRY_STATUSES or attempt >= self.retries:
            return None
        asked = retry_after_seconds(response.headers.get("retry-after"), now)
        wait = float(2**attempt) if asked is None else asked
        return min(wait, self.max_wait)


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP-date; None if absent or bad."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def send(
    build: Callable[[], httpx.Request], policy: RetryPolicy, clock: Callable[[], float]
) -> Flow[httpx.Response]:
    """Send a fresh request from `build` until the answer is final; return that answer."""
    attempt = 0
    while True:
        response = yield build()
        if response is None:
            raise RuntimeError("a flow was resumed without the response to its request")
        wait = policy.wait_before_retry(response, attempt, clock())
        if wait is None:
            return response
        attempt += 1
        yield Sleep(wait)


# Client authentication -----------------------------------------------------------------------
def basic_authorization(client_id: str, client_secret: str) -> str:
    """HTTP Basic as RFC 6749 2.3.1 says: each part form-url-encoded, then base64.

    httpx.BasicAuth skips the encoding step, which breaks secrets with ':', '+', '%' or
    non-ASCII characters, so the header is built here.
    """
    credentials = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(credentials.encode("ascii")).decode("ascii")


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str | None

    def authenticated_post(self, url: str, form: Mapping[str, str]) -> httpx.Request:
        """A form POST carrying exactly one client authentication (RFC 6749 2.3).

        Apps with a secret use Basic; PKCE apps put client_id in the body and send no
        Authorization header, as Frame.io requires. The secret never goes into a URL.
        """
        headers = {"Accept": "application/json"}
        data = dict(form)
        if self.client_secret is not None:
            headers["Authorization"] = basic_authorization(self.client_id, self.client_secret)
        else:
            data["client_id"] = self.client_id
        return httpx.Request("POST", url, data=data, headers=headers)


# Reading answers -----------------------------------------------------------------------------
def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:  # not JSON, or not UTF-8
        return None
    return body if isinstance(body, dict) else None


_ERROR_CLASSES: dict[str, type[TokenRequestError]] = {
    "invalid_client": InvalidClientError,
    "invalid_grant": InvalidGrantError,
}


def error_from_response(response: httpx.Response) -> FrameioOAuthError:
    """The exception for a token or revocation endpoint's failure answer."""
    status = response.status_code
    body = _json_object(response)
    error = body.get("error") if body else None
    if isinstance(error, str) and error:
        description = body.get("error_description") if body else None
        kind = _ERROR_CLASSES.get(error, TokenRequestError)
        if status in RETRY_STATUSES:
            kind = TemporarilyUnavailableError
        return kind(error, description if isinstance(description, str) else None, status)
    if status in RETRY_STATUSES:
        return TemporarilyUnavailableError("temporarily_unavailable", None, status)
    content_type = response.headers.get("content-type", "no content type")
    return InvalidResponseError(
        "invalid_response", f"unexpected answer with {content_type}, not an OAuth error", status
    )


def token_from_response(response: httpx.Response, now: float, requested_scope: str) -> Token:
    if response.status_code != 200:
        raise error_from_response(response)
    body = _json_object(response)
    if body is None:
        raise InvalidResponseError(
            "invalid_response", "the token response is not a JSON object", response.status_code
        )
    return Token.from_response(body, now, requested_scope)


def metadata_from_response(response: httpx.Response, issuer: str) -> dict[str, Any]:
    """A metadata document, if it is one and names `issuer` (RFC 8414 3.3: a document that
    names another issuer must not be used, or a mix-up attacker could substitute it)."""
    if response.status_code != 200:
        raise DiscoveryError(
            "metadata_unavailable",
            f"{response.request.url} answered HTTP {response.status_code}",
            response.status_code,
        )
    body = _json_object(response)
    if body is None or not isinstance(body.get("issuer"), str):
        raise DiscoveryError(
            "invalid_metadata", f"{response.request.url} is not a metadata document", 200
        )
    if body["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise IssuerMismatchError(
            "issuer_mismatch",
            f"the metadata names issuer {body['issuer']!r}, expected {issuer!r}",
        )
    return body
