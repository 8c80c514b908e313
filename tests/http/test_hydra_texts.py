"""Hydra's texts and codes where the mock used to answer differently (docs/fidelity.md, "More of
Hydra's behaviour"): client_credentials, a reused refresh token presented again, scope
trimming, `state=` on error redirects, PKCE with a method and no challenge."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from frameio_oauth_mock.mockserver.settings import ClientConfig, Settings
from tests.conftest import REDIRECT, Flow, make_settings, query_of
from tests.http.token_support import (
    PKCE_CHALLENGE_ABSENT,
    REFRESH_INVALID,
    REFRESH_USED,
    TOKEN,
    expect_error,
    expect_router_405,
    expect_tokens,
    not_allowed_grant,
)

pytestmark = pytest.mark.anyio

SECRET_AUTH = ("secret-app", "s3cret")


@pytest.fixture
def settings() -> Settings:
    service = ClientConfig(
        "service-app",
        (),
        ("account.read", "asset.read"),
        client_secret="s3rvice",
        grant_types=("client_credentials",),
    )
    return make_settings(auto_approve=True, extra_clients=(service,))


@pytest.mark.parametrize("path", [TOKEN, "/oauth2/revoke", "/oauth2/introspect"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_non_post_is_hydras_router_405(
    http: httpx.AsyncClient, path: str, method: str
) -> None:
    expect_router_405(await http.request(method, path, auth=SECRET_AUTH))


async def test_client_credentials_not_allowed_is_unauthorized_client(flow: Flow) -> None:
    response = await flow.token({"grant_type": "client_credentials"}, auth=SECRET_AUTH)
    expect_error(response, "unauthorized_client", not_allowed_grant("client_credentials"))


async def test_client_credentials_scope_is_checked_before_the_grant(flow: Flow) -> None:
    data = {"grant_type": "client_credentials", "scope": "team.delete"}
    response = await flow.token(data, auth=SECRET_AUTH)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_scope",
        "error_description": "The requested scope is invalid, unknown, or malformed. The OAuth "
        "2.0 Client is not allowed to request scope 'team.delete'.",
    }


async def test_client_credentials_for_a_client_allowed_it(flow: Flow) -> None:
    data = {"grant_type": "client_credentials", "scope": "account.read"}
    response = await flow.token(data, auth=("service-app", "s3rvice"))
    expect_tokens(response, "account.read", refresh=False)


async def test_a_reused_refresh_token_presented_again_is_not_valid(flow: Flow) -> None:
    first = await flow.tokens()
    rotate = {"grant_type": "refresh_token", "refresh_token": str(first["refresh_token"])}
    expect_tokens(await flow.token(rotate, auth=SECRET_AUTH), "account.read offline", refresh=True)
    expect_error(await flow.token(rotate, auth=SECRET_AUTH), "invalid_grant", REFRESH_USED)
    # Reuse detection deleted the token: a third presentation no longer knows it.
    expect_error(await flow.token(rotate, auth=SECRET_AUTH), "invalid_grant", REFRESH_INVALID)


async def test_scope_values_are_trimmed(flow: Flow) -> None:
    response = await flow.authorize(client_id="secret-app", scope="account.read \toffline\t ")
    assert response.status_code == 303, response.text
    assert query_of(response.headers["location"])["scope"] == "account.read offline"


async def test_error_redirects_always_carry_state(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/oauth2/auth",
        params={"client_id": "secret-app", "redirect_uri": REDIRECT, "scope": "account.read"},
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    assert parse_qsl(urlsplit(location).query, keep_blank_values=True) == [
        ("error", "unsupported_response_type"),
        (
            "error_description",
            "The authorization server does not support obtaining a token using this method.",
        ),
        ("state", ""),
    ]


async def test_a_pkce_method_without_a_challenge_still_records_pkce(flow: Flow) -> None:
    code = await flow.code(scope="account.read", code_challenge_method="S256")
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": "a" * 43,
    }
    expect_error(await flow.token(data, auth=SECRET_AUTH), "invalid_grant", PKCE_CHALLENGE_ABSENT)


async def test_a_pkce_method_without_a_challenge_and_no_verifier_is_fine(flow: Flow) -> None:
    code = await flow.code(scope="account.read", code_challenge_method="S256")
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    expect_tokens(await flow.token(data, auth=SECRET_AUTH), "account.read", refresh=False)
