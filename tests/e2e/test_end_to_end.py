"""The whole life of an integration against the in-process app, as a browser and a client see it.

Interactive mode: the login page, the consent page, the code in the redirect, the exchange,
GET /v2/me, a refresh (the old access token stops working), and revocation (issue 3).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.settings import Settings
from tests.conftest import REDIRECT, bearer, make_settings, pkce_pair, query_of
from tests.pages import Form, form_of

pytestmark = pytest.mark.anyio

STATE = "e2e-state-0123456789"


@pytest.fixture
def settings() -> Settings:
    return make_settings(auto_approve=False)


@pytest.fixture
def browser(http: httpx.AsyncClient) -> httpx.AsyncClient:
    """One client for the whole flow: the cookies it is given come back like a browser's."""
    return http


def only_form(response: httpx.Response) -> Form:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    form = form_of(response)
    assert form.method == "post"
    assert {"challenge", "csrf_token"} <= set(form.hidden)
    assert all(form.hidden[name] for name in ("challenge", "csrf_token"))
    return form


async def log_in_and_consent(
    browser: httpx.AsyncClient, query: dict[str, str], email: str, password: str
) -> dict[str, str]:
    """Drive the pages like a user; returns the parameters of the redirect to the client."""
    login_page = await browser.get("/oauth2/auth", params=query)
    login = only_form(login_page)
    assert {"email", "password"} <= login.inputs

    logged_in = await browser.post(
        login.action, data={**login.hidden, "email": email, "password": password}
    )
    assert logged_in.status_code == 303, logged_in.text
    consent_url = logged_in.headers["location"]
    assert not urlsplit(consent_url).netloc or urlsplit(consent_url).netloc == "mock.test"

    consent_page = await browser.get(consent_url)
    consent = only_form(consent_page)
    assert "allow" in consent.buttons.get("decision", [])
    assert "account.read" in consent_page.text

    approved = await browser.post(consent.action, data={**consent.hidden, "decision": "allow"})
    assert approved.status_code == 303, approved.text
    location = approved.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    return query_of(location)


@pytest.mark.parametrize("client", ["secret-app", "pkce-app"])
async def test_login_consent_exchange_call_refresh_revoke(
    browser: httpx.AsyncClient, settings: Settings, clock: Clock, client: str
) -> None:
    verifier, challenge = pkce_pair()
    query = {
        "client_id": client,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "account.read offline openid",
        "state": STATE,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    answer = await log_in_and_consent(browser, query, "other@example.com", "hunter22")
    assert answer["state"] == STATE
    assert answer["scope"] == "account.read offline openid"
    assert "error" not in answer

    # The client exchanges the code.
    # The confidential app sends HTTP Basic; the PKCE app its client_id in the body.
    confidential = client == "secret-app"
    auth = httpx.BasicAuth("secret-app", "s3cret") if confidential else httpx.USE_CLIENT_DEFAULT
    identity = {} if confidential else {"client_id": client}

    async def token(data: dict[str, str]) -> httpx.Response:
        return await browser.post("/oauth2/token", data={**data, **identity}, auth=auth)

    exchanged = await token(
        {
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        }
    )
    assert exchanged.status_code == 200, exchanged.text
    first = exchanged.json()
    assert first["token_type"] == "bearer"
    assert first["scope"] == "account.read offline openid"
    assert {"access_token", "refresh_token", "id_token"} <= set(first)

    # The API knows who logged in.
    other = next(user for user in settings.users if user.email == "other@example.com")
    me = await browser.get("/v2/me", headers=bearer(first["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["id"] == other.id
    assert me.json()["email"] == "other@example.com"
    assert me.json()["name"] == "Other User"
    assert me.json()["account_id"] == other.account_id

    # Refresh after a while: a new pair, the old access token is refused, the new one works.
    clock.advance(600)
    refreshed = await token(
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.json()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == "account.read offline openid"

    stale = await browser.get("/v2/me", headers=bearer(first["access_token"]))
    assert stale.status_code == 401
    assert stale.headers["www-authenticate"].startswith("Bearer")
    current = await browser.get("/v2/me", headers=bearer(second["access_token"]))
    assert current.status_code == 200
    assert current.json()["id"] == other.id

    # Logging out: revoke the refresh token; the access token of the pair dies with it.
    revoked = await browser.post(
        "/oauth2/revoke", data={"token": second["refresh_token"], **identity}, auth=auth
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.content == b""

    refused = await browser.get("/v2/me", headers=bearer(second["access_token"]))
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    again = await token({"grant_type": "refresh_token", "refresh_token": second["refresh_token"]})
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


async def test_second_authorization_reuses_the_login_session(browser: httpx.AsyncClient) -> None:
    """Once logged in, the browser's session cookie skips the login page and goes to consent."""
    query = {
        "client_id": "secret-app",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "account.read",
        "state": STATE,
    }
    first = await log_in_and_consent(browser, query, "dev@example.com", "password")
    assert "code" in first

    page = await browser.get("/oauth2/auth", params=query)
    form = only_form(page)
    assert "decision" in form.buttons  # the consent page, not the login page
    approved = await browser.post(form.action, data={**form.hidden, "decision": "allow"})
    second = query_of(approved.headers["location"])
    assert second["code"] != first["code"]

    exchanged = await browser.post(
        "/oauth2/token",
        data={"grant_type": "authorization_code", "code": second["code"], "redirect_uri": REDIRECT},
        auth=("secret-app", "s3cret"),
    )
    assert exchanged.status_code == 200, exchanged.text
    me = await browser.get("/v2/me", headers=bearer(exchanged.json()["access_token"]))
    assert me.json()["email"] == "dev@example.com"


async def test_denied_consent_gives_no_code(browser: httpx.AsyncClient) -> None:
    query = {
        "client_id": "secret-app",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "account.read",
        "state": STATE,
    }
    login = only_form(await browser.get("/oauth2/auth", params=query))
    logged_in = await browser.post(
        login.action, data={**login.hidden, "email": "dev@example.com", "password": "password"}
    )
    consent = only_form(await browser.get(logged_in.headers["location"]))
    denied = await browser.post(consent.action, data={**consent.hidden, "decision": "deny"})
    assert denied.status_code == 303
    answer = query_of(denied.headers["location"])
    assert answer["error"] == "access_denied"
    assert answer["state"] == STATE
    assert "code" not in answer
