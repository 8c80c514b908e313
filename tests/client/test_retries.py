"""429 and 503 are retried honouring Retry-After (capped); other failures never are (C24)."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from frameio_oauth_mock.client import (
    FrameioOAuth,
    InvalidClientError,
    InvalidGrantError,
    InvalidResponseError,
    TemporarilyUnavailableError,
    Token,
    TokenRequestError,
)
from frameio_oauth_mock.client._protocol import RetryPolicy, retry_after_seconds
from tests.client.conftest import REDIRECT, SECRET_APP, AsyncEnv, SyncEnv


def exchange(env: SyncEnv, oauth: FrameioOAuth) -> Token:
    request = oauth.authorization_url()
    return oauth.exchange(env.authorize(request), request.state, request.code_verifier)


def test_429_is_retried_after_the_seconds_retry_after_asks(sync_env: SyncEnv) -> None:
    sync_env.mock.faults.add("token", status=429, retry_after=1, times=2)
    token = exchange(sync_env, sync_env.oauth())
    assert token.access_token
    assert sync_env.sleeps == [1.0, 1.0]
    assert sync_env.mock.requests.count("token") == 3
    statuses = [entry.status for entry in sync_env.mock.requests.filter("token")]
    assert statuses == [429, 429, 200]


def test_503_without_retry_after_backs_off(sync_env: SyncEnv) -> None:
    sync_env.mock.faults.add("token", status=503, times=2)
    exchange(sync_env, sync_env.oauth())
    assert sync_env.sleeps == [1.0, 2.0]


def test_retry_after_is_capped(sync_env: SyncEnv) -> None:
    sync_env.mock.faults.add("token", status=429, retry_after=3600)
    exchange(sync_env, sync_env.oauth(max_retry_wait=30))
    assert sync_env.sleeps == [30.0]


def test_retries_are_bounded(sync_env: SyncEnv) -> None:
    sync_env.mock.faults.add("token", status=503, retry_after=2, times=None)
    with pytest.raises(TemporarilyUnavailableError) as caught:
        exchange(sync_env, sync_env.oauth(retries=2))
    assert caught.value.status_code == 503
    assert caught.value.error == "temporarily_unavailable"
    assert sync_env.sleeps == [2.0, 2.0]
    assert sync_env.mock.requests.count("token") == 3


@pytest.mark.parametrize("status", [400, 500])
def test_other_failures_are_not_retried(sync_env: SyncEnv, status: int) -> None:
    sync_env.mock.faults.add("token", status=status)
    with pytest.raises(TokenRequestError) as caught:
        exchange(sync_env, sync_env.oauth())
    assert caught.value.status_code == status
    assert sync_env.sleeps == []
    assert sync_env.mock.requests.count("token") == 1


def test_refresh_is_retried_too(sync_env: SyncEnv) -> None:
    oauth = sync_env.oauth()
    exchange(sync_env, oauth)
    sync_env.mock.faults.add("token", grant_type="refresh_token", status=429, retry_after=5)
    oauth.refresh()
    assert sync_env.sleeps == [5.0]
    assert sync_env.mock.requests.count("token", grant_type="refresh_token") == 2


@pytest.mark.anyio
async def test_async_retries_use_the_async_sleep(async_env: AsyncEnv) -> None:
    async_env.mock.faults.add("token", status=429, retry_after=1)
    oauth = async_env.oauth()
    request = oauth.authorization_url()
    await oauth.exchange(await async_env.authorize(request), request.state, request.code_verifier)
    assert async_env.sleeps == [1.0]


def test_invalid_client_and_invalid_grant_are_typed(sync_env: SyncEnv) -> None:
    with pytest.raises(InvalidClientError) as caught:
        exchange(sync_env, sync_env.oauth(SECRET_APP, "not-the-secret"))
    assert caught.value.status_code == 401
    assert caught.value.error_description and "Client authentication failed" in (
        caught.value.error_description
    )
    oauth = sync_env.oauth()
    request = oauth.authorization_url()
    callback = sync_env.authorize(request)
    with pytest.raises(InvalidGrantError, match="PKCE"):
        oauth.exchange(callback, request.state, oauth.authorization_url().code_verifier)


@pytest.mark.parametrize("body", ["not_json", "html", "truncated_json"])
def test_malformed_answers_raise_invalid_response(sync_env: SyncEnv, body: str) -> None:
    sync_env.mock.faults.add("token", body=body)
    with pytest.raises(InvalidResponseError):
        exchange(sync_env, sync_env.oauth())
    assert sync_env.sleeps == []


def test_retry_after_accepts_an_http_date() -> None:
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 7, usegmt=True)
    assert retry_after_seconds(date, now) == pytest.approx(7.0)
    assert retry_after_seconds(email.utils.formatdate(now - 60, usegmt=True), now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None
    assert retry_after_seconds(" 12 ", now) == 12.0


def test_retry_policy_only_retries_429_and_503() -> None:
    policy = RetryPolicy(retries=1, max_wait=10)
    request = httpx.Request("POST", "https://auth.example.test/oauth2/token")
    for status in (400, 401, 404, 500, 502, 504):
        assert policy.wait_before_retry(httpx.Response(status, request=request), 0, 0.0) is None
    busy = httpx.Response(503, headers={"Retry-After": "4"}, request=request)
    assert policy.wait_before_retry(busy, 0, 0.0) == 4.0
    assert policy.wait_before_retry(busy, 1, 0.0) is None
    with pytest.raises(ValueError, match="retries"):
        RetryPolicy(retries=-1)


def test_an_unknown_token_type_is_refused() -> None:
    def token_endpoint(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"access_token": "at", "token_type": "mac"})

    http = httpx.Client(transport=httpx.MockTransport(token_endpoint))
    oauth = FrameioOAuth("app", redirect_uri=REDIRECT, http_client=http)
    request = oauth.authorization_url()
    callback = f"{REDIRECT}?code=c0de&state={request.state}"
    with pytest.raises(InvalidResponseError, match="token_type"):
        oauth.exchange(callback, request.state, request.code_verifier)
