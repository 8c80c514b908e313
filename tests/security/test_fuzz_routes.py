"""Every endpoint and control route, fuzzed (issue 16): the server never answers 500, and a
request it refuses (4xx) changes nothing: the clients, users, faults, clock and issued
credentials read the same before and after.

Routes are read from the app's own route table, so a route added later is fuzzed too. Each
example is one request with generated method, query, headers and body (forms, JSON with odd
numbers and nesting, raw bytes), driven in-process; the "ci" Hypothesis profile keeps it
bounded and reproducible.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, note, settings
from hypothesis import strategies as st
from starlette.routing import Route

from frameio_oauth_mock.mockserver.testing import MockServer
from tests.harness.support import CLIENTS, IMS_CLIENT, USERS, authorize_params
from tests.property.support import Driver

ADMIN = "fuzz-admin-token"
MOCK = MockServer(clients=[*CLIENTS, IMS_CLIENT], users=USERS, auto_approve=False)
ROUTES = sorted(
    (route.path, tuple(sorted(route.methods or ())))
    for route in MOCK.app.routes
    if isinstance(route, Route)
)
CONTROL_ROUTES = [entry for entry in ROUTES if entry[0].startswith("/_mock/")]
OAUTH_ROUTES = [entry for entry in ROUTES if not entry[0].startswith("/_mock/")]
PARAMETER = re.compile(r"\{[^}]+\}")

NAMES = st.sampled_from(
    [
        "client_id",
        "client_secret",
        "grant_type",
        "code",
        "redirect_uri",
        "scope",
        "state",
        "response_type",
        "code_challenge",
        "code_challenge_method",
        "code_verifier",
        "refresh_token",
        "token",
        "token_type_hint",
        "challenge",
        "csrf_token",
        "email",
        "password",
        "decision",
        "nonce",
        "prompt",
        "login_hint",
        "endpoint",
        "status",
        "method",
    ]
) | st.text(max_size=8)
VALUES = st.sampled_from(
    [
        "app",
        "pkce-app",
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "code",
        "http://127.0.0.1:8765/callback",
        "account.read offline",
        "S256",
        "plain",
        "allow",
        "dev@example.com",
        "",
        "%ff",
        "\x00",
        "\r\n",
        "\ud800",
        "9" * 40,
    ]
) | st.text(max_size=40)
PAIRS = st.lists(st.tuples(NAMES, VALUES), max_size=6)

JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
CONTROL_OBJECTS = st.dictionaries(
    st.sampled_from(
        [
            "client_id",
            "redirect_uris",
            "scopes",
            "client_secret",
            "email",
            "password",
            "name",
            "endpoint",
            "status",
            "times",
            "nth",
            "delay",
            "body",
            "members",
            "freeze",
            "advance",
            "set",
            "user",
            "profile",
            "grant_types",
            "retry_after",
            "error",
        ]
    ),
    JSON_VALUES,
    max_size=5,
)

AUTHORIZATION = st.sampled_from(
    [
        None,
        "Basic YXBwOmFwcC1zZWNyZXQtWnE4MXhX",
        "Basic JWZmOng=",
        "Basic %%%",
        "Bearer x",
        f"Bearer {ADMIN}",
        "Bearer ",
    ]
)
ORIGIN = st.sampled_from([None, "http://frameio-mock.test", "http://evil.example", "null"])
CONTENT_TYPE = st.sampled_from(
    [
        None,
        "application/x-www-form-urlencoded",
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
    ]
)


@st.composite
def bodies(draw: st.DrawFn, control: bool) -> bytes:
    kind = draw(st.sampled_from(["none", "form", "json", "raw"]))
    if kind == "form":
        pairs = draw(PAIRS)
        return "&".join(f"{name}={value}" for name, value in pairs).encode("utf-8", "replace")
    if kind == "json":
        document = draw(CONTROL_OBJECTS if control else JSON_VALUES)
        return json.dumps(document).encode("utf-8", "surrogatepass")
    if kind == "raw":
        return draw(st.binary(max_size=64))
    return b""


def concrete(path: str, draw: st.DrawFn) -> str:
    return PARAMETER.sub(lambda _: draw(st.sampled_from(["1", "0", "99", "x", "acct-1"])), path)


def snapshot(mock: MockServer) -> dict[str, Any]:
    store = mock.context.store
    counts = {
        name: len(getattr(store, name))
        for name in ("codes", "tokens", "grants", "pending", "sessions")
        if hasattr(store, name)
    }
    return {
        "clients": dict(mock.context.registry.clients),
        "users": dict(mock.context.registry.users),
        "faults": [fault.as_dict() for fault in mock.faults],
        "now": mock.clock.now(),
        "frozen": mock.clock.frozen,
        "store": counts,
    }


@st.composite
def requests(draw: st.DrawFn, routes: list[tuple[str, tuple[str, ...]]]) -> dict[str, Any]:
    path, methods = draw(st.sampled_from(routes))
    method = draw(st.sampled_from([*methods, "PUT", "DELETE"]))
    headers: list[tuple[str, str]] = []
    for name, strategy in (
        ("authorization", AUTHORIZATION),
        ("origin", ORIGIN),
        ("content-type", CONTENT_TYPE),
    ):
        value = draw(strategy)
        if value is not None:
            headers.append((name, value))
    return {
        "method": method,
        "path": concrete(path, draw),
        "query": "&".join(f"{n}={v}" for n, v in draw(PAIRS)).encode("utf-8", "replace"),
        "headers": headers,
        "body": draw(bodies(control=path.startswith("/_mock/"))),
    }


def check(request: dict[str, Any]) -> None:
    MOCK.reset()
    MOCK.clock.freeze(at=1_700_000_000)
    note(repr(request))
    before = snapshot(MOCK)
    answer = Driver(MOCK.app).request(  # raises on any 5xx
        request["method"],
        request["path"],
        query=request["query"],
        body=request["body"],
        headers=request["headers"],
    )
    note(f"{answer.status_code} {answer.text[:200]!r}")
    if 400 <= answer.status_code < 500:
        assert snapshot(MOCK) == before, "a refused request changed the state"
    # Whatever was accepted, the mock still works: its listings and its login page answer.
    browser = Driver(MOCK.app)
    for path in ("/_mock/clients", "/_mock/users", "/_mock/faults", "/_mock/requests"):
        listed = browser.get(path)
        assert listed.status_code == 200, (path, listed.text[:200])
        json.loads(listed.content)
    login = browser.get("/oauth2/auth", query=authorize_params())
    assert login.status_code == 200, login.text[:300]


@given(requests(OAUTH_ROUTES))
def test_oauth_endpoints_never_500_and_refusals_change_nothing(request: dict[str, Any]) -> None:
    check(request)


@settings(max_examples=200)
@given(requests(CONTROL_ROUTES))
def test_control_routes_never_500_and_refusals_change_nothing(request: dict[str, Any]) -> None:
    check(request)


def test_every_route_is_fuzzed() -> None:
    assert len(OAUTH_ROUTES) > 10 and len(CONTROL_ROUTES) >= 8
