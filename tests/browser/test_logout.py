"""RP-initiated logout in headless Chromium (issue 17, part 5): a user signs in through the
real pages, the app sends the browser to /oauth2/sessions/logout with its id_token, and the
browser comes back to the app's registered page with the app's state, no longer signed in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from frameio_oauth_mock.mockserver import MockServer
from tests.browser import flows
from tests.browser.support import PageServer

SESSION_COOKIE = "frameio_mock_session"
LOGOUT_STATE = "logout-state-5678"


class App:
    """The app the browser returns to: a real web server on its own loopback port (a redirect
    that Playwright answers itself is not always intercepted after a prompt=none redirect)."""

    def __init__(self, origin: str) -> None:
        self.callback = origin + "/callback"
        self.logged_out = origin + "/logged-out"


@pytest.fixture(scope="module")
def app() -> Iterator[App]:
    site = PageServer("<!doctype html><title>app</title>app")
    yield App(site.origin)
    site.close()


@pytest.fixture(scope="module")
def server(app: App) -> Iterator[MockServer]:
    # web-app of the browser tests, registering the app's callback and where logout returns to.
    web_app = next(client for client in flows.CLIENTS if client["client_id"] == "web-app")
    client = {
        **web_app,
        "redirect_uris": [app.callback],
        "post_logout_redirect_uris": [app.logged_out],
    }
    with MockServer(**{**flows.SERVER, "clients": [client]}) as running:
        yield running


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    server.reset()
    return server


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def authorize_url(mock: MockServer, app: App, **params: str) -> str:
    return flows.authorize_url(mock, redirect_uri=app.callback, **params)


def sign_in_and_get_id_token(mock: MockServer, app: App, page: Any) -> str:
    """Login and consent through the pages, then the app redeems the code for its id_token."""
    page.goto(authorize_url(mock, app))
    flows.sign_in(page)
    page.click("button[value=allow]")
    page.wait_for_url(app.callback + "**")
    code = query_of(page.url)["code"][0]
    tokens = httpx.post(
        mock.token_url,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": app.callback},
        auth=("web-app", "web-secret"),
    )
    assert tokens.status_code == 200, tokens.text
    id_token: str = tokens.json()["id_token"]
    return id_token


def session_cookies(page: Any) -> list[dict[str, Any]]:
    return [cookie for cookie in page.context.cookies() if cookie["name"] == SESSION_COOKIE]


def silent_authorization(mock: MockServer, app: App, page: Any) -> dict[str, list[str]]:
    """prompt=none: a code while the browser is signed in, login_required once it is not."""
    page.goto(authorize_url(mock, app, prompt="none"))
    page.wait_for_url(app.callback + "**")
    return query_of(page.url)


def logout_url(mock: MockServer, **params: str) -> str:
    return f"{mock.url}/oauth2/sessions/logout?{urlencode(params)}"


def test_logout_returns_to_the_app_with_its_state_and_ends_the_browser_session(
    mock: MockServer, app: App, page: Any
) -> None:
    id_token = sign_in_and_get_id_token(mock, app, page)
    # Positive control: the browser is signed in, so a prompt-less authorization needs no page.
    cookies = session_cookies(page)
    assert cookies
    before = silent_authorization(mock, app, page)
    assert "code" in before and "error" not in before, before

    page.goto(
        logout_url(
            mock,
            id_token_hint=id_token,
            post_logout_redirect_uri=app.logged_out,
            state=LOGOUT_STATE,
        )
    )
    page.wait_for_url(app.logged_out + "**")
    assert page.url == f"{app.logged_out}?state={LOGOUT_STATE}"
    assert session_cookies(page) == []

    after = silent_authorization(mock, app, page)
    assert after["error"] == ["login_required"]
    assert after["state"] == ["browser-state-1234"]
    assert "code" not in after
    # The session ended at the server too: the old cookie, put back, signs nobody in.
    page.context.add_cookies(cookies)
    assert silent_authorization(mock, app, page)["error"] == ["login_required"]
    # And an ordinary authorization shows the login page again, not the consent page.
    page.goto(authorize_url(mock, app))
    assert page.locator("h1").inner_text() == "Sign in to Frame.io"
    assert page.locator("button[value=allow]").count() == 0


def test_logout_to_an_unregistered_page_is_refused_and_the_user_stays_signed_in(
    mock: MockServer, app: App, page: Any
) -> None:
    id_token = sign_in_and_get_id_token(mock, app, page)
    answer = page.goto(
        logout_url(
            mock,
            id_token_hint=id_token,
            post_logout_redirect_uri="https://evil.example/",
            state=LOGOUT_STATE,
        )
    )
    assert answer is not None and answer.status == 400
    assert page.url.startswith(mock.url)  # an error page at the mock, no redirect
    assert "post_logout_redirect_uri is not a whitelisted" in page.inner_text("main")
    assert session_cookies(page)
    still = silent_authorization(mock, app, page)
    assert "code" in still and "error" not in still, still


def test_logout_without_a_hint_ends_the_session_on_the_fallback_page(
    mock: MockServer, app: App, page: Any
) -> None:
    sign_in_and_get_id_token(mock, app, page)
    cookies = session_cookies(page)
    assert cookies
    page.goto(f"{mock.url}/oauth2/sessions/logout")
    page.wait_for_url(mock.url + "/oauth2/fallbacks/logout/callback")
    assert page.locator("h1").inner_text() == "You logged out successfully!"
    assert session_cookies(page) == []
    assert silent_authorization(mock, app, page)["error"] == ["login_required"]
    page.context.add_cookies(cookies)
    assert silent_authorization(mock, app, page)["error"] == ["login_required"]
