"""BearerAuth: the header, refresh before expiry and once after a 401, one refresh shared."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from frameio_oauth_mock.client import (
    AsyncFrameioOAuth,
    BearerAuth,
    FrameioOAuth,
    ReauthorizationRequired,
    Token,
)
from frameio_oauth_mock.mockserver.testing import MockServer
from tests.client.conftest import SECRET, SECRET_APP, AsyncEnv, SyncEnv

HOUR = 3600


def logged_in(env: SyncEnv) -> FrameioOAuth:
    env.mock.clock.freeze()
    oauth = env.oauth(SECRET_APP, SECRET)
    request = oauth.authorization_url()
    oauth.exchange(env.authorize(request), request.state, request.code_verifier)
    return oauth


def slow_refreshes(mock: MockServer) -> None:
    """Make the refresh answer late, so concurrent requests really overlap even in-process
    (ASGITransport otherwise runs each request to completion without yielding)."""
    mock.faults.add("token", grant_type="refresh_token", delay=0.05, times=None)


async def async_logged_in(env: AsyncEnv) -> AsyncFrameioOAuth:
    env.mock.clock.freeze()
    oauth = env.oauth(SECRET_APP, SECRET)
    request = oauth.authorization_url()
    await oauth.exchange(await env.authorize(request), request.state, request.code_verifier)
    return oauth


def revoke_access_token_server_side(mock: MockServer, token: Token | None) -> None:
    """Only the access token stops working (as when Frame.io ends it early); the refresh
    token stays valid. The mock's revocation endpoint would end both."""
    assert token is not None
    assert mock.store.end_token(token.access_token)


def api_statuses(mock: MockServer) -> list[int]:
    return [entry.status for entry in mock.requests.filter("api")]


def refreshes(mock: MockServer) -> int:
    return mock.requests.count("token", grant_type="refresh_token")


def test_the_access_token_goes_in_the_authorization_header(sync_env: SyncEnv) -> None:
    oauth = logged_in(sync_env)
    response = sync_env.http.get(sync_env.mock.api_url + "/v2/me", auth=oauth.auth())
    assert response.status_code == 200
    entry = sync_env.mock.requests.last("api")
    assert entry is not None and entry.headers["authorization"].startswith("Bearer ")
    assert not entry.query  # never in the URL (RFC 6750 2.3, C20)
    assert refreshes(sync_env.mock) == 0


def test_a_token_about_to_expire_is_refreshed_first(sync_env: SyncEnv) -> None:
    oauth = logged_in(sync_env)
    before = oauth.token_store.load()
    sync_env.mock.clock.advance(HOUR - 30)  # inside the 60 s leeway
    response = sync_env.http.get(sync_env.mock.api_url + "/v2/me", auth=oauth.auth())
    assert response.status_code == 200
    assert refreshes(sync_env.mock) == 1
    assert api_statuses(sync_env.mock) == [200]  # no 401 first
    after = oauth.token_store.load()
    assert after is not None and before is not None
    assert after.refresh_token != before.refresh_token  # the rotated one was stored


def test_the_leeway_is_configurable(sync_env: SyncEnv) -> None:
    oauth = logged_in(sync_env)
    sync_env.mock.clock.advance(HOUR - 300)
    sync_env.http.get(sync_env.mock.api_url + "/v2/me", auth=oauth.auth())
    assert refreshes(sync_env.mock) == 0
    sync_env.http.get(sync_env.mock.api_url + "/v2/me", auth=oauth.auth(leeway=600))
    assert refreshes(sync_env.mock) == 1


def test_a_401_refreshes_once_and_retries(sync_env: SyncEnv) -> None:
    oauth = logged_in(sync_env)
    revoke_access_token_server_side(sync_env.mock, oauth.token_store.load())
    response = sync_env.http.get(sync_env.mock.api_url + "/v2/me", auth=oauth.auth())
    assert response.status_code == 200
    assert api_statuses(sync_env.mock) == [401, 200]
    assert refreshes(sync_env.mock) == 1


def test_a_second_401_is_returned_not_looped_on(sync_env: SyncEnv) -> None:
    oauth = logged_in(sync_env)
    sync_env.mock.faults.add("api", status=401, times=None)
    response = sync_env.http.get(sync_env.mock.api_url + "/v2/me", auth=oauth.auth())
    assert response.status_code == 401
    assert api_statuses(sync_env.mock) == [401, 401]
    assert refreshes(sync_env.mock) == 1


def test_without_a_refresh_token_a_401_is_returned(sync_env: SyncEnv) -> None:
    oauth = sync_env.oauth()
    oauth.token_store.save(Token(access_token="ory_at_unknown"))
    response = sync_env.http.get(sync_env.mock.api_url + "/v2/me", auth=oauth.auth())
    assert response.status_code == 401
    assert refreshes(sync_env.mock) == 0


def test_a_dead_refresh_token_surfaces_as_reauthorization(sync_env: SyncEnv) -> None:
    oauth = logged_in(sync_env)
    token = oauth.token_store.load()
    assert token is not None
    oauth.revoke(token)
    oauth.token_store.save(token)
    with pytest.raises(ReauthorizationRequired):
        sync_env.http.get(sync_env.mock.api_url + "/v2/me", auth=oauth.auth())
    assert api_statuses(sync_env.mock) == [401]
    assert oauth.token_store.load() is None
    with pytest.raises(ReauthorizationRequired, match="no token"):
        sync_env.http.get(sync_env.mock.api_url + "/v2/me", auth=oauth.auth())


def test_threads_share_one_refresh(sync_env: SyncEnv, mode: str) -> None:
    oauth = logged_in(sync_env)
    sync_env.mock.clock.advance(HOUR)
    auth = oauth.auth()
    start = threading.Barrier(6)

    def call(_: int) -> int:
        start.wait()
        return sync_env.http.get(sync_env.mock.api_url + "/v2/me", auth=auth).status_code

    if mode == "uvicorn":
        with ThreadPoolExecutor(6) as pool:
            statuses = list(pool.map(call, range(6)))
    else:  # the in-process bridge runs one request at a time
        statuses = [sync_env.http.get(sync_env.mock.api_url + "/v2/me", auth=auth).status_code]
    assert set(statuses) == {200}
    assert refreshes(sync_env.mock) == 1


@pytest.mark.anyio
async def test_async_expiry_and_401(async_env: AsyncEnv) -> None:
    oauth = await async_logged_in(async_env)
    url = async_env.mock.api_url + "/v2/me"
    async_env.mock.clock.advance(HOUR)
    assert (await async_env.http.get(url, auth=oauth.auth())).status_code == 200
    revoke_access_token_server_side(async_env.mock, oauth.token_store.load())
    assert (await async_env.http.get(url, auth=oauth.auth())).status_code == 200
    assert api_statuses(async_env.mock) == [200, 401, 200]
    assert refreshes(async_env.mock) == 2


@pytest.mark.anyio
async def test_concurrent_requests_share_one_refresh_on_expiry(async_env: AsyncEnv) -> None:
    oauth = await async_logged_in(async_env)
    async_env.mock.clock.advance(HOUR)
    slow_refreshes(async_env.mock)
    auth = oauth.auth()
    url = async_env.mock.api_url + "/v2/me"
    responses = await asyncio.gather(*(async_env.http.get(url, auth=auth) for _ in range(8)))
    assert {response.status_code for response in responses} == {200}
    assert refreshes(async_env.mock) == 1
    assert async_env.mock.requests.count("token", grant_type="refresh_token", status=200) == 1


@pytest.mark.anyio
async def test_concurrent_401s_share_one_refresh(async_env: AsyncEnv) -> None:
    oauth = await async_logged_in(async_env)
    revoke_access_token_server_side(async_env.mock, oauth.token_store.load())
    slow_refreshes(async_env.mock)
    auth = oauth.auth()
    url = async_env.mock.api_url + "/v2/me"
    responses = await asyncio.gather(*(async_env.http.get(url, auth=auth) for _ in range(8)))
    assert {response.status_code for response in responses} == {200}
    assert refreshes(async_env.mock) == 1


@pytest.mark.anyio
async def test_the_auth_must_match_the_client_kind(async_env: AsyncEnv) -> None:
    oauth = await async_logged_in(async_env)
    with pytest.raises(TypeError, match="AsyncClient"), httpx.Client() as sync_http:
        sync_http.get(async_env.mock.api_url + "/v2/me", auth=BearerAuth(oauth))


def test_a_request_body_is_replayed_after_a_401() -> None:
    seen: list[tuple[str, bytes]] = []

    def server(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            return httpx.Response(200, json={"access_token": "fresh", "token_type": "bearer"})
        seen.append((request.headers["authorization"], request.read()))
        return httpx.Response(401 if len(seen) == 1 else 200)

    http = httpx.Client(transport=httpx.MockTransport(server))
    oauth = FrameioOAuth(
        "app",
        redirect_uri="http://127.0.0.1:8765/callback",
        base_url="https://a.test",
        http_client=http,
    )
    oauth.token_store.save(Token(access_token="stale", refresh_token="rt"))

    def body() -> Iterator[bytes]:
        yield b"streamed "
        yield b"body"

    response = http.post("https://api.test/upload", content=body(), auth=oauth.auth())
    assert response.status_code == 200
    assert seen == [("Bearer stale", b"streamed body"), ("Bearer fresh", b"streamed body")]
