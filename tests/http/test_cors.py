"""CORS for browser apps (issue 17, part 1), through the ASGI app: the IMS token, revoke,
userinfo and keys endpoints answer preflights and send Access-Control-Allow-Origin to allowed
origins ([server] cors_origins; a public client's cors_origins, else its redirect URIs'
origins); the legacy token endpoint only with cors_legacy_token; the authorization endpoint
never (RFC 9700 4.16)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from frameio_oauth_mock.mockserver import MockServer
from frameio_oauth_mock.mockserver.settings import ConfigError, parse_config

pytestmark = pytest.mark.anyio

SPA_ORIGIN = "http://127.0.0.1:5173"  # the SPA's redirect URI's origin
PINNED_ORIGIN = "https://spa.example.com"  # another SPA's explicit cors_origins
SHARED_ORIGIN = "http://localhost:3000"  # [server] cors_origins
STRANGER = "https://evil.example"
CLIENTS: list[dict[str, Any]] = [
    {"client_id": "ims-spa", "profile": "adobe-ims", "redirect_uris": [SPA_ORIGIN + "/cb"],
     "scopes": ["openid", "email", "offline_access"]},
    {"client_id": "ims-pinned", "profile": "adobe-ims", "cors_origins": [PINNED_ORIGIN],
     "redirect_uris": ["http://127.0.0.1:9999/cb"], "scopes": ["openid"]},
    {"client_id": "ims-web", "client_secret": "ims-web-secret", "profile": "adobe-ims",
     "redirect_uris": ["http://127.0.0.1:7000/cb"], "scopes": ["openid"]},
    {"client_id": "v2-pkce", "redirect_uris": ["http://127.0.0.1:8000/cb"],
     "scopes": ["account.read", "offline"]},
]  # fmt: skip
USERS = [{"email": "dev@example.com", "password": "pw"}]
IMS_ENDPOINTS = [
    ("/ims/token/v3", "POST"),
    ("/ims/revoke", "POST"),
    ("/ims/userinfo/v2", "GET"),
    ("/ims/keys", "GET"),
]


@pytest.fixture(scope="module")
def server() -> MockServer:
    return MockServer(clients=CLIENTS, users=USERS, cors_origins=[SHARED_ORIGIN])


@pytest.fixture
async def http(mock: MockServer) -> AsyncIterator[httpx.AsyncClient]:
    async with mock.async_client() as client:
        yield client


async def preflight(
    http: httpx.AsyncClient, path: str, origin: str, method: str = "POST"
) -> httpx.Response:
    return await http.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


@pytest.mark.parametrize(("path", "method"), IMS_ENDPOINTS)
@pytest.mark.parametrize("origin", [SPA_ORIGIN, PINNED_ORIGIN, SHARED_ORIGIN])
async def test_preflight_is_allowed_for_allowed_origins(
    http: httpx.AsyncClient, mock: MockServer, path: str, method: str, origin: str
):
    response = await preflight(http, path, origin, method)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == origin
    assert method in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert response.headers["vary"] == "Origin"
    assert "access-control-allow-credentials" not in response.headers
    assert mock.requests.count() == 0  # a preflight is not a call: no log entry, no fault turn


@pytest.mark.parametrize(("path", "method"), IMS_ENDPOINTS)
async def test_other_origins_get_no_cors_headers(http: httpx.AsyncClient, path: str, method: str):
    response = await preflight(http, path, STRANGER, method)
    assert "access-control-allow-origin" not in response.headers
    real = await http.request(method, path, headers={"Origin": STRANGER})
    assert "access-control-allow-origin" not in real.headers


async def test_a_confidential_clients_redirect_origin_is_not_a_browser_origin(
    http: httpx.AsyncClient,
):
    response = await preflight(http, "/ims/token/v3", "http://127.0.0.1:7000")
    assert "access-control-allow-origin" not in response.headers


def pkce() -> tuple[str, str]:
    verifier = "v" * 50
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def test_a_spa_gets_refreshes_reads_and_revokes_tokens_cross_origin(
    mock: MockServer, http: httpx.AsyncClient
):
    mock.configure(auto_approve=True)
    verifier, challenge = pkce()
    authorize = await http.get(
        "/ims/authorize/v2",
        params={"client_id": "ims-spa", "redirect_uri": SPA_ORIGIN + "/cb",
                "scope": "openid email offline_access", "code_challenge": challenge,
                "code_challenge_method": "S256", "state": "s", "response_type": "code"},
        headers={"Origin": SPA_ORIGIN},
    )  # fmt: skip
    # Never CORS on the authorization endpoint, whatever the origin.
    assert "access-control-allow-origin" not in authorize.headers
    code = parse_qs(urlsplit(authorize.headers["location"]).query)["code"][0]
    cors = {"Origin": SPA_ORIGIN}
    token = await http.post(
        "/ims/token/v3",
        data={"grant_type": "authorization_code", "client_id": "ims-spa", "code": code,
              "code_verifier": verifier, "redirect_uri": SPA_ORIGIN + "/cb"},
        headers=cors,
    )  # fmt: skip
    assert token.status_code == 200, token.text
    assert token.headers["access-control-allow-origin"] == SPA_ORIGIN
    assert "Retry-After" in token.headers["access-control-expose-headers"]
    tokens = token.json()
    info = await http.get(
        "/ims/userinfo/v2", headers={**cors, "Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert info.status_code == 200
    assert info.headers["access-control-allow-origin"] == SPA_ORIGIN
    keys = await http.get("/ims/keys", headers=cors)
    assert keys.headers["access-control-allow-origin"] == SPA_ORIGIN
    revoked = await http.post(
        "/ims/revoke",
        params={"client_id": "ims-spa"},
        data={"token": tokens["refresh_token"]},
        headers=cors,
    )
    assert revoked.status_code == 200
    assert revoked.headers["access-control-allow-origin"] == SPA_ORIGIN


async def test_errors_and_faults_are_readable_cross_origin(
    mock: MockServer, http: httpx.AsyncClient
):
    cors = {"Origin": SPA_ORIGIN}
    refused = await http.post("/ims/token/v3", data={"grant_type": "password"}, headers=cors)
    assert refused.status_code in (400, 401)
    assert refused.headers["access-control-allow-origin"] == SPA_ORIGIN
    mock.faults.add("token", status=429, retry_after=3)
    faulted = await http.post("/ims/token/v3", data={"grant_type": "refresh_token"}, headers=cors)
    assert faulted.status_code == 429
    assert faulted.headers["access-control-allow-origin"] == SPA_ORIGIN
    assert faulted.headers["retry-after"] == "3"


async def test_a_client_added_at_runtime_brings_its_origin(
    mock: MockServer, http: httpx.AsyncClient
):
    origin = "http://127.0.0.1:4200"
    assert (
        "access-control-allow-origin"
        not in (await preflight(http, "/ims/token/v3", origin)).headers
    )
    mock.add_client(client_id="late-spa", profile="adobe-ims", redirect_uris=[origin + "/x"],
                    scopes=["openid"])  # fmt: skip
    allowed = await preflight(http, "/ims/token/v3", origin)
    assert allowed.headers["access-control-allow-origin"] == origin


async def test_legacy_token_endpoint_only_when_opted_in(mock: MockServer, http: httpx.AsyncClient):
    origin = "http://127.0.0.1:8000"  # v2-pkce's redirect origin
    for path in ("/oauth2/token", "/oauth2/auth", "/oauth2/revoke"):
        assert "access-control-allow-origin" not in (await preflight(http, path, origin)).headers
    mock.configure(cors_legacy_token=True)
    allowed = await preflight(http, "/oauth2/token", origin)
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == origin
    real = await http.post("/oauth2/token", data={"grant_type": "x"}, headers={"Origin": origin})
    assert real.headers["access-control-allow-origin"] == origin
    # Still never on the authorization endpoint or the other legacy endpoints.
    for path in ("/oauth2/auth", "/oauth2/revoke"):
        assert "access-control-allow-origin" not in (await preflight(http, path, origin)).headers


async def test_options_without_a_preflight_is_left_to_the_endpoint(http: httpx.AsyncClient):
    response = await http.options("/ims/token/v3", headers={"Origin": SPA_ORIGIN})
    assert response.status_code != 204


def test_cors_settings_are_read_and_checked():
    settings = parse_config(
        {"server": {"cors_origins": ["http://localhost:3000/"], "cors_legacy_token": True},
         "clients": [{"client_id": "spa", "profile": "adobe-ims", "scopes": ["openid"],
                      "redirect_uris": ["http://127.0.0.1:1/cb"],
                      "cors_origins": ["https://app.example.com"]}]},
        "mock.toml",
    )  # fmt: skip
    assert settings.server.cors_origins == ("http://localhost:3000",)
    assert settings.server.cors_legacy_token is True
    assert settings.clients[0].browser_origins == ("https://app.example.com",)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"server": {"cors_origins": ["http://localhost:3000/app"]}}, "is not an origin"),
        ({"server": {"cors_origins": ["localhost:3000"]}}, "is not an origin"),
        ({"clients": [{"client_id": "web", "client_secret": "s", "scopes": [],
                       "redirect_uris": ["http://127.0.0.1/cb"],
                       "cors_origins": ["https://a.example"]}]}, "a browser app cannot keep"),
    ],
)  # fmt: skip
def test_bad_cors_settings_get_one_line_errors(document: dict[str, Any], message: str):
    with pytest.raises(ConfigError, match=message):
        parse_config(document, "mock.toml")
