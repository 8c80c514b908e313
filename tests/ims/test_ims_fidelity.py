"""Adobe IMS behaviours from Adobe's docs (docs/fidelity.md, profile adobe-ims):
prompt=none with nobody logged in, response_mode=fragment, response_type optional, and no
redirect_uri needed at the token endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from frameio_oauth_mock.mockserver.testing import MockServer
from tests.ims.test_profile import (
    CLIENTS,
    REDIRECT,
    USERS,
    WEB_ID,
    authorize,
    code_for,
    exchange,
    redirected,
    token,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    mock = MockServer(clients=CLIENTS, users=USERS)  # through its ASGI app
    async with mock.async_client() as client:
        yield client


async def test_prompt_none_with_nobody_logged_in_is_login_required(
    http: httpx.AsyncClient,
) -> None:
    answer = redirected(await authorize(http, prompt="none", state="s1"))
    assert answer == {
        "error": "login_required",
        "error_description": (
            "Prompt 'none' was requested, but no existing login session was found."
        ),
        "state": "s1",
    }


async def test_fragment_response_mode(http: httpx.AsyncClient) -> None:
    response = await authorize(http, response_mode="fragment", state="s1")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "#")
    assert set(dict(parse_qsl(urlsplit(location).fragment))) == {"code", "state"}


async def test_response_type_is_optional(http: httpx.AsyncClient) -> None:
    answer = redirected(await authorize(http, response_type=None, state="s1"))
    assert set(answer) == {"code", "state"}


async def test_token_request_needs_no_redirect_uri(http: httpx.AsyncClient) -> None:
    code = await code_for(http)
    response = await token(http, {"grant_type": "authorization_code", "code": code}, WEB_ID)
    assert response.status_code == 200, response.text
    assert {"access_token", "refresh_token", "id_token", "sub"} <= set(response.json())


async def test_a_different_redirect_uri_at_the_token_endpoint_is_still_refused(
    http: httpx.AsyncClient,
) -> None:
    code = await code_for(http)
    response = await exchange(http, code, redirect_uri="http://127.0.0.1:8765/other")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
