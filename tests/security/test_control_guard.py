"""A web page must not drive the control API or the pages (issue 16, item 1).

The attack run used a page on another origin: `no-cors` text/plain POSTs and plain HTML forms to
127.0.0.1 registered clients, installed faults and moved the clock; DNS rebinding (the page's
own host name resolving to 127.0.0.1) read every client secret. Each case here is the request
such a page makes, sent to real uvicorn on loopback, and each asserts that nothing changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from frameio_oauth_mock.mockserver import MockServer
from tests.harness.support import (
    APP_ID,
    HTTP_TIMEOUT,
    USER_EMAIL,
    USER_PASSWORD,
    authorize_params,
    hidden_field,
    make_mock,
)

NEW_CLIENT = {
    "client_id": "attacker-app",
    "redirect_uris": ["http://127.0.0.1:9999/cb"],
    "scopes": ["account.read"],
}
EVIL_ORIGIN = "http://evil.example"


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with make_mock(issuer="https://auth.example.test") as mock:
        yield mock


@pytest.fixture
def http(mock: MockServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.url, timeout=HTTP_TIMEOUT) as client:
        yield client


def port_of(mock: MockServer) -> int:
    port = urlsplit(mock.url).port
    assert port is not None
    return port


def client_ids(mock: MockServer) -> list[str]:
    return list(mock.context.registry.clients)


# Content-Type: a cross-site form or no-cors fetch cannot send application/json -------------


@pytest.mark.parametrize(
    "content_type", ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded"]
)
def test_control_write_without_json_content_type_is_refused(
    mock: MockServer, http: httpx.Client, content_type: str
) -> None:
    before = client_ids(mock)
    answer = http.post(
        "/_mock/clients", content=json.dumps(NEW_CLIENT), headers={"Content-Type": content_type}
    )
    assert answer.status_code == 415, answer.text
    assert "application/json" in answer.json()["error"]
    assert client_ids(mock) == before


def test_html_form_cannot_reset_or_move_the_clock(mock: MockServer, http: httpx.Client) -> None:
    mock.faults.add("token", status=503)
    now = mock.clock.now()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert http.post("/_mock/reset", content=b"x=1", headers=form).status_code == 415
    moved = http.post("/_mock/clock", content=b'{"advance":3456000}', headers=form)
    assert moved.status_code == 415
    assert len(mock.faults) == 1
    assert mock.clock.now() - now < 3456000


def test_control_write_without_content_type_is_refused(
    mock: MockServer, http: httpx.Client
) -> None:
    mock.faults.add("token", status=503)
    assert http.post("/_mock/reset").status_code == 415
    assert len(mock.faults) == 1


def test_control_write_with_json_content_type_works(mock: MockServer, http: httpx.Client) -> None:
    answer = http.post(
        "/_mock/clients",
        content=json.dumps(NEW_CLIENT),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert answer.status_code == 201, answer.text
    assert "attacker-app" in client_ids(mock)
    assert http.post("/_mock/reset", json={}).status_code == 204


# Origin: browsers send it on every cross-origin request -------------------------------------


@pytest.mark.parametrize("origin", [EVIL_ORIGIN, "null", "http://127.0.0.1:1"])
def test_control_request_from_another_origin_is_refused(
    mock: MockServer, http: httpx.Client, origin: str
) -> None:
    before = client_ids(mock)
    added = http.post("/_mock/clients", json=NEW_CLIENT, headers={"Origin": origin})
    assert added.status_code == 403, added.text
    assert "Origin" in added.json()["error"]
    assert client_ids(mock) == before
    listed = http.get("/_mock/clients", headers={"Origin": origin})
    assert listed.status_code == 403
    assert "client_secret" not in listed.text


def test_control_request_from_the_mocks_own_origin_works(
    mock: MockServer, http: httpx.Client
) -> None:
    own = f"http://127.0.0.1:{port_of(mock)}"
    assert http.get("/_mock/clients", headers={"Origin": own}).status_code == 200
    issuer = "https://auth.example.test"  # behind a proxy, pages have the issuer's origin
    assert http.get("/_mock/clients", headers={"Origin": issuer}).status_code == 200


# Host: DNS rebinding sends the attacker's own name ------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example"])
def test_control_request_for_a_foreign_host_is_refused(
    mock: MockServer, http: httpx.Client, host: str
) -> None:
    headers = {"Host": host.format(port=port_of(mock))}
    listed = http.get("/_mock/clients", headers=headers)
    assert listed.status_code == 400, listed.text
    assert "--issuer" in listed.json()["error"]
    assert "client_secret" not in listed.text
    minted = http.post(
        "/_mock/tokens", json={"user": USER_EMAIL, "client_id": APP_ID}, headers=headers
    )
    assert minted.status_code == 400
    assert "access_token" not in minted.text


@pytest.mark.parametrize(
    "host", ["127.0.0.1:{port}", "localhost:{port}", "app.localhost:{port}", "auth.example.test"]
)
def test_control_request_for_a_served_host_works(
    mock: MockServer, http: httpx.Client, host: str
) -> None:
    answer = http.get("/_mock/clients", headers={"Host": host.format(port=port_of(mock))})
    assert answer.status_code == 200, answer.text


def test_pages_for_a_foreign_host_are_refused(mock: MockServer, http: httpx.Client) -> None:
    mock.configure(auto_approve=False)
    evil = {"Host": f"evil.example:{port_of(mock)}"}
    page = http.get("/oauth2/auth", params=authorize_params(), headers=evil)
    assert page.status_code == 400
    assert 'name="password"' not in page.text
    assert "set-cookie" not in page.headers
    served = http.get("/oauth2/auth", params=authorize_params())
    assert served.status_code == 200 and 'name="password"' in served.text


# The login form, posted from a page on another port (login CSRF) ----------------------------


def login_form(http: httpx.Client) -> dict[str, str]:
    page = http.get("/oauth2/auth", params=authorize_params())
    assert page.status_code == 200, page.text
    return {
        "challenge": hidden_field(page.text, "challenge"),
        "csrf_token": hidden_field(page.text, "csrf_token"),
        "email": USER_EMAIL,
        "password": USER_PASSWORD,
    }


def test_login_posted_from_another_origin_is_refused() -> None:
    with make_mock(auto_approve=False) as mock, httpx.Client(base_url=mock.url) as http:
        form = login_form(http)
        other_port = {"Origin": "http://127.0.0.1:9999"}
        answer = http.post("/oauth2/auth/login", data=form, headers=other_port)
        assert answer.status_code == 403, answer.text
        assert "frameio_mock_session" not in answer.headers.get("set-cookie", "")
        again = http.get("/oauth2/auth", params=authorize_params())
        assert 'name="password"' in again.text, "the refused login signed the browser in"
        own = {"Origin": f"http://127.0.0.1:{port_of(mock)}"}
        accepted = http.post("/oauth2/auth/login", data=form, headers=own)
        assert accepted.status_code == 303, accepted.text
        assert "frameio_mock_session" in accepted.headers["set-cookie"]


def test_pages_let_the_browser_send_their_own_origin(mock: MockServer, http: httpx.Client) -> None:
    """Under a `no-referrer` policy (header or <meta>), a browser sends `Origin: null` even
    with a page's own form posts (Fetch, "append a request Origin header"), which the login
    and consent endpoints refuse; `same-origin` sends the real origin to the mock only."""
    mock.configure(auto_approve=False)
    page = http.get("/oauth2/auth", params=authorize_params())
    assert page.headers["referrer-policy"] == "same-origin"
    policies = re.findall(r'<meta name="referrer" content="([^"]+)"', page.text)
    assert policies in ([], ["same-origin"]), policies
