"""Per-user claims in Adobe IMS id_tokens and userinfo, released by the granted scopes.

Adobe's userinfo reference (UserAuthentication/ims.md in AdobeDocs/adobe-dev-console): `sub`
with `openid`; `email`, `email_verified` with `email`; `name`, `given_name`, `family_name`,
`account_type` with `profile`. A user's configured `claims` (config file, MockServer or the
control API) replace the defaults; claims no scope releases stay out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest

from frameio_oauth_mock.mockserver.testing import MockServer
from tests.ims.test_profile import (
    CLIENTS,
    USER_EMAIL,
    USER_PASSWORD,
    WEB_ID,
    code_for,
    exchange,
)

pytestmark = pytest.mark.anyio

ADA = "ada@example.com"
ADA_CLAIMS = {
    "given_name": "Ada",
    "family_name": "King",
    "name": "Ada King",
    "email_verified": False,
    "account_type": "ent",
    "locale": "en-GB",  # no scope releases it
}
USERS: list[dict[str, Any]] = [
    {"email": USER_EMAIL, "password": USER_PASSWORD, "name": "Dev User"},
    {"email": ADA, "password": "ada-password-Lq40", "name": "Countess", "claims": ADA_CLAIMS},
]
# The id_token's own claims, not the user's.
PER_TOKEN = {
    "iss",
    "aud",
    "exp",
    "iat",
    "jti",
    "nonce",
    "at_hash",
    "auth_time",
    "sid",
    "rat",
    "acr",
}


@pytest.fixture
def mock() -> MockServer:
    return MockServer(clients=CLIENTS, users=USERS)  # through its ASGI app


@pytest.fixture
async def http(mock: MockServer) -> AsyncIterator[httpx.AsyncClient]:
    async with mock.async_client() as client:
        yield client


def user_id(mock: MockServer, email: str) -> str:
    user = mock.context.registry.user_by_email(email)
    assert user is not None
    return user.id


async def sign_in(http: httpx.AsyncClient, scope: str, email: str) -> tuple[dict[str, Any], Any]:
    """id_token claims (unverified, minus the per-token ones) and the userinfo answer."""
    code = await code_for(http, scope=scope, login_hint=email, nonce="nonce-0123456789")
    tokens = (await exchange(http, code)).json()
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    userinfo = await http.get(
        "/ims/userinfo/v2", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert userinfo.status_code == 200, userinfo.text
    return {k: v for k, v in claims.items() if k not in PER_TOKEN}, userinfo.json()


async def test_openid_alone_releases_only_sub(http: httpx.AsyncClient, mock: MockServer) -> None:
    id_token, userinfo = await sign_in(http, "openid", USER_EMAIL)
    assert id_token == {"sub": user_id(mock, USER_EMAIL)}
    assert userinfo == {"sub": user_id(mock, USER_EMAIL)}


async def test_email_scope_releases_email_and_email_verified(
    http: httpx.AsyncClient, mock: MockServer
) -> None:
    id_token, userinfo = await sign_in(http, "openid email", USER_EMAIL)
    expected = {"sub": user_id(mock, USER_EMAIL), "email": USER_EMAIL, "email_verified": True}
    assert id_token == expected
    assert userinfo == expected


async def test_profile_scope_releases_the_name_claims_and_account_type(
    http: httpx.AsyncClient, mock: MockServer
) -> None:
    id_token, userinfo = await sign_in(http, "openid profile", USER_EMAIL)
    expected = {
        "sub": user_id(mock, USER_EMAIL),
        "name": "Dev User",
        "given_name": "Dev",
        "family_name": "User",
        # Adobe: "ind" (an individual account) or "ent" (part of an organization).
        "account_type": "ind",
    }
    assert id_token == expected
    assert userinfo == expected


async def test_a_users_configured_claims_replace_the_defaults_by_scope(
    http: httpx.AsyncClient, mock: MockServer
) -> None:
    id_token, userinfo = await sign_in(http, "openid email profile", ADA)
    expected = {
        "sub": user_id(mock, ADA),
        "email": ADA,
        "email_verified": False,
        "name": "Ada King",
        "given_name": "Ada",
        "family_name": "King",
        "account_type": "ent",
    }
    assert id_token == expected
    assert userinfo == expected  # no "locale": no IMS scope releases it

    _, email_only = await sign_in(http, "openid email", ADA)
    assert email_only == {"sub": user_id(mock, ADA), "email": ADA, "email_verified": False}


async def test_claims_of_a_user_added_through_the_control_api(
    http: httpx.AsyncClient, mock: MockServer
) -> None:
    grace = {
        "email": "grace@example.com",
        "password": "grace-password-Vt18",
        "claims": {"given_name": "Grace", "family_name": "Hopper", "account_type": "ent"},
    }
    added = await http.post("/_mock/users", json=grace)
    assert added.status_code == 201, added.text
    id_token, userinfo = await sign_in(http, "openid profile", "grace@example.com")
    expected = {
        "sub": user_id(mock, "grace@example.com"),
        "name": "grace",  # not configured: the default, the email's local part
        "given_name": "Grace",
        "family_name": "Hopper",
        "account_type": "ent",
    }
    assert id_token == expected
    assert userinfo == expected


async def test_refreshed_tokens_keep_releasing_by_the_granted_scopes(
    http: httpx.AsyncClient, mock: MockServer
) -> None:
    code = await code_for(http, scope="openid email offline_access", login_hint=ADA)
    tokens = (await exchange(http, code)).json()
    refreshed = await http.post(
        "/ims/token/v3",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(WEB_ID, "ims-web-secret-Rb52"),
    )
    assert refreshed.status_code == 200, refreshed.text
    userinfo = await http.get(
        "/ims/userinfo/v2",
        headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"},
    )
    assert userinfo.json() == {"sub": user_id(mock, ADA), "email": ADA, "email_verified": False}
