"""The in-process test shown in docs/client.md (and README.md), verbatim, so it stays true."""

from __future__ import annotations

import httpx
import pytest

from frameio_oauth_mock.client import AsyncFrameioOAuth
from frameio_oauth_mock.mockserver.testing import MockServer


@pytest.mark.anyio
async def test_my_integration(frameio_mock_inprocess: MockServer) -> None:
    mock = frameio_mock_inprocess
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=mock.app)) as http:
        oauth = AsyncFrameioOAuth(
            "demo-pkce-app",
            redirect_uri="http://127.0.0.1:8765/callback",
            base_url=mock.url,
            api_url=mock.api_url,
            http_client=http,
            clock=mock.clock.now,  # so mock.clock.advance() expires tokens for both sides
        )
        request = oauth.authorization_url()
        callback = (await http.get(request.url)).headers["location"]
        token = await oauth.exchange(callback, request.state, request.code_verifier)
        me = await http.get(mock.api_url + "/v2/me", auth=oauth.auth())
        assert me.json()["email"] == "dev@example.com"
        assert mock.requests.count("token", grant_type="authorization_code") == 1
        assert token.refresh_token
