"""The interactive authorization: login page, consent page, CSRF, sessions, escaping.

Behaviour from the issue ("GET /oauth2/auth", interactive) and docs/fidelity.md.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from markupsafe import escape

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.interaction import PENDING_TTL
from frameio_oauth_mock.mockserver.settings import ClientConfig, Settings
from tests.conftest import REDIRECT, SCOPES, make_settings, pkce_pair, pkce_redemption
from tests.http.authorize_support import ACCESS_DENIED
from tests.pages import Form, form_of, is_consent_page, is_login_page

pytestmark = pytest.mark.anyio

STATE = "state-12345"
XSS = "<script>alert(1)</script>"
XSS_ATTRIBUTE = '"><script>alert(2)</script>'
XSS_NAME = "<script>alert('name')</script> & \"Co\""


@pytest.fixture
def settings() -> Settings:
    """Interactive mode, plus a client whose display name is an XSS payload."""
    evil = ClientConfig("evil-app", (REDIRECT,), SCOPES, client_secret="3vil", name=XSS_NAME)
    return make_settings(auto_approve=False, extra_clients=(evil,))


def error_of(response: httpx.Response) -> tuple[str, str]:
    found = {
        key: html.unescape(value)
        for key, value in re.findall(r'id="(error|error_description)">(.*?)</', response.text)
    }
    return found["error"], found["error_description"]


def full_query(location: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(location).query, keep_blank_values=True))


def assert_page_headers(response: httpx.Response) -> None:
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "same-origin"


def assert_refused(response: httpx.Response, status: int, error: str = "invalid_request") -> None:
    assert response.status_code == status, response.text
    assert "location" not in response.headers
    assert error_of(response)[0] == error
    assert_page_headers(response)


# Driving the pages ---------------------------------------------------------------------------


async def start(http: httpx.AsyncClient, **changes: str | None) -> httpx.Response:
    params: dict[str, str | None] = {
        "client_id": "secret-app",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "account.read offline",
        "state": STATE,
    }
    params.update(changes)
    query = {key: value for key, value in params.items() if value is not None}
    return await http.get("/oauth2/auth", params=query)


async def submit(http: httpx.AsyncClient, form: Form, **values: str | None) -> httpx.Response:
    data = dict(form.fields)
    data.update({key: value for key, value in values.items() if value is not None})
    for key in [key for key, value in values.items() if value is None]:
        data.pop(key, None)
    return await http.post(form.action, data=data)


async def log_in(
    http: httpx.AsyncClient,
    login_page: httpx.Response,
    email: str = "dev@example.com",
    password: str = "password",
) -> httpx.Response:
    """Submit the login form and follow its redirect to the consent page."""
    response = await submit(http, form_of(login_page), email=email, password=password)
    assert response.status_code == 303, response.text
    consent = await http.get(response.headers["location"])
    assert consent.status_code == 200, consent.text
    assert is_consent_page(consent)
    return consent


async def consent_page(http: httpx.AsyncClient, **changes: str | None) -> httpx.Response:
    login = await start(http, **changes)
    assert is_login_page(login), login.text
    return await log_in(http, login)


async def redeem(http: httpx.AsyncClient, code: str) -> httpx.Response:
    return await http.post(
        "/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=("secret-app", "s3cret"),
    )


# Login ---------------------------------------------------------------------------------------


async def test_authorization_shows_the_login_page(http: httpx.AsyncClient) -> None:
    response = await start(http)
    assert response.status_code == 200
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert is_login_page(response)
    assert "Secret App" in response.text
    assert_page_headers(response)
    form = form_of(response)
    assert form.action == "/oauth2/auth/login"
    assert form.fields["challenge"]
    assert form.fields["csrf_token"]
    # The browser holds the secret the token is derived from, as an HttpOnly cookie that
    # the page never shows (issue 16: the form values alone approve nothing).
    (secret,) = [v for n, v in http.cookies.items() if n.startswith("frameio_mock_csrf_")]
    assert secret not in response.text
    assert "httponly" in response.headers["set-cookie"].lower()


async def test_validation_still_comes_first(http: httpx.AsyncClient) -> None:
    response = await start(http, state="short")
    assert response.status_code == 303
    query = full_query(response.headers["location"])
    assert query["error"] == "invalid_state"
    assert query["state"] == "short"
    response = await start(http, client_id="nobody")
    assert_refused(response, 401, "invalid_client")


async def test_post_to_the_authorization_endpoint_shows_the_login_page(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(
        "/oauth2/auth",
        data={
            "client_id": "secret-app",
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": "account.read",
            "state": STATE,
        },
    )
    assert response.status_code == 200
    assert is_login_page(response)


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("dev@example.com", "wrong"),
        ("dev@example.com", "Password"),
        ("dev@example.com", ""),
        ("dev@example.com", "hunter22"),
        ("nobody@example.com", "password"),
        ("", ""),
    ],
)
async def test_wrong_credentials_reshow_the_login_page(
    http: httpx.AsyncClient, email: str, password: str
) -> None:
    login = await start(http)
    response = await submit(http, form_of(login), email=email, password=password)
    assert response.status_code in (200, 401)
    assert "location" not in response.headers
    assert is_login_page(response)
    assert "The email address or password is incorrect." in response.text
    assert_page_headers(response)
    again = form_of(response)
    assert again.fields["challenge"] == form_of(login).fields["challenge"]
    assert again.fields["email"] == email
    # The same pending authorization can still be completed.
    consent = await log_in(http, response)
    assert "Secret App" in consent.text


async def test_right_password_leads_to_the_consent_page(http: httpx.AsyncClient) -> None:
    login = await start(http, scope="account.read asset.read offline")
    response = await submit(http, form_of(login), email="dev@example.com", password="password")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/oauth2/auth/consent?")
    assert not location.startswith(REDIRECT)
    consent = await http.get(location)
    assert consent.status_code == 200
    assert_page_headers(consent)
    assert is_consent_page(consent)
    assert "Secret App" in consent.text
    for scope in ("account.read", "asset.read", "offline"):
        assert f"<code>{scope}</code>" in consent.text
    assert "openid" not in consent.text
    assert "Dev User" in consent.text
    form = form_of(consent)
    assert form.action == "/oauth2/auth/consent"
    assert form.buttons == {"decision": ["allow", "deny"]}


async def test_email_is_case_insensitive_and_picks_that_user(
    http: httpx.AsyncClient, context: Context, clock: Clock
) -> None:
    login = await start(http)
    consent = await log_in(http, login, email="OTHER@Example.com", password="hunter22")
    assert "Other User" in consent.text
    response = await submit(http, form_of(consent), decision="allow")
    code = full_query(response.headers["location"])["code"]
    record = await context.store.find_code(code)
    other = context.registry.user_by_email("other@example.com")
    assert record is not None and other is not None
    assert record.grant.subject == other.id


# Consent -------------------------------------------------------------------------------------


async def test_allow_redirects_with_a_code_that_redeems(http: httpx.AsyncClient) -> None:
    consent = await consent_page(http)
    response = await submit(http, form_of(consent), decision="allow")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    query = full_query(location)
    assert set(query) == {"code", "scope", "state"}
    assert query["scope"] == "account.read offline"
    assert query["state"] == STATE
    token = await redeem(http, query["code"])
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["scope"] == "account.read offline"
    assert body["token_type"] == "bearer"
    assert "refresh_token" in body


async def test_allow_keeps_the_redirect_uris_own_query(http: httpx.AsyncClient) -> None:
    uri = "https://app.example.com/cb?tenant=1"
    consent = await consent_page(http, client_id="two-uri-app", redirect_uri=uri)
    response = await submit(http, form_of(consent), decision="allow")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("https://app.example.com/cb?")
    query = full_query(location)
    assert query["tenant"] == "1"
    assert query["state"] == STATE
    assert query["code"].startswith("ory_ac_")


async def test_pkce_app_allow_redeems_with_the_verifier(http: httpx.AsyncClient) -> None:
    verifier, challenge = pkce_pair()
    consent = await consent_page(
        http, client_id="pkce-app", code_challenge=challenge, code_challenge_method="S256"
    )
    assert "PKCE App" in consent.text
    response = await submit(http, form_of(consent), decision="allow")
    code = full_query(response.headers["location"])["code"]
    token = await http.post("/oauth2/token", data=pkce_redemption(code, verifier))
    assert token.status_code == 200, token.text


@pytest.mark.parametrize("decision", ["deny", None, "ALLOW", "yes"])
async def test_anything_but_allow_is_access_denied(
    http: httpx.AsyncClient, decision: str | None
) -> None:
    consent = await consent_page(http)
    response = await submit(http, form_of(consent), decision=decision)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    query = full_query(location)
    assert query == {
        "error": "access_denied",
        "error_description": ACCESS_DENIED + " The resource owner denied the request.",
        "state": STATE,
    }


async def test_consent_is_answered_once(http: httpx.AsyncClient) -> None:
    consent = await consent_page(http)
    form = form_of(consent)
    first = await submit(http, form, decision="allow")
    assert first.status_code == 303
    again = await submit(http, form, decision="allow")
    assert_refused(again, 400)
    assert error_of(again)[1].endswith(
        "The authorization request is unknown or has expired; start the flow again."
    )


async def test_second_authorization_goes_straight_to_consent(http: httpx.AsyncClient) -> None:
    consent = await consent_page(http)
    await submit(http, form_of(consent), decision="allow")
    second = await start(http, state="second-state-1", scope="account.read")
    assert second.status_code == 200
    assert is_consent_page(second)
    assert_page_headers(second)
    assert "Dev User" in second.text
    response = await submit(http, form_of(second), decision="allow")
    query = full_query(response.headers["location"])
    assert query["state"] == "second-state-1"
    assert query["scope"] == "account.read"
    token = await redeem(http, query["code"])
    assert token.status_code == 200, token.text


async def test_another_browser_must_log_in(http: httpx.AsyncClient) -> None:
    await consent_page(http)
    http.cookies.clear()
    response = await start(http)
    assert is_login_page(response)


async def test_session_outlives_a_pending_authorization_but_not_a_day(
    http: httpx.AsyncClient, clock: Clock
) -> None:
    await consent_page(http)
    clock.advance(2 * 3600)
    assert is_consent_page(await start(http))
    clock.advance(24 * 3600)
    assert is_login_page(await start(http))


# CSRF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "cookie"),
    [
        pytest.param(None, "keep", id="form-field-missing"),
        pytest.param("", "keep", id="form-field-empty"),
        pytest.param("wrong", "keep", id="form-field-wrong"),
        pytest.param("keep", None, id="cookie-missing"),
        pytest.param("keep", "wrong", id="cookie-wrong"),
        pytest.param(None, None, id="both-missing"),
        pytest.param("wrong", "wrong", id="both-wrong-but-equal"),
    ],
)
@pytest.mark.parametrize("step", ["login", "consent"])
async def test_post_without_the_right_csrf_token_is_refused(
    http: httpx.AsyncClient, step: str, field: str | None, cookie: str | None
) -> None:
    page = await start(http) if step == "login" else await consent_page(http)
    form = form_of(page)
    (cookie_name,) = [name for name in http.cookies if name.startswith("frameio_mock_csrf_")]
    if cookie is None:
        http.cookies.delete(cookie_name)
    elif cookie != "keep":
        http.cookies.set(cookie_name, cookie, domain="mock.test", path="/oauth2/auth")
    data = dict(form.fields)
    if field is None:
        del data["csrf_token"]
    elif field != "keep":
        data["csrf_token"] = field
    if step == "login":
        data.update(email="dev@example.com", password="password")
    else:
        data["decision"] = "allow"
    response = await http.post(form.action, data=data)
    assert_refused(response, 403)
    assert "CSRF" in error_of(response)[1]
    if step == "login":
        # Not logged in: the next authorization still asks for credentials.
        assert "frameio_mock_session" not in response.headers.get("set-cookie", "")


async def test_csrf_token_of_another_pending_authorization_is_refused(
    http: httpx.AsyncClient,
) -> None:
    first = form_of(await start(http))
    second = form_of(await start(http, state="another-state"))
    assert first.fields["csrf_token"] != second.fields["csrf_token"]
    data = dict(first.fields, csrf_token=second.fields["csrf_token"])
    data.update(email="dev@example.com", password="password")
    response = await http.post(first.action, data=data)
    assert_refused(response, 403)
    # Each tab's own token still works.
    response = await submit(http, first, email="dev@example.com", password="password")
    assert response.status_code == 303


async def test_csrf_failure_leaves_the_authorization_usable(http: httpx.AsyncClient) -> None:
    consent = await consent_page(http)
    form = form_of(consent)
    refused = await submit(http, form, csrf_token="wrong", decision="allow")
    assert refused.status_code == 403
    response = await submit(http, form, decision="allow")
    assert response.status_code == 303
    assert "code" in full_query(response.headers["location"])


# Unknown or expired challenges ---------------------------------------------------------------


@pytest.mark.parametrize("challenge", ["", "nope", None])
async def test_unknown_challenge_is_refused(http: httpx.AsyncClient, challenge: str | None) -> None:
    login = form_of(await start(http))
    response = await submit(
        http, login, challenge=challenge, email="dev@example.com", password="password"
    )
    assert_refused(response, 400)
    consent = await submit(http, login, challenge=challenge, decision="allow")
    assert_refused(consent, 400)
    shown = await http.get("/oauth2/auth/consent", params={"challenge": challenge or ""})
    assert_refused(shown, 400)


async def test_expired_challenge_is_refused(http: httpx.AsyncClient, clock: Clock) -> None:
    login = form_of(await start(http))
    clock.advance(PENDING_TTL + 1)
    response = await submit(http, login, email="dev@example.com", password="password")
    assert_refused(response, 400)
    assert "unknown or has expired" in error_of(response)[1]


async def test_consent_expires_too(http: httpx.AsyncClient, clock: Clock) -> None:
    consent = await consent_page(http)
    clock.advance(PENDING_TTL + 1)
    response = await submit(http, form_of(consent), decision="allow")
    assert_refused(response, 400)


async def test_consent_page_before_login_shows_the_login_page(http: httpx.AsyncClient) -> None:
    login = form_of(await start(http))
    shown = await http.get("/oauth2/auth/consent", params={"challenge": login.fields["challenge"]})
    assert shown.status_code == 200
    assert is_login_page(shown)
    response = await submit(http, login, decision="allow")
    assert response.status_code != 303
    assert "location" not in response.headers
    assert is_login_page(response)


async def test_consent_answer_before_login_shows_the_login_page(
    http: httpx.AsyncClient,
) -> None:
    """A consent POST for a request nobody has logged in to yet issues nothing: it shows the
    login page, and the authorization goes on normally after the login."""
    login_page = await start(http)
    login = form_of(login_page)
    early = await http.post(
        "/oauth2/auth/consent",
        data={
            "challenge": login.fields["challenge"],
            "csrf_token": login.fields["csrf_token"],
            "decision": "allow",
        },
    )
    assert early.status_code == 200, early.text
    assert "location" not in early.headers
    assert is_login_page(early)
    assert_page_headers(early)

    consent = await log_in(http, login_page)
    allowed = await submit(http, form_of(consent), decision="allow")
    assert allowed.status_code == 303
    code = full_query(allowed.headers["location"])["code"]
    assert (await redeem(http, code)).status_code == 200


# Escaping ------------------------------------------------------------------------------------


def assert_no_raw_script(response: httpx.Response) -> None:
    assert "<script" not in response.text.lower()


async def test_state_payload_is_never_reflected_raw(http: httpx.AsyncClient) -> None:
    state = XSS + XSS_ATTRIBUTE
    login = await start(http, state=state)
    assert login.status_code == 200
    assert_no_raw_script(login)
    consent = await log_in(http, login)
    assert_no_raw_script(consent)
    response = await submit(http, form_of(consent), decision="allow")
    assert full_query(response.headers["location"])["state"] == state


async def test_login_hint_payload_is_escaped(http: httpx.AsyncClient) -> None:
    login = await start(http, login_hint=XSS_ATTRIBUTE)
    assert login.status_code == 200
    assert_no_raw_script(login)
    assert "&lt;script&gt;" in login.text
    # The hint pre-fills the email field, as an attribute value, intact.
    assert form_of(login).fields["email"] == XSS_ATTRIBUTE


async def test_login_hint_prefills_the_email(http: httpx.AsyncClient) -> None:
    login = await start(http, login_hint="other@example.com")
    assert form_of(login).fields["email"] == "other@example.com"


async def test_submitted_email_payload_is_escaped(http: httpx.AsyncClient) -> None:
    login = await start(http)
    response = await submit(http, form_of(login), email=XSS_ATTRIBUTE, password="x")
    assert is_login_page(response)
    assert_no_raw_script(response)
    assert form_of(response).fields["email"] == XSS_ATTRIBUTE


async def test_client_name_payload_is_escaped(http: httpx.AsyncClient) -> None:
    login = await start(http, client_id="evil-app")
    assert login.status_code == 200
    assert_no_raw_script(login)
    assert str(escape(XSS_NAME)) in login.text
    consent = await log_in(http, login)
    assert_no_raw_script(consent)
    assert str(escape(XSS_NAME)) in consent.text
