"""POST /oauth2/introspect (RFC 7662), from issue 3 and docs/fidelity.md.

A live token is described; anything else (expired, revoked, rotated, unknown) is exactly
{"active": false} with 200. The caller must authenticate as a client.
"""

from __future__ import annotations

import httpx
import pytest

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.settings import Settings
from tests.conftest import REDIRECT, Flow
from tests.http.token_support import NO_CREDENTIALS, expect_error, expect_router_405

pytestmark = pytest.mark.anyio

INTROSPECT = "/oauth2/introspect"
SECRET_APP = ("secret-app", "s3cret")
ACCESS_TTL = 3600
REFRESH_TTL = 30 * 24 * 3600


def assert_json_headers(response: httpx.Response) -> None:
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"


async def introspect(
    http: httpx.AsyncClient, token: object, auth: tuple[str, str] | None = SECRET_APP
) -> httpx.Response:
    return await http.post(
        INTROSPECT, data={"token": str(token)}, auth=auth or httpx.USE_CLIENT_DEFAULT
    )


async def expect_inactive(http: httpx.AsyncClient, token: object) -> None:
    response = await introspect(http, token)
    assert response.status_code == 200, response.text
    assert response.json() == {"active": False}
    assert_json_headers(response)


def user_id(settings: Settings, email: str) -> str:
    return next(user.id for user in settings.users if user.email == email)


# Live tokens --------------------------------------------------------------------------------


async def test_live_access_token(
    http: httpx.AsyncClient, flow: Flow, clock: Clock, settings: Settings
) -> None:
    now = int(clock.now())
    tokens = await flow.tokens()
    response = await introspect(http, tokens["access_token"])
    assert response.status_code == 200, response.text
    assert_json_headers(response)
    body = response.json()
    assert body["active"] is True
    assert body["scope"] == "account.read offline"
    assert body["client_id"] == "secret-app"
    assert body["sub"] == user_id(settings, "dev@example.com")
    assert body["iat"] == now
    assert body["exp"] == now + ACCESS_TTL
    assert body["token_type"] == "Bearer"
    assert body["token_use"] == "access_token"
    assert body["iss"] == "http://mock.test"
    assert "username" not in body  # Hydra has none


async def test_live_refresh_token(
    http: httpx.AsyncClient, flow: Flow, clock: Clock, settings: Settings
) -> None:
    now = int(clock.now())
    tokens = await flow.tokens()
    response = await introspect(http, tokens["refresh_token"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["active"] is True
    assert body["token_use"] == "refresh_token"
    assert body["client_id"] == "secret-app"
    assert body["scope"] == "account.read offline"
    assert body["sub"] == user_id(settings, "dev@example.com")
    assert body["iat"] == now
    assert body["exp"] == now + REFRESH_TTL


async def test_subject_is_the_user_who_authorized(
    http: httpx.AsyncClient, flow: Flow, settings: Settings
) -> None:
    code = await flow.code(scope="account.read", login_hint="other@example.com")
    issued = await flow.token(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=SECRET_APP,
    )
    body = (await introspect(http, issued.json()["access_token"])).json()
    assert body["sub"] == user_id(settings, "other@example.com")
    assert body["scope"] == "account.read"
    assert "username" not in body  # Hydra has none


async def test_access_token_is_active_until_its_expiry(
    http: httpx.AsyncClient, flow: Flow, clock: Clock
) -> None:
    tokens = await flow.tokens()
    clock.advance(ACCESS_TTL - 1)
    assert (await introspect(http, tokens["access_token"])).json()["active"] is True


async def test_post_client_can_introspect_and_public_client_only_its_own(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await flow.tokens()
    by_post = await http.post(
        INTROSPECT,
        data={
            "token": str(tokens["access_token"]),
            "client_id": "post-app",
            "client_secret": "p0st",
        },
    )
    assert by_post.status_code == 200, by_post.text
    assert by_post.json()["active"] is True
    # A public client proves nothing, so it learns nothing about others' tokens (issue 16).
    by_public = await http.post(
        INTROSPECT, data={"token": str(tokens["access_token"]), "client_id": "pkce-app"}
    )
    assert by_public.status_code == 200, by_public.text
    assert by_public.json() == {"active": False}


async def test_public_clients_token(http: httpx.AsyncClient, flow: Flow) -> None:
    issued = await flow.pkce_exchange("account.read")
    assert issued.status_code == 200, issued.text
    body = (await introspect(http, issued.json()["access_token"])).json()
    assert body["active"] is True
    assert body["client_id"] == "pkce-app"
    assert body["scope"] == "account.read"


# Inactive tokens ----------------------------------------------------------------------------


async def test_expired_access_token_is_inactive(
    http: httpx.AsyncClient, flow: Flow, clock: Clock
) -> None:
    tokens = await flow.tokens()
    clock.advance(ACCESS_TTL + 1)
    await expect_inactive(http, tokens["access_token"])
    # The refresh token outlives it.
    assert (await introspect(http, tokens["refresh_token"])).json()["active"] is True


async def test_access_token_is_inactive_exactly_at_expiry(
    http: httpx.AsyncClient, flow: Flow, clock: Clock
) -> None:
    tokens = await flow.tokens()
    clock.advance(ACCESS_TTL)
    await expect_inactive(http, tokens["access_token"])


async def test_expired_refresh_token_is_inactive(
    http: httpx.AsyncClient, flow: Flow, clock: Clock
) -> None:
    tokens = await flow.tokens()
    clock.advance(REFRESH_TTL + 1)
    await expect_inactive(http, tokens["refresh_token"])


@pytest.mark.parametrize("revoked", ["access_token", "refresh_token"])
async def test_revoked_tokens_are_inactive(
    http: httpx.AsyncClient, flow: Flow, revoked: str
) -> None:
    tokens = await flow.tokens()
    response = await http.post(
        "/oauth2/revoke", data={"token": str(tokens[revoked])}, auth=SECRET_APP
    )
    assert response.status_code == 200
    await expect_inactive(http, tokens["access_token"])
    await expect_inactive(http, tokens["refresh_token"])


async def test_rotated_tokens_are_inactive_and_new_ones_active(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await flow.tokens()
    response = await flow.token(
        {"grant_type": "refresh_token", "refresh_token": str(tokens["refresh_token"])},
        auth=SECRET_APP,
    )
    assert response.status_code == 200, response.text
    fresh = response.json()
    await expect_inactive(http, tokens["refresh_token"])
    await expect_inactive(http, tokens["access_token"])
    assert (await introspect(http, fresh["access_token"])).json()["active"] is True
    assert (await introspect(http, fresh["refresh_token"])).json()["active"] is True


async def test_tokens_revoked_by_code_reuse_are_inactive(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    code = await flow.code(scope="account.read offline")
    request = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    first = await flow.token(request, auth=SECRET_APP)
    assert first.status_code == 200
    second = await flow.token(request, auth=SECRET_APP)
    assert second.status_code == 400
    await expect_inactive(http, first.json()["access_token"])
    await expect_inactive(http, first.json()["refresh_token"])


@pytest.mark.parametrize("token", ["ory_at_unknown.token", "not-a-token", "ory_ac_x.y", " ", "🙂"])
async def test_unknown_token_is_inactive(http: httpx.AsyncClient, token: str) -> None:
    await expect_inactive(http, token)


async def test_authorization_code_is_not_an_active_token(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    await expect_inactive(http, await flow.code(scope="account.read"))


# Errors -------------------------------------------------------------------------------------


async def test_no_client_credentials_is_invalid_request(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await flow.tokens()
    response = await introspect(http, tokens["access_token"], auth=None)
    expect_error(response, "invalid_request", NO_CREDENTIALS)


async def test_wrong_secret_is_invalid_client(http: httpx.AsyncClient, flow: Flow) -> None:
    tokens = await flow.tokens()
    response = await introspect(http, tokens["access_token"], auth=("secret-app", "nope"))
    expect_error(response, "invalid_client")


async def test_unknown_client_is_invalid_client(http: httpx.AsyncClient) -> None:
    response = await introspect(http, "anything", auth=("stranger", "x"))
    expect_error(response, "invalid_client")


async def test_authentication_method_mismatch_is_invalid_client(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(
        INTROSPECT, data={"token": "anything", "client_id": "secret-app", "client_secret": "s3cret"}
    )
    hint = (
        "The OAuth 2.0 Client supports client authentication method 'client_secret_basic', but "
        "method 'client_secret_post' was requested. You must configure the OAuth 2.0 client's "
        "'token_endpoint_auth_method' value to accept 'client_secret_post'."
    )
    expect_error(response, "invalid_client", hint)


async def test_missing_token_parameter_is_invalid_request(http: httpx.AsyncClient) -> None:
    response = await http.post(INTROSPECT, data={"scope": "account.read"}, auth=SECRET_APP)
    expect_error(response, "invalid_request", "Request parameter 'token' is missing")


async def test_empty_body_is_invalid_request(http: httpx.AsyncClient) -> None:
    response = await http.post(INTROSPECT, auth=SECRET_APP)
    expect_error(response, "invalid_request", "The POST body can not be empty.")


async def test_get_is_the_routers_405(http: httpx.AsyncClient, flow: Flow) -> None:
    tokens = await flow.tokens()
    response = await http.get(
        INTROSPECT, params={"token": str(tokens["access_token"])}, auth=SECRET_APP
    )
    expect_router_405(response)
