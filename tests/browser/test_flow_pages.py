"""The login, consent and error pages in headless Chromium (issue 17, part 5): a user signs in,
allows or denies, switches user, and nothing on any page runs script it did not ship."""

from __future__ import annotations

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
