"""Discovery (RFC 8414 / OpenID), the JWKS and OpenID Connect id_tokens, from issue 3.

id_tokens are verified with PyJWT, a library independent of the joserfc the server signs with,
against the keys the server publishes at /.well-known/jwks.json.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.settings import ConfigError, Settings, load_config
from frameio_oauth_mock.mockserver.web import create_app
from tests.conftest import REDIRECT, Flow, make_settings

pytestmark = pytest.mark.anyio

METADATA_PATHS = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")
JWKS = "/.well-known/jwks.json"
ORIGIN = "http://mock.test"
SECRET_APP = ("secret-app", "s3cret")
ENDPOINTS = {
    # metadata key: (expected path, method to probe it with)
    "authorization_endpoint": ("/oauth2/auth", "GET"),
    "token_endpoint": ("/oauth2/token", "POST"),
    "revocation_endpoint": ("/oauth2/revoke", "POST"),
    "introspection_endpoint": ("/oauth2/introspect", "POST"),
    "userinfo_endpoint": ("/userinfo", "GET"),
    "jwks_uri": (JWKS, "GET"),
}
PRIVATE_RSA_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth"}


def endpoints_of(path: str) -> dict[str, tuple[str, str]]:
    """The endpoints each document names: Hydra's OpenID document has no introspection
    (an admin API there); the mock's own RFC 8414 document adds it."""
    if path.endswith("/openid-configuration"):
        return {key: value for key, value in ENDPOINTS.items() if key != "introspection_endpoint"}
    return ENDPOINTS


@asynccontextmanager
async def serve(settings: Settings, clock: Clock | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client for an app built from `settings` (for per-test settings)."""
    context = Context.from_settings(settings, clock=clock)
    transport = httpx.ASGITransport(app=create_app(context=context))
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
        yield client


def b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def rfc7638_thumbprint(jwk: dict[str, Any]) -> str:
    members = {"e": jwk["e"], "kty": jwk["kty"], "n": jwk["n"]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def expected_at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def user_id(settings: Settings, email: str = "dev@example.com") -> str:
    return next(user.id for user in settings.users if user.email == email)


async def verify_id_token(
    http: httpx.AsyncClient, id_token: str, client_id: str = "secret-app", issuer: str = ORIGIN
) -> dict[str, Any]:
    """Verify with PyJWT against the published JWKS; returns the claims."""
    response = await http.get(JWKS)
    assert response.status_code == 200
    keys = jwt.PyJWKSet.from_dict(response.json())
    header = jwt.get_unverified_header(id_token)
    assert header["alg"] == "RS256"
    key = keys[header["kid"]]
    claims: dict[str, Any] = jwt.decode(
        id_token,
        key=key,
        algorithms=["RS256"],
        audience=client_id,
        issuer=issuer,
        options={"require": ["iss", "sub", "aud", "exp", "iat", "auth_time"]},
    )
    return claims


async def openid_tokens(
    flow: Flow, scope: str = "openid account.read offline", **params: str
) -> dict[str, Any]:
    code = await flow.code(scope=scope, **params)
    response = await flow.token(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=SECRET_APP,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# Discovery ----------------------------------------------------------------------------------


async def test_rfc8414_document_is_the_openid_one_plus_introspection(
    http: httpx.AsyncClient,
) -> None:
    first, second = [await http.get(path) for path in METADATA_PATHS]
    assert first.status_code == second.status_code == 200
    assert first.headers["content-type"].startswith("application/json")
    assert second.headers["content-type"].startswith("application/json")
    assert second.json() == {
        **first.json(),
        "introspection_endpoint": ORIGIN + "/oauth2/introspect",
        "introspection_endpoint_auth_methods_supported": [
            "client_secret_post",
            "client_secret_basic",
            "private_key_jwt",
            "none",
        ],
    }


@pytest.mark.parametrize("path", METADATA_PATHS)
async def test_issuer_is_the_request_origin(http: httpx.AsyncClient, path: str) -> None:
    metadata = (await http.get(path)).json()
    assert metadata["issuer"] == ORIGIN
    for key, (endpoint_path, _) in endpoints_of(path).items():
        assert metadata[key] == ORIGIN + endpoint_path


async def test_issuer_follows_the_host_the_client_used(context: Context) -> None:
    transport = httpx.ASGITransport(app=create_app(context=context))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:9123") as http:
        metadata = (await http.get(METADATA_PATHS[0])).json()
    assert metadata["issuer"] == "http://127.0.0.1:9123"
    assert metadata["token_endpoint"] == "http://127.0.0.1:9123/oauth2/token"


@pytest.mark.parametrize("configured", ["https://auth.example.com", "https://auth.example.com/"])
async def test_configured_issuer_wins_over_the_request_origin(configured: str) -> None:
    async with serve(make_settings(issuer=configured)) as http:
        for path in METADATA_PATHS:
            metadata = (await http.get(path)).json()
            assert metadata["issuer"] == "https://auth.example.com"
            for key, (endpoint_path, _) in endpoints_of(path).items():
                assert metadata[key] == "https://auth.example.com" + endpoint_path


async def test_every_endpoint_is_absolute_and_routable(http: httpx.AsyncClient) -> None:
    metadata = (await http.get(METADATA_PATHS[1])).json()
    for key, (_, method) in ENDPOINTS.items():
        url = urlsplit(metadata[key])
        assert url.scheme == "http", key
        assert url.netloc == "mock.test", key
        response = await http.request(method, url.path)
        assert response.status_code not in (404, 405), (key, response.status_code)


async def test_configured_issuer_endpoints_are_routable() -> None:
    async with serve(make_settings(issuer="https://auth.example.com")) as http:
        metadata = (await http.get(METADATA_PATHS[1])).json()
        for key, (_, method) in ENDPOINTS.items():
            url = urlsplit(metadata[key])
            assert (url.scheme, url.netloc) == ("https", "auth.example.com"), key
            response = await http.request(method, url.path)
            assert response.status_code not in (404, 405), (key, response.status_code)


async def test_capabilities_in_frameio_v2_mode(http: httpx.AsyncClient) -> None:
    response = await http.get(METADATA_PATHS[0])
    assert response.status_code == 200
    metadata = response.json()
    scopes = metadata.pop("scopes_supported")
    assert {"openid", "offline", "offline_access", "account.read", "asset.read"} <= set(scopes)
    # Hydra v2.3.0's document member for member (docs/fidelity.md, "Discovery"); it advertises
    # plain PKCE although /oauth2/auth refuses it, and has no introspection_endpoint.
    assert metadata == {
        "issuer": ORIGIN,
        "authorization_endpoint": ORIGIN + "/oauth2/auth",
        "token_endpoint": ORIGIN + "/oauth2/token",
        "revocation_endpoint": ORIGIN + "/oauth2/revoke",
        "userinfo_endpoint": ORIGIN + "/userinfo",
        "jwks_uri": ORIGIN + JWKS,
        "response_types_supported": [
            "code",
            "code id_token",
            "id_token",
            "token id_token",
            "token",
            "token id_token code",
        ],
        "grant_types_supported": [
            "authorization_code",
            "implicit",
            "client_credentials",
            "refresh_token",
        ],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "client_secret_basic",
            "private_key_jwt",
            "none",
        ],
        "code_challenge_methods_supported": ["plain", "S256"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "id_token_signed_response_alg": ["RS256"],
        "userinfo_signed_response_alg": ["RS256"],
        "userinfo_signing_alg_values_supported": ["none", "RS256"],
        "request_parameter_supported": True,
        "request_uri_parameter_supported": True,
        "require_request_uri_registration": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": True,
        "frontchannel_logout_session_supported": True,
        "request_object_signing_alg_values_supported": ["none", "RS256", "ES256"],
        "claims_supported": ["sub"],
        "end_session_endpoint": ORIGIN + "/oauth2/sessions/logout",
    }


async def test_capabilities_in_strict_mode() -> None:
    async with serve(make_settings(strict=True)) as http:
        for path in METADATA_PATHS:
            metadata = (await http.get(path)).json()
            assert metadata["code_challenge_methods_supported"] == ["S256"]
            assert metadata["authorization_response_iss_parameter_supported"] is True
            assert metadata["issuer"] == ORIGIN


async def test_scopes_supported_lists_frameio_scopes(http: httpx.AsyncClient) -> None:
    scopes = set((await http.get(METADATA_PATHS[0])).json()["scopes_supported"])
    for resource in ("project", "asset", "comment", "reviewlink", "presentation", "webhook"):
        for action in ("read", "create", "update", "delete"):
            assert f"{resource}.{action}" in scopes
    assert {"team.read", "team.create", "team.update", "auditlog.read"} <= scopes


# JWKS ---------------------------------------------------------------------------------------


async def test_jwks_publishes_one_public_rsa_signing_key(http: httpx.AsyncClient) -> None:
    response = await http.get(JWKS)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    keys = response.json()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert key["kty"] == "RSA"
    assert key["use"] == "sig"
    assert key["alg"] == "RS256"
    assert key["kid"] == rfc7638_thumbprint(key)
    assert not PRIVATE_RSA_MEMBERS & set(key), "private key material published"
    # A 2048-bit modulus at least.
    modulus = base64.urlsafe_b64decode(key["n"] + "=" * (-len(key["n"]) % 4))
    assert len(modulus) * 8 >= 2048


async def test_jwks_is_stable_across_requests(http: httpx.AsyncClient) -> None:
    assert (await http.get(JWKS)).json() == (await http.get(JWKS)).json()


# id_token -----------------------------------------------------------------------------------


async def test_openid_token_response_has_a_verifiable_id_token(
    http: httpx.AsyncClient, flow: Flow, clock: Clock, settings: Settings
) -> None:
    now = int(clock.now())
    body = await openid_tokens(flow)
    assert set(body) == {
        "access_token",
        "expires_in",
        "id_token",
        "refresh_token",
        "scope",
        "token_type",
    }
    claims = await verify_id_token(http, body["id_token"])
    assert claims["iss"] == ORIGIN
    assert claims["sub"] == user_id(settings)
    aud = claims["aud"]
    assert aud == "secret-app" or aud == ["secret-app"]
    assert claims["iat"] == now
    assert claims["exp"] == now + 3600
    assert claims["auth_time"] == now
    assert claims["at_hash"] == expected_at_hash(body["access_token"])
    assert "nonce" not in claims


async def test_auto_approved_id_tokens_name_a_login_session_of_their_own(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    # No browser session is kept in auto-approve mode, yet each id_token names one (`sid`),
    # a different one for each authorization.
    sids = []
    for _ in range(2):
        body = await openid_tokens(flow)
        claims = await verify_id_token(http, body["id_token"])
        assert isinstance(claims["sid"], str) and claims["sid"]
        sids.append(claims["sid"])
    assert sids[0] != sids[1]


async def test_nonce_is_echoed_when_sent(http: httpx.AsyncClient, flow: Flow) -> None:
    body = await openid_tokens(flow, nonce="n-0S6_WzA2Mj")
    claims = await verify_id_token(http, body["id_token"])
    assert claims["nonce"] == "n-0S6_WzA2Mj"


async def test_subject_is_the_user_who_authorized(
    http: httpx.AsyncClient, flow: Flow, settings: Settings
) -> None:
    body = await openid_tokens(flow, login_hint="other@example.com")
    claims = await verify_id_token(http, body["id_token"])
    assert claims["sub"] == user_id(settings, "other@example.com")
    me = await http.get("/v2/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["id"] == claims["sub"]


async def test_audience_is_the_requesting_client(http: httpx.AsyncClient, flow: Flow) -> None:
    response = await flow.pkce_exchange("openid")
    assert response.status_code == 200, response.text
    id_token = response.json()["id_token"]
    await verify_id_token(http, id_token, client_id="pkce-app")
    with pytest.raises(jwt.InvalidAudienceError):
        await verify_id_token(http, id_token, client_id="secret-app")


async def test_no_id_token_without_openid(flow: Flow) -> None:
    body = await openid_tokens(flow, scope="account.read offline")
    assert "id_token" not in body
    refreshed = await flow.token(
        {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}, auth=SECRET_APP
    )
    assert refreshed.status_code == 200
    assert "id_token" not in refreshed.json()


async def test_tampered_id_token_does_not_verify(http: httpx.AsyncClient, flow: Flow) -> None:
    body = await openid_tokens(flow)
    header, payload, signature = body["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        await verify_id_token(http, f"{header}.{forged}.{signature}")


async def test_refresh_returns_a_new_id_token(
    context: Context, clock: Clock, settings: Settings
) -> None:
    # Start in the past so that the refreshed token's iat is not in PyJWT's future.
    clock.freeze(clock.now() - 1000)
    transport = httpx.ASGITransport(app=create_app(context=context))
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
        flow = Flow(http)
        authorized_at = int(clock.now())
        body = await openid_tokens(flow, nonce="nonce-value-1")
        clock.advance(300)
        response = await flow.token(
            {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
            auth=SECRET_APP,
        )
        assert response.status_code == 200, response.text
        refreshed = response.json()
        assert "id_token" in refreshed
        assert refreshed["id_token"] != body["id_token"]
        claims = await verify_id_token(http, refreshed["id_token"])
    assert claims["sub"] == user_id(settings)
    assert claims["iat"] == authorized_at + 300
    assert claims["exp"] == authorized_at + 300 + 3600
    # OpenID Connect Core 12.2: auth_time stays the time of the original authentication.
    assert claims["auth_time"] == authorized_at
    assert claims["at_hash"] == expected_at_hash(refreshed["access_token"])


async def test_id_token_issuer_follows_the_configured_issuer(clock: Clock) -> None:
    async with serve(make_settings(issuer="https://auth.example.com"), clock) as http:
        body = await openid_tokens(Flow(http))
        claims = await verify_id_token(http, body["id_token"], issuer="https://auth.example.com")
    assert claims["iss"] == "https://auth.example.com"


# signing_key_file ---------------------------------------------------------------------------

CONFIG = """
[server]
auto_approve = true
signing_key_file = "{key}"

[[clients]]
client_id = "secret-app"
client_secret = "s3cret"
redirect_uris = ["{redirect}"]
scopes = ["openid", "account.read", "offline"]

[[users]]
email = "dev@example.com"
password = "password"
"""


def write_config(tmp_path: Path, key_reference: str) -> Path:
    config = tmp_path / "mock.toml"
    config.write_text(CONFIG.format(key=key_reference, redirect=REDIRECT))
    return config


def write_rsa_key(path: Path) -> rsa.RSAPrivateKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return key


@pytest.mark.parametrize("relative", [True, False], ids=["relative", "absolute"])
async def test_signing_key_file_is_published_and_used(
    tmp_path: Path, clock: Clock, relative: bool
) -> None:
    key = write_rsa_key(tmp_path / "signing.pem")
    reference = "signing.pem" if relative else str(tmp_path / "signing.pem")
    settings = load_config(write_config(tmp_path, reference))
    numbers = key.public_key().public_numbers()

    async with serve(settings, clock) as http:
        published = (await http.get(JWKS)).json()["keys"]
        assert len(published) == 1
        assert published[0]["n"] == b64url_uint(numbers.n)
        assert published[0]["e"] == b64url_uint(numbers.e)
        assert published[0]["kid"] == rfc7638_thumbprint(published[0])
        assert not PRIVATE_RSA_MEMBERS & set(published[0])

        body = await openid_tokens(Flow(http), scope="openid account.read")
        await verify_id_token(http, body["id_token"])
    # And directly with the key from the file, bypassing the JWKS.
    assert jwt.get_unverified_header(body["id_token"])["kid"] == published[0]["kid"]
    claims = jwt.decode(
        body["id_token"], key.public_key(), algorithms=["RS256"], audience="secret-app"
    )
    assert claims["iss"] == ORIGIN


async def test_signing_key_survives_a_restart(tmp_path: Path) -> None:
    write_rsa_key(tmp_path / "signing.pem")
    settings = load_config(write_config(tmp_path, "signing.pem"))
    async with serve(settings) as first:
        before = (await first.get(JWKS)).json()
    async with serve(settings) as second:
        after = (await second.get(JWKS)).json()
    assert before == after


async def test_generated_keys_differ_between_servers() -> None:
    async with serve(make_settings()) as first:
        one = (await first.get(JWKS)).json()["keys"][0]
    async with serve(make_settings()) as second:
        two = (await second.get(JWKS)).json()["keys"][0]
    assert one["n"] != two["n"]


def _assert_config_error_names(config: Path, key_file: Path, match: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    message = str(caught.value)
    assert str(key_file) in message
    assert str(config) in message
    assert match in message


def test_missing_key_file_is_a_config_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, "missing.pem")
    _assert_config_error_names(config, tmp_path / "missing.pem", "cannot read")


def test_garbage_key_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "bad.pem").write_text("-----BEGIN PRIVATE KEY-----\nnot base64!\n")
    config = write_config(tmp_path, "bad.pem")
    _assert_config_error_names(config, tmp_path / "bad.pem", "not an RSA private key")


def test_ec_key_file_is_a_config_error(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "ec.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    config = write_config(tmp_path, "ec.pem")
    _assert_config_error_names(config, tmp_path / "ec.pem", "not an RSA private key")


def test_public_key_file_is_a_config_error(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "public.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    config = write_config(tmp_path, "public.pem")
    _assert_config_error_names(config, tmp_path / "public.pem", "public key")
