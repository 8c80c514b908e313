"""One exception hierarchy for everything the client can refuse or be refused.

Like Authlib's OAuth2Error, every error carries the OAuth `error` code, the
`error_description` and the HTTP status (None when the problem was found locally), so a
caller can catch `FrameioOAuthError` alone and still tell the cases apart.
"""

from __future__ import annotations


class FrameioOAuthError(Exception):
    """Base class: `error` (an OAuth error code, or a local one such as "state_mismatch"),
    `error_description` and `status_code` (None when no HTTP answer was involved)."""

    def __init__(
        self,
        error: str,
        error_description: str | None = None,
        status_code: int | None = None,
    ) -> None:
        self.error = error
        self.error_description = error_description
        self.status_code = status_code
        super().__init__(self._message())

    def _message(self) -> str:
        text = self.error
        if self.error_description:
            text += f": {self.error_description}"
        if self.status_code is not None:
            text += f" (HTTP {self.status_code})"
        return text


# The authorization response (the callback) -----------------------------------------------
class CallbackError(FrameioOAuthError):
    """The callback cannot be used; raised before any token request is made."""


class MalformedCallbackError(CallbackError):
    """The callback URL has no code, or repeats a parameter (RFC 6749 3.1)."""


class StateMismatchError(CallbackError):
    """`state` is missing or differs from the one sent: a possible CSRF attempt (RFC 6749 10.12)."""


class CallbackReplayedError(StateMismatchError):
    """This callback (its state or code) was already used by this client instance."""


class IssuerMismatchError(CallbackError):
    """RFC 9207: `iss` differs from the expected issuer, or is missing where it is required;
    also raised for server metadata whose issuer is not the server's (RFC 8414 3.3)."""


class AuthorizationError(CallbackError):
    """The authorization server answered the authorization request with an error."""


class AccessDeniedError(AuthorizationError):
    """The user (or the server) refused consent: error=access_denied."""


# The token and revocation endpoints ------------------------------------------------------
class TokenRequestError(FrameioOAuthError):
    """The token (or revocation) endpoint answered with an OAuth error."""


class InvalidClientError(TokenRequestError):
    """Client authentication failed: wrong client_id or secret, or the wrong method."""


class InvalidGrantError(TokenRequestError):
    """The authorization code is invalid, expired, already used or bound to something else."""


class ReauthorizationRequired(TokenRequestError):
    """The refresh token can no longer be used (invalid_grant on refresh, or none is held):
    the stored token was dropped and the user must authorize again."""


class TemporarilyUnavailableError(TokenRequestError):
    """429 or 503 on every attempt, retries included."""


class InvalidResponseError(FrameioOAuthError):
    """An answer that is not what the protocol promises (not JSON, no access_token, ...)."""


class DiscoveryError(FrameioOAuthError):
    """The server metadata document (RFC 8414) could not be fetched or read."""


class TokenStoreError(FrameioOAuthError):
    """A stored token cannot be read (corrupt file) or written."""


# login() -----------------------------------------------------------------------------------
class LoginError(FrameioOAuthError):
    """The loopback login could not run (the redirect URI's port is taken, ...)."""


class LoginTimeoutError(LoginError):
    """No callback reached the loopback listener in time."""
