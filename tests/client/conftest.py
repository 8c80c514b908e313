"""The client against the mock, in-process (no socket) and on real uvicorn.

`sync_env` / `async_env` are parametrized over both ways of running the mock; each gives a
factory for clients wired to it (the mock's clock, a recording sleep) and a "browser" that
follows the authorization URL in auto-approve mode and returns the callback URL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from frameio_oauth_mock.client import AsyncFrameioOAuth, AuthorizationRequest, FrameioOAuth
from frameio_oauth_mock.mockserver.testing import MockServer

REDIRECT = "http://127.0.0.1:8765/callback"
PKCE_APP = "demo-pkce-app"
SECRET_APP = "demo-app"
SECRET = "demo-secret"
USER = "dev@example.com"
APPS = {PKCE_APP: None, SECRET_APP: SECRET}


class SyncASGITransport(httpx.BaseTransport):
    """httpx.ASGITransport for a sync httpx.Client: runs each request on a private loop."""

    def __init__(self, app: Any) -> None:
        self._transport = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            response = await self._transport.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return self._loop.run_until_complete(send())

    def close(self) -> None:
        self._loop.close()


def callback_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT.rsplit(":", 1)[0]), location
    return location


@dataclass
class SyncEnv:
    mock: MockServer
    http: httpx.Client
    sleeps: list[float] = field(default_factory=list)

    def oauth(
        self, client_id: str = PKCE_APP, secret: str | None = None, **options: Any
    ) -> FrameioOAuth:
        options.setdefault("scopes", "account.read offline")
        return FrameioOAuth(
            client_id,
            secret,
            redirect_uri=options.pop("redirect_uri", REDIRECT),
            base_url=self.mock.url,
            api_url=self.mock.api_url,
            http_client=self.http,
            clock=self.mock.clock.now,
            sleep=self.sleeps.append,
            **options,
        )

    def authorize(self, request: AuthorizationRequest) -> str:
        """Play the browser: the mock auto-approves and redirects to the callback."""
        return callback_of(self.http.get(request.url, follow_redirects=False))


@dataclass
class AsyncEnv:
    mock: MockServer
    http: httpx.AsyncClient
    sleeps: list[float] = field(default_factory=list)

    def oauth(
        self, client_id: str = PKCE_APP, secret: str | None = None, **options: Any
    ) -> AsyncFrameioOAuth:
        options.setdefault("scopes", "account.read offline")

        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        return AsyncFrameioOAuth(
            client_id,
            secret,
            redirect_uri=options.pop("redirect_uri", REDIRECT),
            base_url=self.mock.url,
            api_url=self.mock.api_url,
            http_client=self.http,
            clock=self.mock.clock.now,
            sleep=sleep,
            **options,
        )

    async def authorize(self, request: AuthorizationRequest) -> str:
        return callback_of(await self.http.get(request.url, follow_redirects=False))


@pytest.fixture(params=["inprocess", "uvicorn"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def mock(mode: str, request: pytest.FixtureRequest) -> MockServer:
    """The demo mock, in-process or the session's uvicorn server (reset for this test)."""
    name = "frameio_mock_inprocess" if mode == "inprocess" else "frameio_mock"
    server: MockServer = request.getfixturevalue(name)
    return server


@pytest.fixture
def sync_env(mode: str, mock: MockServer) -> Iterator[SyncEnv]:
    transport = SyncASGITransport(mock.app) if mode == "inprocess" else None
    with httpx.Client(transport=transport) as http:
        yield SyncEnv(mock, http)


@pytest.fixture
async def async_env(mode: str, mock: MockServer) -> AsyncIterator[AsyncEnv]:
    transport = httpx.ASGITransport(mock.app) if mode == "inprocess" else None
    async with httpx.AsyncClient(transport=transport) as http:
        yield AsyncEnv(mock, http)
