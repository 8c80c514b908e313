"""No page runs script it did not ship (issue 17, part 5): hostile text in a client's name, a
user's name, login_hint, an echoed parameter, a logged path and a decoded token is shown as
text on the login, consent, error, inspector and token pages, in headless Chromium."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest

from frameio_oauth_mock.mockserver import MockServer
from tests.browser import flows
from tests.browser.support import REDIRECT

# Each payload, if it ever ran, would set window.__pwned and open a dialog.
PAYLOAD = (
    "<script>window.__pwned='script';alert(1)</script>"
    "<img src=x onerror=\"window.__pwned='img';alert(2)\">"
    "\"'><svg onload=\"window.__pwned='svg'\">"
)


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(**flows.SERVER) as running:
        yield running


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    server.reset()
    server.add_client(client_id="hostile-app", client_secret="hostile-secret", name=PAYLOAD,
                      redirect_uris=[REDIRECT], scopes=["account.read"])  # fmt: skip
    server.add_user(email="mallory@example.com", password="pw", name=PAYLOAD)
    return server


@pytest.fixture
def watched(page: Any) -> Iterator[Any]:
    """The page, failing the test if any dialog opens or window.__pwned is ever set."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []


def shows_payload_as_text(page: Any, payload: str = PAYLOAD) -> None:
    assert payload in page.inner_text("body")
    assert page.evaluate("window.__pwned") is None


def test_login_and_consent_pages(mock: MockServer, watched: Any):
    query = {"client_id": "hostile-app", "response_type": "code", "redirect_uri": REDIRECT,
             "scope": "account.read", "state": "state-12345678", "login_hint": PAYLOAD}  # fmt: skip
    watched.goto(f"{mock.url}/oauth2/auth?{urlencode(query)}")
    shows_payload_as_text(watched)  # the client's name
    assert watched.input_value("#email") == PAYLOAD  # login_hint, as a value, not markup
    watched.fill("#email", "mallory@example.com")
    watched.fill("#password", "pw")
    watched.click("button[type=submit]")
    watched.wait_for_selector("button[value=allow]")
    shows_payload_as_text(watched)  # the client's and the user's names


def test_error_page_echoing_a_parameter(mock: MockServer, watched: Any):
    watched.goto(f"{mock.url}/oauth2/auth?client_id=web-app&response_mode={quote(PAYLOAD)}")
    assert "unsupported_response_mode" in watched.inner_text("body")
    shows_payload_as_text(watched, PAYLOAD.replace('"', "'"))  # as fosite, quotes become '


def test_inspector_page(mock: MockServer, watched: Any):
    httpx.get(f"{mock.url}/v2/{quote(PAYLOAD)}")  # a hostile path in the request log
    watched.goto(mock.url + "/")
    watched.wait_for_selector("#log-rows tr[data-endpoint]")
    assert "/v2/<script>" in watched.inner_text("#log-rows")
    shows_payload_as_text(watched)  # client and user names in the configuration


def test_token_page_decoding_a_hostile_jwt(mock: MockServer, watched: Any):
    def segment(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    forged = f"{segment({'alg': PAYLOAD})}.{segment({'sub': PAYLOAD})}.c2ln"
    watched.goto(mock.url + "/inspect/token")
    watched.fill("textarea[name=token]", forged)
    watched.click("#token-form button[type=submit]")
    watched.wait_for_selector("#token-jwt:not([hidden])")
    assert "NOT this mock's key" in watched.inner_text("#token-jwt-claims")
    assert json.dumps(PAYLOAD)[1:-1] in watched.inner_text("#token-jwt")
