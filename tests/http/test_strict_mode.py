"""Strict mode (`--strict`, `[server] strict = true`), from issue 3.

OAuth 2.1 / RFC 9700 on top of frameio-v2: PKCE for every client, S256 only, `iss` in every
authorization response (RFC 9207), WWW-Authenticate on invalid_client at the token endpoint.
Without it the mock keeps Hydra's behaviour, so most tests run in both modes.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from frameio_oauth_mock.mockserver.cli import _build_parser, _serve_settings
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.settings import Settings, load_config
from frameio_oauth_mock.mockserver.web import create_app
from tests.conftest import REDIRECT, Flow, make_settings, pkce_pair, query_of
from tests.http.authorize_support import ACCESS_DENIED, PKCE_MISSING, PKCE_PLAIN
from tests.http.token_support import INVALID_CLIENT

pytestmark = pytest.mark.anyio

ISSUER = "http://mock.test"
STATE = "state-12345"
SECRET_APP = ("secret-app", "s3cret")


@pytest.fixture(params=[True, False], ids=["strict", "frameio-v2"])
def strict(request: pytest.FixtureRequest) -> bool:
    value: bool = request.param
    return value


@pytest.fixture
def settings(strict: bool) -> Settings:
    return make_settings(strict=strict)


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client for an app built from `settings` (for per-test settings)."""
    transport = httpx.ASGITransport(app=create_app(context=Context.from_settings(settings)))
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as client:
        yield client


def hidden_field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def redirect_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    return query_of(location)


def assert_iss(params: dict[str, str], strict: bool) -> None:
    if strict:
        assert params["iss"] == ISSUER
    else:
        assert "iss" not in params


# PKCE ---------------------------------------------------------------------------------------


async def test_confidential_client_without_code_challenge(flow: Flow, strict: bool) -> None:
    response = await flow.authorize(client_id="secret-app", scope="account.read")
    params = redirect_params(response)
    if strict:
        assert params["error"] == "invalid_request"
        assert params["error_description"] == PKCE_MISSING
        assert params["state"] == STATE
        assert "code" not in params
    else:
        assert "code" in params
        assert "error" not in params


@pytest.mark.parametrize("method", ["plain", None])
async def test_plain_is_refused(flow: Flow, strict: bool, method: str | None) -> None:
    verifier, _ = pkce_pair()
    params = {"code_challenge": verifier}
    if method:
        params["code_challenge_method"] = method
    response = await flow.authorize(client_id="secret-app", scope="account.read", **params)
    result = redirect_params(response)
    assert result["error"] == "invalid_request"
    assert result["error_description"] == PKCE_PLAIN
    assert result["state"] == STATE
    assert_iss(result, strict)


@pytest.mark.parametrize("client", ["secret-app", "pkce-app"])
async def test_s256_flow_works(flow: Flow, strict: bool, client: str) -> None:
    verifier, challenge = pkce_pair()
    code = await flow.code(
        client_id=client,
        scope="account.read offline",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    if client == "secret-app":
        response = await flow.token(data, auth=SECRET_APP)
    else:
        response = await flow.token({**data, "client_id": client})
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "account.read offline"


async def test_public_client_without_challenge_is_refused_in_both_modes(
    flow: Flow, strict: bool
) -> None:
    response = await flow.authorize(client_id="pkce-app", scope="account.read")
    params = redirect_params(response)
    assert params["error"] == "invalid_request"
    assert params["error_description"] == PKCE_MISSING
    assert_iss(params, strict)


# iss (RFC 9207) -----------------------------------------------------------------------------


async def test_iss_on_success_redirect(flow: Flow, strict: bool) -> None:
    _, challenge = pkce_pair()
    response = await flow.authorize(
        client_id="secret-app",
        scope="account.read",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    params = redirect_params(response)
    assert "code" in params
    assert params["state"] == STATE
    assert_iss(params, strict)


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"scope": "team.delete"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"state": "short"}, "invalid_state"),
        ({"code_challenge_method": "S512"}, "invalid_request"),
        ({"login_hint": "nobody@example.com"}, "access_denied"),
    ],
)
async def test_iss_on_error_redirects(
    flow: Flow, strict: bool, query: dict[str, str], error: str
) -> None:
    _, challenge = pkce_pair()
    params = {
        "client_id": "secret-app",
        "scope": "account.read",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **query,
    }
    response = await flow.authorize(**params)
    result = redirect_params(response)
    assert result["error"] == error
    assert_iss(result, strict)


async def test_iss_follows_the_configured_issuer(strict: bool) -> None:
    async with serve(make_settings(strict=strict, issuer="https://auth.example.com")) as http:
        _, challenge = pkce_pair()
        response = await Flow(http).authorize(
            client_id="secret-app",
            scope="account.read",
            code_challenge=challenge,
            code_challenge_method="S256",
        )
    params = redirect_params(response)
    if strict:
        assert params["iss"] == "https://auth.example.com"
    else:
        assert "iss" not in params


async def test_pages_without_a_trusted_redirect_never_redirect(flow: Flow, strict: bool) -> None:
    response = await flow.authorize(client_id="no-such-app", scope="account.read")
    assert response.status_code != 303
    assert "location" not in response.headers


async def test_iss_on_interactive_consent_answers(strict: bool) -> None:
    """Allow and deny through the login and consent pages both carry iss in strict mode."""
    for decision in ("allow", "deny"):
        async with serve(make_settings(auto_approve=False, strict=strict)) as http:
            _, challenge = pkce_pair()
            page = await Flow(http).authorize(
                client_id="secret-app",
                scope="account.read",
                code_challenge=challenge,
                code_challenge_method="S256",
            )
            assert page.status_code == 200, page.text
            login = await http.post(
                "/oauth2/auth/login",
                data={
                    "challenge": hidden_field(page.text, "challenge"),
                    "csrf_token": hidden_field(page.text, "csrf_token"),
                    "email": "dev@example.com",
                    "password": "password",
                },
            )
            assert login.status_code == 303, login.text
            consent = await http.get(login.headers["location"])
            assert consent.status_code == 200, consent.text
            answer = await http.post(
                "/oauth2/auth/consent",
                data={
                    "challenge": hidden_field(consent.text, "challenge"),
                    "csrf_token": hidden_field(consent.text, "csrf_token"),
                    "decision": decision,
                },
            )
        params = redirect_params(answer)
        if decision == "allow":
            assert "code" in params
        else:
            assert params["error"] == "access_denied"
            assert params["error_description"].startswith(ACCESS_DENIED)
        assert params["state"] == STATE
        assert_iss(params, strict)


# invalid_client at the token endpoint -------------------------------------------------------


def assert_invalid_client(response: httpx.Response, strict: bool, hint: str = "") -> None:
    assert response.status_code == 401, response.text
    description = f"{INVALID_CLIENT} {hint}" if hint else INVALID_CLIENT
    assert response.json() == {"error": "invalid_client", "error_description": description}
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert response.headers["cache-control"] == "no-store"
    if strict:
        challenge = response.headers.get("www-authenticate")
        assert challenge is not None
        # RFC 6749 5.2: the scheme the client used (HTTP Basic here).
        assert challenge.startswith("Basic")
    else:
        assert "www-authenticate" not in response.headers


async def test_wrong_secret_at_token_endpoint(flow: Flow, strict: bool) -> None:
    code = await _code(flow)
    response = await flow.token(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=("secret-app", "wrong"),
    )
    assert_invalid_client(response, strict)


async def test_unknown_client_at_token_endpoint(flow: Flow, strict: bool) -> None:
    response = await flow.token(
        {"grant_type": "authorization_code", "code": "x"}, auth=("nobody", "secret")
    )
    assert_invalid_client(response, strict)


async def test_method_mismatch_at_token_endpoint(flow: Flow, strict: bool) -> None:
    response = await flow.token(
        {
            "grant_type": "authorization_code",
            "code": "x",
            "client_id": "secret-app",
            "client_secret": "s3cret",
        }
    )
    hint = (
        "The OAuth 2.0 Client supports client authentication method 'client_secret_basic', but "
        "method 'client_secret_post' was requested. You must configure the OAuth 2.0 client's "
        "'token_endpoint_auth_method' value to accept 'client_secret_post'."
    )
    assert_invalid_client(response, strict, hint)


@pytest.mark.parametrize("path", ["/oauth2/revoke", "/oauth2/introspect"])
async def test_invalid_client_at_revoke_and_introspect(
    http: httpx.AsyncClient, strict: bool, path: str
) -> None:
    response = await http.post(path, data={"token": "x"}, auth=("secret-app", "wrong"))
    assert_invalid_client(response, strict)


async def test_other_token_errors_carry_no_challenge(flow: Flow, strict: bool) -> None:
    response = await flow.token(
        {"grant_type": "authorization_code", "code": "unknown", "redirect_uri": REDIRECT},
        auth=SECRET_APP,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "www-authenticate" not in response.headers


async def _code(flow: Flow) -> str:
    _, challenge = pkce_pair()
    return await flow.code(
        scope="account.read", code_challenge=challenge, code_challenge_method="S256"
    )


# Discovery ----------------------------------------------------------------------------------


async def test_discovery_advertises_the_mode(http: httpx.AsyncClient, strict: bool) -> None:
    metadata = (await http.get("/.well-known/openid-configuration")).json()
    if strict:
        assert metadata["code_challenge_methods_supported"] == ["S256"]
        assert metadata["authorization_response_iss_parameter_supported"] is True
    else:
        assert metadata["code_challenge_methods_supported"] == ["plain", "S256"]
        assert "authorization_response_iss_parameter_supported" not in metadata


# Turning it on ------------------------------------------------------------------------------


def test_cli_accepts_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRAMEIO_MOCK_CONFIG", raising=False)
    parser = _build_parser()
    args = parser.parse_args(["serve", "--strict"])
    assert args.command == "serve"
    assert args.strict is True
    settings, _ = _serve_settings(args)
    assert settings.server.strict is True
    assert settings.profile.require_pkce is True
    assert settings.profile.advertised_pkce_methods == ("S256",)


def test_cli_without_strict_keeps_the_config_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FRAMEIO_MOCK_CONFIG", raising=False)
    parser = _build_parser()
    args = parser.parse_args(["serve"])
    assert args.strict is None
    settings, _ = _serve_settings(args)
    assert settings.server.strict is False
    assert settings.profile.require_pkce is False

    config = tmp_path / "strict.toml"
    config.write_text(
        "[server]\nstrict = true\n\n[[clients]]\n"
        f'client_id = "a"\nclient_secret = "b"\nredirect_uris = ["{REDIRECT}"]\n'
        'scopes = ["account.read"]\n'
    )
    from_file, _ = _serve_settings(parser.parse_args(["serve", "--config", str(config)]))
    assert from_file.server.strict is True
    assert from_file.profile.send_iss is True


def test_config_file_turns_strict_on(tmp_path: Path) -> None:
    config = tmp_path / "strict.toml"
    config.write_text(
        "[server]\nstrict = true\n\n[[clients]]\n"
        f'client_id = "a"\nclient_secret = "b"\nredirect_uris = ["{REDIRECT}"]\n'
        'scopes = ["account.read"]\n'
    )
    settings = load_config(config)
    assert settings.server.strict is True
    profile = settings.profile
    assert profile.require_pkce is True
    assert profile.send_iss is True
    assert profile.pkce_methods == frozenset({"S256"})
    assert profile.invalid_client_challenge
