"""Hydra's redirects and pages over real uvicorn: what a browser receives, byte for byte in the
places that matter (status, Location, headers), for the behaviours of FIDELITY.md's
"More of Hydra's behaviour"."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest

from frameio_oauth_mock.mockserver.testing import MockServer

REDIRECT = "http://127.0.0.1:8765/callback"
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
    }
    with MockServer(clients=[client], auto_approve=False) as server:
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
