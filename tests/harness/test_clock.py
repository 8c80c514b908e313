"""The mock's clock: codes, access tokens, refresh tokens and expires_in all follow it."""

from __future__ import annotations

import time

import pytest

from frameio_oauth_mock.mockserver import MockServer
from frameio_oauth_mock.mockserver.clock import Clock
from tests.harness.support import (
    APP_ID,
    PKCE_ID,
    REFRESH_EXPIRED,
    USER_EMAIL,
    AsyncFlow,
    make_mock,
)

pytestmark = pytest.mark.anyio

START = 1_700_000_000.0


def frozen_mock(**options: object) -> MockServer:
    mock = make_mock(**options)
    mock.clock.freeze(at=START)
    return mock


async def test_code_expires_after_code_ttl() -> None:
    mock = frozen_mock(code_ttl=60)
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        code = await flow.code()
        mock.clock.advance(59)
        assert (await flow.exchange(code)).status_code == 200

        code = await flow.code()
        mock.clock.advance(60)
        expired = await flow.exchange(code)
        assert expired.status_code == 400
        assert expired.json()["error"] == "invalid_grant"


async def test_default_code_ttl_is_ten_minutes() -> None:
    mock = frozen_mock()
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        code = await flow.code()
        mock.clock.advance(599)
        assert (await flow.exchange(code)).status_code == 200
        code = await flow.code()
        mock.clock.advance(601)
        assert (await flow.exchange(code)).status_code == 400


async def test_access_token_expires_at_the_api_and_introspection() -> None:
    mock = frozen_mock(access_token_ttl=120)
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        tokens = await flow.tokens(scope="account.read offline openid")
        access = tokens["access_token"]
        assert tokens["expires_in"] == 120
        introspected = (await flow.introspect(access)).json()
        assert introspected["active"] is True
        assert introspected["iat"] == START
        assert introspected["exp"] == START + 120

        mock.clock.advance(119)
        assert (await flow.me(access)).status_code == 200
        assert (
            await http.get("/userinfo", headers={"Authorization": f"Bearer {access}"})
        ).is_success
        assert (await flow.introspect(access)).json()["active"] is True

        mock.clock.advance(1)
        expired = await flow.me(access)
        assert expired.status_code == 401
        assert 'error="invalid_token"' in expired.headers["www-authenticate"]
        userinfo = await http.get("/userinfo", headers={"Authorization": f"Bearer {access}"})
        assert userinfo.status_code == 401
        assert (await flow.introspect(access)).json() == {"active": False}

        # The refresh token outlives it and gets a fresh one, timed from the new "now".
        refreshed = await flow.refresh(tokens["refresh_token"])
        assert refreshed.status_code == 200
        new_access = refreshed.json()["access_token"]
        assert (await flow.introspect(new_access)).json()["exp"] == START + 120 + 120


async def test_refresh_token_expires() -> None:
    mock = frozen_mock(refresh_token_ttl=300)
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        tokens = await flow.tokens()
        introspected = (await flow.introspect(tokens["refresh_token"])).json()
        assert introspected["exp"] == START + 300
        mock.clock.advance(300)
        expired = await flow.refresh(tokens["refresh_token"])
        assert expired.status_code == 400
        body = expired.json()
        assert body["error"] == "invalid_grant"
        assert body["error_description"].endswith(REFRESH_EXPIRED)


async def test_default_refresh_token_lifetime_is_thirty_days() -> None:
    mock = frozen_mock()
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        first = await flow.tokens()
        second = await flow.tokens()
        mock.clock.advance(30 * 24 * 3600 - 1)
        assert (await flow.refresh(first["refresh_token"])).status_code == 200
        mock.clock.advance(1)
        expired = await flow.refresh(second["refresh_token"])
        assert expired.json()["error_description"].endswith(REFRESH_EXPIRED)


async def test_expires_in_follows_the_configured_ttl() -> None:
    mock = frozen_mock(access_token_ttl=45)
    assert mock.issue_token(USER_EMAIL, APP_ID)["expires_in"] == 45
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        assert (await flow.tokens(PKCE_ID))["expires_in"] == 45
        mock.configure(access_token_ttl=900)
        tokens = await flow.tokens(PKCE_ID)
        assert tokens["expires_in"] == 900
        introspected = (await flow.introspect(tokens["access_token"], PKCE_ID)).json()
        assert introspected["exp"] - introspected["iat"] == 900


async def test_issue_token_follows_the_clock() -> None:
    mock = frozen_mock(access_token_ttl=60)
    token = mock.issue_token(USER_EMAIL, APP_ID)["access_token"]
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        assert (await flow.me(token)).status_code == 200
        mock.clock.advance(61)
        assert (await flow.me(token)).status_code == 401


def test_freeze_advance_unfreeze() -> None:
    clock = Clock()
    assert not clock.frozen
    clock.freeze(at=START)
    assert clock.frozen
    assert clock.now() == START
    time.sleep(0.01)
    assert clock.now() == START
    clock.advance(90)
    assert clock.now() == START + 90
    clock.unfreeze()
    assert not clock.frozen
    # Time runs again from where it stood, far in the past of the wall clock.
    first = clock.now()
    assert first >= START + 90
    assert first < time.time() - 3600
    time.sleep(0.02)
    assert clock.now() > first
    clock.unfreeze()  # not frozen: no change
    assert clock.now() >= first


def test_advance_while_running_shifts_time() -> None:
    clock = Clock()
    before = time.time()
    clock.advance(3600)
    assert clock.now() >= before + 3600
    clock.freeze()
    frozen = clock.now()
    assert frozen >= before + 3600
    clock.reset()
    assert not clock.frozen
    assert clock.now() < before + 3600


async def test_the_log_uses_the_mock_clock() -> None:
    mock = frozen_mock()
    async with mock.async_client() as http:
        await http.get("/v2/me")
        mock.clock.advance(12.5)
        await http.get("/v2/me")
    assert [entry.time for entry in mock.requests] == [START, START + 12.5]
