"""MockServer, the Python API of issue 4: serving, in-process use, run-time changes, reset,
issue_token, configuration files and deterministic (seeded) codes and tokens."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from frameio_oauth_mock.mockserver import ClientConfig, ConfigError, MockServer, UserConfig
from tests.harness.support import (
    APP_ID,
    APP_SECRET,
    CLIENTS,
    HTTP_TIMEOUT,
    OTHER_EMAIL,
    PKCE_ID,
    REDIRECT,
    STATE,
    USER_EMAIL,
    AsyncFlow,
    SyncFlow,
    bearer,
    make_mock,
    pkce_pair,
    query_of,
)

pytestmark = pytest.mark.anyio


# Serving on a free port ----------------------------------------------------------------------


def test_context_manager_serves_every_endpoint_on_a_free_port() -> None:
    with make_mock() as mock:
        parts = urlsplit(mock.url)
        assert parts.scheme == "http"
        assert parts.hostname == "127.0.0.1"
        assert parts.port is not None and parts.port > 0
        for url in (
            mock.authorize_url,
            mock.token_url,
            mock.revoke_url,
            mock.introspect_url,
            mock.userinfo_url,
            mock.jwks_url,
            mock.metadata_url,
        ):
            assert url.startswith(mock.url + "/")

        with httpx.Client(timeout=HTTP_TIMEOUT) as http:
            metadata = http.get(mock.metadata_url)
            assert metadata.status_code == 200
            document = metadata.json()
            assert document["issuer"] == mock.url
            assert document["authorization_endpoint"] == mock.authorize_url
            assert document["token_endpoint"] == mock.token_url
            assert http.get(mock.jwks_url).json()["keys"]

            verifier, challenge = pkce_pair()
            authorize = http.get(
                mock.authorize_url,
                params={
                    "client_id": APP_ID,
                    "response_type": "code",
                    "redirect_uri": REDIRECT,
                    "scope": "account.read offline openid",
                    "state": STATE,
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                },
            )
            assert authorize.status_code == 303
            code = query_of(authorize.headers["location"])["code"]
            token = http.post(
                mock.token_url,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": REDIRECT,
                    "code_verifier": verifier,
                },
                auth=(APP_ID, APP_SECRET),
            )
            assert token.status_code == 200, token.text
            access = token.json()["access_token"]

            me = http.get(mock.api_url + "/v2/me", headers=bearer(access))
            assert me.status_code == 200
            assert me.json()["email"] == USER_EMAIL
            userinfo = http.get(mock.userinfo_url, headers=bearer(access))
            assert userinfo.json()["email"] == USER_EMAIL
            introspect = http.post(
                mock.introspect_url, data={"token": access}, auth=(APP_ID, APP_SECRET)
            )
            assert introspect.json()["active"] is True
            revoke = http.post(mock.revoke_url, data={"token": access}, auth=(APP_ID, APP_SECRET))
            assert revoke.status_code == 200
            assert http.get(mock.api_url + "/v2/me", headers=bearer(access)).status_code == 401
        url = mock.url

    # Stopped: the port no longer answers, and the URL falls back to the in-process one.
    with pytest.raises(httpx.TransportError):
        httpx.get(url + "/health", timeout=HTTP_TIMEOUT)
    assert mock.url == "http://frameio-mock.test"


def test_two_servers_get_two_ports_and_separate_state() -> None:
    with make_mock() as first, make_mock() as second:
        assert first.url != second.url
        token = first.issue_token(USER_EMAIL, APP_ID)["access_token"]
        with httpx.Client(timeout=HTTP_TIMEOUT) as http:
            assert http.get(first.url + "/v2/me", headers=bearer(token)).status_code == 200
            assert http.get(second.url + "/v2/me", headers=bearer(token)).status_code == 401
        assert first.requests.count("api") == 1
        assert second.requests.count("api") == 1


def test_start_is_idempotent_and_stop_can_be_called_twice() -> None:
    mock = make_mock()
    try:
        assert mock.start() is mock
        url = mock.url
        assert mock.start().url == url
        assert httpx.get(url + "/health", timeout=HTTP_TIMEOUT).json() == {"status": "ok"}
    finally:
        mock.stop()
    mock.stop()
    assert mock.url == "http://frameio-mock.test"


def test_stop_closes_kept_alive_connections_and_the_port() -> None:
    mock = make_mock().start()
    url = mock.url
    with httpx.Client(timeout=HTTP_TIMEOUT) as http:
        assert http.get(url + "/health").status_code == 200  # the connection stays open
        mock.stop()
        with pytest.raises(httpx.ConnectError):
            http.get(url + "/health")


def test_stop_lets_an_answer_in_flight_finish() -> None:
    mock = make_mock().start()
    rule = mock.fault("api", delay=0.5)
    answers: list[int] = []

    def call() -> None:
        answers.append(httpx.get(mock.url + "/v2/me", timeout=HTTP_TIMEOUT).status_code)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 10
    while rule.seen == 0 and time.monotonic() < deadline:
        time.sleep(0.01)  # until the request has arrived and its answer is being delayed
    assert rule.seen == 1 and not answers
    mock.stop()
    caller.join(10)
    assert answers == [401]


def test_a_stopped_server_starts_again() -> None:
    mock = make_mock()
    for _ in range(3):
        with mock:
            assert httpx.get(mock.url + "/health", timeout=HTTP_TIMEOUT).status_code == 200


# In-process ---------------------------------------------------------------------------------


async def test_app_in_process_with_asgi_transport() -> None:
    mock = make_mock()
    transport = httpx.ASGITransport(app=mock.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://inproc.test") as http:
        flow = AsyncFlow(http)
        tokens = await flow.tokens()
        me = await flow.me(tokens["access_token"])
        assert me.status_code == 200
        assert me.json()["email"] == USER_EMAIL
    assert mock.requests.count("token") == 1
    assert mock.url == "http://frameio-mock.test"


async def test_async_client_talks_to_the_app_without_a_socket() -> None:
    mock = make_mock()
    async with mock.async_client() as http:
        assert str(http.base_url) == "http://frameio-mock.test"
        flow = AsyncFlow(http)
        tokens = await flow.tokens(PKCE_ID)
        refreshed = await flow.refresh(tokens["refresh_token"], PKCE_ID)
        assert refreshed.status_code == 200
        metadata = await http.get("/.well-known/openid-configuration")
        assert metadata.json()["issuer"] == "http://frameio-mock.test"
    assert [entry.endpoint for entry in mock.requests] == [
        "authorize",
        "token",
        "token",
        "metadata",
    ]


# Run-time clients and users ----------------------------------------------------------------


async def test_add_client_as_dict_and_as_client_config() -> None:
    mock = make_mock()
    added = mock.add_client(
        {
            "client_id": "late-dict",
            "client_secret": "late-secret",
            "redirect_uris": [REDIRECT],
            "scopes": ["account.read"],
        }
    )
    assert isinstance(added, ClientConfig)
    mock.add_client(ClientConfig("late-config", (REDIRECT,), ("account.read", "offline")))
    mock.add_client(client_id="late-kwargs", redirect_uris=[REDIRECT], scopes=["account.read"])
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        code = await flow.code("late-dict", scope="account.read")
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        answer = await http.post("/oauth2/token", data=data, auth=("late-dict", "late-secret"))
        assert answer.status_code == 200, answer.text
        assert "refresh_token" not in answer.json()

        verifier, challenge = pkce_pair()
        code = await flow.code("late-config", challenge=challenge)
        data = {**data, "code": code, "client_id": "late-config", "code_verifier": verifier}
        answer = await http.post("/oauth2/token", data=data)
        assert answer.status_code == 200, answer.text
        assert (await flow.authorize("late-kwargs", scope="account.read")).status_code == 303


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"client_id": APP_ID, "redirect_uris": [REDIRECT], "scopes": []}, "duplicate"),
        (
            {"client_id": "bad-uri", "redirect_uris": ["http://example.com/cb"], "scopes": []},
            "http on a non-loopback host",
        ),
        ({"client_id": "no-uri", "redirect_uris": [], "scopes": []}, "redirect_uris"),
        (
            {"client_id": "bad-scope", "redirect_uris": [REDIRECT], "scopes": ["admin.all"]},
            "admin.all",
        ),
        ({"client_id": "typo", "redirect_uris": [REDIRECT], "scope": ["x"]}, "'scope'"),
        ({"redirect_uris": [REDIRECT]}, "client_id"),
        (ClientConfig("cfg", ("https://x.example/cb",), (), client_secret=""), "client_secret"),
    ],
)
def test_add_client_refuses_an_invalid_client(spec: object, fragment: str) -> None:
    mock = make_mock()
    before = dict(mock.context.registry.clients)
    with pytest.raises(ConfigError, match=fragment):
        mock.add_client(spec)  # type: ignore[arg-type]
    assert mock.context.registry.clients == before


async def test_add_user_at_run_time_while_serving() -> None:
    with make_mock() as mock:
        mock.add_user({"email": "late@example.com", "password": "late-pw", "name": "Late"})
        mock.add_user(UserConfig(email="typed@example.com", password="pw"))
        with pytest.raises(ConfigError, match="duplicate"):
            mock.add_user({"email": "LATE@example.com", "password": "x"})
        with pytest.raises(ConfigError, match="password"):
            mock.add_user({"email": "nopw@example.com"})
        async with httpx.AsyncClient(base_url=mock.url, timeout=HTTP_TIMEOUT) as http:
            flow = AsyncFlow(http)
            for email in ("late@example.com", "typed@example.com"):
                verifier, challenge = pkce_pair()
                code = await flow.code(challenge=challenge, login_hint=email)
                token = (await flow.exchange(code, verifier=verifier)).json()["access_token"]
                me = await flow.me(token)
                assert me.json()["email"] == email


# reset() ------------------------------------------------------------------------------------


async def test_reset_drops_codes_tokens_faults_and_log_and_restores_the_rest() -> None:
    mock = make_mock()
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        pending_code = await flow.code()
        tokens = await flow.tokens()
        issued = mock.issue_token(USER_EMAIL, APP_ID)
        mock.fault("introspect", status=503, times=None)
        mock.add_client(client_id="added", redirect_uris=[REDIRECT], scopes=["account.read"])
        mock.add_user(email="added@example.com", password="pw")
        mock.configure(strict=True, access_token_ttl=60)
        mock.clock.freeze(at=1_000_000.0)
        mock.clock.advance(30)
        assert len(mock.requests) > 0

        mock.reset()

        assert len(mock.faults) == 0
        assert len(mock.requests) == 0
        assert not mock.clock.frozen
        assert abs(mock.clock.now() - time.time()) < 3600
        assert "added" not in mock.context.registry.clients
        assert mock.context.registry.user_by_email("added@example.com") is None
        assert set(mock.context.registry.clients) == {c["client_id"] for c in CLIENTS}

        # Everything issued before the reset is refused after it.
        assert (await flow.me(tokens["access_token"])).status_code == 401
        assert (await flow.me(issued["access_token"])).status_code == 401
        introspected = await flow.introspect(tokens["access_token"])
        assert introspected.status_code == 200  # the fault is gone too
        assert introspected.json() == {"active": False}
        refreshed = await flow.refresh(tokens["refresh_token"])
        assert refreshed.status_code == 400
        assert refreshed.json()["error"] == "invalid_grant"
        redeemed = await flow.exchange(pending_code)
        assert redeemed.status_code == 400
        assert redeemed.json()["error"] == "invalid_grant"

        # Options are back: not strict (no PKCE needed, no iss), the profile's lifetime.
        plain = await flow.authorize()
        assert plain.status_code == 303
        assert "iss" not in query_of(plain.headers["location"])
        fresh = await flow.exchange(query_of(plain.headers["location"])["code"])
        assert fresh.json()["expires_in"] == 3600
        # The added client is unknown again.
        unknown = await flow.authorize("added", scope="account.read")
        assert unknown.status_code == 401
        assert "invalid_client" in unknown.text


async def test_reset_is_the_same_over_http() -> None:
    mock = make_mock()
    mock.configure(strict=True)
    async with mock.async_client() as http:
        answer = await http.post("/_mock/reset", json={})
        assert answer.status_code == 204
        plain = await AsyncFlow(http).authorize()
        assert plain.status_code == 303, "strict mode survived POST /_mock/reset"
        assert "iss" not in query_of(plain.headers["location"])


# configure() -------------------------------------------------------------------------------


async def test_configure_strict_at_run_time() -> None:
    mock = make_mock()
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        assert (await flow.authorize()).status_code == 303
        mock.configure(strict=True)
        refused = await flow.authorize()
        assert refused.status_code == 303
        refused_query = query_of(refused.headers["location"])
        assert refused_query["error"] == "invalid_request"
        assert "code" not in refused_query
        _, challenge = pkce_pair()
        accepted = query_of((await flow.authorize(challenge=challenge)).headers["location"])
        assert "code" in accepted
        assert accepted["iss"] == mock.url
        metadata = (await http.get("/.well-known/openid-configuration")).json()
        assert metadata["code_challenge_methods_supported"] == ["S256"]


async def test_configure_lifetimes_and_auto_approve() -> None:
    mock = make_mock()
    mock.configure(access_token_ttl=77, auto_approve=False)
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        page = await flow.authorize()
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        mock.configure(auto_approve=True)
        tokens = await flow.tokens()
        assert tokens["expires_in"] == 77


# issue_token() ------------------------------------------------------------------------------


async def test_issue_token_gives_working_tokens() -> None:
    mock = make_mock()
    answer = mock.issue_token(OTHER_EMAIL, APP_ID, ["account.read", "offline", "openid"])
    assert answer["token_type"] == "bearer"
    assert answer["scope"] == "account.read offline openid"
    assert answer["expires_in"] == 3600
    assert {"access_token", "refresh_token", "id_token"} <= set(answer)
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        me = await flow.me(answer["access_token"])
        assert me.status_code == 200
        assert me.json()["email"] == OTHER_EMAIL
        introspected = (await flow.introspect(answer["access_token"])).json()
        assert introspected["active"] is True
        assert introspected["client_id"] == APP_ID
        assert introspected["scope"] == "account.read offline openid"
        refreshed = await flow.refresh(answer["refresh_token"])
        assert refreshed.status_code == 200, refreshed.text
        # No browser was involved: nothing reached the authorization endpoint.
        assert mock.requests.count("authorize") == 0


async def test_issue_token_default_scopes_and_no_refresh_without_offline() -> None:
    mock = make_mock()
    default = mock.issue_token(USER_EMAIL, PKCE_ID)  # every scope the client has
    registered = mock.context.registry.clients[PKCE_ID].scopes
    assert default["scope"] == " ".join(registered)
    assert "refresh_token" in default
    online = mock.issue_token(USER_EMAIL, PKCE_ID, ["account.read"])
    assert "refresh_token" not in online
    no_scope = mock.issue_token(USER_EMAIL, PKCE_ID, [])
    async with mock.async_client() as http:
        assert (await AsyncFlow(http).me(online["access_token"])).status_code == 200
        assert (await AsyncFlow(http).me(no_scope["access_token"])).status_code == 403


@pytest.mark.parametrize(
    ("user", "client_id", "scopes", "field"),
    [
        (USER_EMAIL, "nobody", ["account.read"], "client_id"),
        ("ghost@example.com", APP_ID, ["account.read"], "user"),
        (USER_EMAIL, APP_ID, ["account.read", "team.create"], "scopes"),
    ],
)
def test_issue_token_refuses_unknown_client_user_or_scope(
    user: str, client_id: str, scopes: list[str], field: str
) -> None:
    mock = make_mock()
    with pytest.raises(ValueError, match=f"^{field}:"):
        mock.issue_token(user, client_id, scopes)
    assert mock.store.counts()["tokens"] == 0


# config= -------------------------------------------------------------------------------------

CONFIG = """
[server]
access_token_ttl = 120
auto_approve = false

[[clients]]
client_id = "file-app"
client_secret = "file-secret"
redirect_uris = ["http://127.0.0.1:8765/callback"]
scopes = ["account.read", "offline"]

[[users]]
email = "file@example.com"
password = "file-password"
"""


async def test_config_path_with_extra_clients(tmp_path: Path) -> None:
    path = tmp_path / "mock.toml"
    path.write_text(CONFIG, encoding="utf-8")
    mock = MockServer(config=path, clients=[CLIENTS[0]])
    assert set(mock.context.registry.clients) == {"file-app", APP_ID}
    assert [user.email for user in mock.context.registry.users.values()] == ["file@example.com"]
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        # MockServer auto-approves by default, whatever the file says.
        code = await flow.code("file-app")
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        answer = await http.post("/oauth2/token", data=data, auth=("file-app", "file-secret"))
        assert answer.status_code == 200, answer.text
        assert answer.json()["expires_in"] == 120
        me = (await flow.me(answer.json()["access_token"])).json()
        assert me["email"] == "file@example.com"


def test_config_path_errors_and_default_user(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        MockServer(config=tmp_path / "missing.toml")
    path = tmp_path / "clients-only.toml"
    path.write_text(CONFIG.split("[[users]]")[0], encoding="utf-8")
    mock = MockServer(config=str(path))
    # No users anywhere: the default user is there so auto-approve has someone to log in.
    assert list(mock.context.registry.users) == ["dev@example.com"]
    assert MockServer(config=str(path), users=[]).context.registry.users == {}
    with pytest.raises(ConfigError, match="duplicate"):
        MockServer(config=path, clients=[{**CLIENTS[0], "client_id": "file-app"}])


# Deterministic mode ---------------------------------------------------------------------------


async def _seeded_run(mock: MockServer) -> list[str]:
    """Codes and tokens of one fixed sequence of requests (no PKCE: its verifier is random)."""
    values: list[str] = []
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        code = await flow.code()
        values.append(code)
        first = (await flow.exchange(code)).json()
        values += [first["access_token"], first["refresh_token"]]
        second = (await flow.refresh(first["refresh_token"])).json()
        values += [second["access_token"], second["refresh_token"]]
        third = mock.issue_token(USER_EMAIL, PKCE_ID)
        values += [third["access_token"], third["refresh_token"]]
    return values


async def test_same_seed_same_codes_and_tokens() -> None:
    first = await _seeded_run(make_mock(seed=7))
    second = await _seeded_run(make_mock(seed=7))
    assert first == second
    assert len(set(first)) == len(first)
    assert first[0].startswith("ory_ac_")
    assert first[1].startswith("ory_at_")
    assert first[2].startswith("ory_rt_")


async def test_different_seed_or_no_seed_gives_different_values() -> None:
    seven = await _seeded_run(make_mock(seed=7))
    eight = await _seeded_run(make_mock(seed=8))
    unseeded = await _seeded_run(make_mock())
    assert set(seven).isdisjoint(eight)
    assert set(seven).isdisjoint(unseeded)


async def test_reset_restarts_the_seeded_sequence() -> None:
    mock = make_mock(seed=7)
    before = await _seeded_run(mock)
    mock.reset()
    assert await _seeded_run(mock) == before


async def test_seeded_server_over_a_real_socket() -> None:
    expected = await _seeded_run(make_mock(seed=11))
    with make_mock(seed=11) as mock:
        async with httpx.AsyncClient(base_url=mock.url, timeout=HTTP_TIMEOUT) as http:
            flow = AsyncFlow(http)
            code = await flow.code()
            first = (await flow.exchange(code)).json()
    assert [code, first["access_token"], first["refresh_token"]] == expected[:3]


def test_sync_client_against_running_server() -> None:
    with make_mock() as mock, httpx.Client(base_url=mock.url, timeout=HTTP_TIMEOUT) as http:
        flow = SyncFlow(http)
        tokens = flow.tokens(PKCE_ID)
        assert flow.me(tokens["access_token"]).json()["email"] == USER_EMAIL
        assert mock.requests.last("token") is not None
