"""Shared fixtures: settings with one client of each kind, the app, an in-process httpx client."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.settings import ClientConfig, Settings, UserConfig, validate
from frameio_oauth_mock.mockserver.web import create_app
from tests import hypothesis_profiles  # noqa: F401  (loads the session's Hypothesis profile)

if TYPE_CHECKING:
    from frameio_oauth_mock.mockserver.testing import MockServer

REDIRECT = "http://127.0.0.1:8765/callback"
SCOPES = ("account.read", "asset.read", "offline", "openid")


def make_settings(
    auto_approve: bool = True, *, extra_clients: Iterable[ClientConfig] = (), **server: object
) -> Settings:
    """One client of each kind (and `extra_clients`), two users, and these server options."""
    clients = (
        ClientConfig("secret-app", (REDIRECT,), SCOPES, client_secret="s3cret", name="Secret App"),
        ClientConfig(
            "post-app",
            (REDIRECT,),
            SCOPES,
            client_secret="p0st",
            token_endpoint_auth_method="client_secret_post",
        ),
        ClientConfig("pkce-app", (REDIRECT,), SCOPES, name="PKCE App"),
        ClientConfig(
            "two-uri-app",
            (REDIRECT, "https://app.example.com/cb?tenant=1"),
            SCOPES,
            client_secret="tw0",
        ),
        ClientConfig("no-offline-app", (REDIRECT,), ("account.read",), client_secret="n0"),
    )
    users = (
        UserConfig(email="dev@example.com", password="password", name="Dev User"),
        UserConfig(email="other@example.com", password="hunter22", name="Other User"),
    )
    settings = Settings(clients=(*clients, *extra_clients), users=users).with_server(
        auto_approve=auto_approve, **server
    )
    return validate(settings)


def s256(verifier: str) -> str:
    """RFC 7636 4.2's S256 challenge, computed here (hashlib), not by the code under test."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def pkce_pair() -> tuple[str, str]:
    """A fresh code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    return verifier, s256(verifier)


def bearer(token: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def pkce_redemption(code: str, verifier: str, client_id: str = "pkce-app") -> dict[str, str]:
    """The token request form of a public client redeeming its code: client_id, no secret."""
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": client_id,
        "code_verifier": verifier,
    }


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def redirect_target(location: str) -> str:
    """scheme://host/path of a redirect, without its query."""
    parts = urlsplit(location)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    """The module's `server` (a MockServer fixture the module defines, usually module-scoped
    so uvicorn starts once), reset for each test: no codes, tokens, faults or log entries."""
    server.reset()
    return server


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> Clock:
    clock = Clock()
    clock.freeze()
    return clock


@pytest.fixture
def settings() -> Settings:
    """Override in a test module to change clients, users or server options."""
    return make_settings()


@pytest.fixture
def context(settings: Settings, clock: Clock) -> Context:
    return Context.from_settings(settings, clock=clock)


@pytest.fixture
async def http(context: Context) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to the app in-process (no socket)."""
    transport = httpx.ASGITransport(app=create_app(context=context))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        yield client


@dataclass
class Flow:
    """Drives the auto-approved authorization step and the token endpoint."""

    http: httpx.AsyncClient

    async def authorize(self, **params: str) -> httpx.Response:
        query = {"response_type": "code", "state": "state-12345", "redirect_uri": REDIRECT}
        query.update(params)
        query = {key: value for key, value in query.items() if value is not None}
        return await self.http.get("/oauth2/auth", params=query)

    async def code(self, client_id: str = "secret-app", **params: str) -> str:
        response = await self.authorize(client_id=client_id, **params)
        assert response.status_code == 303, response.text
        return query_of(response.headers["location"])["code"]

    async def token(
        self, data: dict[str, str], auth: tuple[str, str] | None = None, **kwargs: object
    ) -> httpx.Response:
        return await self.http.post("/oauth2/token", data=data, auth=auth, **kwargs)  # type: ignore[arg-type]

    async def pkce_exchange(self, scope: str, client_id: str = "pkce-app") -> httpx.Response:
        """A public client's whole flow: S256 challenge, code, then the code and verifier
        redeemed with its client_id alone (no secret)."""
        verifier, challenge = pkce_pair()
        code = await self.code(
            client_id=client_id,
            scope=scope,
            code_challenge=challenge,
            code_challenge_method="S256",
        )
        return await self.token(pkce_redemption(code, verifier, client_id))

    async def tokens(self, scope: str = "account.read offline") -> dict[str, object]:
        """A fresh token response for secret-app."""
        code = await self.code(scope=scope)
        response = await self.token(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
            auth=("secret-app", "s3cret"),
        )
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body


@pytest.fixture
def flow(http: httpx.AsyncClient) -> Flow:
    return Flow(http)
