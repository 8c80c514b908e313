"""The HTTP control API under /_mock/, against real servers: a started MockServer, and the
`frameio-mock serve` CLI in a subprocess for the admin-token rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest

from frameio_oauth_mock.mockserver import MockServer, fingerprint
from tests.harness.support import (
    APP_ID,
    APP_SECRET,
    CLIENTS,
    DESCRIPTIONS,
    HTTP_TIMEOUT,
    PKCE_ID,
    REDIRECT,
    USER_EMAIL,
    SyncFlow,
    make_mock,
    query_of,
)
from tests.serverproc import ServerPool

START = 1_700_000_000


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with make_mock() as mock:
        yield mock


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    server.reset()
    return server


@pytest.fixture
def http(mock: MockServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.url, timeout=HTTP_TIMEOUT) as client:
        yield client


@pytest.fixture
def flow(http: httpx.Client) -> SyncFlow:
    return SyncFlow(http)


def problem(response: httpx.Response, field: str, status: int = 400) -> str:
    """A refused control request: the status and a JSON message starting with the field."""
    assert response.status_code == status, response.text
    message: str = response.json()["error"]
    assert field in message, message
    return message


# Clients and users ---------------------------------------------------------------------------

NEW_CLIENT = {
    "client_id": "http-app",
    "client_secret": "http-secret",
    "redirect_uris": [REDIRECT],
    "scopes": ["account.read", "offline"],
}


def test_clients_list_and_add(mock: MockServer, http: httpx.Client, flow: SyncFlow) -> None:
    listed = http.get("/_mock/clients")
    assert listed.status_code == 200
    assert [client["client_id"] for client in listed.json()] == [c["client_id"] for c in CLIENTS]
    app = listed.json()[0]
    assert app["redirect_uris"] == [REDIRECT]
    assert app["token_endpoint_auth_method"] == "client_secret_basic"

    added = http.post("/_mock/clients", json=NEW_CLIENT)
    assert added.status_code == 201
    assert added.json()["client_id"] == "http-app"
    assert added.json()["grant_types"] == ["authorization_code", "refresh_token"]
    assert "http-app" in [client["client_id"] for client in http.get("/_mock/clients").json()]
    assert "http-app" in mock.context.registry.clients

    code = flow.code("http-app")
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    token = http.post("/oauth2/token", data=data, auth=("http-app", "http-secret"))
    assert token.status_code == 200, token.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"redirect_uris": [REDIRECT]}, "client_id"),
        ({**NEW_CLIENT, "scope": ["account.read"]}, "'scope'"),
        ({**NEW_CLIENT, "redirect_uris": "http://127.0.0.1/cb"}, "redirect_uris"),
        ({**NEW_CLIENT, "redirect_uris": ["http://example.com/cb"]}, "redirect URI"),
        ({**NEW_CLIENT, "scopes": ["root"]}, "root"),
        ({**NEW_CLIENT, "client_id": APP_ID}, "duplicate"),
        ({**NEW_CLIENT, "client_secret": 42}, "client_secret"),
    ],
)
def test_invalid_client_is_400_naming_the_field(
    mock: MockServer, http: httpx.Client, body: dict[str, Any], field: str
) -> None:
    problem(http.post("/_mock/clients", json=body), field)
    assert set(mock.context.registry.clients) == {c["client_id"] for c in CLIENTS}


@pytest.mark.parametrize("path", ["/_mock/clients", "/_mock/users", "/_mock/faults"])
def test_bad_json_is_400(http: httpx.Client, path: str) -> None:
    headers = {"Content-Type": "application/json"}
    problem(http.post(path, content=b"{not json", headers=headers), "body")
    problem(http.post(path, content=b"[1, 2]", headers=headers), "body")
    problem(http.post(path, content=b"\xff\xfe", headers=headers), "body")


def test_users_list_and_add(mock: MockServer, http: httpx.Client, flow: SyncFlow) -> None:
    listed = http.get("/_mock/users").json()
    assert [user["email"] for user in listed] == [USER_EMAIL, "other@example.com"]
    assert "password" not in listed[0]
    assert set(listed[0]) == {"email", "name", "id", "account_id"}

    added = http.post("/_mock/users", json={"email": "new@example.com", "password": "pw-new"})
    assert added.status_code == 201
    assert added.json()["email"] == "new@example.com"
    assert added.json()["name"] == "new"
    assert len(http.get("/_mock/users").json()) == 3

    code = flow.code(login_hint="new@example.com")
    access = flow.exchange(code).json()["access_token"]
    assert flow.me(access).json()["email"] == "new@example.com"

    problem(http.post("/_mock/users", json={"email": "x@example.com"}), "password")
    problem(http.post("/_mock/users", json={"password": "x"}), "email")
    problem(http.post("/_mock/users", json={"email": USER_EMAIL, "password": "x"}), "duplicate")
    problem(
        http.post("/_mock/users", json={"email": "y@example.com", "password": "x", "pw": 1}), "pw"
    )


# Faults --------------------------------------------------------------------------------------


def test_faults_add_list_get_delete(mock: MockServer, http: httpx.Client, flow: SyncFlow) -> None:
    created = http.post(
        "/_mock/faults", json={"endpoint": "token", "status": 429, "retry_after": 3}
    )
    assert created.status_code == 201
    rule = created.json()
    assert rule["endpoint"] == "token"
    assert rule["status"] == 429
    assert (rule["seen"], rule["fired"]) == (0, 0)
    fault_id = rule["id"]
    second = http.post(
        "/_mock/faults", json={"endpoint": "authorize", "state": "wrong", "times": None}
    ).json()

    assert [item["id"] for item in http.get("/_mock/faults").json()] == [fault_id, second["id"]]
    assert http.get(f"/_mock/faults/{fault_id}").json() == rule

    # The rule takes effect, and its counters show it.
    code = flow.code()
    limited = flow.exchange(code)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "3"
    assert limited.json()["error"] == "temporarily_unavailable"
    assert limited.json()["error_description"] == DESCRIPTIONS["temporarily_unavailable"]
    assert flow.exchange(code).status_code == 200
    counted = http.get(f"/_mock/faults/{fault_id}").json()
    assert (counted["seen"], counted["fired"]) == (2, 1)

    assert http.delete(f"/_mock/faults/{fault_id}").status_code == 204
    problem(http.get(f"/_mock/faults/{fault_id}"), "fault_id", 404)
    problem(http.delete(f"/_mock/faults/{fault_id}"), "fault_id", 404)
    assert [item["id"] for item in http.get("/_mock/faults").json()] == [second["id"]]

    assert http.delete("/_mock/faults").status_code == 204
    assert http.get("/_mock/faults").json() == []
    assert len(mock.faults) == 0
    assert query_of(flow.authorize().headers["location"])["state"] != "wrong"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"endpoint": "token", "status": 500, "colour": "red"}, "colour"),
        ({"endpoint": "tokens", "status": 500}, "endpoint"),
        ({"status": 500}, "endpoint"),
        ({"endpoint": "token", "status": 500, "nth": 0}, "nth"),
        ({"endpoint": "token", "status": 500, "drop": True}, "drop"),
        ({"endpoint": "authorize", "state": "x"}, "state"),
        ({"endpoint": "token", "status": "500"}, "status"),
        ({"endpoint": "token", "drop": "yes"}, "drop"),
        ({"endpoint": "token", "delay": "1"}, "delay"),
        ({"endpoint": "token"}, "status"),
        ({"endpoint": "token", "status": 503, "client_id": 7}, "client_id"),
    ],
)
def test_invalid_fault_is_400_naming_the_field(
    mock: MockServer, http: httpx.Client, body: dict[str, Any], field: str
) -> None:
    message = problem(http.post("/_mock/faults", json=body), field)
    assert message.startswith(f"{field}:"), message
    assert len(mock.faults) == 0


def test_fault_routes_only_take_numbers(http: httpx.Client) -> None:
    assert http.get("/_mock/faults/abc").status_code == 404


# Requests ------------------------------------------------------------------------------------


def test_requests_with_filters_and_delete(
    mock: MockServer, http: httpx.Client, flow: SyncFlow
) -> None:
    first = flow.tokens(APP_ID)
    flow.tokens(PKCE_ID)
    flow.refresh(first["refresh_token"])
    flow.refresh(first["refresh_token"])  # reuse: 400

    everything = http.get("/_mock/requests").json()
    assert everything["count"] == 6
    assert len(everything["requests"]) == 6
    entry = everything["requests"][1]
    assert entry["endpoint"] == "token"
    assert entry["method"] == "POST"
    assert entry["path"] == "/oauth2/token"
    assert entry["status"] == 200
    assert entry["client_id"] == APP_ID
    assert entry["grant_type"] == "authorization_code"
    assert entry["headers"]["authorization"] == f"Basic {APP_ID}:{fingerprint(APP_SECRET)}"

    def count(**params: str) -> int:
        answer = http.get("/_mock/requests", params=params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["count"] == len(body["requests"])
        return int(body["count"])

    assert count(endpoint="token") == 4
    assert count(endpoint="token", grant_type="refresh_token") == 2
    assert count(endpoint="token", client_id=PKCE_ID) == 1
    assert count(method="GET") == 2
    assert count(method="get") == 2
    assert count(path="/oauth2/auth") == 2
    assert count(status="400") == 1
    assert count(endpoint="revoke") == 0
    refused = http.get("/_mock/requests", params={"status": "400"}).json()["requests"][0]
    assert refused["form"]["refresh_token"] == fingerprint(first["refresh_token"])

    problem(http.get("/_mock/requests", params={"endpoint": "token", "colour": "red"}), "colour")
    problem(http.get("/_mock/requests", params={"status": "abc"}), "status")

    assert http.delete("/_mock/requests").status_code == 204
    assert http.get("/_mock/requests").json() == {"count": 0, "requests": []}
    assert len(mock.requests) == 0


# Clock ---------------------------------------------------------------------------------------


def test_clock_freeze_advance_set_unfreeze(mock: MockServer, http: httpx.Client) -> None:
    state = http.get("/_mock/clock").json()
    assert state["frozen"] is False
    assert isinstance(state["now"], float)

    frozen = http.post("/_mock/clock", json={"freeze": True}).json()
    assert frozen["frozen"] is True
    assert http.get("/_mock/clock").json()["now"] == frozen["now"]

    advanced = http.post("/_mock/clock", json={"advance": 100}).json()
    assert advanced["now"] == frozen["now"] + 100

    at = http.post("/_mock/clock", json={"set": START}).json()
    assert at == {"now": START, "frozen": True}
    assert mock.clock.now() == START

    both = http.post("/_mock/clock", json={"set": START, "advance": 5.5}).json()
    assert both == {"now": START + 5.5, "frozen": True}

    running = http.post("/_mock/clock", json={"freeze": False}).json()
    assert running["frozen"] is False
    assert running["now"] >= START + 5.5
    assert not mock.clock.frozen


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"advance": "10"}, "advance"),
        ({"advance": True}, "advance"),
        ({"set": "yesterday"}, "set"),
        ({"freeze": "yes"}, "freeze"),
        ({"speed": 2}, "speed"),
    ],
)
def test_invalid_clock_request_is_400(
    mock: MockServer, http: httpx.Client, body: dict[str, Any], field: str
) -> None:
    problem(http.post("/_mock/clock", json=body), field)
    assert not mock.clock.frozen


def test_clock_over_http_expires_tokens(http: httpx.Client, flow: SyncFlow) -> None:
    http.post("/_mock/clock", json={"set": START})
    tokens = flow.tokens()
    introspected = flow.introspect(tokens["access_token"]).json()
    assert introspected["iat"] == START
    http.post("/_mock/clock", json={"advance": 3600})
    assert flow.me(tokens["access_token"]).status_code == 401
    assert flow.refresh(tokens["refresh_token"]).status_code == 200


# Reset ----------------------------------------------------------------------------------------


def test_reset(mock: MockServer, http: httpx.Client, flow: SyncFlow) -> None:
    tokens = flow.tokens()
    http.post("/_mock/clients", json=NEW_CLIENT)
    http.post("/_mock/faults", json={"endpoint": "api", "status": 503, "times": None})
    http.post("/_mock/clock", json={"set": START})

    assert http.post("/_mock/reset", json={}).status_code == 204

    assert http.get("/_mock/faults").json() == []
    assert http.get("/_mock/requests").json()["count"] == 0
    assert http.get("/_mock/clock").json()["frozen"] is False
    assert "http-app" not in [client["client_id"] for client in http.get("/_mock/clients").json()]
    assert flow.me(tokens["access_token"]).status_code == 401
    assert flow.refresh(tokens["refresh_token"]).status_code == 400


# Tokens ---------------------------------------------------------------------------------------


def test_issue_token_over_http(http: httpx.Client, flow: SyncFlow) -> None:
    answer = http.post(
        "/_mock/tokens",
        json={"user": USER_EMAIL, "client_id": APP_ID, "scopes": ["account.read", "offline"]},
    )
    assert answer.status_code == 201
    body = answer.json()
    assert body["scope"] == "account.read offline"
    assert body["token_type"] == "bearer"
    assert flow.me(body["access_token"]).json()["email"] == USER_EMAIL
    assert flow.introspect(body["access_token"]).json()["active"] is True
    assert flow.refresh(body["refresh_token"]).status_code == 200
    # Issuing is not a client request: the log holds only what the client did since.
    assert http.get("/_mock/requests", params={"endpoint": "token"}).json()["count"] == 1


def test_issued_id_token_names_this_server(mock: MockServer, http: httpx.Client) -> None:
    answer = http.post(
        "/_mock/tokens",
        json={"user": USER_EMAIL, "client_id": APP_ID, "scopes": ["openid"]},
    ).json()
    claims = jwt.decode(answer["id_token"], options={"verify_signature": False})
    assert claims["iss"] == mock.url
    assert claims["aud"] == [APP_ID]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user": "ghost@example.com", "client_id": APP_ID}, "user"),
        ({"client_id": APP_ID}, "user"),
        ({"user": USER_EMAIL}, "client_id"),
        ({"user": USER_EMAIL, "client_id": "nobody"}, "client_id"),
        ({"user": USER_EMAIL, "client_id": APP_ID, "scopes": ["team.create"]}, "scopes"),
        ({"user": USER_EMAIL, "client_id": APP_ID, "scopes": "account.read"}, "scopes"),
        ({"user": USER_EMAIL, "client_id": APP_ID, "scope": ["account.read"]}, "scope"),
    ],
)
def test_invalid_token_request_is_400(
    mock: MockServer, http: httpx.Client, body: dict[str, Any], field: str
) -> None:
    message = problem(http.post("/_mock/tokens", json=body), field)
    assert message.startswith(f"{field}:"), message
    assert mock.store.counts()["tokens"] == 0


def test_unknown_control_route_and_method(http: httpx.Client) -> None:
    assert http.get("/_mock/nothing").status_code == 404
    assert http.get("/_mock/reset").status_code == 405
    assert http.put("/_mock/clients", json=NEW_CLIENT).status_code == 405


# The CLI: control API on, off, or behind an admin token ----------------------------------------


@pytest.fixture
def servers() -> Iterator[ServerPool]:
    with ServerPool() as pool:
        yield pool


def loopback(url: str) -> str:
    """The URL to reach a server listening on every address: always through 127.0.0.1."""
    return f"http://127.0.0.1:{urlsplit(url).port}"


def test_cli_on_any_address_without_admin_token_has_no_control_api(servers: ServerPool) -> None:
    server = servers.start("--host", "0.0.0.0", "--port", "0", "--auto-approve")
    banner = "".join(server.banner)
    assert "Control API /_mock/ is off" in banner
    assert "--admin-token" in banner
    with httpx.Client(base_url=loopback(server.url), timeout=HTTP_TIMEOUT) as http:
        for method, path in [
            ("GET", "/_mock/clients"),
            ("POST", "/_mock/reset"),
            ("GET", "/_mock/requests"),
            ("POST", "/_mock/tokens"),
        ]:
            off = http.request(method, path)
            assert off.status_code == 404
            assert "off" in off.json()["error"]
        # The OAuth server itself works.
        assert http.get("/.well-known/openid-configuration").status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1"])
def test_cli_with_admin_token_requires_it(servers: ServerPool, host: str) -> None:
    server = servers.start("--host", host, "--port", "0", "--admin-token", "T0ken-abc")
    assert "requires 'Authorization: Bearer" in "".join(server.banner)
    with httpx.Client(base_url=loopback(server.url), timeout=HTTP_TIMEOUT) as http:
        missing = http.get("/_mock/clients")
        assert missing.status_code == 401
        assert "admin token" in missing.json()["error"]
        wrong = http.get("/_mock/clients", headers={"Authorization": "Bearer T0ken-abd"})
        assert wrong.status_code == 401
        basic = http.get("/_mock/clients", auth=("admin", "T0ken-abc"))
        assert basic.status_code == 401
        assert http.post("/_mock/reset").status_code == 401

        admin = {"Authorization": "Bearer T0ken-abc"}
        ok = http.get("/_mock/clients", headers=admin)
        assert ok.status_code == 200
        assert "demo-app" in [client["client_id"] for client in ok.json()]
        assert http.post("/_mock/reset", json={}, headers=admin).status_code == 204
        issued = http.post(
            "/_mock/tokens",
            json={"user": "dev@example.com", "client_id": "demo-app", "scopes": ["account.read"]},
            headers=admin,
        )
        assert issued.status_code == 201
        me = http.get(
            "/v2/me", headers={"Authorization": f"Bearer {issued.json()['access_token']}"}
        )
        assert me.status_code == 200
        # The admin token is not logged in the clear either (control requests are not logged).
        log = http.get("/_mock/requests", headers=admin).json()
        assert [entry["path"] for entry in log["requests"]] == ["/v2/me"]


def test_cli_on_loopback_needs_no_token(servers: ServerPool) -> None:
    server = servers.start("--port", "0")
    assert "Control API /_mock/ is on (loopback only" in "".join(server.banner)
    with httpx.Client(base_url=server.url, timeout=HTTP_TIMEOUT) as http:
        assert http.get("/_mock/clients").status_code == 200
        fault = http.post("/_mock/faults", json={"endpoint": "api", "drop": True})
        assert fault.status_code == 201
        with pytest.raises(httpx.RemoteProtocolError):
            http.get("/v2/me")
        assert http.get("/v2/me").status_code == 401
        assert [entry["fault"] for entry in http.get("/_mock/requests").json()["requests"]] == [
            fault.json()["id"],
            None,
        ]
