"""Adobe IMS credential types as client config (`type = "web" | "spa" | "native" | "s2s"`),
with a Default Redirect URI and a Redirect URI Pattern (issue 15, item 5).

Adobe's rules (developer-console docs, UserAuthentication/implementation.md and ims.md): a Web
App has a secret; a Single-Page App and a Native App have none, use PKCE and get no refresh
token; only a Native App redirects to a custom scheme; Server-to-Server is client_credentials
only. A redirect_uri that is omitted or matches nothing is answered at the default.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from frameio_oauth_mock.mockserver.environment import json_config
from frameio_oauth_mock.mockserver.settings import ConfigError, load_config, parse_config
from frameio_oauth_mock.mockserver.testing import MockServer

pytestmark = pytest.mark.anyio

DEFAULT = "https://app.example.com/callback"
PATTERN = r"https://app\.example\.com/(callback|oauth/[a-z]+)"
NATIVE_REDIRECT = "adobe+0a1b2c3d4e5f://callback"
SCOPES = ["openid", "email", "offline_access"]
WEB = {
    "client_id": "ims-web-typed",
    "client_secret": "web-secret-Qz41",
    "type": "web",
    "default_redirect_uri": DEFAULT,
    "redirect_uri_pattern": PATTERN,
    "scopes": SCOPES,
    "profile": "adobe-ims",
}
SPA = {
    "client_id": "ims-spa-typed",
    "type": "spa",
    "default_redirect_uri": DEFAULT,
    "redirect_uri_pattern": PATTERN,
    "scopes": SCOPES,
    "profile": "adobe-ims",
}
NATIVE = {
    "client_id": "ims-native-typed",
    "type": "native",
    "default_redirect_uri": NATIVE_REDIRECT,
    "scopes": SCOPES,
    "profile": "adobe-ims",
}
S2S = {
    "client_id": "ims-s2s-typed",
    "client_secret": "s2s-secret-Wd63",
    "type": "s2s",
    "scopes": ["openid", "AdobeID", "frame.s2s.all"],
    "profile": "adobe-ims",
}
USERS = [{"email": "dev@example.com", "password": "dev-password-Hj66"}]


def settings_of(*clients: dict[str, Any]) -> Any:
    return parse_config({"clients": list(clients), "users": USERS}, "mock.toml")


def refusal(*clients: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        settings_of(*clients)
    message = str(caught.value)
    assert "\n" not in message
    return message


# Configuration ------------------------------------------------------------------------------


def test_each_type_loads_with_its_defaults() -> None:
    clients = {client.client_id: client for client in settings_of(WEB, SPA, NATIVE, S2S).clients}
    web, spa = clients["ims-web-typed"], clients["ims-spa-typed"]
    native, s2s = clients["ims-native-typed"], clients["ims-s2s-typed"]
    assert (web.credential_type, web.token_endpoint_auth_method) == ("web", "client_secret_basic")
    assert web.grant_types == ("authorization_code", "refresh_token")
    assert (spa.is_public, spa.grant_types) == (True, ("authorization_code",))
    assert (native.is_public, native.grant_types) == (True, ("authorization_code",))
    assert native.known_redirect_uris == (NATIVE_REDIRECT,)
    assert (s2s.is_public, s2s.grant_types) == (False, ("client_credentials",))
    assert web.redirect_pattern is not None and web.redirect_pattern.pattern == PATTERN


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        (
            {**WEB, "client_secret": None},
            'type "web" (OAuth Web App) needs a client_secret',
        ),
        (
            {**SPA, "client_secret": "no-secret-in-a-browser"},
            'type "spa" (OAuth Single-Page App) is a public client: no client_secret '
            "(it uses PKCE instead)",
        ),
        (
            {**NATIVE, "grant_types": ["authorization_code", "refresh_token"]},
            "type \"native\" (OAuth Native App) cannot have grant type 'refresh_token' "
            "(it may have: authorization_code)",
        ),
        (
            {**S2S, "grant_types": ["client_credentials", "authorization_code"]},
            "type \"s2s\" (OAuth Server-to-Server) cannot have grant type 'authorization_code' "
            "(it may have: client_credentials)",
        ),
        (
            {**S2S, "redirect_uris": [DEFAULT]},
            'type "s2s" (OAuth Server-to-Server) signs in no user, so it has no redirect URIs',
        ),
        (
            {**SPA, "default_redirect_uri": None, "redirect_uri_pattern": None},
            'type "spa" (OAuth Single-Page App) needs a default_redirect_uri (or redirect_uris)',
        ),
        (
            {**WEB, "type": "ios"},
            'unknown type \'ios\' (use one of "web", "spa", "native", "s2s")',
        ),
        (
            {**SPA, "default_redirect_uri": NATIVE_REDIRECT},
            f"redirect URI '{NATIVE_REDIRECT}' uses the adobe+0a1b2c3d4e5f: scheme; only a "
            'native credential (type = "native") may redirect to a custom scheme',
        ),
        (
            {**WEB, "redirect_uris": ["com.example.app:/callback"]},
            "redirect URI 'com.example.app:/callback' uses the com.example.app: scheme; only a "
            'native credential (type = "native") may redirect to a custom scheme',
        ),
        (
            {**NATIVE, "default_redirect_uri": "javascript:alert(1)"},
            "redirect URI 'javascript:alert(1)' uses the javascript: scheme, which is not an app",
        ),
        (
            {**WEB, "default_redirect_uri": "https://app.example.com/" + "a" * 240},
            "default_redirect_uri is longer than 256 characters (the Developer Console's limit)",
        ),
    ],
)
def test_a_client_breaking_its_types_rules_is_a_one_line_error(
    client: dict[str, Any], expected: str
) -> None:
    client = {key: value for key, value in client.items() if value is not None}
    assert refusal(client) == f"mock.toml: clients[0] ({client['client_id']}): {expected}"


def test_credential_settings_need_the_adobe_ims_profile() -> None:
    for key, value in (("type", "web"), ("default_redirect_uri", DEFAULT)):
        legacy = {
            "client_id": "v2-app",
            "client_secret": "v2-secret",
            "redirect_uris": ["http://127.0.0.1:8765/callback"],
            key: value,
        }
        assert refusal(legacy) == (
            f"mock.toml: clients[0] (v2-app): '{key}' is an Adobe IMS credential setting; "
            "profile 'frameio-v2' has none (use profile = \"adobe-ims\")"
        )


def test_a_bad_pattern_is_a_one_line_error_at_load(tmp_path: Path) -> None:
    config = tmp_path / "mock.toml"
    config.write_text(
        '[[clients]]\nclient_id = "bad-pattern"\nclient_secret = "x"\ntype = "web"\n'
        'profile = "adobe-ims"\ndefault_redirect_uri = "https://app.example.com/cb"\n'
        'redirect_uri_pattern = "https://app\\\\.example\\\\.com/(cb"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert str(caught.value) == (
        f"{config}: clients[0] (bad-pattern): redirect_uri_pattern "
        "'https://app\\\\.example\\\\.com/(cb' is not a valid regular expression "
        "(missing ), unterminated subpattern at position 26)"
    )
    too_long = {**WEB, "redirect_uri_pattern": "a" * 513}
    assert refusal(too_long).endswith(
        "redirect_uri_pattern is longer than 512 characters (the Developer Console's limit)"
    )


def test_the_json_config_variable_takes_the_type() -> None:
    settings = json_config(json.dumps({"clients": [SPA, S2S], "users": USERS}))
    assert [client.credential_type for client in settings.clients] == ["spa", "s2s"]
    without_secret = {key: value for key, value in S2S.items() if key != "client_secret"}
    with pytest.raises(ConfigError) as caught:
        json_config(json.dumps({"clients": [without_secret]}))
    assert str(caught.value) == (
        '$FRAMEIO_MOCK_JSON_CONFIG: clients[0] (ims-s2s-typed): type "s2s" '
        "(OAuth Server-to-Server) needs a client_secret"
    )


# Behaviour over HTTP ------------------------------------------------------------------------


@pytest.fixture
def mock() -> MockServer:
    return MockServer(clients=[WEB, SPA, NATIVE, S2S], users=USERS)  # through its ASGI app


@pytest.fixture
async def http(mock: MockServer) -> AsyncIterator[httpx.AsyncClient]:
    async with mock.async_client() as client:
        yield client


def s256() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def authorize(http: httpx.AsyncClient, client_id: str, **params: str) -> httpx.Response:
    query = {"client_id": client_id, "scope": "openid offline_access", "state": "st-1", **params}
    return await http.get("/ims/authorize/v2", params=query)


def answered_at(response: httpx.Response) -> tuple[str, dict[str, str]]:
    """Where the 302 goes (without its query) and the parameters it carries."""
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    base, _, query = location.partition("?")
    return base, {key: values[0] for key, values in parse_qs(query).items()}


async def test_no_redirect_uri_is_answered_at_the_default(http: httpx.AsyncClient) -> None:
    where, answer = answered_at(await authorize(http, "ims-web-typed"))
    assert where == DEFAULT
    assert set(answer) == {"code", "state"} and answer["state"] == "st-1"
    tokens = await http.post(
        "/ims/token/v3",
        data={"grant_type": "authorization_code", "code": answer["code"]},
        auth=("ims-web-typed", "web-secret-Qz41"),
    )
    assert tokens.status_code == 200, tokens.text
    assert {"access_token", "refresh_token", "id_token"} <= set(tokens.json())


async def test_a_redirect_uri_the_pattern_matches_is_answered_there(
    http: httpx.AsyncClient,
) -> None:
    wanted = "https://app.example.com/oauth/done"
    where, answer = answered_at(await authorize(http, "ims-web-typed", redirect_uri=wanted))
    assert where == wanted
    # The token request may repeat it (or, as Adobe's sample, name none).
    tokens = await http.post(
        "/ims/token/v3",
        data={"grant_type": "authorization_code", "code": answer["code"], "redirect_uri": wanted},
        auth=("ims-web-typed", "web-secret-Qz41"),
    )
    assert tokens.status_code == 200, tokens.text


@pytest.mark.parametrize(
    "requested",
    [
        "https://evil.example/callback",
        "https://app.example.com/callback/extra",  # the pattern must match in full
        "https://app.example.com/oauth/Done",
        "http://app.example.com/callback",
    ],
)
async def test_a_redirect_uri_the_pattern_does_not_match_is_answered_at_the_default(
    http: httpx.AsyncClient, requested: str
) -> None:
    where, answer = answered_at(await authorize(http, "ims-web-typed", redirect_uri=requested))
    assert where == DEFAULT
    assert "code" in answer


async def test_a_pattern_never_admits_an_active_or_custom_scheme(mock: MockServer) -> None:
    loose = {**WEB, "client_id": "ims-loose", "redirect_uri_pattern": ".*"}
    mock.add_client(loose)
    async with mock.async_client() as http:
        for requested in ("javascript:alert(1)//", "myapp://callback", "https://any.example/cb"):
            where, _ = answered_at(await authorize(http, "ims-loose", redirect_uri=requested))
            assert where == (requested if requested.startswith("https:") else DEFAULT)


async def test_without_a_default_an_unmatched_redirect_uri_is_an_error_page(
    mock: MockServer,
) -> None:
    listed = {
        **WEB,
        "client_id": "ims-listed",
        "default_redirect_uri": None,
        "redirect_uris": ["https://app.example.com/listed"],
    }
    mock.add_client({key: value for key, value in listed.items() if value is not None})
    async with mock.async_client() as http:
        response = await authorize(http, "ims-listed", redirect_uri="https://evil.example/")
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "redirect_uri" in response.text


async def test_spa_needs_pkce_and_gets_no_refresh_token(http: httpx.AsyncClient) -> None:
    where, refused = answered_at(await authorize(http, "ims-spa-typed"))
    assert where == DEFAULT
    assert refused["error"] == "invalid_request"
    verifier, challenge = s256()
    _, answer = answered_at(
        await authorize(
            http, "ims-spa-typed", code_challenge=challenge, code_challenge_method="S256"
        )
    )
    tokens = await http.post(
        "/ims/token/v3",
        params={"client_id": "ims-spa-typed"},
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "code_verifier": verifier,
        },
    )
    assert tokens.status_code == 200, tokens.text
    # offline_access was granted, but Adobe gives Single-Page Apps no refresh tokens.
    assert set(tokens.json()) == {"access_token", "sub", "id_token", "token_type", "expires_in"}


async def test_native_redirects_to_its_custom_scheme(http: httpx.AsyncClient) -> None:
    verifier, challenge = s256()
    response = await authorize(
        http,
        "ims-native-typed",
        redirect_uri=NATIVE_REDIRECT,
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    where, answer = answered_at(response)
    assert where == NATIVE_REDIRECT
    assert urlsplit(response.headers["location"]).scheme == "adobe+0a1b2c3d4e5f"
    tokens = await http.post(
        "/ims/token/v3",
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "client_id": "ims-native-typed",
            "code_verifier": verifier,
        },
    )
    assert tokens.status_code == 200, tokens.text
    assert "refresh_token" not in tokens.json()


async def test_s2s_has_client_credentials_and_signs_in_nobody(http: httpx.AsyncClient) -> None:
    tokens = await http.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials", "scope": "openid,AdobeID,frame.s2s.all"},
        auth=("ims-s2s-typed", "s2s-secret-Wd63"),
    )
    assert tokens.status_code == 200, tokens.text
    assert "refresh_token" not in tokens.json()
    page = await authorize(http, "ims-s2s-typed")
    assert page.status_code == 400
    assert "location" not in page.headers


async def test_the_control_api_takes_and_shows_the_type(http: httpx.AsyncClient) -> None:
    added = await http.post("/_mock/clients", json={**SPA, "client_id": "ims-spa-added"})
    assert added.status_code == 201, added.text
    body = added.json()
    assert (body["type"], body["default_redirect_uri"]) == ("spa", DEFAULT)
    assert (body["redirect_uri_pattern"], body["grant_types"]) == (PATTERN, ["authorization_code"])
    assert body["token_endpoint_auth_method"] == "none"
    where, _ = answered_at(await authorize(http, "ims-spa-added"))
    assert where == DEFAULT  # refused for want of PKCE, at the default redirect URI

    bad_type = await http.post("/_mock/clients", json={**SPA, "client_id": "x", "type": "desktop"})
    assert bad_type.status_code == 400, bad_type.text
    assert bad_type.json() == {
        "error": 'client \'x\': unknown type \'desktop\' (use one of "web", "spa", "native", "s2s")'
    }
    bad_pattern = await http.post(
        "/_mock/clients", json={**WEB, "client_id": "y", "redirect_uri_pattern": "(["}
    )
    assert bad_pattern.status_code == 400, bad_pattern.text
    assert bad_pattern.json() == {
        "error": "client (y): redirect_uri_pattern '([' is not a valid regular expression "
        "(unterminated character set at position 1)"
    }
    listed = {client["client_id"] for client in (await http.get("/_mock/clients")).json()}
    assert "ims-spa-added" in listed and not {"x", "y"} & listed


async def test_a_spas_default_redirect_origin_may_call_the_token_endpoint(
    http: httpx.AsyncClient,
) -> None:
    """A Single-Page App runs where its redirect lands: that origin gets CORS (the Web App's,
    with a secret, does not; here both share one origin, so a SPA of its own is added)."""
    spa = {**SPA, "client_id": "ims-spa-local", "default_redirect_uri": "http://localhost:5173/cb"}
    assert (await http.post("/_mock/clients", json=spa)).status_code == 201
    headers = {"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"}
    allowed = await http.options("/ims/token/v3", headers=headers)
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
    stranger = await http.options(
        "/ims/token/v3", headers={**headers, "Origin": "http://localhost:5174"}
    )
    assert "access-control-allow-origin" not in stranger.headers
