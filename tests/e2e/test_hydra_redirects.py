"""Hydra's redirects and pages over real uvicorn: what a browser receives, byte for byte in the
places that matter (status, Location, headers), for the behaviours of docs/fidelity.md's
"More of Hydra's behaviour"."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import jwt
import pytest

from frameio_oauth_mock.mockserver.testing import MockServer
from tests.http.authorize_support import scope_refused
from tests.pages import form_of, form_post_page, is_consent_page, is_login_page

REDIRECT = "http://127.0.0.1:8765/callback"
LOGGED_OUT = "http://127.0.0.1:8765/logged-out"
SECRET_AUTH = ("web-app", "web-secret")
STATE = "e2e-state-0123456789"
LOGIN_REQUIRED = (
    "The Authorization Server requires End-User authentication. Prompt 'none' was requested, "
    "but no existing login session was found."
)
REDIRECT_HEADERS = {
    "cache-control": "no-store",
    "pragma": "no-cache",
    "referrer-policy": "no-referrer",
}


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    client = {
        "client_id": "web-app",
        "client_secret": "web-secret",
        "redirect_uris": [REDIRECT],
        "scopes": ["account.read", "offline", "openid"],
        "post_logout_redirect_uris": [LOGGED_OUT],
    }
    user = {"email": "dev@example.com", "password": "password", "name": "Dev User"}
    with MockServer(clients=[client], users=[user], auto_approve=False) as server:
        yield server.start()


@pytest.fixture
def browser(mock: MockServer) -> Iterator[httpx.Client]:
    mock.reset()
    with httpx.Client(base_url=mock.url) as client:
        yield client


def authorize_path(**params: str) -> str:
    query = {
        "client_id": "web-app",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "account.read",
        "state": STATE,
        **params,
    }
    return "/oauth2/auth?" + urlencode(query)


def assert_redirect_headers(response: httpx.Response) -> None:
    assert response.status_code == 303, response.text
    for name, value in REDIRECT_HEADERS.items():
        assert response.headers[name] == value


def test_prompt_none_without_a_session_redirects_login_required(browser: httpx.Client) -> None:
    response = browser.get(authorize_path(prompt="none"))
    assert_redirect_headers(response)
    query = {"error": "login_required", "error_description": LOGIN_REQUIRED, "state": STATE}
    assert response.headers["location"] == f"{REDIRECT}?{urlencode(sorted(query.items()))}"


def log_in_and_consent(browser: httpx.Client, **params: str) -> httpx.Response:
    """The login page (unless the browser has a session), the consent page, Allow."""
    page = browser.get(authorize_path(**params))
    if is_login_page(page):
        form = form_of(page)
        data = {**form.fields, "email": "dev@example.com", "password": "password"}
        logged_in = browser.post(form.action, data=data)
        assert logged_in.status_code == 303, logged_in.text
        page = browser.get(logged_in.headers["location"])
    assert is_consent_page(page), page.text
    form = form_of(page)
    return browser.post(form.action, data={**form.fields, "decision": "allow"})


def redeem(browser: httpx.Client, code: str) -> dict[str, str]:
    response = browser.post(
        "/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=SECRET_AUTH,
    )
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


# response_mode=fragment --------------------------------------------------------------------


def test_fragment_mode_success_is_a_303_with_the_answer_in_the_fragment(
    browser: httpx.Client,
) -> None:
    response = log_in_and_consent(browser, response_mode="fragment", scope="account.read offline")
    assert_redirect_headers(response)
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "#"), location
    assert urlsplit(location).query == ""
    answer = dict(parse_qsl(urlsplit(location).fragment))
    assert set(answer) == {"code", "scope", "state"}
    assert (answer["scope"], answer["state"]) == ("account.read offline", STATE)
    assert redeem(browser, answer["code"])["scope"] == "account.read offline"


def test_fragment_mode_error_is_a_303_with_the_error_in_the_fragment(
    browser: httpx.Client,
) -> None:
    response = browser.get(authorize_path(response_mode="fragment", scope="team.delete"))
    assert_redirect_headers(response)
    query = {
        "error": "invalid_scope",
        "error_description": scope_refused("team.delete"),
        "state": STATE,
    }
    assert response.headers["location"] == f"{REDIRECT}#{urlencode(sorted(query.items()))}"


# response_mode=form_post -------------------------------------------------------------------


def test_form_post_mode_success_is_a_page_posting_code_scope_and_state(
    browser: httpx.Client,
) -> None:
    response = log_in_and_consent(browser, response_mode="form_post", scope="account.read")
    action, fields = form_post_page(response)
    assert action == REDIRECT
    assert set(fields) == {"code", "scope", "state"}
    assert (fields["scope"], fields["state"]) == ("account.read", STATE)
    assert redeem(browser, fields["code"])["scope"] == "account.read"


def test_form_post_mode_error_is_a_page_posting_the_error(browser: httpx.Client) -> None:
    response = browser.get(authorize_path(response_mode="form_post", state="short"))
    action, fields = form_post_page(response)
    assert action == REDIRECT
    assert fields == {
        "error": "invalid_state",
        "error_description": "The state is missing or does not have enough characters and is "
        "therefore considered too weak. Request parameter 'state' must be at least be 8 "
        "characters long to ensure sufficient entropy.",
        "state": "short",
    }


# RP-initiated logout -----------------------------------------------------------------------


def test_logout_with_id_token_hint_ends_the_session_and_returns_with_state(
    browser: httpx.Client, mock: MockServer
) -> None:
    allowed = log_in_and_consent(browser, scope="openid", nonce="nonce-0123456789")
    code = dict(parse_qsl(urlsplit(allowed.headers["location"]).query))["code"]
    id_token = redeem(browser, code)["id_token"]
    assert jwt.decode(id_token, options={"verify_signature": False})["iss"] == mock.url
    discovery = browser.get("/.well-known/openid-configuration").json()
    assert discovery["end_session_endpoint"] == mock.url + "/oauth2/sessions/logout"

    query = {"id_token_hint": id_token, "post_logout_redirect_uri": LOGGED_OUT, "state": "bye"}
    response = browser.get("/oauth2/sessions/logout?" + urlencode(query))
    assert response.status_code == 302, response.text
    assert response.headers["location"] == LOGGED_OUT + "?state=bye"
    assert response.headers["cache-control"] == "no-store"
    assert 'frameio_mock_session=""' in response.headers["set-cookie"]
    # Logged out: prompt=none now finds no session, and a new authorization asks for a login.
    silent = browser.get(authorize_path(prompt="none"))
    assert_redirect_headers(silent)
    assert dict(parse_qsl(urlsplit(silent.headers["location"]).query))["error"] == (
        "login_required"
    )
    assert is_login_page(browser.get(authorize_path()))


def test_logout_without_a_hint_lands_on_hydras_fallback_page(
    browser: httpx.Client, mock: MockServer
) -> None:
    log_in_and_consent(browser)
    assert is_consent_page(browser.get(authorize_path()))  # logged in
    response = browser.get("/oauth2/sessions/logout")
    assert response.status_code == 302, response.text
    assert response.headers["location"] == mock.url + "/oauth2/fallbacks/logout/callback"
    page = browser.get(response.headers["location"])
    assert page.status_code == 200
    assert "You logged out successfully!" in page.text
    assert is_login_page(browser.get(authorize_path()))
