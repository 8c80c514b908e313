"""Login and consent are bound to the browser that started them (issue 16, item 7).

Knowing a pending authorization's challenge id (it was in the request log) was enough to fetch
its consent page, CSRF token included, and approve it without the victim's cookies. Now the page
and the forms need the browser's own cookie, whose value is never shown, and the log does not
hold the challenge id in clear.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from frameio_oauth_mock.mockserver import MockServer
from tests.harness.support import (
    USER_EMAIL,
    USER_PASSWORD,
    authorize_params,
    hidden_field,
    make_mock,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def mock() -> MockServer:
    return make_mock(auto_approve=False)


async def victim_at_consent(mock: MockServer, victim: httpx.AsyncClient) -> tuple[str, str]:
    """The victim logs in; returns the challenge id and the consent page's HTML."""
    login = await victim.get("/oauth2/auth", params=authorize_params())
    form = {
        "challenge": hidden_field(login.text, "challenge"),
        "csrf_token": hidden_field(login.text, "csrf_token"),
        "email": USER_EMAIL,
        "password": USER_PASSWORD,
    }
    signed_in = await victim.post("/oauth2/auth/login", data=form)
    assert signed_in.status_code == 303, signed_in.text
    consent = await victim.get(signed_in.headers["location"])
    assert consent.status_code == 200 and 'value="allow"' in consent.text
    return form["challenge"], consent.text


async def test_challenge_id_alone_does_not_show_the_consent_page(mock: MockServer) -> None:
    async with mock.async_client() as victim, mock.async_client() as attacker:
        challenge, _ = await victim_at_consent(mock, victim)
        page = await attacker.get("/oauth2/auth/consent", params={"challenge": challenge})
        assert page.status_code == 403, page.text
        assert "csrf_token" not in page.text
        assert "set-cookie" not in page.headers


async def test_consent_form_values_without_the_cookie_approve_nothing(mock: MockServer) -> None:
    async with mock.async_client() as victim, mock.async_client() as attacker:
        challenge, html = await victim_at_consent(mock, victim)
        token = hidden_field(html, "csrf_token")
        # The attacker has everything the page shows, and copies it into a cookie as well.
        for name in [n for n in victim.cookies if n.startswith("frameio_mock_csrf_")]:
            attacker.cookies.set(name, token, domain="frameio-mock.test", path="/oauth2/auth")
        data = {"challenge": challenge, "csrf_token": token, "decision": "allow"}
        approved = await attacker.post("/oauth2/auth/consent", data=data)
        assert approved.status_code == 403, approved.text
        assert "location" not in approved.headers
        # The victim's own browser still completes the flow.
        own = await victim.post("/oauth2/auth/consent", data=data)
        assert own.status_code == 303
        assert "code" in parse_qs(urlsplit(own.headers["location"]).query)


async def test_the_cookie_value_is_never_in_a_page(mock: MockServer) -> None:
    async with mock.async_client() as victim:
        _, html = await victim_at_consent(mock, victim)
        cookies = [v for n, v in victim.cookies.items() if n.startswith("frameio_mock_csrf_")]
        assert cookies
        for value in cookies:
            assert value not in html


async def test_the_request_log_does_not_hold_the_challenge_id(mock: MockServer) -> None:
    async with mock.async_client() as victim:
        challenge, _ = await victim_at_consent(mock, victim)
        exported = mock.requests.to_json()
        assert challenge not in exported
        listed = (await victim.get("/_mock/requests")).text
        assert challenge not in listed
        assert re.search(r"challenge", listed)  # logged, as a fingerprint
