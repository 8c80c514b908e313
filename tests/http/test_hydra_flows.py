"""Behaviours clients depend on (docs/fidelity.md, "More of Hydra's behaviour"): response_mode
fragment and form_post, prompt=login and max_age, id_token rat/sid/acr, RP-initiated logout."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import jwt
import pytest

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.settings import ClientConfig, Settings, validate
from tests.conftest import REDIRECT, SCOPES, make_settings
from tests.http.authorize_support import assert_error_page, scope_refused
from tests.http.token_support import INVALID_REQUEST
from tests.pages import form_of, form_post_page, is_consent_page, is_login_page

pytestmark = pytest.mark.anyio

STATE = "state-12345"
LOGGED_OUT = "http://127.0.0.1:8765/logged-out"
REDIRECT_HEADERS = {
    "cache-control": "no-store",
    "pragma": "no-cache",
    "referrer-policy": "no-referrer",
}
SECRET_AUTH = ("secret-app", "s3cret")


@pytest.fixture
def settings() -> Settings:
    """Interactive mode; secret-app registers a post-logout redirect URI."""
    base = make_settings(auto_approve=False)
    clients = tuple(
        replace(client, post_logout_redirect_uris=(LOGGED_OUT,))
        if client.client_id == "secret-app"
        else client
        for client in base.clients
    )
    logout_less = ClientConfig("plain-app", (REDIRECT,), SCOPES, client_secret="pl4in")
    return validate(replace(base, clients=(*clients, logout_less)))


def auth_url(**params: str) -> str:
    query = {
        "client_id": "secret-app",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid offline",
        "state": STATE,
        "nonce": "nonce-0123456789",
    }
    query.update(params)
    return "/oauth2/auth?" + urlencode(query)


async def log_in_and_consent(http: httpx.AsyncClient, **params: str) -> httpx.Response:
    """Through the login page (or straight to consent with a session) and Allow."""
    page = await http.get(auth_url(**params))
    if is_login_page(page):
        form = form_of(page)
        data = {**form.fields, "email": "dev@example.com", "password": "password"}
        logged_in = await http.post(form.action, data=data)
        assert logged_in.status_code == 303, logged_in.text
        page = await http.get(logged_in.headers["location"])
    assert is_consent_page(page), page.text
    form = form_of(page)
    return await http.post(form.action, data={**form.fields, "decision": "allow"})


async def redeem(http: httpx.AsyncClient, code: str) -> dict[str, str]:
    response = await http.post(
        "/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=SECRET_AUTH,
    )
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def claims_of(id_token: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(id_token, options={"verify_signature": False})
    return claims


# response_mode ---------------------------------------------------------------------------


async def test_fragment_mode_answers_in_the_fragment(http: httpx.AsyncClient) -> None:
    response = await log_in_and_consent(http, response_mode="fragment")
    assert response.status_code == 303
    for name, value in REDIRECT_HEADERS.items():
        assert response.headers[name] == value
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "#")
    assert urlsplit(location).query == ""
    answer = dict(parse_qsl(urlsplit(location).fragment))
    assert set(answer) == {"code", "scope", "state"}
    assert (answer["scope"], answer["state"]) == ("openid offline", STATE)
    assert answer["code"].startswith("ory_ac_")


async def test_fragment_mode_errors_go_in_the_fragment_too(http: httpx.AsyncClient) -> None:
    response = await http.get(auth_url(response_mode="fragment", scope="team.delete"))
    assert response.status_code == 303
    query = {
        "error": "invalid_scope",
        "error_description": scope_refused("team.delete"),
        "state": STATE,
    }
    assert response.headers["location"] == f"{REDIRECT}#{urlencode(sorted(query.items()))}"


async def test_form_post_mode_is_a_page_that_posts_the_answer(http: httpx.AsyncClient) -> None:
    response = await log_in_and_consent(http, response_mode="form_post")
    action, fields = form_post_page(response)
    assert action == REDIRECT
    assert set(fields) == {"code", "scope", "state"}
    assert (fields["scope"], fields["state"]) == ("openid offline", STATE)
    # The one inline script that submits the form runs, by its hash; nothing else may.
    script = re.search(r"<script>(.*?)</script>", response.text)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    csp = response.headers["content-security-policy"]
    assert f"script-src 'sha256-{digest}'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["cache-control"] == "no-store"
    tokens = await redeem(http, fields["code"])
    assert tokens["scope"] == "openid offline"


async def test_form_post_mode_errors_are_posted_too(http: httpx.AsyncClient) -> None:
    response = await http.get(auth_url(response_mode="form_post", state="short"))
    action, fields = form_post_page(response)
    assert action == REDIRECT
    assert fields == {
        "error": "invalid_state",
        "error_description": "The state is missing or does not have enough characters and is "
        "therefore considered too weak. Request parameter 'state' must be at least be 8 "
        "characters long to ensure sufficient entropy.",
        "state": "short",
    }


# prompt=login and max_age ----------------------------------------------------------------


async def test_prompt_login_shows_the_login_page_despite_a_session(
    http: httpx.AsyncClient,
) -> None:
    await log_in_and_consent(http)
    assert is_consent_page(await http.get(auth_url()))  # the session skips the login...
    assert is_login_page(await http.get(auth_url(prompt="login")))  # ...unless asked


async def test_max_age_older_than_the_login_shows_the_login_page(
    http: httpx.AsyncClient, clock: Clock
) -> None:
    await log_in_and_consent(http)
    clock.advance(120)
    assert is_consent_page(await http.get(auth_url(max_age="300")))
    assert is_login_page(await http.get(auth_url(max_age="60")))


# id_token ----------------------------------------------------------------------------------


async def test_id_token_has_rat_sid_and_acr(http: httpx.AsyncClient, clock: Clock) -> None:
    requested_at = int(clock.now())
    page = await http.get(auth_url(acr_values="urn:mace:incommon:iap:silver"))
    form = form_of(page)
    clock.advance(30)  # the user takes a while to log in
    data = {**form.fields, "email": "dev@example.com", "password": "password"}
    consent = await http.get((await http.post(form.action, data=data)).headers["location"])
    allowed = await http.post(
        form_of(consent).action, data={**form_of(consent).fields, "decision": "allow"}
    )
    code = dict(parse_qsl(urlsplit(allowed.headers["location"]).query))["code"]
    first = claims_of((await redeem(http, code))["id_token"])
    assert first["rat"] == requested_at
    assert first["auth_time"] == requested_at + 30
    assert first["acr"] == "0"
    assert isinstance(first["sid"], str) and first["sid"]
    # The same browser session names the same sid; no acr_values, no acr.
    again = await log_in_and_consent(http)
    code = dict(parse_qsl(urlsplit(again.headers["location"]).query))["code"]
    second = claims_of((await redeem(http, code))["id_token"])
    assert second["sid"] == first["sid"]
    assert "acr" not in second
    # The sid is not the session cookie: an id_token does not hand out the browser's login.
    assert first["sid"] not in http.cookies.values()


# RP-initiated logout -----------------------------------------------------------------------


async def test_logout_with_id_token_hint_ends_the_session_and_returns_with_state(
    http: httpx.AsyncClient,
) -> None:
    allowed = await log_in_and_consent(http)
    code = dict(parse_qsl(urlsplit(allowed.headers["location"]).query))["code"]
    id_token = (await redeem(http, code))["id_token"]
    query = {"id_token_hint": id_token, "post_logout_redirect_uri": LOGGED_OUT, "state": "bye"}
    response = await http.get("/oauth2/sessions/logout?" + urlencode(query))
    assert response.status_code == 302, response.text
    assert response.headers["location"] == LOGGED_OUT + "?state=bye"
    assert response.headers["cache-control"] == "no-store"
    assert 'frameio_mock_session=""' in response.headers["set-cookie"]
    # The browser session is gone: the next authorization asks for a login again.
    assert is_login_page(await http.get(auth_url()))


async def test_logout_keeps_nobody_logged_in_even_with_the_old_cookie(
    http: httpx.AsyncClient, context: Context
) -> None:
    allowed = await log_in_and_consent(http)
    cookie = http.cookies["frameio_mock_session"]
    code = dict(parse_qsl(urlsplit(allowed.headers["location"]).query))["code"]
    id_token = (await redeem(http, code))["id_token"]
    await http.get("/oauth2/sessions/logout?" + urlencode({"id_token_hint": id_token}))
    assert await context.store.find_session(cookie, context.clock.now()) is None
    http.cookies.set("frameio_mock_session", cookie)
    response = await http.get(auth_url(prompt="none"))
    assert dict(parse_qsl(urlsplit(response.headers["location"]).query))["error"] == (
        "login_required"
    )


async def test_logout_refuses_an_unregistered_post_logout_redirect_uri(
    http: httpx.AsyncClient,
) -> None:
    allowed = await log_in_and_consent(http)
    code = dict(parse_qsl(urlsplit(allowed.headers["location"]).query))["code"]
    id_token = (await redeem(http, code))["id_token"]
    query = {"id_token_hint": id_token, "post_logout_redirect_uri": "https://evil.example/"}
    response = await http.get("/oauth2/sessions/logout?" + urlencode(query))
    hint = (
        "Logout failed because query parameter post_logout_redirect_uri is not a whitelisted "
        "as a post_logout_redirect_uri for the client."
    )
    assert_error_page(response, 400, "invalid_request", f"{INVALID_REQUEST} {hint}")
    assert is_consent_page(await http.get(auth_url()))  # still logged in


async def test_logout_without_hint_refuses_a_redirect_or_state(http: httpx.AsyncClient) -> None:
    for name, hint in (
        (
            "post_logout_redirect_uri",
            "Logout failed because query parameter post_logout_redirect_uri is set but "
            "id_token_hint is missing.",
        ),
        (
            "state",
            "Logout failed because query parameter state is set but id_token_hint is missing.",
        ),
    ):
        response = await http.get("/oauth2/sessions/logout?" + urlencode({name: LOGGED_OUT}))
        assert_error_page(response, 400, "invalid_request", f"{INVALID_REQUEST} {hint}")


async def test_logout_without_hint_lands_on_hydras_fallback_page(http: httpx.AsyncClient) -> None:
    await log_in_and_consent(http)
    response = await http.get("/oauth2/sessions/logout")
    assert response.status_code == 302
    assert response.headers["location"] == "http://mock.test/oauth2/fallbacks/logout/callback"
    page = await http.get(response.headers["location"])
    assert page.status_code == 200
    assert "You logged out successfully!" in page.text
    assert is_login_page(await http.get(auth_url()))


async def test_logout_refuses_a_forged_id_token_hint(http: httpx.AsyncClient) -> None:
    forged = jwt.encode({"iss": "http://mock.test", "sid": "x", "sub": "y"}, "k" * 32)
    response = await http.get("/oauth2/sessions/logout?" + urlencode({"id_token_hint": forged}))
    hint = (
        "Logout failed because query parameter id_token_hint is not an ID Token issued by this "
        "server."
    )
    assert_error_page(response, 400, "invalid_request", f"{INVALID_REQUEST} {hint}")
