"""BearerAuth: an httpx.Auth that sends the stored access token and keeps it fresh."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass

import httpx

from frameio_oauth_mock.client._async import AsyncFrameioOAuth
from frameio_oauth_mock.client._errors import ReauthorizationRequired
from frameio_oauth_mock.client._sync import FrameioOAuth
from frameio_oauth_mock.client._token import Token


@dataclass(frozen=True)
class _Refresh:
    """A step of BearerAuth's flow: replace `stale` with a fresh token, then go on."""

    stale: Token


class BearerAuth(httpx.Auth):
    """Adds `Authorization: Bearer <access token>` from the client's token store.

    It refreshes the token when it expires within `leeway` seconds, and once more when the
    API answers 401 (a token revoked or expired early). It never loops: a second 401 is
    returned to the caller. Concurrent requests share one refresh: whoever takes the lock
    first refreshes, the others find the new token when they get it. Use it with an
    httpx.Client for a FrameioOAuth and an httpx.AsyncClient for an AsyncFrameioOAuth.
    """

    def __init__(self, oauth: FrameioOAuth | AsyncFrameioOAuth, *, leeway: float = 60.0) -> None:
        self.oauth = oauth
        self.leeway = leeway
        self._sync_lock = threading.Lock()
        self._async_lock = asyncio.Lock()

    def _flow(self, request: httpx.Request) -> Generator[httpx.Request | _Refresh, object, None]:
        """The decisions, written once; the sync and async drivers below do the I/O."""
        token = self._stored_token()
        if token.refresh_token and token.is_expired(self.oauth.clock(), self.leeway):
            token = yield from self._refreshed(token)
        response = yield self._authorized(request, token)
        unauthorized = isinstance(response, httpx.Response) and response.status_code == 401
        if unauthorized and token.refresh_token:
            token = yield from self._refreshed(token)
            yield self._authorized(request, token)

    @staticmethod
    def _refreshed(stale: Token) -> Generator[_Refresh, object, Token]:
        fresh = yield _Refresh(stale)
        if not isinstance(fresh, Token):
            raise RuntimeError("BearerAuth's flow was resumed without a token")
        return fresh

    def _stored_token(self) -> Token:
        token = self.oauth.token_store.load()
        if token is None:
            raise ReauthorizationRequired("no_token", "no token is stored; authorize first")
        return token

    def _newer_than(self, stale: Token) -> Token | None:
        """The stored token if another request refreshed while this one waited for the lock."""
        stored = self.oauth.token_store.load()
        if stored is not None and stored.access_token != stale.access_token:
            return stored
        return None

    @staticmethod
    def _authorized(request: httpx.Request, token: Token) -> httpx.Request:
        request.headers["Authorization"] = token.authorization
        return request

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        oauth = self.oauth
        if not isinstance(oauth, FrameioOAuth):
            raise TypeError("BearerAuth of an AsyncFrameioOAuth needs an httpx.AsyncClient")
        request.read()  # it may be sent twice (after a 401), so its body must be replayable
        flow = self._flow(request)
        step = next(flow)
        while True:
            if isinstance(step, _Refresh):
                with self._sync_lock:
                    result: object = self._newer_than(step.stale) or oauth.refresh(step.stale)
            else:
                response = yield step
                if response.status_code == 401:
                    response.read()  # frees its connection before the refresh needs one
                result = response
            try:
                step = flow.send(result)
            except StopIteration:
                return

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        oauth = self.oauth
        if not isinstance(oauth, AsyncFrameioOAuth):
            raise TypeError("BearerAuth of a FrameioOAuth needs an httpx.Client")
        await request.aread()  # it may be sent twice (after a 401), so it must be replayable
        flow = self._flow(request)
        step = next(flow)
        while True:
            if isinstance(step, _Refresh):
                async with self._async_lock:
                    result: object = self._newer_than(step.stale) or await oauth.refresh(step.stale)
            else:
                response = yield step
                if response.status_code == 401:
                    await response.aread()
                result = response
            try:
                step = flow.send(result)
            except StopIteration:
                return
