"""FrameioOAuth: the client for scripts, CLIs and synchronous web apps (httpx.Client)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx

from frameio_oauth_mock.client._base import (
    DEFAULT_SCOPES,
    FRAMEIO_API_URL,
    FRAMEIO_BASE_URL,
    BaseFrameioOAuth,
)
from frameio_oauth_mock.client._browser import open_in_browser
from frameio_oauth_mock.client._protocol import ME_PATH, Flow, Sleep
from frameio_oauth_mock.client._store import TokenStore
from frameio_oauth_mock.client._token import Token

if TYPE_CHECKING:
    from frameio_oauth_mock.client._auth import BearerAuth

T = TypeVar("T")
DEFAULT_TIMEOUT = httpx.Timeout(30.0)


class FrameioOAuth(BaseFrameioOAuth):
    """Frame.io OAuth 2 for one app (sync). See AsyncFrameioOAuth for asyncio.

        oauth = FrameioOAuth("my-app", redirect_uri="http://127.0.0.1:8765/callback")
        request = oauth.authorization_url()        # send the user to request.url
        token = oauth.exchange(callback_url, request.state, request.code_verifier)

    `http_client` is an httpx.Client to send through (it is not closed by close());
    `sleep` is what waits between retries (tests pass a recorder).
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
        http_client: httpx.Client | None = None,
        token_store: TokenStore | None = None,
        retries: int = 3,
        max_retry_wait: float = 30.0,
        use_pkce: bool = True,
        expected_issuer: str | None = None,
        discover: bool = False,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], object] = time.sleep,
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
        self.http_client = http_client or httpx.Client(timeout=DEFAULT_TIMEOUT)
        self._sleep = sleep
        # One refresh at a time: two would send the same refresh token twice, and Frame.io
        # answers the second by revoking the whole token family.
        self._refresh_lock = threading.Lock()

    def _run(self, flow: Flow[T]) -> T:
        try:
            step = next(flow)
            while True:
                if isinstance(step, Sleep):
                    self._sleep(step.seconds)
                    step = flow.send(None)
                else:
                    step = flow.send(self.http_client.send(step))
        except StopIteration as finished:
            return cast(T, finished.value)
        finally:
            flow.close()

    def exchange(
        self,
        callback_url: str,
        expected_state: str,
        code_verifier: str | None,
        *,
        redirect_uri: str | None = None,
    ) -> Token:
        """Check the callback (state, iss, error) and redeem its code for a Token.

        Raises a CallbackError subclass, before any request, when the callback cannot be
        trusted or reports an error; TokenRequestError when the token endpoint refuses.
        """
        return self._run(
            self._exchange_flow(callback_url, expected_state, code_verifier, redirect_uri)
        )

    def refresh(self, token: Token | None = None) -> Token:
        """A new Token from `token`'s (default: the stored token's) refresh token.

        The rotated refresh token replaces the old one, in the result and in the store.
        Raises ReauthorizationRequired when the refresh token is no longer accepted.
        """
        with self._refresh_lock:
            return self._run(self._refresh_flow(token))

    def revoke(self, token: Token | str | None = None) -> None:
        """Revoke `token` (default: the stored one) and drop it from the store."""
        self._run(self._revoke_flow(token))

    def metadata(self) -> dict[str, Any]:
        """The server's RFC 8414 metadata (fetched once, then cached)."""
        return self._run(self._metadata_flow())

    def auth(self, *, leeway: float = 60.0) -> BearerAuth:
        """An httpx.Auth that sends the stored token and refreshes it when needed."""
        from frameio_oauth_mock.client._auth import BearerAuth  # here: _auth imports this module

        return BearerAuth(self, leeway=leeway)

    def me(self) -> dict[str, Any]:
        """GET {api_url}/v2/me with the stored token: the user the token belongs to."""
        response = self.http_client.get(self.api_url + ME_PATH, auth=self.auth())
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def login(
        self,
        *,
        open_browser: Callable[[str], object] | None = open_in_browser,
        timeout: float = 300.0,
        announce: Callable[[str], object] | None = None,
    ) -> Token:
        """Authorize interactively from a script; see client.login()."""
        from frameio_oauth_mock.client._login import login

        return login(self, open_browser=open_browser, timeout=timeout, announce=announce)

    def close(self) -> None:
        if self._owns_http:
            self.http_client.close()

    def __enter__(self) -> FrameioOAuth:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
