"""The adobe-ims profile over HTTP, in-process (the ASGI app through httpx, no socket).

Every endpoint's success and error answers, the profile's differences from frameio-v2, both
profiles in one process, and the harness (control API, pytest fixture, TOML config) for IMS
clients. The expectations come from issue 9 and docs/fidelity.md (profile adobe-ims):
RFC 6749 statuses, `{"error", "error_description"}` bodies, 302 redirects.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from frameio_oauth_mock.mockserver import MockServer
from frameio_oauth_mock.mockserver.settings import ConfigError, load_config

pytestmark = pytest.mark.anyio

BASE = "http://frameio-mock.test"  # MockServer's in-process origin (and so the issuer)
REDIRECT = "http://127.0.0.1:8765/callback"
WEB_ID, WEB_SECRET = "ims-web", "ims-web-secret-Rb52"  # registered for client_secret_basic
POST_ID, POST_SECRET = "ims-post", "ims-post-secret-Tn07"  # registered for client_secret_post
SPA_ID = "ims-spa"
S2S_ID, S2S_SECRET = "ims-s2s", "ims-s2s-secret-Kc90"
V2_ID, V2_SECRET = "v2-app", "v2-secret-Mx31"
USER_EMAIL, USER_PASSWORD = "dev@example.com", "dev-password-Hj66"
IMS_SCOPES = ["openid", "email", "profile", "offline_access", "additional_info.roles", "AdobeID"]
S2S_SCOPES = ["openid", "AdobeID", "frame.s2s.all"]
IMS_ACCESS_TTL = 86399
IMS_REFRESH_TTL = 14 * 86400
CODE_RESPONSE_FIELDS = {
    "access_token",
    "refresh_token",
    "sub",
    "id_token",
    "token_type",
    "expires_in",
}
REFRESH_RESPONSE_FIELDS = {"access_token", "refresh_token", "token_type", "expires_in"}

CLIENTS: list[dict[str, Any]] = [
    {
        "client_id": WEB_ID,
        "client_secret": WEB_SECRET,
        "redirect_uris": [REDIRECT],
        "scopes": IMS_SCOPES,
        "profile": "adobe-ims",
    },
    {
        "client_id": POST_ID,
        "client_secret": POST_SECRET,
        "token_endpoint_auth_method": "client_secret_post",
        "redirect_uris": [REDIRECT],
        "scopes": IMS_SCOPES,
        "profile": "adobe-ims",
    },
    {
        "client_id": SPA_ID,
        "redirect_uris": [REDIRECT],
        "scopes": IMS_SCOPES,
        "profile": "adobe-ims",
    },
    {
        "client_id": S2S_ID,
        "client_secret": S2S_SECRET,
        "grant_types": ["client_credentials"],
        "scopes": S2S_SCOPES,
        "profile": "adobe-ims",
    },
    {
        "client_id": V2_ID,
        "client_secret": V2_SECRET,
        "redirect_uris": [REDIRECT],
        "scopes": ["account.read", "offline", "openid"],
    },
]
USERS = [{"email": USER_EMAIL, "password": USER_PASSWORD, "name": "Dev User"}]
SECRETS = {WEB_ID: WEB_SECRET, POST_ID: POST_SECRET}


@pytest.fixture(scope="module")
def server() -> MockServer:
    return MockServer(clients=CLIENTS, users=USERS)  # never started: used through its ASGI app


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    server.reset()
    return server


@pytest.fixture
async def http(mock: MockServer) -> AsyncIterator[httpx.AsyncClient]:
    async with mock.async_client() as client:
        yield client


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def pkce_s256() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT-shaped token, unverified."""
    assert token.count(".") == 2, token
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def oauth_error(response: httpx.Response, status: int, error: str) -> str:
    """Check an RFC 6749 5.2 error answer; return its error_description."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    description: str = body["error_description"]
    return description


def user_id(mock: MockServer) -> str:
    user = mock.context.registry.user_by_email(USER_EMAIL)
    assert user is not None
    return user.id


async def authorize(http: httpx.AsyncClient, **params: str | None) -> httpx.Response:
    query: dict[str, str | None] = {
        "client_id": WEB_ID,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "openid offline_access",
    }
    query.update(params)
    return await http.get(
        "/ims/authorize/v2",
        params={key: value for key, value in query.items() if value is not None},
    )


def redirected(response: httpx.Response) -> dict[str, str]:
    """The parameters of an authorization response sent back to REDIRECT (302, as IMS)."""
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    return query_of(location)


async def code_for(http: httpx.AsyncClient, **params: str | None) -> str:
    answer = redirected(await authorize(http, **params))
    assert "error" not in answer, answer
    return answer["code"]


async def exchange(
    http: httpx.AsyncClient,
    code: str,
    client_id: str = WEB_ID,
    how: str = "post",
    **extra: str,
) -> httpx.Response:
    """Redeem `code`, authenticating with `how`: basic, post, query or none (public client)."""
    params = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **extra}
    return await token(http, params, client_id, how)


async def token(
    http: httpx.AsyncClient, params: dict[str, str], client_id: str, how: str = "post"
) -> httpx.Response:
    secret = SECRETS.get(client_id, S2S_SECRET if client_id == S2S_ID else "")
    if how == "basic":
        return await http.post("/ims/token/v3", data=params, auth=(client_id, secret))
    credentials = {"client_id": client_id}
    if how != "none":
        credentials["client_secret"] = secret
    if how == "query":
        return await http.post("/ims/token/v3", params={**params, **credentials})
    return await http.post("/ims/token/v3", data={**params, **credentials})


async def tokens_for(
    http: httpx.AsyncClient, scope: str = "openid offline_access"
) -> dict[str, Any]:
    response = await exchange(http, await code_for(http, scope=scope))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def userinfo(http: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await http.get("/ims/userinfo/v2", headers={"Authorization": f"Bearer {access_token}"})


# Authorization endpoint ------------------------------------------------------------------------


async def test_authorize_redirects_with_302_and_a_jwt_shaped_code(http: httpx.AsyncClient) -> None:
    answer = redirected(await authorize(http, state="csrf-1"))
    assert answer["state"] == "csrf-1"
    claims = jwt_claims(answer["code"])
    assert claims["client_id"] == WEB_ID


async def test_state_is_optional(http: httpx.AsyncClient) -> None:
    answer = redirected(await authorize(http))
    assert "code" in answer
    assert "state" not in answer
    short = redirected(await authorize(http, state="x"))  # no minimum length, unlike frameio-v2
    assert short["state"] == "x"


async def test_state_of_4096_characters_is_echoed(http: httpx.AsyncClient) -> None:
    state = "s" * 4096
    answer = redirected(await authorize(http, state=state))
    assert "code" in answer
    assert answer["state"] == state


async def test_state_of_4097_characters_is_refused(http: httpx.AsyncClient) -> None:
    answer = redirected(await authorize(http, state="s" * 4097))
    assert answer["error"] == "invalid_request"
    assert "code" not in answer


@pytest.mark.parametrize(
    "scope",
    [
        "openid offline_access",
        "openid,offline_access",
        "openid, offline_access",
        "openid,,offline_access",
    ],
)
async def test_scopes_separated_by_spaces_or_commas(http: httpx.AsyncClient, scope: str) -> None:
    body = await tokens_for(http, scope=scope)
    assert "refresh_token" in body  # offline_access understood
    assert "id_token" in body  # openid understood


async def test_scope_not_allowed_is_redirected_as_invalid_scope(http: httpx.AsyncClient) -> None:
    answer = redirected(await authorize(http, scope="openid,frame.s2s.all", state="st"))
    assert answer["error"] == "invalid_scope"
    assert answer["state"] == "st"


async def test_unknown_client_and_unregistered_redirect_get_an_error_page(
    http: httpx.AsyncClient,
) -> None:
    for params in ({"client_id": "nobody"}, {"redirect_uri": "http://127.0.0.1:9999/other"}):
        response = await authorize(http, **params)
        assert 400 <= response.status_code < 500
        assert "location" not in response.headers
        assert "text/html" in response.headers["content-type"]


# PKCE ------------------------------------------------------------------------------------------


async def test_pkce_plain_is_the_default_method(http: httpx.AsyncClient) -> None:
    verifier = secrets.token_urlsafe(48)
    code = await code_for(http, client_id=SPA_ID, code_challenge=verifier)  # no method
    response = await exchange(http, code, SPA_ID, "none", code_verifier=verifier)
    assert response.status_code == 200, response.text


async def test_pkce_default_is_plain_not_s256(http: httpx.AsyncClient) -> None:
    verifier, challenge = pkce_s256()
    code = await code_for(http, client_id=SPA_ID, code_challenge=challenge)  # method omitted
    response = await exchange(http, code, SPA_ID, "none", code_verifier=verifier)
    oauth_error(response, 400, "invalid_grant")


async def test_pkce_plain_explicit(http: httpx.AsyncClient) -> None:
    verifier = secrets.token_urlsafe(48)
    code = await code_for(
        http, client_id=SPA_ID, code_challenge=verifier, code_challenge_method="plain"
    )
    response = await exchange(http, code, SPA_ID, "none", code_verifier=verifier)
    assert response.status_code == 200, response.text


async def test_pkce_s256(http: httpx.AsyncClient) -> None:
    verifier, challenge = pkce_s256()
    code = await code_for(
        http, client_id=SPA_ID, code_challenge=challenge, code_challenge_method="S256"
    )
    response = await exchange(http, code, SPA_ID, "none", code_verifier=verifier)
    assert response.status_code == 200, response.text
    assert set(response.json()) == CODE_RESPONSE_FIELDS


async def test_pkce_s256_with_the_wrong_verifier(http: httpx.AsyncClient) -> None:
    _, challenge = pkce_s256()
    code = await code_for(
        http, client_id=SPA_ID, code_challenge=challenge, code_challenge_method="S256"
    )
    response = await exchange(http, code, SPA_ID, "none", code_verifier=challenge)
    oauth_error(response, 400, "invalid_grant")


async def test_pkce_verifier_missing_at_the_token_endpoint(http: httpx.AsyncClient) -> None:
    _, challenge = pkce_s256()
    code = await code_for(
        http, client_id=SPA_ID, code_challenge=challenge, code_challenge_method="S256"
    )
    oauth_error(await exchange(http, code, SPA_ID, "none"), 400, "invalid_grant")


async def test_public_client_without_a_challenge_is_refused(http: httpx.AsyncClient) -> None:
    answer = redirected(await authorize(http, client_id=SPA_ID, state="st"))
    assert answer["error"] == "invalid_request"
    assert "code" not in answer


async def test_unknown_challenge_method_is_refused(http: httpx.AsyncClient) -> None:
    answer = redirected(
        await authorize(
            http, client_id=SPA_ID, code_challenge="c" * 43, code_challenge_method="S512"
        )
    )
    assert answer["error"] == "invalid_request"


async def test_pkce_is_optional_for_a_secret_client(http: httpx.AsyncClient) -> None:
    response = await exchange(http, await code_for(http))
    assert response.status_code == 200, response.text


# Token endpoint: authorization_code -------------------------------------------------------------


async def test_code_response_fields(http: httpx.AsyncClient, mock: MockServer) -> None:
    response = await exchange(http, await code_for(http, scope="openid offline_access email"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == CODE_RESPONSE_FIELDS  # no `scope` member, unlike frameio-v2
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == IMS_ACCESS_TTL
    assert body["sub"] == user_id(mock)
    access, refresh = jwt_claims(body["access_token"]), jwt_claims(body["refresh_token"])
    assert (access["type"], access["client_id"]) == ("access_token", WEB_ID)
    assert (refresh["type"], refresh["client_id"]) == ("refresh_token", WEB_ID)


async def test_parameters_in_the_query_string(http: httpx.AsyncClient, mock: MockServer) -> None:
    code = await code_for(http)
    response = await exchange(http, code, how="query")
    assert response.status_code == 200, response.text
    entry = mock.requests.last("token")
    assert entry is not None
    assert entry.form == {}
    assert (entry.grant_type, entry.client_id) == ("authorization_code", WEB_ID)


async def test_parameters_split_between_body_and_query(http: httpx.AsyncClient) -> None:
    code = await code_for(http)
    response = await http.post(
        "/ims/token/v3",
        params={"client_id": WEB_ID, "client_secret": WEB_SECRET},
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "client_id", [WEB_ID, POST_ID], ids=["registered-basic", "registered-post"]
)
@pytest.mark.parametrize("how", ["basic", "post"])
async def test_basic_and_client_secret_post_are_interchangeable(
    http: httpx.AsyncClient, client_id: str, how: str
) -> None:
    code = await code_for(http, client_id=client_id)
    response = await exchange(http, code, client_id, how)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("how", ["basic", "post"])
async def test_wrong_secret_is_invalid_client_401(http: httpx.AsyncClient, how: str) -> None:
    code = await code_for(http)
    params = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    if how == "basic":
        response = await http.post("/ims/token/v3", data=params, auth=(WEB_ID, "wrong"))
    else:
        response = await http.post(
            "/ims/token/v3", data={**params, "client_id": WEB_ID, "client_secret": "wrong"}
        )
    oauth_error(response, 401, "invalid_client")


async def test_unknown_client_is_invalid_client_401(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials"},
        auth=("nobody", "secret"),
    )
    oauth_error(response, 401, "invalid_client")


async def test_code_used_twice(http: httpx.AsyncClient) -> None:
    code = await code_for(http)
    assert (await exchange(http, code)).status_code == 200
    description = oauth_error(await exchange(http, code), 400, "invalid_grant")
    # IMS style: the description is the specific hint alone, not fosite's base text plus hint.
    assert description == "The authorization code has already been used."


async def test_redirect_uri_must_match(http: httpx.AsyncClient) -> None:
    code = await code_for(http)
    response = await exchange(http, code, redirect_uri="http://127.0.0.1:8765/other")
    oauth_error(response, 400, "invalid_grant")


async def test_refresh_token_only_with_offline_access(http: httpx.AsyncClient) -> None:
    without = await tokens_for(http, scope="openid email")
    assert "refresh_token" not in without
    assert "id_token" in without
    with_offline = await tokens_for(http, scope="offline_access")
    assert "refresh_token" in with_offline


async def test_id_token_only_with_openid(http: httpx.AsyncClient) -> None:
    body = await tokens_for(http, scope="offline_access,email")
    assert "id_token" not in body
    assert "sub" in body


async def test_id_token_verifies_against_ims_keys(
    http: httpx.AsyncClient, mock: MockServer
) -> None:
    body = await tokens_for(http, scope="openid,offline_access")
    keys = await http.get("/ims/keys")
    assert keys.status_code == 200
    jwks = jwt.PyJWKSet.from_dict(keys.json())
    kid = jwt.get_unverified_header(body["id_token"])["kid"]
    key = next(candidate for candidate in jwks.keys if candidate.key_id == kid)

    claims = jwt.decode(
        body["id_token"], key.key, algorithms=["RS256"], audience=WEB_ID, issuer=BASE
    )

    assert claims["sub"] == body["sub"] == user_id(mock)


# Token endpoint: refresh_token ----------------------------------------------------------------


async def test_refresh_response_has_no_sub_and_no_id_token(http: httpx.AsyncClient) -> None:
    tokens = await tokens_for(http, scope="openid offline_access")
    params = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    response = await token(http, params, WEB_ID, "basic")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == REFRESH_RESPONSE_FIELDS
    assert body["expires_in"] == IMS_ACCESS_TTL
    assert body["token_type"] == "bearer"
    assert body["refresh_token"] != tokens["refresh_token"]
    assert (await userinfo(http, body["access_token"])).status_code == 200


async def test_refresh_token_of_a_public_client(http: httpx.AsyncClient) -> None:
    verifier, challenge = pkce_s256()
    code = await code_for(
        http, client_id=SPA_ID, code_challenge=challenge, code_challenge_method="S256"
    )
    tokens = (await exchange(http, code, SPA_ID, "none", code_verifier=verifier)).json()
    params = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    response = await token(http, params, SPA_ID, "none")
    assert response.status_code == 200, response.text


async def test_access_token_lives_86399_seconds(http: httpx.AsyncClient, mock: MockServer) -> None:
    mock.clock.freeze()
    tokens = await tokens_for(http)
    mock.clock.advance(IMS_ACCESS_TTL - 1)
    assert (await userinfo(http, tokens["access_token"])).status_code == 200
    mock.clock.advance(1)
    assert (await userinfo(http, tokens["access_token"])).status_code == 401


async def test_refresh_token_lives_14_days(http: httpx.AsyncClient, mock: MockServer) -> None:
    mock.clock.freeze()
    early, late = await tokens_for(http), await tokens_for(http)
    mock.clock.advance(IMS_REFRESH_TTL - 1)
    params = {"grant_type": "refresh_token", "refresh_token": early["refresh_token"]}
    assert (await token(http, params, WEB_ID)).status_code == 200
    mock.clock.advance(1)
    params = {"grant_type": "refresh_token", "refresh_token": late["refresh_token"]}
    description = oauth_error(await token(http, params, WEB_ID), 400, "invalid_grant")
    assert "expired" in description  # what the official SDK reads as TokenExpiredError


async def test_unknown_refresh_token(http: httpx.AsyncClient) -> None:
    params = {"grant_type": "refresh_token", "refresh_token": "not-a-token"}
    oauth_error(await token(http, params, WEB_ID), 400, "invalid_grant")


# Token endpoint: client_credentials and the rest --------------------------------------------


async def test_client_credentials_with_comma_separated_scopes(http: httpx.AsyncClient) -> None:
    params = {"grant_type": "client_credentials", "scope": "openid,AdobeID,frame.s2s.all"}
    for how in ("basic", "post"):
        response = await token(http, params, S2S_ID, how)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"access_token", "token_type", "expires_in"}
        assert body["expires_in"] == IMS_ACCESS_TTL
        assert jwt_claims(body["access_token"])["client_id"] == S2S_ID


async def test_client_credentials_scope_not_allowed(http: httpx.AsyncClient) -> None:
    params = {"grant_type": "client_credentials", "scope": "openid,offline_access"}
    oauth_error(await token(http, params, S2S_ID), 400, "invalid_scope")


async def test_client_credentials_needs_the_grant(http: httpx.AsyncClient) -> None:
    params = {"grant_type": "client_credentials", "scope": "openid"}
    oauth_error(await token(http, params, WEB_ID), 400, "unauthorized_client")


async def test_s2s_client_cannot_use_authorization_code(http: httpx.AsyncClient) -> None:
    response = await authorize(http, client_id=S2S_ID)
    assert response.status_code >= 400  # it has no redirect_uris: an error page, no redirect
    assert "location" not in response.headers


@pytest.mark.parametrize("grant_type", ["password", "urn:ietf:params:oauth:grant-type:jwt-bearer"])
async def test_unknown_grant_is_unsupported_grant_type(
    http: httpx.AsyncClient, grant_type: str
) -> None:
    params = {"grant_type": grant_type, "username": USER_EMAIL, "password": USER_PASSWORD}
    oauth_error(await token(http, params, WEB_ID), 400, "unsupported_grant_type")


async def test_missing_grant_type(http: httpx.AsyncClient) -> None:
    oauth_error(await token(http, {"code": "x"}, WEB_ID), 400, "invalid_request")


async def test_token_endpoint_wants_post(http: httpx.AsyncClient) -> None:
    oauth_error(await http.get("/ims/token/v3"), 400, "invalid_request")


# Revoke and userinfo --------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
async def test_revoke_answers_200_with_an_empty_body(http: httpx.AsyncClient, which: str) -> None:
    tokens = await tokens_for(http)
    response = await http.post(
        "/ims/revoke", data={"token": tokens[which]}, auth=(WEB_ID, WEB_SECRET)
    )
    assert response.status_code == 200
    assert response.content == b""
    # Either token revokes both.
    assert (await userinfo(http, tokens["access_token"])).status_code == 401
    params = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    oauth_error(await token(http, params, WEB_ID), 400, "invalid_grant")


async def test_revoke_with_client_secret_post_and_token_in_the_query(
    http: httpx.AsyncClient,
) -> None:
    tokens = await tokens_for(http)
    response = await http.post(
        "/ims/revoke",
        params={"token": tokens["access_token"]},
        data={"client_id": WEB_ID, "client_secret": WEB_SECRET},
    )
    assert response.status_code == 200
    assert (await userinfo(http, tokens["access_token"])).status_code == 401


async def test_revoke_for_a_public_client_names_it_in_the_query(http: httpx.AsyncClient) -> None:
    verifier = secrets.token_urlsafe(48)
    code = await code_for(http, client_id=SPA_ID, code_challenge=verifier)
    tokens = (await exchange(http, code, SPA_ID, "none", code_verifier=verifier)).json()
    response = await http.post(
        "/ims/revoke", params={"client_id": SPA_ID}, data={"token": tokens["refresh_token"]}
    )
    assert response.status_code == 200
    assert response.content == b""
    assert (await userinfo(http, tokens["access_token"])).status_code == 401


async def test_revoke_unknown_token_is_still_200(http: httpx.AsyncClient) -> None:
    response = await http.post("/ims/revoke", data={"token": "unknown"}, auth=(WEB_ID, WEB_SECRET))
    assert response.status_code == 200
    assert response.content == b""


async def test_revoke_errors(http: httpx.AsyncClient) -> None:
    wrong = await http.post("/ims/revoke", data={"token": "t"}, auth=(WEB_ID, "wrong"))
    oauth_error(wrong, 401, "invalid_client")
    missing = await http.post("/ims/revoke", data={"client_id": "x"}, auth=(WEB_ID, WEB_SECRET))
    oauth_error(missing, 400, "invalid_request")


async def test_userinfo(http: httpx.AsyncClient, mock: MockServer) -> None:
    tokens = await tokens_for(http)
    response = await userinfo(http, tokens["access_token"])
    assert response.status_code == 200
    body = response.json()
    # IMS releases claims by scope: openid alone gives only sub.
    assert body == {"sub": user_id(mock)} and tokens["sub"] == user_id(mock)
    tokens = await tokens_for(http, "openid email profile")
    body = (await userinfo(http, tokens["access_token"])).json()
    assert set(body) == {
        "sub",
        "email",
        "email_verified",
        "name",
        "given_name",
        "family_name",
        "account_type",
    }
    assert (body["email"], body["email_verified"]) == (USER_EMAIL, True)
    anonymous = await http.get("/ims/userinfo/v2")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    forged = await userinfo(http, "eyJhbGciOiJub25lIn0.e30.")
    assert forged.status_code == 401
    assert forged.json()["error"] == "invalid_token"


# Discovery -------------------------------------------------------------------------------------


async def test_discovery_document_names_the_ims_endpoints(http: httpx.AsyncClient) -> None:
    response = await http.get("/ims/.well-known/openid-configuration")
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == BASE
    assert document["authorization_endpoint"] == BASE + "/ims/authorize/v2"
    assert document["token_endpoint"] == BASE + "/ims/token/v3"
    assert document["revocation_endpoint"] == BASE + "/ims/revoke"
    assert document["userinfo_endpoint"] == BASE + "/ims/userinfo/v2"
    assert document["jwks_uri"] == BASE + "/ims/keys"
    # The values of Adobe's sample document (UserAuthentication/ims.md).
    assert document["response_types_supported"] == [
        "code",
        "token",
        "id_token",
        "id_token token",
        "code id_token",
    ]
    assert document["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
    ]
    assert document["grant_types_supported"] == [
        "authorization_code",
        "implicit_grant",
        "refresh_token",
    ]
    assert document["scopes_supported"] == ["openid", "email", "profile"]
    assert document["response_modes_supported"] == ["query", "fragment"]
    assert document["code_challenge_methods_supported"] == ["S256", "plain"]
    assert "end_session_endpoint" not in document
    assert "introspection_endpoint" not in document
    keys = (await http.get(document["jwks_uri"].removeprefix(BASE))).json()["keys"]
    assert keys
    assert keys[0]["kty"] == "RSA"
    assert "d" not in keys[0]  # public half only


async def test_legacy_discovery_is_still_served(http: httpx.AsyncClient) -> None:
    document = (await http.get("/.well-known/openid-configuration")).json()
    assert document["token_endpoint"] == BASE + "/oauth2/token"
    assert "implicit" in document["grant_types_supported"]  # Hydra's list, not IMS's


# Each profile sees only its own clients and tokens -------------------------------------------


async def test_legacy_endpoints_refuse_an_ims_client(http: httpx.AsyncClient) -> None:
    page = await http.get(
        "/oauth2/auth",
        params={
            "client_id": WEB_ID,
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "state": "s" * 8,
        },
    )
    assert page.status_code >= 400
    assert "location" not in page.headers
    code = await code_for(http)
    params = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    response = await http.post("/oauth2/token", data=params, auth=(WEB_ID, WEB_SECRET))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_ims_endpoints_refuse_a_legacy_client(http: httpx.AsyncClient) -> None:
    page = await authorize(http, client_id=V2_ID, scope="openid")
    assert page.status_code >= 400
    assert "location" not in page.headers
    response = await http.post(
        "/ims/token/v3", data={"grant_type": "client_credentials"}, auth=(V2_ID, V2_SECRET)
    )
    oauth_error(response, 401, "invalid_client")
    revoke = await http.post("/ims/revoke", data={"token": "t"}, auth=(V2_ID, V2_SECRET))
    oauth_error(revoke, 401, "invalid_client")


async def v2_tokens(http: httpx.AsyncClient) -> dict[str, Any]:
    page = await http.get(
        "/oauth2/auth",
        params={
            "client_id": V2_ID,
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "scope": "account.read offline openid",
            "state": "v2-state-0001",
        },
    )
    assert page.status_code == 303, page.text
    code = query_of(page.headers["location"])["code"]
    params = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    response = await http.post("/oauth2/token", data=params, auth=(V2_ID, V2_SECRET))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_tokens_do_not_cross_profiles(http: httpx.AsyncClient) -> None:
    ims, v2 = await tokens_for(http), await v2_tokens(http)
    # An IMS access token is unknown to the legacy resources, and a legacy one to IMS userinfo.
    for path in ("/userinfo", "/v2/me"):
        response = await http.get(path, headers={"Authorization": f"Bearer {ims['access_token']}"})
        assert response.status_code == 401, path
    assert (await userinfo(http, v2["access_token"])).status_code == 401
    introspected = await http.post(
        "/oauth2/introspect", data={"token": ims["access_token"]}, auth=(V2_ID, V2_SECRET)
    )
    assert introspected.json() == {"active": False}
    # A legacy refresh token is unknown at the IMS token endpoint, and it keeps working at home.
    params = {"grant_type": "refresh_token", "refresh_token": v2["refresh_token"]}
    oauth_error(await token(http, params, WEB_ID), 400, "invalid_grant")
    home = await http.post("/oauth2/token", data=params, auth=(V2_ID, V2_SECRET))
    assert home.status_code == 200, home.text


async def test_a_used_legacy_code_at_the_ims_endpoint_leaves_its_tokens_alone(
    http: httpx.AsyncClient,
) -> None:
    """Another profile's code is unknown here, even a used one: presenting it again at the
    IMS token endpoint must not count as the reuse that ends its family at home."""
    page = await http.get(
        "/oauth2/auth",
        params={
            "client_id": V2_ID,
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "scope": "account.read offline",
            "state": "v2-state-0003",
        },
    )
    code = query_of(page.headers["location"])["code"]
    params = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    v2 = await http.post("/oauth2/token", data=params, auth=(V2_ID, V2_SECRET))
    assert v2.status_code == 200, v2.text

    oauth_error(await token(http, params, WEB_ID), 400, "invalid_grant")

    me = await http.get("/v2/me", headers={"Authorization": f"Bearer {v2.json()['access_token']}"})
    assert me.status_code == 200  # the legacy family lives on
    refresh = {"grant_type": "refresh_token", "refresh_token": v2.json()["refresh_token"]}
    home = await http.post("/oauth2/token", data=refresh, auth=(V2_ID, V2_SECRET))
    assert home.status_code == 200, home.text
    # At home the same code is reuse, and ends the family.
    again = await http.post("/oauth2/token", data=params, auth=(V2_ID, V2_SECRET))
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    me = await http.get(
        "/v2/me", headers={"Authorization": f"Bearer {home.json()['access_token']}"}
    )
    assert me.status_code == 401


async def test_one_process_serves_both_profiles_interleaved(
    http: httpx.AsyncClient, mock: MockServer
) -> None:
    v2_page = await http.get(
        "/oauth2/auth",
        params={
            "client_id": V2_ID,
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "scope": "account.read offline",
            "state": "v2-state-0002",
        },
    )
    ims_code = await code_for(http, scope="openid,offline_access", state="ims-1")
    v2_code = query_of(v2_page.headers["location"])["code"]
    assert v2_page.status_code == 303  # Hydra's See Other; IMS answered 302

    ims = (await exchange(http, ims_code)).json()
    v2_params = {"grant_type": "authorization_code", "code": v2_code, "redirect_uri": REDIRECT}
    v2 = (await http.post("/oauth2/token", data=v2_params, auth=(V2_ID, V2_SECRET))).json()

    v2_refresh = {"grant_type": "refresh_token", "refresh_token": v2["refresh_token"]}
    v2_again = (await http.post("/oauth2/token", data=v2_refresh, auth=(V2_ID, V2_SECRET))).json()
    ims_refresh = {"grant_type": "refresh_token", "refresh_token": ims["refresh_token"]}
    ims_again = (await token(http, ims_refresh, WEB_ID)).json()

    for body in (v2, v2_again):
        assert body["access_token"].startswith("ory_at_")
        assert body["refresh_token"].startswith("ory_rt_")
        assert body["expires_in"] == 3600
        assert body["scope"] == "account.read offline"
    assert set(ims) == CODE_RESPONSE_FIELDS
    assert set(ims_again) == REFRESH_RESPONSE_FIELDS
    assert jwt_claims(ims_again["access_token"])["type"] == "access_token"
    me = await http.get("/v2/me", headers={"Authorization": f"Bearer {v2_again['access_token']}"})
    assert me.status_code == 200
    assert (await userinfo(http, ims_again["access_token"])).status_code == 200
    paths = [entry.path for entry in mock.requests.filter("token")]
    assert paths == ["/ims/token/v3", "/oauth2/token", "/oauth2/token", "/ims/token/v3"]


# Request log and faults --------------------------------------------------------------------


async def test_faults_match_a_grant_type_sent_in_the_query(
    http: httpx.AsyncClient, mock: MockServer
) -> None:
    rule = mock.faults.add("token", grant_type="authorization_code", status=503)
    code = await code_for(http)
    response = await exchange(http, code, how="query")
    oauth_error(response, 503, "temporarily_unavailable")
    entry = mock.requests.last("token")
    assert entry is not None
    assert (entry.fault, entry.grant_type) == (rule.id, "authorization_code")


async def test_fault_bodies_use_the_ims_error_table(
    http: httpx.AsyncClient, mock: MockServer
) -> None:
    mock.faults.add("token", status=429, retry_after=5)
    response = await token(http, {"grant_type": "client_credentials", "scope": "openid"}, S2S_ID)
    oauth_error(response, 429, "temporarily_unavailable")
    assert response.headers["retry-after"] == "5"


# Control API, Python API, pytest fixture, configuration -------------------------------------


async def test_control_api_registers_an_ims_client(http: httpx.AsyncClient) -> None:
    created = await http.post(
        "/_mock/clients",
        json={
            "client_id": "ims-added",
            "client_secret": "added-secret",
            "redirect_uris": [REDIRECT],
            "scopes": ["openid", "offline_access"],
            "profile": "adobe-ims",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["profile"] == "adobe-ims"
    listed = {client["client_id"]: client for client in (await http.get("/_mock/clients")).json()}
    assert listed["ims-added"]["profile"] == "adobe-ims"
    assert listed[V2_ID]["profile"] == "frameio-v2"

    code = await code_for(http, client_id="ims-added")
    params = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    response = await http.post("/ims/token/v3", data=params, auth=("ims-added", "added-secret"))
    assert response.status_code == 200, response.text
    legacy = await http.get(
        "/oauth2/auth",
        params={"client_id": "ims-added", "response_type": "code", "redirect_uri": REDIRECT},
    )
    assert "location" not in legacy.headers


async def test_control_api_refuses_an_unknown_profile_or_a_foreign_scope(
    http: httpx.AsyncClient,
) -> None:
    client = {"client_id": "x", "redirect_uris": [REDIRECT], "scopes": ["openid"]}
    unknown = await http.post("/_mock/clients", json={**client, "profile": "adobe-v4"})
    assert unknown.status_code == 400
    assert "unknown profile 'adobe-v4'" in unknown.json()["error"]
    foreign = await http.post(
        "/_mock/clients", json={**client, "scopes": ["account.read"], "profile": "adobe-ims"}
    )
    assert foreign.status_code == 400
    assert "unknown scope 'account.read'" in foreign.json()["error"]


async def test_control_api_issues_tokens_for_an_ims_client(
    http: httpx.AsyncClient, mock: MockServer
) -> None:
    response = await http.post(
        "/_mock/tokens",
        json={"user": USER_EMAIL, "client_id": WEB_ID, "scopes": ["openid", "offline_access"]},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == CODE_RESPONSE_FIELDS
    assert body["expires_in"] == IMS_ACCESS_TTL
    assert body["sub"] == user_id(mock)
    assert (await userinfo(http, body["access_token"])).status_code == 200
    params = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    assert (await token(http, params, WEB_ID)).status_code == 200


async def test_mockserver_issue_token_for_an_ims_client(
    http: httpx.AsyncClient, mock: MockServer
) -> None:
    body = mock.issue_token(USER_EMAIL, WEB_ID, scopes=["openid"])
    assert set(body) == {"access_token", "sub", "id_token", "token_type", "expires_in"}
    assert (await userinfo(http, body["access_token"])).status_code == 200


IMS_FIXTURE_CLIENT = {
    "client_id": "fixture-ims",
    "client_secret": "fixture-secret",
    "redirect_uris": [REDIRECT],
    "scopes": ["openid", "offline_access"],
    "profile": "adobe-ims",
}


@pytest.mark.frameio_mock(clients=[IMS_FIXTURE_CLIENT])
async def test_pytest_fixture_serves_an_ims_client(frameio_mock: MockServer) -> None:
    async with httpx.AsyncClient(base_url=frameio_mock.url, timeout=10) as client:
        page = await client.get(
            "/ims/authorize/v2",
            params={
                "client_id": "fixture-ims",
                "response_type": "code",
                "redirect_uri": REDIRECT,
                "scope": "openid,offline_access",
            },
        )
        code = redirected(page)["code"]
        response = await client.post(
            "/ims/token/v3",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "client_id": "fixture-ims",
                "client_secret": "fixture-secret",
            },
        )
        assert response.status_code == 200, response.text
        assert set(response.json()) == CODE_RESPONSE_FIELDS
        # The demo's legacy client is served beside it.
        demo = await client.get(
            "/oauth2/auth",
            params={
                "client_id": "demo-app",
                "response_type": "code",
                "redirect_uri": REDIRECT,
                "scope": "account.read",
                "state": "demo-state-01",
            },
        )
        assert demo.status_code == 303
    assert frameio_mock.requests.count("token", client_id="fixture-ims", status=200) == 1


@pytest.mark.frameio_mock(clients=[IMS_FIXTURE_CLIENT])
async def test_inprocess_fixture_serves_an_ims_client(frameio_mock_inprocess: MockServer) -> None:
    async with frameio_mock_inprocess.async_client() as client:
        body = (
            await client.post(
                "/_mock/tokens",
                json={"user": USER_EMAIL, "client_id": "fixture-ims", "scopes": ["openid"]},
            )
        ).json()
        response = await client.get(
            "/ims/userinfo/v2", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert response.status_code == 200


CONFIG = """
[server]
auto_approve = true

[[clients]]
client_id = "ims-web"
client_secret = "web-secret"
profile = "adobe-ims"
redirect_uris = ["http://127.0.0.1:8765/callback"]
scopes = ["openid", "email", "profile", "offline_access", "additional_info.roles"]

[[clients]]
client_id = "ims-spa"
profile = "adobe-ims"
redirect_uris = ["http://127.0.0.1:8765/callback"]
scopes = ["openid", "email", "profile", "offline_access", "additional_info.roles"]

[[clients]]
client_id = "ims-s2s"
client_secret = "s2s-secret"
profile = "adobe-ims"
grant_types = ["client_credentials"]
scopes = ["openid", "AdobeID", "frame.s2s.all"]

[[clients]]
client_id = "legacy-app"
client_secret = "legacy-secret"
redirect_uris = ["http://127.0.0.1:8765/callback"]
scopes = ["account.read", "offline"]

[[users]]
email = "dev@example.com"
password = "password"
"""


async def test_toml_config_with_ims_clients(tmp_path: Path) -> None:
    path = tmp_path / "mock.toml"
    path.write_text(CONFIG)

    settings = load_config(path)

    profiles = {client.client_id: client.profile for client in settings.clients}
    assert profiles == {
        "ims-web": "adobe-ims",
        "ims-spa": "adobe-ims",
        "ims-s2s": "adobe-ims",
        "legacy-app": "",  # the server's default profile, frameio-v2
    }
    mock = MockServer(config=path)
    async with mock.async_client() as client:
        response = await client.post(
            "/ims/token/v3",
            data={"grant_type": "client_credentials", "scope": "openid,AdobeID"},
            auth=("ims-s2s", "s2s-secret"),
        )
        assert response.status_code == 200, response.text
        legacy = await client.post(
            "/oauth2/token",
            data={"grant_type": "refresh_token", "refresh_token": "x"},
            auth=("ims-s2s", "s2s-secret"),
        )
        assert legacy.status_code == 401  # the legacy endpoints do not know ims-s2s


async def test_server_profile_sets_the_default_for_clients(tmp_path: Path) -> None:
    path = tmp_path / "mock.toml"
    path.write_text(
        '[server]\nprofile = "adobe-ims"\n\n[[clients]]\nclient_id = "s2s"\n'
        'client_secret = "x"\ngrant_types = ["client_credentials"]\nscopes = ["AdobeID"]\n'
    )
    mock = MockServer(config=path)
    async with mock.async_client() as client:
        response = await client.post(
            "/ims/token/v3", data={"grant_type": "client_credentials"}, auth=("s2s", "x")
        )
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[clients]]\nclient_id = "a"\nclient_secret = "x"\nprofile = "adobe-v4"\n'
            'redirect_uris = ["http://127.0.0.1:8765/cb"]\nscopes = ["openid"]\n',
            "unknown profile 'adobe-v4'",
        ),
        ('[server]\nprofile = "frameio-v4"\n', "unknown profile 'frameio-v4'"),
        (
            '[[clients]]\nclient_id = "a"\nclient_secret = "x"\nprofile = "adobe-ims"\n'
            'redirect_uris = ["http://127.0.0.1:8765/cb"]\nscopes = ["account.read"]\n',
            "unknown scope 'account.read'",
        ),
        (
            '[[clients]]\nclient_id = "a"\nclient_secret = "x"\n'
            'grant_types = ["password"]\nscopes = ["account.read"]\n',
            "unknown grant type 'password'",
        ),
    ],
    ids=["client-profile", "server-profile", "foreign-scope", "v2-password"],
)
async def test_config_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "mock.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(path)


def readme_section() -> str:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    start = readme.index("## Frame.io V4 (Adobe IMS)")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


async def test_readme_config_example_loads(tmp_path: Path) -> None:
    # The SDK's clients, and the credential types'.
    blocks = re.findall(r"```toml\n(.*?)```", readme_section(), flags=re.DOTALL)
    assert len(blocks) == 2
    for block in blocks:
        path = tmp_path / "mock.toml"
        path.write_text(block)
        settings = load_config(path)
        assert {client.profile for client in settings.clients} >= {"adobe-ims"}
