"""The whole flow for both kinds of app, sync and async, in-process and on real uvicorn."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from frameio_oauth_mock.client import FrameioOAuth, ReauthorizationRequired, Token
from frameio_oauth_mock.mockserver.requestlog import LoggedRequest, fingerprint
from tests.client.conftest import (
    APPS,
    PKCE_APP,
    REDIRECT,
    SECRET,
    SECRET_APP,
    USER,
    AsyncEnv,
    SyncEnv,
)

KINDS = pytest.mark.parametrize("client_id", [PKCE_APP, SECRET_APP])


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def assert_token_request_shape(entry: LoggedRequest | None, client_id: str) -> None:
    """PKCE apps: client_id in the body, no Authorization; apps with a secret: Basic only."""
    assert entry is not None
    assert entry.method == "POST"
    assert entry.headers["content-type"] == "application/x-www-form-urlencoded"
    assert not entry.query  # nothing, least of all a secret, in the URL
    assert "client_secret" not in entry.form
    if APPS[client_id] is None:
        assert entry.form["client_id"] == client_id
        assert "authorization" not in entry.headers
    else:
        assert "client_id" not in entry.form
        assert entry.headers["authorization"].startswith("Basic ")
    assert entry.client_id == client_id


def assert_no_secret_in_any_url(env: SyncEnv | AsyncEnv) -> None:
    for entry in env.mock.requests:
        assert "client_secret" not in entry.query
        assert SECRET not in entry.path


@KINDS
def test_sync_flow_exchange_me_refresh_revoke(sync_env: SyncEnv, client_id: str) -> None:
    oauth = sync_env.oauth(client_id, APPS[client_id])
    request = oauth.authorization_url()
    callback = sync_env.authorize(request)

    token = oauth.exchange(callback, request.state, request.code_verifier)

    assert token.access_token.startswith("ory_at_")
    assert token.refresh_token is not None and token.refresh_token.startswith("ory_rt_")
    assert token.scope == "account.read offline"
    assert token.token_type == "bearer"
    assert token.expires_at == pytest.approx(sync_env.mock.clock.now() + 3600, abs=5)
    assert oauth.token_store.load() == token
    mock = sync_env.mock
    exchange = mock.requests.last("token", grant_type="authorization_code")
    assert_token_request_shape(exchange, client_id)
    assert exchange is not None and exchange.status == 200
    assert exchange.form["redirect_uri"] == REDIRECT
    assert exchange.form["code_verifier"] == fingerprint(request.code_verifier or "")
    assert oauth.me()["email"] == USER

    refreshed = oauth.refresh()
    assert refreshed.refresh_token not in (None, token.refresh_token)
    assert refreshed.access_token != token.access_token
    assert oauth.token_store.load() == refreshed
    assert_token_request_shape(mock.requests.last("token", grant_type="refresh_token"), client_id)

    oauth.revoke()
    revocation = mock.requests.last("revoke")
    assert revocation is not None and revocation.status == 200
    assert revocation.form["token"] == fingerprint(refreshed.refresh_token or "")
    assert oauth.token_store.load() is None
    with pytest.raises(ReauthorizationRequired):
        oauth.refresh(refreshed)  # revoking the refresh token revoked the family
    assert_no_secret_in_any_url(sync_env)


@KINDS
@pytest.mark.anyio
async def test_async_flow_exchange_me_refresh_revoke(async_env: AsyncEnv, client_id: str) -> None:
    oauth = async_env.oauth(client_id, APPS[client_id])
    request = oauth.authorization_url()
    callback = await async_env.authorize(request)

    token = await oauth.exchange(callback, request.state, request.code_verifier)

    assert token.scope == "account.read offline"
    mock = async_env.mock
    assert_token_request_shape(mock.requests.last("token"), client_id)
    assert (await oauth.me())["email"] == USER
    refreshed = await oauth.refresh()
    assert refreshed.refresh_token != token.refresh_token
    await oauth.revoke()
    assert oauth.token_store.load() is None
    me = await async_env.http.get(
        mock.api_url + "/v2/me", headers={"Authorization": refreshed.authorization}
    )
    assert me.status_code == 401
    assert_no_secret_in_any_url(async_env)


def test_openid_scope_brings_an_id_token(sync_env: SyncEnv) -> None:
    oauth = sync_env.oauth(scopes=["account.read", "openid"])
    request = oauth.authorization_url()
    token = oauth.exchange(sync_env.authorize(request), request.state, request.code_verifier)
    assert token.id_token is not None and token.id_token.count(".") == 2
    assert token.refresh_token is None  # no offline scope, no refresh token


# The authorization URL ------------------------------------------------------------------------
def make(client_secret: str | None = None, **options: object) -> FrameioOAuth:
    options.setdefault("base_url", "https://auth.example.test")
    return FrameioOAuth("my-app", client_secret, redirect_uri=REDIRECT, **options)  # type: ignore[arg-type]


def test_authorization_url_carries_state_and_a_fresh_s256_challenge() -> None:
    oauth = make(scopes=["account.read", "offline"])
    first, second = oauth.authorization_url(), oauth.authorization_url()
    params = query(first.url)
    assert first.url.startswith("https://auth.example.test/oauth2/auth?")
    assert params == {
        "response_type": ["code"],
        "client_id": ["my-app"],
        "redirect_uri": [REDIRECT],
        "scope": ["account.read offline"],
        "state": [first.state],
        "code_challenge": [params["code_challenge"][0]],
        "code_challenge_method": ["S256"],
    }
    verifier = first.code_verifier or ""
    digest = hashlib.sha256(verifier.encode()).digest()
    assert params["code_challenge"][0] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert 43 <= len(verifier) <= 128
    assert set(verifier) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )
    assert len(first.state) >= 22  # >= 128 bits of base64url
    assert first.state != second.state
    assert first.code_verifier != second.code_verifier
    assert query(second.url)["code_challenge"] != params["code_challenge"]
    assert first.redirect_uri == REDIRECT
    assert verifier not in repr(first)


def test_apps_with_a_secret_may_skip_pkce_and_never_show_the_secret() -> None:
    oauth = make("top-secret", use_pkce=False)
    request = oauth.authorization_url(extra_params={"login_hint": "dev@example.com"})
    params = query(request.url)
    assert "code_challenge" not in params and request.code_verifier is None
    assert params["login_hint"] == ["dev@example.com"]
    assert "top-secret" not in request.url
    assert "top-secret" not in repr(oauth)
    assert make("top-secret").authorization_url().code_verifier is not None  # PKCE by default


def test_configuration_mistakes_are_refused_at_once() -> None:
    with pytest.raises(ValueError, match="use_pkce"):
        make(use_pkce=False)
    with pytest.raises(ValueError, match="redirect_uri"):
        FrameioOAuth("my-app", redirect_uri="http://app.example.com/callback")
    with pytest.raises(ValueError, match="base_url"):
        make(base_url="applications.frame.io")
    with pytest.raises(ValueError, match="client_secret"):
        make("")
    with pytest.raises(ValueError, match="extra_params"):
        make().authorization_url(extra_params={"state": "mine"})


def test_the_defaults_point_at_frameio() -> None:
    oauth = FrameioOAuth("my-app", redirect_uri=REDIRECT)
    assert oauth.authorization_endpoint == "https://applications.frame.io/oauth2/auth"
    assert oauth.token_endpoint == "https://applications.frame.io/oauth2/token"
    assert oauth.api_url == "https://api.frame.io"
    assert oauth.scopes == ("account.read", "offline")
    assert oauth.is_public
    oauth.close()


def test_token_is_stored_where_asked(sync_env: SyncEnv) -> None:
    from frameio_oauth_mock.client import MemoryTokenStore

    store = MemoryTokenStore()
    oauth = sync_env.oauth(SECRET_APP, SECRET, token_store=store)
    request = oauth.authorization_url()
    token = oauth.exchange(sync_env.authorize(request), request.state, request.code_verifier)
    assert store.load() == token
    assert isinstance(token, Token)
