"""The official Frame.io V4 SDK (`frameio` 4.0.0, `frameio.auth`) against the adobe-ims profile.

The mock runs on real uvicorn (MockServer as a context manager) and the SDK makes its own HTTP
calls to `ims_base_url=mock.url`, exactly as an integration would. The expectations come from
issue 9 and docs/fidelity.md (profile adobe-ims); what the SDK does with each answer is read
from the SDK itself (frameio/auth/_http.py), never from the mock.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from frameio.auth import (
    AsyncServerToServerAuth,
    AsyncSPAAuth,
    AsyncWebAppAuth,
    AuthenticationError,
    NetworkError,
    RateLimitError,
    ServerToServerAuth,
    SPAAuth,
    TokenExpiredError,
    WebAppAuth,
    aclose_clients,
    close_clients,
)
from frameio.auth import _http as sdk_http

from frameio_oauth_mock.mockserver import MockServer
from frameio_oauth_mock.mockserver.requestlog import fingerprint

REDIRECT = "http://127.0.0.1:8765/callback"
WEB_ID, WEB_SECRET = "ims-web", "ims-web-secret-Pq83"
SPA_ID = "ims-spa"
S2S_ID, S2S_SECRET = "ims-s2s", "ims-s2s-secret-Lm21"
USER_EMAIL = "dev@example.com"
# The SDK's default scopes (frameio.auth._http.DEFAULT_SCOPES / S2S_SCOPES).
USER_SCOPES = ["openid", "email", "profile", "offline_access", "additional_info.roles"]
S2S_SCOPES = ["openid", "AdobeID", "frame.s2s.all"]
CODE_RESPONSE_FIELDS = {
    "access_token",
    "refresh_token",
    "sub",
    "id_token",
    "token_type",
    "expires_in",
}
REFRESH_RESPONSE_FIELDS = {"access_token", "refresh_token", "token_type", "expires_in"}
IMS_ACCESS_TTL = 86399
IMS_REFRESH_TTL = 14 * 86400

CLIENTS: list[dict[str, Any]] = [
    {
        "client_id": WEB_ID,
        "client_secret": WEB_SECRET,
        "redirect_uris": [REDIRECT],
        "scopes": USER_SCOPES,
        "profile": "adobe-ims",
    },
    {
        "client_id": SPA_ID,
        "redirect_uris": [REDIRECT],
        "scopes": USER_SCOPES,
        "profile": "adobe-ims",
    },
    {
        "client_id": S2S_ID,
        "client_secret": S2S_SECRET,
        "grant_types": ["client_credentials"],
        "scopes": S2S_SCOPES,
        "profile": "adobe-ims",
    },
]
USERS = [{"email": USER_EMAIL, "password": "dev-password-Yq42", "name": "Dev User"}]


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(clients=CLIENTS, users=USERS) as mock:
        yield mock
    close_clients()  # the SDK caches one httpx.Client per timeout, module-wide


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    server.reset()
    return server


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The SDK's back-off waits, recorded instead of slept (sync and async token requests)."""
    waits: list[float] = []

    async def asleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(sdk_http, "time", SimpleNamespace(sleep=waits.append, time=time.time))
    monkeypatch.setattr(sdk_http, "asyncio", SimpleNamespace(sleep=asleep))
    return waits


@pytest.fixture
async def async_sdk(anyio_backend: str) -> AsyncIterator[None]:
    """Close the SDK's cached httpx.AsyncClient: it must not outlive this test's event loop."""
    yield
    await aclose_clients()


def user_id(mock: MockServer) -> str:
    user = mock.context.registry.user_by_email(USER_EMAIL)
    assert user is not None
    return user.id


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def callback_params(response: httpx.Response) -> dict[str, str]:
    """The query of the authorization response's redirect to REDIRECT (IMS redirects with 302)."""
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def authorize(url: str) -> dict[str, str]:
    """The browser's part: open the SDK's authorization URL (auto_approve answers at once)."""
    return callback_params(httpx.get(url, follow_redirects=False, timeout=10))


def userinfo(mock: MockServer, access_token: str) -> httpx.Response:
    return httpx.get(
        mock.url + "/ims/userinfo/v2",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )


def is_jwt(token: str) -> bool:
    return token.startswith("eyJ") and token.count(".") == 2


def web_app(mock: MockServer, **options: Any) -> WebAppAuth:
    return WebAppAuth(
        client_id=WEB_ID,
        client_secret=WEB_SECRET,
        redirect_uri=REDIRECT,
        ims_base_url=mock.url,
        **options,
    )


def signed_in(mock: MockServer, **options: Any) -> tuple[WebAppAuth, dict[str, Any]]:
    """A WebAppAuth that has been through authorization and code exchange."""
    auth = web_app(mock, **options)
    code = authorize(auth.get_authorization_url(state="csrf-state-0001"))["code"]
    return auth, auth.exchange_code(code)


# WebAppAuth ------------------------------------------------------------------------------------


def test_web_app_authorize_exchange_refresh_revoke(mock: MockServer) -> None:
    auth = web_app(mock)
    url = auth.get_authorization_url(state="csrf-state-0001")
    assert url.startswith(mock.url + "/ims/authorize/v2?")

    callback = authorize(url)
    assert callback["state"] == "csrf-state-0001"
    assert is_jwt(callback["code"])
    sent = mock.requests.last("authorize")
    assert sent is not None
    assert sent.query["scope"] == " ".join(USER_SCOPES)  # the SDK's default scopes

    tokens = auth.exchange_code(callback["code"])
    assert set(tokens) == CODE_RESPONSE_FIELDS
    assert tokens["expires_in"] == IMS_ACCESS_TTL
    assert tokens["token_type"] == "bearer"
    assert tokens["sub"] == user_id(mock)
    assert is_jwt(tokens["access_token"])
    assert is_jwt(tokens["refresh_token"])
    exchange = mock.requests.last("token", grant_type="authorization_code")
    assert exchange is not None
    assert exchange.status == 200
    assert exchange.client_id == WEB_ID
    # The SDK authenticates with client_secret_post at the token endpoint.
    assert exchange.form["client_secret"] == fingerprint(WEB_SECRET)
    assert "authorization" not in exchange.headers

    # A fresh token is served from the SDK's cache, without a request.
    calls = mock.requests.count("token")
    assert auth.get_token() == tokens["access_token"]
    assert mock.requests.count("token") == calls

    first = auth.refresh()
    second = auth.refresh()
    for answer in (first, second):
        assert set(answer) == REFRESH_RESPONSE_FIELDS  # no sub, no id_token
        assert answer["expires_in"] == IMS_ACCESS_TTL
    assert first["refresh_token"] != tokens["refresh_token"]
    refreshes = mock.requests.filter("token", grant_type="refresh_token")
    assert [entry.status for entry in refreshes] == [200, 200]
    # The second refresh presented the rotated refresh token the first one returned.
    assert [entry.form["refresh_token"] for entry in refreshes] == [
        fingerprint(tokens["refresh_token"]),
        fingerprint(first["refresh_token"]),
    ]
    assert auth.get_token() == second["access_token"]
    assert auth.export_tokens()["refresh_token"] == second["refresh_token"]

    claims = userinfo(mock, second["access_token"])
    assert claims.status_code == 200, claims.text
    assert claims.json()["sub"] == tokens["sub"]

    auth.revoke()
    revokes = mock.requests.filter("revoke")
    assert [entry.status for entry in revokes] == [200, 200]  # access token, then refresh token
    for entry in revokes:
        assert entry.headers["authorization"].startswith("Basic ")
        assert entry.client_id == WEB_ID
    assert [entry.form["token"] for entry in revokes] == [
        fingerprint(second["access_token"]),
        fingerprint(second["refresh_token"]),
    ]
    assert auth.export_tokens()["access_token"] is None

    refused = userinfo(mock, second["access_token"])
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_token"
    again = httpx.post(
        mock.url + "/ims/token/v3",
        data={
            "grant_type": "refresh_token",
            "refresh_token": second["refresh_token"],
            "client_id": WEB_ID,
            "client_secret": WEB_SECRET,
        },
        timeout=10,
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_web_app_get_token_refreshes_when_the_token_is_due(mock: MockServer) -> None:
    refreshed: list[dict[str, Any]] = []
    # A buffer longer than the 86399 s lifetime: every get_token() finds the token due.
    auth, tokens = signed_in(
        mock, refresh_buffer=IMS_ACCESS_TTL + 1, on_token_refreshed=refreshed.append
    )

    token = auth.get_token()

    assert token != tokens["access_token"]
    entry = mock.requests.last("token", grant_type="refresh_token")
    assert entry is not None
    assert entry.status == 200
    assert entry.form["refresh_token"] == fingerprint(tokens["refresh_token"])
    assert len(refreshed) == 1
    assert refreshed[0]["access_token"] == token
    assert refreshed[0]["refresh_token"] not in (None, tokens["refresh_token"])
    assert userinfo(mock, token).status_code == 200


def test_web_app_wrong_secret_is_an_authentication_error(mock: MockServer) -> None:
    auth = WebAppAuth(
        client_id=WEB_ID, client_secret="wrong", redirect_uri=REDIRECT, ims_base_url=mock.url
    )
    code = authorize(auth.get_authorization_url(state="s"))["code"]

    with pytest.raises(AuthenticationError) as caught:
        auth.exchange_code(code)

    assert caught.value.error_code == "invalid_client"
    assert mock.requests.count("token") == 1  # a 401 is not retried
    assert mock.requests.last("token").status == 401  # type: ignore[union-attr]


# SPAAuth (PKCE) -------------------------------------------------------------------------------


def test_spa_pkce_exchange_refresh_revoke(mock: MockServer) -> None:
    auth = SPAAuth(client_id=SPA_ID, redirect_uri=REDIRECT, ims_base_url=mock.url)
    started = auth.get_authorization_url(state="spa-state-01")

    callback = authorize(started.url)
    sent = mock.requests.last("authorize")
    assert sent is not None
    assert sent.query["code_challenge_method"] == "S256"
    assert sent.query["code_challenge"] == s256(started.code_verifier)

    tokens = auth.exchange_code(callback["code"], started.code_verifier)
    assert set(tokens) == CODE_RESPONSE_FIELDS
    exchange = mock.requests.last("token", grant_type="authorization_code")
    assert exchange is not None
    assert exchange.status == 200
    assert exchange.form["client_id"] == SPA_ID
    assert exchange.form["code_verifier"] == fingerprint(started.code_verifier)
    assert "client_secret" not in exchange.form
    assert "authorization" not in exchange.headers

    refreshed = auth.refresh()
    assert set(refreshed) == REFRESH_RESPONSE_FIELDS
    entry = mock.requests.last("token", grant_type="refresh_token")
    assert entry is not None
    assert entry.status == 200
    assert entry.form["refresh_token"] == fingerprint(tokens["refresh_token"])
    assert auth.get_token() == refreshed["access_token"]

    auth.revoke()
    revokes = mock.requests.filter("revoke")
    assert [entry.status for entry in revokes] == [200, 200]
    for entry in revokes:
        # A public client names itself in the query string, with no Authorization header.
        assert entry.query == {"client_id": SPA_ID}
        assert "authorization" not in entry.headers
    assert userinfo(mock, refreshed["access_token"]).status_code == 401


def test_spa_wrong_code_verifier_is_refused(mock: MockServer) -> None:
    auth = SPAAuth(client_id=SPA_ID, redirect_uri=REDIRECT, ims_base_url=mock.url)
    started = auth.get_authorization_url(state="spa-state-02")
    code = authorize(started.url)["code"]

    with pytest.raises(AuthenticationError) as caught:
        auth.exchange_code(code, "x" * 64)

    assert caught.value.error_code == "invalid_grant"


# ServerToServerAuth -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scopes",
    ["openid AdobeID frame.s2s.all", "openid,AdobeID,frame.s2s.all"],
    ids=["spaces", "commas"],
)
def test_server_to_server_client_credentials(mock: MockServer, scopes: str) -> None:
    auth = ServerToServerAuth(
        client_id=S2S_ID, client_secret=S2S_SECRET, scopes=scopes, ims_base_url=mock.url
    )

    token = auth.get_token()

    entry = mock.requests.last("token")
    assert entry is not None
    assert (entry.status, entry.grant_type, entry.client_id) == (200, "client_credentials", S2S_ID)
    assert entry.form["scope"] == scopes
    assert is_jwt(token)
    assert auth.get_token() == token  # cached
    answer = auth.authenticate()
    assert set(answer) == {"access_token", "token_type", "expires_in"}  # no refresh token
    assert answer["expires_in"] == IMS_ACCESS_TTL
    assert auth.export_tokens()["refresh_token"] is None

    auth.revoke()
    revokes = mock.requests.filter("revoke")
    assert [entry.status for entry in revokes] == [200]  # only the access token exists


def test_server_to_server_default_scopes(mock: MockServer) -> None:
    auth = ServerToServerAuth(client_id=S2S_ID, client_secret=S2S_SECRET, ims_base_url=mock.url)
    assert is_jwt(auth.get_token())
    entry = mock.requests.last("token")
    assert entry is not None
    assert entry.form["scope"] == " ".join(S2S_SCOPES)


def test_server_to_server_scope_not_allowed(mock: MockServer) -> None:
    auth = ServerToServerAuth(
        client_id=S2S_ID, client_secret=S2S_SECRET, scopes="openid,email", ims_base_url=mock.url
    )
    with pytest.raises(AuthenticationError) as caught:
        auth.get_token()
    assert caught.value.error_code == "invalid_scope"


# The async variants ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_web_app_flow(mock: MockServer, async_sdk: None) -> None:
    auth = AsyncWebAppAuth(
        client_id=WEB_ID, client_secret=WEB_SECRET, redirect_uri=REDIRECT, ims_base_url=mock.url
    )
    async with httpx.AsyncClient(timeout=10) as browser:
        response = await browser.get(auth.get_authorization_url(state="async-state-1"))
    callback = callback_params(response)
    assert callback["state"] == "async-state-1"

    tokens = await auth.exchange_code(callback["code"])
    assert set(tokens) == CODE_RESPONSE_FIELDS
    assert await auth.get_token() == tokens["access_token"]
    refreshed = await auth.refresh()
    assert set(refreshed) == REFRESH_RESPONSE_FIELDS
    assert await auth.get_token() == refreshed["access_token"]
    entry = mock.requests.last("token", grant_type="refresh_token")
    assert entry is not None
    assert entry.form["refresh_token"] == fingerprint(tokens["refresh_token"])

    await auth.revoke()
    assert [entry.status for entry in mock.requests.filter("revoke")] == [200, 200]
    assert userinfo(mock, refreshed["access_token"]).status_code == 401


@pytest.mark.anyio
async def test_async_spa_flow(mock: MockServer, async_sdk: None) -> None:
    auth = AsyncSPAAuth(client_id=SPA_ID, redirect_uri=REDIRECT, ims_base_url=mock.url)
    started = auth.get_authorization_url(state="async-spa-1")
    async with httpx.AsyncClient(timeout=10) as browser:
        callback = callback_params(await browser.get(started.url))
    sent = mock.requests.last("authorize")
    assert sent is not None
    assert sent.query["code_challenge_method"] == "S256"

    tokens = await auth.exchange_code(callback["code"], started.code_verifier)
    assert set(tokens) == CODE_RESPONSE_FIELDS
    refreshed = await auth.refresh()
    assert set(refreshed) == REFRESH_RESPONSE_FIELDS

    await auth.revoke()
    revokes = mock.requests.filter("revoke")
    assert [(entry.status, entry.query) for entry in revokes] == [(200, {"client_id": SPA_ID})] * 2


@pytest.mark.anyio
async def test_async_server_to_server(mock: MockServer, async_sdk: None) -> None:
    auth = AsyncServerToServerAuth(
        client_id=S2S_ID,
        client_secret=S2S_SECRET,
        scopes="openid,AdobeID,frame.s2s.all",
        ims_base_url=mock.url,
    )
    token = await auth.get_token()
    assert is_jwt(token)
    assert await auth.get_token() == token
    assert mock.requests.count("token", grant_type="client_credentials", status=200) == 1


@pytest.mark.anyio
async def test_async_retries_429_honouring_retry_after(
    mock: MockServer, sleeps: list[float], async_sdk: None
) -> None:
    mock.faults.add("token", status=429, retry_after=3)
    auth = AsyncServerToServerAuth(
        client_id=S2S_ID, client_secret=S2S_SECRET, ims_base_url=mock.url
    )

    assert is_jwt(await auth.get_token())

    assert [entry.status for entry in mock.requests.filter("token")] == [429, 200]
    assert sleeps == [3.0]


# The SDK under the mock's faults ---------------------------------------------------------------


def test_429_then_success_waits_for_retry_after(mock: MockServer, sleeps: list[float]) -> None:
    rule = mock.faults.add("token", status=429, retry_after=1)
    auth = ServerToServerAuth(client_id=S2S_ID, client_secret=S2S_SECRET, ims_base_url=mock.url)

    assert is_jwt(auth.get_token())

    calls = mock.requests.filter("token")
    assert [entry.status for entry in calls] == [429, 200]
    assert calls[0].fault == rule.id
    assert sleeps == [1.0]  # Retry-After, not the SDK's own back-off


def test_429_on_refresh_then_success(mock: MockServer, sleeps: list[float]) -> None:
    auth, tokens = signed_in(mock)
    mock.faults.add("token", grant_type="refresh_token", status=429, retry_after=2)

    refreshed = auth.refresh()

    assert refreshed["access_token"] != tokens["access_token"]
    calls = mock.requests.filter("token", grant_type="refresh_token")
    assert [entry.status for entry in calls] == [429, 200]
    # The retry presented the same refresh token: the 429 consumed nothing.
    assert calls[0].form["refresh_token"] == calls[1].form["refresh_token"]
    assert sleeps == [2.0]


def test_429_until_retries_run_out_is_a_rate_limit_error(
    mock: MockServer, sleeps: list[float]
) -> None:
    mock.faults.add("token", status=429, retry_after=1, times=None)
    auth = ServerToServerAuth(client_id=S2S_ID, client_secret=S2S_SECRET, ims_base_url=mock.url)

    with pytest.raises(RateLimitError) as caught:
        auth.get_token()

    assert caught.value.retry_after == 1.0
    assert mock.requests.count("token") == 3  # max_retries=2: three attempts
    assert sleeps == [1.0, 1.0]


def test_503_then_success(mock: MockServer, sleeps: list[float]) -> None:
    auth, _ = signed_in(mock)
    mock.faults.add("token", status=503)

    refreshed = auth.refresh()

    assert set(refreshed) == REFRESH_RESPONSE_FIELDS
    assert [
        entry.status for entry in mock.requests.filter("token", grant_type="refresh_token")
    ] == [
        503,
        200,
    ]
    assert sleeps == [1.0]  # the SDK's first back-off step


def test_5xx_until_retries_run_out_is_reported_with_the_oauth_error(
    mock: MockServer, sleeps: list[float]
) -> None:
    mock.faults.add("token", status=500, times=None)
    auth = ServerToServerAuth(client_id=S2S_ID, client_secret=S2S_SECRET, ims_base_url=mock.url)

    with pytest.raises(AuthenticationError) as caught:
        auth.get_token()

    assert caught.value.error_code == "server_error"
    assert mock.requests.count("token") == 3
    assert sleeps == [1.0, 2.0]


def test_slow_answers_end_in_a_network_error(mock: MockServer, sleeps: list[float]) -> None:
    mock.faults.add("token", delay=0.6, times=None)
    auth = ServerToServerAuth(
        client_id=S2S_ID, client_secret=S2S_SECRET, ims_base_url=mock.url, timeout=0.15
    )
    try:
        with pytest.raises(NetworkError):
            auth.authenticate()
        assert mock.faults.rules[0].seen == 3  # every attempt reached the mock, and timed out
        assert sleeps == [1.0, 2.0]
    finally:
        close_clients()  # drop the timed-out connections the SDK pooled for timeout=0.15


def test_expired_refresh_token_fault_is_a_token_expired_error(mock: MockServer) -> None:
    auth, _ = signed_in(mock)
    mock.faults.add(
        "token",
        grant_type="refresh_token",
        status=400,
        error="invalid_grant",
        error_description="The refresh token expired.",
    )

    with pytest.raises(TokenExpiredError) as caught:
        auth.refresh()

    assert "The refresh token expired." in str(caught.value)
    assert [
        entry.status for entry in mock.requests.filter("token", grant_type="refresh_token")
    ] == [400]


def test_refresh_token_really_expires_after_14_days(mock: MockServer) -> None:
    auth, _ = signed_in(mock)
    mock.clock.advance(IMS_REFRESH_TTL - 60)
    renewed = auth.refresh()  # still inside its 14 days; the new one lives 14 days from now
    assert set(renewed) == REFRESH_RESPONSE_FIELDS

    mock.clock.advance(IMS_REFRESH_TTL + 1)
    with pytest.raises(TokenExpiredError) as caught:
        auth.refresh()

    assert "expired" in str(caught.value).lower()
    last = mock.requests.last("token", grant_type="refresh_token")
    assert last is not None
    assert last.status == 400
    assert last.fault is None  # the mock's own expiry, not a scripted answer
