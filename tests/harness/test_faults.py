"""Scripted faults, each effect as a client sees it: in-process (httpx.ASGITransport) and over a
real socket (uvicorn in MockServer's thread), where the transport can change what is seen."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from frameio_oauth_mock.mockserver import Fault, FaultError, MockServer
from tests.harness.support import (
    APP_ID,
    CLIENTS,
    DESCRIPTIONS,
    HTTP_TIMEOUT,
    IMS_CLIENT,
    IMS_ID,
    IMS_SECRET,
    PKCE_ID,
    POST_ID,
    REDIRECT,
    REFRESH_EXPIRED,
    STATE,
    TOKEN_CONTENT_TYPE,
    USER_EMAIL,
    USER_PASSWORD,
    AsyncFlow,
    hidden_field,
    make_mock,
    pkce_pair,
    query_of,
    redirect_target,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with make_mock() as mock:
        yield mock


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    server.reset()
    return server


@pytest.fixture(params=["inprocess", "uvicorn"])
async def http(
    request: pytest.FixtureRequest, mock: MockServer
) -> AsyncIterator[httpx.AsyncClient]:
    if request.param == "inprocess":
        client = mock.async_client(timeout=HTTP_TIMEOUT)
    else:
        client = httpx.AsyncClient(base_url=mock.url, timeout=HTTP_TIMEOUT)
    async with client:
        yield client


@pytest.fixture
def flow(http: httpx.AsyncClient) -> AsyncFlow:
    return AsyncFlow(http)


def oauth_error(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == TOKEN_CONTENT_TYPE
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "error_description"}
    return body


# HTTP errors with an OAuth body ---------------------------------------------------------------


async def test_429_with_retry_after_then_the_retry_succeeds(
    mock: MockServer, flow: AsyncFlow
) -> None:
    code = await flow.code()
    rule = mock.fault("token", status=429, retry_after=7)
    limited = await flow.exchange(code)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "7"
    assert oauth_error(limited) == {
        "error": "temporarily_unavailable",
        "error_description": DESCRIPTIONS["temporarily_unavailable"],
    }
    # The fault answered instead of the server: the code was not used, a retry gets tokens.
    retried = await flow.exchange(code)
    assert retried.status_code == 200, retried.text
    assert "retry-after" not in retried.headers
    assert (rule.seen, rule.fired) == (2, 1)
    assert [entry.status for entry in mock.requests.filter("token")] == [429, 200]
    assert mock.requests.filter("token")[0].fault == rule.id
    assert mock.requests.filter("token")[1].fault is None


async def test_503_without_retry_after(mock: MockServer, flow: AsyncFlow) -> None:
    mock.fault("token", status=503)
    answer = await flow.exchange(await flow.code())
    assert answer.status_code == 503
    assert "retry-after" not in answer.headers
    assert oauth_error(answer)["error"] == "temporarily_unavailable"


async def test_server_error_with_own_description(mock: MockServer, flow: AsyncFlow) -> None:
    mock.fault("token", status=500, error="server_error", error_description="Database on fire.")
    answer = await flow.exchange(await flow.code())
    assert answer.status_code == 500
    assert oauth_error(answer) == {
        "error": "server_error",
        "error_description": "Database on fire.",
    }


async def test_bare_500_is_server_error(mock: MockServer, flow: AsyncFlow) -> None:
    mock.fault("introspect", status=500)
    answer = await flow.introspect("anything")
    assert answer.status_code == 500
    assert oauth_error(answer) == {
        "error": "server_error",
        "error_description": DESCRIPTIONS["server_error"],
    }


async def test_refresh_token_expired_on_the_refresh_grant_only(
    mock: MockServer, flow: AsyncFlow
) -> None:
    mock.fault(
        "token",
        grant_type="refresh_token",
        status=400,
        error="invalid_grant",
        error_description=REFRESH_EXPIRED,
    )
    tokens = await flow.tokens()  # authorization_code is not matched
    refused = await flow.refresh(tokens["refresh_token"])
    assert refused.status_code == 400
    assert oauth_error(refused) == {"error": "invalid_grant", "error_description": REFRESH_EXPIRED}
    again = await flow.refresh(tokens["refresh_token"])  # times=1: only once
    assert again.status_code == 200, again.text
    assert mock.requests.count("token", grant_type="refresh_token", status=400) == 1


async def test_client_id_filter(mock: MockServer, flow: AsyncFlow) -> None:
    rule = mock.fault("token", client_id=PKCE_ID, status=503, times=None)
    assert "refresh_token" in await flow.tokens(APP_ID)  # Basic: not matched
    assert "refresh_token" in await flow.tokens(POST_ID)  # client_secret_post: not matched
    verifier, challenge = pkce_pair()
    code = await flow.code(PKCE_ID, challenge=challenge)
    for _ in range(2):
        answer = await flow.exchange(code, PKCE_ID, verifier)  # client_id in the form
        assert answer.status_code == 503
    assert (rule.seen, rule.fired) == (2, 2)


async def test_status_fault_at_the_api(mock: MockServer, flow: AsyncFlow) -> None:
    token = mock.issue_token(USER_EMAIL, APP_ID)["access_token"]
    mock.fault("api", status=503, retry_after=30)
    answer = await flow.me(token)
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "30"
    assert (await flow.me(token)).status_code == 200


# nth and times ---------------------------------------------------------------------------------


async def test_nth_and_times_fire_on_calls_two_and_three_only(
    mock: MockServer, flow: AsyncFlow
) -> None:
    token = mock.issue_token(USER_EMAIL, APP_ID)["access_token"]
    rule = mock.fault("api", status=503, nth=2, times=2)
    statuses = [(await flow.me(token)).status_code for _ in range(5)]
    assert statuses == [200, 503, 503, 200, 200]
    assert (rule.seen, rule.fired) == (5, 2)


async def test_times_none_fires_forever(mock: MockServer, flow: AsyncFlow) -> None:
    token = mock.issue_token(USER_EMAIL, APP_ID)["access_token"]
    rule = mock.fault("api", status=503, nth=2, times=None)
    statuses = [(await flow.me(token)).status_code for _ in range(6)]
    assert statuses == [200, 503, 503, 503, 503, 503]
    assert (rule.seen, rule.fired) == (6, 5)


async def test_first_due_rule_wins_and_every_matching_rule_counts(
    mock: MockServer, flow: AsyncFlow
) -> None:
    token = mock.issue_token(USER_EMAIL, APP_ID)["access_token"]
    first = mock.fault("api", status=503)
    second = mock.fault("api", status=429, times=2)
    statuses = [(await flow.me(token)).status_code for _ in range(3)]
    # Call 1: both due, the first added wins. Call 2: only the second is still due.
    assert statuses == [503, 429, 200]
    assert (first.seen, first.fired) == (3, 1)
    assert (second.seen, second.fired) == (3, 1)


async def test_removed_and_cleared_rules_stop_firing(mock: MockServer, flow: AsyncFlow) -> None:
    token = mock.issue_token(USER_EMAIL, APP_ID)["access_token"]
    rule = mock.fault("api", status=503, times=None)
    assert (await flow.me(token)).status_code == 503
    assert mock.faults.remove(rule.id) is True
    assert mock.faults.remove(rule.id) is False
    assert (await flow.me(token)).status_code == 200
    mock.fault("api", status=503, times=None)
    mock.faults.clear()
    assert (await flow.me(token)).status_code == 200


# Delay ---------------------------------------------------------------------------------------


async def test_delay_answers_late_and_correctly(mock: MockServer, flow: AsyncFlow) -> None:
    mock.clock.freeze(at=1_700_000_000.0)
    code = await flow.code()
    rule = mock.fault("token", delay=0.3)
    started = time.monotonic()
    answer = await flow.exchange(code)
    elapsed = time.monotonic() - started
    assert elapsed >= 0.29
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["expires_in"] == 3600
    assert (await flow.me(body["access_token"])).status_code == 200
    introspected = (await flow.introspect(body["access_token"])).json()
    assert introspected["iat"] == 1_700_000_000
    assert mock.requests.filter("token")[0].fault == rule.id
    assert mock.requests.filter("token")[0].duration_ms >= 290


async def test_delay_joins_a_status(mock: MockServer, flow: AsyncFlow) -> None:
    mock.fault("token", status=503, delay=0.2)
    started = time.monotonic()
    answer = await flow.exchange("ory_ac_whatever")
    assert time.monotonic() - started >= 0.19
    assert answer.status_code == 503


async def test_delay_on_authorize(mock: MockServer, flow: AsyncFlow) -> None:
    mock.fault("authorize", delay=0.2)
    started = time.monotonic()
    answer = await flow.authorize()
    assert time.monotonic() - started >= 0.19
    assert answer.status_code == 303
    assert "code" in query_of(answer.headers["location"])


# Malformed bodies ------------------------------------------------------------------------------


async def test_not_json(mock: MockServer, flow: AsyncFlow) -> None:
    mock.fault("token", body="not_json")
    answer = await flow.exchange(await flow.code())
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        answer.json()


async def test_truncated_json(mock: MockServer, flow: AsyncFlow) -> None:
    mock.fault("token", body="truncated_json")
    answer = await flow.exchange(await flow.code())
    assert answer.status_code == 200
    assert answer.headers["content-type"] == TOKEN_CONTENT_TYPE
    assert int(answer.headers["content-length"]) == len(answer.content)
    assert answer.text.startswith('{"access_token":"ory_at_')
    with pytest.raises(json.JSONDecodeError):
        answer.json()


async def test_html_gateway_page(mock: MockServer, flow: AsyncFlow) -> None:
    mock.fault("token", body="html")
    answer = await flow.exchange(await flow.code())
    assert answer.status_code == 502
    assert answer.headers["content-type"].startswith("text/html")
    assert "502 Bad Gateway" in answer.text
    with pytest.raises(json.JSONDecodeError):
        answer.json()


async def test_wrong_content_type_on_a_real_answer(mock: MockServer, flow: AsyncFlow) -> None:
    mock.fault("token", body="wrong_content_type")
    answer = await flow.exchange(await flow.code())
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    body = json.loads(answer.text)
    assert (await flow.me(body["access_token"])).status_code == 200


async def test_wrong_content_type_on_an_error_keeps_the_status(
    mock: MockServer, flow: AsyncFlow
) -> None:
    mock.fault("token", body="wrong_content_type")
    answer = await flow.exchange("ory_ac_unknown")
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert json.loads(answer.text)["error"] == "invalid_grant"


# Dropped connection ----------------------------------------------------------------------------


async def test_drop_then_the_server_still_serves(mock: MockServer, flow: AsyncFlow) -> None:
    code = await flow.code()
    rule = mock.fault("token", drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        await flow.exchange(code)
    assert rule.fired == 1
    # The dropped request never reached the token endpoint: the code still works.
    retried = await flow.exchange(code)
    assert retried.status_code == 200, retried.text
    dropped = mock.requests.filter("token")[0]
    assert dropped.fault == rule.id


def test_drop_with_a_blocking_client_on_uvicorn(mock: MockServer) -> None:
    mock.fault("api", drop=True)
    with httpx.Client(base_url=mock.url, timeout=HTTP_TIMEOUT) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.get("/v2/me")
        assert http.get("/v2/me").status_code == 401


# Authorization response tampering ------------------------------------------------------------


@pytest.mark.parametrize("error", ["access_denied", "temporarily_unavailable", "server_error"])
async def test_redirect_error(mock: MockServer, flow: AsyncFlow, error: str) -> None:
    rule = mock.fault("authorize", redirect_error=error)
    answer = await flow.authorize()
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert redirect_target(location) == REDIRECT
    assert query_of(location) == {
        "error": error,
        "error_description": DESCRIPTIONS[error],
        "state": STATE,
    }
    assert rule.fired == 1
    assert "code" in query_of((await flow.authorize()).headers["location"])


async def test_redirect_error_with_own_description_for_one_client(
    mock: MockServer, flow: AsyncFlow
) -> None:
    mock.fault(
        "authorize",
        client_id=PKCE_ID,
        redirect_error="access_denied",
        error_description="The user said no.",
        times=None,
    )
    assert "code" in query_of((await flow.authorize(APP_ID)).headers["location"])
    _, challenge = pkce_pair()
    denied = query_of((await flow.authorize(PKCE_ID, challenge=challenge)).headers["location"])
    assert denied["error"] == "access_denied"
    assert denied["error_description"] == "The user said no."


async def test_state_wrong(mock: MockServer, flow: AsyncFlow) -> None:
    mock.fault("authorize", state="wrong")
    query = query_of((await flow.authorize()).headers["location"])
    assert query["code"].startswith("ory_ac_")
    assert query["state"]
    assert query["state"] != STATE


async def test_state_missing(mock: MockServer, flow: AsyncFlow) -> None:
    mock.fault("authorize", state="missing")
    query = query_of((await flow.authorize()).headers["location"])
    assert "code" in query
    assert "state" not in query


async def test_state_fault_applies_to_error_redirects_too(
    mock: MockServer, flow: AsyncFlow
) -> None:
    mock.fault("authorize", state="missing")
    query = query_of((await flow.authorize(scope="account.read team.create")).headers["location"])
    assert query["error"] == "invalid_scope"
    assert "state" not in query


async def test_iss_sent_in_strict_mode_and_tampered(
    mock: MockServer, http: httpx.AsyncClient, flow: AsyncFlow
) -> None:
    mock.configure(strict=True)
    issuer = str(http.base_url).rstrip("/")
    _, challenge = pkce_pair()

    honest = query_of((await flow.authorize(challenge=challenge)).headers["location"])
    assert honest["iss"] == issuer

    mock.fault("authorize", iss="wrong")
    wrong = query_of((await flow.authorize(challenge=challenge)).headers["location"])
    assert "code" in wrong
    assert wrong["state"] == STATE
    assert wrong["iss"] != issuer
    assert wrong["iss"].startswith("https://")

    mock.fault("authorize", iss="missing")
    missing = query_of((await flow.authorize(challenge=challenge)).headers["location"])
    assert "code" in missing
    assert "iss" not in missing

    mock.fault("authorize", redirect_error="temporarily_unavailable")
    error = query_of((await flow.authorize(challenge=challenge)).headers["location"])
    assert error["error"] == "temporarily_unavailable"
    assert error["iss"] == issuer  # the real iss stays on an error redirect
    assert error["state"] == STATE


async def test_tampering_through_login_and_consent(mock: MockServer, flow: AsyncFlow) -> None:
    """Interactive mode: the faulted authorization response is the consent redirect."""
    mock.configure(auto_approve=False)
    mock.fault("authorize", redirect_error="access_denied")
    http = flow.http
    login = await flow.authorize()
    assert login.status_code == 200
    form = {
        "challenge": hidden_field(login.text, "challenge"),
        "csrf_token": hidden_field(login.text, "csrf_token"),
    }
    logged_in = await http.post(
        "/oauth2/auth/login", data={**form, "email": USER_EMAIL, "password": USER_PASSWORD}
    )
    assert logged_in.status_code == 303
    consent = await http.post("/oauth2/auth/consent", data={**form, "decision": "allow"})
    assert consent.status_code == 303
    query = query_of(consent.headers["location"])
    assert query == {
        "error": "access_denied",
        "error_description": DESCRIPTIONS["access_denied"],
        "state": STATE,
    }


# Invalid rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "options", "field"),
    [
        ("tokens", {"status": 500}, "endpoint"),
        ("token", {"status": 500, "drop": True}, "drop"),
        ("token", {"status": 500, "body": "html"}, "body"),
        ("authorize", {"state": "x"}, "state"),
        ("authorize", {"iss": "elsewhere"}, "iss"),
        ("token", {"status": 500, "nth": 0}, "nth"),
        ("token", {"status": 500, "times": 0}, "times"),
        ("token", {"status": 500, "colour": "red"}, "colour"),
        ("token", {}, "status"),
        ("token", {"status": 99}, "status"),
        ("token", {"status": 429, "retry_after": -1}, "retry_after"),
        ("token", {"body": "xml"}, "body"),
        ("token", {"delay": -1}, "delay"),
        ("authorize", {"redirect_error": "invalid_scope"}, "redirect_error"),
        ("token", {"state": "wrong"}, "state"),
        ("token", {"redirect_error": "access_denied"}, "redirect_error"),
        ("token", {"error": "invalid_grant"}, "status"),
        ("token", {"error": "invalid_grant", "delay": 1}, "error"),
        ("token", {"drop": "false"}, "drop"),
        ("token", {"status": 500, "nth": True}, "nth"),
        ("token", {"status": True}, "status"),
        ("token", {"delay": float("nan")}, "delay"),
        ("token", {"delay": 301}, "delay"),
        ("token", {"status": 503, "client_id": 5}, "client_id"),
        ("token", {"status": 503, "grant_type": ["refresh_token"]}, "grant_type"),
        ("token", {"status": 400, "error": 1}, "error"),
        ("authorize", {"state": "wrong", "delay": 1}, "delay"),
    ],
)
def test_invalid_rule_names_the_field(
    mock: MockServer, endpoint: str, options: dict[str, Any], field: str
) -> None:
    with pytest.raises(FaultError) as raised:
        mock.fault(endpoint, **options)
    assert str(raised.value).startswith(f"{field}:"), str(raised.value)
    assert isinstance(raised.value, ValueError)
    assert len(mock.faults) == 0


def test_rule_bookkeeping_and_ids(mock: MockServer) -> None:
    first = mock.fault("token", status=429, retry_after=1)
    second = mock.faults.add("authorize", state="wrong", nth=3, times=None)
    assert isinstance(first, Fault)
    assert second.id > first.id
    assert [rule.id for rule in mock.faults] == [first.id, second.id]
    assert first.as_dict() == {
        "endpoint": "token",
        "nth": 1,
        "times": 1,
        "status": 429,
        "retry_after": 1,
        "delay": 0.0,
        "id": first.id,
        "seen": 0,
        "fired": 0,
    }
    assert second.as_dict()["state"] == "wrong"
    assert "times" not in second.as_dict()  # None: every call from the nth on


# The adobe-ims profile, served beside frameio-v2 ---------------------------------------------


async def test_faults_apply_on_the_ims_paths_in_the_ims_style() -> None:
    mock = MockServer(clients=[*CLIENTS, IMS_CLIENT])
    params = {
        "client_id": IMS_ID,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "openid AdobeID offline_access",
        "state": STATE,
    }
    async with mock.async_client() as http:
        mock.fault("authorize", state="missing")
        authorize = await http.get("/ims/authorize/v2", params=params)
        assert authorize.status_code == 302
        query = query_of(authorize.headers["location"])
        assert "code" in query
        assert "state" not in query

        limited_rule = mock.fault("token", client_id=IMS_ID, status=429, retry_after=2)
        data = {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT}
        limited = await http.post("/ims/token/v3", data=data, auth=(IMS_ID, IMS_SECRET))
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "2"
        assert limited.headers["content-type"] == "application/json;charset=utf-8"
        assert limited.json()["error"] == "temporarily_unavailable"
        assert (await http.post("/ims/token/v3", data=data, auth=(IMS_ID, IMS_SECRET))).is_success
        # The frameio-v2 token endpoint is the same "token" endpoint for rules.
        assert (await AsyncFlow(http).exchange(await AsyncFlow(http).code())).is_success
    assert limited_rule.seen == 2
    assert [(entry.endpoint, entry.path) for entry in mock.requests.filter("token")] == [
        ("token", "/ims/token/v3"),
        ("token", "/ims/token/v3"),
        ("token", "/oauth2/token"),
    ]


async def test_rules_count_only_calls_at_their_own_endpoint(mock: MockServer) -> None:
    token_rule = mock.fault("token", status=503, nth=3)
    revoke_rule = mock.fault("revoke", status=503)
    async with mock.async_client(timeout=HTTP_TIMEOUT) as http:
        flow = AsyncFlow(http)
        await flow.tokens(APP_ID)  # one authorize, one token call
        assert (token_rule.seen, revoke_rule.seen) == (1, 0)
        assert mock.faults.remove(token_rule.id)
        await flow.tokens(APP_ID)  # the removed rule no longer counts or fires
        assert token_rule.seen == 1
        answer = await http.post(mock.revoke_url, data={"token": "x", "client_id": PKCE_ID})
        assert answer.status_code == 503
    assert (revoke_rule.seen, revoke_rule.fired) == (1, 1)
