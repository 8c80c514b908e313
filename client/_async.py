"""AsyncFrameioOAuth: the same client for asyncio applications (httpx.AsyncClient)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx

from frameio_oauth_mock.client._base import (
    DEFAULT_SCOPES,
    FRAMEIO_API_URL,
    FRAMEIO_BASE_URL,
    BaseFrameioOAuth,
)
from frameio_oauth_mock.client._protocol import ME_PATH, Flow, Sleep
from frameio_oauth_mock.client._store import TokenStore
from frameio_oauth_mock.client._sync import DEFAULT_TIMEOUT
from frameio_oauth_mock.client._token import Token

if TYPE_CHECKING:
    from frameio_oauth_mock.client._auth import BearerAuth

T = TypeVar("T")


class AsyncFrameioOAuth(BaseFrameioOAuth):
    """Frame.io OAuth 2 for one app (asyncio): FrameioOAuth's API with awaitable I/O.

    `http_client` is an httpx.AsyncClient to send through (e.g. with
    httpx.ASGITransport(app=MockServer().app) in tests); it is not closed by aclose().
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str | None = None,
        *,
        redirect_uri: str,
        scopes: Iterable[str] | str = DEFAULT_SCOPES,
        base_url: str = FRAMEIO_BASE_URL,
        api_url: str = FRAMEIO_API_URL,
        http_client: httpx.AsyncClient | None = None,
        token_store: TokenStore | None = None,
        retries: int = 3,
        max_retry_wait: float = 30.0,
        use_pkce: bool = True,
        expected_issuer: str | None = None,
        discover: bool = False,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        super().__init__(
            client_id,
            client_secret,
            redirect_uri=redirect_uri,
            scopes=scopes,
            base_url=base_url,
            api_url=api_url,
            token_store=token_store,
            retries=retries,
            max_retry_wait=max_retry_wait,
            use_pkce=use_pkce,
            expected_issuer=expected_issuer,
            discover=discover,
            clock=clock,
        )
        self._owns_http = http_client is None
        self.http_client = http_client or httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)
        self._sleep = sleep
        # See FrameioOAuth: one refresh at a time, or Frame.io sees a refresh token reused.
        self._refresh_lock = asyncio.Lock()

    async def _run(self, flow: Flow[T]) -> T:
        try:
            step = next(flow)
            while True:
                if isinstance(step, Sleep):
                    await self._sleep(step.seconds)
                    step = flow.send(None)
                else:
                    step = flow.send(await self.http_client.send(step))
        except StopIteration as finished:
            return cast(T, finished.value)
        finally:
            flow.close()

    async def exchange(
        self,
        callback_url: str,
        expected_state: str,
        code_verifier: str | None,
        *,
        redirect_uri: str | None = None,
    ) -> Token:
        """See FrameioOAuth.exchange."""
        return await self._run(
            self._exchange_flow(callback_url, expected_state, code_verifier, redirect_uri)
        )

    async def refresh(self, token: Token | None = None) -> Token:
        """See FrameioOAuth.refresh."""
        async with self._refresh_lock:
            return await self._run(self._refresh_flow(token))

    async def revoke(self, token: Token | str | None = None) -> None:
        """See FrameioOAuth.revoke."""
        await self._run(self._revoke_flow(token))

    async def metadata(self) -> dict[str, Any]:
        """See FrameioOAuth.metadata."""
        return await self._run(self._metadata_flow())

    def auth(self, *, leeway: float = 60.0) -> BearerAuth:
        """See FrameioOAuth.auth (use the result with an httpx.AsyncClient)."""
        from frameio_oauth_mock.client._auth import BearerAuth  # here: _auth imports this module

        return BearerAuth(self, leeway=leeway)

    async def me(self) -> dict[str, Any]:
        """See FrameioOAuth.me."""
        response = await self.http_client.get(self.api_url + ME_PATH, auth=self.auth())
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http_client.aclose()

    async def __aenter__(self) -> AsyncFrameioOAuth:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()
