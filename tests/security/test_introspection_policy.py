"""Who may introspect what (issue 16, item 4).

Hydra's introspection is an admin API; the mock's answered a public client (`client_id` alone,
which anyone can claim) about any token: its owner's email, scopes and client. The policy now:
the admin token and confidential clients (who prove a secret, as a resource server does) may
introspect any token of the profile; a public client only tokens issued to itself.
"""

from __future__ import annotations

import httpx
import pytest

from frameio_oauth_mock.mockserver import MockServer
from tests.harness.support import (
    APP_ID,
    APP_SECRET,
    PKCE_ID,
    POST_ID,
    POST_SECRET,
    USER_EMAIL,
    AsyncFlow,
    make_mock,
)

pytestmark = pytest.mark.anyio
ADMIN = "Admin-T0ken-99"


@pytest.fixture
def mock() -> MockServer:
    return make_mock(admin_token=ADMIN)


async def introspect(http: httpx.AsyncClient, token: str, **how: object) -> httpx.Response:
    return await http.post("/oauth2/introspect", data={"token": token}, **how)  # type: ignore[arg-type]


async def test_a_public_client_learns_nothing_about_another_clients_token(
    mock: MockServer,
) -> None:
    async with mock.async_client() as http:
        tokens = await AsyncFlow(http).tokens(APP_ID)
        answer = await http.post(
            "/oauth2/introspect", data={"token": tokens["access_token"], "client_id": PKCE_ID}
        )
        assert answer.status_code == 200
        assert answer.json() == {"active": False}
        assert USER_EMAIL not in answer.text


async def test_a_public_client_may_introspect_its_own_token(mock: MockServer) -> None:
    async with mock.async_client() as http:
        tokens = await AsyncFlow(http).tokens(PKCE_ID)
        answer = await http.post(
            "/oauth2/introspect", data={"token": tokens["access_token"], "client_id": PKCE_ID}
        )
        assert answer.json()["active"] is True
        assert answer.json()["client_id"] == PKCE_ID


async def test_a_confidential_client_may_introspect_any_token(mock: MockServer) -> None:
    async with mock.async_client() as http:
        tokens = await AsyncFlow(http).tokens(PKCE_ID)
        by_basic = await introspect(http, tokens["access_token"], auth=(APP_ID, APP_SECRET))
        assert by_basic.json()["active"] is True
        assert by_basic.json()["client_id"] == PKCE_ID  # another client's token, in full
        by_post = await http.post(
            "/oauth2/introspect",
            data={
                "token": tokens["access_token"],
                "client_id": POST_ID,
                "client_secret": POST_SECRET,
            },
        )
        assert by_post.json()["active"] is True


async def test_the_admin_token_may_introspect_any_token(mock: MockServer) -> None:
    async with mock.async_client() as http:
        tokens = await AsyncFlow(http).tokens(PKCE_ID)
        admin = {"Authorization": f"Bearer {ADMIN}"}
        answer = await introspect(http, tokens["access_token"], headers=admin)
        assert answer.status_code == 200, answer.text
        assert answer.json()["active"] is True
        assert answer.json()["client_id"] == PKCE_ID
        wrong = await introspect(
            http, tokens["access_token"], headers={"Authorization": "Bearer x"}
        )
        assert wrong.status_code in (400, 401)
        assert "active" not in wrong.json()
