"""Userinfo, introspection and per-user claims as Hydra answers them (docs/fidelity.md, "More of
Hydra's behaviour": Userinfo, Introspection; the issue's per-user claims)."""

from __future__ import annotations

from dataclasses import replace

import httpx
import jwt
import pytest

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.settings import Settings, UserConfig, validate
from tests.conftest import REDIRECT, Flow, make_settings

pytestmark = pytest.mark.anyio

SECRET_AUTH = ("secret-app", "s3cret")
UNAUTHORIZED = (
    "The request could not be authorized. Check that you provided valid credentials in the "
    "right format."
)
CLAIMED = UserConfig(
    email="claims@example.com",
    password="password",
    name="Claimed User",
    claims={"email": "claims@example.com", "locale": "de-DE", "groups": ["editors"]},
)


@pytest.fixture
def settings() -> Settings:
    base = make_settings(auto_approve=True)
    return validate(replace(base, users=(*base.users, CLAIMED)))


async def tokens_for(flow: Flow, scope: str, **params: str) -> dict[str, str]:
    code = await flow.code(scope=scope, **params)
    response = await flow.token(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=SECRET_AUTH,
    )
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def user_id(settings: Settings, email: str = "dev@example.com") -> str:
    return next(user.id for user in settings.users if user.email == email)


async def test_userinfo_is_the_id_tokens_claims_without_the_per_token_ones(
    http: httpx.AsyncClient, flow: Flow, clock: Clock, settings: Settings
) -> None:
    now = int(clock.now())
    tokens = await tokens_for(flow, "account.read")  # no openid needed
    response = await http.get(
        "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "sub": user_id(settings),
        "iss": "http://mock.test",
        "aud": ["secret-app"],
        "iat": now,
        "rat": now,
        "auth_time": now,
        "email": "dev@example.com",
        "email_verified": True,
        "name": "Dev User",
    }


async def test_userinfo_takes_the_access_token_parameter(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await tokens_for(flow, "openid")
    by_query = await http.get("/userinfo", params={"access_token": tokens["access_token"]})
    by_form = await http.post("/userinfo", data={"access_token": tokens["access_token"]})
    assert by_query.status_code == by_form.status_code == 200
    assert by_query.json() == by_form.json()


@pytest.mark.parametrize("credential", ["unknown", "revoked", "refresh", "none"])
async def test_userinfo_refuses_with_request_unauthorized(
    http: httpx.AsyncClient, flow: Flow, credential: str
) -> None:
    tokens = await tokens_for(flow, "openid offline")
    headers = {}
    if credential == "unknown":
        headers["Authorization"] = "Bearer ory_at_nope.nope"
    elif credential == "refresh":
        headers["Authorization"] = f"Bearer {tokens['refresh_token']}"
    elif credential == "revoked":
        revoked = await http.post(
            "/oauth2/revoke", data={"token": tokens["access_token"]}, auth=SECRET_AUTH
        )
        assert revoked.status_code == 200
        headers["Authorization"] = f"Bearer {tokens['access_token']}"
    response = await http.get("/userinfo", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "request_unauthorized", "error_description": UNAUTHORIZED}
    assert response.headers["www-authenticate"] == (
        f'Bearer error="request_unauthorized",error_description="{UNAUTHORIZED}"'
    )


async def test_a_users_configured_claims_replace_the_defaults(
    http: httpx.AsyncClient, flow: Flow, settings: Settings
) -> None:
    tokens = await tokens_for(flow, "openid", login_hint="claims@example.com", nonce="n" * 12)
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert {key: claims[key] for key in ("email", "locale", "groups")} == {
        "email": "claims@example.com",
        "locale": "de-DE",
        "groups": ["editors"],
    }
    assert "name" not in claims
    info = await http.get(
        "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    body = info.json()
    assert body["sub"] == user_id(settings, "claims@example.com")
    assert {key: body[key] for key in ("email", "locale", "groups")} == {
        "email": "claims@example.com",
        "locale": "de-DE",
        "groups": ["editors"],
    }
    assert "nonce" not in body and "sid" not in body and "at_hash" not in body


async def test_introspection_has_hydras_members(
    http: httpx.AsyncClient, flow: Flow, clock: Clock, settings: Settings
) -> None:
    now = int(clock.now())
    tokens = await tokens_for(flow, "account.read offline")
    response = await http.post(
        "/oauth2/introspect", data={"token": tokens["access_token"]}, auth=SECRET_AUTH
    )
    assert response.status_code == 200
    assert response.json() == {
        "active": True,
        "aud": [],
        "client_id": "secret-app",
        "exp": now + 3600,
        "iat": now,
        "iss": "http://mock.test",
        "nbf": now,
        "scope": "account.read offline",
        "sub": user_id(settings),
        "token_type": "Bearer",
        "token_use": "access_token",
    }


async def test_introspection_scope_the_token_lacks_is_inactive(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await tokens_for(flow, "account.read offline")
    for scope, active in (
        ("account.read", True),
        ("account.read offline", True),
        ("asset.read", False),
    ):
        response = await http.post(
            "/oauth2/introspect",
            data={"token": tokens["access_token"], "scope": scope},
            auth=SECRET_AUTH,
        )
        assert response.status_code == 200
        assert response.json()["active"] is active, scope
        if not active:
            assert response.json() == {"active": False}
