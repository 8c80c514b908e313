"""What Hydra refuses and a lenient mock would accept (docs/fidelity.md, "More of Hydra's
behaviour").

Each of these, accepted here, would let a client pass against the mock and fail on its first
real login, so each is asserted to the letter: status, body or redirect target, headers.
"""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.settings import ClientConfig, Settings
from frameio_oauth_mock.mockserver.store import MemoryStore
from tests.conftest import REDIRECT, SCOPES, Flow, make_settings, query_of
from tests.http.authorize_support import assert_error_page
from tests.http.token_support import (
    INVALID_REQUEST,
    SHORT_NONCE,
    auth_method_mismatch,
    expect_error,
    expect_tokens,
)
from tests.pages import form_of, is_login_page

pytestmark = pytest.mark.anyio

STATE = "state-12345"
REDIRECT_HEADERS = {
    "cache-control": "no-store",
    "pragma": "no-cache",
    "referrer-policy": "no-referrer",
}
UNSUPPORTED_RESPONSE_MODE = (
    "The authorization server does not support obtaining a response using this response mode."
)
LOGIN_REQUIRED = (
    "The Authorization Server requires End-User authentication. Prompt 'none' was requested, "
    "but no existing login session was found."
)
API = "https://api.example.com/v2"


@pytest.fixture
def settings() -> Settings:
    """The shared clients, plus one whitelisting an audience."""
    audience_app = ClientConfig(
        "audience-app", (REDIRECT,), SCOPES, client_secret="aud1", audience=(API,)
    )
    return make_settings(auto_approve=True, extra_clients=(audience_app,))


def authorize_url(**params: str) -> str:
    query = {
        "client_id": "secret-app",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "account.read offline",
        "state": STATE,
    }
    query.update(params)
    return "/oauth2/auth?" + urlencode(query)


def assert_redirect(response: httpx.Response, location: str) -> None:
    assert response.status_code == 303, response.text
    assert response.headers["location"] == location
    for name, value in REDIRECT_HEADERS.items():
        assert response.headers[name] == value
    assert response.content == b""


def error_location(error: str, description: str, state: str = STATE) -> str:
    query = {"error": error, "error_description": description, "state": state}
    return f"{REDIRECT}?{urlencode(sorted(query.items()))}"


# Authorization endpoint ----------------------------------------------------------------------


async def test_audience_not_whitelisted_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.get(authorize_url(audience=API))
    hint = f"Requested audience '{API}' has not been whitelisted by the OAuth 2.0 Client."
    assert_redirect(response, error_location("invalid_request", f"{INVALID_REQUEST} {hint}"))


async def test_whitelisted_audience_and_paths_below_it_are_allowed(
    http: httpx.AsyncClient,
) -> None:
    for audience in (API, f"{API}/assets", f"{API} {API}/me"):
        response = await http.get(authorize_url(client_id="audience-app", audience=audience))
        assert response.status_code == 303
        assert set(query_of(response.headers["location"])) == {"code", "scope", "state"}
    response = await http.get(authorize_url(client_id="audience-app", audience=API + "x"))
    hint = f"Requested audience '{API}x' has not been whitelisted by the OAuth 2.0 Client."
    assert_redirect(response, error_location("invalid_request", f"{INVALID_REQUEST} {hint}"))


async def test_openid_without_redirect_uri_is_an_error_page(http: httpx.AsyncClient) -> None:
    query = {"client_id": "secret-app", "response_type": "code", "scope": "openid", "state": STATE}
    response = await http.get("/oauth2/auth?" + urlencode(query))
    hint = "The 'redirect_uri' parameter is required when using OpenID Connect 1.0."
    assert_error_page(response, 400, "invalid_request", f"{INVALID_REQUEST} {hint}")
    # Without openid the single registered redirect_uri may still be omitted.
    del query["scope"]
    response = await http.get("/oauth2/auth?" + urlencode(query))
    assert response.status_code == 303
    assert response.headers["location"].startswith(REDIRECT + "?code=")


async def test_unknown_response_mode_is_an_error_page_before_the_redirect_uri(
    http: httpx.AsyncClient,
) -> None:
    hint = "Request with unsupported response_mode 'web_message'."
    for redirect_uri in (REDIRECT, "https://attacker.example/cb"):
        response = await http.get(
            authorize_url(response_mode="web_message", redirect_uri=redirect_uri)
        )
        assert_error_page(
            response, 400, "unsupported_response_mode", f"{UNSUPPORTED_RESPONSE_MODE} {hint}"
        )


@pytest.mark.parametrize("auto_approve", [True, False], ids=["auto-approve", "interactive"])
async def test_prompt_none_without_a_session_is_login_required(
    http: httpx.AsyncClient, context: Context, auto_approve: bool
) -> None:
    context.reconfigure(auto_approve=auto_approve)
    response = await http.get(authorize_url(prompt="none"))
    assert_redirect(response, error_location("login_required", LOGIN_REQUIRED))
    assert isinstance(context.store, MemoryStore)
    assert context.store.counts()["pending"] == 0  # no login was parked


async def test_prompt_none_with_a_session_answers_without_a_page(
    http: httpx.AsyncClient, context: Context, flow: Flow
) -> None:
    context.reconfigure(auto_approve=False)
    login = await http.get(authorize_url())
    assert is_login_page(login)
    form = form_of(login)
    logged_in = await http.post(
        form.action, data={**form.fields, "email": "dev@example.com", "password": "password"}
    )
    assert logged_in.status_code == 303
    response = await http.get(authorize_url(prompt="none"))
    assert response.status_code == 303, response.text
    query = query_of(response.headers["location"])
    assert set(query) == {"code", "scope", "state"}
    assert query["state"] == STATE
    redeemed = await flow.token(
        {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT},
        auth=("secret-app", "s3cret"),
    )
    expect_tokens(redeemed, "account.read offline", refresh=True)


# Token endpoint ------------------------------------------------------------------------------


async def test_short_nonce_with_openid_fails_every_code_exchange(flow: Flow) -> None:
    code = await flow.code(scope="openid offline", nonce="1234567")
    request = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    for _ in range(2):  # the code stays unused: the second try is not "already used"
        response = await flow.token(request, auth=("secret-app", "s3cret"))
        expect_error(response, "insufficient_entropy", SHORT_NONCE)


async def test_eight_character_nonce_or_none_without_openid_is_fine(flow: Flow) -> None:
    code = await flow.code(scope="openid offline", nonce="12345678")
    request = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    expect_tokens(
        await flow.token(request, auth=("secret-app", "s3cret")), "openid offline", refresh=True
    )
    code = await flow.code(scope="account.read", nonce="1")
    request["code"] = code
    expect_tokens(
        await flow.token(request, auth=("secret-app", "s3cret")), "account.read", refresh=False
    )


async def test_basic_header_plus_body_secret_is_a_method_mismatch(flow: Flow) -> None:
    code = await flow.code(scope="account.read offline")
    request = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": "secret-app",
        "client_secret": "s3cret",
    }
    response = await flow.token(request, auth=("secret-app", "s3cret"))
    hint = auth_method_mismatch("client_secret_basic", "client_secret_post")
    expect_error(response, "invalid_client", hint)
    # The refused request did not use the code.
    del request["client_id"], request["client_secret"]
    expect_tokens(
        await flow.token(request, auth=("secret-app", "s3cret")),
        "account.read offline",
        refresh=True,
    )


async def test_client_id_without_secret_for_a_secret_client_is_invalid_client(
    flow: Flow,
) -> None:
    code = await flow.code()
    request = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": "secret-app",
    }
    expect_error(await flow.token(request), "invalid_client")
