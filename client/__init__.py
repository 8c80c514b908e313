"""Frame.io OAuth 2 for Python apps and CLIs, against Frame.io or the frameio-oauth-mock.

    from client import FrameioOAuth

    oauth = FrameioOAuth("my-app", redirect_uri="http://127.0.0.1:8765/callback")
    token = oauth.login()                              # scripts: loopback redirect
    with httpx.Client(base_url=oauth.api_url, auth=oauth.auth()) as api:
        api.get("/v2/me")                              # refreshed automatically

Point `base_url` (and `api_url`) at http://127.0.0.1:8080 to use the mock instead.
"""

from client._async import AsyncFrameioOAuth
from client._auth import BearerAuth
from client._base import (
    DEFAULT_SCOPES,
    FRAMEIO_API_URL,
    FRAMEIO_BASE_URL,
    AuthorizationRequest,
)
from client._errors import (
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
from client._login import login
from client._protocol import basic_authorization
from client._store import FileTokenStore, MemoryTokenStore, TokenStore
from client._sync import FrameioOAuth
from client._token import Token

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
