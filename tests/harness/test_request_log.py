"""The request log: what is recorded, the helpers, JSON export, and redaction of every secret."""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
import pytest

from frameio_oauth_mock.mockserver import MockServer, fingerprint
from frameio_oauth_mock.mockserver.requestlog import LoggedRequest, RequestLog
from tests.harness.support import (
    APP_ID,
    APP_SECRET,
    HTTP_TIMEOUT,
    IMS_CLIENT,
    IMS_ID,
    IMS_SECRET,
    PKCE_ID,
    POST_ID,
    POST_SECRET,
    REDIRECT,
    STATE,
    USER_EMAIL,
    USER_PASSWORD,
    AsyncFlow,
    authorize_params,
    bearer,
    code_request,
    hidden_field,
    make_mock,
    pkce_pair,
    query_of,
)

pytestmark = pytest.mark.anyio

FROZEN_AT = 1_700_000_000.0


# What each entry holds ------------------------------------------------------------------------


async def test_entry_fields_for_a_token_request() -> None:
    mock = make_mock()
    mock.clock.freeze(at=FROZEN_AT)
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        code = await flow.code()
        mock.clock.advance(5)
        answer = await flow.exchange(code)
        assert answer.status_code == 200

    authorize, token = mock.requests.all()
    assert authorize.method == "GET"
    assert authorize.path == "/oauth2/auth"
    assert authorize.endpoint == "authorize"
    assert authorize.time == FROZEN_AT
    assert authorize.status == 303
    assert authorize.client_id == APP_ID  # from the query
    assert authorize.grant_type is None
    assert authorize.query == {
        "client_id": APP_ID,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "account.read offline",
        "state": STATE,
    }
    assert authorize.form == {}

    assert token.id > authorize.id
    assert token.method == "POST"
    assert token.path == "/oauth2/token"
    assert token.endpoint == "token"
    assert token.time == FROZEN_AT + 5
    assert token.status == 200
    assert token.client_id == APP_ID  # from Basic
    assert token.grant_type == "authorization_code"
    assert token.query == {}
    assert token.form == {
        "grant_type": "authorization_code",
        "code": fingerprint(code),
        "redirect_uri": REDIRECT,
    }
    assert token.headers["content-type"] == "application/x-www-form-urlencoded"
    assert token.headers["host"] == "frameio-mock.test"
    assert isinstance(token.duration_ms, float)
    assert token.duration_ms >= 0
    assert token.fault is None
    assert token.location is None


async def test_client_id_from_basic_body_and_query() -> None:
    mock = make_mock()
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        await flow.tokens(APP_ID)
        await flow.tokens(POST_ID)
        await flow.tokens(PKCE_ID)
        # A request naming no client at all.
        await http.post("/oauth2/token", data={"grant_type": "refresh_token"})
    assert [entry.client_id for entry in mock.requests.filter("token")] == [
        APP_ID,
        POST_ID,
        PKCE_ID,
        None,
    ]
    assert [entry.client_id for entry in mock.requests.filter("authorize")] == [
        APP_ID,
        POST_ID,
        PKCE_ID,
    ]


async def test_endpoint_names_and_statuses() -> None:
    mock = make_mock()
    token = mock.issue_token(USER_EMAIL, APP_ID, ["account.read", "openid"])["access_token"]
    async with mock.async_client() as http:
        await http.get("/.well-known/openid-configuration")
        await http.get("/.well-known/oauth-authorization-server")
        await http.get("/.well-known/jwks.json")
        await http.get("/userinfo", headers=bearer(token))
        await http.get("/v2/me", headers=bearer(token))
        await http.get("/v2/me")
        await http.post("/oauth2/revoke", data={"token": token}, auth=(APP_ID, APP_SECRET))
        await http.post("/oauth2/introspect", data={"token": token}, auth=(APP_ID, "wrong"))
        await http.get("/nowhere")
    assert [(entry.endpoint, entry.status) for entry in mock.requests] == [
        ("metadata", 200),
        ("metadata", 200),
        ("jwks", 200),
        ("userinfo", 200),
        ("api", 200),
        ("api", 401),
        ("revoke", 200),
        ("introspect", 401),
        ("other", 404),
    ]


async def test_control_api_and_health_are_not_logged() -> None:
    mock = make_mock()
    async with mock.async_client() as http:
        assert (await http.get("/health")).status_code == 200
        assert (await http.get("/_mock/clients")).status_code == 200
        assert (await http.get("/_mock/requests")).json() == {"count": 0, "requests": []}
        assert (await http.post("/_mock/clock", json={"freeze": True})).status_code == 200
        assert (await http.get("/v2/me")).status_code == 401
    assert [entry.path for entry in mock.requests] == ["/v2/me"]


async def test_repeated_parameters_keep_every_value() -> None:
    mock = make_mock()
    async with mock.async_client() as http:
        await http.get("/oauth2/auth", params=[("scope", "a"), ("scope", "b"), ("code", "c1")])
    entry = mock.requests.last()
    assert entry is not None
    assert entry.query == {"scope": ["a", "b"], "code": fingerprint("c1")}


async def test_escapes_blanks_and_plus_read_back_as_sent() -> None:
    """The log keeps the query and form as text and splits them when read, as the endpoints
    split them: escapes, '+', blank values and a value-less name come back as sent."""
    mock = make_mock()
    async with mock.async_client() as http:
        await http.post(
            "/oauth2/token?prompt=&ui_locales=de%20fr+en",
            content=b"grant_type=refresh%5Ftoken&scope=a+b%2Bc&empty=&bare",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        await http.post("/oauth2/token", json={"grant_type": "refresh_token"})
    form_entry, json_entry = mock.requests.filter("token")
    assert form_entry.query == {"prompt": "", "ui_locales": "de fr en"}
    assert form_entry.form == {
        "grant_type": "refresh_token",
        "scope": "a b+c",
        "empty": "",
        "bare": "",
    }
    assert form_entry.grant_type == "refresh_token"
    assert (json_entry.form, json_entry.grant_type) == ({}, None)  # a JSON body is no form


# Helpers ------------------------------------------------------------------------------------


async def test_filter_count_and_last() -> None:
    mock = make_mock()
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        first = await flow.tokens(APP_ID)
        second = await flow.tokens(PKCE_ID)
        await flow.refresh(first["refresh_token"])
        await flow.refresh(second["refresh_token"], PKCE_ID)
        await flow.refresh(first["refresh_token"])  # reuse: refused

    log = mock.requests
    assert len(log) == 7
    assert log.count() == 7
    assert log.count("authorize") == 2
    assert log.count("token") == 5
    assert log.count("token", grant_type="refresh_token") == 3
    assert log.count("token", grant_type="refresh_token", client_id=APP_ID) == 2
    assert log.count("token", status=400) == 1
    assert log.count(method="get") == 2
    assert log.count(method="POST", path="/oauth2/token") == 5
    assert log.count("revoke") == 0
    assert log.filter(endpoint="token", client_id=PKCE_ID)[0].grant_type == "authorization_code"
    last = log.last("token")
    assert last is not None
    assert last.status == 400
    assert last.form["refresh_token"] == fingerprint(first["refresh_token"])
    assert log.last("revoke") is None
    assert [entry.id for entry in log.filter()] == sorted(entry.id for entry in log)

    log.clear()
    assert len(log) == 0
    assert log.last() is None


async def test_to_json_is_valid_and_filterable() -> None:
    mock = make_mock()
    async with mock.async_client() as http:
        await AsyncFlow(http).tokens()
    everything = json.loads(mock.requests.to_json())
    assert isinstance(everything, list)
    assert [item["endpoint"] for item in everything] == ["authorize", "token"]
    assert set(everything[1]) >= {
        "id",
        "time",
        "method",
        "path",
        "endpoint",
        "query",
        "headers",
        "form",
        "status",
        "duration_ms",
        "client_id",
        "grant_type",
        "location",
        "fault",
    }
    tokens_only = json.loads(mock.requests.to_json(endpoint="token"))
    assert tokens_only == [everything[1]]
    assert json.loads(MockServer().requests.to_json()) == []


def test_bounded_log_keeps_the_newest() -> None:
    log = RequestLog(capacity=3)
    for index in range(5):
        log.append(LoggedRequest(0, float(index), "GET", f"/{index}", "other", {}, {}, {}))
    assert [entry.path for entry in log] == ["/2", "/3", "/4"]
    assert [entry.id for entry in log] == [3, 4, 5]


def test_an_answer_is_logged_before_the_client_has_it() -> None:
    """On real uvicorn a client reads the log as soon as it has its answer: the entry is there,
    even when writing it is slow (a loaded machine) and the answer has no body (a redirect)."""
    mock = make_mock()
    record = mock.harness.record
    slowed: list[str] = []

    async def slow_record(entry: LoggedRequest) -> None:
        await asyncio.sleep(0.2)
        await record(entry)
        slowed.append(entry.endpoint)

    mock.harness.record = slow_record  # type: ignore[method-assign]
    with mock, httpx.Client(base_url=mock.url, timeout=HTTP_TIMEOUT) as http:
        redirect = http.get("/oauth2/auth", params=authorize_params())
        assert redirect.status_code == 303
        assert slowed == ["authorize"]  # the slow write did happen, before the answer came
        assert [(entry.endpoint, entry.status) for entry in mock.requests] == [("authorize", 303)]

        data, auth = code_request(query_of(redirect.headers["location"])["code"])
        answer = http.post("/oauth2/token", data=data, auth=auth)
        assert answer.status_code == 200
        token = mock.requests.last("token")
        assert token is not None and token.status == 200
        tokens = answer.json()
        assert token.issued == {
            name: fingerprint(tokens[name]) for name in ("access_token", "refresh_token")
        }

        assert http.get("/v2/me").status_code == 401
        last = mock.requests.last()
        assert last is not None and (last.endpoint, last.status) == ("api", 401)


# Redaction ----------------------------------------------------------------------------------


async def _interactive_code(
    http: httpx.AsyncClient, client_id: str, secrets: list[str], challenge: str | None = None
) -> str:
    """Through the login (if needed) and consent pages; collect the CSRF tokens seen."""
    flow = AsyncFlow(http)
    page = await flow.authorize(client_id, scope="account.read offline openid", challenge=challenge)
    assert page.status_code == 200, page.text
    challenge_id = hidden_field(page.text, "challenge")
    csrf = hidden_field(page.text, "csrf_token")
    secrets.append(csrf)
    form = {"challenge": challenge_id, "csrf_token": csrf}
    if 'name="password"' in page.text:
        logged_in = await http.post(
            "/oauth2/auth/login", data={**form, "email": USER_EMAIL, "password": USER_PASSWORD}
        )
        assert logged_in.status_code == 303, logged_in.text
        consent_page = await http.get(logged_in.headers["location"])
        assert consent_page.status_code == 200
        assert hidden_field(consent_page.text, "csrf_token") == csrf
    consent = await http.post("/oauth2/auth/consent", data={**form, "decision": "allow"})
    assert consent.status_code == 303, consent.text
    code = query_of(consent.headers["location"])["code"]
    secrets.append(code)
    return code


async def _full_flow(mock: MockServer, http: httpx.AsyncClient) -> tuple[list[str], str]:
    """Every kind of secret a client sends, through every endpoint; returns them all."""
    secrets = [APP_SECRET, POST_SECRET, USER_PASSWORD]
    secrets.append(base64.b64encode(f"{APP_ID}:{APP_SECRET}".encode()).decode())
    flow = AsyncFlow(http)

    # Confidential client, secret in Basic.
    code = await _interactive_code(http, APP_ID, secrets)
    tokens = (await flow.exchange(code)).json()
    # Public client with PKCE.
    verifier, challenge = pkce_pair()
    secrets.append(verifier)
    code = await _interactive_code(http, PKCE_ID, secrets, challenge)
    pkce_tokens = (await flow.exchange(code, PKCE_ID, verifier)).json()
    # Secret in the form.
    code = await _interactive_code(http, POST_ID, secrets)
    post_tokens = (await flow.exchange(code, POST_ID)).json()
    for answer in (tokens, pkce_tokens, post_tokens):
        secrets += [answer["access_token"], answer["refresh_token"], answer["id_token"]]

    refreshed = (await flow.refresh(tokens["refresh_token"])).json()
    secrets += [refreshed["access_token"], refreshed["refresh_token"]]
    assert (await flow.me(refreshed["access_token"])).status_code == 200
    assert (await http.get("/userinfo", headers=bearer(refreshed["access_token"]))).is_success
    # Tokens where they do not belong are refused, and still redacted.
    await http.get("/v2/me", params={"access_token": refreshed["access_token"]})
    await http.post("/userinfo", data={"access_token": pkce_tokens["access_token"]})
    assert (await flow.introspect(post_tokens["access_token"], POST_ID)).json()["active"]
    assert (await flow.revoke(refreshed["refresh_token"])).status_code == 200
    assert (await flow.revoke(pkce_tokens["refresh_token"], PKCE_ID)).status_code == 200
    # A failed login: the wrong password is a secret too.
    page = await flow.authorize(APP_ID)  # logged in: the consent page, with its own CSRF token
    secrets.append(hidden_field(page.text, "csrf_token"))
    secrets.append("wrong-password-Hh31")
    cookies = dict(http.cookies)
    http.cookies.clear()  # log out, so the login page shows again
    page = await flow.authorize(APP_ID)
    secrets.append(hidden_field(page.text, "csrf_token"))
    await http.post(
        "/oauth2/auth/login",
        data={
            "challenge": hidden_field(page.text, "challenge"),
            "csrf_token": hidden_field(page.text, "csrf_token"),
            "email": USER_EMAIL,
            "password": "wrong-password-Hh31",
        },
    )
    secrets += list(cookies.values())
    return [secret for secret in secrets if secret], tokens["refresh_token"]


def _assert_redacted(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text, f"a secret leaked into the log: {secret[:12]}..."


@pytest.mark.parametrize("transport", ["inprocess", "uvicorn"])
async def test_no_secret_in_the_log_or_its_export(transport: str) -> None:
    mock = make_mock(auto_approve=False)
    with mock:
        if transport == "inprocess":
            http = mock.async_client(timeout=HTTP_TIMEOUT)
        else:
            http = httpx.AsyncClient(base_url=mock.url, timeout=HTTP_TIMEOUT)
        async with http:
            secrets, refresh_token = await _full_flow(mock, http)
            export = await http.get("/_mock/requests")
            assert export.status_code == 200
    assert len(secrets) >= 20
    exported = export.text
    logged = mock.requests.to_json()
    _assert_redacted(logged, secrets)
    _assert_redacted(exported, secrets)
    _assert_redacted(repr(mock.requests.all()), secrets)

    # Equality can still be checked through the fingerprint.
    assert fingerprint(refresh_token) in logged
    assert fingerprint(refresh_token) in exported
    refresh = mock.requests.last("token", grant_type="refresh_token")
    assert refresh is not None
    assert refresh.form["refresh_token"] == fingerprint(refresh_token)
    assert export.json()["count"] == len(mock.requests)

    # Authorization headers keep their scheme; Basic keeps the client id, not the secret.
    basic = mock.requests.filter("token", client_id=APP_ID)[0].headers["authorization"]
    assert basic == f"Basic {APP_ID}:{fingerprint(APP_SECRET)}"
    api = mock.requests.filter("api")[0].headers["authorization"]
    assert api.startswith("Bearer redacted:")
    login = mock.requests.filter("login")
    assert all(entry.form["password"].startswith("redacted:") for entry in login)
    assert all(entry.form["csrf_token"].startswith("redacted:") for entry in login)
    assert login[-1].form["email"] == USER_EMAIL  # not a secret


async def test_authorization_response_location_is_logged_with_the_code_redacted() -> None:
    mock = make_mock()
    async with mock.async_client() as http:
        answer = await AsyncFlow(http).authorize()
    location = answer.headers["location"]
    code = query_of(location)["code"]
    entry = mock.requests.last("authorize")
    assert entry is not None
    assert entry.location is not None
    assert code not in entry.location
    assert entry.location.startswith(REDIRECT + "?")
    logged = query_of(entry.location)
    assert logged["code"] == fingerprint(code)
    assert logged["state"] == STATE
    assert logged["scope"] == "account.read offline"


async def test_error_redirect_location_is_logged_unchanged() -> None:
    mock = make_mock()
    async with mock.async_client() as http:
        answer = await AsyncFlow(http).authorize(scope="team.create")
    entry = mock.requests.last("authorize")
    assert entry is not None
    assert entry.location == answer.headers["location"]
    assert "error=invalid_scope" in entry.location


def test_fingerprint_is_short_stable_and_distinct() -> None:
    assert fingerprint("abc") == fingerprint("abc")
    assert fingerprint("abc") != fingerprint("abd")
    assert "abc" not in fingerprint("abc")
    assert len(fingerprint("x" * 500)) < 40


def test_log_entry_is_a_plain_dict() -> None:
    entry = LoggedRequest(1, FROZEN_AT, "GET", "/v2/me", "api", {}, {"a": "b"}, {})
    assert entry.as_dict()["headers"] == {"a": "b"}
    assert json.loads(json.dumps(entry.as_dict()))["time"] == FROZEN_AT


async def test_ims_secrets_in_the_query_are_redacted() -> None:
    """adobe-ims accepts token parameters in the query string: they are redacted there too."""
    mock = MockServer(clients=[IMS_CLIENT])
    params = {
        "client_id": IMS_ID,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "openid AdobeID offline_access",
        "state": STATE,
    }
    async with mock.async_client() as http:
        authorize = await http.get("/ims/authorize/v2", params=params)
        code = query_of(authorize.headers["location"])["code"]
        answer = await http.post(
            "/ims/token/v3",
            params={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "client_id": IMS_ID,
                "client_secret": IMS_SECRET,
            },
        )
        assert answer.status_code == 200, answer.text
        tokens = answer.json()
        refreshed = await http.post(
            "/ims/token/v3",
            params={
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                "client_id": IMS_ID,
                "client_secret": IMS_SECRET,
            },
        )
        assert refreshed.status_code == 200, refreshed.text
        export = (await http.get("/_mock/requests")).text
    secrets = [IMS_SECRET, code, tokens["access_token"], tokens["refresh_token"]]
    secrets += [tokens["id_token"], refreshed.json()["access_token"]]
    _assert_redacted(mock.requests.to_json(), secrets)
    _assert_redacted(export, secrets)
    entry = mock.requests.last("token")
    assert entry is not None
    assert entry.query["refresh_token"] == fingerprint(tokens["refresh_token"])
    assert entry.client_id == IMS_ID
    assert entry.grant_type == "refresh_token"  # read from the query too


def test_the_log_is_capped_in_bytes_as_well_as_entries() -> None:
    def entry(size: int) -> LoggedRequest:
        return LoggedRequest(
            0, FROZEN_AT, "POST", "/oauth2/token", "token", {}, {}, {"x": "y" * size}
        )

    log = RequestLog(capacity=100, max_bytes=10_000)
    for _ in range(30):
        log.append(entry(1000))
    assert log.bytes <= 10_000
    assert 5 <= len(log) < 30
    ids = [item.id for item in log.all()]
    assert ids == list(range(31 - len(log), 31))  # the oldest went first
    log.append(entry(50_000))  # one entry larger than the cap stays, alone
    assert [item.id for item in log.all()] == [31]
    log.clear()
    assert (len(log), log.bytes) == (0, 0)


async def test_entries_read_between_requests_stay_the_same_objects() -> None:
    # The log redacts an entry the first time it is read; later reads give the same entry,
    # and requests recorded after a read are redacted in their turn.
    mock = make_mock()
    async with mock.async_client() as http:
        flow = AsyncFlow(http)
        tokens = await flow.tokens(APP_ID)
        first_read = mock.requests.all()
        await flow.refresh(tokens["refresh_token"])
        second_read = mock.requests.all()
    assert second_read[: len(first_read)] == first_read
    assert all(a is b for a, b in zip(first_read, second_read, strict=False))
    refresh = second_read[-1]
    assert refresh.grant_type == "refresh_token" and refresh.client_id == APP_ID
    assert refresh.form["refresh_token"] == fingerprint(tokens["refresh_token"])
    assert set(refresh.issued) == {"access_token", "refresh_token"}
    assert refresh.issued["access_token"].startswith("redacted:")
    assert [entry.id for entry in second_read] == list(range(1, len(second_read) + 1))


async def test_a_request_is_logged_before_its_answer_is_complete() -> None:
    # Whoever has the answer (a test asserting on the log, the client harness closing a step)
    # must find the request in the log: it is recorded before the answer's last byte is sent.
    mock = make_mock()
    logged_at_last_byte: list[int] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"grant_type=nonsense", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            logged_at_last_byte.append(len(mock.requests.all()))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/oauth2/token",
        "raw_path": b"/oauth2/token",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/x-www-form-urlencoded")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }
    await mock.app(scope, receive, send)
    assert logged_at_last_byte == [1]
    (entry,) = mock.requests.all()
    assert (entry.endpoint, entry.status, entry.error) == ("token", 400, "invalid_request")
