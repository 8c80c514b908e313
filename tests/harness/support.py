"""Shared pieces for the harness tests: clients, users, and flows driven through httpx.

The expectations here are written from issue 4 and the frameio-v2 profile, not read from the
code under test, so a drift in mockserver shows up as a failing assertion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from frameio_oauth_mock.mockserver import MockServer
from tests.conftest import bearer as bearer
from tests.conftest import pkce_pair as pkce_pair
from tests.conftest import query_of as query_of
from tests.conftest import redirect_target as redirect_target

REDIRECT = "http://127.0.0.1:8765/callback"
STATE = "state-harness-0001"
SCOPES = ["account.read", "asset.read", "offline", "openid"]
APP_ID, APP_SECRET = "app", "app-secret-Zq81xW"
POST_ID, POST_SECRET = "post-app", "post-secret-Kd02mV"
PKCE_ID = "pkce-app"
USER_EMAIL, USER_PASSWORD = "dev@example.com", "dev-password-Yu7c3"
OTHER_EMAIL, OTHER_PASSWORD = "other@example.com", "other-password-Pw55e"
HTTP_TIMEOUT = httpx.Timeout(10.0)

CLIENTS: list[dict[str, Any]] = [
    {
        "client_id": APP_ID,
        "client_secret": APP_SECRET,
        "redirect_uris": [REDIRECT],
        "scopes": SCOPES,
        "name": "Harness App",
    },
    {
        "client_id": POST_ID,
        "client_secret": POST_SECRET,
        "token_endpoint_auth_method": "client_secret_post",
        "redirect_uris": [REDIRECT],
        "scopes": SCOPES,
    },
    {"client_id": PKCE_ID, "redirect_uris": [REDIRECT], "scopes": SCOPES},
]
USERS: list[dict[str, Any]] = [
    {"email": USER_EMAIL, "password": USER_PASSWORD, "name": "Dev User"},
    {"email": OTHER_EMAIL, "password": OTHER_PASSWORD, "name": "Other User"},
]
SECRETS = {APP_ID: APP_SECRET, POST_ID: POST_SECRET, PKCE_ID: None}

# fosite's base descriptions (errors.go).
DESCRIPTIONS = {
    "access_denied": "The resource owner or authorization server denied the request.",
    "temporarily_unavailable": (
        "The authorization server is currently unable to handle the request due to a "
        "temporary overloading or maintenance of the server."
    ),
    "server_error": (
        "The authorization server encountered an unexpected condition that prevented it "
        "from fulfilling the request."
    ),
}
REFRESH_EXPIRED = "The refresh token expired."
TOKEN_CONTENT_TYPE = "application/json;charset=UTF-8"


def make_mock(**options: Any) -> MockServer:
    return MockServer(clients=CLIENTS, users=USERS, **options)


def hidden_field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no hidden field {name!r} in the page"
    return match.group(1)


def authorize_params(
    client_id: str = APP_ID,
    scope: str = "account.read offline",
    state: str | None = STATE,
    challenge: str | None = None,
    **extra: str,
) -> dict[str, str]:
    params = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": scope,
        **extra,
    }
    if state is not None:
        params["state"] = state
    if challenge is not None:
        params["code_challenge"] = challenge
        params["code_challenge_method"] = "S256"
    return params


def code_request(
    code: str, client_id: str = APP_ID, verifier: str | None = None
) -> tuple[dict[str, str], tuple[str, str] | None]:
    """Form and Basic credentials of an authorization_code exchange for `client_id`."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    return _with_client(data, client_id, verifier)


def refresh_request(
    refresh_token: str, client_id: str = APP_ID
) -> tuple[dict[str, str], tuple[str, str] | None]:
    return _with_client({"grant_type": "refresh_token", "refresh_token": refresh_token}, client_id)


def token_request(
    token: str, client_id: str = APP_ID
) -> tuple[dict[str, str], tuple[str, str] | None]:
    """Form and credentials for revocation and introspection."""
    return _with_client({"token": token}, client_id)


def _with_client(
    data: dict[str, str], client_id: str, verifier: str | None = None
) -> tuple[dict[str, str], tuple[str, str] | None]:
    if verifier is not None:
        data["code_verifier"] = verifier
    secret = SECRETS[client_id]
    if client_id == POST_ID:
        return {**data, "client_id": client_id, "client_secret": POST_SECRET}, None
    if secret is None:
        return {**data, "client_id": client_id}, None
    return data, (client_id, secret)


@dataclass
class AsyncFlow:
    """The client side of the flows, over an httpx.AsyncClient (in-process or a real socket)."""

    http: httpx.AsyncClient

    async def authorize(self, client_id: str = APP_ID, **options: Any) -> httpx.Response:
        return await self.http.get("/oauth2/auth", params=authorize_params(client_id, **options))

    async def code(
        self, client_id: str = APP_ID, scope: str = "account.read offline", **options: Any
    ) -> str:
        response = await self.authorize(client_id, scope=scope, **options)
        assert response.status_code == 303, response.text
        return query_of(response.headers["location"])["code"]

    async def exchange(
        self, code: str, client_id: str = APP_ID, verifier: str | None = None
    ) -> httpx.Response:
        data, auth = code_request(code, client_id, verifier)
        return await self.http.post("/oauth2/token", data=data, auth=auth)

    async def tokens(
        self, client_id: str = APP_ID, scope: str = "account.read offline"
    ) -> dict[str, Any]:
        verifier, challenge = pkce_pair()
        code = await self.code(client_id, scope=scope, challenge=challenge)
        response = await self.exchange(code, client_id, verifier)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def refresh(self, refresh_token: str, client_id: str = APP_ID) -> httpx.Response:
        data, auth = refresh_request(refresh_token, client_id)
        return await self.http.post("/oauth2/token", data=data, auth=auth)

    async def me(self, access_token: str) -> httpx.Response:
        return await self.http.get("/v2/me", headers=bearer(access_token))

    async def introspect(self, token: str, client_id: str = APP_ID) -> httpx.Response:
        data, auth = token_request(token, client_id)
        return await self.http.post("/oauth2/introspect", data=data, auth=auth)

    async def revoke(self, token: str, client_id: str = APP_ID) -> httpx.Response:
        data, auth = token_request(token, client_id)
        return await self.http.post("/oauth2/revoke", data=data, auth=auth)


@dataclass
class SyncFlow:
    """The same flows over a blocking httpx.Client against a running server."""

    http: httpx.Client

    def authorize(self, client_id: str = APP_ID, **options: Any) -> httpx.Response:
        return self.http.get("/oauth2/auth", params=authorize_params(client_id, **options))

    def code(
        self, client_id: str = APP_ID, scope: str = "account.read offline", **options: Any
    ) -> str:
        response = self.authorize(client_id, scope=scope, **options)
        assert response.status_code == 303, response.text
        return query_of(response.headers["location"])["code"]

    def exchange(
        self, code: str, client_id: str = APP_ID, verifier: str | None = None
    ) -> httpx.Response:
        data, auth = code_request(code, client_id, verifier)
        return self.http.post("/oauth2/token", data=data, auth=auth)

    def tokens(
        self, client_id: str = APP_ID, scope: str = "account.read offline"
    ) -> dict[str, Any]:
        verifier, challenge = pkce_pair()
        code = self.code(client_id, scope=scope, challenge=challenge)
        response = self.exchange(code, client_id, verifier)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def refresh(self, refresh_token: str, client_id: str = APP_ID) -> httpx.Response:
        data, auth = refresh_request(refresh_token, client_id)
        return self.http.post("/oauth2/token", data=data, auth=auth)

    def me(self, access_token: str) -> httpx.Response:
        return self.http.get("/v2/me", headers=bearer(access_token))

    def introspect(self, token: str, client_id: str = APP_ID) -> httpx.Response:
        data, auth = token_request(token, client_id)
        return self.http.post("/oauth2/introspect", data=data, auth=auth)

    def revoke(self, token: str, client_id: str = APP_ID) -> httpx.Response:
        data, auth = token_request(token, client_id)
        return self.http.post("/oauth2/revoke", data=data, auth=auth)


IMS_ID, IMS_SECRET = "ims-app", "ims-secret-Rr40pQ"
IMS_CLIENT: dict[str, Any] = {
    "client_id": IMS_ID,
    "client_secret": IMS_SECRET,
    "redirect_uris": [REDIRECT],
    "scopes": ["openid", "AdobeID", "offline_access"],
    "profile": "adobe-ims",
}
