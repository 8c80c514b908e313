"""The login, consent and error pages in headless Chromium (issue 17, part 5): a user signs in,
allows or denies, switches user, and nothing on any page runs script it did not ship."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from frameio_oauth_mock.mockserver import MockServer
from tests.browser import flows
from tests.browser.support import REDIRECT


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(**flows.SERVER) as running:
        yield running


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    server.reset()
    return server


def callback_query(page: Any) -> dict[str, str]:
    page.wait_for_url(REDIRECT + "**")
    return {name: values[0] for name, values in parse_qs(urlsplit(page.url).query).items()}


def test_sign_in_and_allow_gives_the_app_a_working_code(mock: MockServer, page: Any):
    flows.catch_callbacks(page)
    flows.open_login(mock, page)
    assert page.locator("h1").inner_text() == "Sign in to Frame.io"
    flows.sign_in(page)
    page.click("button[value=allow]")
    query = callback_query(page)
    assert query["state"] == "browser-state-1234"
    token = httpx.post(
        mock.token_url,
        data={"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT},
        auth=("web-app", "web-secret"),
    )
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "account.read asset.read offline openid"


def test_a_wrong_password_keeps_the_user_on_the_login_page(mock: MockServer, page: Any):
    flows.open_login(mock, page)
    flows.sign_in(page, password="not-it")
    assert (
        page.locator("[role=alert]").inner_text() == "The email address or password is incorrect."
    )
    assert page.input_value("#email") == "dev@example.com"


def test_deny_sends_access_denied_back(mock: MockServer, page: Any):
    flows.catch_callbacks(page)
    flows.open_consent(mock, page)
    page.click("button[value=deny]")
    query = callback_query(page)
    assert query["error"] == "access_denied"
    assert query["state"] == "browser-state-1234"
    assert "code" not in query


def test_a_second_authorization_in_the_same_browser_skips_the_login(mock: MockServer, page: Any):
    flows.catch_callbacks(page)
    flows.open_consent(mock, page)
    page.click("button[value=allow]")
    callback_query(page)
    page.goto(flows.authorize_url(mock))
    assert page.locator("button[value=allow]").is_visible()


def test_consent_explains_each_scope(mock: MockServer, page: Any):
    flows.open_consent(mock, page)
    scopes = page.locator("ul.scopes li")
    assert scopes.count() == 4
    assert scopes.nth(0).inner_text() == "See your account and its settings\naccount.read"
    assert "Stay connected when you are away" in scopes.nth(2).inner_text()


def test_not_you_signs_in_as_another_user_for_the_same_authorization(mock: MockServer, page: Any):
    flows.catch_callbacks(page)
    flows.open_consent(mock, page)
    assert "Dev User" in page.inner_text("main")
    page.click("#switch-user")
    flows.sign_in(page, "qa@example.com", "qa-password")
    page.wait_for_selector("button[value=allow]")
    assert "QA Person" in page.inner_text("main") and "Dev User" not in page.inner_text("main")
    page.click("button[value=allow]")
    query = callback_query(page)
    assert query["state"] == "browser-state-1234"
    tokens = httpx.post(
        mock.token_url,
        data={"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT},
        auth=("web-app", "web-secret"),
    ).json()
    me = httpx.get(
        mock.url + "/v2/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.json()["email"] == "qa@example.com"


def test_adobe_ims_pages_say_adobe(mock: MockServer, page: Any):
    flows.open_login(mock, page, "ims-web")
    assert page.locator("h1").inner_text() == "Sign in with your Adobe ID"
    assert page.locator(".brand").inner_text().lower() == "adobe"
    assert "Frame.io" not in page.locator("main").inner_text().replace("Frame.io V4", "")
    assert page.title().startswith("Sign in")
    flows.sign_in(page)
    page.wait_for_selector("button[value=allow]")
    assert page.locator(".brand").inner_text().lower() == "adobe"
    assert "See your email address" in page.inner_text("ul.scopes")


@pytest.mark.parametrize("step", ["login", "consent", "error"])
def test_pages_fit_a_phone(mock: MockServer, browser: Any, step: str):
    context = browser.new_context(viewport=flows.PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    if step == "login":
        flows.open_login(mock, page)
    elif step == "consent":
        flows.open_consent(mock, page)
    else:
        page.goto(mock.url + "/oauth2/auth?client_id=nobody")
    # Nothing wider than the screen, and the buttons span it.
    assert page.evaluate("document.documentElement.scrollWidth") <= flows.PHONE["width"]
    for button in page.locator("button").all():
        box = button.bounding_box()
        assert box is not None and box["width"] >= flows.PHONE["width"] * 0.8
    context.close()


def test_the_login_commands_callback_page_looks_like_the_rest(page: Any):
    from frameio_oauth_mock.client._login import _CallbackServer

    listener = _CallbackServer("127.0.0.1", 0, "/callback")
    thread = threading.Thread(target=listener.handle_request, daemon=True)
    thread.start()
    page.goto(f"http://127.0.0.1:{listener.port}/callback?code=abc&state=xyz")
    heading = page.locator("h1")
    assert heading.inner_text() == "Authorization received"
    assert heading.get_attribute("class") == "ok"
    # Styled like the mock's pages: the same dark card.
    assert page.evaluate("getComputedStyle(document.querySelector('main')).borderRadius") == "12px"
    assert listener.callback == "/callback?code=abc&state=xyz"
    thread.join(5)
    listener.server_close()
