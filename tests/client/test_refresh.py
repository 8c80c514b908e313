"""Refresh keeps the rotated refresh token and never sends a rotated one again (C21-C23)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from frameio_oauth_mock.client import FrameioOAuth, ReauthorizationRequired, Token
from frameio_oauth_mock.mockserver.requestlog import fingerprint
from tests.client.conftest import REDIRECT, SECRET, SECRET_APP, AsyncEnv, SyncEnv


def logged_in(
    env: SyncEnv, client_id: str = SECRET_APP, secret: str | None = SECRET
) -> FrameioOAuth:
    oauth = env.oauth(client_id, secret)
    request = oauth.authorization_url()
    oauth.exchange(env.authorize(request), request.state, request.code_verifier)
    return oauth


def sent_refresh_tokens(env: SyncEnv | AsyncEnv) -> list[str]:
    entries = env.mock.requests.filter("token", grant_type="refresh_token")
    return [str(entry.form["refresh_token"]) for entry in entries]


def test_the_second_refresh_uses_the_rotated_token(sync_env: SyncEnv) -> None:
    oauth = logged_in(sync_env)
    original = oauth.token_store.load()
    assert original is not None and original.refresh_token

    first = oauth.refresh()
    second = oauth.refresh()

    assert first.refresh_token and second.refresh_token
    assert len({original.refresh_token, first.refresh_token, second.refresh_token}) == 3
    assert sent_refresh_tokens(sync_env) == [
        fingerprint(original.refresh_token),
        fingerprint(first.refresh_token),
    ]
    assert oauth.token_store.load() == second
    # Refreshing from a stale copy returns its successor: the spent token is not sent again.
    assert oauth.refresh(original) == second
    assert oauth.refresh(first) == second
    assert sent_refresh_tokens(sync_env).count(fingerprint(original.refresh_token)) == 1
    assert sync_env.mock.requests.count("token", grant_type="refresh_token") == 2
    assert all(e.status == 200 for e in sync_env.mock.requests.filter("token"))


def test_refresh_keeps_scope_and_works_for_pkce_apps(sync_env: SyncEnv) -> None:
    oauth = logged_in(sync_env, "demo-pkce-app", None)
    token = oauth.refresh()
    assert token.scope == "account.read offline"
    entry = sync_env.mock.requests.last("token", grant_type="refresh_token")
    assert entry is not None and entry.form["client_id"] == "demo-pkce-app"
    assert "authorization" not in entry.headers
    assert "scope" not in entry.form  # omitted: the same scope as granted (RFC 6749 6)


def test_invalid_grant_on_refresh_asks_for_reauthorization(sync_env: SyncEnv) -> None:
    oauth = logged_in(sync_env)
    token = oauth.token_store.load()
    assert token is not None
    oauth.revoke(token.access_token)  # Frame.io revokes the whole family
    assert oauth.token_store.load() is None
    oauth.token_store.save(token)
    with pytest.raises(ReauthorizationRequired) as caught:
        oauth.refresh()
    assert caught.value.error == "invalid_grant"
    assert caught.value.status_code == 400
    assert oauth.token_store.load() is None  # dropped: it can never work again
    with pytest.raises(ReauthorizationRequired, match="no refresh token"):
        oauth.refresh()
    assert sync_env.mock.requests.count("token", grant_type="refresh_token") == 1


def test_a_token_without_refresh_token_cannot_be_refreshed(sync_env: SyncEnv) -> None:
    oauth = sync_env.oauth()
    with pytest.raises(ReauthorizationRequired):
        oauth.refresh(Token(access_token="at"))
    assert sync_env.mock.requests.count("token") == 0


def test_concurrent_refreshes_from_threads_send_one_request(sync_env: SyncEnv) -> None:
    oauth = logged_in(sync_env)
    stale = oauth.token_store.load()
    start = threading.Barrier(6)

    def refresh(_: int) -> Token:
        start.wait()
        return oauth.refresh(stale)

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(refresh, range(6)))
    assert len(set(results)) == 1
    assert sync_env.mock.requests.count("token", grant_type="refresh_token") == 1


def test_the_old_refresh_token_is_kept_when_none_is_sent() -> None:
    def token_endpoint(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"access_token": "at-2", "expires_in": 60, "token_type": "Bearer"}
        )

    http = httpx.Client(transport=httpx.MockTransport(token_endpoint))
    oauth = FrameioOAuth("app", redirect_uri=REDIRECT, http_client=http)
    old = Token(access_token="at-1", refresh_token="rt-1", scope="account.read offline")
    new = oauth.refresh(old)
    assert new.access_token == "at-2"
    assert new.refresh_token == "rt-1"
    assert new.scope == "account.read offline"
    assert oauth.refresh(new).access_token == "at-2"  # not rotated: it may be used again


def test_revoke_of_nothing_sends_nothing(sync_env: SyncEnv) -> None:
    sync_env.oauth().revoke()
    assert sync_env.mock.requests.count("revoke") == 0


def test_revoking_an_access_token_string(sync_env: SyncEnv) -> None:
    oauth = logged_in(sync_env)
    token = oauth.token_store.load()
    assert token is not None
    oauth.revoke(token.access_token)
    entry = sync_env.mock.requests.last("revoke")
    assert entry is not None and entry.status == 200
    assert entry.form == {"token": fingerprint(token.access_token)}
    assert entry.headers["authorization"].startswith("Basic ")
