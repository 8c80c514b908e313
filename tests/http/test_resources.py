"""The protected resources: OpenID userinfo and Frame.io's GET /v2/me, from issue 3.

RFC 6750: a Bearer token in the Authorization header only; 401 with WWW-Authenticate for a
missing, malformed, expired or revoked token; 403 insufficient_scope without the needed scope.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.settings import Settings, UserConfig
from tests.conftest import REDIRECT, Flow, bearer

pytestmark = pytest.mark.anyio

SECRET_APP = ("secret-app", "s3cret")
USERINFO = "/userinfo"
ME = "/v2/me"


def user(settings: Settings, email: str = "dev@example.com") -> UserConfig:
    return next(user for user in settings.users if user.email == email)


async def tokens_for(
    flow: Flow,
    scope: str,
    client: tuple[str, str] = SECRET_APP,
    **params: str,
) -> dict[str, Any]:
    code = await flow.code(client_id=client[0], scope=scope, **params)
    response = await flow.token(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}, auth=client
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def revoke(http: httpx.AsyncClient, token: object) -> None:
    response = await http.post("/oauth2/revoke", data={"token": str(token)}, auth=SECRET_APP)
    assert response.status_code == 200


def challenge(response: httpx.Response) -> str:
    value: str | None = response.headers.get("www-authenticate")
    assert value is not None, "no WWW-Authenticate header"
    assert value.lower().startswith("bearer"), value
    return value


# userinfo -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_userinfo_returns_the_users_claims(
    http: httpx.AsyncClient, flow: Flow, settings: Settings, method: str
) -> None:
    tokens = await tokens_for(flow, "openid account.read")
    response = await http.request(method, USERINFO, headers=bearer(tokens["access_token"]))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    dev = user(settings)
    body = response.json()
    assert body["sub"] == dev.id
    assert body["email"] == "dev@example.com"
    assert body["name"] == "Dev User"


async def test_userinfo_is_for_the_user_who_authorized(
    http: httpx.AsyncClient, flow: Flow, settings: Settings
) -> None:
    tokens = await tokens_for(flow, "openid", login_hint="other@example.com")
    body = (await http.get(USERINFO, headers=bearer(tokens["access_token"]))).json()
    assert body["sub"] == user(settings, "other@example.com").id
    assert body["email"] == "other@example.com"
    assert body["name"] == "Other User"


async def test_userinfo_scheme_name_is_case_insensitive(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await tokens_for(flow, "openid")
    response = await http.get(
        USERINFO, headers={"Authorization": f"bearer {tokens['access_token']}"}
    )
    assert response.status_code == 200


UNAUTHORIZED = (
    "The request could not be authorized. Check that you provided valid credentials in the "
    "right format."
)


def assert_request_unauthorized(response: httpx.Response) -> None:
    """Hydra's userinfo refusal: fosite's ErrRequestUnauthorized and its challenge."""
    assert response.status_code == 401
    assert response.json() == {"error": "request_unauthorized", "error_description": UNAUTHORIZED}
    assert challenge(response) == (
        f'Bearer error="request_unauthorized",error_description="{UNAUTHORIZED}"'
    )


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_userinfo_without_a_token_is_request_unauthorized(
    http: httpx.AsyncClient, method: str
) -> None:
    assert_request_unauthorized(await http.request(method, USERINFO))


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-token", "Bearer ory_at_abc.def", "Bearer ", "Bearer  ory_at_ x"],
)
async def test_userinfo_with_a_bad_token_is_request_unauthorized(
    http: httpx.AsyncClient, authorization: str
) -> None:
    response = await http.get(USERINFO, headers={"Authorization": authorization})
    assert_request_unauthorized(response)


async def test_userinfo_with_an_expired_token_is_request_unauthorized(
    http: httpx.AsyncClient, flow: Flow, clock: Clock
) -> None:
    tokens = await tokens_for(flow, "openid")
    clock.advance(3601)
    response = await http.get(USERINFO, headers=bearer(tokens["access_token"]))
    assert_request_unauthorized(response)


async def test_userinfo_with_a_revoked_token_is_request_unauthorized(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await tokens_for(flow, "openid")
    await revoke(http, tokens["access_token"])
    response = await http.post(USERINFO, headers=bearer(tokens["access_token"]))
    assert_request_unauthorized(response)


async def test_userinfo_refuses_a_refresh_token(http: httpx.AsyncClient, flow: Flow) -> None:
    tokens = await tokens_for(flow, "openid offline")
    assert_request_unauthorized(await http.get(USERINFO, headers=bearer(tokens["refresh_token"])))


async def test_userinfo_does_not_need_openid(http: httpx.AsyncClient, flow: Flow) -> None:
    tokens = await tokens_for(flow, "account.read")
    response = await http.get(USERINFO, headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert response.json()["aud"] == ["secret-app"]


# /v2/me -------------------------------------------------------------------------------------


def assert_frameio_error(response: httpx.Response, status: int) -> dict[str, Any]:
    """The Frame.io API's JSON error shape; returns its single error entry."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["errors"], list)
    assert len(body["errors"]) == 1
    entry: dict[str, Any] = body["errors"][0]
    assert entry["status"] == status
    assert entry["detail"]
    return entry


async def test_me_returns_the_user(http: httpx.AsyncClient, flow: Flow, settings: Settings) -> None:
    tokens = await tokens_for(flow, "account.read offline")
    response = await http.get(ME, headers=bearer(tokens["access_token"]))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    dev = user(settings)
    body = response.json()
    assert body["id"] == dev.id
    assert body["name"] == "Dev User"
    assert body["email"] == "dev@example.com"
    assert body["account_id"] == dev.account_id
    assert body["_type"] == "user"


async def test_me_is_the_user_who_authorized(
    http: httpx.AsyncClient, flow: Flow, settings: Settings
) -> None:
    tokens = await tokens_for(flow, "account.read", login_hint="other@example.com")
    body = (await http.get(ME, headers=bearer(tokens["access_token"]))).json()
    other = user(settings, "other@example.com")
    assert (body["id"], body["email"], body["account_id"]) == (
        other.id,
        "other@example.com",
        other.account_id,
    )
    assert body["id"] != user(settings).id


async def test_me_accepts_a_client_limited_to_account_read(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await tokens_for(flow, "account.read", client=("no-offline-app", "n0"))
    assert "refresh_token" not in tokens
    response = await http.get(ME, headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert response.json()["email"] == "dev@example.com"


async def test_me_without_a_token_is_401(http: httpx.AsyncClient) -> None:
    response = await http.get(ME)
    assert_frameio_error(response, 401)
    assert "error=" not in challenge(response)


async def test_me_with_another_scheme_is_401(http: httpx.AsyncClient) -> None:
    response = await http.get(ME, headers={"Authorization": "Basic c2VjcmV0LWFwcDpzM2NyZXQ="})
    assert_frameio_error(response, 401)
    challenge(response)


@pytest.mark.parametrize(
    "authorization", ["Bearer garbage", "Bearer ory_at_x.y", "Bearer", "Bearer "]
)
async def test_me_with_a_malformed_token_is_401(
    http: httpx.AsyncClient, authorization: str
) -> None:
    response = await http.get(ME, headers={"Authorization": authorization})
    assert_frameio_error(response, 401)
    challenge(response)


async def test_me_with_an_unknown_well_formed_token_is_invalid_token(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await tokens_for(flow, "account.read")
    # Same shape, one character changed.
    value = str(tokens["access_token"])
    forged = value[:-1] + ("A" if value[-1] != "A" else "B")
    response = await http.get(ME, headers=bearer(forged))
    entry = assert_frameio_error(response, 401)
    assert entry["code"] == "invalid_token"
    assert 'error="invalid_token"' in challenge(response)


async def test_me_with_an_expired_token_is_401(
    http: httpx.AsyncClient, flow: Flow, clock: Clock
) -> None:
    tokens = await tokens_for(flow, "account.read offline")
    clock.advance(3599)
    assert (await http.get(ME, headers=bearer(tokens["access_token"]))).status_code == 200
    clock.advance(2)
    response = await http.get(ME, headers=bearer(tokens["access_token"]))
    entry = assert_frameio_error(response, 401)
    assert entry["code"] == "invalid_token"
    assert 'error="invalid_token"' in challenge(response)


async def test_me_with_a_revoked_token_is_401(http: httpx.AsyncClient, flow: Flow) -> None:
    tokens = await tokens_for(flow, "account.read offline")
    await revoke(http, tokens["refresh_token"])
    response = await http.get(ME, headers=bearer(tokens["access_token"]))
    entry = assert_frameio_error(response, 401)
    assert entry["code"] == "invalid_token"
    assert 'error="invalid_token"' in challenge(response)


async def test_me_with_a_rotated_access_token_is_401(http: httpx.AsyncClient, flow: Flow) -> None:
    tokens = await tokens_for(flow, "account.read offline")
    refreshed = await flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, auth=SECRET_APP
    )
    assert refreshed.status_code == 200
    response = await http.get(ME, headers=bearer(tokens["access_token"]))
    assert_frameio_error(response, 401)
    assert 'error="invalid_token"' in challenge(response)
    assert (await http.get(ME, headers=bearer(refreshed.json()["access_token"]))).status_code == 200


async def test_me_refuses_a_refresh_token_as_bearer(http: httpx.AsyncClient, flow: Flow) -> None:
    tokens = await tokens_for(flow, "account.read offline")
    response = await http.get(ME, headers=bearer(tokens["refresh_token"]))
    assert_frameio_error(response, 401)
    assert 'error="invalid_token"' in challenge(response)


async def test_me_refuses_a_valid_token_in_the_query_string(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await tokens_for(flow, "account.read")
    response = await http.get(ME, params={"access_token": tokens["access_token"]})
    assert_frameio_error(response, 401)
    challenge(response)
    assert "email" not in response.text
    # The same token in the header is fine: it was refused for where it was sent.
    assert (await http.get(ME, headers=bearer(tokens["access_token"]))).status_code == 200


async def test_me_without_account_read_is_insufficient_scope(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    # secret-app may request openid alone: a valid token, but without account.read.
    tokens = await tokens_for(flow, "openid")
    assert tokens["scope"] == "openid"
    response = await http.get(ME, headers=bearer(tokens["access_token"]))
    entry = assert_frameio_error(response, 403)
    assert entry["code"] == "insufficient_scope"
    assert "insufficient_scope" in response.text
    header = challenge(response)
    assert 'error="insufficient_scope"' in header
    assert 'scope="account.read"' in header
    assert "email" not in response.json()


async def test_me_with_other_scopes_but_not_account_read_is_403(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await tokens_for(flow, "asset.read offline")
    response = await http.get(ME, headers=bearer(tokens["access_token"]))
    assert_frameio_error(response, 403)
    assert 'error="insufficient_scope"' in challenge(response)
