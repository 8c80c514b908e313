"""Frame.io OAuth 2 for Python apps and CLIs, against Frame.io or the frameio-oauth-mock.

    from frameio_oauth_mock.client import FrameioOAuth

    oauth = FrameioOAuth("my-app", redirect_uri="http://127.0.0.1:8765/callback")
    token = oauth.login()                              # scripts: loopback redirect
    with httpx.Client(base_url=oauth.api_url, auth=oauth.auth()) as api:
        api.get("/v2/me")                              # refreshed automatically

Point `base_url` (and `api_url`) at http://127.0.0.1:8080 to use the mock instead.
"""

from frameio_oauth_mock.client._async import AsyncFrameioOAuth
from frameio_oauth_mock.client._auth import BearerAuth
from frameio_oauth_mock.client._base import (
    DEFAULT_SCOPES,
    FRAMEIO_API_URL,
    FRAMEIO_BASE_URL,
    AuthorizationRequest,
)
from frameio_oauth_mock.client._errors import (
    AccessDeniedError,
    AuthorizationError,
    CallbackError,
    CallbackReplayedError,
    DiscoveryError,
    FrameioOAuthError,
    InvalidClientError,
    InvalidGrantError,
    InvalidResponseError,
    IssuerMismatchError,
    LoginError,
    LoginTimeoutError,
    MalformedCallbackError,
    ReauthorizationRequired,
    StateMismatchError,
    TemporarilyUnavailableError,
    TokenRequestError,
    TokenStoreError,
)
from frameio_oauth_mock.client._login import login
from frameio_oauth_mock.client._protocol import basic_authorization
from frameio_oauth_mock.client._store import FileTokenStore, MemoryTokenStore, TokenStore
from frameio_oauth_mock.client._sync import FrameioOAuth
from frameio_oauth_mock.client._token import Token

__all__ = [
    "DEFAULT_SCOPES",
    "FRAMEIO_API_URL",
    "FRAMEIO_BASE_URL",
    "AccessDeniedError",
    "AsyncFrameioOAuth",
    "AuthorizationError",
    "AuthorizationRequest",
    "BearerAuth",
    "CallbackError",
    "CallbackReplayedError",
    "DiscoveryError",
    "FileTokenStore",
    "FrameioOAuth",
    "FrameioOAuthError",
    "InvalidClientError",
    "InvalidGrantError",
    "InvalidResponseError",
    "IssuerMismatchError",
    "LoginError",
    "LoginTimeoutError",
    "MalformedCallbackError",
    "MemoryTokenStore",
    "ReauthorizationRequired",
    "StateMismatchError",
    "TemporarilyUnavailableError",
    "Token",
    "TokenRequestError",
    "TokenStore",
    "TokenStoreError",
    "basic_authorization",
    "login",
]
